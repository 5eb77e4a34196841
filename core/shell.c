/* Remote command lines: single-quoting, checked templates, sudo, queue IDs. */
#include "core/shell.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define SHELL_NAME_MAX 32
/* How much of a value or template an error message shows. */
#define SHELL_SHOW_MAX 48

static const char sudo_prefix[] = "sudo -n ";

/* Returns the first control character of s, or 0. */
static int
shell_control(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return *p;
	}
	return 0;
}

/*
 * Copies s for an error message: at most SHELL_SHOW_MAX bytes, control
 * characters as \xNN, "..." when cut. The caller's buffer holds 4 times that.
 */
static const char *
shell_show(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, shown = 0;

	for (; *p != '\0' && shown < SHELL_SHOW_MAX && n + 5 < len; p++) {
		if (*p < 0x20 || *p == 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", *p);
		else
			buf[n++] = (char)*p;
		shown++;
	}
	if (*p != '\0' && n + 4 <= len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

int
shell_quote(const char *s, char *out, size_t len, char *cause,
    size_t causelen)
{
	char shown[SHELL_SHOW_MAX * 4 + 8];
	const char *p;
	size_t need = 2, n = 0;
	int c;

	if (len > 0)
		out[0] = '\0';
	if ((c = shell_control(s)) != 0) {
		snprintf(cause, causelen, "cannot quote '%s': control "
		    "characters such as 0x%02x are not accepted",
		    shell_show(s, shown, sizeof shown), c);
		return -1;
	}
	for (p = s; *p != '\0'; p++)
		need += *p == '\'' ? 4 : 1;
	if (need >= len || need > INT_MAX) {
		snprintf(cause, causelen, "cannot quote '%s': it needs %zu "
		    "bytes quoted, more than the %zu available",
		    shell_show(s, shown, sizeof shown), need,
		    len > 0 ? len - 1 : 0);
		return -1;
	}
	out[n++] = '\'';
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(out + n, "'\\''", 4);
			n += 4;
		} else
			out[n++] = *p;
	}
	out[n++] = '\'';
	out[n] = '\0';
	return (int)n;
}

/* Lists the known placeholders as "{a}, {b}" for a message. */
static void
shell_known(const struct shell_var *vars, size_t nvars,
    const char *const *names, char *buf, size_t len)
{
	size_t i, n = 0;
	const char *name;

	buf[0] = '\0';
	for (i = 0;; i++) {
		if (vars != NULL)
			name = i < nvars ? vars[i].name : NULL;
		else
			name = names[i];
		if (name == NULL || n >= len)
			break;
		n += (size_t)snprintf(buf + n, len - n, "%s{%s}",
		    i > 0 ? ", " : "", name);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

/*
 * Walks the template: with `out`, expands it from `vars`; without, only
 * checks it against `vars` or `names`. Returns the length or -1 with cause.
 */
static int
shell_walk(const char *tmpl, const struct shell_var *vars, size_t nvars,
    const char *const *names, char *out, size_t len, char *cause,
    size_t causelen)
{
	char shown[SHELL_SHOW_MAX * 4 + 8], value[SHELL_SHOW_MAX * 4 + 8];
	char known[256], name[SHELL_NAME_MAX + 1];
	const struct shell_var *var;
	const char *accepted;
	size_t i = 0, j, k, n = 0, namelen;
	int c, q, squote = 0, dquote = 0, bslash = 0;

	if (out != NULL && len > 0)
		out[0] = '\0';
	if ((c = shell_control(tmpl)) != 0) {
		snprintf(cause, causelen, "template '%s': control characters "
		    "such as 0x%02x are not accepted",
		    shell_show(tmpl, shown, sizeof shown), c);
		return -1;
	}
	while (tmpl[i] != '\0') {
		c = (unsigned char)tmpl[i];
		/* Where the shell would be reading: a value is quoted whole. */
		if (bslash)
			bslash = 0;
		else if (c == '\\' && squote == 0)
			bslash = 1;
		else if (c == '\'' && dquote == 0)
			squote ^= 1;
		else if (c == '"' && squote == 0)
			dquote ^= 1;
		if ((c == '{' || c == '}') && tmpl[i + 1] == c)
			i++;
		else if (c == '}') {
			snprintf(cause, causelen, "template '%s': '}' at column "
			    "%zu closes no placeholder; write '}}' for a "
			    "literal '}'", shell_show(tmpl, shown, sizeof shown),
			    i + 1);
			goto fail;
		} else if (c == '{') {
			for (j = i + 1; (tmpl[j] >= 'a' && tmpl[j] <= 'z') ||
			    tmpl[j] == '_' || (j > i + 1 && tmpl[j] >= '0' &&
			    tmpl[j] <= '9'); j++)
				;
			namelen = j - i - 1;
			if (namelen == 0 || namelen > SHELL_NAME_MAX ||
			    tmpl[j] != '}') {
				snprintf(cause, causelen, "template '%s': '{' at "
				    "column %zu opens no placeholder {name}; "
				    "write '{{' for a literal '{'",
				    shell_show(tmpl, shown, sizeof shown), i + 1);
				goto fail;
			}
			memcpy(name, tmpl + i + 1, namelen);
			name[namelen] = '\0';
			if (squote || dquote) {
				snprintf(cause, causelen, "template '%s': "
				    "placeholder {%s} at column %zu is inside "
				    "quotes; write it bare: its value is "
				    "shell-quoted already",
				    shell_show(tmpl, shown, sizeof shown), name,
				    i + 1);
				goto fail;
			}
			var = NULL;
			for (k = 0; vars != NULL && k < nvars; k++) {
				if (strcmp(vars[k].name, name) == 0) {
					var = &vars[k];
					break;
				}
			}
			if (vars == NULL) {
				for (k = 0; names[k] != NULL; k++) {
					if (strcmp(names[k], name) == 0)
						break;
				}
			}
			if ((vars != NULL && var == NULL) ||
			    (vars == NULL && names[k] == NULL)) {
				shell_known(vars, nvars, names, known,
				    sizeof known);
				snprintf(cause, causelen, "template '%s': unknown "
				    "placeholder {%s}; known: %s",
				    shell_show(tmpl, shown, sizeof shown), name,
				    known);
				goto fail;
			}
			i = j + 1;
			if (out == NULL)
				continue;
			if (var->check == NULL) {
				snprintf(cause, causelen, "{%s} has no "
				    "validator", name);
				goto fail;
			}
			if (var->value == NULL) {
				snprintf(cause, causelen, "{%s} has no value",
				    name);
				goto fail;
			}
			if ((accepted = var->check(var->value)) != NULL) {
				snprintf(cause, causelen, "invalid {%s} '%s': %s",
				    name, shell_show(var->value, value,
				    sizeof value), accepted);
				goto fail;
			}
			if ((c = shell_control(var->value)) != 0) {
				snprintf(cause, causelen, "invalid {%s} '%s': "
				    "control characters such as 0x%02x are not "
				    "accepted", name, shell_show(var->value, value,
				    sizeof value), c);
				goto fail;
			}
			q = shell_quote(var->value, out + n, len - n, cause,
			    causelen);
			if (q == -1) {
				snprintf(cause, causelen, "the command is longer "
				    "than %zu bytes after substituting {%s}",
				    len > 0 ? len - 1 : 0, name);
				goto fail;
			}
			n += (size_t)q;
			continue;
		}
		/* A literal character (or the first of a doubled brace). */
		if (out != NULL) {
			if (n + 1 >= len || n + 1 > INT_MAX) {
				snprintf(cause, causelen, "template '%s' gives a "
				    "command longer than %zu bytes",
				    shell_show(tmpl, shown, sizeof shown),
				    len > 0 ? len - 1 : 0);
				goto fail;
			}
			out[n++] = (char)c;
			out[n] = '\0';
		}
		i++;
	}
	return (int)n;

fail:
	if (out != NULL && len > 0)
		out[0] = '\0';
	return -1;
}

int
shell_expand(const char *tmpl, const struct shell_var *vars, size_t nvars,
    char *out, size_t len, char *cause, size_t causelen)
{
	static const struct shell_var none[1];

	return shell_walk(tmpl, vars != NULL ? vars : none,
	    vars != NULL ? nvars : 0, NULL, out, len, cause, causelen);
}

int
shell_template_check(const char *tmpl, const char *const *names,
    char *cause, size_t causelen)
{
	static const char *const none[] = { NULL };

	return shell_walk(tmpl, NULL, 0, names != NULL ? names : none, NULL, 0,
	    cause, causelen) == -1 ? -1 : 0;
}

int
shell_sudo(char *cmd, size_t len, bool sudo, char *cause, size_t causelen)
{
	size_t cmdlen, plen = sizeof sudo_prefix - 1;

	if (!sudo)
		return 0;
	cmdlen = strlen(cmd);
	if (cmdlen + plen >= len) {
		snprintf(cause, causelen, "the command is longer than %zu bytes "
		    "with \"sudo -n\"", len > 0 ? len - 1 : 0);
		return -1;
	}
	memmove(cmd + plen, cmd, cmdlen + 1);
	memcpy(cmd, sudo_prefix, plen);
	return 0;
}
