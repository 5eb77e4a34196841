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
/* The listing script's exit code when the backup root is missing. */
#define MAILBOX_EX_NOROOT 3

/*
 * The listing: every DATE directory under the root that holds
 * USER/Maildir/cur, and its messages (files in cur/ and new/). One command,
 * so that "sudo -n" covers it; root and user are passed as $1 and $2, never
 * pasted into the script.
 */
#define T_BACKUPS \
	"sh -c 'cd \"$1\" || exit 3; " \
	"for d in [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]; do " \
	"m=\"$d/$2/Maildir\"; [ -d \"$m/cur\" ] || continue; " \
	"n=$(find \"$m/cur\" \"$m/new\" -maxdepth 1 -type f 2>/dev/null | wc -l); " \
	"echo \"$d $n\"; done' mailnoc-backups {root} {user}"

/*
 * The import: -s subscribes the new folders so mail clients show them;
 * INDEX=MEMORY and CONTROL in the user's home keep doveadm from writing
 * dovecot-uidlist and index files into the backup (which may be read-only).
 * The '~' is escaped for the shell: doveadm expands it to the home.
 */
#define T_IMPORT_ARGS \
	"import -u {user} -s maildir:{backup}:INDEX=MEMORY:" \
	"CONTROL=\\~/.mailnoc-restore/{date} {folder} all"

static const struct mailbox_template {
	const char *name;
	const char *with_config; /* when the node has dovecot_config */
	const char *plain;       /* doveadm's default configuration */
} mailbox_templates[MAILBOX_OP_COUNT] = {
	[MAILBOX_USER] = { "user",
		"doveadm -c {config} user -- {user}",
		"doveadm user -- {user}" },
	[MAILBOX_BACKUPS] = { "backups", T_BACKUPS, T_BACKUPS },
	[MAILBOX_FOLDERS] = { "folders",
		"doveadm -c {config} mailbox list -u {user} {pattern}",
		"doveadm mailbox list -u {user} {pattern}" },
	[MAILBOX_IMPORT] = { "import",
		"doveadm -c {config} " T_IMPORT_ARGS,
		"doveadm " T_IMPORT_ARGS },
	[MAILBOX_STATUS] = { "status",
		"doveadm -c {config} mailbox status -u {user} messages {pattern}",
		"doveadm mailbox status -u {user} messages {pattern}" },
};

const char *
mailbox_op_name(enum mailbox_op op)
{
	return mailbox_templates[op].name;
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
	const struct mailbox_template *t = &mailbox_templates[op];
	char backup[1200] = "", pattern[RESTORE_FOLDER_MAX + 2] = "";
	struct shell_var vars[7];
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
	if (node->dovecot_config != NULL)
		vars[n++] = (struct shell_var){ "config", node->dovecot_config,
			validate_path };
	vars[n++] = (struct shell_var){ "root", node->backup_root,
		mailbox_check_path };
	if (a->user != NULL)
		vars[n++] = (struct shell_var){ "user", a->user,
			restore_check_user };
	if (a->date != NULL)
		vars[n++] = (struct shell_var){ "date", a->date,
			restore_check_date };
	if (a->user != NULL && a->date != NULL) {
		/* Checked parts only: shell_expand checks the whole again. */
		if ((why = restore_check_user(a->user)) != NULL ||
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
	if (a->folder != NULL) {
		vars[n++] = (struct shell_var){ "folder", a->folder,
			restore_check_folder };
		snprintf(pattern, sizeof pattern, "%s*", a->folder);
		vars[n++] = (struct shell_var){ "pattern", pattern,
			restore_check_folder_pattern };
	}
	if (shell_expand(node->dovecot_config != NULL ? t->with_config :
		t->plain, vars, n, out, len, cause, causelen) == -1)
		return -1;
	return shell_sudo(out, len, cfg->ssh.sudo, cause, causelen);
}

/* What a remote command wrote on stderr, as one line. */
static void
mailbox_stderr(const struct ssh_result *res, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	if (res->errout == NULL)
		return;
	for (i = 0; i < res->errlen && n + 1 < len; i++) {
		char ch = res->errout[i];

		if (ch == '\n' && i + 1 < res->errlen && n + 3 < len) {
			buf[n++] = ';';
			buf[n++] = ' ';
			continue;
		}
		buf[n++] = ch == '\n' || ch == '\r' || ch == '\t' ? ' ' :
		    (unsigned char)ch < 0x20 ? '?' : ch;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
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
	return 0;
}

/* "NODE: doveadm import failed (exit 75): what it said". */
static void
mailbox_failed(struct ssh_conn *c, enum mailbox_op op,
    const struct ssh_result *res, char *cause, size_t causelen)
{
	char said[300];

	mailbox_stderr(res, said, sizeof said);
	if (res->signal[0] != '\0')
		snprintf(cause, causelen, "%s: %s was killed by signal %s%s%s",
		    c->node->name, mailbox_templates[op].name, res->signal,
		    said[0] ? ": " : "", said);
	else
		snprintf(cause, causelen, "%s: %s failed (exit %d)%s%s",
		    c->node->name, mailbox_templates[op].name, res->status,
		    said[0] ? ": " : "", said);
}

int
mailbox_user_known(struct ssh_conn *c, const char *user, char *cause,
    size_t causelen)
{
	struct mailbox_args a = { .user = user };
	struct ssh_result res;
	int rc;

	if (mailbox_run(c, MAILBOX_USER, &a, NULL, NULL, &res, NULL, cause,
		causelen) == -1)
		rc = -1;
	else if (res.status == 0 && res.signal[0] == '\0')
		rc = 1;
	else if (res.status == MAILBOX_EX_NOUSER)
		rc = 0;
	else {
		mailbox_failed(c, MAILBOX_USER, &res, cause, causelen);
		rc = -1;
	}
	ssh_result_free(&res);
	return rc;
}

struct mailbox_list {
	struct restore_backup *v;
	size_t n;
	size_t cap;
};

/* "YYYY-MM-DD COUNT"; anything else is skipped. */
static int
mailbox_backup_line(void *arg, const char *line, size_t len)
{
	struct mailbox_list *l = arg;
	struct restore_backup b;
	char date[RESTORE_DATE_LEN], cause[128], *end;

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
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = b;
	return 0;
}

static int
mailbox_newest_first(const void *a, const void *b)
{
	const struct restore_backup *x = a, *y = b;

	return x->day < y->day ? 1 : x->day > y->day ? -1 : 0;
}

long
mailbox_backups(struct ssh_conn *c, const char *user,
    struct restore_backup **out, char *cause, size_t causelen)
{
	struct mailbox_args a = { .user = user };
	struct mailbox_list l = { NULL, 0, 0 };
	struct ssh_result res;
	long rc = -1;

	*out = NULL;
	if (mailbox_run(c, MAILBOX_BACKUPS, &a, mailbox_backup_line, &l, &res,
		NULL, cause, causelen) == -1)
		goto out;
	if (res.status == MAILBOX_EX_NOROOT && res.signal[0] == '\0') {
		snprintf(cause, causelen, "%s: the backup root '%s' is missing or "
		    "cannot be read", c->node->name, c->node->backup_root);
		goto out;
	}
	if (res.status != 0 || res.signal[0] != '\0') {
		mailbox_failed(c, MAILBOX_BACKUPS, &res, cause, causelen);
		goto out;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, mailbox_newest_first);
	*out = l.v;
	l.v = NULL;
	rc = (long)l.n;
out:
	free(l.v);
	ssh_result_free(&res);
	return rc;
}

struct mailbox_names {
	char **v;
	size_t n;
};

static int
mailbox_name_line(void *arg, const char *line, size_t len)
{
	struct mailbox_names *m = arg;

	if (len == 0)
		return 0;
	m->v = xreallocarray(m->v, m->n + 1, sizeof *m->v);
	m->v[m->n++] = xstrdup(line);
	return 0;
}

int
mailbox_folder_new(struct ssh_conn *c, const char *user, const char *date,
    char *folder, size_t len, char *cause, size_t causelen)
{
	char base[RESTORE_FOLDER_MAX];
	struct mailbox_args a = { .user = user, .folder = base };
	struct mailbox_names m = { NULL, 0 };
	struct ssh_result res;
	size_t i;
	int rc = -1;

	/* Restored-DATE* lists that folder, its -N siblings and children. */
	snprintf(base, sizeof base, RESTORE_FOLDER_PREFIX "%s", date);
	if (mailbox_run(c, MAILBOX_FOLDERS, &a, mailbox_name_line, &m, &res,
		NULL, cause, causelen) == -1)
		goto out;
	if (res.status != 0 || res.signal[0] != '\0') {
		mailbox_failed(c, MAILBOX_FOLDERS, &res, cause, causelen);
		goto out;
	}
	rc = restore_folder_choose(date, (const char *const *)m.v, m.n, folder,
	    len, cause, causelen);
out:
	for (i = 0; i < m.n; i++)
		free(m.v[i]);
	free(m.v);
	ssh_result_free(&res);
	return rc;
}

int
mailbox_import(struct ssh_conn *c, const char *user, const char *date,
    const char *folder, volatile int *cancel, char *cause, size_t causelen)
{
	struct mailbox_args a = { .user = user, .date = date, .folder = folder };
	const struct config *saved = c->cfg;
	struct config longer;
	struct ssh_result res;
	int rc;

	/* A large mailbox takes longer than any listing; the rest stays. */
	longer = *c->cfg;
	if (longer.ssh.command_timeout_ms < MAILBOX_IMPORT_TIMEOUT_MS)
		longer.ssh.command_timeout_ms = MAILBOX_IMPORT_TIMEOUT_MS;
	c->cfg = &longer;
	rc = mailbox_run(c, MAILBOX_IMPORT, &a, NULL, NULL, &res, cancel, cause,
	    causelen);
	c->cfg = saved;
	if (rc == 0 && (res.status != 0 || res.signal[0] != '\0' ||
			   res.errlen > 0)) {
		/* doveadm import may exit 0 after an error: stderr decides. */
		mailbox_failed(c, MAILBOX_IMPORT, &res, cause, causelen);
		rc = -1;
	}
	ssh_result_free(&res);
	return rc;
}

struct mailbox_count_arg {
	const char *folder;
	long messages;
	size_t lines;
};

/* "Restored-2026-01-02/INBOX messages=13": the name may hold spaces. */
static int
mailbox_status_line(void *arg, const char *line, size_t len)
{
	static const char key[] = " messages=";
	struct mailbox_count_arg *a = arg;
	const char *p = NULL, *q;
	char name[1024], *end;
	long n;

	for (q = line; (q = strstr(q, key)) != NULL; q++)
		p = q;
	if (p == NULL || (size_t)(p - line) >= sizeof name)
		return 0;
	snprintf(name, sizeof name, "%.*s", (int)(p - line), line);
	n = strtol(p + sizeof key - 1, &end, 10);
	if (end == p + sizeof key - 1 || end != line + len || n < 0)
		return 0;
	if (restore_folder_owns(a->folder, name)) {
		a->messages += n;
		a->lines++;
	}
	return 0;
}

long
mailbox_count(struct ssh_conn *c, const char *user, const char *folder,
    char *cause, size_t causelen)
{
	struct mailbox_args a = { .user = user, .folder = folder };
	struct mailbox_count_arg ca = { folder, 0, 0 };
	struct ssh_result res;
	long rc = -1;

	if (mailbox_run(c, MAILBOX_STATUS, &a, mailbox_status_line, &ca, &res,
		NULL, cause, causelen) == -1)
		goto out;
	if (res.status != 0 || res.signal[0] != '\0') {
		mailbox_failed(c, MAILBOX_STATUS, &res, cause, causelen);
		goto out;
	}
	rc = ca.messages;
out:
	ssh_result_free(&res);
	return rc;
}
