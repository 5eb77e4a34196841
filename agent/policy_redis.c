/* The policy service's Redis side: the facts script, pipelines and counts. */
#include "agent/policy_redis.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/metrics.h"
#include "core/clock.h"
#include "core/keys.h"
#include "core/validate.h"
#include "core/xalloc.h"

/*
 * Key names inside the script come from keys.h where they are plain
 * strings; "agency:" and "vol:m:" are the fixed parts of KEY_AGENCY and
 * KEY_VOL_MINUTE (tests/unit/test_policy_redis.c checks they agree).
 *
 * The script declares no keys: Redis assumes a script reads and writes
 * every key given to EVALSHA, so an agent's ACL user (which may only read
 * `permit`) would be refused. The key names come as ARGV[6..8] and each
 * redis.call is checked against the ACL on its own (docs/redis-schema.md,
 * "ACL roles").
 */
/* An announcement's count outlives it by as long as it is kept (core/bulk.h:
 * BULK_KEEP_S) and a day. */
#define BULK_COUNT_TTL	"691200"

const char policy_redis_script[] =
	"local kblock, kpermit, knode = ARGV[6], ARGV[7], ARGV[8]\n"
	"local flags = ARGV[5]\n"
	/*
	 * ARGV[9]: " AGENCY=ID ..." of the announced bulk jobs whose window
	 * holds now (the agent's copy), "" when none: the count of an
	 * announcement is read and kept only then (ARGV[10]: the recipients
	 * of an end of message).
	 */
	"local ann = ARGV[9]\n"
	"local function bulk_key(a)\n"
	"  if ann == '' or a == '' then return nil end\n"
	"  local s, e = string.find(ann, ' ' .. a .. '=', 1, true)\n"
	"  if not s then return nil end\n"
	"  local id = string.match(ann, '^%d+', e + 1)\n"
	"  if not id then return nil end\n"
	"  return ARGV[2] .. 'vol:bulk:' .. id\n"
	"end\n"
	"local eom = string.find(flags, 'e', 1, true)\n"
	"local blocked, reason, till = 0, '', ''\n"
	"local b = redis.call('HMGET', kblock, '" BF_REASON "', '" BF_UNTIL
	    "')\n"
	"if b[1] or b[2] then\n"
	"  blocked = 1\n"
	"  reason = b[1] or ''\n"
	"  till = b[2] or ''\n"
	"  if not eom then\n"
	"    redis.call('HINCRBY', kblock, '" BF_HITS "', 1)\n"
	"    redis.call('HSET', kblock, '" BF_LAST_HIT "', ARGV[3])\n"
	"  end\n"
	"end\n"
	"local drain = 0\n"
	"if redis.call('HGET', knode, '" NF_DRAIN "') == '1' then drain = 1 end\n"
	"local agency = ''\n"
	"if not string.find(flags, 'i', 1, true) then\n"
	"  agency = redis.call('HGET', kpermit, ARGV[1]) or ''\n"
	"end\n"
	"if eom and blocked == 0 and drain == 0 then\n"
	"  local bk = bulk_key(agency)\n"
	"  local n = tonumber(ARGV[10]) or 0\n"
	"  if bk and n > 0 then\n"
	"    redis.call('HINCRBY', bk, '" BUF_SENT "', n)\n"
	"    redis.call('EXPIRE', bk, " BULK_COUNT_TTL ")\n"
	"  end\n"
	"end\n"
	"if blocked == 1 or drain == 1 or agency == '' or eom then\n"
	"  return {blocked, reason, till, drain, agency, '', '', '', 0, 0, -1}\n"
	"end\n"
	"local l = redis.call('HMGET', ARGV[2] .. 'agency:' .. agency, '"
	    AF_MAX_RCPTS "', '" AF_MAX_PER_MIN "', '" AF_BULK_RCPTS "')\n"
	"local m = tonumber(ARGV[4])\n"
	"local vm = ARGV[2] .. 'vol:m:'\n"
	"local cur = redis.call('HMGET', vm .. ARGV[4], agency .. '|msgs', "
	    "agency .. '|rcpts')\n"
	"local msgs = tonumber(cur[1] or '0') or 0\n"
	"local rcpts = tonumber(cur[2] or '0') or 0\n"
	/*
	 * The nine minutes before this one do not change any more (every
	 * agent sends its counts within 100 ms): their sum is made once a
	 * minute per agency and kept in vol:b:{minute}, so a request reads
	 * one field instead of nine.
	 */
	"local vb = ARGV[2] .. 'vol:b:' .. ARGV[4]\n"
	"local prev = tonumber(redis.call('HGET', vb, agency) or '')\n"
	"if not prev then\n"
	"  prev = 0\n"
	"  for i = m - 9, m - 1 do\n"
	"    prev = prev + (tonumber(redis.call('HGET', vm .. string.format("
	    "'%d', i), agency .. '|rcpts') or '0') or 0)\n"
	"  end\n"
	"  redis.call('HSET', vb, agency, prev)\n"
	"  redis.call('EXPIRE', vb, 180)\n"
	"end\n"
	"local sent = -1\n"
	"local bk = bulk_key(agency)\n"
	"if bk then\n"
	"  sent = tonumber(redis.call('HGET', bk, '" BUF_SENT "') or '0') or 0\n"
	"end\n"
	"return {blocked, reason, till, drain, agency, l[1] or '', l[2] or '', "
	    "l[3] or '', msgs, rcpts + prev, sent}\n";

void
policy_redis_init(struct policy_redis *pr, const struct config *cfg,
    const struct config_node *node)
{
	memset(pr, 0, sizeof *pr);
	redis_init(&pr->redis, cfg);
	pr->cfg = cfg;
	pr->node = node;
	pr->timeout_ms = node->policy.redis_timeout_ms;
	snprintf(pr->away, sizeof pr->away, "not connected to redis yet");
	redis_key(cfg, pr->permit_key, sizeof pr->permit_key, KEY_PERMIT);
	redis_key(cfg, pr->node_key, sizeof pr->node_key, KEY_NODE,
	    node->name);
}

void
policy_redis_free(struct policy_redis *pr)
{
	redis_close(&pr->redis);
	free(pr->counts);
	pr->counts = NULL;
	pr->ncounts = pr->counts_cap = 0;
}

/* ------------------------------------------------------------ parsing */

static int __attribute__((format(printf, 3, 4)))
parse_error(char *cause, size_t causelen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cause, causelen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A stored limit: "" (absent) is 0; otherwise digits, or "-1" if allowed. */
static int
parse_limit(const redisReply *e, bool minus_one, long *out)
{
	const char	*s;
	char		*end;
	long long	 v;

	if (e->type == REDIS_REPLY_INTEGER) {
		v = e->integer;
	} else if (e->type == REDIS_REPLY_STRING) {
		s = e->str;
		if (*s == '\0') {
			*out = 0;
			return 0;
		}
		if (minus_one && strcmp(s, "-1") == 0) {
			*out = -1;
			return 0;
		}
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
	} else
		return -1;
	if (v < (minus_one ? -1 : 0))
		return -1;
	*out = v > LONG_MAX ? LONG_MAX : (long)v;
	return 0;
}

static int
parse_flag(const redisReply *e, bool *out)
{
	if (e->type != REDIS_REPLY_INTEGER || (e->integer != 0 &&
	    e->integer != 1))
		return -1;
	*out = e->integer == 1;
	return 0;
}

static int
parse_count(const redisReply *e, long long *out)
{
	if (e->type != REDIS_REPLY_INTEGER || e->integer < 0)
		return -1;
	*out = e->integer;
	return 0;
}

static const char *
agency_check(const char *s, size_t len)
{
	size_t	i;

	if (len > POLICY_AGENCY_MAX)
		return "longer than 64 bytes";
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '|' || c == '\0')
			return "holds '|' or a control character";
	}
	return NULL;
}

int
policy_redis_parse(const void *r, struct policy_facts *f, char *cause,
    size_t causelen)
{
	const redisReply	*reply = r, *const *e;
	const char		*why;
	long			 until = 0;

	f->redis_ok = false;
	f->from_copy = f->counts_unknown = f->limits_unknown = false;
	f->blocked = false;
	f->block_reason = NULL;
	f->block_until = 0;
	f->draining = false;
	f->agency = NULL;
	f->max_rcpts_per_msg = f->max_msgs_per_minute = f->bulk_rcpts = 0;
	f->msgs_minute = f->rcpts_10min = 0;
	f->plan = false;
	f->plan_sent = -1;

	if (reply == NULL)
		return parse_error(cause, causelen, "%s", "no reply");
	if (reply->type == REDIS_REPLY_ERROR)
		return parse_error(cause, causelen, "redis: %.120s",
		    reply->str);
	if (reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements != POLICY_REPLY_FIELDS)
		return parse_error(cause, causelen, "%s", "the policy script "
		    "gave a reply of the wrong shape");
	e = (const redisReply *const *)reply->element;
	if (parse_flag(e[0], &f->blocked) == -1 ||
	    parse_flag(e[3], &f->draining) == -1)
		return parse_error(cause, causelen, "%s", "the policy script "
		    "gave a flag that is not 0 or 1");
	if (e[1]->type != REDIS_REPLY_STRING ||
	    e[2]->type != REDIS_REPLY_STRING ||
	    e[4]->type != REDIS_REPLY_STRING)
		return parse_error(cause, causelen, "%s", "the policy script "
		    "gave a reply of the wrong shape");
	if (f->blocked) {
		f->block_reason = e[1]->str;
		/* A block with an unreadable until still blocks. */
		if (parse_limit(e[2], false, &until) == -1)
			until = 0;
		f->block_until = until;
	}
	if (e[4]->len > 0) {
		if ((why = agency_check(e[4]->str, e[4]->len)) != NULL) {
			snprintf(cause, causelen, "the permit's agency id "
			    "'%.40s' is not usable: %s", e[4]->str, why);
			return -1;
		}
		f->agency = e[4]->str;
	}
	if (parse_limit(e[5], false, &f->max_rcpts_per_msg) == -1 ||
	    parse_limit(e[6], false, &f->max_msgs_per_minute) == -1 ||
	    parse_limit(e[7], true, &f->bulk_rcpts) == -1) {
		snprintf(cause, causelen, "agency '%.40s' has a limit that is "
		    "not a count", e[4]->str);
		return -1;
	}
	if (parse_count(e[8], &f->msgs_minute) == -1 ||
	    parse_count(e[9], &f->rcpts_10min) == -1 ||
	    e[10]->type != REDIS_REPLY_INTEGER || e[10]->integer < -1)
		return parse_error(cause, causelen, "%s", "the policy script "
		    "gave a volume that is not a count");
	/* The plan itself comes from the copy (policy_server.c). */
	f->plan_sent = e[10]->integer;
	f->redis_ok = true;
	return 0;
}

/* ------------------------------------------------------------ counts */

void
policy_redis_count(struct policy_redis *pr, const char *agency,
    const long long count[VOLUME_NMETRICS], long long now_ms)
{
	struct policy_count	*c = NULL;
	long long		 minute = volume_minute(now_ms);
	size_t			 i;
	bool			 any = false;

	for (i = 0; i < VOLUME_NMETRICS; i++)
		any = any || count[i] != 0;
	if (!any || agency == NULL || agency_check(agency, strlen(agency)) !=
	    NULL || *agency == '\0')
		return;
	for (i = 0; i < pr->ncounts; i++) {
		if (pr->counts[i].minute == minute &&
		    strcmp(pr->counts[i].agency, agency) == 0) {
			c = &pr->counts[i];
			break;
		}
	}
	if (c == NULL) {
		if (pr->ncounts == pr->counts_cap) {
			pr->counts_cap = pr->counts_cap ? pr->counts_cap * 2 : 16;
			pr->counts = xreallocarray(pr->counts, pr->counts_cap,
			    sizeof *pr->counts);
		}
		c = &pr->counts[pr->ncounts++];
		memset(c, 0, sizeof *c);
		snprintf(c->agency, sizeof c->agency, "%s", agency);
		c->minute = minute;
	}
	for (i = 0; i < VOLUME_NMETRICS; i++)
		/* Saturate: a count never wraps into a decrement. */
		c->n[i] = count[i] > LLONG_MAX - c->n[i] ? LLONG_MAX :
		    c->n[i] + count[i];
}

bool
policy_redis_pending(const struct policy_redis *pr)
{
	return pr->ncounts > 0;
}

/* Appends the pending counts; returns how many commands were appended. */
static size_t
append_counts(struct policy_redis *pr)
{
	redisContext	*ctx = pr->redis.ctx;
	const char	*prefix = pr->cfg->redis.prefix;
	char		 mkey[200], hkey[200], field[128], num[32], ttl[32];
	size_t		 i, n = 0;
	int		 m;

	for (i = 0; i < pr->ncounts; i++) {
		const struct policy_count *c = &pr->counts[i];

		snprintf(mkey, sizeof mkey, "%s" KEY_VOL_MINUTE, prefix,
		    c->minute);
		snprintf(hkey, sizeof hkey, "%s" KEY_VOL_HOUR, prefix,
		    c->minute / 60);
		for (m = 0; m < VOLUME_NMETRICS; m++) {
			if (c->n[m] == 0)
				continue;
			snprintf(field, sizeof field, "%s|%s", c->agency,
			    volume_metric_name((enum volume_metric)m));
			snprintf(num, sizeof num, "%lld", c->n[m]);
			redisAppendCommand(ctx, "HINCRBY %s %s %s", mkey,
			    field, num);
			redisAppendCommand(ctx, "HINCRBY %s %s %s", hkey,
			    field, num);
			n += 2;
		}
		/* Once per key from this agent (again after a reconnect). */
		if (c->minute != pr->expired_minute) {
			snprintf(ttl, sizeof ttl, "%lld", VOLUME_MINUTE_TTL);
			redisAppendCommand(ctx, "EXPIRE %s %s", mkey, ttl);
			pr->expired_minute = c->minute;
			n++;
		}
		if (c->minute / 60 != pr->expired_hour) {
			snprintf(ttl, sizeof ttl, "%lld", VOLUME_HOUR_TTL);
			redisAppendCommand(ctx, "EXPIRE %s %s", hkey, ttl);
			pr->expired_hour = c->minute / 60;
			n++;
		}
	}
	return n;
}

static unsigned long long
pending_increments(const struct policy_redis *pr)
{
	unsigned long long	n = 0;
	size_t			i;
	int			m;

	for (i = 0; i < pr->ncounts; i++) {
		for (m = 0; m < VOLUME_NMETRICS; m++)
			n += pr->counts[i].n[m] != 0;
	}
	return n;
}

/* The counts were sent and their replies are in; errors are logged once. */
static void
counts_done(struct policy_redis *pr, redisReply **replies, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (replies[i]->type == REDIS_REPLY_ERROR) {
			if (strcmp(pr->count_err, replies[i]->str) != 0) {
				log_msg("policy: cannot count volume: redis: "
				    "%.120s", replies[i]->str);
				snprintf(pr->count_err, sizeof pr->count_err,
				    "%s", replies[i]->str);
			}
			pr->lost_counts++;
		}
		freeReplyObject(replies[i]);
	}
}

/* The counts were sent but the replies never came: they may be lost. */
static void
counts_lost(struct policy_redis *pr, unsigned long long n)
{
	if (n > 0)
		log_msg("policy: %llu volume increments may be lost: the "
		    "connection to redis broke after they were sent", n);
	pr->lost_counts += n;
}

/* ------------------------------------------------------------ the link */

void
policy_redis_adopt(struct policy_redis *pr, struct policy_link *link)
{
	int	fl;

	policy_redis_drop(pr, "replaced");
	pr->redis.ctx = link->ctx;
	link->ctx = NULL;
	snprintf(pr->redis.host, sizeof pr->redis.host, "%s", link->host);
	pr->redis.port = link->port;
	pr->redis.connects++;
	/* Every wait is our own poll() with a deadline from here on. */
	fl = fcntl(pr->redis.ctx->fd, F_GETFL);
	if (fl != -1)
		fcntl(pr->redis.ctx->fd, F_SETFL, fl | O_NONBLOCK);
	pr->redis.ctx->flags &= ~REDIS_BLOCK;
	memcpy(pr->sha, link->sha, sizeof pr->sha);
	pr->away[0] = '\0';
	pr->last_io = clock_mono_ms();
	/* A new connection may be a new Redis: set the TTLs again. */
	pr->expired_minute = pr->expired_hour = -1;
}

bool
policy_redis_connected(const struct policy_redis *pr)
{
	return pr->redis.ctx != NULL;
}

int
policy_redis_fd(const struct policy_redis *pr)
{
	return pr->redis.ctx != NULL ? pr->redis.ctx->fd : -1;
}

void
policy_redis_set_away(struct policy_redis *pr, const char *cause)
{
	if (pr->redis.ctx == NULL)
		snprintf(pr->away, sizeof pr->away, "%s", cause);
}

void
policy_redis_drop(struct policy_redis *pr, const char *cause)
{
	if (pr->redis.ctx == NULL)
		return;
	counts_lost(pr, pr->owed_increments);
	redis_close(&pr->redis);
	pr->owed = 0;
	pr->owed_increments = 0;
	snprintf(pr->away, sizeof pr->away, "%s", cause);
}

/* The connection broke: drops it with hiredis's reason. */
static int
link_broke(struct policy_redis *pr, char *cause, size_t causelen)
{
	snprintf(cause, causelen, "redis at %s:%d: %s", pr->redis.host,
	    pr->redis.port, pr->redis.ctx->errstr[0] ?
	    pr->redis.ctx->errstr : "connection lost");
	policy_redis_drop(pr, cause);
	return -1;
}

/* Waits for fd to be ready for `events` until `deadline` (mono ms; a past
 * one only looks). Returns 1 ready, 0 not by then. */
static int
link_wait(int fd, short events, long long deadline)
{
	struct pollfd	pfd;
	long long	wait;
	int		rc;

	for (;;) {
		wait = deadline - clock_mono_ms();
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, wait > 0 ? (int)wait : 0);
		if (rc == -1 && errno == EINTR)
			continue;
		/* An error or a hang-up is "ready": the read or write says. */
		return rc != 0;
	}
}

/* Writes what is appended by `deadline`; -1 (dropped) with `cause` set. */
static int
link_write(struct policy_redis *pr, long long deadline, char *cause,
    size_t causelen)
{
	redisContext	*ctx = pr->redis.ctx;
	int		 done = 0;

	for (;;) {
		if (redisBufferWrite(ctx, &done) != REDIS_OK)
			return link_broke(pr, cause, causelen);
		if (done)
			return 0;
		if (!link_wait(ctx->fd, POLLOUT, deadline)) {
			/* Half a command went out: the link is unusable. */
			snprintf(cause, causelen, "redis at %s:%d took no "
			    "requests within %d ms", pr->redis.host,
			    pr->redis.port, pr->timeout_ms);
			policy_redis_drop(pr, cause);
			return -1;
		}
	}
}

/*
 * Reads up to n replies into out[] (NULL: they are freed) until `deadline`.
 * Returns how many were read, or -1 (dropped, `cause` set, out[] freed).
 */
static long
link_read(struct policy_redis *pr, redisReply **out, size_t n,
    long long deadline, char *cause, size_t causelen)
{
	redisContext	*ctx = pr->redis.ctx;
	void		*reply;
	size_t		 got = 0, i;

	while (got < n) {
		if (redisGetReplyFromReader(ctx, &reply) != REDIS_OK)
			goto broke;
		if (reply != NULL) {
			if (out != NULL)
				out[got] = reply;
			else
				freeReplyObject(reply);
			got++;
			continue;
		}
		if (!link_wait(ctx->fd, POLLIN, deadline))
			break;
		if (redisBufferRead(ctx) != REDIS_OK)
			goto broke;
	}
	if (got > 0)
		pr->last_io = clock_mono_ms();
	return (long)got;
broke:
	for (i = 0; out != NULL && i < got; i++) {
		freeReplyObject(out[i]);
		out[i] = NULL;
	}
	return link_broke(pr, cause, causelen);
}

/*
 * Reads the owed replies that come by `deadline`. Returns 0 when none is
 * owed any more, or -1 with `cause` set (still owed, or dropped).
 */
static int
link_settle(struct policy_redis *pr, long long deadline, char *cause,
    size_t causelen)
{
	long	got;

	if (pr->redis.ctx == NULL) {
		snprintf(cause, causelen, "%s", pr->away[0] ? pr->away :
		    "not connected to redis");
		return -1;
	}
	if (pr->owed == 0)
		return 0;
	if ((got = link_read(pr, NULL, pr->owed, deadline, cause,
	    causelen)) == -1)
		return -1;
	pr->owed -= (size_t)got;
	if (pr->owed == 0) {
		/* Late, but applied. */
		pr->owed_increments = 0;
		return 0;
	}
	snprintf(cause, causelen, "redis at %s:%d gave no answer for %lld ms",
	    pr->redis.host, pr->redis.port, clock_mono_ms() - pr->owed_since);
	return -1;
}

/* Waits before a pass for owed replies still within their own time. */
static int
link_ready(struct policy_redis *pr, char *cause, size_t causelen)
{
	return link_settle(pr, pr->owed_until, cause, causelen);
}

/*
 * Sends what is appended and reads n replies into replies[], waiting at
 * most timeout_ms. Returns 0, or -1 with `cause` set and no reply kept:
 * dropped, or (the link kept) the replies not read are owed. `increments`
 * counts volume increments among the first `k` commands.
 */
static int
link_exchange(struct policy_redis *pr, redisReply **replies, size_t n,
    size_t k, unsigned long long increments, char *cause, size_t causelen)
{
	long long	now = clock_mono_ms(), deadline = now + pr->timeout_ms;
	long		got;
	size_t		i;

	pr->round_trips++;
	metrics_inc(MC_ROUND_TRIPS);
	if (link_write(pr, deadline, cause, causelen) == -1) {
		counts_lost(pr, increments);
		metrics_inc(MC_REDIS_ERRORS);
		return -1;
	}
	if ((got = link_read(pr, replies, n, deadline, cause,
	    causelen)) == -1) {
		counts_lost(pr, increments);
		metrics_inc(MC_REDIS_ERRORS);
		return -1;
	}
	if ((size_t)got == n)
		return 0;
	pr->owed = n - (size_t)got;
	pr->owed_since = now;
	pr->owed_until = deadline;
	pr->owed_increments += (size_t)got < k ? increments : 0;
	for (i = 0; i < (size_t)got; i++) {
		freeReplyObject(replies[i]);
		replies[i] = NULL;
	}
	snprintf(cause, causelen, "redis at %s:%d gave no answer within %d ms",
	    pr->redis.host, pr->redis.port, pr->timeout_ms);
	return -1;
}

int
policy_redis_tend(struct policy_redis *pr, long long now, char *cause,
    size_t causelen)
{
	char	why[256];
	long	got;

	if (pr->redis.ctx == NULL)
		return 0;
	if (pr->owed > 0) {
		if (link_settle(pr, 0, why, sizeof why) == 0)
			return 0;
		if (pr->redis.ctx == NULL) {
			snprintf(cause, causelen, "%s", why);
			return -1;
		}
		if (now - pr->owed_since < pr->cfg->redis.command_timeout_ms)
			return 0;
		snprintf(cause, causelen, "redis at %s:%d gave no answer for "
		    "%lld ms", pr->redis.host, pr->redis.port,
		    now - pr->owed_since);
		policy_redis_drop(pr, cause);
		return -1;
	}
	/* Nothing is owed: anything to read is a closed connection. */
	if (link_wait(pr->redis.ctx->fd, POLLIN, 0)) {
		if (redisBufferRead(pr->redis.ctx) != REDIS_OK)
			return link_broke(pr, cause, causelen);
		if ((got = link_read(pr, NULL, 1, 0, cause, causelen)) == -1)
			return -1;
		if (got > 0) {
			snprintf(cause, causelen, "redis at %s:%d sent a "
			    "reply nobody asked for", pr->redis.host,
			    pr->redis.port);
			policy_redis_drop(pr, cause);
			return -1;
		}
	}
	if (now - pr->last_io < POLICY_REDIS_PING_MS)
		return 0;
	redisAppendCommand(pr->redis.ctx, "PING");
	if (link_write(pr, now + pr->timeout_ms, cause, causelen) == -1)
		return -1;
	pr->owed = 1;
	pr->owed_since = now;
	pr->owed_until = now + pr->timeout_ms;
	/* Not again before the answer or the drop. */
	pr->last_io = now;
	return 0;
}

long long
policy_redis_tend_in(const struct policy_redis *pr, long long now)
{
	long long	due;

	if (pr->redis.ctx == NULL)
		return -1;
	if (pr->owed > 0)
		due = pr->owed_since + pr->cfg->redis.command_timeout_ms;
	else
		due = pr->last_io + POLICY_REDIS_PING_MS;
	return due > now ? due - now : 0;
}

/* ------------------------------------------------------------ passes */

/* Loads the script again after NOSCRIPT. */
static int
load_script(struct policy_redis *pr, char *cause, size_t causelen)
{
	redisReply	*reply = NULL;

	redisAppendCommand(pr->redis.ctx, "SCRIPT LOAD %s",
	    policy_redis_script);
	if (link_exchange(pr, &reply, 1, 0, 0, cause, causelen) == -1)
		return -1;
	if (reply->type != REDIS_REPLY_STRING || reply->len != 40) {
		char said[200];

		snprintf(cause, causelen, "cannot load the policy script: "
		    "%s", reply->type == REDIS_REPLY_ERROR ? validate_sanitize(
		    said, sizeof said, reply->str) : "SCRIPT LOAD gave no SHA1");
		freeReplyObject(reply);
		return -1;
	}
	memcpy(pr->sha, reply->str, 40);
	pr->sha[40] = '\0';
	freeReplyObject(reply);
	return 0;
}

int
policy_redis_flush(struct policy_redis *pr, char *cause, size_t causelen)
{
	redisReply		**replies;
	unsigned long long	  inc;
	size_t			  n;

	if (pr->ncounts == 0)
		return 0;
	if (link_ready(pr, cause, causelen) == -1)
		return -1;
	inc = pending_increments(pr);
	n = append_counts(pr);
	pr->ncounts = 0;
	replies = xcalloc(n, sizeof *replies);
	if (link_exchange(pr, replies, n, n, inc, cause, causelen) == -1) {
		free(replies);
		return -1;
	}
	counts_done(pr, replies, n);
	free(replies);
	return 0;
}

static void
lookup_fail(struct policy_lookup *l, const char *cause)
{
	l->facts.redis_ok = false;
	snprintf(l->cause, sizeof l->cause, "%s", cause);
}

/* Appends the EVALSHA of one request. */
static void
append_lookup(struct policy_redis *pr, const struct policy_lookup *l,
    long long now_ms)
{
	const struct policy_request	*req = l->req;
	const char			*argv[13];
	char				 bkey[200], now[32], minute[32],
					 flags[4], rcpts[32];
	size_t				 fl = 0;

	snprintf(bkey, sizeof bkey, "%s" KEY_BLOCK, pr->cfg->redis.prefix,
	    req->client_address);
	snprintf(now, sizeof now, "%lld", now_ms / 1000);
	snprintf(minute, sizeof minute, "%lld", volume_minute(now_ms));
	if (policy_request_inbound(req))
		flags[fl++] = 'i';
	if (req->protocol_state != NULL &&
	    strcmp(req->protocol_state, "END-OF-MESSAGE") == 0)
		flags[fl++] = 'e';
	flags[fl++] = '-';
	flags[fl] = '\0';
	argv[0] = "EVALSHA";
	argv[1] = pr->sha;
	argv[2] = "0";
	argv[3] = req->client_address;
	argv[4] = pr->cfg->redis.prefix;
	argv[5] = now;
	argv[6] = minute;
	argv[7] = flags;
	argv[8] = bkey;
	argv[9] = pr->permit_key;
	argv[10] = pr->node_key;
	argv[11] = pr->bulk_arg != NULL ? pr->bulk_arg : "";
	snprintf(rcpts, sizeof rcpts, "%lld", req->recipient_count > 0 ?
	    req->recipient_count : 0);
	argv[12] = rcpts;
	redisAppendCommandArgv(pr->redis.ctx, 13, argv, NULL);
}

static bool
is_noscript(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0;
}

static bool
is_readonly(const redisReply *r)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "READONLY", 8) == 0;
}

/* Sends the lookups of idx[0..n) (and the counts when with_counts). */
static int
lookup_pass(struct policy_redis *pr, struct policy_lookup *l, size_t *idx,
    size_t n, bool with_counts, long long now_ms, char *cause,
    size_t causelen)
{
	redisReply		**replies;
	unsigned long long	  inc = 0;
	size_t			  i, k = 0;

	if (with_counts) {
		inc = pending_increments(pr);
		k = append_counts(pr);
		pr->ncounts = 0;
	}
	for (i = 0; i < n; i++)
		append_lookup(pr, &l[idx[i]], now_ms);
	replies = xcalloc(k + n, sizeof *replies);
	if (link_exchange(pr, replies, k + n, k, inc, cause,
	    causelen) == -1) {
		free(replies);
		return -1;
	}
	counts_done(pr, replies, k);
	for (i = 0; i < n; i++)
		l[idx[i]].reply = replies[k + i];
	free(replies);
	return 0;
}

int
policy_redis_lookup(struct policy_redis *pr, struct policy_lookup *l,
    size_t n, long long now_ms, char *cause, size_t causelen)
{
	size_t	 i, nretry = 0, *idx;
	bool	 with_counts, readonly = false;
	int	 rc = 0;

	for (i = 0; i < n; i++) {
		l[i].reply = NULL;
		l[i].cause[0] = '\0';
		l[i].facts.redis_ok = false;
		l[i].facts.from_copy = false;
	}
	if (n == 0)
		return policy_redis_flush(pr, cause, causelen);
	if (link_ready(pr, cause, causelen) == -1)
		goto fail;
	idx = xcalloc(n > 0 ? n : 1, sizeof *idx);
	for (i = 0; i < n; i++)
		idx[i] = i;
	with_counts = pr->ncounts > 0 && (pr->ncounts >= POLICY_COUNT_BATCH ||
	    now_ms - pr->counts_sent_ms >= POLICY_COUNT_EVERY_MS);
	if (with_counts)
		pr->counts_sent_ms = now_ms;
	if (lookup_pass(pr, l, idx, n, with_counts, now_ms, cause,
	    causelen) == -1) {
		free(idx);
		goto fail;
	}
	/* Redis lost its scripts (SCRIPT FLUSH, a restart we did not see). */
	for (i = 0; i < n; i++) {
		if (is_noscript(l[i].reply)) {
			freeReplyObject(l[i].reply);
			l[i].reply = NULL;
			idx[nretry++] = i;
		}
	}
	if (nretry > 0 && (load_script(pr, cause, causelen) == -1 ||
	    lookup_pass(pr, l, idx, nretry, false, now_ms, cause,
	    causelen) == -1)) {
		for (i = 0; i < nretry; i++)
			lookup_fail(&l[idx[i]], cause);
		rc = -1;
	}
	free(idx);
	for (i = 0; i < n; i++) {
		if (l[i].reply == NULL) {
			if (l[i].cause[0] == '\0')
				lookup_fail(&l[i], "no reply");
			continue;
		}
		readonly = readonly || is_readonly(l[i].reply);
		if (policy_redis_parse(l[i].reply, &l[i].facts, l[i].cause,
		    sizeof l[i].cause) == -1)
			l[i].facts.redis_ok = false;
	}
	/* A master demoted by a failover: the connector asks Sentinel. */
	if (readonly && pr->redis.ctx != NULL) {
		char	why[256];

		snprintf(why, sizeof why, "redis at %s:%d is a replica now",
		    pr->redis.host, pr->redis.port);
		policy_redis_drop(pr, why);
	}
	return rc;
fail:
	for (i = 0; i < n; i++)
		lookup_fail(&l[i], cause);
	return -1;
}

void
policy_redis_release(struct policy_lookup *l, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (l[i].reply != NULL)
			freeReplyObject(l[i].reply);
		l[i].reply = NULL;
	}
}
