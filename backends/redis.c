/* The Redis connection: one per thread, reconnecting with back-off. */
#include "backends/redis.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/uithread.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "core/keys.h"
#include "core/validate.h"

static void
redis_fail(struct redis *r, enum redis_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
redis_fail(struct redis *r, enum redis_err err, const char *fmt, ...)
{
	va_list ap;

	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->errstr, sizeof r->errstr, fmt, ap);
	va_end(ap);
}

void
redis_init(struct redis *r, const struct config *cfg)
{
	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
}

static struct timeval
ms_to_tv(int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/*
 * hiredis 0.14's reader allocates an array reply's element table as soon as
 * it reads the count: "*1000000000" from a hostile server (or anyone on a
 * clear-text link) would be an 8 GB calloc. Every connection's reader goes
 * through this check first; the largest array mailnoc asks for (an HMGET of
 * every agency's metrics, a listing of every block) is far below it.
 */
static redisReplyObjectFunctions redis_fn_default, redis_fn_capped;
static pthread_once_t redis_fn_once = PTHREAD_ONCE_INIT;
/* The count refused on this thread's connection, for its error message. */
static __thread long long redis_refused_count;

static void *
redis_create_array(const redisReadTask *task, int elements)
{
	if (elements < 0 || elements > REDIS_MAX_ELEMENTS) {
		redis_refused_count = elements;
		return NULL; /* the reader fails the connection */
	}
	return redis_fn_default.createArray(task, elements);
}

static void
redis_fn_init(void)
{
	/* A reader of our own tells hiredis's default functions. */
	redisReader *rd = redisReaderCreate();

	if (rd != NULL && rd->fn != NULL)
		redis_fn_default = *rd->fn;
	if (rd != NULL)
		redisReaderFree(rd);
	redis_fn_capped = redis_fn_default;
	if (redis_fn_default.createArray != NULL)
		redis_fn_capped.createArray = redis_create_array;
}

/* Puts the element cap in front of c's reader. */
static void
redis_cap_reader(redisContext *c)
{
	if (c->reader == NULL || c->reader->fn == NULL ||
	    c->reader->fn == &redis_fn_capped)
		return;
	pthread_once(&redis_fn_once, redis_fn_init);
	if (redis_fn_capped.createArray != redis_create_array ||
	    c->reader->fn->createArray != redis_fn_default.createArray)
		return; /* not hiredis's reader as we know it: leave it */
	c->reader->fn = &redis_fn_capped;
}

/*
 * A stunnel client in front of Redis (docs/redis-schema.md, "Transport
 * security") accepts the connection, then closes it, by default with a
 * reset, when it cannot reach the server or refuses its certificate: the
 * reset may even arrive while the connect completes. Says where to look
 * and returns true for such a connection; false for any other error.
 * hiredis keeps only the text of errno.
 */
static bool
redis_closed_at_once(struct redis *r, const redisContext *c,
    const char *host, int port)
{
	if (c->err != REDIS_ERR_EOF && (c->err != REDIS_ERR_IO ||
	    strcmp(c->errstr, strerror(ECONNRESET)) != 0))
		return false;
	redis_fail(r, RERR_UNREACHABLE, "redis at %s:%d closed the connection "
	    "before answering (a TLS tunnel in between that cannot reach or "
	    "verify the server does that: see its log)", host, port);
	return true;
}

/* Opens a TCP connection with both timeouts applied. */
static redisContext *
redis_open(struct redis *r, const char *host, int port)
{
	const struct config_redis *cr = &r->cfg->redis;
	redisContext *c;

	uithread_check("redis: connect");
	c = redisConnectWithTimeout(host, port, ms_to_tv(cr->connect_timeout_ms));
	if (c == NULL) {
		redis_fail(r, RERR_UNREACHABLE, "cannot connect to redis at "
		    "%s:%d: out of memory", host, port);
		return NULL;
	}
	if (c->err) {
		if (!redis_closed_at_once(r, c, host, port))
			redis_fail(r, RERR_UNREACHABLE, "cannot connect to "
			    "redis at %s:%d: %s", host, port, c->errstr);
		redisFree(c);
		return NULL;
	}
	redis_cap_reader(c);
	if (redisSetTimeout(c, ms_to_tv(cr->command_timeout_ms)) != REDIS_OK) {
		redis_fail(r, RERR_UNREACHABLE, "cannot set the timeout on "
		    "%s:%d: %s", host, port, c->errstr);
		redisFree(c);
		return NULL;
	}
	return c;
}

/* Asks each Sentinel in turn for the master's address. */
static int
redis_discover(struct redis *r)
{
	const struct config_redis *cr = &r->cfg->redis;
	char last[256] = "no sentinel answered";
	size_t i;

	for (i = 0; i < cr->nsentinels; i++) {
		const struct config_endpoint *s = &cr->sentinels[i];
		redisContext *c;
		redisReply *reply;

		if ((c = redis_open(r, s->host, s->port)) == NULL) {
			snprintf(last, sizeof last, "%s", r->errstr);
			continue;
		}
		reply = redisCommand(c, "SENTINEL get-master-addr-by-name %s",
		    cr->master_name);
		if (reply == NULL) {
			snprintf(last, sizeof last, "sentinel %s:%d: %s",
			    s->host, s->port, c->errstr);
		} else if (reply->type == REDIS_REPLY_ARRAY &&
		    reply->elements == 2 &&
		    reply->element[0]->type == REDIS_REPLY_STRING &&
		    reply->element[1]->type == REDIS_REPLY_STRING &&
		    validate_host(reply->element[0]->str) == NULL &&
		    atoi(reply->element[1]->str) > 0 &&
		    atoi(reply->element[1]->str) < 65536) {
			snprintf(r->host, sizeof r->host, "%s",
			    reply->element[0]->str);
			r->port = atoi(reply->element[1]->str);
			freeReplyObject(reply);
			redisFree(c);
			return 0;
		} else if (reply->type == REDIS_REPLY_NIL) {
			snprintf(last, sizeof last, "sentinel %s:%d does not "
			    "know master '%s'", s->host, s->port,
			    cr->master_name);
		} else {
			snprintf(last, sizeof last, "sentinel %s:%d gave an "
			    "unexpected answer about master '%s'", s->host,
			    s->port, cr->master_name);
		}
		if (reply != NULL)
			freeReplyObject(reply);
		redisFree(c);
	}
	redis_fail(r, RERR_UNREACHABLE, "cannot find the redis master: %s",
	    last);
	return -1;
}

/*
 * With redis.tunnels, the local tunnel to the master Sentinel announced:
 * never the announced address itself, which is the server's TLS port (or
 * a port in clear text past the tunnel). Returns 0, or -1 with the error
 * set naming what to add.
 */
static int
redis_tunnel(struct redis *r)
{
	const struct config_redis *cr = &r->cfg->redis;
	size_t i;

	r->tunnel_port = 0;
	if (cr->ntunnels == 0)
		return 0;
	for (i = 0; i < cr->ntunnels; i++) {
		if (cr->tunnels[i].port == r->port &&
		    strcmp(cr->tunnels[i].host, r->host) == 0) {
			r->tunnel_port = cr->tunnels[i].local_port;
			return 0;
		}
	}
	redis_fail(r, RERR_UNREACHABLE, "sentinel names the redis master "
	    "%s:%d, which has no tunnel: add {\"host\": \"%s\", \"port\": %d, "
	    "\"local_port\": PORT} to redis.tunnels with a TLS tunnel to it "
	    "on 127.0.0.1:PORT", r->host, r->port, r->host, r->port);
	return -1;
}

static int
redis_login(struct redis *r)
{
	const struct config_redis *cr = &r->cfg->redis;
	char pw[512], cause[CONFIG_CAUSE_MAX];
	redisReply *reply;
	int have;

	have = config_redis_password(r->cfg, pw, sizeof pw, cause, sizeof cause);
	if (have == -1) {
		redis_fail(r, RERR_AUTH, "%s", cause);
		return -1;
	}
	if (have == 0)
		return 0;
	if (cr->user != NULL)
		reply = redisCommand(r->ctx, "AUTH %s %s", cr->user, pw);
	else
		reply = redisCommand(r->ctx, "AUTH %s", pw);
	memset(pw, 0, sizeof pw);
	if (reply == NULL && redis_closed_at_once(r, r->ctx, r->host, r->port))
		return -1;
	if (reply == NULL) {
		redis_fail(r, RERR_UNREACHABLE, "redis at %s:%d: %s", r->host,
		    r->port, r->ctx->errstr);
		return -1;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		redis_fail(r, RERR_AUTH, "redis at %s:%d refused user '%s': %s",
		    r->host, r->port, cr->user ? cr->user : "default",
		    reply->str);
		freeReplyObject(reply);
		return -1;
	}
	freeReplyObject(reply);
	return 0;
}

int
redis_connect(struct redis *r)
{
	const struct config_redis *cr = &r->cfg->redis;

	redis_close(r);
	r->err = RERR_NONE;
	r->errstr[0] = '\0';
	r->tunnel_port = 0;
	if (cr->nsentinels > 0) {
		if (redis_discover(r) == -1 || redis_tunnel(r) == -1)
			goto fail;
	} else {
		snprintf(r->host, sizeof r->host, "%s", cr->host);
		r->port = cr->port;
	}
	if (r->tunnel_port > 0)
		r->ctx = redis_open(r, "127.0.0.1", r->tunnel_port);
	else
		r->ctx = redis_open(r, r->host, r->port);
	if (r->ctx == NULL)
		goto fail;
	if (redis_login(r) == -1) {
		redis_close(r);
		goto fail;
	}
	r->backoff_ms = REDIS_BACKOFF_MIN_MS;
	r->connects++;
	return 0;
fail:
	r->next_try_ms = clock_mono_ms() + r->backoff_ms;
	r->backoff_ms = r->backoff_ms * 2 > REDIS_BACKOFF_MAX_MS ?
	    REDIS_BACKOFF_MAX_MS : r->backoff_ms * 2;
	return -1;
}

int
redis_ensure(struct redis *r)
{
	uithread_check("redis: a command");
	if (r->ctx != NULL)
		return 0;
	if (clock_mono_ms() < r->next_try_ms) {
		if (r->err == RERR_NONE)
			redis_fail(r, RERR_UNREACHABLE, "redis is unreachable");
		return -1;
	}
	return redis_connect(r);
}

void
redis_close(struct redis *r)
{
	if (r->ctx != NULL)
		redisFree(r->ctx);
	r->ctx = NULL;
}

void
redis_set_reply_error(struct redis *r, const redisReply *reply)
{
	char said[200];

	validate_sanitize(said, sizeof said, reply->str);
	if (strncmp(reply->str, "NOPERM", 6) == 0)
		redis_fail(r, RERR_DENIED, "permission denied for redis user "
		    "'%s': %s", r->cfg->redis.user ? r->cfg->redis.user :
		    "default", said);
	else
		redis_fail(r, RERR_REPLY, "redis: %s", said);
}

bool
redis_wrongtype(const redisReply *reply)
{
	return reply != NULL && reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "WRONGTYPE", 9) == 0;
}

/* A lost connection: close it so the next call reconnects. */
static void
redis_lost(struct redis *r)
{
	if (redis_refused_count != 0)
		redis_fail(r, RERR_REPLY, "redis at %s:%d: a reply announced "
		    "%lld elements (at most %d are read); connection dropped",
		    r->host, r->port, redis_refused_count, REDIS_MAX_ELEMENTS);
	else
		redis_fail(r, RERR_UNREACHABLE, "redis at %s:%d: %s", r->host,
		    r->port, r->ctx->errstr[0] ? r->ctx->errstr :
		    "connection lost");
	redis_refused_count = 0;
	redis_close(r);
	r->next_try_ms = clock_mono_ms() + r->backoff_ms;
}

static redisReply *
redis_check(struct redis *r, redisReply *reply)
{
	if (reply == NULL) {
		redis_lost(r);
		return NULL;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		/* A replica after a failover: find the new master. */
		if (strncmp(reply->str, "READONLY", 8) == 0)
			redis_close(r);
		redis_set_reply_error(r, reply);
		freeReplyObject(reply);
		return NULL;
	}
	r->err = RERR_NONE;
	return reply;
}

redisReply *
redis_command(struct redis *r, const char *fmt, ...)
{
	redisReply *reply;
	va_list ap;

	if (redis_ensure(r) == -1)
		return NULL;
	va_start(ap, fmt);
	reply = redisvCommand(r->ctx, fmt, ap);
	va_end(ap);
	return redis_check(r, reply);
}

redisReply *
redis_commandv(struct redis *r, int argc, const char **argv,
    const size_t *argvlen)
{
	if (redis_ensure(r) == -1)
		return NULL;
	return redis_check(r, redisCommandArgv(r->ctx, argc, argv, argvlen));
}

int
redis_read_replies(struct redis *r, size_t n, redisReply **replies)
{
	size_t i, j;
	void *reply;

	uithread_check("redis: reading replies");
	for (i = 0; i < n; i++) {
		if (redisGetReply(r->ctx, &reply) != REDIS_OK) {
			for (j = 0; j < i; j++)
				freeReplyObject(replies[j]);
			redis_lost(r);
			return -1;
		}
		replies[i] = reply;
	}
	r->err = RERR_NONE;
	return 0;
}

char *
redis_key(const struct config *cfg, char *buf, size_t len, const char *fmt,
    ...)
{
	size_t off;
	va_list ap;

	off = (size_t)snprintf(buf, len, "%s", cfg->redis.prefix);
	if (off >= len)
		return buf;
	va_start(ap, fmt);
	vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	return buf;
}

enum redis_role
redis_probe_role(struct redis *r)
{
	redisReply *reply;
	char key[300];

	reply = redis_command(r, "HDEL %s x", redis_key(r->cfg, key,
	    sizeof key, KEY_ACL_PROBE));
	if (reply != NULL) {
		freeReplyObject(reply);
		return REDIS_ROLE_WRITE;
	}
	if (r->err != RERR_DENIED)
		return REDIS_ROLE_UNKNOWN;
	/* Nothing failed that a later command should hear about. */
	r->err = RERR_NONE;
	r->errstr[0] = '\0';
	return REDIS_ROLE_READ_ONLY;
}

int
redis_exit_code(const struct redis *r)
{
	switch (r->err) {
	case RERR_NONE:
		return EXIT_OK;
	case RERR_UNREACHABLE:
		return EXIT_UNREACHABLE;
	case RERR_AUTH:
	case RERR_DENIED:
		return EXIT_DENIED;
	case RERR_REPLY:
		return EXIT_FAILED;
	}
	return EXIT_FAILED;
}

/* Every kind of write mailnoc and mailnocd make, as the AOF holds them. */
static const char *const persist_probe[][6] = {
	{ "MULTI" },
	{ "EXEC" },
	{ "HSET", "%s", "f", "v" },
	{ "HINCRBY", "%s", "f", "1" },
	{ "HDEL", "%s", "f" },
	{ "SET", "%s", "v" },
	{ "DEL", "%s" },
	{ "EXPIRE", "%s", "1" },
	{ "ZADD", "%s", "1", "m" },
	{ "ZREM", "%s", "m" },
	{ "SADD", "%s", "m" },
	{ "SREM", "%s", "m" },
	{ "XADD", "%s", "*", "f", "v" },
	{ "XTRIM", "%s", "MINID", "0" },
};
#define PERSIST_PROBES (sizeof persist_probe / sizeof persist_probe[0])

const char *
redis_persist_name(enum redis_persist p)
{
	switch (p) {
	case REDIS_PERSIST_OK:
		return "ok";
	case REDIS_PERSIST_RISK:
		return "risk";
	case REDIS_PERSIST_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Appends ACL DRYRUN default <probe i> to the pipeline. */
static void
redis_append_dryrun(struct redis *r, size_t i, const char *key)
{
	const char *argv[9];
	int argc = 0;
	size_t j;

	argv[argc++] = "ACL";
	argv[argc++] = "DRYRUN";
	argv[argc++] = "default";
	for (j = 0; j < 6 && persist_probe[i][j] != NULL; j++)
		argv[argc++] = strcmp(persist_probe[i][j], "%s") == 0 ? key :
		    persist_probe[i][j];
	redisAppendCommandArgv(r->ctx, argc, argv, NULL);
}

enum redis_persist
redis_check_persistence(struct redis *r, char *msg, size_t len)
{
	redisReply *rep[2 + PERSIST_PROBES];
	const redisReply *aof;
	enum redis_err saved = r->err;
	enum redis_persist res = REDIS_PERSIST_UNKNOWN;
	char key[300], savedstr[sizeof r->errstr];
	const char *user = r->cfg->redis.user ? r->cfg->redis.user : "default";
	size_t i, n = 0;

	snprintf(savedstr, sizeof savedstr, "%s", r->errstr);
	if (redis_ensure(r) == -1) {
		snprintf(msg, len, "not checked: %s", r->errstr);
		goto out;
	}
	redis_key(r->cfg, key, sizeof key, KEY_ACL_PROBE);
	redisAppendCommand(r->ctx, "CONFIG GET appendonly");
	redisAppendCommand(r->ctx, "CONFIG GET appendfsync");
	for (i = 0; i < PERSIST_PROBES; i++)
		redis_append_dryrun(r, i, key);
	n = 2 + PERSIST_PROBES;
	if (redis_read_replies(r, n, rep) == -1) {
		snprintf(msg, len, "not checked: %s", r->errstr);
		n = 0;
		goto out;
	}
	aof = rep[0];
	if (aof->type == REDIS_REPLY_ERROR || aof->elements != 2 ||
	    aof->element[1]->type != REDIS_REPLY_STRING) {
		snprintf(msg, len, "not checked: user '%s' may not run CONFIG "
		    "GET and ACL DRYRUN (an admin user can)", user);
		goto out;
	}
	if (strcmp(aof->element[1]->str, "yes") != 0) {
		res = REDIS_PERSIST_RISK;
		snprintf(msg, len, "the append-only file is off: a restart loses "
		    "every write since the last snapshot; set 'appendonly yes' "
		    "and 'appendfsync everysec' in redis.conf");
		goto out;
	}
	for (i = 0; i < PERSIST_PROBES; i++) {
		const redisReply *d = rep[2 + i];

		if (d->type == REDIS_REPLY_ERROR) {
			char said[128];

			snprintf(msg, len, "not checked: ACL DRYRUN as user '%s' "
			    "answered '%s'", user, validate_sanitize(said,
			    sizeof said, d->str));
			goto out;
		}
		if (d->type == REDIS_REPLY_STATUS && strcmp(d->str, "OK") == 0)
			continue;
		res = REDIS_PERSIST_RISK;
		snprintf(msg, len, "the 'default' user may not run %s, and "
		    "Redis 7.0 replays the append-only file's transactions and "
		    "scripts as 'default': a restart drops them (blocks, audit, "
		    "events); put 'user default off resetpass ~* &* +@all' in "
		    "the ACL file (clients still get NOAUTH)",
		    persist_probe[i][0]);
		goto out;
	}
	res = REDIS_PERSIST_OK;
	if (rep[1]->type == REDIS_REPLY_ARRAY && rep[1]->elements == 2 &&
	    rep[1]->element[1]->type == REDIS_REPLY_STRING &&
	    strcmp(rep[1]->element[1]->str, "no") == 0)
		snprintf(msg, len, "append-only file on, replayable; "
		    "'appendfsync no' leaves the flush to the kernel "
		    "(everysec risks about a second of writes)");
	else {
		char fsync[32];

		validate_sanitize(fsync, sizeof fsync, rep[1]->type ==
		    REDIS_REPLY_ARRAY && rep[1]->elements == 2 &&
		    rep[1]->element[1]->type == REDIS_REPLY_STRING ?
		    rep[1]->element[1]->str : "?");
		snprintf(msg, len, "append-only file on (appendfsync %s), "
		    "replayable after a restart", fsync);
	}
out:
	for (i = 0; i < n; i++)
		freeReplyObject(rep[i]);
	r->err = saved;
	snprintf(r->errstr, sizeof r->errstr, "%s", savedstr);
	return res;
}
