/* Fetching the model's snapshot from Redis in one pipelined round trip. */
#ifndef MAILNOC_SNAPSHOT_H
#define MAILNOC_SNAPSHOT_H

#include "backends/redis.h"
#include "core/model.h"

/* How many events the overview fetches. */
#define SNAPSHOT_EVENTS 50

/*
 * The pipeline of one refresh, formatted once: every refresh sends the same
 * bytes, so formatting them again each time would be wasted work.
 */
struct snapshot_query {
	char **names;  /* the nodes asked for: configured, then extra */
	size_t nnames;
	size_t nconfigured;
	char *request; /* the whole pipeline in RESP */
	size_t len;
	size_t ncmd;
};

/*
 * Builds the query for every configured node plus the `nextra` nodes named
 * in `extra` (known from an earlier snapshot's nodes set).
 */
void snapshot_query_build(struct snapshot_query *q, const struct config *cfg,
    char *const *extra, size_t nextra);
void snapshot_query_free(struct snapshot_query *q);

/*
 * Runs the query: every node, the newest events and the blocklist, permit
 * and agency counts, in one pipeline and one round trip. Returns the
 * snapshot (free with snapshot_free), or NULL with r->err set. Values that
 * do not validate are left as "not reported"; a garbled node hash never
 * fails the whole snapshot.
 */
struct snapshot *snapshot_fetch(struct redis *r,
    const struct snapshot_query *q);

/*
 * Builds the snapshot from the replies of `q`'s pipeline (q->ncmd of them,
 * in order, none an error), as snapshot_fetch does after reading them.
 * Never fails: a reply of the wrong type or a value that does not validate
 * is left as "not reported". The replies stay the caller's.
 */
struct snapshot *snapshot_parse(const struct config *cfg,
    const struct snapshot_query *q, redisReply *const *rep);

#endif
