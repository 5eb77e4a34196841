/* The log export's collection: every gateway's matching mail log lines over
 * SSH, one session and thread each (core/logexport.h builds the command). */
#ifndef MAILNOC_BACKENDS_LOGEXPORT_H
#define MAILNOC_BACKENDS_LOGEXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/logexport.h"

/* A gateway's export may run this long at least (ssh.command_timeout_ms
 * when longer): reading 60 days of compressed logs takes minutes. */
#define LOGEXPORT_TIMEOUT_MS (3600 * 1000)

struct logexport_node {
	const struct config_node *node;
	struct logexport_line *v;   /* the lines within the period */
	size_t n, cap;
	size_t received;            /* lines that came (matching the needle) */
	size_t outside;             /* of those, outside the period */
	size_t untimed;             /* of those, without a time read */
	bool failed;                /* the lines may be incomplete */
	int exit_code;              /* core/exitcode.h, when failed */
	char cause[512];            /* "gw2: ...", when failed */
};

struct logexport_run {
	const struct config *cfg;
	const struct logexport_query *q;
	struct logexport_node *nodes;   /* every gateway, in configuration
	                                   order */
	size_t n;
	long long now;                  /* the parsers' year guess */
	volatile int *cancel;
};

/*
 * Reads every configured gateway's lines in parallel: each node's own
 * list, its lines' times read and those outside the period dropped.
 * Returns the number of gateways that failed (each with its cause; the
 * lines that arrived before the failure are kept). Free with
 * logexport_run_free.
 */
size_t logexport_collect(struct logexport_run *r, const struct config *cfg,
    const struct logexport_query *q, long long now, volatile int *cancel);

/*
 * Moves every node's lines into one array sorted by time (*out, n lines;
 * the texts stay owned by the run). Returns the count.
 */
size_t logexport_merge(struct logexport_run *r, struct logexport_line **out);

void logexport_run_free(struct logexport_run *r);

#endif
