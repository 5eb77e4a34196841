/* Shell completion for mailnoc, generated from the command table. */
#ifndef MAILNOC_COMPLETION_H
#define MAILNOC_COMPLETION_H

#include <stdio.h>

/*
 * Writes a bash completion script for mailnoc: global options (core/cli.c),
 * the commands a shell can run and, per command, its options, subcommands
 * and what its arguments are (node names, files, commands). Node names are
 * read when completing, from `mailnoc nodes --names` (no Redis).
 */
void completion_bash(FILE *f);

#endif
