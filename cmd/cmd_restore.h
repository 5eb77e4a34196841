/* Argument checks shared by the restore and backups commands. */
#ifndef MAILNOC_CMD_RESTORE_H
#define MAILNOC_CMD_RESTORE_H

#include <stdbool.h>

#include "backends/ssh.h"
#include "cmd/cmd.h"

/*
 * Checks a mailbox user name given to command `name` before anything
 * runs. Returns EXIT_OK, or EXIT_USAGE with ctx->cause set.
 */
int cmd_restore_user(struct cmd_ctx *ctx, const char *name,
    const char *user);

/*
 * The node command `name` runs on (restore_pick_node): `node` from --node
 * or NULL. A gateway or unknown node is refused before Redis is asked;
 * the snapshot is fetched only when the cluster state is needed. Returns
 * the node, or NULL with ctx->cause set and *code the exit code.
 */
const struct config_node *cmd_restore_node(struct cmd_ctx *ctx,
    const char *name, const char *node, bool need_active, int *code);

/* The exit code after a failed mailbox call on c: unreachable or failed. */
int cmd_restore_ssh_code(const struct ssh_conn *c);

#endif
