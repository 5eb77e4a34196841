/* A message of a trace's answer as the console shows it: its row and its
 * timeline, read from one JSON line of mailnocd trace (docs/trace.md). */
#ifndef MAILNOC_TRACE_MSG_H
#define MAILNOC_TRACE_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/maillog_parse.h"
#include "core/trace.h"

/* One message, its strings sanitized for a terminal. */
struct trace_msg {
	char node[33];
	long long time;                   /* arrival, epoch s */
	char qid[MAILLOG_QID_MAX + 1];    /* "" for a rejection */
	char from[MAILLOG_ADDR_MAX + 1];
	char to[256];                     /* its recipients, comma-separated */
	int state;                        /* enum trace_state; -1 unknown */
	char last[512];                   /* the last step: relay, dsn, reason */
};

/*
 * Reads a message line (one with "time"; notices and errors are not).
 * Returns 0, or -1 with `cause` set: not JSON, not a message, no node.
 */
int trace_msg_parse(const char *line, struct trace_msg *m, char *cause,
    size_t len);

/* Whether a message in this state is still in a queue of its gateway
 * (queued, deferred, held): the queues view can show it. */
bool trace_state_queued(int state);

/* A line of a message's timeline. */
enum trace_tl_kind {
	TRACE_TL_RECEIVED,  /* received from its client */
	TRACE_TL_STEP,      /* an attempt or an event: code is enum trace_step */
	TRACE_TL_DETAIL,    /* the step's reason, or the client's details */
	TRACE_TL_FINAL,     /* the final state: code is enum trace_state */
	TRACE_TL_NOTE,      /* what the index does not hold */
};

struct trace_tl {
	enum trace_tl_kind kind;
	int code;
	char text[640];
};

/*
 * The timeline of a message line: received (client, sender, size,
 * message-id), each step in log order with its recipient, relay, delay and
 * dsn and, on the line after, its reason; then its final state. Times in
 * the local zone (ui.time_zone). Returns the lines (free the array), *n
 * their number; NULL with `cause` set when the line is not a message.
 */
struct trace_tl *trace_timeline(const char *line, size_t *n, char *cause,
    size_t len);

#endif
