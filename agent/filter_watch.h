/* The filter watch: a gateway's rspamd controller polled in a thread of
 * its own, its figures published to Redis (filter:{node}). */
#ifndef MAILNOC_AGENT_FILTER_WATCH_H
#define MAILNOC_AGENT_FILTER_WATCH_H

#include <pthread.h>
#include <stdbool.h>

#include "core/config.h"

struct filter_watch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const struct config *cfg;
	const struct config_node *node;
	bool verbose;
	bool stop;
	bool running;
};

/* Whether `node` names a filter to watch (a gateway with filter set). */
bool filter_watch_wanted(const struct config_node *node);

/*
 * Starts the thread: a poll at once, then every filter.interval_s. Its own
 * Redis connection and sockets, each request bounded by filter.timeout_ms:
 * a filter that hangs or answers garbage is said once in the log and
 * published as down; the policy service and the heartbeat never wait for
 * it. Returns 0, or -1 with `cause` set.
 */
int filter_watch_start(struct filter_watch *w, const struct config *cfg,
    const struct config_node *node, bool verbose, char *cause, size_t len);

/* Stops the thread (a request in progress ends at its deadline). */
void filter_watch_stop(struct filter_watch *w);

/*
 * One poll's work without Redis, for the bench: GET /stat from the
 * controller and parse it. Returns 0, or -1 with `cause` set.
 */
int filter_watch_poll_once(const struct config_node *node,
    const char *password, char *cause, size_t len);

#endif
