/* mailnocd trace: a query of the node's message index (or of its logs). */
#ifndef MAILNOC_AGENT_TRACE_H
#define MAILNOC_AGENT_TRACE_H

#include <stddef.h>
#include <stdio.h>

#include "backends/msgindex.h"
#include "core/trace.h"

/*
 * `mailnocd trace ARGS` (argv[0] is "trace"): prints one JSON line per
 * message to stdout, newest first (docs/trace.md); errors go to stderr as
 * one line naming the node and the file. Returns an exit code
 * (core/exitcode.h).
 */
int trace_main(int argc, char **argv);

/*
 * Reads the log files (plain or gzip) in `files` (oldest first), keeps
 * the lines of the messages that q asks for (a line must hold `needle`,
 * compared without case, to make a message asked for; then every line of
 * its queue IDs is read) and adds them to `x` (a fresh index, ":memory:").
 * Returns the number of lines added, or -1 with `cause` set.
 */
long trace_from_logs(struct msgindex *x, const char *const *files,
    size_t nfiles, const char *needle, long long now, char *cause,
    size_t len);

/* The fixed string every line of a message asked by q holds at least
 * once (its queue ID, message-id, address, domain, prefix or client),
 * or NULL when q asks for none of those. */
const char *trace_needle(const struct trace_query *q, char *buf, size_t len);

/*
 * The log `path` and its rotated siblings (NAME.1, NAME.2.gz,
 * NAME-20261201.gz, NAME.20261205-044446.gz: a digit after the separator),
 * oldest first. Returns their number (free each
 * and the array), or -1 when the directory cannot be read.
 */
int trace_log_files(const char *path, char ***out);

#endif
