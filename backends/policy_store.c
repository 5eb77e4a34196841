/* Blocks, relay permits and agencies in Redis, and the agencies' volume
 * (backends/policy_store.h). Reads are pipelined: a listing costs two round
 * trips however many entries it has; writes that touch several keys are one
 * MULTI/EXEC. */
#include "backends/policy_store.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/redis.h"
#include "core/exitcode.h"
#include "core/keys.h"
#include "core/policy_input.h"
#include "core/validate.h"
#include "core/xalloc.h"

#define STORE_KEY_MAX 192

/* Fields of block:{ip} read with HMGET, in this order. */
#define BLOCK_HMGET BF_REASON " " BF_WHO " " BF_SINCE " " BF_UNTIL " " \
	BF_HITS " " BF_LAST_HIT
#define BLOCK_NFIELDS 6
/* Fields of permit:{ip}. */
#define PINFO_HMGET PF_APP " " PF_EXPECTED " " PF_WHO " " PF_SINCE
#define PINFO_NFIELDS 4
/* Fields of agency:{id}. */
#define AGENCY_HMGET AF_NAME " " AF_CONTACT " " AF_DAILY " " AF_MAX_RCPTS \
	" " AF_MAX_PER_MIN " " AF_BULK_RCPTS " " AF_DOMAINS
#define AGENCY_NFIELDS 7

int
store_refuse(struct redis *r, char *cause, size_t len, const char *fmt, ...)
{
	va_list ap;

	r->err = RERR_NONE;
	va_start(ap, fmt);
	vsnprintf(cause, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Redis failed (r->err set): "what: why". */
static int
store_redis_fail(struct redis *r, char *cause, size_t len, const char *what)
{
	snprintf(cause, len, "%s: %s", what, r->errstr[0] ? r->errstr :
	    "redis failed");
	return -1;
}

int
store_exit_code(const struct redis *r)
{
	int code = redis_exit_code(r);

	return code == EXIT_OK ? EXIT_FAILED : code;
}

static void
store_free_replies(redisReply **rep, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (rep[i] != NULL)
			freeReplyObject(rep[i]);
	}
	free(rep);
}

/*
 * Reads n pipelined replies into a new array. Returns it, or NULL with
 * r->err set (every reply freed).
 */
static redisReply **
store_read(struct redis *r, size_t n)
{
	redisReply **rep = xcalloc(n + 1, sizeof *rep);

	if (redis_read_replies(r, n, rep) == -1) {
		free(rep);
		return NULL;
	}
	return rep;
}

/* The first error reply among n, recorded in r; 0 when none. */
static int
store_reply_errors(struct redis *r, redisReply **rep, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			redis_set_reply_error(r, rep[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * As store_reply_errors, but a key of the wrong type is left for the caller
 * to show as one malformed entry instead of failing the whole listing.
 */
static int
store_reply_errors_but_type(struct redis *r, redisReply **rep, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR &&
		    !redis_wrongtype(rep[i])) {
			redis_set_reply_error(r, rep[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * Names a key of the wrong type among the first n replies (the keys in the
 * same order) as the reason a listing cannot be made; 0 when none.
 */
static int
store_index_type(struct redis *r, redisReply **rep, size_t n,
    const char *const *keys, const char *type, char *cause, size_t len,
    const char *what)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!redis_wrongtype(rep[i]))
			continue;
		r->err = RERR_REPLY;
		snprintf(r->errstr, sizeof r->errstr, "key %s is not %s",
		    keys[i], type);
		snprintf(cause, len, "%s: key %s is not %s (fix or delete it "
		    "in Redis)", what, keys[i], type);
		return -1;
	}
	return 0;
}

/*
 * Checks the replies of MULTI, the queued commands and EXEC (the last).
 * Returns 0 when it ran, 1 when a WATCHed key changed so nothing ran, -1
 * with r->err set (a NOPERM while queuing is reported before EXECABORT).
 */
static int
store_tx_check(struct redis *r, redisReply **rep, size_t n)
{
	const redisReply *exec = rep[n - 1];
	size_t i, queued = 0;

	if (store_reply_errors(r, rep, n) == -1)
		return -1;
	if (exec->type == REDIS_REPLY_NIL)
		return 1;
	/*
	 * Every command between MULTI and EXEC was QUEUED, and EXEC holds one
	 * result for each: callers index into them, so a server that answers
	 * otherwise (a hostile one, or anyone on a clear-text link) must not
	 * get that far.
	 */
	for (i = 1; i + 1 < n; i++)
		queued += rep[i]->type == REDIS_REPLY_STATUS &&
		    strcmp(rep[i]->str, "QUEUED") == 0;
	if (n < 2 || queued != n - 2 || exec->type != REDIS_REPLY_ARRAY ||
	    exec->elements != queued) {
		r->err = RERR_REPLY;
		snprintf(r->errstr, sizeof r->errstr, "redis: unexpected reply "
		    "to EXEC");
		return -1;
	}
	for (i = 0; i < exec->elements; i++) {
		if (exec->element[i]->type == REDIS_REPLY_ERROR) {
			redis_set_reply_error(r, exec->element[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * Ends a WATCH that leads nowhere, keeping the error being reported: the
 * connection outlives the call (the console's worker reuses it).
 */
static void
store_unwatch(struct redis *r)
{
	enum redis_err err = r->err;
	char errstr[sizeof r->errstr];
	redisReply *x;

	memcpy(errstr, r->errstr, sizeof errstr);
	if (r->ctx != NULL && (x = redis_command(r, "UNWATCH")) != NULL)
		freeReplyObject(x);
	r->err = err;
	memcpy(r->errstr, errstr, sizeof errstr);
}

/*
 * store_read, and no reply an error: the n replies, or NULL with cause set
 * ("what: why") and every reply freed; after an error reply the WATCH is
 * dropped when watched.
 */
static redisReply **
store_read_ok(struct redis *r, size_t n, int watched, char *cause, size_t len,
    const char *what)
{
	redisReply **rep;

	if ((rep = store_read(r, n)) == NULL) {
		store_redis_fail(r, cause, len, what);
		return NULL;
	}
	if (store_reply_errors(r, rep, n) == -1) {
		store_free_replies(rep, n);
		if (watched)
			store_unwatch(r);
		store_redis_fail(r, cause, len, what);
		return NULL;
	}
	return rep;
}

static void
store_append(struct redis *r, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (redisvAppendCommand(r->ctx, fmt, ap) != REDIS_OK) {
		xfatal("out of memory queuing a command");
	}
	va_end(ap);
	(*n)++;
}

static void
store_append_argv(struct redis *r, size_t *n, int argc, const char **argv)
{
	if (redisAppendCommandArgv(r->ctx, argc, argv, NULL) != REDIS_OK) {
		xfatal("out of memory queuing a command");
	}
	(*n)++;
}

/*
 * Queues the INCR of policy:version inside a MULTI that changes blocks,
 * permits or agencies: the agents reload their copy when it moves
 * (agent/policy_copier.c).
 */
static void
store_bump(struct redis *r, size_t *n)
{
	char key[300];

	redis_key(r->cfg, key, sizeof key, "%s", KEY_POLICY_VERSION);
	store_append(r, n, "INCR %s", key);
}

/*
 * Ends the transaction queued since MULTI (n commands so far) with the
 * INCR of policy:version and EXEC,
 * sends it and checks the replies. Returns 0, or -1 with `cause` "head:
 * why"; when a WATCHed key changed, why is `changed` (NULL: a failure like
 * any other).
 */
static int
store_exec(struct redis *r, size_t n, const char *head, const char *changed,
    char *cause, size_t len)
{
	redisReply **rep;
	int rc;

	store_bump(r, &n);
	store_append(r, &n, "EXEC");
	if ((rep = store_read(r, n)) == NULL)
		return store_redis_fail(r, cause, len, head);
	rc = store_tx_check(r, rep, n);
	store_free_replies(rep, n);
	if (rc == 1 && changed != NULL)
		return store_refuse(r, cause, len, "%s: %s", head, changed);
	if (rc != 0)
		return store_redis_fail(r, cause, len, head);
	return 0;
}

static const char *
store_str(const redisReply *v)
{
	return v != NULL && v->type == REDIS_REPLY_STRING &&
	    strlen(v->str) == v->len ? v->str : NULL;
}

/* A count or time from Redis; `def` when absent or not a number. */
static long long
store_ll(const redisReply *v, long long min, long long def)
{
	const char *s = store_str(v);
	long long n;

	if (s == NULL || policy_input_number(s, min, 1LL << 53, &n) == -1)
		return def;
	return n;
}

static void
store_text(char *dst, size_t len, const redisReply *v)
{
	const char *s = store_str(v);

	validate_sanitize(dst, len, s != NULL ? s : "");
}

/* Fills a block from HMGET BLOCK_HMGET; returns 1 when it exists. */
static int
store_block_parse(struct block_entry *b, const char *ip, const redisReply *h)
{
	memset(b, 0, sizeof *b);
	snprintf(b->ip, sizeof b->ip, "%s", ip);
	if (h->type != REDIS_REPLY_ARRAY || h->elements != BLOCK_NFIELDS)
		return 0;
	if (store_str(h->element[0]) == NULL &&
	    store_str(h->element[3]) == NULL)
		return 0;
	store_text(b->reason, sizeof b->reason, h->element[0]);
	store_text(b->who, sizeof b->who, h->element[1]);
	b->since = store_ll(h->element[2], 0, 0);
	b->until = store_ll(h->element[3], 0, 0);
	b->hits = store_ll(h->element[4], 0, 0);
	b->last_hit = store_ll(h->element[5], 0, 0);
	return 1;
}

static void
store_agency_of(char *dst, size_t len, const redisReply *v)
{
	const char *s = store_str(v);

	snprintf(dst, len, "%s", s != NULL && validate_name(s) == NULL ? s : "");
}

static void
store_utc(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What a block event says, for people reading the events. */
static void
store_block_detail(char *buf, size_t len, const char *type,
    const struct block_entry *b, const char *who)
{
	char until[32];

	if (b->until != 0)
		store_utc(b->until, until, sizeof until);
	if (strcmp(type, "unblock") == 0)
		snprintf(buf, len, "%s by %s (was: %s)", b->ip, who, b->reason);
	else if (b->until == 0)
		snprintf(buf, len, "%s permanently by %s: %s", b->ip, who,
		    b->reason);
	else
		snprintf(buf, len, "%s until %s by %s: %s", b->ip, until, who,
		    b->reason);
}

/* The keys a change of one block touches. */
struct store_block_keys {
	char	block[STORE_KEY_MAX];	/* the block's hash */
	char	blocks[STORE_KEY_MAX];	/* the index, by end */
	char	events[STORE_KEY_MAX];
	char	permit[STORE_KEY_MAX];	/* whose agency the IP is */
};

static void
store_block_keys(struct redis *r, const char *canon,
    struct store_block_keys *k)
{
	redis_key(r->cfg, k->block, sizeof k->block, KEY_BLOCK, canon);
	redis_key(r->cfg, k->blocks, sizeof k->blocks, KEY_BLOCKS);
	redis_key(r->cfg, k->events, sizeof k->events, KEY_EVENTS);
	redis_key(r->cfg, k->permit, sizeof k->permit, KEY_PERMIT);
}

/*
 * Queues what every change of a block ends with: the index forgets the
 * blocks that ended (listing never writes), and the event `what`.
 */
static void
store_block_event(struct redis *r, size_t *n, const struct store_block_keys *k,
    const char *what, long long now, const char *detail)
{
	store_append(r, n, "ZREMRANGEBYSCORE %s (0 %lld", k->blocks, now);
	store_append(r, n, "XADD %s MAXLEN ~ %d * " EV_TYPE " %s " EV_AT
	    " %lld " EV_DETAIL " %s", k->events, EVENTS_MAXLEN, what, now,
	    detail);
}

int
store_block(struct redis *r, const char *ip, const char *reason,
    const char *who, long long now, long long until, bool extend,
    struct block_entry *out, char *cause, size_t len)
{
	const char *what = extend ? "extend" : "block", *why;
	struct store_block_keys k;
	char canon[STORE_IP_MAX], detail[600], head[96];
	struct block_entry cur, e;
	redisReply **rep;
	size_t n = 0;
	int found;

	if ((why = validate_ip_canon(ip, canon, sizeof canon)) != NULL)
		return store_refuse(r, cause, len, "cannot %s '%s': %s", what,
		    ip, why);
	snprintf(head, sizeof head, "cannot %s '%s'", what, canon);
	if ((reason != NULL || !extend) && (why = validate_text(
	    reason != NULL ? reason : "", STORE_TEXT_MAX - 1)) != NULL)
		return store_refuse(r, cause, len, "%s: the reason is not "
		    "accepted: %s", head, why);
	if (who == NULL || validate_text(who, STORE_WHO_MAX - 1) != NULL)
		return store_refuse(r, cause, len, "%s: who blocks is not "
		    "known", head);
	if (until != 0 && until <= now)
		return store_refuse(r, cause, len, "%s: the end is not in the "
		    "future", head);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, head);
	store_block_keys(r, canon, &k);

	/* Round trip 1: the block as it is, and the IP's agency. */
	if (extend)
		store_append(r, &n, "WATCH %s", k.block);
	store_append(r, &n, "HMGET %s " BLOCK_HMGET, k.block);
	store_append(r, &n, "HGET %s %s", k.permit, canon);
	if ((rep = store_read_ok(r, n, extend, cause, len, head)) == NULL)
		return -1;
	found = store_block_parse(&cur, canon, rep[n - 2]);
	store_agency_of(cur.agency, sizeof cur.agency, rep[n - 1]);
	store_free_replies(rep, n);
	if (extend && !found) {
		store_unwatch(r);
		return store_refuse(r, cause, len, "%s: it is not blocked; "
		    "use 'block'", head);
	}
	if (extend) {
		e = cur;
		if (reason != NULL)
			snprintf(e.reason, sizeof e.reason, "%s", reason);
		snprintf(e.who, sizeof e.who, "%s", who);
	} else {
		memset(&e, 0, sizeof e);
		snprintf(e.ip, sizeof e.ip, "%s", canon);
		snprintf(e.reason, sizeof e.reason, "%s", reason);
		snprintf(e.who, sizeof e.who, "%s", who);
		snprintf(e.agency, sizeof e.agency, "%s", cur.agency);
		e.since = now;
	}
	e.until = until;
	store_block_detail(detail, sizeof detail, what, &e, who);

	/* Round trip 2: the hash, its expiry, the index and the event. */
	n = 0;
	store_append(r, &n, "MULTI");
	if (!extend)
		store_append(r, &n, "DEL %s", k.block);
	/* Every field, so that a block expiring meanwhile comes back whole. */
	store_append(r, &n, "HSET %s " BF_REASON " %s " BF_WHO " %s " BF_SINCE
	    " %lld " BF_UNTIL " %lld", k.block, e.reason, e.who, e.since,
	    e.until);
	if (until != 0)
		store_append(r, &n, "EXPIREAT %s %lld", k.block, until);
	else
		store_append(r, &n, "PERSIST %s", k.block);
	store_append(r, &n, "ZADD %s %lld %s", k.blocks, until, canon);
	store_block_event(r, &n, &k, what, now, detail);
	if (store_exec(r, n, head, "the block changed meanwhile (it expired "
	    "or was lifted); nothing was changed", cause, len) == -1)
		return -1;
	if (out != NULL)
		*out = e;
	return 0;
}

int
store_unblock(struct redis *r, const char *ip, const char *who,
    long long now, struct block_entry *was, char *cause, size_t len)
{
	struct store_block_keys k;
	char canon[STORE_IP_MAX], detail[600], head[96];
	struct block_entry cur;
	redisReply **rep;
	const char *why;
	size_t n = 0;
	int found, indexed;

	if ((why = validate_ip_canon(ip, canon, sizeof canon)) != NULL)
		return store_refuse(r, cause, len, "cannot unblock '%s': %s",
		    ip, why);
	snprintf(head, sizeof head, "cannot unblock '%s'", canon);
	if (who == NULL || validate_text(who, STORE_WHO_MAX - 1) != NULL)
		return store_refuse(r, cause, len, "%s: who unblocks is not "
		    "known", head);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, head);
	store_block_keys(r, canon, &k);

	store_append(r, &n, "WATCH %s", k.block);
	store_append(r, &n, "HMGET %s " BLOCK_HMGET, k.block);
	store_append(r, &n, "HGET %s %s", k.permit, canon);
	store_append(r, &n, "ZSCORE %s %s", k.blocks, canon);
	if ((rep = store_read_ok(r, n, 1, cause, len, head)) == NULL)
		return -1;
	found = store_block_parse(&cur, canon, rep[1]);
	store_agency_of(cur.agency, sizeof cur.agency, rep[2]);
	indexed = store_str(rep[3]) != NULL;
	store_free_replies(rep, 4);
	if (!found) {
		store_unwatch(r);
		/* An expired block's index entry: clean it (a reader may not). */
		if (indexed) {
			redisReply *z = redis_command(r, "ZREM %s %s", k.blocks,
			    canon);

			if (z != NULL)
				freeReplyObject(z);
		}
		r->err = RERR_NONE;
		return 0;
	}
	store_block_detail(detail, sizeof detail, "unblock", &cur, who);
	n = 0;
	store_append(r, &n, "MULTI");
	store_append(r, &n, "DEL %s", k.block);
	store_append(r, &n, "ZREM %s %s", k.blocks, canon);
	store_block_event(r, &n, &k, "unblock", now, detail);
	if (store_exec(r, n, head, "the block changed meanwhile; look again "
	    "with 'blocks'", cause, len) == -1)
		return -1;
	if (was != NULL)
		*was = cur;
	return 1;
}

int
store_block_get(struct redis *r, const char *ip, struct block_entry *out,
    char *cause, size_t len)
{
	char canon[STORE_IP_MAX], key[STORE_KEY_MAX], permit[STORE_KEY_MAX];
	redisReply **rep;
	const char *why;
	size_t n = 0;
	int found;

	if ((why = validate_ip_canon(ip, canon, sizeof canon)) != NULL)
		return store_refuse(r, cause, len, "cannot look up '%s': %s",
		    ip, why);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, "cannot read blocks");
	redis_key(r->cfg, key, sizeof key, KEY_BLOCK, canon);
	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	store_append(r, &n, "HMGET %s " BLOCK_HMGET, key);
	store_append(r, &n, "HGET %s %s", permit, canon);
	if ((rep = store_read_ok(r, n, 0, cause, len,
	    "cannot read blocks")) == NULL)
		return -1;
	found = store_block_parse(out, canon, rep[0]);
	store_agency_of(out->agency, sizeof out->agency, rep[1]);
	store_free_replies(rep, n);
	return found;
}

/* Appends the members of a ZRANGEBYSCORE reply that are addresses. */
static void
store_members(const redisReply *z, char ***ips, size_t *n)
{
	char canon[STORE_IP_MAX];
	size_t i;

	if (z->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < z->elements; i++) {
		const char *s = store_str(z->element[i]);

		if (s == NULL || validate_ip_canon(s, canon, sizeof canon) != NULL ||
		    strcmp(s, canon) != 0)
			continue;
		*ips = xreallocarray(*ips, *n + 1, sizeof **ips);
		(*ips)[(*n)++] = xstrdup(s);
	}
}

static void
store_free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
store_blocks_list(struct redis *r, long long now, struct block_list *out,
    char *cause, size_t len)
{
	static const char what[] = "cannot list the blocks";
	char blocks[STORE_KEY_MAX], key[STORE_KEY_MAX], permit[STORE_KEY_MAX],
	    live[32];
	char **ips = NULL;
	const char **argv;
	redisReply **rep;
	size_t n = 0, nips = 0, i;

	memset(out, 0, sizeof *out);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, what);
	redis_key(r->cfg, blocks, sizeof blocks, KEY_BLOCKS);
	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	snprintf(live, sizeof live, "(%lld", now);

	/*
	 * Round trip 1: the temporary blocks still in force, by end, and the
	 * permanent ones. Listing writes nothing (a read-only console lists
	 * too): the index drops ended blocks when a block is written.
	 */
	store_append(r, &n, "ZRANGEBYSCORE %s %s +inf", blocks, live);
	store_append(r, &n, "ZRANGEBYSCORE %s 0 0", blocks);
	if ((rep = store_read(r, n)) == NULL)
		return store_redis_fail(r, cause, len, what);
	if (store_index_type(r, rep, 1, (const char *const[]){ blocks },
	    "a sorted set", cause, len, what) == -1) {
		store_free_replies(rep, n);
		return -1;
	}
	if (store_reply_errors(r, rep, 2) == -1) {
		store_free_replies(rep, n);
		return store_redis_fail(r, cause, len, what);
	}
	store_members(rep[0], &ips, &nips);
	store_members(rep[1], &ips, &nips);
	store_free_replies(rep, n);
	out->v = xcalloc(nips + 1, sizeof *out->v);
	if (nips == 0)
		return 0;

	/* Round trip 2: every block's hash, and their permits in one HMGET. */
	n = 0;
	for (i = 0; i < nips; i++)
		store_append(r, &n, "HMGET %s " BLOCK_HMGET, redis_key(r->cfg,
		    key, sizeof key, KEY_BLOCK, ips[i]));
	argv = xcalloc(nips + 2, sizeof *argv);
	argv[0] = "HMGET";
	argv[1] = permit;
	for (i = 0; i < nips; i++)
		argv[i + 2] = ips[i];
	store_append_argv(r, &n, (int)nips + 2, argv);
	free(argv);
	if ((rep = store_read(r, n)) == NULL) {
		store_free_strings(ips, nips);
		return store_redis_fail(r, cause, len, what);
	}
	if (store_reply_errors_but_type(r, rep, n) == -1) {
		store_free_replies(rep, n);
		store_free_strings(ips, nips);
		return store_redis_fail(r, cause, len, what);
	}
	for (i = 0; i < nips; i++) {
		struct block_entry *b = &out->v[out->n];
		const redisReply *p = rep[nips];

		if (redis_wrongtype(rep[i])) {
			memset(b, 0, sizeof *b);
			snprintf(b->ip, sizeof b->ip, "%s", ips[i]);
			snprintf(b->malformed, sizeof b->malformed, "key %s is "
			    "not a hash", redis_key(r->cfg, key, sizeof key,
			    KEY_BLOCK, ips[i]));
			snprintf(b->reason, sizeof b->reason, "MALFORMED: %s",
			    b->malformed);
		} else if (!store_block_parse(b, ips[i], rep[i]) ||
		    (b->until != 0 && b->until <= now))
			/* Gone since the index was read, or expired meanwhile. */
			continue;
		if (p->type == REDIS_REPLY_ARRAY && p->elements == nips)
			store_agency_of(b->agency, sizeof b->agency,
			    p->element[i]);
		out->n++;
	}
	store_free_replies(rep, n);
	store_free_strings(ips, nips);
	return 0;
}

/* Fills the permit:{ip} and block state of p from two HMGET replies. */
static void
store_permit_parse(struct permit_entry *p, const redisReply *info,
    const redisReply *block)
{
	p->expected = -1;
	if (info->type == REDIS_REPLY_ARRAY && info->elements == PINFO_NFIELDS) {
		store_text(p->app, sizeof p->app, info->element[0]);
		p->expected = store_ll(info->element[1], 0, -1);
		store_text(p->who, sizeof p->who, info->element[2]);
		p->since = store_ll(info->element[3], 0, 0);
	}
	if (block->type == REDIS_REPLY_ARRAY && block->elements == 2 &&
	    (store_str(block->element[0]) != NULL ||
	     store_str(block->element[1]) != NULL)) {
		p->blocked = true;
		p->block_until = store_ll(block->element[0], 0, 0);
	}
}

int
store_permit_get(struct redis *r, const char *ip, struct permit_entry *out,
    char *cause, size_t len)
{
	char canon[STORE_IP_MAX], permit[STORE_KEY_MAX], key[STORE_KEY_MAX];
	redisReply **rep;
	const char *why;
	size_t n = 0;
	int found;

	memset(out, 0, sizeof *out);
	out->expected = -1;
	if ((why = validate_ip_canon(ip, canon, sizeof canon)) != NULL)
		return store_refuse(r, cause, len, "cannot look up '%s': %s",
		    ip, why);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, "cannot read permits");
	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	store_append(r, &n, "HGET %s %s", permit, canon);
	store_append(r, &n, "HMGET %s " PINFO_HMGET, redis_key(r->cfg, key,
	    sizeof key, KEY_PERMIT_INFO, canon));
	store_append(r, &n, "HMGET %s " BF_UNTIL " " BF_REASON,
	    redis_key(r->cfg, key, sizeof key, KEY_BLOCK, canon));
	if ((rep = store_read_ok(r, n, 0, cause, len,
	    "cannot read permits")) == NULL)
		return -1;
	snprintf(out->ip, sizeof out->ip, "%s", canon);
	store_agency_of(out->agency, sizeof out->agency, rep[0]);
	found = out->agency[0] != '\0';
	if (found)
		store_permit_parse(out, rep[1], rep[2]);
	store_free_replies(rep, n);
	return found;
}

/* Orders addresses as numbers: IPv4 first, then IPv6. */
static int
store_ip_cmp(const char *a, const char *b)
{
	unsigned char x[17] = { 0 }, y[17] = { 0 };

	if (inet_pton(AF_INET, a, x + 1) != 1 &&
	    inet_pton(AF_INET6, a, x + 1) == 1)
		x[0] = 1;
	if (inet_pton(AF_INET, b, y + 1) != 1 &&
	    inet_pton(AF_INET6, b, y + 1) == 1)
		y[0] = 1;
	return memcmp(x, y, sizeof x);
}

static int
store_permit_cmp(const void *a, const void *b)
{
	const struct permit_entry *x = a, *y = b;
	int d = strcmp(x->agency, y->agency);

	return d != 0 ? d : store_ip_cmp(x->ip, y->ip);
}

int
store_permits_list(struct redis *r, const char *agency,
    struct permit_list *out, char *cause, size_t len)
{
	static const char what[] = "cannot list the permits";
	char permit[STORE_KEY_MAX], key[STORE_KEY_MAX], canon[STORE_IP_MAX];
	const redisReply *all;
	redisReply **rep, *h;
	size_t n = 0, i, k;

	memset(out, 0, sizeof *out);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, what);
	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	if ((h = redis_command(r, "HGETALL %s", permit)) == NULL)
		return store_redis_fail(r, cause, len, what);
	all = h;
	out->v = xcalloc(all->elements / 2 + 1, sizeof *out->v);
	for (i = 0; i + 1 < all->elements; i += 2) {
		const char *ip = store_str(all->element[i]);
		const char *ag = store_str(all->element[i + 1]);
		struct permit_entry *p = &out->v[out->n];

		if (ip == NULL || ag == NULL || validate_name(ag) != NULL ||
		    validate_ip_canon(ip, canon, sizeof canon) != NULL ||
		    strcmp(ip, canon) != 0)
			continue;
		if (agency != NULL && strcmp(agency, ag) != 0)
			continue;
		snprintf(p->ip, sizeof p->ip, "%s", ip);
		snprintf(p->agency, sizeof p->agency, "%s", ag);
		p->expected = -1;
		out->n++;
	}
	freeReplyObject(h);
	if (out->n == 0)
		return 0;

	/* Round trip 2: what each permit records, and whether it is blocked. */
	for (k = 0; k < out->n; k++) {
		store_append(r, &n, "HMGET %s " PINFO_HMGET, redis_key(r->cfg,
		    key, sizeof key, KEY_PERMIT_INFO, out->v[k].ip));
		store_append(r, &n, "HMGET %s " BF_UNTIL " " BF_REASON,
		    redis_key(r->cfg, key, sizeof key, KEY_BLOCK, out->v[k].ip));
	}
	if ((rep = store_read_ok(r, n, 0, cause, len, what)) == NULL) {
		permit_list_free(out);
		return -1;
	}
	for (k = 0; k < out->n; k++)
		store_permit_parse(&out->v[k], rep[2 * k], rep[2 * k + 1]);
	store_free_replies(rep, n);
	qsort(out->v, out->n, sizeof *out->v, store_permit_cmp);
	return 0;
}

/* Queues the writes of one permit (inside a MULTI). */
static void
store_permit_queue(struct redis *r, size_t *n, const char *ip,
    const char *agency, const char *app, long long expected, const char *who,
    long long now)
{
	char permit[STORE_KEY_MAX], info[STORE_KEY_MAX];

	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	redis_key(r->cfg, info, sizeof info, KEY_PERMIT_INFO, ip);
	store_append(r, n, "HSET %s %s %s", permit, ip, agency);
	store_append(r, n, "DEL %s", info);
	if (app != NULL && app[0] != '\0')
		store_append(r, n, "HSET %s " PF_APP " %s", info, app);
	if (expected >= 0)
		store_append(r, n, "HSET %s " PF_EXPECTED " %lld", info,
		    expected);
	store_append(r, n, "HSET %s " PF_WHO " %s " PF_SINCE " %lld", info,
	    who, now);
}

/* Checks what a permit is made of; returns NULL or why not (in buf). */
static const char *
store_permit_check(const char *agency, const char *app, long long expected,
    const char *who, char *buf, size_t len)
{
	const char *why;

	if ((why = validate_name(agency)) != NULL) {
		snprintf(buf, len, "agency '%.40s' is not an agency id: %s",
		    agency, why);
		return buf;
	}
	if (app != NULL && app[0] != '\0' && (why = validate_text(app,
	    STORE_TEXT_MAX - 1)) != NULL) {
		snprintf(buf, len, "the application is not accepted: %s", why);
		return buf;
	}
	if (expected < -1) {
		snprintf(buf, len, "the expected volume is negative");
		return buf;
	}
	if (who == NULL || validate_text(who, STORE_WHO_MAX - 1) != NULL) {
		snprintf(buf, len, "who permits is not known");
		return buf;
	}
	return NULL;
}

int
store_permit_add(struct redis *r, const char *ip, const char *agency,
    const char *app, long long expected, const char *who, long long now,
    char *cause, size_t len)
{
	char canon[STORE_IP_MAX], key[STORE_KEY_MAX], head[96], why2[160];
	redisReply *x;
	const char *why;
	size_t n = 0;
	int rc;

	if ((why = validate_ip_canon(ip, canon, sizeof canon)) != NULL)
		return store_refuse(r, cause, len, "cannot permit '%s': %s", ip,
		    why);
	snprintf(head, sizeof head, "cannot permit '%s'", canon);
	if ((why = store_permit_check(agency, app, expected, who, why2,
	    sizeof why2)) != NULL)
		return store_refuse(r, cause, len, "%s: %s", head, why);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, head);
	x = redis_command(r, "EXISTS %s", redis_key(r->cfg, key, sizeof key,
	    KEY_AGENCY, agency));
	if (x == NULL)
		return store_redis_fail(r, cause, len, head);
	rc = x->type == REDIS_REPLY_INTEGER && x->integer == 1;
	freeReplyObject(x);
	if (!rc)
		return store_refuse(r, cause, len, "%s: agency '%s' does not "
		    "exist; add it with 'agency add'", head, agency);
	store_append(r, &n, "MULTI");
	store_permit_queue(r, &n, canon, agency, app, expected, who, now);
	return store_exec(r, n, head, NULL, cause, len);
}

int
store_permit_remove(struct redis *r, const char *ip, char *cause, size_t len)
{
	char canon[STORE_IP_MAX], permit[STORE_KEY_MAX], info[STORE_KEY_MAX],
	    head[96];
	redisReply **rep;
	const char *why;
	size_t n = 0;
	int rc, removed;

	if ((why = validate_ip_canon(ip, canon, sizeof canon)) != NULL)
		return store_refuse(r, cause, len, "cannot remove the permit of "
		    "'%s': %s", ip, why);
	snprintf(head, sizeof head, "cannot remove the permit of '%s'", canon);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, head);
	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	redis_key(r->cfg, info, sizeof info, KEY_PERMIT_INFO, canon);
	store_append(r, &n, "MULTI");
	store_append(r, &n, "HDEL %s %s", permit, canon);
	store_append(r, &n, "DEL %s", info);
	store_bump(r, &n);
	store_append(r, &n, "EXEC");
	if ((rep = store_read(r, n)) == NULL)
		return store_redis_fail(r, cause, len, head);
	if ((rc = store_tx_check(r, rep, n)) != 0) {
		store_free_replies(rep, n);
		return store_redis_fail(r, cause, len, head);
	}
	removed = rep[n - 1]->element[0]->type == REDIS_REPLY_INTEGER &&
	    rep[n - 1]->element[0]->integer == 1;
	store_free_replies(rep, n);
	return removed;
}

int
store_agencies_exist(struct redis *r, const char *const *ids, size_t n,
    bool *exists, char *cause, size_t len)
{
	static const char what[] = "cannot look up agencies";
	char key[STORE_KEY_MAX];
	redisReply **rep;
	size_t i, q = 0;

	if (n == 0)
		return 0;
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, what);
	for (i = 0; i < n; i++)
		store_append(r, &q, "EXISTS %s", redis_key(r->cfg, key,
		    sizeof key, KEY_AGENCY, ids[i]));
	if ((rep = store_read(r, q)) == NULL)
		return store_redis_fail(r, cause, len, what);
	if (store_reply_errors(r, rep, q) == -1) {
		store_free_replies(rep, q);
		return store_redis_fail(r, cause, len, what);
	}
	for (i = 0; i < n; i++)
		exists[i] = rep[i]->type == REDIS_REPLY_INTEGER &&
		    rep[i]->integer == 1;
	store_free_replies(rep, q);
	return 0;
}

static int
store_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* WATCH agency:{id} of every id: one command. Returns 0, or -1 (r->err). */
static int
store_watch_agencies(struct redis *r, const char *const *ids, size_t n)
{
	char (*keys)[STORE_KEY_MAX] = xcalloc(n, sizeof *keys);
	const char **argv = xcalloc(n + 1, sizeof *argv);
	redisReply *x;
	size_t i;

	argv[0] = "WATCH";
	for (i = 0; i < n; i++)
		argv[i + 1] = redis_key(r->cfg, keys[i], sizeof keys[i],
		    KEY_AGENCY, ids[i]);
	x = redis_commandv(r, (int)n + 1, argv, NULL);
	free(argv);
	free(keys);
	if (x == NULL)
		return -1;
	freeReplyObject(x);
	return 0;
}

/*
 * Checks every row, its IP made canonical into ips[i] and its agency put in
 * ids[i]. Returns 0, or -1 with `cause` naming the line.
 */
static int
store_import_rows(struct redis *r, const struct permit_row *rows, size_t n,
    const char *who, char (*ips)[STORE_IP_MAX], const char **ids,
    const char *head, char *cause, size_t len)
{
	char why2[160];
	const char *why;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct permit_row *w = &rows[i];

		if ((why = validate_ip_canon(w->ip, ips[i],
		    sizeof ips[i])) != NULL)
			return store_refuse(r, cause, len, "%s: line %d: ip "
			    "'%s': %s", head, w->line, w->ip, why);
		if ((why = store_permit_check(w->agency, w->app, w->expected,
		    who, why2, sizeof why2)) != NULL)
			return store_refuse(r, cause, len, "%s: line %d: %s",
			    head, w->line, why);
		ids[i] = w->agency;
	}
	return 0;
}

/* Sorts ids and keeps each once, in front; returns how many there are. */
static size_t
store_distinct(const char **ids, size_t n)
{
	size_t i, nids = 0;

	qsort(ids, n, sizeof *ids, store_str_cmp);
	for (i = 0; i < n; i++) {
		if (nids == 0 || strcmp(ids[nids - 1], ids[i]) != 0)
			ids[nids++] = ids[i];
	}
	return nids;
}

/* Copies an IP given twice into `twice` and returns true, or false. */
static bool
store_ip_twice(char (*ips)[STORE_IP_MAX], size_t n, char *twice, size_t size)
{
	const char **sorted = xcalloc(n, sizeof *sorted);
	size_t i;

	for (i = 0; i < n; i++)
		sorted[i] = ips[i];
	qsort(sorted, n, sizeof *sorted, store_str_cmp);
	for (i = 1; i < n && strcmp(sorted[i - 1], sorted[i]) != 0; i++)
		;
	if (i < n)
		snprintf(twice, size, "%s", sorted[i]);
	free(sorted);
	return i < n;
}

/*
 * WATCHes the agencies, so that one removed before EXEC aborts the import,
 * and checks that each exists. Returns 0 (watching), or -1 with `cause`
 * (not watching).
 */
static int
store_import_agencies(struct redis *r, const char **ids, size_t nids,
    const char *head, char *cause, size_t len)
{
	bool *exists;
	size_t i;
	int rc = 0;

	if (store_watch_agencies(r, ids, nids) == -1)
		return store_redis_fail(r, cause, len, head);
	exists = xcalloc(nids, sizeof *exists);
	if (store_agencies_exist(r, ids, nids, exists, cause, len) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < nids; i++) {
		if (!exists[i])
			rc = store_refuse(r, cause, len, "%s: agency '%s' does "
			    "not exist; add it with 'agency add'", head, ids[i]);
	}
	free(exists);
	if (rc == -1)
		store_unwatch(r);
	return rc;
}

/*
 * Counts the IPs that have a permit already (*nrep) and the others (*nadd),
 * for the report. Returns 0, or -1 with `cause`.
 */
static int
store_import_count(struct redis *r, char (*ips)[STORE_IP_MAX], size_t n,
    size_t *nadd, size_t *nrep, const char *head, char *cause, size_t len)
{
	char permit[STORE_KEY_MAX];
	const char **argv;
	redisReply *cur;
	size_t i;

	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	argv = xcalloc(n + 2, sizeof *argv);
	argv[0] = "HMGET";
	argv[1] = permit;
	for (i = 0; i < n; i++)
		argv[i + 2] = ips[i];
	cur = redis_commandv(r, (int)n + 2, argv, NULL);
	free(argv);
	if (cur == NULL)
		return store_redis_fail(r, cause, len, head);
	for (i = 0; i < n; i++) {
		if (cur->type == REDIS_REPLY_ARRAY && i < cur->elements &&
		    store_str(cur->element[i]) != NULL)
			(*nrep)++;
		else
			(*nadd)++;
	}
	freeReplyObject(cur);
	return 0;
}

int
store_permit_import_counted(struct redis *r, const struct permit_row *rows,
    size_t n, const char *who, long long now, size_t *added,
    size_t *replaced, char *cause, size_t len)
{
	static const char head[] = "cannot import the permits";
	char (*ips)[STORE_IP_MAX] = NULL, twice[STORE_IP_MAX];
	const char **ids = NULL;
	size_t i, nids, q = 0, nadd = 0, nrep = 0;
	redisReply **rep = NULL;
	bool watching = false;
	int rc = -1;

	if (n == 0)
		return store_refuse(r, cause, len, "%s: there are none", head);
	ips = xcalloc(n, sizeof *ips);
	ids = xcalloc(n, sizeof *ids);
	if (store_import_rows(r, rows, n, who, ips, ids, head, cause,
	    len) == -1)
		goto out;
	/* Distinct agencies, and no IP twice (the CSV reader says which). */
	nids = store_distinct(ids, n);
	if (store_ip_twice(ips, n, twice, sizeof twice)) {
		store_refuse(r, cause, len, "%s: ip %s is given twice", head,
		    twice);
		goto out;
	}
	if (store_import_agencies(r, ids, nids, head, cause, len) == -1)
		goto out;
	watching = true;
	if (store_import_count(r, ips, n, &nadd, &nrep, head, cause,
	    len) == -1)
		goto out;
	store_append(r, &q, "MULTI");
	for (i = 0; i < n; i++)
		store_permit_queue(r, &q, ips[i], rows[i].agency, rows[i].app,
		    rows[i].expected, who, now);
	store_bump(r, &q);
	store_append(r, &q, "EXEC");
	if ((rep = store_read(r, q)) == NULL) {
		store_redis_fail(r, cause, len, head);
		goto out;
	}
	watching = false;	/* EXEC ends the WATCH */
	switch (store_tx_check(r, rep, q)) {
	case 0:
		break;
	case 1:
		store_refuse(r, cause, len, "%s: an agency changed meanwhile; "
		    "nothing was imported, try again", head);
		goto out;
	default:
		store_redis_fail(r, cause, len, head);
		goto out;
	}
	if (added != NULL)
		*added = nadd;
	if (replaced != NULL)
		*replaced = nrep;
	rc = 0;
out:
	if (watching)
		store_unwatch(r);
	if (rep != NULL)
		store_free_replies(rep, q);
	free(ids);
	free(ips);
	return rc;
}

int
store_permit_import(struct redis *r, const struct permit_row *rows, size_t n,
    const char *who, long long now, char *cause, size_t len)
{
	return store_permit_import_counted(r, rows, n, who, now, NULL, NULL,
	    cause, len);
}

/* Checks the fields of an agency that `fields` names. */
static const char *
store_agency_check(const struct agency *a, int fields, bool create,
    char *buf, size_t len)
{
	const char *why;

	if ((why = validate_name(a->id)) != NULL) {
		snprintf(buf, len, "'%.40s' is not an agency id: %s", a->id, why);
		return buf;
	}
	if (create && !(fields & AGENCY_NAME)) {
		snprintf(buf, len, "a new agency needs a name");
		return buf;
	}
	if (!create && fields == 0) {
		snprintf(buf, len, "nothing to change");
		return buf;
	}
	if ((fields & AGENCY_NAME) && (why = validate_text(a->name,
	    STORE_TEXT_MAX - 1)) != NULL) {
		snprintf(buf, len, "the name is not accepted: %s", why);
		return buf;
	}
	if ((fields & AGENCY_CONTACT) && (why = validate_text(a->contact,
	    STORE_TEXT_MAX - 1)) != NULL) {
		snprintf(buf, len, "the contact is not accepted: %s", why);
		return buf;
	}
	if (((fields & AGENCY_DAILY) && a->daily < 0) ||
	    ((fields & AGENCY_MAX_RCPTS) && a->max_rcpts < 0) ||
	    ((fields & AGENCY_MAX_PER_MINUTE) && a->max_per_minute < 0) ||
	    ((fields & AGENCY_BULK_RCPTS) && (a->bulk_rcpts < -1 ||
	    a->bulk_rcpts == 0))) {
		snprintf(buf, len, "a limit is out of range");
		return buf;
	}
	if (fields & AGENCY_DOMAINS) {
		char canon[STORE_DOMAINS_MAX], bad[200];

		if (policy_input_domains(a->domains, canon, sizeof canon, bad,
		    sizeof bad) != NULL) {
			snprintf(buf, len, "the domains are not accepted: %s",
			    bad);
			return buf;
		}
		if (strcmp(canon, a->domains) != 0) {
			snprintf(buf, len, "the domains are not in canonical "
			    "form ('%s')", canon);
			return buf;
		}
	}
	return NULL;
}

int
store_agency_put(struct redis *r, const struct agency *a, int fields,
    bool create, char *cause, size_t len)
{
	char key[STORE_KEY_MAX], set[STORE_KEY_MAX], head[128], why2[200];
	redisReply **rep;
	const char *why;
	size_t n = 0;
	int exists;

	snprintf(head, sizeof head, "cannot %s agency '%.40s'", create ? "add" :
	    "change", a->id);
	if ((why = store_agency_check(a, fields, create, why2,
	    sizeof why2)) != NULL)
		return store_refuse(r, cause, len, "%s: %s", head, why);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, head);
	redis_key(r->cfg, key, sizeof key, KEY_AGENCY, a->id);
	redis_key(r->cfg, set, sizeof set, KEY_AGENCIES);

	/* Round trip 1: WATCH, so that two adds of one id cannot both win. */
	store_append(r, &n, "WATCH %s", key);
	store_append(r, &n, "EXISTS %s", key);
	if ((rep = store_read_ok(r, n, 1, cause, len, head)) == NULL)
		return -1;
	exists = rep[1]->type == REDIS_REPLY_INTEGER && rep[1]->integer == 1;
	store_free_replies(rep, n);
	if (exists == create) {
		store_unwatch(r);
		return store_refuse(r, cause, len, create ? "%s: it exists; "
		    "change it with 'agency set'" : "%s: it does not exist; "
		    "add it with 'agency add'", head);
	}

	n = 0;
	store_append(r, &n, "MULTI");
	if (fields & AGENCY_NAME)
		store_append(r, &n, "HSET %s " AF_NAME " %s", key, a->name);
	if (fields & AGENCY_CONTACT)
		store_append(r, &n, "HSET %s " AF_CONTACT " %s", key,
		    a->contact);
	if (fields & AGENCY_DAILY)
		store_append(r, &n, "HSET %s " AF_DAILY " %lld", key, a->daily);
	if (fields & AGENCY_MAX_RCPTS)
		store_append(r, &n, "HSET %s " AF_MAX_RCPTS " %ld", key,
		    a->max_rcpts);
	if (fields & AGENCY_MAX_PER_MINUTE)
		store_append(r, &n, "HSET %s " AF_MAX_PER_MIN " %ld", key,
		    a->max_per_minute);
	if (fields & AGENCY_BULK_RCPTS)
		store_append(r, &n, "HSET %s " AF_BULK_RCPTS " %ld", key,
		    a->bulk_rcpts);
	if ((fields & AGENCY_DOMAINS) && a->domains[0] != '\0')
		store_append(r, &n, "HSET %s " AF_DOMAINS " %s", key,
		    a->domains);
	else if (fields & AGENCY_DOMAINS)
		store_append(r, &n, "HDEL %s " AF_DOMAINS, key);
	store_append(r, &n, "SADD %s %s", set, a->id);
	return store_exec(r, n, head, "it changed meanwhile; nothing was "
	    "written, try again", cause, len);
}

/* Fills an agency from HMGET AGENCY_HMGET. */
static void
store_agency_parse(struct agency *a, const char *id, const redisReply *h)
{
	memset(a, 0, sizeof *a);
	snprintf(a->id, sizeof a->id, "%s", id);
	a->bulk_rcpts = STORE_BULK_DEFAULT;
	if (h->type != REDIS_REPLY_ARRAY || h->elements != AGENCY_NFIELDS)
		return;
	store_text(a->name, sizeof a->name, h->element[0]);
	store_text(a->contact, sizeof a->contact, h->element[1]);
	a->daily = store_ll(h->element[2], 0, 0);
	a->max_rcpts = (long)store_ll(h->element[3], 0, 0);
	a->max_per_minute = (long)store_ll(h->element[4], 0, 0);
	a->bulk_rcpts = (long)store_ll(h->element[5], -1, STORE_BULK_DEFAULT);
	if (a->bulk_rcpts == 0)
		a->bulk_rcpts = STORE_BULK_DEFAULT;
	/* Outside input: a list that does not read is none. */
	if (h->element[6]->type == REDIS_REPLY_STRING) {
		char why[200];

		if (policy_input_domains(h->element[6]->str, a->domains,
		    sizeof a->domains, why, sizeof why) != NULL)
			a->domains[0] = '\0';
	}
}

int
store_agency_get(struct redis *r, const char *id, struct agency *out,
    char *cause, size_t len)
{
	char key[STORE_KEY_MAX], permit[STORE_KEY_MAX];
	redisReply **rep;
	const char *why;
	size_t n = 0, i;
	int found;

	if ((why = validate_name(id)) != NULL)
		return store_refuse(r, cause, len, "'%.40s' is not an agency id: "
		    "%s", id, why);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, "cannot read agencies");
	redis_key(r->cfg, key, sizeof key, KEY_AGENCY, id);
	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	store_append(r, &n, "HMGET %s " AGENCY_HMGET, key);
	store_append(r, &n, "EXISTS %s", key);
	store_append(r, &n, "HVALS %s", permit);
	if ((rep = store_read_ok(r, n, 0, cause, len,
	    "cannot read agencies")) == NULL)
		return -1;
	store_agency_parse(out, id, rep[0]);
	found = rep[1]->type == REDIS_REPLY_INTEGER && rep[1]->integer == 1;
	for (i = 0; rep[2]->type == REDIS_REPLY_ARRAY && i < rep[2]->elements;
	     i++) {
		const char *s = store_str(rep[2]->element[i]);

		if (s != NULL && strcmp(s, id) == 0)
			out->npermits++;
	}
	store_free_replies(rep, n);
	return found;
}

/* The volume buckets fetched for a listing, for volume_sum's lookups. */
struct store_volumes {
	const long long *minute; /* [STORE_SPARK_MINUTES][nagencies * 5] */
	const long long *hour;   /* [STORE_SPARK_HOURS][nagencies * 5] */
	long long first_minute, first_hour;
	size_t nfields;
	size_t agency;           /* the index volume_sum is asked about */
};

static long long
store_volume_lookup(void *arg, int hourly, long long bucket,
    const char *agency, enum volume_metric m)
{
	const struct store_volumes *v = arg;
	long long i;

	(void)agency;
	if (hourly) {
		i = bucket - v->first_hour;
		if (i < 0 || i >= STORE_SPARK_HOURS)
			return -1;
		return v->hour[(size_t)i * v->nfields + v->agency *
		    VOLUME_NMETRICS + m];
	}
	i = bucket - v->first_minute;
	if (i < 0 || i >= STORE_SPARK_MINUTES)
		return -1;
	return v->minute[(size_t)i * v->nfields + v->agency *
	    VOLUME_NMETRICS + m];
}

/* Copies one bucket's HMGET reply into row (absent: 0). */
static void
store_bucket(long long *row, const redisReply *h, size_t nfields)
{
	size_t i;

	for (i = 0; i < nfields; i++)
		row[i] = h->type == REDIS_REPLY_ARRAY && i < h->elements ?
		    store_ll(h->element[i], 0, 0) : 0;
}

static void
store_agency_volumes(struct agency *a, struct store_volumes *v,
    long long now_ms)
{
	static const enum volume_window windows[3] = {
		VOLUME_LAST_MINUTE, VOLUME_LAST_HOUR, VOLUME_LAST_DAY,
	};
	long long *dst[3] = { a->minute, a->hour, a->day }, s;
	size_t w, i;
	int m;

	for (w = 0; w < 3; w++) {
		for (m = 0; m < VOLUME_NMETRICS; m++) {
			s = volume_sum(windows[w], now_ms, a->id, m,
			    store_volume_lookup, v);
			dst[w][m] = s < 0 ? 0 : s;
		}
	}
	s = volume_sum(VOLUME_LAST_10MIN, now_ms, a->id, VOLUME_RCPTS,
	    store_volume_lookup, v);
	a->rcpts_10min = s < 0 ? 0 : s;
	a->over_bulk = a->bulk_rcpts >= 0 && a->rcpts_10min > a->bulk_rcpts;
	for (i = 0; i < STORE_SPARK_MINUTES; i++)
		a->spark_minutes[i] = v->minute[i * v->nfields + v->agency *
		    VOLUME_NMETRICS + VOLUME_MSGS];
	for (i = 0; i < STORE_SPARK_HOURS; i++)
		a->spark_hours[i] = v->hour[i * v->nfields + v->agency *
		    VOLUME_NMETRICS + VOLUME_MSGS];
}

/* What store_agencies_list reads, between its two round trips. */
struct store_agency_query {
	const char *what;         /* the cause's first words */
	char **ids;               /* valid agency ids, sorted */
	size_t nids;
	redisReply *permits;      /* every permit's agency */
	char **fields;            /* with volumes: every agency's metrics */
	size_t nfields;
	const char **argv;        /* HMGET key fields... */
	char key[STORE_KEY_MAX];
	long long *mvals, *hvals; /* the buckets' replies, as numbers */
	struct store_volumes vol;
};

static void
store_agency_query_free(struct store_agency_query *aq)
{
	if (aq->permits != NULL)
		freeReplyObject(aq->permits);
	if (aq->fields != NULL)
		store_free_strings(aq->fields, aq->nfields);
	store_free_strings(aq->ids, aq->nids);
	free(aq->argv);
	free(aq->mvals);
	free(aq->hvals);
}

/*
 * Round trip 1: the ids (names that do not validate are passed over), and
 * every permit's agency to count them. Returns 0, or -1 with `cause`.
 */
static int
store_agency_ids(struct redis *r, struct store_agency_query *aq, char *cause,
    size_t len)
{
	char permit[STORE_KEY_MAX], set[STORE_KEY_MAX];
	redisReply **rep;
	size_t n = 0, i;

	redis_key(r->cfg, set, sizeof set, KEY_AGENCIES);
	redis_key(r->cfg, permit, sizeof permit, KEY_PERMIT);
	store_append(r, &n, "SMEMBERS %s", set);
	store_append(r, &n, "HVALS %s", permit);
	if ((rep = store_read(r, n)) == NULL)
		return store_redis_fail(r, cause, len, aq->what);
	if (store_index_type(r, rep, 1, (const char *const[]){ set }, "a set",
	    cause, len, aq->what) == -1) {
		store_free_replies(rep, n);
		return -1;
	}
	if (store_reply_errors_but_type(r, rep, n) == -1) {
		store_free_replies(rep, n);
		return store_redis_fail(r, cause, len, aq->what);
	}
	for (i = 0; rep[0]->type == REDIS_REPLY_ARRAY && i < rep[0]->elements;
	     i++) {
		const char *s = store_str(rep[0]->element[i]);

		if (s == NULL || validate_name(s) != NULL)
			continue;
		aq->ids = xreallocarray(aq->ids, aq->nids + 1,
		    sizeof *aq->ids);
		aq->ids[aq->nids++] = xstrdup(s);
	}
	aq->permits = rep[1];
	rep[1] = NULL;
	store_free_replies(rep, n);
	return 0;
}

/*
 * The HMGET that asks a bucket for every agency's five metrics (its key
 * filled in per bucket), and the buckets of the last hour and day. Returns
 * 0, or -1 with `cause`.
 */
static int
store_agency_volume_query(struct redis *r, struct store_agency_query *aq,
    long long now_ms, char *cause, size_t len)
{
	char f[STORE_ID_MAX + 16], c2[160];
	long long last_m, last_h;
	size_t i, k;
	int hourly, m;

	aq->nfields = aq->nids * VOLUME_NMETRICS;
	aq->fields = xcalloc(aq->nfields, sizeof *aq->fields);
	for (i = 0; i < aq->nids; i++) {
		for (m = 0; m < VOLUME_NMETRICS; m++) {
			if (volume_field(f, sizeof f, aq->ids[i], m, c2,
			    sizeof c2) == -1)
				return store_refuse(r, cause, len, "%s: %s",
				    aq->what, c2);
			aq->fields[i * VOLUME_NMETRICS + m] = xstrdup(f);
		}
	}
	aq->argv = xcalloc(aq->nfields + 2, sizeof *aq->argv);
	aq->argv[0] = "HMGET";
	aq->argv[1] = aq->key;
	for (k = 0; k < aq->nfields; k++)
		aq->argv[k + 2] = aq->fields[k];
	volume_window_range(VOLUME_LAST_HOUR, now_ms, &hourly,
	    &aq->vol.first_minute, &last_m);
	volume_window_range(VOLUME_LAST_DAY, now_ms, &hourly,
	    &aq->vol.first_hour, &last_h);
	return 0;
}

/*
 * Queues one HMGET per bucket (minutes of the last hour, then hours of the
 * last day), counting them in *q. Returns 0, or -1 with `cause` and the
 * connection closed (what was queued is dropped, so it stays in step).
 */
static int
store_agency_send_buckets(struct redis *r, struct store_agency_query *aq,
    size_t *q, char *cause, size_t len)
{
	char c2[160];
	size_t i;
	int bad;

	for (i = 0; i < STORE_SPARK_MINUTES + STORE_SPARK_HOURS; i++) {
		bad = i < STORE_SPARK_MINUTES ?
		    volume_minute_key(aq->key, sizeof aq->key,
			r->cfg->redis.prefix, (aq->vol.first_minute +
			(long long)i) * 60000LL, c2, sizeof c2) :
		    volume_hour_key(aq->key, sizeof aq->key,
			r->cfg->redis.prefix, (aq->vol.first_hour +
			(long long)(i - STORE_SPARK_MINUTES)) * 3600000LL, c2,
			sizeof c2);
		if (bad == -1) {
			redis_close(r);
			*q = 0;
			return store_refuse(r, cause, len, "%s: %s", aq->what,
			    c2);
		}
		store_append_argv(r, q, (int)aq->nfields + 2, aq->argv);
	}
	return 0;
}

/* Reads the buckets' replies (after the agencies' records) into numbers. */
static void
store_agency_read_buckets(struct store_agency_query *aq, redisReply **rep)
{
	size_t i, nf = aq->nfields;

	aq->mvals = xcalloc(STORE_SPARK_MINUTES * nf, sizeof *aq->mvals);
	aq->hvals = xcalloc(STORE_SPARK_HOURS * nf, sizeof *aq->hvals);
	for (i = 0; i < STORE_SPARK_MINUTES; i++)
		store_bucket(aq->mvals + i * nf, rep[aq->nids + i], nf);
	for (i = 0; i < STORE_SPARK_HOURS; i++)
		store_bucket(aq->hvals + i * nf,
		    rep[aq->nids + STORE_SPARK_MINUTES + i], nf);
	aq->vol.minute = aq->mvals;
	aq->vol.hour = aq->hvals;
	aq->vol.nfields = nf;
}

/* Fills agency i of the query from its record and the permits. */
static void
store_agency_fill(struct redis *r, struct store_agency_query *aq, size_t i,
    const redisReply *record, struct agency *a)
{
	const redisReply *permits = aq->permits;
	size_t k;

	store_agency_parse(a, aq->ids[i], record);
	if (redis_wrongtype(record)) {
		snprintf(a->malformed, sizeof a->malformed, "key %s is not a "
		    "hash", redis_key(r->cfg, aq->key, sizeof aq->key,
		    KEY_AGENCY, aq->ids[i]));
		snprintf(a->name, sizeof a->name, "MALFORMED: %s",
		    a->malformed);
	}
	for (k = 0; permits->type == REDIS_REPLY_ARRAY &&
	     k < permits->elements; k++) {
		const char *s = store_str(permits->element[k]);

		if (s != NULL && strcmp(s, aq->ids[i]) == 0)
			a->npermits++;
	}
}

int
store_agencies_list(struct redis *r, long long now_ms, bool volumes,
    struct agency_list *out, char *cause, size_t len)
{
	struct store_agency_query aq = { .what = "cannot list the agencies" };
	redisReply **rep = NULL;
	size_t i, q = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (redis_ensure(r) == -1)
		return store_redis_fail(r, cause, len, aq.what);
	if (store_agency_ids(r, &aq, cause, len) == -1)
		goto out;
	out->v = xcalloc(aq.nids + 1, sizeof *out->v);
	if (aq.nids == 0) {
		rc = 0;
		goto out;
	}
	qsort(aq.ids, aq.nids, sizeof *aq.ids, store_str_cmp);

	/*
	 * Round trip 2: every agency's record, then (with volumes) one HMGET
	 * per minute bucket of the last hour and per hour bucket of the last
	 * day, each asking for every agency's five metrics.
	 */
	if (volumes && store_agency_volume_query(r, &aq, now_ms, cause,
	    len) == -1)
		goto out;
	for (i = 0; i < aq.nids; i++)
		store_append(r, &q, "HMGET %s " AGENCY_HMGET, redis_key(r->cfg,
		    aq.key, sizeof aq.key, KEY_AGENCY, aq.ids[i]));
	if (volumes && store_agency_send_buckets(r, &aq, &q, cause,
	    len) == -1)
		goto out;
	if ((rep = store_read(r, q)) == NULL) {
		store_redis_fail(r, cause, len, aq.what);
		goto out;
	}
	if (store_reply_errors_but_type(r, rep, q) == -1) {
		store_redis_fail(r, cause, len, aq.what);
		goto out;
	}
	if (volumes)
		store_agency_read_buckets(&aq, rep);
	for (i = 0; i < aq.nids; i++) {
		struct agency *a = &out->v[out->n++];

		store_agency_fill(r, &aq, i, rep[i], a);
		if (volumes) {
			aq.vol.agency = i;
			store_agency_volumes(a, &aq.vol, now_ms);
		}
	}
	rc = 0;
out:
	if (rep != NULL)
		store_free_replies(rep, q);
	store_agency_query_free(&aq);
	if (rc == -1)
		agency_list_free(out);
	return rc;
}

