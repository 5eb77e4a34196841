/* The domain x age matrix of Postfix's qshape(1), from the queue model. */
#ifndef MAILNOC_QSHAPE_H
#define MAILNOC_QSHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "core/queue_filter.h"

/*
 * The defaults count as qshape does (docs/queues.md has the details):
 *
 * - recipients, by recipient domain: a message with three recipients adds
 *   three; with `sender` (-s) one per message, by sender domain, and only
 *   for messages that still have a recipient;
 * - the domain is the lower-cased text after the last '@' with ".." made
 *   "." and one leading and one trailing dot removed; an address without
 *   '@' counts as itself, the empty address as "MAILER-DAEMON";
 * - age buckets of `tick` minutes doubling (linear: multiples), the last
 *   open-ended: 5 10 20 40 80 160 320 640 1280 1280+ by default, where
 *   "10" holds ages in [5, 10) minutes;
 * - the TOTAL row sums every counted address; rows are sorted by their
 *   total, larger first, then by shorter name (then by name, where
 *   qshape's order is that of a Perl hash), and TOTAL takes its place
 *   among them;
 * - the queues are incoming and active together unless others are chosen.
 */
struct qshape_opts {
	unsigned queues;    /* QUEUE_BIT mask; 0: incoming + active */
	int node;           /* node index, -1: all nodes together */
	bool sender;        /* -s */
	bool parents;       /* -p: add rows for parent domains */
	int min_subdomains; /* -m: parent rows need this many subdomains (5) */
	int buckets;        /* -b: number of age buckets (10) */
	int tick;           /* -t: first bucket's limit in minutes (5) */
	bool linear;        /* -l */
	long long now;      /* ages are taken at this epoch second */
	const struct queue_filter *filter; /* NULL or only matching messages */
};

#define QSHAPE_BUCKETS_MAX 64

struct qshape_row {
	char *domain; /* "TOTAL" for the total row */
	bool total;
	long *count;  /* [0] all ages, [1 .. buckets] per bucket */
};

struct qshape {
	int buckets;
	char **heads;     /* buckets + 1 column headings: "T", "5", ... */
	long *limit;      /* [1 .. buckets]: bucket's upper age limit in
	                     minutes; -1 for the last, open-ended one */
	struct qshape_row *rows; /* in qshape's order, TOTAL included */
	size_t nrows;
	long messages;    /* messages counted */
	long addresses;   /* recipients (or senders) counted = TOTAL */
	long *cells;      /* storage behind the rows' counts */
};

/* The defaults above, ages taken at `now`. */
void qshape_opts_init(struct qshape_opts *o, long long now);

/*
 * The bucket (1 .. buckets) of a message `age` seconds old: the same
 * floating-point arithmetic as qshape, so boundaries fall alike. Ages
 * below one tick, negative ones included, are in bucket 1.
 */
int qshape_bucket(long long age, int tick, int buckets, bool linear);

/*
 * Computes the matrix. Returns 0, or -1 with `cause` set for options out of
 * range (buckets 1 .. QSHAPE_BUCKETS_MAX, tick >= 1, a node that is not in
 * the set). Free with qshape_free().
 */
int qshape_build(const struct queue_set *qs, const struct qshape_opts *o,
    struct qshape *out, char *cause, size_t causelen);
void qshape_free(struct qshape *qsh);

/*
 * The text qshape prints when its output is not a terminal: right-justified
 * columns sized from TOTAL's counts, the domain column filling `width`
 * (80, or more as with -w) but at least 18, long names cut to '+' and their
 * tail. `top` limits the rows, TOTAL counted, as qshape -n does on a
 * terminal (0: all). Returns a string to free.
 */
char *qshape_text(const struct qshape *qsh, int width, size_t top);
/* Writes qshape_text() to `f`; returns 0 or -1 on a write error. */
int qshape_print(const struct qshape *qsh, FILE *f, int width, size_t top);
/*
 * {"buckets": [{"label": "5", "max_minutes": 5}, ...],
 *  "messages": N, "total": {"total": N, "counts": [...]},
 *  "domains": [{"domain": D, "total": N, "counts": [...]}, ...]}
 * with domains in the text's order and TOTAL left out of them; `top` as
 * above. A new reference.
 */
json_t *qshape_json(const struct qshape *qsh, size_t top);

#endif
