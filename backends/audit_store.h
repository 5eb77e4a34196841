/* The audit stream in Redis: the idempotent write of a record (also used to
 * replay the spool file) and reading the records back. */
#ifndef MAILNOC_AUDIT_STORE_H
#define MAILNOC_AUDIT_STORE_H

#include <stddef.h>

#include "backends/redis.h"
#include "core/audit.h"

struct audit_list {
	struct audit_record *v;
	size_t n;
};

struct audit_query {
	long long since_ms;  /* 0: the whole stream */
	const char *user;    /* NULL: everyone */
	size_t limit;        /* at most this many, newest first */
};

/* A writer (core/audit.h) on the connection `r`. */
void audit_store_writer(struct audit_writer *w, struct redis *r);

/*
 * Adds the record to the stream unless its id was added before (one Lua
 * script: the dedup key audit:id:{id}, XADD with MINID ~ 60 days). Returns
 * an enum audit_write with `cause` set when it was not written.
 */
int audit_store_write(void *redis, const struct audit_record *rec,
    char *cause, size_t len);

/*
 * Replays the spool file into the stream (audit_spool_replay). Returns 0,
 * or -1 with `cause` set.
 */
int audit_store_replay(struct redis *r, struct audit_replay *rep,
    char *cause, size_t len);

/*
 * Writes `rec` (its redis_user set from the configuration), replaying the
 * spool first; what the stream does not take goes to the spool. Returns
 * an enum audit_outcome with `cause` set when not written.
 */
int audit_store_submit(struct redis *r, struct audit_record *rec,
    char *cause, size_t len);

/*
 * Reads records newest first (stream order: a replayed record sits where
 * it arrived). Returns 0 (free with audit_list_free), or -1 with `cause`
 * set and r->err saying why.
 */
int audit_store_list(struct redis *r, const struct audit_query *q,
    struct audit_list *l, char *cause, size_t len);

void audit_list_free(struct audit_list *l);

#endif
