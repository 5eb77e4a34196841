/* Announced bulk jobs: the plan's arithmetic and the checks of a new one. */
#include "core/bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/duration.h"
#include "core/validate.h"

void
bulk_list_free(struct bulk_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* "YYYY-MM-DDTHH:MM[:SS]" in UTC; -1 when it is not that. */
static int
bulk_time_utc(const char *s, long long *out)
{
	struct tm	 tm;
	const char	*end;
	time_t		 t;

	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL ||
	    (*end != 'T' && *end != ' '))
		return -1;
	s = end + 1;
	if ((end = strptime(s, "%H:%M", &tm)) == NULL)
		return -1;
	if (*end == ':' && (end = strptime(end + 1, "%S", &tm)) == NULL)
		return -1;
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = (long long)t;
	return 0;
}

int
bulk_time_parse(const char *s, long long now, long long *out)
{
	long long	secs;

	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (strncmp(s, "now+", 4) == 0)
		s += 3;
	if (*s == '+') {
		if (duration_parse(s + 1, &secs) == -1)
			return -1;
		*out = now + secs;
		return 0;
	}
	return bulk_time_utc(s, out);
}

const char *
bulk_check(const struct bulk_plan *p, long long now, char *buf, size_t len)
{
	const char	*why;
	char		 d1[32], d2[32];

	if ((why = validate_name(p->agency)) != NULL) {
		snprintf(buf, len, "'%s' is not an agency id: %s", p->agency,
		    why);
		return buf;
	}
	if (p->end <= p->start) {
		snprintf(buf, len, "the end is not after the start");
		return buf;
	}
	if (p->end <= now) {
		snprintf(buf, len, "the window is in the past (it ended %s "
		    "ago)", duration_format(now - p->end, d1, sizeof d1));
		return buf;
	}
	if (p->rcpts < 1 || p->rcpts > BULK_RCPTS_MAX) {
		snprintf(buf, len, "--rcpts %lld is not accepted: use 1 to "
		    "%lld recipients", p->rcpts, BULK_RCPTS_MAX);
		return buf;
	}
	if (p->jobs < 1 || p->jobs > BULK_JOBS_MAX || p->jobs > p->rcpts) {
		snprintf(buf, len, "--jobs %ld is not accepted: use 1 to %lld "
		    "jobs, at most one per recipient", p->jobs,
		    p->rcpts < BULK_JOBS_MAX ? p->rcpts : BULK_JOBS_MAX);
		return buf;
	}
	if (p->spacing < 1 || p->spacing > DURATION_MAX) {
		snprintf(buf, len, "the spacing is not accepted: %s",
		    DURATION_ACCEPTED);
		return buf;
	}
	if ((long long)(p->jobs - 1) * p->spacing >= p->end - p->start) {
		snprintf(buf, len, "%ld jobs %s apart do not fit in a window "
		    "of %s: the last would start at or after its end",
		    p->jobs, duration_format(p->spacing, d1, sizeof d1),
		    duration_format(p->end - p->start, d2, sizeof d2));
		return buf;
	}
	return NULL;
}

char *
bulk_shown(long long t, bool clock, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, clock ? "%H:%M:%S %Z" :
	    "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, len, "%lld", t);
	return buf;
}

bool
bulk_overlaps(const struct bulk_plan *a, const struct bulk_plan *b)
{
	return strcmp(a->agency, b->agency) == 0 && a->start < b->end &&
	    b->start < a->end;
}

bool
bulk_active(const struct bulk_plan *p, long long now)
{
	return now >= p->start && now < p->end;
}

long
bulk_jobs_due(const struct bulk_plan *p, long long now)
{
	long long	k;

	if (!bulk_active(p, now) || p->jobs < 1 || p->spacing < 1)
		return 0;
	k = (now - p->start) / p->spacing + 1;
	return k >= p->jobs ? p->jobs : (long)k;
}

long long
bulk_rcpts_of_jobs(const struct bulk_plan *p, long k)
{
	if (p->jobs < 1 || k < 1)
		return 0;
	if (k >= p->jobs)
		return p->rcpts;
	/* N <= 1e8 and k < J <= 1000: no overflow. */
	return ((long long)k * p->rcpts + p->jobs - 1) / p->jobs;
}

long long
bulk_allowance(const struct bulk_plan *p, long long now)
{
	return bulk_rcpts_of_jobs(p, bulk_jobs_due(p, now));
}

long long
bulk_next_job(const struct bulk_plan *p, long long now)
{
	long		k = bulk_jobs_due(p, now);
	long long	at;

	if (k == 0 && now < p->start)
		return p->start;
	if (k == 0 || k >= p->jobs)
		return 0;
	at = p->start + (long long)k * p->spacing;
	return at < p->end ? at : 0;
}

void
bulk_attach(struct agency_list *l, const struct bulk_list *b, long long now)
{
	const struct bulk_plan *p, *best;
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		struct agency *a = &l->v[i];

		best = NULL;
		for (k = 0; k < b->n; k++) {
			p = &b->v[k];
			if (p->malformed[0] != '\0' || p->end <= now ||
			    strcmp(p->agency, a->id) != 0)
				continue;
			/* By start: the first one not over is active or next. */
			if (best == NULL || p->start < best->start)
				best = p;
		}
		a->bulk_id = best != NULL ? best->id : 0;
		a->bulk_active = best != NULL && bulk_active(best, now);
		a->bulk_start = best != NULL ? best->start : 0;
		a->bulk_end = best != NULL ? best->end : 0;
		a->bulk_announced = best != NULL ? best->rcpts : 0;
		a->bulk_sent = best != NULL ? best->sent : 0;
		a->bulk_jobs = best != NULL ? best->jobs : 0;
		a->bulk_due = best != NULL ? bulk_jobs_due(best, now) : 0;
		a->bulk_next = best != NULL ? bulk_next_job(best, now) : 0;
	}
}

bool
bulk_announced_recently(const struct bulk_plan *v, size_t n,
    const char *agency, long long now)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (v[i].malformed[0] == '\0' &&
		    strcmp(v[i].agency, agency) == 0 &&
		    v[i].start <= now && v[i].end > now - BULK_TRAIL_S)
			return true;
	}
	return false;
}

const struct bulk_plan *
bulk_find_active(const struct bulk_plan *v, size_t n, const char *agency,
    long long now)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (v[i].malformed[0] == '\0' && bulk_active(&v[i], now) &&
		    strcmp(v[i].agency, agency) == 0)
			return &v[i];
	}
	return NULL;
}
