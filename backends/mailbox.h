/* Dovecot mailbox nodes over SSH: a user's dated backups, and a restore
 * with doveadm import into a new folder, never into live mail. */
#ifndef MAILNOC_MAILBOX_H
#define MAILNOC_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "backends/ssh.h"
#include "core/restore.h"

/*
 * The remote commands, one template each (Dovecot defaults, in
 * backends/mailbox.c). Placeholders: {config} the node's dovecot_config
 * (templates without -c are used when it is unset), {root} its
 * backup_root, {user}, {backup} ROOT/DATE/USER/Maildir, {date}, {folder}
 * and {pattern} (a folder and '*'). Each value is validated, then quoted.
 */
enum mailbox_op {
	MAILBOX_USER,    /* doveadm user: is the user in the userdb */
	MAILBOX_BACKUPS, /* list ROOT/DATE/USER/Maildir with message counts */
	MAILBOX_FOLDERS, /* doveadm mailbox list: the folders of one date */
	MAILBOX_IMPORT,  /* doveadm import from a backup into a new folder */
	MAILBOX_STATUS,  /* doveadm mailbox status: messages in the folder */
	MAILBOX_OP_COUNT,
};

/* Values for a template; NULL where an operation needs none. */
struct mailbox_args {
	const char *user;
	const char *date;   /* YYYY-MM-DD */
	const char *folder; /* Restored-YYYY-MM-DD[-N] */
};

/* How long one import may take, whatever ssh.command_timeout_ms says. */
#define MAILBOX_IMPORT_TIMEOUT_MS (6 * 3600 * 1000)

const char *mailbox_op_name(enum mailbox_op op);

/*
 * Writes the command line of `op` on `node` into out: the template
 * expanded with checked and quoted values, "sudo -n " in front when
 * ssh.sudo is set. Nothing runs. Returns 0, or -1 with `cause` set (a
 * value refused, a node without backup_root).
 */
int mailbox_command(const struct config *cfg, const struct config_node *node,
    enum mailbox_op op, const struct mailbox_args *a, char *out, size_t len,
    char *cause, size_t causelen);

/*
 * Asks the node's userdb for `user`. Returns 1 when it exists, 0 when
 * doveadm says it does not (exit 67), or -1 with `cause` set.
 */
int mailbox_user_known(struct ssh_conn *c, const char *user, char *cause,
    size_t causelen);

/*
 * Lists the user's backups on the node: the directories DATE under
 * backup_root that hold USER/Maildir/cur, with the messages in cur/ and
 * new/. *out (free with free()) is sorted newest first. Returns the number
 * of backups, or -1 with `cause` set (a missing backup root included).
 */
long mailbox_backups(struct ssh_conn *c, const char *user,
    struct restore_backup **out, char *cause, size_t causelen);

/*
 * Chooses the new folder for a restore of `date` from the user's existing
 * folders (restore_folder_choose). Returns 0, or -1 with `cause` set.
 */
int mailbox_folder_new(struct ssh_conn *c, const char *user,
    const char *date, char *folder, size_t len, char *cause, size_t causelen);

/*
 * Imports every message of the user's backup of `date` into `folder` with
 * doveadm import; the source is opened with in-memory indexes and control
 * files under the user's home, so nothing is written into the backup.
 * Anything doveadm writes on stderr is a failure (it may exit 0 after an
 * error). Cancelled within SSH_CANCEL_POLL_MS of *cancel becoming nonzero.
 * Returns 0, or -1 with `cause` set.
 */
int mailbox_import(struct ssh_conn *c, const char *user, const char *date,
    const char *folder, volatile int *cancel, char *cause, size_t causelen);

/*
 * Counts the messages in `folder` and its children. Returns the count, or
 * -1 with `cause` set.
 */
long mailbox_count(struct ssh_conn *c, const char *user, const char *folder,
    char *cause, size_t causelen);

#endif
