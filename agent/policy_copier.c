/* The policy service's loader thread: checks policy:version every second,
 * loads the copy again when it moved (or at copy_reload_s), hands it over. */
#include "agent/policy_copier.h"

#include <errno.h>
#include <hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/log.h"
#include "backends/bulk_store.h"
#include "backends/redis.h"
#include "core/clock.h"
#include "core/keys.h"
#include "core/validate.h"
#include "core/xalloc.h"

struct policy_copier {
	const struct config		*cfg;
	const struct config_node	*node;
	pthread_t			 thread;
	pthread_mutex_t			 lock;
	pthread_cond_t			 cond;		/* CLOCK_MONOTONIC */

	/* Under lock. */
	bool				 stop;
	struct policy_copy		*latest;	/* newest loaded */
	struct policy_copy		*mine;		/* the serving thread's */

	_Atomic long long		 confirmed_ms;
	_Atomic bool			 draining;

	/* The thread's own. */
	struct redis			 r;
	char				 version_key[160];
	char				 blocks_key[160];
	char				 permit_key[160];
	char				 node_key[160];
	long long			 version;	/* of latest, -1: none */
	long long			 loaded_mono;
	bool				 failing;	/* the last attempt failed */
	bool				 loaded_once;
	bool				 bulks_failing;	/* logged once */
	unsigned long long		 skipped_logged;
	char				 bad_logged[200];
};

/* A reply that is an error: its text; otherwise NULL. */
static const char *
copier_error(const redisReply *r, const char *what, char *buf, size_t len)
{
	char	said[160];

	if (r == NULL) {
		snprintf(buf, len, "%s: no reply", what);
		return buf;
	}
	if (r->type != REDIS_REPLY_ERROR)
		return NULL;
	snprintf(buf, len, "%s: redis: %s", what, validate_sanitize(said,
	    sizeof said, r->str));
	return buf;
}

/*
 * Reads the version counter and the drain flag. Returns 0 with *version
 * (0: no counter yet, -1: not a number), or -1 with `cause` set.
 */
static int
copier_check(struct policy_copier *pk, long long *version, char *cause,
    size_t causelen)
{
	redisReply	*rep[2] = { NULL, NULL };
	char		*end;
	int		 rc = -1;

	if (redis_ensure(&pk->r) == -1) {
		snprintf(cause, causelen, "%s", pk->r.errstr);
		return -1;
	}
	redisAppendCommand(pk->r.ctx, "GET %s", pk->version_key);
	redisAppendCommand(pk->r.ctx, "HGET %s %s", pk->node_key, NF_DRAIN);
	if (redis_read_replies(&pk->r, 2, rep) == -1) {
		snprintf(cause, causelen, "%s", pk->r.errstr);
		return -1;
	}
	if (copier_error(rep[0], "reading " KEY_POLICY_VERSION, cause,
	    causelen) != NULL || copier_error(rep[1], "reading the drain flag",
	    cause, causelen) != NULL)
		goto out;
	*version = 0;
	if (rep[0]->type == REDIS_REPLY_STRING) {
		errno = 0;
		*version = strtoll(rep[0]->str, &end, 10);
		if (errno != 0 || *end != '\0' || *version < 0)
			*version = -1;
	}
	atomic_store(&pk->draining, rep[1]->type == REDIS_REPLY_STRING &&
	    strcmp(rep[1]->str, "1") == 0);
	rc = 0;
out:
	freeReplyObject(rep[0]);
	freeReplyObject(rep[1]);
	return rc;
}

/*
 * The announced bulk jobs not over by now_s. They only widen what an
 * agency may send: when they cannot be read the copy goes on without them
 * (said once), as the policy service did before they existed.
 */
static void
copier_bulks(struct policy_copier *pk, struct policy_copy *c,
    long long now_s)
{
	char	cause[256];

	if (bulk_store_list(&pk->r, now_s, &c->bulks, cause,
	    sizeof cause) == 0) {
		if (pk->bulks_failing)
			log_msg("policy: copy: the bulk announcements are read "
			    "again");
		pk->bulks_failing = false;
		return;
	}
	if (!pk->bulks_failing)
		log_msg("policy: copy: %s; announced bulk jobs are not "
		    "honoured until they can be read", cause);
	pk->bulks_failing = true;
}

/* Reads every block, permit and agency the permits name into a new copy.
 * Returns it, or NULL with `cause` set. */
static struct policy_copy *
copier_read(struct policy_copier *pk, char *cause, size_t causelen)
{
	redisReply		*idx[2] = { NULL, NULL }, **rep = NULL;
	struct policy_copy	*c = policy_copy_new();
	const char		**ids = NULL;
	const redisReply	*z, *h;
	char			 key[400];
	long long		 now_s = clock_wall_ms() / 1000;
	size_t			 i, nids = 0, n = 0;

	redisAppendCommand(pk->r.ctx, "ZRANGE %s 0 -1", pk->blocks_key);
	redisAppendCommand(pk->r.ctx, "HGETALL %s", pk->permit_key);
	if (redis_read_replies(&pk->r, 2, idx) == -1) {
		snprintf(cause, causelen, "%s", pk->r.errstr);
		policy_copy_free(c);
		return NULL;
	}
	if (copier_error(idx[0], "reading " KEY_BLOCKS, cause,
	    causelen) != NULL || copier_error(idx[1], "reading " KEY_PERMIT,
	    cause, causelen) != NULL)
		goto out;
	z = idx[0];
	h = idx[1];
	if (z->type != REDIS_REPLY_ARRAY || h->type != REDIS_REPLY_ARRAY ||
	    h->elements % 2 != 0) {
		snprintf(cause, causelen, "%s", "the blocks index or the "
		    "permits are not of the type the schema says");
		goto out;
	}
	for (i = 0; i + 1 < h->elements; i += 2) {
		if (h->element[i]->type != REDIS_REPLY_STRING ||
		    h->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		policy_copy_add_permit(c, h->element[i]->str,
		    h->element[i + 1]->str, h->element[i + 1]->len);
	}
	nids = policy_copy_permit_agencies(c, &ids);
	for (i = 0; i < z->elements; i++) {
		snprintf(key, sizeof key, "%s" KEY_BLOCK, pk->cfg->redis.prefix,
		    z->element[i]->type == REDIS_REPLY_STRING ?
		    z->element[i]->str : "");
		redisAppendCommand(pk->r.ctx, "HMGET %s %s %s", key, BF_REASON,
		    BF_UNTIL);
	}
	for (i = 0; i < nids; i++) {
		snprintf(key, sizeof key, "%s" KEY_AGENCY, pk->cfg->redis.prefix,
		    ids[i]);
		redisAppendCommand(pk->r.ctx, "HMGET %s %s %s %s", key,
		    AF_MAX_RCPTS, AF_MAX_PER_MIN, AF_BULK_RCPTS);
	}
	n = z->elements + nids;
	rep = xcalloc(n > 0 ? n : 1, sizeof *rep);
	if (n > 0 && redis_read_replies(&pk->r, n, rep) == -1) {
		snprintf(cause, causelen, "%s", pk->r.errstr);
		n = 0;
		goto out;
	}
	for (i = 0; i < z->elements; i++) {
		if (z->element[i]->type == REDIS_REPLY_STRING)
			policy_copy_add_block(c, z->element[i]->str, rep[i],
			    now_s);
	}
	for (i = 0; i < nids; i++)
		policy_copy_add_agency(c, ids[i], rep[z->elements + i]);
	policy_copy_seal(c);
	copier_bulks(pk, c, now_s);
	c->loaded_ms = clock_wall_ms();
out:
	for (i = 0; i < n; i++)
		freeReplyObject(rep[i]);
	free(rep);
	free(ids);
	freeReplyObject(idx[0]);
	freeReplyObject(idx[1]);
	if (c->loaded_ms == 0) {
		/* Stopped before the end: nothing of it is used. */
		policy_copy_free(c);
		return NULL;
	}
	return c;
}

/* Makes c the newest copy; one the serving thread never took is freed. */
static void
copier_publish(struct policy_copier *pk, struct policy_copy *c)
{
	pthread_mutex_lock(&pk->lock);
	if (pk->latest != pk->mine)
		policy_copy_free(pk->latest);
	pk->latest = c;
	pthread_mutex_unlock(&pk->lock);
	atomic_store(&pk->confirmed_ms, c->loaded_ms);
}

/* Records that cannot be read: one line when they change. */
static void
copier_log_skipped(struct policy_copier *pk, const struct policy_copy *c)
{
	if (c->skipped == pk->skipped_logged &&
	    strcmp(c->first_bad, pk->bad_logged) == 0)
		return;
	pk->skipped_logged = c->skipped;
	snprintf(pk->bad_logged, sizeof pk->bad_logged, "%s", c->first_bad);
	if (c->skipped > 0)
		log_msg("policy: copy: %llu record%s skipped, not readable "
		    "(the first: %s); the rest of the copy is used",
		    c->skipped, c->skipped == 1 ? "" : "s", c->first_bad);
}

/* One check, and a load when due. */
static void
copier_tick(struct policy_copier *pk)
{
	struct policy_copy	*c;
	char			 cause[256];
	long long		 version, t0 = clock_mono_ms();
	bool			 due;

	if (copier_check(pk, &version, cause, sizeof cause) == 0) {
		due = pk->version == -1 || version == -1 ||
		    version != pk->version || t0 - pk->loaded_mono >=
		    pk->node->policy.copy_reload_s * 1000LL;
		if (!due) {
			atomic_store(&pk->confirmed_ms, clock_wall_ms());
			if (pk->failing)
				log_msg("policy: the copy is current again "
				    "(policy:version %lld)", version);
			pk->failing = false;
			return;
		}
		if ((c = copier_read(pk, cause, sizeof cause)) != NULL) {
			c->version = version;
			pk->version = version;
			pk->loaded_mono = clock_mono_ms();
			copier_log_skipped(pk, c);
			/* Reloads that follow changes are not logged: one
			 * per console write would drown the log. */
			if (pk->failing || !pk->loaded_once)
				log_msg("policy: copy loaded: %zu blocks, %zu "
				    "permits, %zu agencies in %lld ms",
				    c->nblocks, c->npermits, c->nagencies,
				    clock_mono_ms() - t0);
			pk->failing = false;
			pk->loaded_once = true;
			copier_publish(pk, c);
			return;
		}
	}
	/* Once per streak of failures: an outage is logged by the serving
	 * thread already, and causes alternate while Redis comes back. */
	if (!pk->failing)
		log_msg("policy: cannot load the copy of blocks and permits: "
		    "%s; %s", cause, pk->loaded_once ? "keeping the one loaded" :
		    "there is none yet");
	pk->failing = true;
}

static void
copier_wait(struct policy_copier *pk, long long ms)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&pk->cond, &pk->lock, &ts);
}

static void *
copier_run(void *arg)
{
	struct policy_copier	*pk = arg;
	long long		 next;

	pthread_mutex_lock(&pk->lock);
	while (!pk->stop) {
		pthread_mutex_unlock(&pk->lock);
		next = clock_mono_ms() + POLICY_COPIER_CHECK_MS;
		copier_tick(pk);
		pthread_mutex_lock(&pk->lock);
		while (!pk->stop && clock_mono_ms() < next)
			copier_wait(pk, next - clock_mono_ms());
	}
	pthread_mutex_unlock(&pk->lock);
	return NULL;
}

struct policy_copier *
policy_copier_start(const struct config *cfg, const struct config_node *node,
    char *cause, size_t causelen)
{
	struct policy_copier	*pk;
	pthread_condattr_t	 ca;
	sigset_t		 all, old;
	int			 rc;

	pk = xcalloc(1, sizeof *pk);
	pk->cfg = cfg;
	pk->node = node;
	pk->version = -1;
	atomic_init(&pk->confirmed_ms, 0);
	atomic_init(&pk->draining, false);
	redis_init(&pk->r, cfg);
	redis_key(cfg, pk->version_key, sizeof pk->version_key, "%s",
	    KEY_POLICY_VERSION);
	redis_key(cfg, pk->blocks_key, sizeof pk->blocks_key, "%s",
	    KEY_BLOCKS);
	redis_key(cfg, pk->permit_key, sizeof pk->permit_key, "%s",
	    KEY_PERMIT);
	redis_key(cfg, pk->node_key, sizeof pk->node_key, KEY_NODE,
	    node->name);
	pthread_mutex_init(&pk->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pk->cond, &ca);
	pthread_condattr_destroy(&ca);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&pk->thread, NULL, copier_run, pk);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(cause, causelen, "cannot start the policy copy's "
		    "loader: %s", strerror(rc));
		pthread_cond_destroy(&pk->cond);
		pthread_mutex_destroy(&pk->lock);
		free(pk);
		return NULL;
	}
	return pk;
}

void
policy_copier_stop(struct policy_copier *pk)
{
	if (pk == NULL)
		return;
	pthread_mutex_lock(&pk->lock);
	pk->stop = true;
	pthread_cond_signal(&pk->cond);
	pthread_mutex_unlock(&pk->lock);
	pthread_join(pk->thread, NULL);
	if (pk->mine != pk->latest)
		policy_copy_free(pk->mine);
	policy_copy_free(pk->latest);
	redis_close(&pk->r);
	pthread_cond_destroy(&pk->cond);
	pthread_mutex_destroy(&pk->lock);
	free(pk);
}

const struct policy_copy *
policy_copier_take(struct policy_copier *pk)
{
	struct policy_copy	*old = NULL;

	pthread_mutex_lock(&pk->lock);
	if (pk->latest != pk->mine) {
		old = pk->mine;
		pk->mine = pk->latest;
	}
	pthread_mutex_unlock(&pk->lock);
	policy_copy_free(old);
	return pk->mine;
}

long long
policy_copier_confirmed_ms(const struct policy_copier *pk)
{
	return atomic_load(&((struct policy_copier *)pk)->confirmed_ms);
}

bool
policy_copier_draining(const struct policy_copier *pk)
{
	return atomic_load(&((struct policy_copier *)pk)->draining);
}
