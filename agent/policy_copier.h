/* The policy service's loader thread: it keeps the copy of blocks, permits
 * and agency limits current (its own Redis connection, off the serving
 * path) and hands the newest copy to the serving thread. */
#ifndef MAILNOC_AGENT_POLICY_COPIER_H
#define MAILNOC_AGENT_POLICY_COPIER_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/policy_copy.h"
#include "core/config.h"

/*
 * The version counter and the node's drain flag are read this often (one
 * GET and one HGET in one round trip); a moved counter means a reload.
 */
#define POLICY_COPIER_CHECK_MS	1000

struct policy_copier;

/*
 * Starts the thread; it loads the copy at once, then checks it every
 * POLICY_COPIER_CHECK_MS and loads it again when policy:version moved or
 * node->policy.copy_reload_s passed. A load that fails keeps the copy it
 * had. Returns the copier, or NULL with `cause` set.
 */
struct policy_copier *policy_copier_start(const struct config *cfg,
    const struct config_node *node, char *cause, size_t causelen);

/*
 * Stops the thread (waiting for a load under way, bounded by the Redis
 * timeouts) and frees every copy. The serving thread must not use a copy
 * it took any more. NULL is accepted.
 */
void	policy_copier_stop(struct policy_copier *pk);

/*
 * For the serving thread only: the newest copy, or NULL when none was
 * loaded yet. The copy stays valid until the next call (which frees the
 * one returned before when a newer one came). Never blocks on the network.
 */
const struct policy_copy *policy_copier_take(struct policy_copier *pk);

/*
 * Wall ms when the copy was last known to hold what Redis holds (loaded,
 * or the version read and unchanged); 0 when there is none. Any thread.
 */
long long policy_copier_confirmed_ms(const struct policy_copier *pk);

/* The node's drain flag as last read. Any thread. */
bool	policy_copier_draining(const struct policy_copier *pk);

#endif
