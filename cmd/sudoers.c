/* The sudoers drop-in, made from the very templates the console sends. */
#include "cmd/sudoers.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/mailbox.h"
#include "backends/postfix.h"
#include "core/restore.h"
#include "core/xalloc.h"

#define SUDOERS_LINE_MAX 8192
#define SUDOERS_DEFAULT_QUEUE "/var/spool/postfix"

/*
 * The characters each console value may hold (its validator's), as a
 * regular expression and as a sudoers wildcard. None matches a space: sudo
 * joins the arguments with spaces before it matches them.
 */
#define RE_DATE "[0-9]{4}-[0-9]{2}-[0-9]{2}"
#define GLOB_DATE "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
#define RE_ID "[0-9A-Za-z]+"
#define RE_USER "[A-Za-z0-9@+_][A-Za-z0-9.@+_-]*"
#define RE_FOLDER RESTORE_FOLDER_PREFIX RE_DATE "(-[0-9]{1,2})?"
#define GLOB_FOLDER RESTORE_FOLDER_PREFIX GLOB_DATE "*"
#define RE_PATTERN "[\\\\x0-9a-fA-F.:_=lientdrs]+"

/* One placeholder: a fixed value, or what the console may put there. */
struct sudoers_var {
	const char *name;
	const char *value; /* NULL: re and glob */
	const char *re;
	const char *glob;
};

struct sudoers_buf {
	char s[SUDOERS_LINE_MAX];
	size_t n;
	bool full;
};

static void
sudoers_put(struct sudoers_buf *b, const char *s, size_t len)
{
	if (b->full || b->n + len >= sizeof b->s) {
		b->full = true;
		return;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
}

/* A literal character: escaped for a POSIX ERE and for sudoers' lexer. */
static void
sudoers_re_char(struct sudoers_buf *b, char c)
{
	if (c == '#')
		sudoers_put(b, "\\#", 2);
	else if (strchr(".[]()*+?{}|^$\\", c) != NULL) {
		sudoers_put(b, "\\", 1);
		sudoers_put(b, &c, 1);
	} else
		sudoers_put(b, &c, 1);
}

/* A literal character: escaped for fnmatch and for sudoers' lexer. */
static void
sudoers_glob_char(struct sudoers_buf *b, char c)
{
	/* sudoers' lexer halves a doubled backslash, fnmatch halves it again. */
	if (c == '\\')
		sudoers_put(b, "\\\\\\\\", 4);
	else {
		if (strchr("*?[]\\,:=#!", c) != NULL)
			sudoers_put(b, "\\", 1);
		sudoers_put(b, &c, 1);
	}
}

static void
sudoers_both(struct sudoers_buf *re, struct sudoers_buf *glob, char c)
{
	sudoers_re_char(re, c);
	sudoers_glob_char(glob, c);
}

/* Where sudo looks for a bare command name (Debian's secure_path). */
static void
sudoers_path(const char *name, char *out, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin",
		"/bin", NULL };
	size_t i;

	for (i = 0; dirs[i] != NULL; i++) {
		snprintf(out, len, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return;
	}
	/* Not installed here (a console host): where Debian puts them. */
	if (strncmp(name, "post", 4) == 0)
		snprintf(out, len, "/usr/sbin/%s", name);
	else
		snprintf(out, len, "/usr/bin/%s", name);
}

/* The variable `name` (len bytes) when it has a fixed value, else NULL. */
static const struct sudoers_var *
sudoers_fixed(const struct sudoers_var *vars, size_t nvars, const char *name,
    size_t len)
{
	size_t i;

	for (i = 0; i < nvars; i++) {
		if (vars[i].value != NULL && strlen(vars[i].name) == len &&
		    strncmp(vars[i].name, name, len) == 0)
			return &vars[i];
	}
	return NULL;
}

/*
 * Turns one template into "PATH ARGS" for a sudoers Cmnd: ARGS a regular
 * expression when it fits, else a wildcard pattern. The template is read
 * as the remote shell reads it; anything but one simple command (a
 * variable, a redirection, a glob outside quotes) is refused, since sudo
 * would see something else than the template shows.
 */
static int
sudoers_cmnd(const char *tmpl, const struct sudoers_var *vars, size_t nvars,
    char *out, size_t len, char *cause, size_t causelen)
{
	struct sudoers_buf re, glob;
	char name[1040], path[1100];
	const struct sudoers_var *var;
	size_t i = 0, j, k, namelen;
	bool squote = false, dquote = false, inword = false, sep = false;
	const char *why = NULL;
	int c;

	namelen = strcspn(tmpl, " \t");
	/* A fixed placeholder ({helper}) may name the command. */
	if (tmpl[0] == '{' && namelen > 2 && tmpl[namelen - 1] == '}' &&
	    (var = sudoers_fixed(vars, nvars, tmpl + 1, namelen - 2)) != NULL)
		snprintf(name, sizeof name, "%s", var->value);
	else if (namelen < sizeof name)
		snprintf(name, sizeof name, "%.*s", (int)namelen, tmpl);
	else
		name[0] = '\0';
	if (name[0] == '\0' || strlen(name) >= sizeof name - 1 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-/") < strlen(name)) {
		snprintf(cause, causelen, "template '%.40s': its first word must "
		    "be a plain command name", tmpl);
		return -1;
	}
	if (name[0] == '/')
		snprintf(path, sizeof path, "%s", name);
	else
		sudoers_path(name, path, sizeof path);
	memset(&re, 0, sizeof re);
	memset(&glob, 0, sizeof glob);
	sudoers_put(&re, "^", 1);
	for (i = namelen; tmpl[i] != '\0' && why == NULL; i++) {
		c = (unsigned char)tmpl[i];
		if (!squote && !dquote && (c == ' ' || c == '\t')) {
			if (inword)
				sep = true;
			inword = false;
			continue;
		}
		if (!inword) {
			if (sep) {
				sudoers_put(&re, " ", 1);
				sudoers_put(&glob, " ", 1);
			}
			sep = false;
			inword = true;
			/* An empty word would be two spaces in sudo's line. */
			if ((c == '\'' || c == '"') && tmpl[i + 1] == c &&
			    (tmpl[i + 2] == ' ' || tmpl[i + 2] == '\0'))
				why = "an empty argument";
		}
		if ((c == '{' || c == '}') && tmpl[i + 1] == c) {
			if (!squote && !dquote && c == '{')
				why = "a brace group";
			sudoers_both(&re, &glob, (char)c);
			i++;
		} else if (c == '{') {
			j = i + 1 + strcspn(tmpl + i + 1, "}");
			for (k = 0, var = NULL; k < nvars; k++) {
				if (strlen(vars[k].name) == j - i - 1 &&
				    strncmp(vars[k].name, tmpl + i + 1, j - i - 1)
				    == 0)
					var = &vars[k];
			}
			if (var == NULL || tmpl[j] != '}') {
				snprintf(cause, causelen, "template '%.40s...': "
				    "unknown placeholder at column %zu", tmpl,
				    i + 1);
				return -1;
			}
			if (var->value != NULL) {
				for (k = 0; var->value[k] != '\0'; k++) {
					if (var->value[k] == ' ')
						why = "a value with a space";
					sudoers_both(&re, &glob, var->value[k]);
				}
			} else {
				sudoers_put(&re, var->re, strlen(var->re));
				sudoers_put(&glob, var->glob, strlen(var->glob));
			}
			i = j;
		} else if (c == '\'' && !dquote)
			squote = !squote;
		else if (c == '"' && !squote)
			dquote = !dquote;
		else if (squote)
			sudoers_both(&re, &glob, (char)c);
		else if (c == '\\' && tmpl[i + 1] != '\0' && (!dquote ||
		    strchr("$`\"\\", tmpl[i + 1]) != NULL))
			sudoers_both(&re, &glob, tmpl[++i]);
		else if (c == '$' || c == '`')
			why = "a shell expansion outside single quotes";
		else if (!dquote && strchr(";&|<>()*?[#~", c) != NULL)
			why = "a shell operator or glob outside quotes";
		else
			sudoers_both(&re, &glob, (char)c);
		if ((squote || dquote) && (c == ' ' || c == '\t') &&
		    (tmpl[i + 1] == ' ' || tmpl[i + 1] == '\t'))
			why = "two spaces in a row in an argument";
	}
	if (why == NULL && (squote || dquote))
		why = "an unclosed quote";
	if (why != NULL) {
		snprintf(cause, causelen, "template '%.40s...' cannot be allowed "
		    "in sudoers: it has %s", tmpl, why);
		return -1;
	}
	sudoers_put(&re, "$", 1);
	if (re.full && glob.full) {
		snprintf(cause, causelen, "template '%.40s...' is longer than "
		    "%d bytes in sudoers", tmpl, SUDOERS_LINE_MAX);
		return -1;
	}
	if (!re.full && re.n <= SUDOERS_REGEX_MAX)
		snprintf(out, len, "%s %s", path, re.s);
	else
		snprintf(out, len, "%s %s", path, glob.s);
	return 0;
}

/* queue_directory of a main.cf that can be read here, else the default. */
static void
sudoers_queue_dir(const char *config, char *out, size_t len)
{
	char file[1100], line[1200], *p, *e;
	FILE *f;

	snprintf(out, len, "%s", SUDOERS_DEFAULT_QUEUE);
	snprintf(file, sizeof file, "%s/main.cf", config);
	if ((f = fopen(file, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		p = line + strspn(line, " \t");
		if (strncmp(p, "queue_directory", 15) != 0)
			continue;
		p += 15 + strspn(p + 15, " \t");
		if (*p != '=')
			continue;
		p += 1 + strspn(p + 1, " \t");
		e = p + strcspn(p, " \t\r\n");
		if (e > p && *p == '/')
			snprintf(out, len, "%.*s", (int)(e - p), p);
	}
	fclose(f);
}

/* The lines written so far, to write each only once. */
struct sudoers_seen {
	char **v;
	size_t n;
};

static int
sudoers_emit(FILE *f, struct sudoers_seen *seen, const char *user,
    const char *cmnd)
{
	size_t i;

	for (i = 0; i < seen->n; i++) {
		if (strcmp(seen->v[i], cmnd) == 0)
			return 0;
	}
	seen->v = xreallocarray(seen->v, seen->n + 1, sizeof *seen->v);
	seen->v[seen->n++] = xstrdup(cmnd);
	return fprintf(f, "%s ALL=(root) NOPASSWD: %s\n", user, cmnd) < 0 ?
	    -1 : 0;
}

static int
sudoers_node(FILE *f, struct sudoers_seen *seen, const struct config *cfg,
    const char *user, const struct config_node *node, char *cause,
    size_t len)
{
	char cmnd[SUDOERS_LINE_MAX + 256], queue[1100], backup_re[1400];
	char backup_glob[1400];
	struct sudoers_buf re, glob;
	struct sudoers_var vars[9];
	const char *tmpl;
	size_t i, n;

	if (node->role == NODE_GATEWAY && node->postfix_config != NULL) {
		sudoers_queue_dir(node->postfix_config, queue, sizeof queue);
		vars[0] = (struct sudoers_var){ "config", node->postfix_config,
			NULL, NULL };
		vars[1] = (struct sudoers_var){ "dir", queue, NULL, NULL };
		vars[2] = (struct sudoers_var){ "id", NULL, RE_ID, "*" };
		vars[3] = (struct sudoers_var){ "pattern", NULL, RE_PATTERN,
			"*" };
		for (i = 0; postfix_sudo_templates[i] != NULL; i++) {
			if (sudoers_cmnd(postfix_sudo_templates[i], vars, 4, cmnd,
				sizeof cmnd, cause, len) == -1 ||
			    sudoers_emit(f, seen, user, cmnd) == -1)
				return -1;
		}
	}
	if (node->role != NODE_MAILBOX || node->backup_root == NULL)
		return 0;
	/* {backup} is ROOT/DATE/USER/Maildir (mailbox_command). */
	memset(&re, 0, sizeof re);
	memset(&glob, 0, sizeof glob);
	for (i = 0; node->backup_root[i] != '\0'; i++)
		sudoers_both(&re, &glob, node->backup_root[i]);
	snprintf(backup_re, sizeof backup_re, "%s/" RE_DATE "/" RE_USER
	    "/Maildir", re.s);
	snprintf(backup_glob, sizeof backup_glob, "%s/" GLOB_DATE "/*/Maildir",
	    glob.s);
	n = 0;
	vars[n++] = (struct sudoers_var){ "helper", cfg->mailbox.helper !=
		NULL ? cfg->mailbox.helper : CONFIG_MBX_HELPER, NULL, NULL };
	if (node->dovecot_config != NULL)
		vars[n++] = (struct sudoers_var){ "config",
			node->dovecot_config, NULL, NULL };
	vars[n++] = (struct sudoers_var){ "root", node->backup_root, NULL,
		NULL };
	vars[n++] = (struct sudoers_var){ "user", NULL, RE_USER, "*" };
	vars[n++] = (struct sudoers_var){ "date", NULL, RE_DATE, GLOB_DATE };
	vars[n++] = (struct sudoers_var){ "from", NULL, RE_DATE, GLOB_DATE };
	vars[n++] = (struct sudoers_var){ "to", NULL, RE_DATE, GLOB_DATE };
	vars[n++] = (struct sudoers_var){ "backup", NULL, backup_re,
		backup_glob };
	vars[n++] = (struct sudoers_var){ "folder", NULL, RE_FOLDER,
		GLOB_FOLDER };
	for (i = 0; i < MAILBOX_OP_COUNT; i++) {
		tmpl = cfg->mailbox.templates[i];
		if (tmpl == NULL)
			tmpl = mailbox_default_template((enum mailbox_op)i,
			    node->dovecot_config != NULL);
		if (sudoers_cmnd(tmpl, vars, n, cmnd, sizeof cmnd, cause,
			len) == -1 ||
		    sudoers_emit(f, seen, user, cmnd) == -1)
			return -1;
	}
	return 0;
}

int
sudoers_print(FILE *f, const struct config *cfg, const char *user,
    const char *const *nodes, size_t nnodes, char *cause, size_t len)
{
	struct sudoers_seen seen = { NULL, 0 };
	const struct config_node *node;
	char *text = NULL;
	size_t i, textlen = 0;
	FILE *mem;
	int rc = 0;

	for (i = 0; i < nnodes; i++) {
		if (config_node_find(cfg, nodes[i]) == NULL) {
			snprintf(cause, len, "no node '%s' in the configuration",
			    nodes[i]);
			return -1;
		}
	}
	/* Built in memory: nothing is written when a template is refused. */
	if ((mem = open_memstream(&text, &textlen)) == NULL) {
		snprintf(cause, len, "cannot build the drop-in: out of memory");
		return -1;
	}
	fprintf(mem, "# mailnoc: the commands the console runs with \"sudo -n\" "
	    "as %s, and nothing else.\n# Made by 'mailnoc sudoers' from the "
	    "console's templates; install as\n# /etc/sudoers.d/mailnoc, mode "
	    "0440, and check with visudo -c.\n", user);
	/* A relative path in a split argument then names nothing of the user's. */
	fprintf(mem, "Defaults:%s runcwd=/\n", user);
	for (i = 0; i < cfg->nnodes && rc == 0; i++) {
		node = &cfg->nodes[i];
		if (nnodes > 0) {
			size_t k;

			for (k = 0; k < nnodes && strcmp(nodes[k], node->name) !=
			    0; k++)
				;
			if (k == nnodes)
				continue;
		}
		rc = sudoers_node(mem, &seen, cfg, user, node, cause, len);
	}
	if (fclose(mem) != 0 && rc == 0) {
		snprintf(cause, len, "cannot build the drop-in: out of memory");
		rc = -1;
	}
	if (rc == 0 && fwrite(text, 1, textlen, f) != textlen) {
		snprintf(cause, len, "cannot write the drop-in");
		rc = -1;
	}
	free(text);
	while (seen.n > 0)
		free(seen.v[--seen.n]);
	free(seen.v);
	return rc;
}
