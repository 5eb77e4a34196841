/* The console's message history (:messages): what the status line said. */
#ifndef MAILNOC_MSGLOG_H
#define MAILNOC_MSGLOG_H

#include <stddef.h>

#define MSGLOG_MAX 200
#define MSGLOG_TEXT 512

enum msglog_kind {
	MSGLOG_INFO,      /* a result, a notice */
	MSGLOG_ERROR,
	MSGLOG_QUESTION,  /* a question, with its answer once given */
	MSGLOG_COMMAND,   /* a line typed at the ':' prompt */
};

struct msglog_entry {
	long long when;  /* wall clock, seconds */
	enum msglog_kind kind;
	char text[MSGLOG_TEXT];
};

/* A ring of the newest MSGLOG_MAX entries. Zeroed is empty. */
struct msglog {
	struct msglog_entry v[MSGLOG_MAX];
	size_t n;     /* entries kept */
	size_t next;  /* where the next goes */
};

/* Appends an entry (cut to MSGLOG_TEXT); the oldest goes when full. */
void msglog_add(struct msglog *log, long long when, enum msglog_kind kind,
    const char *text);

/* Entry i, oldest first (i < log->n), or NULL. */
const struct msglog_entry *msglog_get(const struct msglog *log, size_t i);

/* The newest entry, or NULL. */
struct msglog_entry *msglog_last(struct msglog *log);

/* "error", "asked", "typed" or "" (a result). */
const char *msglog_kind_name(enum msglog_kind kind);

#endif
