/* The Redis ACL lines of mailnoc's roles: one text for the docs and the lab. */
#ifndef MAILNOC_ACL_H
#define MAILNOC_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Stands for a user's password in the lines; Redis refuses to load it. */
#define ACL_PASSWORD_PLACEHOLDER "#<sha256>"

/* The agent's user: "agent" alone, "agent-NAME" for one node. */
#define ACL_AGENT_USER "agent"

/*
 * Checks the arguments of acl_print: `prefix` a key prefix (glob characters
 * refused), each node a node name. Returns 0, or -1 with `cause` set.
 */
int acl_check(const char *prefix, const char *const *nodes, size_t nnodes,
    char *cause, size_t len);

/*
 * Writes the ACL file lines (redis.conf's aclfile) of the roles for keys
 * under `prefix`: default (off, but every permission, for the append-only
 * file's replay), noc (reads), admin (the shared state) and one agent user
 * per node, "agent-NAME", limited to that node's keys; with no nodes, one
 * "agent" user for every node. Passwords are ACL_PASSWORD_PLACEHOLDER.
 * With `auto_block` (maillog.harvest.auto_block) the agents may also write
 * blocks as the console does. The arguments must have passed acl_check.
 */
void acl_print(FILE *f, const char *prefix, const char *const *nodes,
    size_t nnodes, bool auto_block);

#endif
