/* Reads what the gateways queue per provider now: the q_domains field of
 * their heartbeats (docs/redis-schema.md, "node:{name} fields"). */
#ifndef MAILNOC_QUEUED_STORE_H
#define MAILNOC_QUEUED_STORE_H

#include <stddef.h>

#include "backends/redis.h"
#include "core/maillog_report.h"
#include "core/queued.h"

/*
 * Sums the q_domains of every live node (the configured ones and those the
 * `nodes` set names; a node whose alive key expired is left out: its
 * counts are old) into `sum` (initialized here), in two round trips. A
 * value that does not decode is left out, and `warn` says so in one line
 * ("gw1's q_domains ignored: entry 'x' ..."; "" when all read). Returns
 * the number of nodes whose value was summed, or -1 with r->err and
 * `cause` set.
 */
int queued_store_read(struct redis *r, struct queued_list *sum, char *warn,
    size_t warnlen, char *cause, size_t len);

/*
 * queued_store_read, then ml_providers_queued on `p`. A failure to read
 * is not one of the providers': it leaves queued unknown and says why in
 * p->queued_warning. Returns what queued_store_read returned.
 */
int queued_store_providers(struct redis *r, struct ml_providers *p);

#endif
