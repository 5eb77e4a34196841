/* Blocks, relay permits and agencies in Redis, and the agencies' volume:
 * what the console reads and writes (DESIGN.md §3, core/keys.h). The agent
 * reads the same keys in agent/policy_redis.c. */
#ifndef MAILNOC_POLICY_STORE_H
#define MAILNOC_POLICY_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/policy_model.h"

struct redis;

/*
 * Every function returns 0 on success, or -1 with `cause` set to one line
 * (and r->err telling the exit code through redis_exit_code). Lists are
 * freed with the matching _free.
 */

/*
 * Blocks `ip` (validated: a single IPv4 or IPv6 address, ranges refused
 * with the reason). until is 0 for a permanent block. With `extend` the IP
 * must already be blocked and only until changes (reason and who are kept
 * unless given); otherwise an existing block is replaced. Writes the hash,
 * its EXPIRE, the index and a block/extend event in one MULTI/EXEC. *out
 * receives the block as stored.
 */
int	store_block(struct redis *r, const char *ip, const char *reason,
	    const char *who, long long now, long long until, bool extend,
	    struct block_entry *out, char *cause, size_t len);

/*
 * Removes the block of `ip` and writes an unblock event. Returns 1 when it
 * was blocked (*was receives it when not NULL), 0 when it was not, -1.
 */
int	store_unblock(struct redis *r, const char *ip, const char *who,
	    long long now, struct block_entry *was, char *cause, size_t len);

/* Reads one block: 1 found, 0 not blocked, -1. */
int	store_block_get(struct redis *r, const char *ip, struct block_entry *out,
	    char *cause, size_t len);

/* Lists the blocks in force at `now`; writes nothing (block and unblock
 * drop ended blocks from the index). */
int	store_blocks_list(struct redis *r, long long now, struct block_list *out,
	    char *cause, size_t len);

/* Adds or replaces the permit of `ip` for an existing agency. */
int	store_permit_add(struct redis *r, const char *ip, const char *agency,
	    const char *app, long long expected, const char *who, long long now,
	    char *cause, size_t len);
/* Returns 1 removed, 0 there was none, -1. */
int	store_permit_remove(struct redis *r, const char *ip, char *cause,
	    size_t len);
/* Lists permits, of one agency when `agency` is not NULL. */
int	store_permits_list(struct redis *r, const char *agency,
	    struct permit_list *out, char *cause, size_t len);

/*
 * Applies an inventory: every agency named must exist, then all permits are
 * written in one MULTI/EXEC, or none.
 */
int	store_permit_import(struct redis *r, const struct permit_row *rows,
	    size_t n, const char *who, long long now, char *cause, size_t len);

/*
 * Creates (create = true: refused when it exists) or updates (refused when
 * it does not) agency a->id, writing the fields in `fields`.
 */
int	store_agency_put(struct redis *r, const struct agency *a, int fields,
	    bool create, char *cause, size_t len);

/* Reads one agency: 1 found, 0 unknown, -1. */
int	store_agency_get(struct redis *r, const char *id, struct agency *out,
	    char *cause, size_t len);

/*
 * Lists the agencies; with `volumes`, also their volume at now_ms
 * (milliseconds since the epoch) from the minute and hour buckets.
 */
int	store_agencies_list(struct redis *r, long long now_ms, bool volumes,
	    struct agency_list *out, char *cause, size_t len);

/*
 * Additions for the commands (cmd/cmd_block.c, cmd_permit.c, cmd_agency.c).
 */

/*
 * The exit code of the last failure: redis_exit_code when Redis failed
 * (3 unreachable, 4 denied), 1 when the store refused (not blocked, unknown
 * agency, bad input: r->err is RERR_NONE then).
 */
int	store_exit_code(const struct redis *r);

/* Reads one permit: 1 found, 0 none, -1. */
int	store_permit_get(struct redis *r, const char *ip,
	    struct permit_entry *out, char *cause, size_t len);

/*
 * store_permit_import that also counts, for the report: *added new IPs,
 * *replaced IPs that had a permit (either may be NULL).
 */
int	store_permit_import_counted(struct redis *r,
	    const struct permit_row *rows, size_t n, const char *who,
	    long long now, size_t *added, size_t *replaced, char *cause,
	    size_t len);

/*
 * Which of n agency ids exist (agency:{id}), in one round trip: exists[i]
 * is set for each. Returns 0 or -1.
 */
int	store_agencies_exist(struct redis *r, const char *const *ids,
	    size_t n, bool *exists, char *cause, size_t len);

/* A refusal of a store's own (not Redis's): r->err cleared, so the exit
 * code is 1; `cause` set from fmt. Returns -1. */
int store_refuse(struct redis *r, char *cause, size_t len, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

#endif
