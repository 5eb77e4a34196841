/* For the unit tests of commands: runs a command line through the command
 * table as batch mode would, and checks which command a word finds.
 * Include after cmocka.h and cmd/cmd.h. */
#ifndef MAILNOC_TEST_CMD_RUN_H
#define MAILNOC_TEST_CMD_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Runs `line` with ctx (the caller sets what the case needs: cfg,
 * read_only...); what it prints in out (outlen bytes; out may be NULL),
 * ctx->cause in cause (512 bytes). The command's exit code, or -1 when the
 * line does not parse (cause says why).
 */
static __attribute__((unused)) int
cmd_run_line(struct cmd_ctx *ctx, const char *line, char *out, size_t outlen,
    char *cause)
{
	struct cmd c;
	char *buf = NULL;
	size_t len = 0;
	int code;

	if (cmd_parse_string(line, &c, cause, 512) == -1)
		return -1;
	ctx->out = open_memstream(&buf, &len);
	code = cmd_exec(&c, ctx);
	cmd_free(&c);
	fclose(ctx->out);
	ctx->out = NULL;
	snprintf(cause, 512, "%s", ctx->cause);
	if (out != NULL)
		snprintf(out, outlen, "%s", buf != NULL ? buf : "");
	free(buf);
	return code;
}

/*
 * Fails unless the command word `word` finds is `name`; with name NULL,
 * unless it finds none (and says `why`, unless why is NULL too).
 */
static __attribute__((unused)) void
assert_finds(const char *word, const char *name, const char *why)
{
	const struct cmd_entry *e;
	char cause[512];

	cause[0] = '\0';
	e = cmd_find(word, cause, sizeof cause);
	if (name == NULL) {
		if (e != NULL)
			fail_msg("'%s' finds %s, not none", word, e->name);
		if (why != NULL)
			assert_string_equal(cause, why);
		return;
	}
	if (e == NULL)
		fail_msg("'%s' finds none (%s), not %s", word, cause, name);
	if (strcmp(e->name, name) != 0)
		fail_msg("'%s' finds %s, not %s", word, e->name, name);
}

#endif
