/* Dovecot mailbox commands as templates: every value validated, then quoted. */
#include "backends/mailbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/shell.h"
#include "core/validate.h"
#include "core/xalloc.h"

/* doveadm's exit code for a user the userdb does not know (EX_NOUSER). */
#define MAILBOX_EX_NOUSER 67
/* The probe's exit code when the backup root is missing. */
#define MAILBOX_EX_NOROOT 3
/* The count after a restore was cut short: a new connection, not long. */
#define MAILBOX_RECOUNT_MS 10000
/* The line between the probe's backups and its folders. */
#define MAILBOX_PROBE_SEP "--"
/* The line after the import in MAILBOX_RESTORE, with its exit status. */
#define MAILBOX_IMPORT_EXIT "import-exit "
/* MAILBOX_PROBE_RESTORE: a backup of the user, then the one restored. */
#define MAILBOX_BACKUP_LINE "backup "
#define MAILBOX_RESTORE_LINE "restore "
/* Its exit codes: no backup in the range, every folder name taken. */
#define MAILBOX_EX_NOBACKUP 4
#define MAILBOX_EX_FULL 5

/*
 * The Dovecot defaults call the restore script the mailnocd package
 * installs on the node (packaging/restore-mailbox, mailbox.helper): one
 * fixed file that checks its arguments again, so the sudoers drop-in
 * allows that file with the shape of its arguments, not a shell line.
 * What each operation prints is described in backends/mailbox.h; "-"
 * stands for doveadm's default configuration. mailbox.templates in the
 * configuration replace them one by one.
 */
static const struct mailbox_template {
	const char *with_config; /* when the node has dovecot_config */
	const char *plain;       /* doveadm's default configuration */
} mailbox_templates[MAILBOX_OP_COUNT] = {
	[MAILBOX_PROBE] = {
		"{helper} probe {config} {root} {user}",
		"{helper} probe - {root} {user}" },
	[MAILBOX_RESTORE] = {
		"{helper} restore {config} {root} {user} {date} {folder}",
		"{helper} restore - {root} {user} {date} {folder}" },
	[MAILBOX_PROBE_RESTORE] = {
		"{helper} probe-restore {config} {root} {user} {from} {to}",
		"{helper} probe-restore - {root} {user} {from} {to}" },
	[MAILBOX_STATUS] = {
		"{helper} status {config} {user} {folder}",
		"{helper} status - {user} {folder}" },
};

_Static_assert((int)MAILBOX_PROBE == (int)CONFIG_MBX_PROBE &&
    (int)MAILBOX_RESTORE == (int)CONFIG_MBX_RESTORE &&
    (int)MAILBOX_PROBE_RESTORE == (int)CONFIG_MBX_PROBE_RESTORE &&
    (int)MAILBOX_STATUS == (int)CONFIG_MBX_STATUS &&
    (int)MAILBOX_OP_COUNT == (int)CONFIG_MBX_NTEMPLATES,
    "mailbox operations are the configuration's templates");

const char *
mailbox_default_template(enum mailbox_op op, bool with_config)
{
	return with_config ? mailbox_templates[op].with_config :
	    mailbox_templates[op].plain;
}

const char *
mailbox_op_name(enum mailbox_op op)
{
	return config_mailbox_template_name((enum config_mailbox_template)op);
}

/*
 * A path that also goes into a Dovecot mail location, where ':' separates
 * parameters: validate_path's rules and no ':'.
 */
static const char *
mailbox_check_path(const char *s)
{
	const char *why = validate_path(s);

	if (why != NULL)
		return why;
	if (strchr(s, ':') != NULL)
		return "use a path without ':' (it separates the parts of a "
		       "Dovecot mail location)";
	return NULL;
}

int
mailbox_command(const struct config *cfg, const struct config_node *node,
    enum mailbox_op op, const struct mailbox_args *a, char *out, size_t len,
    char *cause, size_t causelen)
{
	const char *tmpl = cfg->mailbox.templates[op];
	char backup[1200] = "";
	struct shell_var vars[9];
	const char *why;
	size_t n = 0;

	if (len > 0)
		out[0] = '\0';
	if (node->role != NODE_MAILBOX) {
		snprintf(cause, causelen, "'%s' is not a mailbox node", node->name);
		return -1;
	}
	if (node->backup_root == NULL || node->backup_root[0] == '\0') {
		snprintf(cause, causelen, "%s has no backup_root in the "
		    "configuration", node->name);
		return -1;
	}
	if ((why = mailbox_check_path(node->backup_root)) != NULL) {
		snprintf(cause, causelen, "%s: backup_root '%s' is not "
		    "accepted: %s", node->name, node->backup_root, why);
		return -1;
	}
	if (tmpl == NULL)
		tmpl = mailbox_default_template(op, node->dovecot_config != NULL);
	vars[n++] = (struct shell_var){ "helper", cfg->mailbox.helper != NULL ?
		cfg->mailbox.helper : CONFIG_MBX_HELPER, validate_path };
	if (node->dovecot_config != NULL)
		vars[n++] = (struct shell_var){ "config", node->dovecot_config,
			validate_path };
	vars[n++] = (struct shell_var){ "root", node->backup_root,
		mailbox_check_path };
	if (a->user != NULL)
		vars[n++] = (struct shell_var){ "user", a->user,
			validate_mail_user };
	if (a->date != NULL)
		vars[n++] = (struct shell_var){ "date", a->date,
			restore_check_date };
	if (a->from != NULL)
		vars[n++] = (struct shell_var){ "from", a->from,
			restore_check_date };
	if (a->to != NULL)
		vars[n++] = (struct shell_var){ "to", a->to, restore_check_date };
	if (a->user != NULL && a->date != NULL) {
		/* Checked parts only: shell_expand checks the whole again. */
		if ((why = validate_mail_user(a->user)) != NULL ||
		    (why = restore_check_date(a->date)) != NULL) {
			snprintf(cause, causelen, "cannot build the backup path "
			    "of '%.64s' on '%.16s': %s", a->user, a->date, why);
			return -1;
		}
		snprintf(backup, sizeof backup, "%s/%s/%s/Maildir",
		    node->backup_root, a->date, a->user);
		vars[n++] = (struct shell_var){ "backup", backup,
			mailbox_check_path };
	}
	if (a->folder != NULL)
		vars[n++] = (struct shell_var){ "folder", a->folder,
			restore_check_folder };
	if (shell_expand(tmpl, vars, n, out, len, cause, causelen) == -1)
		return -1;
	return shell_sudo(out, len, cfg->ssh.sudo, cause, causelen);
}

/* Builds and runs `op`; the exit status is the caller's to judge. */
static int
mailbox_run(struct ssh_conn *c, enum mailbox_op op,
    const struct mailbox_args *a, int (*on_line)(void *, const char *, size_t),
    void *arg, struct ssh_result *res, volatile int *cancel, char *cause,
    size_t causelen)
{
	char cmd[SHELL_CMD_MAX];

	memset(res, 0, sizeof *res);
	if (mailbox_command(c->cfg, c->node, op, a, cmd, sizeof cmd, cause,
		causelen) == -1)
		return -1;
	if (ssh_exec(c, cmd, NULL, 0, on_line, arg, res, cancel) == -1) {
		snprintf(cause, causelen, "%s", c->errstr);
		return -1;
	}
	if (res->status != 0 && ssh_sudo_refused(c, cmd, res, cause, causelen))
		return -1;
	return 0;
}

/* "NODE: doveadm import failed (exit 75): what it said". */
static void
mailbox_failed(struct ssh_conn *c, enum mailbox_op op,
    const struct ssh_result *res, char *cause, size_t causelen)
{
	char said[300];

	ssh_result_said(res, said, sizeof said);
	if (res->signal[0] != '\0')
		snprintf(cause, causelen, "%s: %s was killed by signal %s%s%s",
		    c->node->name, mailbox_op_name(op), res->signal,
		    said[0] ? ": " : "", said);
	else
		snprintf(cause, causelen, "%s: %s failed (exit %d)%s%s",
		    c->node->name, mailbox_op_name(op), res->status,
		    said[0] ? ": " : "", said);
}

struct mailbox_probe_arg {
	struct mailbox_probe *p;
	size_t cap;
	bool folders; /* past the separator */
};

/* Before the separator "YYYY-MM-DD COUNT", after it folder names. */
static int
mailbox_probe_line(void *arg, const char *line, size_t len)
{
	struct mailbox_probe_arg *a = arg;
	struct mailbox_probe *p = a->p;
	struct restore_backup b;
	char date[RESTORE_DATE_LEN], cause[128], *end;

	if (a->folders) {
		if (len > 0) {
			p->folders = xreallocarray(p->folders, p->nfolders + 1,
			    sizeof *p->folders);
			p->folders[p->nfolders++] = xstrdup(line);
		}
		return 0;
	}
	if (strcmp(line, MAILBOX_PROBE_SEP) == 0) {
		a->folders = true;
		return 0;
	}
	/* Anything else but a dated line is skipped. */
	if (len < 12 || line[10] != ' ')
		return 0;
	memcpy(date, line, 10);
	date[10] = '\0';
	memset(&b, 0, sizeof b);
	if (restore_date_parse(date, &b.day, cause, sizeof cause) == -1)
		return 0;
	snprintf(b.date, sizeof b.date, "%s", date);
	b.messages = strtol(line + 11, &end, 10);
	if (end == line + 11 || *end != '\0' || b.messages < 0)
		b.messages = -1;
	if (p->nbackups == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		p->backups = xreallocarray(p->backups, a->cap,
		    sizeof *p->backups);
	}
	p->backups[p->nbackups++] = b;
	return 0;
}

static int
mailbox_newest_first(const void *a, const void *b)
{
	const struct restore_backup *x = a, *y = b;

	return x->day < y->day ? 1 : x->day > y->day ? -1 : 0;
}

void
mailbox_probe_free(struct mailbox_probe *p)
{
	size_t i;

	for (i = 0; i < p->nfolders; i++)
		free(p->folders[i]);
	free(p->folders);
	free(p->backups);
	memset(p, 0, sizeof *p);
}

int
mailbox_probe(struct ssh_conn *c, const char *user, struct mailbox_probe *p,
    char *cause, size_t causelen)
{
	struct mailbox_args a = { .user = user };
	struct mailbox_probe_arg pa;
	struct ssh_result res;
	int rc = -1;

	memset(p, 0, sizeof *p);
	memset(&pa, 0, sizeof pa);
	pa.p = p;
	if (mailbox_run(c, MAILBOX_PROBE, &a, mailbox_probe_line, &pa, &res,
		NULL, cause, causelen) == -1)
		goto out;
	if (res.signal[0] == '\0' && res.status == MAILBOX_EX_NOUSER) {
		mailbox_probe_free(p);
		rc = 0;
		goto out;
	}
	if (res.signal[0] == '\0' && res.status == MAILBOX_EX_NOROOT) {
		snprintf(cause, causelen, "%s: the backup root '%s' is missing or "
		    "cannot be read", c->node->name, c->node->backup_root);
		goto out;
	}
	if (res.status != 0 || res.signal[0] != '\0' || !pa.folders) {
		mailbox_failed(c, MAILBOX_PROBE, &res, cause, causelen);
		goto out;
	}
	p->known = true;
	if (p->nbackups > 1)
		qsort(p->backups, p->nbackups, sizeof *p->backups,
		    mailbox_newest_first);
	rc = 0;
out:
	if (rc == -1)
		mailbox_probe_free(p);
	ssh_result_free(&res);
	return rc;
}

long
mailbox_status_parse(const char *folder, const char *line)
{
	static const char key[] = " messages=";
	const char *p = NULL, *q;
	char name[1024], *end;
	long n;

	for (q = line; (q = strstr(q, key)) != NULL; q++)
		p = q;
	if (p == NULL || (size_t)(p - line) >= sizeof name)
		return -1;
	snprintf(name, sizeof name, "%.*s", (int)(p - line), line);
	n = strtol(p + sizeof key - 1, &end, 10);
	if (end == p + sizeof key - 1 || *end != '\0' || n < 0)
		return -1;
	return restore_folder_owns(folder, name) ? n : -1;
}

struct mailbox_restore_arg {
	struct mailbox_outcome *o;
	const struct mailbox_watch *watch;
	size_t cap;       /* of o->backups */
	bool started;     /* the import began: the folder is known */
	int import_exit;  /* -1 until its line came */
	size_t counted;   /* status lines of the folder */
};

/* "restore DATE FOLDER COUNT", checked as if it came from a person. */
static int
mailbox_restore_started(struct mailbox_restore_arg *a, const char *line)
{
	struct mailbox_outcome *o = a->o;
	char date[RESTORE_DATE_LEN], folder[RESTORE_FOLDER_MAX], *end;
	const char *p = line, *sp;
	long n;

	if ((sp = strchr(p, ' ')) == NULL || (size_t)(sp - p) >= sizeof date)
		return -1;
	snprintf(date, sizeof date, "%.*s", (int)(sp - p), p);
	p = sp + 1;
	if ((sp = strchr(p, ' ')) == NULL || (size_t)(sp - p) >= sizeof folder)
		return -1;
	snprintf(folder, sizeof folder, "%.*s", (int)(sp - p), p);
	n = strtol(sp + 1, &end, 10);
	if (restore_check_date(date) != NULL ||
	    restore_check_folder(folder) != NULL || end == sp + 1 ||
	    *end != '\0' || n < 0)
		return -1;
	snprintf(o->date, sizeof o->date, "%s", date);
	snprintf(o->folder, sizeof o->folder, "%s", folder);
	o->backup_messages = n;
	a->started = true;
	if (a->watch != NULL && a->watch->started != NULL)
		a->watch->started(a->watch->arg, o->date, o->folder,
		    o->backup_messages);
	return 0;
}

static int
mailbox_restore_line(void *arg, const char *line, size_t len)
{
	static const char mark[] = MAILBOX_IMPORT_EXIT;
	static const char backup[] = MAILBOX_BACKUP_LINE;
	static const char restore[] = MAILBOX_RESTORE_LINE;
	struct mailbox_restore_arg *a = arg;
	struct mailbox_outcome *o = a->o;
	char cause[128], *end;
	long n;

	(void)len;
	if (!a->started) {
		/* Only MAILBOX_PROBE_RESTORE says these. */
		if (strncmp(line, backup, sizeof backup - 1) == 0) {
			struct restore_backup b = { .messages = -1 };

			if (restore_date_parse(line + sizeof backup - 1, &b.day,
				cause, sizeof cause) == -1)
				return 0;
			snprintf(b.date, sizeof b.date, "%s", line + sizeof backup -
			    1);
			if (o->nbackups == a->cap) {
				a->cap = a->cap ? a->cap * 2 : 32;
				o->backups = xreallocarray(o->backups, a->cap,
				    sizeof *o->backups);
			}
			o->backups[o->nbackups++] = b;
		} else if (strncmp(line, restore, sizeof restore - 1) == 0 &&
		    mailbox_restore_started(a, line + sizeof restore - 1) == -1)
			return -1; /* not what the script says: stop it */
		return 0;
	}
	if (a->import_exit == -1) {
		/* Nothing else comes before the import's exit status. */
		if (strncmp(line, mark, sizeof mark - 1) == 0) {
			n = strtol(line + sizeof mark - 1, &end, 10);
			a->import_exit = *end == '\0' && n >= 0 && n < 256 ?
			    (int)n : 255;
		}
		return 0;
	}
	if ((n = mailbox_status_parse(o->folder, line)) >= 0) {
		o->messages = (o->messages < 0 ? 0 : o->messages) + n;
		a->counted++;
	}
	return 0;
}

void
mailbox_outcome_free(struct mailbox_outcome *o)
{
	free(o->backups);
	o->backups = NULL;
	o->nbackups = 0;
}

/* Runs a restore command with the longer timeout and judges its end. */
static int
mailbox_import(struct ssh_conn *c, enum mailbox_op op,
    const struct mailbox_args *args, struct mailbox_restore_arg *ra,
    volatile int *cancel, char *cause, size_t causelen)
{
	const struct config *saved = c->cfg;
	struct mailbox_outcome *o = ra->o;
	struct config longer;
	struct ssh_result res;
	char said[300];
	long long limit = (long long)saved->mailbox.restore_timeout_s * 1000;
	int rc;

	ra->import_exit = -1;
	/* A large mailbox takes longer than any listing; the rest stays. */
	longer = *c->cfg;
	if (longer.ssh.command_timeout_ms < limit)
		longer.ssh.command_timeout_ms = limit > 0x7fffffff ? 0x7fffffff :
		    (int)limit;
	c->cfg = &longer;
	/*
	 * The import prints a line every second while it runs (the restore
	 * script's watchdog), so a silence of ssh.progress_timeout_s means the
	 * session, the node or the script stopped: ended then, not after
	 * hours.
	 */
	c->stall_ms = saved->ssh.progress_timeout_s * 1000;
	c->stall_knob = "ssh.progress_timeout_s";
	rc = mailbox_run(c, op, args, mailbox_restore_line, ra, &res, cancel,
	    cause, causelen);
	c->stall_ms = 0;
	c->stall_knob = NULL;
	c->cfg = saved;
	if (ra->import_exit == -1 || res.signal[0] != '\0' || res.status != 0)
		o->messages = -1;
	if (rc == -1) {
		if (c->err == SSH_E_CANCELLED && !ra->started && cancel != NULL &&
		    *cancel == 0)
			snprintf(cause, causelen, "%s: the node's restore script "
			    "said something else than expected", c->node->name);
		goto out;
	}
	ssh_result_said(&res, said, sizeof said);
	if (!ra->started && res.signal[0] == '\0') {
		/* MAILBOX_PROBE_RESTORE ended before the import. */
		rc = -1;
		switch (res.status) {
		case MAILBOX_EX_NOUSER:
			o->refused = MAILBOX_REFUSED_USER;
			snprintf(cause, causelen, "unknown user '%s' on %s",
			    args->user, c->node->name);
			goto out;
		case MAILBOX_EX_NOROOT:
			snprintf(cause, causelen, "%s: the backup root '%s' is "
			    "missing or cannot be read", c->node->name,
			    c->node->backup_root);
			goto out;
		case MAILBOX_EX_NOBACKUP:
			o->refused = MAILBOX_REFUSED_BACKUP;
			snprintf(cause, causelen, "%s has no backup from %s to %s "
			    "on %s", args->user, args->from, args->to,
			    c->node->name);
			goto out;
		case MAILBOX_EX_FULL:
			o->refused = MAILBOX_REFUSED_FULL;
			snprintf(cause, causelen, "the backup was already restored "
			    "%d times into this mailbox; delete old Restored- "
			    "folders first", RESTORE_FOLDER_MAX_SUFFIX);
			goto out;
		default:
			break;
		}
	}
	if (ra->import_exit == -1) {
		mailbox_failed(c, op, &res, cause, causelen);
		rc = -1;
	} else if (ra->import_exit != 0 || said[0] != '\0') {
		/* doveadm import may exit 0 after an error: stderr decides. */
		snprintf(cause, causelen, "%s: doveadm import failed (exit %d)%s%s",
		    c->node->name, ra->import_exit, said[0] ? ": " : "", said);
		rc = -1;
	} else if (res.status != 0 || res.signal[0] != '\0') {
		snprintf(cause, causelen, "%s: the import ran, but doveadm "
		    "mailbox status failed (%s%s%d)", c->node->name,
		    res.signal[0] ? "signal " : "exit ", res.signal,
		    res.signal[0] ? 0 : res.status);
		rc = -1;
	} else if (o->messages < 0)
		o->messages = 0;
out:
	ssh_result_free(&res);
	return rc;
}

int
mailbox_restore(struct ssh_conn *c, const char *user, const char *date,
    const char *folder, volatile int *cancel, long *messages, char *cause,
    size_t causelen)
{
	struct mailbox_args a = { .user = user, .date = date, .folder = folder };
	struct mailbox_outcome o;
	struct mailbox_restore_arg ra;
	int rc;

	memset(&o, 0, sizeof o);
	memset(&ra, 0, sizeof ra);
	o.messages = -1;
	o.backup_messages = -1;
	snprintf(o.date, sizeof o.date, "%s", date);
	snprintf(o.folder, sizeof o.folder, "%s", folder);
	ra.o = &o;
	ra.started = true; /* the folder was chosen from the probe */
	rc = mailbox_import(c, MAILBOX_RESTORE, &a, &ra, cancel, cause,
	    causelen);
	*messages = o.messages;
	mailbox_outcome_free(&o);
	return rc;
}

int
mailbox_probe_restore(struct ssh_conn *c, const char *user, const char *from,
    const char *to, const struct mailbox_watch *w, volatile int *cancel,
    struct mailbox_outcome *o, char *cause, size_t causelen)
{
	struct mailbox_args a = { .user = user, .from = from, .to = to };
	struct mailbox_restore_arg ra;
	int rc;

	memset(o, 0, sizeof *o);
	memset(&ra, 0, sizeof ra);
	o->messages = -1;
	o->backup_messages = -1;
	ra.o = o;
	ra.watch = w;
	rc = mailbox_import(c, MAILBOX_PROBE_RESTORE, &a, &ra, cancel, cause,
	    causelen);
	if (o->nbackups > 1)
		qsort(o->backups, o->nbackups, sizeof *o->backups,
		    mailbox_newest_first);
	return rc;
}

/* Sums the status lines of the folder. */
static int
mailbox_count_line(void *arg, const char *line, size_t len)
{
	struct mailbox_outcome *o = arg;
	long n;

	(void)len;
	if ((n = mailbox_status_parse(o->folder, line)) >= 0)
		o->messages = (o->messages < 0 ? 0 : o->messages) + n;
	return 0;
}

long
mailbox_count(struct ssh_conn *c, const char *user, const char *folder,
    volatile int *cancel, char *cause, size_t causelen)
{
	struct mailbox_args a = { .user = user, .folder = folder };
	struct mailbox_outcome o;
	struct ssh_result res;

	memset(&o, 0, sizeof o);
	o.messages = -1;
	snprintf(o.folder, sizeof o.folder, "%s", folder);
	if (mailbox_run(c, MAILBOX_STATUS, &a, mailbox_count_line, &o, &res,
		cancel, cause, causelen) == -1) {
		ssh_result_free(&res);
		return -1;
	}
	if (res.status != 0 || res.signal[0] != '\0') {
		/* Before doveadm import made the folder, it does not exist. */
		mailbox_failed(c, MAILBOX_STATUS, &res, cause, causelen);
		ssh_result_free(&res);
		return -1;
	}
	ssh_result_free(&res);
	return o.messages < 0 ? 0 : o.messages;
}

long
mailbox_recount(const struct config *cfg, const struct config_node *node,
    const char *user, const char *folder, char *cause, size_t causelen)
{
	struct config quick = *cfg;
	struct ssh_conn c;
	long n;

	if (quick.ssh.command_timeout_ms > MAILBOX_RECOUNT_MS)
		quick.ssh.command_timeout_ms = MAILBOX_RECOUNT_MS;
	ssh_init(&c, &quick, node);
	n = mailbox_count(&c, user, folder, NULL, cause, causelen);
	ssh_close(&c);
	return n;
}
