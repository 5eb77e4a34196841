/* Announced bulk jobs: an agency's plan of J jobs of N/J recipients at
 * least a spacing apart within a window (issue 19), its arithmetic and its
 * checks. Pure: the store is backends/bulk_store.h. */
#ifndef MAILNOC_BULK_H
#define MAILNOC_BULK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/policy_model.h"

/* The guidance's spacing of jobs: 10 minutes. */
#define BULK_SPACING_DEFAULT	600
/* At most this many jobs, and recipients, in one announcement. */
#define BULK_JOBS_MAX		1000
#define BULK_RCPTS_MAX		100000000LL
/* How long an announcement is kept after its window ends. */
#define BULK_KEEP_S		(7LL * 86400)

struct bulk_plan {
	long long	id;
	char		agency[STORE_ID_MAX];
	long long	start;		/* epoch seconds; the window is */
	long long	end;		/* [start, end) */
	long long	rcpts;		/* announced recipients, N */
	long		jobs;		/* J */
	long long	spacing;	/* seconds between two jobs' starts */
	char		note[STORE_TEXT_MAX];
	char		who[STORE_WHO_MAX];
	long long	created;	/* epoch seconds */
	long long	sent;		/* recipients counted in the window */
	char		malformed[STORE_TEXT_MAX]; /* why it cannot be read */
};

struct bulk_list {
	struct bulk_plan *v;	/* by start */
	size_t n;
};

void	bulk_list_free(struct bulk_list *l);

/*
 * Parses a time as typed after --start or --end: "now", "+DURATION" or
 * "now+DURATION" (from now), or a UTC date and time "YYYY-MM-DDTHH:MM[:SS]"
 * (a space for the T too). Returns 0 with *out in epoch seconds, or -1.
 */
int	bulk_time_parse(const char *s, long long now, long long *out);

/* What bulk_time_parse accepts, to append to a refusal. */
#define BULK_TIME_ACCEPTED \
	"use now, +DURATION (such as +30m) or a UTC time YYYY-MM-DDTHH:MM"

/*
 * Checks a plan as announced at `now`: the agency id, an end after the
 * start, a window not over by now, 1 or more recipients and jobs (at most
 * one job per recipient), a spacing of 1 s or more, and every job's start
 * inside the window. Returns NULL, or why not (one line, no head).
 */
const char *bulk_check(const struct bulk_plan *p, long long now, char *buf,
	    size_t len);

/*
 * The unannounced-burst alert (core/alert.c, ALERT_BULK): an agency's
 * recipients in the bulk window (the last VOLUME_BULK_MINUTES) above the
 * guidance's BULK_GUIDANCE_RCPTS, with no announcement of its own active
 * within the last BULK_TRAIL_S (a job just over still fills the window).
 */
#define BULK_GUIDANCE_RCPTS	1000
#define BULK_TRAIL_S		600

struct bulk_recent {
	char		agency[STORE_ID_MAX];
	long long	rcpts_10min;
};

/* True when an announcement of `agency` in v was active at some time in
 * [now - BULK_TRAIL_S, now]. */
bool	bulk_announced_recently(const struct bulk_plan *v, size_t n,
	    const char *agency, long long now);

/*
 * Gives each agency of l its announcement of b active at now, else its
 * next one (the bulk_* fields of struct agency); the others get none.
 */
void	bulk_attach(struct agency_list *l, const struct bulk_list *b,
	    long long now);

/* Writes t in the zone of every time shown (ui.time_zone, docs/ui.md),
 * labelled: "YYYY-MM-DD HH:MM:SS ZONE", or "HH:MM:SS ZONE" when `clock`.
 * Returns buf. */
char	*bulk_shown(long long t, bool clock, char *buf, size_t len);

/* True when a and b are of one agency and their windows meet. */
bool	bulk_overlaps(const struct bulk_plan *a, const struct bulk_plan *b);

/* True when now lies in p's window. */
bool	bulk_active(const struct bulk_plan *p, long long now);

/* The jobs that may have begun by now: 0 outside the window, else
 * 1 + whole spacings since the start, at most p->jobs. */
long	bulk_jobs_due(const struct bulk_plan *p, long long now);

/* Recipients the first k jobs hold together: k*N/J rounded up (so the J
 * jobs hold exactly N). */
long long bulk_rcpts_of_jobs(const struct bulk_plan *p, long k);

/* Recipients the plan allows since its start by now: those of the jobs
 * due; 0 outside the window. */
long long bulk_allowance(const struct bulk_plan *p, long long now);

/* The earliest start of the next job after those due by now, or 0 when
 * every job is due or the window is over. */
long long bulk_next_job(const struct bulk_plan *p, long long now);

/* The announcement of `agency` whose window holds now, or NULL. */
const struct bulk_plan *bulk_find_active(const struct bulk_plan *v,
	    size_t n, const char *agency, long long now);

#endif
