/* The restore view's jobs: a user's backups, and a restore with a live
 * count of its new folder. Each runs on its own threads with its own SSH
 * connections and reports through the worker's queue. */
#ifndef MAILNOC_RESTORE_JOB_H
#define MAILNOC_RESTORE_JOB_H

#include <stdbool.h>

#include "core/config.h"
#include "tui/worker.h"

/*
 * Runs the read-only probe for `user` on `node`; ends with one
 * WMSG_RESTORE_LIST of `generation` (its probe, or failed and text).
 */
void restore_job_list(struct worker *w, const struct config *cfg,
    const struct config_node *node, const char *user,
    unsigned long generation);

/*
 * Fills `hooks` for the job of a confirmed restore of `user` on `node`
 * (worker_command runs it, with --yes: the console asked already). When
 * the import begins, a WMSG_RESTORE_STEP says the folder, then a second
 * connection to `node` counts the folder about every second (more steps)
 * until the import ends. Ends with WMSG_RESTORE_DONE of `generation`
 * (the hooks' done frees what this allocates). The restore stops within
 * about 50 ms of *cancel becoming nonzero; *cancel must live as long as
 * the process.
 */
void restore_job_hooks(struct worker *w, const struct config *cfg,
    const struct config_node *node, const char *user,
    unsigned long generation, volatile int *cancel,
    struct worker_cmd_hooks *hooks);

#endif
