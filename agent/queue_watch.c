/* A thread that keeps the queue counts fresh, away from the heartbeat. */
#include "agent/queue_watch.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/log.h"
#include "agent/thread.h"
#include "core/clock.h"

static void
queue_watch_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *
queue_watch_loop(void *arg)
{
	struct queue_watch *w = arg;
	char cause[512], logged[512] = "";
	struct queued_list doms;
	struct timespec until;
	long long t0, left;
	int rc;

	for (;;) {
		t0 = clock_mono_ms();
		rc = queue_scan_count(w->qs, cause, sizeof cause);
		pthread_mutex_lock(&w->lock);
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		/* Counts first: on a big new queue, reading every arrival
		 * takes a while, and the oldest is the previous one meanwhile. */
		if (rc == 0) {
			queue_scan_result(w->qs, &w->counts);
			w->have = true;
			w->pass_ms = clock_mono_ms() - t0;
		}
		pthread_mutex_unlock(&w->lock);

		if (rc == -1 && strcmp(cause, logged) != 0) {
			log_msg("queue counts unavailable: %s", cause);
			snprintf(logged, sizeof logged, "%s", cause);
		} else if (rc == 0 && logged[0] != '\0') {
			log_msg("queue counts available again");
			logged[0] = '\0';
		}
		if (rc == 0) {
			queue_scan_arrivals(w->qs);
			queue_scan_domains(w->qs, &doms);
			pthread_mutex_lock(&w->lock);
			queue_scan_result(w->qs, &w->counts);
			w->pass_ms = clock_mono_ms() - t0;
			queued_list_free(&w->domains);
			w->domains = doms;
			w->have_domains = true;
			pthread_mutex_unlock(&w->lock);
		}

		pthread_mutex_lock(&w->lock);
		/* A pass longer than the period still leaves the disk a rest. */
		left = w->period_ms - (clock_mono_ms() - t0);
		if (left < w->period_ms / 4)
			left = w->period_ms / 4;
		queue_watch_deadline(&until, (int)left);
		while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock,
		    &until) != ETIMEDOUT)
			;
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

int
queue_watch_start(struct queue_watch *w, const char *queue_dir,
    int period_ms, char *cause, size_t causelen)
{
	int rc;

	memset(w, 0, sizeof *w);
	if ((w->qs = queue_scan_new(queue_dir, cause, causelen)) == NULL)
		return -1;
	w->period_ms = period_ms;
	pthread_mutex_init(&w->lock, NULL);
	thread_cond_init(&w->cond);

	rc = thread_start(&w->thread, queue_watch_loop, w);
	if (rc != 0) {
		snprintf(cause, causelen, "cannot start the queue scanner: %s",
		    strerror(rc));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		queue_scan_free(w->qs);
		w->qs = NULL;
		return -1;
	}
	return 0;
}

int
queue_watch_get(struct queue_watch *w, struct queue_counts *out,
    long long *pass_ms)
{
	int rc = -1;

	pthread_mutex_lock(&w->lock);
	if (w->have) {
		*out = w->counts;
		if (pass_ms != NULL)
			*pass_ms = w->pass_ms;
		rc = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int
queue_watch_domains(struct queue_watch *w, struct queued_list *out)
{
	size_t i;
	int rc = -1;

	queued_list_init(out);
	pthread_mutex_lock(&w->lock);
	if (w->have_domains) {
		for (i = 0; i < w->domains.n; i++)
			queued_list_append(out, &w->domains.v[i]);
		rc = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int
queue_watch_wait(struct queue_watch *w, int timeout_ms)
{
	long long until = clock_mono_ms() + timeout_ms;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct queue_counts c;

	while (queue_watch_get(w, &c, NULL) == -1) {
		if (clock_mono_ms() >= until)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

void
queue_watch_stop(struct queue_watch *w)
{
	if (w->qs == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	queue_scan_cancel(w->qs);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	queue_scan_free(w->qs);
	w->qs = NULL;
	queued_list_free(&w->domains);
	w->have_domains = false;
}
