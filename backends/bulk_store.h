/* Announced bulk jobs in Redis (bulk:{id}, bulks, bulks:seq, the counts in
 * vol:bulk:{id}): docs/redis-schema.md. */
#ifndef MAILNOC_BULK_STORE_H
#define MAILNOC_BULK_STORE_H

#include <stddef.h>

#include "backends/redis.h"
#include "core/bulk.h"

/*
 * Lists the announcements whose window ends after `since` (epoch seconds),
 * by start, each with the recipients counted in its window. An
 * announcement whose hash cannot be read is listed with `malformed` set.
 * Returns 0, or -1 with `cause` set and r->err (store_exit_code).
 */
int	bulk_store_list(struct redis *r, long long since, struct bulk_list *out,
	    char *cause, size_t len);

/*
 * Every agency's recipients in the bulk window at now_ms (the minute
 * buckets of the last VOLUME_BULK_MINUTES), for the unannounced-burst
 * alert: *out (free it) holds *n agencies. Reads only what an agent's ACL
 * user may: the agencies set and HMGET of the minute buckets. Returns 0,
 * or -1 with `cause` set.
 */
int	bulk_store_recent(struct redis *r, long long now_ms,
	    struct bulk_recent **out, size_t *n, char *cause, size_t len);

/*
 * Records the checked plan p (its id is given here) in one MULTI/EXEC with
 * its index and policy:version, refused when another announcement of the
 * agency overlaps its window (the WATCH of the index makes the check and
 * the write one step). Returns 0 with p->id set, or -1 with `cause` set
 * (r->err RERR_NONE for a refusal).
 */
int	bulk_store_announce(struct redis *r, struct bulk_plan *p, long long now,
	    char *cause, size_t len);

/*
 * Deletes announcement `id` (its counts stay until they expire) in one
 * MULTI/EXEC with its index and policy:version; *was is what it was.
 * Returns 1, 0 when there is no such announcement, or -1 with `cause`.
 */
int	bulk_store_cancel(struct redis *r, long long id, struct bulk_plan *was,
	    char *cause, size_t len);

#endif
