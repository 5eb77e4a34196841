/* The alert rules, run by the agents: one at a time holds the lease and
 * records what the rules find in Redis (docs/alerts.md). */
#ifndef MAILNOC_AGENT_ALERT_EVAL_H
#define MAILNOC_AGENT_ALERT_EVAL_H

#include <stdbool.h>

#include "backends/alert_store.h"
#include "backends/redis.h"
#include "backends/snapshot.h"
#include "core/config.h"

/* The rules run at most this often (seconds), however short the interval. */
#define ALERT_EVAL_MIN_S 5

struct alert_eval {
	struct snapshot_query q;
	bool built;
	struct alert_sync sync;
	long long next_ms;        /* monotonic time of the next run */
	bool holder;              /* the last run held the lease */
	enum redis_err logged;    /* error class last logged */
	bool suspects_failed;     /* the harvest rule could not read them */
	bool listed_failed;  /* rep:* did not read: said once */
	bool queued_failed;  /* the nodes' q_domains did not read: said once */
	char queued_warned[256]; /* a node's bad q_domains, said once */
	bool bulk_failed;    /* the bulk windows did not read: said once */
	bool filter_failed;  /* filter:* did not read: said once */
};

/*
 * Runs the rules when due (every max(interval, ALERT_EVAL_MIN_S) seconds,
 * the first time three such periods after the start):
 * fetches the snapshot of every node in one round trip, evaluates it and
 * records the result under the lease (held 3 periods, so a dead holder
 * is replaced within that). Logs what changed and errors (once per
 * kind). Never fails the heartbeat.
 */
void alert_eval_tick(struct alert_eval *ae, struct redis *r,
    const struct config *cfg, const char *node, int interval);
void alert_eval_free(struct alert_eval *ae);

#endif
