/* Describing a loaded configuration, for --check-config. */
#ifndef MAILNOC_CONFIG_SHOW_H
#define MAILNOC_CONFIG_SHOW_H

#include <stdio.h>

#include "core/config.h"

/*
 * Prints what the configuration describes, one fact a line, and checks what
 * can be checked locally (password, key and known_hosts files readable).
 * Returns the number of problems found; the caller adds what it checks
 * beyond the files and prints the count.
 */
int config_show(const struct config *cfg, FILE *f);

#endif
