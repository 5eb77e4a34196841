/* The policy service's reconnecting thread (one blocking connect at a time,
 * never on the serving thread). */
#include "agent/policy_connector.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/thread.h"
#include "backends/redis.h"
#include "core/clock.h"
#include "core/xalloc.h"

struct policy_connector {
	const struct config	*cfg;
	const char		*script;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* CLOCK_MONOTONIC */
	int			 efd;

	/* Under lock. */
	bool			 stop;
	bool			 want;
	struct policy_link	 ready;		/* ctx NULL: none waits */
	char			 cause[256];	/* the last attempt's error */
	long long		 not_before;	/* mono ms */

	/* The thread's own. */
	struct redis		 r;
};

/* Loads the script on the new connection r->ctx. */
static int
connector_load(struct policy_connector *pc, char *sha)
{
	redisReply	*reply;

	reply = redis_command(&pc->r, "SCRIPT LOAD %s", pc->script);
	if (reply == NULL) {
		/* redis_command closed a connection that broke. */
		snprintf(pc->r.errstr + strlen(pc->r.errstr),
		    sizeof pc->r.errstr - strlen(pc->r.errstr), "%s",
		    " (loading the policy script)");
		return -1;
	}
	if (reply->type != REDIS_REPLY_STRING || reply->len != 40) {
		snprintf(pc->r.errstr, sizeof pc->r.errstr, "redis at %s:%d: "
		    "SCRIPT LOAD gave no SHA1", pc->r.host, pc->r.port);
		freeReplyObject(reply);
		return -1;
	}
	memcpy(sha, reply->str, 40);
	sha[40] = '\0';
	freeReplyObject(reply);
	return 0;
}

/* One attempt, without the lock: 0 with *link filled, or -1. */
static int
connector_try(struct policy_connector *pc, struct policy_link *link)
{
	long long	now;

	if (redis_connect(&pc->r) == 0) {
		if (connector_load(pc, link->sha) == 0) {
			link->ctx = pc->r.ctx;
			pc->r.ctx = NULL;	/* handed over */
			snprintf(link->host, sizeof link->host, "%s",
			    pc->r.host);
			link->port = pc->r.port;
			return 0;
		}
		redis_close(&pc->r);
		/* Connected but not usable: back off as after a failure. */
		now = clock_mono_ms();
		pc->r.next_try_ms = now + pc->r.backoff_ms;
		pc->r.backoff_ms = pc->r.backoff_ms * 2 > REDIS_BACKOFF_MAX_MS ?
		    REDIS_BACKOFF_MAX_MS : pc->r.backoff_ms * 2;
	}
	return -1;
}

static void
connector_wait_until(struct policy_connector *pc, long long mono_ms)
{
	struct timespec	ts;
	long long	now = clock_mono_ms();

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (mono_ms - now) / 1000;
	ts.tv_nsec += ((mono_ms - now) % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&pc->cond, &pc->lock, &ts);
}

static void *
connector_run(void *arg)
{
	struct policy_connector	*pc = arg;
	struct policy_link	 link;
	uint64_t		 one = 1;
	long long		 now, at;
	ssize_t			 n;
	int			 rc;

	pthread_mutex_lock(&pc->lock);
	while (!pc->stop) {
		if (!pc->want || pc->ready.ctx != NULL) {
			pthread_cond_wait(&pc->cond, &pc->lock);
			continue;
		}
		now = clock_mono_ms();
		at = pc->not_before > pc->r.next_try_ms ? pc->not_before :
		    pc->r.next_try_ms;
		if (now < at) {
			connector_wait_until(pc, at);
			continue;
		}
		pthread_mutex_unlock(&pc->lock);
		memset(&link, 0, sizeof link);
		rc = connector_try(pc, &link);
		pthread_mutex_lock(&pc->lock);
		if (rc == -1) {
			snprintf(pc->cause, sizeof pc->cause, "%s",
			    pc->r.errstr);
		} else {
			pc->ready = link;
			pc->want = false;
			pc->cause[0] = '\0';
			/* A connection lost at once is not retried in a tight
			 * loop. */
			pc->not_before = clock_mono_ms() + REDIS_BACKOFF_MIN_MS;
		}
		/* Success or failure: the serving thread learns either. */
		do
			n = write(pc->efd, &one, sizeof one);
		while (n == -1 && errno == EINTR);
	}
	pthread_mutex_unlock(&pc->lock);
	return NULL;
}

struct policy_connector *
policy_connector_start(const struct config *cfg, const char *script,
    char *cause, size_t causelen)
{
	struct policy_connector	*pc;
	int			 rc;

	pc = xcalloc(1, sizeof *pc);
	pc->cfg = cfg;
	pc->script = script;
	redis_init(&pc->r, cfg);
	pc->want = true;
	if ((pc->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(cause, causelen, "cannot start the redis connector: "
		    "%s", strerror(errno));
		free(pc);
		return NULL;
	}
	pthread_mutex_init(&pc->lock, NULL);
	thread_cond_init(&pc->cond);
	rc = thread_start(&pc->thread, connector_run, pc);
	if (rc != 0) {
		snprintf(cause, causelen, "cannot start the redis connector: "
		    "%s", strerror(rc));
		pthread_cond_destroy(&pc->cond);
		pthread_mutex_destroy(&pc->lock);
		close(pc->efd);
		free(pc);
		return NULL;
	}
	return pc;
}

int
policy_connector_fd(const struct policy_connector *pc)
{
	return pc->efd;
}

void
policy_connector_want(struct policy_connector *pc)
{
	pthread_mutex_lock(&pc->lock);
	if (!pc->want && pc->ready.ctx == NULL) {
		pc->want = true;
		pthread_cond_signal(&pc->cond);
	}
	pthread_mutex_unlock(&pc->lock);
}

bool
policy_connector_take(struct policy_connector *pc, struct policy_link *link,
    char *cause, size_t causelen)
{
	uint64_t	v;
	ssize_t		n;
	bool		got = false;

	pthread_mutex_lock(&pc->lock);
	n = read(pc->efd, &v, sizeof v);	/* clears it; EAGAIN is fine */
	(void)n;
	if (pc->ready.ctx != NULL) {
		*link = pc->ready;
		memset(&pc->ready, 0, sizeof pc->ready);
		got = true;
	} else if (pc->cause[0] != '\0')
		snprintf(cause, causelen, "%s", pc->cause);
	else
		snprintf(cause, causelen, "connecting to redis");
	pthread_mutex_unlock(&pc->lock);
	return got;
}

void
policy_connector_stop(struct policy_connector *pc)
{
	if (pc == NULL)
		return;
	pthread_mutex_lock(&pc->lock);
	pc->stop = true;
	pthread_cond_signal(&pc->cond);
	pthread_mutex_unlock(&pc->lock);
	pthread_join(pc->thread, NULL);
	if (pc->ready.ctx != NULL)
		redisFree(pc->ready.ctx);
	redis_close(&pc->r);
	pthread_cond_destroy(&pc->cond);
	pthread_mutex_destroy(&pc->lock);
	close(pc->efd);
	free(pc);
}
