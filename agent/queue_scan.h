/* Counting a Postfix queue incrementally, without stat-ing its files. */
#ifndef MAILNOC_AGENT_QUEUE_SCAN_H
#define MAILNOC_AGENT_QUEUE_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/delay.h"
#include "core/model.h"
#include "core/queued.h"

/* Queue IDs this long or longer are counted but their age is not kept. */
#define SCAN_ID_MAX 20

struct queue_counts {
	long count[Q_COUNT];  /* messages per queue */
	long long oldest;     /* arrival (epoch s) of the oldest message in
	                         incoming, active or deferred; 0: none known */
	long pending;         /* messages whose arrival is not read yet */
	bool complete;        /* every queue directory was read */
};

struct queue_scan_stats {
	unsigned long passes;
	unsigned long dirs_checked;  /* directories stat-ed */
	unsigned long dirs_read;     /* directories listed with readdir */
	unsigned long files_read;    /* queue files opened for their arrival */
	unsigned long defer_logs_read; /* defer logs read for their class */
	size_t tracked;              /* queue IDs in the arrival cache */
};

struct queue_scan;

/*
 * Opens the queue directory (Postfix's queue_directory). Returns the
 * scanner, or NULL with `cause` set.
 */
struct queue_scan *queue_scan_new(const char *queue_dir, char *cause,
    size_t causelen);
void queue_scan_free(struct queue_scan *qs);

/*
 * Counts: stat-s every known queue directory and lists again only those
 * whose modification time changed (or changed too recently to be trusted),
 * so a quiet queue costs a few dozen stat calls whatever its size. New
 * queue IDs are remembered with their arrival still to be read. Returns 0,
 * or -1 with `cause` set (the queue directory itself is unreadable, or the
 * scan was cancelled); the previous counts stay.
 */
int queue_scan_count(struct queue_scan *qs, char *cause, size_t causelen);

/*
 * Reads the arrival time of every message counted but not read yet (only
 * those: the cache keeps the others, also when a message moves between
 * queues) and recomputes the oldest. Stops early when cancelled.
 */
void queue_scan_arrivals(struct queue_scan *qs);

/* queue_scan_count then queue_scan_arrivals. */
int queue_scan_run(struct queue_scan *qs, char *cause, size_t causelen);

void queue_scan_result(const struct queue_scan *qs, struct queue_counts *out);
void queue_scan_stats(const struct queue_scan *qs,
    struct queue_scan_stats *out);

/* Makes a running count or arrivals pass stop soon; safe from any thread. */
void queue_scan_cancel(struct queue_scan *qs);

/*
 * Counts the messages in the active and deferred queues by the domain of
 * their first recipient not yet delivered, and the deferred ones by the
 * class of their delay reason (the first reason= of the message's defer
 * log, read when the message enters the deferred queue). Only messages
 * whose queue file was read count: call after queue_scan_arrivals. Fills
 * `out` (initialized here): domains only, in no particular order; a
 * message whose recipient could not be read counts under "".
 */
void queue_scan_domains(const struct queue_scan *qs, struct queued_list *out);

/*
 * Finds the first recipient not yet delivered (an 'R' record; a delivered
 * one is rewritten as 'D') in the envelope at the start of a queue file,
 * before the message content. Returns 0 with it in `addr`, or -1.
 */
int queue_file_recipient(const unsigned char *buf, size_t len, char *addr,
    size_t addrlen);

/*
 * The class of a deferred message's delay reason from the start of its
 * defer log (Postfix's bounce log: name=value lines, records separated by
 * an empty line): the first reason= line, classified by delay_classify.
 * DELAY_NONE when there is none.
 */
enum delay_class queue_defer_class(const char *buf, size_t len);

/*
 * Finds the arrival time in the first bytes of a Postfix queue file: the
 * records are a type byte, a length in 7-bit groups (low first, high bit
 * set on all but the last) and the data; the 'T' (time) record holds
 * "SECONDS[ MICROSECONDS]". Returns 0 with *sec set, or -1 when the buffer
 * has no well-formed T record before the message content starts.
 */
int queue_file_arrival(const unsigned char *buf, size_t len, long long *sec);

#endif
