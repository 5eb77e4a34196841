/* mailnocd's log: one timestamped line per event, to stderr or a file. */
#ifndef MAILNOC_AGENT_LOG_H
#define MAILNOC_AGENT_LOG_H

#include <stddef.h>

/*
 * Sends the log to `path` (appended to, created 0640) or, for NULL, to
 * stderr; every line is tagged with `ident`. Returns 0, or -1 with `cause`
 * set.
 */
int log_open(const char *path, const char *ident, char *cause,
    size_t causelen);

/* Writes one line; safe from any thread. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void log_close(void);

#endif
