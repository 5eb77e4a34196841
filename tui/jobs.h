/* Background jobs of the console: queue listings and message views. Each
 * runs on its own threads with its own SSH sessions and reports through
 * the worker's queue; the UI thread never waits for a node. */
#ifndef MAILNOC_JOBS_H
#define MAILNOC_JOBS_H

#include <stdbool.h>

#include "backends/postfix.h"
#include "core/config.h"
#include "tui/worker.h"

/*
 * Lists every gateway, one thread each: rows arrive as WMSG_QUEUE_BATCH
 * messages while postqueue still streams, then one WMSG_QUEUE_DONE per node.
 * Returns the number of nodes listed.
 */
int jobs_list_queues(struct worker *w, const struct config *cfg,
    unsigned long generation);

/* Fetches one message with postcat; ends with WMSG_MESSAGE. */
void jobs_show(struct worker *w, const struct config *cfg, const char *node,
    const char *id, int body);

#endif
