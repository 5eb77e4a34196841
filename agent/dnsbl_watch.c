/* The block-list watch's thread: rounds of look-ups, the listing state of
 * each (address, zone), events, and what the console reads in Redis. */
#include "agent/dnsbl_watch.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "agent/log.h"
#include "agent/metrics.h"
#include "agent/thread.h"
#include "backends/dns.h"
#include "backends/redis.h"
#include "core/clock.h"
#include "core/dnsbl.h"
#include "core/keys.h"
#include "core/xalloc.h"

#define DNSBL_WATCH_POLL_MS 2000
#define DNSBL_CHECK_ID_MAX  64

/* An event waiting for Redis: kept until written. */
struct dnsbl_pending {
	enum dnsbl_event ev;
	long long at;
	char detail[DNSBL_IP_MAX + DNSBL_ZONE_MAX + DNSBL_REASON_MAX + 8];
};

/* The thread's own state. */
struct dnsbl_run {
	struct dnsbl_watch *w;
	struct redis redis;
	struct dns dns;
	struct dnsbl_entry *e;   /* nips * nzones */
	struct dnsbl_answer *a;
	size_t n;
	bool loaded;             /* the published state was read back */
	bool dirty;              /* entries not published yet */
	struct dnsbl_pending *pending;
	size_t npending, cap;
	char check_seen[DNSBL_CHECK_ID_MAX]; /* the last rep:check acted on */
	bool check_known;
	char check_answered[DNSBL_CHECK_ID_MAX];
	long long round_at, round_ms, round_cpu_us;
	unsigned long round_queries;
	char redis_logged[256];
};

bool
dnsbl_watch_wanted(const struct config *cfg, const struct config_node *node)
{
	return node->role == NODE_GATEWAY && node->negress > 0 &&
	    cfg->dnsbl.nzones > 0;
}

static long long
dnsbl_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) == -1)
		return 0;
	return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void
dnsbl_redis_failed(struct dnsbl_run *run, const char *what)
{
	if (strcmp(run->redis_logged, run->redis.errstr) == 0)
		return;
	log_msg("block-list watch: cannot %s: %s; retrying", what,
	    run->redis.errstr);
	snprintf(run->redis_logged, sizeof run->redis_logged, "%s",
	    run->redis.errstr);
}

/*
 * Reads what this gateway published before (a restart must not announce
 * a standing listing again) and drops fields of pairs no longer watched.
 */
static int
dnsbl_load(struct dnsbl_run *run)
{
	const struct config *cfg = run->w->cfg;
	char key[256], cause[256];
	struct dnsbl_entry e;
	redisReply *rep, *del;
	size_t i, j;

	redis_key(cfg, key, sizeof key, KEY_REP, run->w->node->name);
	if ((rep = redis_command(&run->redis, "HGETALL %s", key)) == NULL)
		return -1;
	for (i = 0; rep->type == REDIS_REPLY_ARRAY && i + 1 < rep->elements;
	     i += 2) {
		const redisReply *f = rep->element[i], *v = rep->element[i + 1];
		bool kept = false;

		if (f->type != REDIS_REPLY_STRING || strchr(f->str, '|') == NULL)
			continue;
		if (v->type == REDIS_REPLY_STRING &&
		    dnsbl_entry_parse(&e, f->str, v->str, cause,
		    sizeof cause) == 0) {
			for (j = 0; j < run->n; j++) {
				if (strcmp(run->e[j].ip, e.ip) != 0 ||
				    strcmp(run->e[j].zone, e.zone) != 0)
					continue;
				run->e[j] = e;
				kept = true;
			}
		}
		if (kept)
			continue;
		del = redis_command(&run->redis, "HDEL %s %s", key, f->str);
		if (del != NULL)
			freeReplyObject(del);
	}
	freeReplyObject(rep);
	run->loaded = true;
	return 0;
}

static void
dnsbl_queue_event(struct dnsbl_run *run, enum dnsbl_event ev,
    const struct dnsbl_entry *e, long long now)
{
	struct dnsbl_pending *p;

	if (run->npending == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 8;
		run->pending = xrealloc(run->pending, run->cap *
		    sizeof *run->pending);
	}
	p = &run->pending[run->npending++];
	p->ev = ev;
	p->at = now;
	if (ev == DNSBL_EVENT_LISTED)
		snprintf(p->detail, sizeof p->detail, "%s on %s: %s", e->ip,
		    e->zone, e->reason[0] ? e->reason : "(no reason given)");
	else
		snprintf(p->detail, sizeof p->detail, "%s on %s", e->ip,
		    e->zone);
	log_msg("%s %s", ev == DNSBL_EVENT_LISTED ? "LISTED:" : "delisted:",
	    p->detail);
}

/* One round: every pair looked up, the state applied. */
static void
dnsbl_round(struct dnsbl_run *run)
{
	const struct config *cfg = run->w->cfg;
	const struct config_node *node = run->w->node;
	long long t0 = clock_mono_ms(), c0 = dnsbl_cpu_us(), now;
	unsigned long q0 = run->dns.queries;
	char cause[256];
	size_t i, listed = 0, failed = 0;
	enum dnsbl_event ev;

	dns_dnsbl_round(&run->dns, node->egress, node->negress,
	    cfg->dnsbl.zones, cfg->dnsbl.nzones, run->a, cause, sizeof cause);
	now = clock_wall_ms() / 1000;
	for (i = 0; i < run->n; i++) {
		ev = dnsbl_entry_apply(&run->e[i], &run->a[i], now);
		if (ev != DNSBL_EVENT_NONE)
			dnsbl_queue_event(run, ev, &run->e[i], now);
		if (ev != DNSBL_EVENT_NONE)
			metrics_inc(ev == DNSBL_EVENT_LISTED ?
			    MC_DNSBL_LISTINGS : MC_DNSBL_DELISTINGS);
		listed += run->e[i].state == DNSBL_LISTED;
		failed += run->a[i].outcome == DNSBL_FOUND_FAILED;
	}
	metrics_dnsbl_listed((long long)listed);
	run->round_at = now;
	run->round_ms = clock_mono_ms() - t0;
	run->round_cpu_us = dnsbl_cpu_us() - c0;
	run->round_queries = run->dns.queries - q0;
	run->dirty = true;
	/* One line a round when asked, or when look-ups failed (the
	 * first failure's reason; the others are in rep:NODE). */
	for (i = 0; i < run->n && run->a[i].outcome != DNSBL_FOUND_FAILED; i++)
		;
	if (run->w->verbose || failed > 0)
		log_msg("block-list round: %zu pairs, %zu listed, %zu failed%s%s"
		    " in %lld ms (%lu look-ups, %lld us CPU)", run->n, listed,
		    failed, failed ? ", first: " : "", i < run->n ?
		    run->a[i].error : "", run->round_ms, run->round_queries,
		    run->round_cpu_us);
}

/* Writes every pair, the round and the pending events in one MULTI. */
static int
dnsbl_publish(struct dnsbl_run *run)
{
	const struct config *cfg = run->w->cfg;
	const struct config_node *node = run->w->node;
	char key[256], events[256], at[32], num[4][32];
	char field[DNSBL_IP_MAX + DNSBL_ZONE_MAX + 2];
	const char **argv;
	char **values;
	redisReply **rep;
	size_t argc, i, n = 0;
	int rc = -1;

	redis_key(cfg, key, sizeof key, KEY_REP, node->name);
	redis_key(cfg, events, sizeof events, KEY_EVENTS);
	argv = xcalloc(12, sizeof *argv);
	values = xcalloc(run->n + 1, sizeof *values);
	for (i = 0; i < run->n; i++) {
		json_t *j = dnsbl_entry_json(&run->e[i]);

		values[i] = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	redisAppendCommand(run->redis.ctx, "MULTI");
	n++;
	argv[0] = "HSET";
	argv[1] = key;
	argc = 2;
	snprintf(num[0], sizeof num[0], "%lld", run->round_at);
	snprintf(num[1], sizeof num[1], "%lld", run->round_ms);
	snprintf(num[2], sizeof num[2], "%lld", run->round_cpu_us);
	snprintf(num[3], sizeof num[3], "%lu", run->round_queries);
	argv[argc++] = RF_ROUND_AT;
	argv[argc++] = num[0];
	argv[argc++] = RF_ROUND_MS;
	argv[argc++] = num[1];
	argv[argc++] = RF_ROUND_CPU_US;
	argv[argc++] = num[2];
	argv[argc++] = RF_QUERIES;
	argv[argc++] = num[3];
	argv[argc++] = RF_CHECK_ID;
	argv[argc++] = run->check_answered;
	redisAppendCommandArgv(run->redis.ctx, (int)argc, argv, NULL);
	n++;
	for (i = 0; i < run->n; i++) {
		const char *hv[4];

		dnsbl_entry_field(&run->e[i], field, sizeof field);
		hv[0] = "HSET";
		hv[1] = key;
		hv[2] = field;
		hv[3] = values[i] != NULL ? values[i] : "{}";
		redisAppendCommandArgv(run->redis.ctx, 4, hv, NULL);
		n++;
	}
	for (i = 0; i < run->npending; i++) {
		snprintf(at, sizeof at, "%lld", run->pending[i].at);
		redisAppendCommand(run->redis.ctx, "XADD %s MAXLEN ~ %d * "
		    EV_TYPE " %s " EV_NODE " %s " EV_CLUSTER " %s " EV_AT " %s "
		    EV_DETAIL " %s", events, EVENTS_MAXLEN,
		    run->pending[i].ev == DNSBL_EVENT_LISTED ? "listed" :
		    "delisted", node->name, node->cluster, at,
		    run->pending[i].detail);
		n++;
	}
	redisAppendCommand(run->redis.ctx, "EXEC");
	n++;
	rep = xcalloc(n, sizeof *rep);
	if (redis_read_replies(&run->redis, n, rep) == 0) {
		const redisReply *exec = rep[n - 1];

		if (exec->type == REDIS_REPLY_ARRAY) {
			for (i = 0; i < exec->elements; i++) {
				if (exec->element[i]->type == REDIS_REPLY_ERROR)
					break;
			}
			if (i == exec->elements)
				rc = 0;
			else
				redis_set_reply_error(&run->redis,
				    exec->element[i]);
		} else if (exec->type == REDIS_REPLY_ERROR)
			redis_set_reply_error(&run->redis, exec);
		else
			redis_set_reply_error(&run->redis, rep[0]);
		for (i = 0; i < n; i++)
			freeReplyObject(rep[i]);
	}
	free(rep);
	for (i = 0; i < run->n; i++)
		free(values[i]);
	free(values);
	free(argv);
	if (rc == 0) {
		run->npending = 0;
		run->dirty = false;
	}
	return rc;
}

/*
 * Reads rep:check: 1 when it holds an id this agent has not acted on
 * (copied to id), 0 when not, -1 when Redis did not answer. The first
 * read only learns the current id: the start's round answers it.
 */
static int
dnsbl_check_asked(struct dnsbl_run *run, char *id, size_t len)
{
	char key[256];
	redisReply *rep;
	int rc = 0;

	redis_key(run->w->cfg, key, sizeof key, KEY_REP_CHECK);
	if ((rep = redis_command(&run->redis, "GET %s", key)) == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_STRING && rep->len < len &&
	    strcmp(rep->str, run->check_seen) != 0) {
		snprintf(id, len, "%s", rep->str);
		rc = run->check_known ? 1 : 0;
		snprintf(run->check_seen, sizeof run->check_seen, "%s",
		    rep->str);
		if (rc == 0)
			snprintf(run->check_answered,
			    sizeof run->check_answered, "%s", rep->str);
	}
	run->check_known = true;
	freeReplyObject(rep);
	return rc;
}

static void
dnsbl_deadline(struct timespec *ts, long long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Waits up to ms; returns true when asked to stop. */
static bool
dnsbl_wait(struct dnsbl_watch *w, long long ms)
{
	struct timespec until;
	bool stop;

	dnsbl_deadline(&until, ms);
	pthread_mutex_lock(&w->lock);
	while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock,
	    &until) != ETIMEDOUT)
		;
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void *
dnsbl_watch_loop(void *arg)
{
	struct dnsbl_watch *w = arg;
	const struct config *cfg = w->cfg;
	const struct config_node *node = w->node;
	struct dnsbl_run run;
	char cause[256], id[DNSBL_CHECK_ID_MAX];
	long long next = clock_mono_ms(), now;
	size_t i;
	int asked;

	memset(&run, 0, sizeof run);
	run.w = w;
	redis_init(&run.redis, cfg);
	if (dns_open(&run.dns, cfg, cause, sizeof cause) == -1) {
		log_msg("block-list watch off: %s", cause);
		redis_close(&run.redis);
		return NULL;
	}
	run.n = node->negress * cfg->dnsbl.nzones;
	run.e = xcalloc(run.n, sizeof *run.e);
	run.a = xcalloc(run.n, sizeof *run.a);
	for (i = 0; i < run.n; i++) {
		snprintf(run.e[i].ip, sizeof run.e[i].ip, "%s",
		    node->egress[i / cfg->dnsbl.nzones]);
		snprintf(run.e[i].zone, sizeof run.e[i].zone, "%s",
		    cfg->dnsbl.zones[i % cfg->dnsbl.nzones]);
	}
	log_msg("block-list watch: %zu address%s on %zu zone%s every %d s, "
	    "resolver %s", node->negress, node->negress == 1 ? "" : "es",
	    cfg->dnsbl.nzones, cfg->dnsbl.nzones == 1 ? "" : "s",
	    cfg->dnsbl.interval_s, cfg->dns.resolver != NULL ?
	    cfg->dns.resolver : "of the system");

	for (;;) {
		/* The published state first: a restart is not a new listing. */
		if (!run.loaded && redis_ensure(&run.redis) == 0 &&
		    dnsbl_load(&run) == -1)
			dnsbl_redis_failed(&run, "read the published state");
		asked = 0;
		if (redis_ensure(&run.redis) == 0 &&
		    (asked = dnsbl_check_asked(&run, id, sizeof id)) == 1) {
			log_msg("block-list watch: check %s asked from the "
			    "console", id);
			if (dns_flush(&run.dns, cause, sizeof cause) == -1)
				log_msg("block-list watch: %s", cause);
			snprintf(run.check_answered, sizeof run.check_answered,
			    "%s", id);
		}
		now = clock_mono_ms();
		/* Before the state is known, a round could announce again. */
		if (run.loaded && (asked == 1 || now >= next)) {
			dnsbl_round(&run);
			next = clock_mono_ms() + cfg->dnsbl.interval_s * 1000LL;
		}
		if (run.dirty && redis_ensure(&run.redis) == 0) {
			if (dnsbl_publish(&run) == -1)
				dnsbl_redis_failed(&run, "publish the listings");
			else if (run.redis_logged[0] != '\0') {
				log_msg("block-list watch: publishing again");
				run.redis_logged[0] = '\0';
			}
		} else if (run.dirty)
			dnsbl_redis_failed(&run, "publish the listings");
		now = clock_mono_ms();
		if (dnsbl_wait(w, next - now < w->poll_ms && next > now ?
		    next - now : w->poll_ms))
			break;
	}
	dns_close(&run.dns);
	redis_close(&run.redis);
	free(run.e);
	free(run.a);
	free(run.pending);
	return NULL;
}

int
dnsbl_watch_start(struct dnsbl_watch *w, const struct config *cfg,
    const struct config_node *node, bool verbose, char *cause, size_t len)
{
	int rc;

	memset(w, 0, sizeof *w);
	w->cfg = cfg;
	w->node = node;
	w->verbose = verbose;
	w->poll_ms = DNSBL_WATCH_POLL_MS;
	pthread_mutex_init(&w->lock, NULL);
	thread_cond_init(&w->cond);
	rc = thread_start(&w->thread, dnsbl_watch_loop, w);
	if (rc != 0) {
		snprintf(cause, len, "cannot start the block-list watch: %s",
		    strerror(rc));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	w->running = true;
	return 0;
}

void
dnsbl_watch_stop(struct dnsbl_watch *w)
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
