/* mailnocd's Prometheus metrics: counters the policy service and the
 * heartbeat bump, and the optional /metrics listener (libmicrohttpd). */
#ifndef MAILNOC_AGENT_METRICS_H
#define MAILNOC_AGENT_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/model.h"

/*
 * The counters are process-wide and bumped with relaxed atomic adds: the
 * policy thread never takes a lock or waits for a scrape, and a scrape
 * reads each counter whole (never a torn value).
 */
enum metrics_counter {
	MC_FAIL_ANSWERS,     /* answers with the fail action (Redis away) */
	MC_COPY_DECISIONS,   /* decided from the copy (Redis away) */
	MC_MALFORMED,        /* requests that could not be read */
	MC_ROUND_TRIPS,      /* the policy service's Redis round trips */
	MC_REDIS_ERRORS,     /* ... that failed (write, read, timeout) */
	MC_CONNECTIONS,      /* policy clients accepted */
	MC_SCRAPES,          /* /metrics answered */
	MC_LOG_LINES,        /* mail log lines the follower read */
	MC_LOG_SKIPPED,      /* ... not counted: other programs', cut, long */
	MC_DNSBL_LISTINGS,   /* (address, zone) pairs newly listed */
	MC_DNSBL_DELISTINGS, /* ... and delisted */
	MC_COUNT,
};

/* The actions a decision is counted under (the first word, lower case). */
enum metrics_action {
	MA_OK, MA_DUNNO, MA_REJECT, MA_DEFER, MA_DEFER_IF_PERMIT,
	MA_DEFER_IF_REJECT, MA_HOLD, MA_DISCARD, MA_FILTER, MA_PREPEND,
	MA_REDIRECT, MA_WARN, MA_4XX, MA_5XX, MA_OTHER, MA_COUNT,
};

void metrics_inc(enum metrics_counter c);
/* Counts one decision under its action ("REJECT blocked ..."). */
void metrics_decision(const char *action);
/* The action a Postfix answer counts under. */
enum metrics_action metrics_action_of(const char *action);
const char *metrics_action_name(enum metrics_action a);
/* Clients connected to the policy service: +1 accepted, -1 closed. */
void metrics_clients(int delta);

/* Pairs of this gateway listed after the block-list watch's last round
 * (the watch sets it). */
void metrics_dnsbl_listed(long long n);

/* What the last heartbeat published (the main thread sets it). */
void metrics_heartbeat(long long at, bool have_queues,
    const long queue[Q_COUNT], long oldest_age);

/* Everything a scrape shows, read once. */
struct metrics_values {
	unsigned long long counter[MC_COUNT];
	unsigned long long decisions[MA_COUNT];
	long long clients;
	long long dnsbl_listed;  /* -1: no round yet */
	long long heartbeat_at;  /* epoch seconds, 0: none yet */
	bool have_queues;
	long queue[Q_COUNT];
	long oldest_age;
};

void metrics_read(struct metrics_values *v);

/*
 * Writes the text exposition format (version 0.0.4) of `v` at `now`
 * (epoch seconds) for node `node` into a new string (free it).
 */
char *metrics_format(const struct metrics_values *v, long long now,
    const char *node);

struct metrics_server;

/*
 * Starts the listener on `l` (TCP) on a thread of libmicrohttpd's own,
 * with all signals blocked: GET /metrics answers, another path 404,
 * another method 405; a client has 10 s per request and at most 16 are
 * served at once. Returns it, or NULL with `cause` set.
 */
struct metrics_server *metrics_start(const struct config_listen *l,
    const char *node, char *cause, size_t len);
void metrics_stop(struct metrics_server *ms);

#endif
