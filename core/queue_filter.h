/* Queue filters: the expression language of `queue list` and the console's
 * '/', parsed once and matched against messages. */
#ifndef MAILNOC_QUEUE_FILTER_H
#define MAILNOC_QUEUE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/queue.h"

/*
 * An expression is terms separated by spaces, all of which must
 * match (see docs/queues.md):
 *
 *   queue:deferred,hold   node:gw1,gw2     id:3F2A
 *   sender:TEXT   rcpt:TEXT   domain:TEXT   reason:TEXT
 *   age>1h  age<=30m  size>10k  size<2M
 *
 * Text matches a substring, ignoring ASCII case; rcpt, domain and reason
 * match when any recipient matches. A value with spaces is written in
 * double quotes (reason:"try again later"; \" and \\ inside). A text term
 * preceded by '!' matches when no field matches it. Ages take s, m, h, d
 * or w (plain numbers are seconds); sizes take k, M or G (powers of 1024).
 */
enum queue_term_key {
	QTERM_ID,
	QTERM_SENDER,
	QTERM_RCPT,
	QTERM_DOMAIN,
	QTERM_REASON,
};

struct queue_term {
	enum queue_term_key key;
	bool negate;
	char *text;
};

struct queue_filter {
	unsigned queues;     /* QUEUE_BIT mask; 0: any */
	char **nodes;        /* node names, any of which matches; none: any */
	size_t nnodes;
	struct queue_term *terms;
	size_t nterms;
	long long min_age;   /* seconds, inclusive; LLONG_MIN: no bound */
	long long max_age;   /* LLONG_MAX: no bound */
	long long min_size;  /* bytes, inclusive; LLONG_MIN: no bound */
	long long max_size;  /* LLONG_MAX: no bound */
};

/* An empty filter: everything matches. */
void queue_filter_init(struct queue_filter *f);
void queue_filter_free(struct queue_filter *f);
/*
 * Parses an expression into `f` (initialised here). Returns 0, or -1 with a
 * one-line `cause` (and `f` empty).
 */
int queue_filter_parse(struct queue_filter *f, const char *expr, char *cause,
    size_t causelen);
/* True when the message matches; ages are taken at `now` (epoch seconds). */
bool queue_filter_match(const struct queue_set *qs,
    const struct queue_filter *f, const struct queue_msg *m, long long now);
/*
 * True when the message is in one of `queues` (a QUEUE_BIT mask), on `node`
 * (-1: any) and matches `f` (NULL: all) at `now`: what a report counts.
 */
bool queue_filter_pick(const struct queue_set *qs, const struct queue_msg *m,
    unsigned queues, int node, const struct queue_filter *f, long long now);
/*
 * Sets *rows to a new array of the indices of matching messages (in set
 * order; NULL filter: all) and returns how many.
 */
size_t queue_select(const struct queue_set *qs, const struct queue_filter *f,
    long long now, uint32_t **rows);

#endif
