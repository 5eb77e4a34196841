/* Batch mode: one command from the command line, run without the console. */
#ifndef MAILNOC_BATCH_H
#define MAILNOC_BATCH_H

#include "core/cli.h"
#include "core/config.h"

/*
 * Parses cli->argv as a command and runs it. Errors go to stderr as one
 * line (and to stdout as {"error":…,"exit":N} with --json). Returns the
 * exit code.
 */
int batch_run(const struct config *cfg, const struct cli *cli);

#endif
