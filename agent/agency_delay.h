/* The agencies' mail deferred on this gateway past notify.delay_minutes,
 * for the heartbeat and the agency-delay alert. */
#ifndef MAILNOC_AGENT_AGENCY_DELAY_H
#define MAILNOC_AGENT_AGENCY_DELAY_H

#include <stddef.h>

#include "backends/redis.h"
#include "core/config.h"

/* How often a gateway counts again. */
#define AGENCY_DELAY_INTERVAL_MS 60000

/*
 * Lists the gateway's queue (`postqueue -c POSTFIX_CONFIG -j`, at most
 * `deferred` messages expected), reads the agencies and their sending
 * domains from Redis, and writes the heartbeat field: "ID COUNT OLDEST"
 * for each agency with messages deferred since before now -
 * notify.delay_minutes, most first, as many as fit in len (core/
 * role_mailbox.h's form). Returns 0, or -1 with `cause` set (out empty).
 */
int agency_delay_count(const struct config *cfg, const struct config_node *n,
    struct redis *r, long long now, long deferred, char *out, size_t len,
    char *cause, size_t causelen);

#endif
