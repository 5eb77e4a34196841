/* Remote command lines built safely: quoting, typed templates, sudo. */
#ifndef MAILNOC_SHELL_H
#define MAILNOC_SHELL_H

#include <stdbool.h>
#include <stddef.h>

/* The longest command line a template may expand to, NUL included. */
#define SHELL_CMD_MAX 8192

/*
 * A value for the placeholder {name} of a template. `check` is one of the
 * core/validate.h validators (NULL when accepted, else what is accepted);
 * every variable must have one.
 */
struct shell_var {
	const char *name;
	const char *value;
	const char *(*check)(const char *);
};

/*
 * Writes `s` into `out` as one word for a POSIX shell: always inside single
 * quotes, each ' written as '\'' (so "it's" becomes 'it'\''s' and "" becomes
 * ''). Nothing inside single quotes is special to sh, bash or dash.
 * Control characters (0x01-0x1f and 0x7f, tab and newline included) are
 * refused: no value a command takes needs them, and refusing them keeps every
 * command one readable line in logs and in the audit. Bytes >= 0x80 pass.
 * Returns the length written, or -1 with `cause` set and `out` empty.
 */
int shell_quote(const char *s, char *out, size_t len, char *cause,
    size_t causelen);

/*
 * Expands `tmpl`: each {name} becomes the matching variable's value, checked
 * by its validator and then quoted with shell_quote; {{ and }} stand for
 * literal braces. Names are [a-z_][a-z0-9_]*, at most 32 characters.
 * Returns the length of the command written to `out`, or -1 with `cause` set
 * to one line naming the template or the variable and `out` empty, for:
 * a brace that opens or closes no placeholder, an unknown placeholder, a
 * variable without a value or validator, a value its validator refuses or
 * that shell_quote refuses, or a result longer than len - 1 bytes.
 */
int shell_expand(const char *tmpl, const struct shell_var *vars,
    size_t nvars, char *out, size_t len, char *cause, size_t causelen);

/*
 * Checks a template from the configuration without values: its braces and
 * that every placeholder is one of `names` (a NULL-terminated list).
 * Returns 0, or -1 with `cause` set as shell_expand would set it.
 */
int shell_template_check(const char *tmpl, const char *const *names,
    char *cause, size_t causelen);

/*
 * Prefixes the command in `cmd` (a buffer of `len` bytes) with "sudo -n "
 * when `sudo` is true (ssh.sudo in the configuration), so a privileged
 * command fails at once instead of waiting for a password. It applies to
 * the first simple command only: privileged templates must be one command.
 * Returns 0, or -1 with `cause` set when the result does not fit (`cmd` is
 * then unchanged).
 */
int shell_sudo(char *cmd, size_t len, bool sudo, char *cause,
    size_t causelen);


#endif
