/* The filter watch's thread: the controller's stat and, for quarantined
 * messages, its history; the counts per minute and hour, up or down. */
#include "agent/filter_watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "agent/log.h"
#include "agent/thread.h"
#include "backends/filter_http.h"
#include "backends/redis.h"
#include "core/clock.h"
#include "core/filter.h"
#include "core/keys.h"
#include "core/volume.h"
#include "core/xalloc.h"

#define FILTER_PASSWORD_MAX 256
/* Held records looked up in one history request, at most. */
#define FILTER_HELD_BATCH   64

struct filter_run {
	struct filter_watch *w;
	struct redis redis;
	char password[FILTER_PASSWORD_MAX];
	bool have_password;
	struct filter_stat prev;
	bool have_prev;
	int up;                  /* -1 never polled, 0 down, 1 up */
	long long since;
	char error[FILTER_ERROR_MAX];
	char logged[FILTER_ERROR_MAX]; /* the state last said in the log */
	char redis_logged[256];
};

bool
filter_watch_wanted(const struct config_node *node)
{
	return node->role == NODE_GATEWAY && node->filter.controller.host !=
	    NULL;
}

static long long
filter_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) == -1)
		return 0;
	return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* The password file's first line; control characters refused (they would
 * end up in the request's header). */
static int
filter_read_password(const char *path, char *buf, size_t len, char *cause,
    size_t clen)
{
	FILE *f;
	size_t i;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(cause, clen, "cannot read the filter's password file "
		    "'%s': %s", path, strerror(errno));
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	for (i = 0; buf[i] != '\0'; i++) {
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			snprintf(cause, clen, "the filter's password file '%s' "
			    "holds a control character", path);
			return -1;
		}
	}
	return 0;
}

int
filter_watch_poll_once(const struct config_node *node, const char *password,
    char *cause, size_t len)
{
	const struct config_filter *fc = &node->filter;
	struct filter_stat st;
	char *body;
	size_t n;
	int rc;

	if (filter_http_get(fc->controller.host, fc->controller.port, "/stat",
	    password, fc->timeout_ms, &body, &n, cause, len) == -1)
		return -1;
	rc = filter_stat_parse(body, n, &st, cause, len);
	free(body);
	return rc;
}

/* Appends HINCRBY of the deltas to a bucket key, and its EXPIRE. */
static size_t
filter_append_bucket(struct filter_run *run, const char *gran, long long b,
    const long long *d, long long ttl)
{
	char key[256];
	size_t n = 0;
	int i;

	redis_key(run->w->cfg, key, sizeof key, KEY_FILTER_BUCKET,
	    run->w->node->name, gran, b);
	for (i = 0; i < FILTER_ACTIONS + 2; i++) {
		if (d[i] <= 0)
			continue;
		redisAppendCommand(run->redis.ctx, "HINCRBY %s %s %lld", key,
		    filter_bucket_field[i], d[i]);
		n++;
	}
	if (n > 0) {
		redisAppendCommand(run->redis.ctx, "EXPIRE %s %lld", key, ttl);
		n++;
	}
	return n;
}

/* Reads the replies of n commands; -1 when Redis failed or refused one. */
static int
filter_replies(struct filter_run *run, size_t n)
{
	redisReply **rep;
	size_t i;
	int rc = 0;

	if (n == 0)
		return 0;
	rep = xcalloc(n, sizeof *rep);
	if (redis_read_replies(&run->redis, n, rep) == -1) {
		free(rep);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && rep[i]->type == REDIS_REPLY_ERROR) {
			redis_set_reply_error(&run->redis, rep[i]);
			rc = -1;
		}
		freeReplyObject(rep[i]);
	}
	free(rep);
	return rc;
}

static void
filter_redis_failed(struct filter_run *run, const char *what)
{
	if (strcmp(run->redis_logged, run->redis.errstr) == 0)
		return;
	log_msg("filter watch: cannot %s: %s; retrying", what,
	    run->redis.errstr);
	snprintf(run->redis_logged, sizeof run->redis_logged, "%s",
	    run->redis.errstr);
}

/*
 * Quarantined messages the follower recorded without a verdict yet: one
 * history request finds their score and symbols by Message-ID. Only when
 * some are waiting, so a quiet poll costs the stat alone.
 */
static void
filter_verdicts(struct filter_run *run)
{
	const struct config_node *node = run->w->node;
	const struct config_filter *fc = &node->filter;
	struct filter_held held[FILTER_HELD_BATCH];
	struct filter_verdict v[FILTER_HELD_BATCH];
	const char *mids[FILTER_HELD_BATCH], *qids[FILTER_HELD_BATCH];
	char key[256], cause[256], *body, *dump;
	redisReply *rep;
	size_t i, n = 0, len, sent = 0;

	redis_key(run->w->cfg, key, sizeof key, KEY_FILTER_HELD, node->name);
	if ((rep = redis_command(&run->redis, "HGETALL %s", key)) == NULL)
		return;
	for (i = 0; rep->type == REDIS_REPLY_ARRAY && i + 1 < rep->elements &&
	     n < FILTER_HELD_BATCH; i += 2) {
		const redisReply *f = rep->element[i], *x = rep->element[i + 1];

		if (f->type != REDIS_REPLY_STRING ||
		    x->type != REDIS_REPLY_STRING ||
		    filter_held_parse(x->str, &held[n]) == -1 ||
		    held[n].have_verdict || held[n].mid[0] == '\0')
			continue;
		mids[n] = held[n].mid;
		qids[n] = f->str;
		n++;
	}
	if (n == 0 || filter_http_get(fc->controller.host, fc->controller.port,
	    "/history", run->have_password ? run->password : NULL,
	    fc->timeout_ms, &body, &len, cause, sizeof cause) == -1) {
		freeReplyObject(rep);
		return;
	}
	if (filter_history_find(body, len, mids, n, v, cause,
	    sizeof cause) == -1)
		log_msg("filter watch: %s", cause);
	else {
		for (i = 0; i < n; i++) {
			if (!v[i].found)
				continue;
			held[i].have_verdict = true;
			held[i].score = v[i].score;
			snprintf(held[i].symbols, sizeof held[i].symbols, "%s",
			    v[i].symbols);
			dump = filter_held_dump(&held[i]);
			/* Only while the follower's record is there. */
			redisAppendCommand(run->redis.ctx, "HSET %s %s %s", key,
			    qids[i], dump);
			free(dump);
			sent++;
		}
		if (filter_replies(run, sent) == -1)
			filter_redis_failed(run, "record the verdicts");
	}
	free(body);
	freeReplyObject(rep);
}

/* One poll: the stat, the deltas into the buckets, the hash. */
static void
filter_poll(struct filter_run *run)
{
	const struct config_node *node = run->w->node;
	const struct config_filter *fc = &node->filter;
	long long c0 = filter_cpu_us(), now = clock_wall_ms() / 1000, poll_us;
	long long d[FILTER_ACTIONS + 2];
	struct filter_stat st;
	char cause[FILTER_ERROR_MAX], key[256], num[FF_COUNT][32];
	const char *argv[2 + 2 * FF_COUNT];
	char *body = NULL;
	size_t len, n = 0, argc = 0;
	int up, i;

	memset(d, 0, sizeof d);
	if (filter_http_get(fc->controller.host, fc->controller.port, "/stat",
	    run->have_password ? run->password : NULL, fc->timeout_ms, &body,
	    &len, cause, sizeof cause) == 0 &&
	    filter_stat_parse(body, len, &st, cause, sizeof cause) == 0) {
		up = 1;
		if (run->have_prev) {
			d[FILTER_B_SCANNED] = st.scanned >= run->prev.scanned ?
			    st.scanned - run->prev.scanned : st.scanned;
			for (i = 0; i < FILTER_ACTIONS; i++)
				d[i] = st.action[i] >= run->prev.action[i] ?
				    st.action[i] - run->prev.action[i] :
				    st.action[i];
		}
		run->prev = st;
		run->have_prev = true;
		run->error[0] = '\0';
	} else {
		up = 0;
		snprintf(run->error, sizeof run->error, "%s", cause);
	}
	free(body);
	poll_us = filter_cpu_us() - c0;
	if (up != run->up)
		run->since = now;
	run->up = up;
	/* Said once per state: up, or down with this cause. */
	if (up && run->logged[0] != '+') {
		log_msg("filter: the controller at %s answers (rspamd %s)",
		    fc->controller.text, run->prev.version);
		snprintf(run->logged, sizeof run->logged, "+");
	} else if (!up && strcmp(run->logged, run->error) != 0) {
		log_msg("filter: the controller at %s is down: %s",
		    fc->controller.text, run->error);
		snprintf(run->logged, sizeof run->logged, "%s", run->error);
	}

	if (redis_ensure(&run->redis) == -1) {
		filter_redis_failed(run, "publish the filter's state");
		return;
	}
	redis_key(run->w->cfg, key, sizeof key, KEY_FILTER, node->name);
	argv[argc++] = "HSET";
	argv[argc++] = key;
	snprintf(num[FF_UP_I], sizeof num[0], "%d", up);
	snprintf(num[FF_AT_I], sizeof num[0], "%lld", now);
	snprintf(num[FF_SINCE_I], sizeof num[0], "%lld", run->since);
	snprintf(num[FF_SCANNED_I], sizeof num[0], "%lld", run->prev.scanned);
	snprintf(num[FF_POLL_US_I], sizeof num[0], "%lld", poll_us);
	snprintf(num[FF_INTERVAL_I], sizeof num[0], "%d", fc->interval_s);
	for (i = 0; i < FILTER_ACTIONS; i++)
		snprintf(num[FF_ACTION0_I + i], sizeof num[0], "%lld",
		    run->prev.action[i]);
	for (i = 0; i < FF_COUNT; i++) {
		const char *v = num[i];

		if (i == FF_UNSCANNED_I)
			continue;   /* the follower's */
		if (i == FF_ERROR_I)
			v = run->error;
		else if (i == FF_VERSION_I)
			v = run->prev.version;
		else if (!run->have_prev && i >= FF_SCANNED_I && i != FF_POLL_US_I &&
		    i != FF_INTERVAL_I)
			continue;
		argv[argc++] = filter_field_names[i];
		argv[argc++] = v;
	}
	redisAppendCommandArgv(run->redis.ctx, (int)argc, argv, NULL);
	n++;
	n += filter_append_bucket(run, "m", now / 60, d, VOLUME_MINUTE_TTL);
	n += filter_append_bucket(run, "h", now / 3600, d, VOLUME_HOUR_TTL);
	if (filter_replies(run, n) == -1) {
		filter_redis_failed(run, "publish the filter's state");
		return;
	}
	if (run->redis_logged[0] != '\0') {
		log_msg("filter watch: publishing again");
		run->redis_logged[0] = '\0';
	}
	if (up)
		filter_verdicts(run);
	/* The whole poll, publishing included (poll_us: the controller's
	 * request and its parse). */
	if (run->w->verbose)
		log_msg("filter poll: %s in %lld us CPU (%lld us the request "
		    "and parse)", up ? "up" : "down", filter_cpu_us() - c0,
		    poll_us);
}

static bool
filter_wait(struct filter_watch *w, long long ms)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock,
	    &until) != ETIMEDOUT)
		;
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void *
filter_watch_loop(void *arg)
{
	struct filter_watch *w = arg;
	const struct config_filter *fc = &w->node->filter;
	struct filter_run run;
	char cause[512];
	long long next;

	memset(&run, 0, sizeof run);
	run.w = w;
	run.up = -1;
	redis_init(&run.redis, w->cfg);
	if (fc->password_file != NULL) {
		if (filter_read_password(fc->password_file, run.password,
		    sizeof run.password, cause, sizeof cause) == -1)
			log_msg("filter watch: %s; asking without one", cause);
		else
			run.have_password = true;
	}
	log_msg("filter watch: the controller at %s every %d s (timeout %d "
	    "ms)", fc->controller.text, fc->interval_s, fc->timeout_ms);
	for (;;) {
		next = clock_mono_ms() + fc->interval_s * 1000LL;
		filter_poll(&run);
		if (filter_wait(w, next > clock_mono_ms() ? next -
		    clock_mono_ms() : 0))
			break;
	}
	redis_close(&run.redis);
	return NULL;
}

int
filter_watch_start(struct filter_watch *w, const struct config *cfg,
    const struct config_node *node, bool verbose, char *cause, size_t len)
{
	int rc;

	memset(w, 0, sizeof *w);
	w->cfg = cfg;
	w->node = node;
	w->verbose = verbose;
	pthread_mutex_init(&w->lock, NULL);
	thread_cond_init(&w->cond);
	rc = thread_start(&w->thread, filter_watch_loop, w);
	if (rc != 0) {
		snprintf(cause, len, "cannot start the filter watch: %s",
		    strerror(rc));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	w->running = true;
	return 0;
}

void
filter_watch_stop(struct filter_watch *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	w->running = false;
}
