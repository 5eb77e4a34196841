/* The Redis connection: one per thread, reconnecting with back-off. */
#include "backends/redis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Opens a TCP connection with both timeouts applied. */
static redisContext *
redis_open(struct redis *r, const char *host, int port)
{
	const struct config_redis *cr = &r->cfg->redis;
	redisContext *c;

	c = redisConnectWithTimeout(host, port, ms_to_tv(cr->connect_timeout_ms));
	if (c == NULL) {
		redis_fail(r, RERR_UNREACHABLE, "cannot connect to redis at "
		    "%s:%d: out of memory", host, port);
		return NULL;
	}
	if (c->err) {
		redis_fail(r, RERR_UNREACHABLE, "cannot connect to redis at "
		    "%s:%d: %s", host, port, c->errstr);
		redisFree(c);
		return NULL;
	}
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
	if (cr->nsentinels > 0) {
		if (redis_discover(r) == -1)
			goto fail;
	} else {
		snprintf(r->host, sizeof r->host, "%s", cr->host);
		r->port = cr->port;
	}
	if ((r->ctx = redis_open(r, r->host, r->port)) == NULL)
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
	if (strncmp(reply->str, "NOPERM", 6) == 0)
		redis_fail(r, RERR_DENIED, "permission denied for redis user "
		    "'%s': %s", r->cfg->redis.user ? r->cfg->redis.user :
		    "default", reply->str);
	else
		redis_fail(r, RERR_REPLY, "redis: %s", reply->str);
}

/* A lost connection: close it so the next call reconnects. */
static void
redis_lost(struct redis *r)
{
	redis_fail(r, RERR_UNREACHABLE, "redis at %s:%d: %s", r->host, r->port,
	    r->ctx->errstr[0] ? r->ctx->errstr : "connection lost");
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
