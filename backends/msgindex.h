/* A gateway's message index (SQLite): written by the log follower, read by trace. */
#ifndef MAILNOC_MSGINDEX_H
#define MAILNOC_MSGINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/maillog_parse.h"
#include "core/trace.h"

/* Open messages kept in memory while their lines come, at most. */
#define MSGINDEX_OPEN_MAX 200000
/* A message with no line for this long (log time) is written and let go. */
#define MSGINDEX_OPEN_AGE (6LL * 86400)

struct msgindex;

/*
 * Opens (creating it and its tables when new) the index at `path` for
 * writing: WAL, synchronous NORMAL. ":memory:" makes a private one.
 * `days` is the retention (messages older than that are pruned); `group`
 * (NULL: none) is given read access to the file (mode 0640) so the
 * console's SSH user can trace. Returns NULL with `cause` set ("cannot
 * open the message index '/var/lib/...': ...").
 */
struct msgindex *msgindex_open(const char *path, int days, const char *group,
    char *cause, size_t len);

/*
 * Opens an index read-only (SQLITE_OPEN_READONLY) for queries. A missing
 * file or one that is not an index fails: NULL with `cause` set.
 */
struct msgindex *msgindex_open_ro(const char *path, char *cause, size_t len);

/*
 * Adds what a parsed line says (a transaction is begun when none is open).
 * Lines of no use to the index are ignored. Returns 0, or -1 with the
 * error kept (msgindex_error).
 */
int msgindex_add(struct msgindex *x, const struct maillog_rec *r);

/*
 * Writes the messages changed since the last commit and commits; prunes
 * past the retention at most once an hour. Returns 0, or -1 with `cause`.
 */
int msgindex_commit(struct msgindex *x, char *cause, size_t len);

/* Messages open in memory now. */
size_t msgindex_open_count(const struct msgindex *x);

/* Arrival time of the oldest message kept, or -1 when empty. */
long long msgindex_first(struct msgindex *x);

/*
 * Runs q and writes one JSON line per message to `out`, newest first
 * (docs/trace.md: node, qid, msgid, time, client, client_name, from,
 * size, nrcpt, state, steps[]). Returns the number of messages, or -1 with
 * `cause` set.
 */
long msgindex_query(struct msgindex *x, const struct trace_query *q,
    const char *node, FILE *out, char *cause, size_t len);

/* The last error (a line), "" when none. */
const char *msgindex_error(const struct msgindex *x);

/* Commits what is pending (errors logged nowhere) and closes. */
void msgindex_close(struct msgindex *x);

#endif
