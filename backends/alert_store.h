/* Alerts in Redis: the rules' results recorded, listed, acknowledged and
 * silenced (docs/redis-schema.md, "Alerts"). */
#ifndef MAILNOC_ALERT_STORE_H
#define MAILNOC_ALERT_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "backends/redis.h"
#include "core/alert.h"

/* The Lua script alert_store_sync runs (declares no keys: see the .c). */
extern const char alert_store_script[];

/* The script's SHA1 on one connection: "" until loaded. */
struct alert_sync {
	char sha[41];
};

/*
 * Records the rules' result `a[0..n)` at `now` in one script call: an
 * alert not active yet gets a new id and first_seen; an active one gets
 * its severity, text and last_seen (going from warning to critical drops
 * its acknowledgement); an active alert not in `a` is resolved (kept
 * ALERT_KEEP_S). Only the holder of the lease (alerts:lease, `owner`,
 * renewed for lease_s seconds) writes: another agent's lease answers 0.
 * Returns 1 when recorded (*raised and *resolved set), 0 when another
 * holds the lease, -1 with r->err and `cause` set.
 */
int alert_store_sync(struct redis *r, struct alert_sync *st,
    const char *owner, int lease_s, const struct alert_raise *a, size_t n,
    long long now, int *raised, int *resolved, char *cause, size_t len);

struct silence {
	char kind[ALERT_KIND_MAX];
	char subject[ALERT_SUBJECT_MAX];
	long long until;
	long long since;
	char why[ALERT_TEXT_MAX];
	char who[ALERT_WHO_MAX];
};

struct alert_list {
	struct alert *v;      /* newest change first */
	size_t n;
	struct silence *s;    /* silences in force */
	size_t ns;
};

/* At most this many alerts are listed (the newest). */
#define ALERT_LIST_MAX 1000

/*
 * Reads the alerts (only the active ones unless `all`) and the silences in
 * force at `now`, and marks each alert a silence covers. A record that
 * cannot be read is listed with its `malformed` reason; a key of the
 * wrong type too. Returns 0 (free with alert_list_free), or -1 with
 * r->err and `cause` set. Two round trips.
 */
int alert_store_list(struct redis *r, bool all, long long now,
    struct alert_list *out, char *cause, size_t len);
void alert_list_free(struct alert_list *l);

/*
 * Acknowledges alert `id`: ack_by, ack_at, ack_note ("" for none). An id
 * that names no alert, or a resolved one, changes nothing: -1 with
 * r->err RERR_NONE and `cause` saying so. Returns 0 with *out the record
 * as it now is, or -1 with `cause` set.
 */
int alert_store_ack(struct redis *r, long long id, const char *who,
    const char *note, long long now, struct alert *out, char *cause,
    size_t len);

/*
 * Silences `kind` for `subject` ("*": every subject) until `until` (later
 * than now), saying why: one MULTI/EXEC that writes the hash with an
 * EXPIREAT, so it ends by itself, and its index entry (dropping index
 * entries that ended). Returns 0, or -1 with `cause` set.
 */
int alert_store_silence(struct redis *r, const char *kind,
    const char *subject, long long until, const char *who, const char *why,
    long long now, char *cause, size_t len);

#endif
