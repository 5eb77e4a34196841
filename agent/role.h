/* The node's cluster role, from a role file or a role command. */
#ifndef MAILNOC_AGENT_ROLE_H
#define MAILNOC_AGENT_ROLE_H

#include <stddef.h>

#include "core/config.h"
#include "core/model.h"

/* A role file or a role command's output longer than this is refused. */
#define ROLE_TEXT_MAX 256

/*
 * Parses what a role file holds or a role command prints: one of `active`,
 * `standby` or `reserve` (any case), optionally surrounded by white space
 * and newlines; `len` bytes at `text`, which need not be NUL-terminated.
 * Returns 0 with *out set, or -1 with `cause` set to what was found and
 * what is accepted.
 */
int role_parse(const char *text, size_t len, enum node_state *out,
    char *cause, size_t causelen);

/*
 * Reads the node's role from its role_file, or runs its role_command with
 * /bin/sh -c (killed after timeout_ms). Returns 0 with *out set, 1 when the
 * node has neither (out is untouched), or -1 with `cause` set.
 */
int role_probe(const struct config_node *node, int timeout_ms,
    enum node_state *out, char *cause, size_t causelen);

#endif
