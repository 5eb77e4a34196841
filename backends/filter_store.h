/* What the gateways' filter watches and followers published (filter:*),
 * read for the filter and quarantine commands, the console and the alert
 * rule. */
#ifndef MAILNOC_FILTER_STORE_H
#define MAILNOC_FILTER_STORE_H

#include <stddef.h>

#include "backends/redis.h"
#include "core/filter.h"

/*
 * Reads filter:{node}, its current minute and its last 24 hour buckets
 * for every gateway with a filter configured, in one round trip, at `now`
 * (epoch seconds). *out is allocated (free it; NULL with *n 0 when no
 * gateway has one). Returns 0, or -1 with `cause` set.
 */
int filter_store_read(struct redis *r, const struct config *cfg,
    long long now, struct filter_node **out, size_t *n, char *cause,
    size_t len);

/* A quarantined message as recorded: its gateway and queue ID. */
struct filter_quarantined {
	char node[64];
	char qid[40];
	struct filter_held h;
};

/*
 * Reads the held records of every gateway (or only `node` when not NULL),
 * in one round trip. Records that do not read are left out. *out is
 * allocated. Returns 0, or -1 with `cause` set.
 */
int filter_store_held(struct redis *r, const struct config *cfg,
    const char *node, struct filter_quarantined **out, size_t *n,
    char *cause, size_t len);

#endif
