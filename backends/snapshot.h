/* Fetching the model's snapshot from Redis in one pipelined round trip. */
#ifndef MAILNOC_SNAPSHOT_H
#define MAILNOC_SNAPSHOT_H

#include "backends/redis.h"
#include "core/model.h"

/* How many events the overview fetches. */
#define SNAPSHOT_EVENTS 50

/*
 * Fetches every configured node plus the `nextra` nodes named in `extra`
 * (known from an earlier snapshot's nodes set), the newest events and the
 * blocklist, permit and agency counts: one pipeline, one round trip.
 * Returns the snapshot (free with snapshot_free), or NULL with r->err set.
 * Values that do not validate are left as "not reported"; a garbled node
 * hash never fails the whole snapshot.
 */
struct snapshot *snapshot_fetch(struct redis *r, char *const *extra,
    size_t nextra);

#endif
