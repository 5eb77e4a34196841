/* Dovecot mailbox nodes over SSH: a user's dated backups, and a restore
 * with doveadm import into a new folder, never into live mail. */
#ifndef MAILNOC_MAILBOX_H
#define MAILNOC_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "backends/ssh.h"
#include "core/restore.h"

/*
 * The remote commands, one template each: mailbox.templates in the
 * configuration, else the Dovecot defaults in backends/mailbox.c. Each is
 * one command line, so one SSH session: a restore a person confirms costs
 * two round trips (probe, then restore), one with --yes (probe_restore),
 * a listing one. Placeholders: {helper} the restore script on the node
 * (mailbox.helper; every default calls it), {config} the node's
 * dovecot_config ("-" in the defaults when it is unset), {root} its
 * backup_root, {user}, {backup} ROOT/DATE/USER/Maildir, {date}, {from},
 * {to} and {folder}. Each value is validated, then quoted, and reaches the
 * command as one argument, never pasted into a script. The values are the
 * same as CONFIG_MBX_*.
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
	/*
	 * The probe's checks and the restore in one command: "backup DATE"
	 * for each backup of the user, then for the newest dated {from} ...
	 * {to} "restore DATE FOLDER COUNT" (the folder chosen on the node as
	 * restore_folder_choose would), then what MAILBOX_RESTORE prints.
	 */
	MAILBOX_PROBE_RESTORE,
	/* doveadm mailbox status messages of {folder} and its children. */
	MAILBOX_STATUS,
	MAILBOX_OP_COUNT,
};

/* Values for a template; NULL where an operation needs none. */
struct mailbox_args {
	const char *user;
	const char *date;   /* YYYY-MM-DD */
	const char *folder; /* Restored-YYYY-MM-DD[-N] */
	const char *from;   /* MAILBOX_PROBE_RESTORE: the oldest date taken */
	const char *to;     /* ... and the newest */
};

/* The operation's key under mailbox.templates ("probe", ...). */
const char *mailbox_op_name(enum mailbox_op op);

/* The built-in Dovecot template of `op`, with or without {config}. */
const char *mailbox_default_template(enum mailbox_op op, bool with_config);

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

/* What a restore reports while it runs. */
struct mailbox_watch {
	/*
	 * The import starts: the backup's date, the new folder and the
	 * backup's messages (-1 unknown). Called on the restoring thread.
	 */
	void (*started)(void *arg, const char *date, const char *folder,
	    long backup_messages);
	void *arg;
};

enum mailbox_refused {
	MAILBOX_REFUSED_NONE,
	MAILBOX_REFUSED_USER,   /* the userdb does not know the user */
	MAILBOX_REFUSED_BACKUP, /* no backup dated from ... to */
	MAILBOX_REFUSED_FULL,   /* Restored-DATE ... -99 all exist */
};

/* How a restore ended. Release with mailbox_outcome_free. */
struct mailbox_outcome {
	char date[RESTORE_DATE_LEN];     /* the backup restored */
	char folder[RESTORE_FOLDER_MAX]; /* the new folder */
	long backup_messages;            /* in the backup; -1 unknown */
	long messages;                   /* counted after; -1 not counted */
	enum mailbox_refused refused;    /* why the node refused, if it did */
	struct restore_backup *backups;  /* the user's backups (dates only) */
	size_t nbackups;
};

void mailbox_outcome_free(struct mailbox_outcome *o);

/*
 * Restores the newest backup of `user` dated `from` ... `to` (YYYY-MM-DD;
 * both the same for one date) in one SSH command: the node checks the
 * user, finds the backup, chooses the new folder, imports and counts.
 * w->started (w may be NULL) is called when the import begins. Refusals
 * set o->refused (o->backups then lists the user's backups). Stderr and
 * cancel as mailbox_restore. Returns 0 with o filled, or -1 with `cause`
 * set; release o either way.
 */
int mailbox_probe_restore(struct ssh_conn *c, const char *user,
    const char *from, const char *to, const struct mailbox_watch *w,
    volatile int *cancel, struct mailbox_outcome *o, char *cause,
    size_t causelen);

/*
 * The messages in `folder` and its children now (MAILBOX_STATUS), for a
 * progress count while another connection imports. Returns the count, or
 * -1 with `cause` set (also before the import has made the folder).
 */
long mailbox_count(struct ssh_conn *c, const char *user, const char *folder,
    volatile int *cancel, char *cause, size_t causelen);

/*
 * mailbox_count on a new connection whose command timeout is at most 10 s:
 * what a restore that was cut short (the old connection is not trusted)
 * has put into `folder` so far. Returns the count, or -1 with `cause`.
 */
long mailbox_recount(const struct config *cfg, const struct config_node *node,
    const char *user, const char *folder, char *cause, size_t causelen);

/*
 * Imports every message of the user's backup of `date` into the new
 * `folder` and counts what arrived there (the folder and its children).
 * The backup is opened with in-memory indexes and control files under the
 * user's home, so nothing is written into it. Anything on stderr is a
 * failure: doveadm import may exit 0 after an error. Cancelled within
 * SSH_CANCEL_POLL_MS of *cancel becoming nonzero, and after
 * ssh.progress_timeout_s without a line from the node (the import prints
 * one every second while it runs). Returns 0 with
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
