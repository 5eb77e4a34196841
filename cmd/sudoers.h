/* The sudoers drop-in that allows exactly what mailnoc runs with sudo. */
#ifndef MAILNOC_SUDOERS_H
#define MAILNOC_SUDOERS_H

#include <stddef.h>
#include <stdio.h>

#include "core/config.h"

/* sudoers' limit on one regular expression (sudoers(5), 1.9.10 and later). */
#define SUDOERS_REGEX_MAX 1024

/*
 * Writes a sudoers drop-in for `user` that allows, as root and without a
 * password, exactly the command lines mailnoc sends through "sudo -n" to
 * the named nodes (all nodes when nnodes is 0): postsuper, postcat and the
 * client grep of gateways with the node's postfix_config and queue
 * directory (queue_directory from the local main.cf when it can be read,
 * else /var/spool/postfix), and the mailbox templates (the configuration's
 * or the defaults) with the node's dovecot_config and backup_root.
 * Values the console supplies (queue IDs, users, dates, folders) match
 * their validator's characters only; where the line would be longer than
 * SUDOERS_REGEX_MAX as a regular expression, a sudoers wildcard. Returns 0,
 * or -1 with `cause` set (an unknown node, or a template that is not one
 * simple command sudoers can match) and nothing written.
 */
int sudoers_print(FILE *f, const struct config *cfg, const char *user,
    const char *const *nodes, size_t nnodes, char *cause, size_t len);

#endif
