/* The entry point of mailnoc: options, configuration, then a mode. */
#ifndef MAILNOC_MAILNOC_H
#define MAILNOC_MAILNOC_H

#include "core/cli.h"
#include "core/config.h"

/*
 * Runs mailnoc and returns its exit code (see core/exitcode.h): batch mode
 * when a command is given, else `console` (which links curses; core does not).
 */
int mailnoc_main(int argc, char **argv,
    int (*console)(const struct config *, const struct cli *));

#endif
