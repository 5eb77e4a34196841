/* Batch scripts: a file of commands, one a line, run through the table. */
#ifndef MAILNOC_SCRIPT_H
#define MAILNOC_SCRIPT_H

#include <stdbool.h>

#include "cmd/cmd.h"

/*
 * Runs the script at `path` ("-": standard input) with the settings of
 * `base` (--json, --yes, --dry-run, read-only) for every line; a line may
 * add its own options. Blank lines and lines starting with '#' are skipped.
 * Every line is parsed before any runs: a line that does not parse runs
 * nothing and exits EXIT_USAGE. Then the lines run in order, stopping at
 * the first failure unless `keep_going`. Errors go to stderr as
 * "FILE:LINE: cause"; with --json, one object per line goes to base->out:
 * {"line":N,"command":"...","exit":N,"result":...} or "error" instead of
 * "result". Returns EXIT_OK when every line succeeded, else the exit code
 * of the first line that failed, with base->cause saying where.
 */
int script_run(struct cmd_ctx *base, const char *path, bool keep_going);

#endif
