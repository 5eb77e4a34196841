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
 * backends/mailbox.c). Each is one command line, so one SSH session: a
 * restore costs two round trips, a listing one. Placeholders: {config} the
 * node's dovecot_config (templates without -c are used when it is unset),
 * {root} its backup_root, {user}, {backup} ROOT/DATE/USER/Maildir, {date}
 * and {folder}. Each value is validated, then quoted, and reaches doveadm
 * as a positional parameter of sh -c, never pasted into the script.
 */
enum mailbox_op {
	/*
	 * Read-only: doveadm user (an unknown user ends it with exit 67),
	 * then each DATE under the root holding USER/Maildir/cur with its
	 * messages, then "--", then the user's Restored-* folders.
	 */
	MAILBOX_PROBE,
	/*
	 * doveadm import of the backup into the new folder, a line
	 * "import-exit N" with its exit status, then doveadm mailbox status
	 * of the folder and its children.
	 */
	MAILBOX_RESTORE,
	MAILBOX_OP_COUNT,
};

/* Values for a template; NULL where an operation needs none. */
struct mailbox_args {
	const char *user;
	const char *date;   /* YYYY-MM-DD */
	const char *folder; /* Restored-YYYY-MM-DD[-N] */
};

/* How long one restore may take, whatever ssh.command_timeout_ms says. */
#define MAILBOX_RESTORE_TIMEOUT_MS (6 * 3600 * 1000)

const char *mailbox_op_name(enum mailbox_op op);

/*
 * Writes the command line of `op` on `node` into out: the template
 * expanded with checked and quoted values, "sudo -n " in front when
 * ssh.sudo is set. Nothing runs. Returns 0, or -1 with `cause` set and out
 * empty (a value refused, a node without backup_root).
 */
int mailbox_command(const struct config *cfg, const struct config_node *node,
    enum mailbox_op op, const struct mailbox_args *a, char *out, size_t len,
    char *cause, size_t causelen);

/* What the probe found. Release with mailbox_probe_free. */
struct mailbox_probe {
	bool known;                      /* the userdb knows the user */
	struct restore_backup *backups;  /* newest first */
	size_t nbackups;
	char **folders;                  /* existing Restored-* mailboxes */
	size_t nfolders;
};

/*
 * Runs MAILBOX_PROBE for `user`. Returns 0 (p->known false for a user the
 * userdb does not know: nothing else is listed then), or -1 with `cause`
 * set (SSH, a missing backup root, a doveadm failure).
 */
int mailbox_probe(struct ssh_conn *c, const char *user,
    struct mailbox_probe *p, char *cause, size_t causelen);

void mailbox_probe_free(struct mailbox_probe *p);

/*
 * Imports every message of the user's backup of `date` into the new
 * `folder` and counts what arrived there (the folder and its children).
 * The backup is opened with in-memory indexes and control files under the
 * user's home, so nothing is written into it. Anything on stderr is a
 * failure: doveadm import may exit 0 after an error. Cancelled within
 * SSH_CANCEL_POLL_MS of *cancel becoming nonzero. Returns 0 with
 * *messages set, or -1 with `cause` set (*messages: what was counted, -1
 * if nothing was).
 */
int mailbox_restore(struct ssh_conn *c, const char *user, const char *date,
    const char *folder, volatile int *cancel, long *messages, char *cause,
    size_t causelen);

/*
 * Parses one line of `doveadm mailbox status messages`, "NAME
 * messages=N" (NAME may hold spaces). Returns N when NAME is `folder` or a
 * child of it, else -1.
 */
long mailbox_status_parse(const char *folder, const char *line);

#endif
