/* Message trace queries: what is asked, checked once, and the SQL that asks it. */
#ifndef MAILNOC_TRACE_H
#define MAILNOC_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/maillog_parse.h"

/* The default and the largest number of messages a trace returns. */
#define TRACE_LIMIT_DEFAULT 100
#define TRACE_LIMIT_MAX 100000
/* The longest message-id kept and asked for. */
#define TRACE_MSGID_MAX 250

/* What a message became (the index's msg.state), in this order. */
enum trace_state {
	TRACE_QUEUED,     /* still queued: no attempt yet */
	TRACE_DEFERRED,   /* still queued: the last attempt was deferred */
	TRACE_HELD,       /* in the hold queue */
	TRACE_DELIVERED,  /* removed after every recipient was sent */
	TRACE_BOUNCED,    /* removed with a bounce (a notification went out) */
	TRACE_EXPIRED,    /* returned after maximal_queue_lifetime */
	TRACE_DELETED,    /* deleted by postsuper -d */
	TRACE_REJECTED,   /* refused by smtpd or cleanup */
	TRACE_STATES,
};

/* One step of a message's life (the index's step.kind). */
enum trace_step {
	TRACE_STEP_SENT,
	TRACE_STEP_DEFERRED,
	TRACE_STEP_BOUNCED,
	TRACE_STEP_EXPIRED,
	TRACE_STEP_HELD,
	TRACE_STEP_RELEASED,
	TRACE_STEP_DELETED,
	TRACE_STEP_REJECTED,
	TRACE_STEP_NOTIFIED,   /* a non-delivery notification was sent */
	TRACE_STEP_OTHER,      /* a delivery status Postfix has besides */
	TRACE_STEPS,
};

/* "queued", "deferred", ...; "?" out of range. */
const char *trace_state_name(int s);
const char *trace_step_name(int s);
/* The state called `name`, or -1. */
int trace_state_parse(const char *name);

/* How an address is asked for. */
enum trace_match {
	TRACE_ANY,      /* not asked */
	TRACE_EXACT,    /* user@example.test: this address */
	TRACE_DOMAIN,   /* @example.test: any address of the domain */
	TRACE_PREFIX,   /* user* or user@exa*: addresses that begin so */
};

struct trace_addr {
	enum trace_match match;
	/* Exact and prefix: the address with its domain in lower case (the
	 * index keeps addresses so); domain: the domain alone, lower case. */
	char value[MAILLOG_ADDR_MAX + 1];
};

struct trace_query {
	char qid[MAILLOG_QID_MAX + 1];    /* "" not asked */
	char msgid[TRACE_MSGID_MAX + 1]; /* without <>; "" not asked */
	struct trace_addr from, to;
	char client[MAILLOG_IP_MAX + 1]; /* canonical; "" not asked */
	long long since, until;          /* epoch s; -1 not asked */
	int state;                       /* enum trace_state; -1 any */
	long limit;
};

void trace_query_init(struct trace_query *q);

/*
 * Checks an address as asked (--from, --to) and fills `a`: "@domain",
 * "text*" (a prefix: no other '*'), or an address. Returns 0, or -1 with
 * `cause` saying what is accepted.
 */
int trace_addr_parse(const char *s, struct trace_addr *a, char *cause,
    size_t len);

/*
 * Checks a time as asked (--since, --until): a duration back from `now`
 * ("60d", "2h"), epoch seconds, "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]"
 * (UTC). Returns 0 with *out set, or -1 with `cause` set.
 */
int trace_time_parse(const char *s, long long now, long long *out,
    char *cause, size_t len);

/*
 * Sets one field of q from an option as typed: "id", "msgid", "from",
 * "to", "client", "since", "until", "status", "limit". Returns 0, or -1
 * with `cause` naming the option and what it accepts.
 */
int trace_query_set(struct trace_query *q, const char *opt, const char *v,
    long long now, char *cause, size_t len);

/* Whether anything is asked besides times, status and limit. */
bool trace_query_selective(const struct trace_query *q);

/* A parameter of the SQL: an integer or a text (bound, never spliced). */
struct trace_param {
	bool is_text;
	long long i;
	const char *s;     /* points into the query or the params' storage */
};

#define TRACE_PARAMS_MAX 16

struct trace_sql {
	char text[2048];
	struct trace_param p[TRACE_PARAMS_MAX];
	int n;
	/* The LIKE patterns (prefix matches) with '\', '%' and '_' escaped. */
	char like[2][2 * MAILLOG_ADDR_MAX + 2];
};

/*
 * The SELECT of the ids of the messages q asks for, newest first, at most
 * q->limit; every value asked is a parameter (?NNN) in s->p, never text
 * of the statement. The tables are docs/trace.md's. Returns 0, or -1 when
 * it does not fit (not with the queries trace_query_set makes).
 */
int trace_sql_build(const struct trace_query *q, struct trace_sql *s);

/* Escapes `in` for LIKE ... ESCAPE '\' and appends '%'. Returns 0 or -1
 * when `out` is too small. */
int trace_like_prefix(const char *in, char *out, size_t len);

/*
 * The arguments that ask the same on a node (mailnocd trace): "--to",
 * "VALUE", ... in out[] (at most `max`), pointing into q and `buf` (times
 * as epoch seconds). Returns their number, or -1 when max is too small.
 */
int trace_query_argv(const struct trace_query *q, const char **out, int max,
    char *buf, size_t buflen);

/*
 * The time of a JSON line of the trace (its "time" member) for merging,
 * read without a full parse; -1 when it has none.
 */
long long trace_line_time(const char *line);

/*
 * Merges the lines of several nodes, each newest first, into one list
 * newest first (stable: equal times keep node order), at most `limit`
 * (0: all). lines[i] has n[i] entries. Returns the merged list (free the
 * array only); *count its length.
 */
const char **trace_merge(const char *const *const *lines, const size_t *n,
    size_t nodes, size_t limit, size_t *count);

#endif
