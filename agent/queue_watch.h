/* The queue scanner's thread: counts ready for the heartbeat at any time. */
#ifndef MAILNOC_AGENT_QUEUE_WATCH_H
#define MAILNOC_AGENT_QUEUE_WATCH_H

#include <pthread.h>
#include <stdbool.h>

#include "agent/queue_scan.h"

struct queue_watch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct queue_scan *qs;
	int period_ms;
	bool stop;
	bool have;                  /* a count pass has finished */
	struct queue_counts counts; /* from the last finished pass */
	long long pass_ms;          /* how long that pass took */
	bool have_domains;
	struct queued_list domains; /* queue_scan_domains of that pass */
};

/*
 * Opens `queue_dir` and starts a thread that scans it every period_ms
 * (queue_scan_count, then queue_scan_arrivals), so that a big or slow queue
 * never delays a heartbeat. Returns 0, or -1 with `cause` set.
 */
int queue_watch_start(struct queue_watch *w, const char *queue_dir,
    int period_ms, char *cause, size_t causelen);

/*
 * Copies the counts of the last finished pass and how long it took.
 * Returns 0, or -1 when no pass has finished yet.
 */
int queue_watch_get(struct queue_watch *w, struct queue_counts *out,
    long long *pass_ms);

/*
 * Copies into `out` (initialized here) the per-domain counts of the last
 * pass that read every arrival (queue_scan_domains). Returns 0, or -1
 * when there is none yet (`out` empty).
 */
int queue_watch_domains(struct queue_watch *w, struct queued_list *out);

/* Waits up to timeout_ms for the first pass; returns 0 when it finished. */
int queue_watch_wait(struct queue_watch *w, int timeout_ms);

/* Stops the thread (cancelling a long pass) and frees the scanner. */
void queue_watch_stop(struct queue_watch *w);

#endif
