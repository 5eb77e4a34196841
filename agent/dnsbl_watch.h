/* The block-list watch: a gateway's egress addresses on every DNSBL zone,
 * looked up in a thread of its own and published to Redis. */
#ifndef MAILNOC_AGENT_DNSBL_WATCH_H
#define MAILNOC_AGENT_DNSBL_WATCH_H

#include <pthread.h>
#include <stdbool.h>

#include "core/config.h"

struct dnsbl_watch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const struct config *cfg;
	const struct config_node *node;
	bool verbose;
	bool stop;
	bool running;
	int poll_ms;   /* how often rep:check is read */
};

/*
 * Whether `node` has anything to watch: a gateway with egress addresses
 * and at least one zone configured.
 */
bool dnsbl_watch_wanted(const struct config *cfg,
    const struct config_node *node);

/*
 * Starts the thread: a round at once, then every dnsbl.interval_s, and at
 * once when the console sets rep:check to a new id. Its own Redis
 * connection and resolver context: nothing it waits for can hold the
 * policy service or the heartbeat. Returns 0, or -1 with `cause` set.
 */
int dnsbl_watch_start(struct dnsbl_watch *w, const struct config *cfg,
    const struct config_node *node, bool verbose, char *cause,
    size_t len);

/* Stops the thread (a round in progress ends at its deadline). */
void dnsbl_watch_stop(struct dnsbl_watch *w);

#endif
