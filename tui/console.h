/* The console: curses screen, event loop, views. */
#ifndef MAILNOC_CONSOLE_H
#define MAILNOC_CONSOLE_H

#include "core/cli.h"
#include "core/config.h"

/* Runs the console until the user quits. Returns the exit code. */
int console_run(const struct config *cfg, const struct cli *cli);

#endif
