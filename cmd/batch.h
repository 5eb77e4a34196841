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

struct cmd_ctx;

/*
 * Sets ctx->read_only and ctx->read_only_why from --read-only, the
 * configuration's ui.read_only and, when `probe`, the Redis ACL: one
 * harmless write on ctx->redis (opened here). A Redis that does not answer
 * leaves the role unknown: the command meets the error itself.
 */
void batch_read_only(struct cmd_ctx *ctx, const struct cli *cli, bool probe);

/* The ACL half of batch_read_only: asks Redis, sets read-only on NOPERM. */
void batch_probe(struct cmd_ctx *ctx);

#endif
