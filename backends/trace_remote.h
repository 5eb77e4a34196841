/* mailnoc trace's fan-out: mailnocd trace on every gateway at once over SSH. */
#ifndef MAILNOC_TRACE_REMOTE_H
#define MAILNOC_TRACE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/trace.h"

struct trace_node {
	const struct config_node *node;
	char **lines;          /* its JSON lines (messages), newest first */
	size_t n, cap;
	char **notices;        /* its notice lines ("index_start", ...) */
	size_t nnotices;
	bool failed;
	int exit_code;         /* core/exitcode.h, when failed */
	char cause[600];       /* "gw1: cannot open the message index ..." */
	long long elapsed_ms;
};

struct trace_run {
	struct trace_node *nodes;
	size_t n;
};

/*
 * Who hears of each gateway as it answers or fails (the console's trace
 * view, which shows them as they come): `answered` runs on that gateway's
 * thread, with its lines, notices and cause; it must not keep `tn`.
 */
struct trace_watch {
	void (*answered)(void *arg, const struct trace_node *tn);
	void *arg;
};

/*
 * The remote command for `node`: CFG.maillog.mailnocd trace --node NAME
 * --index FILE [--log FILE | --postfix-config DIR] [--from-logs] and q's
 * arguments, every value shell-quoted. Returns its length, or -1 with
 * `cause` set.
 */
int trace_remote_command(const struct config *cfg,
    const struct config_node *node, const struct trace_query *q,
    bool from_logs, char *out, size_t len, char *cause, size_t causelen);

/*
 * Runs the query on every gateway (or the one called `only`) in parallel,
 * one SSH session and one command each. Returns the number of gateways
 * that failed (each with its cause), or -1 with `cause` set when there is
 * none to ask. `watch` (or NULL) hears of each gateway as it ends. Free
 * with trace_remote_free.
 */
long trace_remote_run(const struct config *cfg, const char *only,
    const struct trace_query *q, bool from_logs, volatile int *cancel,
    const struct trace_watch *watch, struct trace_run *run, char *cause,
    size_t causelen);

void trace_remote_free(struct trace_run *run);

#endif
