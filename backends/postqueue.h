/* postqueue -j: JSON Lines from a Postfix node into the queue model. */
#ifndef MAILNOC_POSTQUEUE_H
#define MAILNOC_POSTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/queue.h"

/*
 * Parses one line of `postqueue -j` output (without its newline; a trailing
 * CR or blanks are allowed) and adds the message to `qs` for node index
 * `node` (registered with queue_set_add_node). The line must be one JSON
 * object with queue_name, queue_id, arrival_time, message_size, sender and
 * recipients (an array, possibly empty, of objects with address and an
 * optional delay_reason); forced_expire (Postfix 3.5 and later) is optional.
 * Members not listed are ignored, as postqueue(1) asks. Values are then
 * checked by queue_set_add().
 *
 * Returns 0 with the message added, or -1 with `cause` set (one line, for
 * example "missing 'queue_id'" or "truncated JSON: the line ends inside the
 * object") and `qs` unchanged: the caller counts the line and skips it.
 * Safe to call from several threads on different sets.
 */
int postqueue_parse_line(struct queue_set *qs, uint32_t node, const char *line,
    size_t len, char *cause, size_t causelen);

/* Lines longer than this are refused without being buffered whole. */
#define POSTQUEUE_LINE_MAX (8u * 1024 * 1024)

/*
 * Splits output arriving in chunks of any size (as read from an SSH
 * channel) into lines and parses each one as it completes. Only the
 * incomplete last line is buffered, so memory stays bounded however long
 * the queue is. Blank lines are ignored.
 */
struct postqueue_stream {
	struct queue_set *qs;
	uint32_t node;
	size_t max_line;         /* POSTQUEUE_LINE_MAX unless changed */

	/* Called for each refused line, if set. */
	void (*bad_line)(void *arg, unsigned long lineno, const char *cause);
	void *arg;

	unsigned long lines;     /* lines seen, blank ones included */
	unsigned long messages;  /* messages added */
	unsigned long bad;       /* lines refused */
	unsigned long first_bad; /* line number of the first refused line */
	char first_cause[200];   /* and why */

	char *buf;               /* the incomplete line so far */
	size_t len;
	size_t cap;
	bool skipping;           /* discarding the rest of an over-long line */
};

void postqueue_stream_init(struct postqueue_stream *ps, struct queue_set *qs,
    uint32_t node);
/* Consumes `len` bytes. */
void postqueue_stream_feed(struct postqueue_stream *ps, const void *data,
    size_t len);
/*
 * Ends the input: a last line without a newline is parsed (a truncated
 * object is then refused like any bad line).
 */
void postqueue_stream_finish(struct postqueue_stream *ps);
/* Frees the line buffer; the counters stay readable. */
void postqueue_stream_clear(struct postqueue_stream *ps);

#endif
