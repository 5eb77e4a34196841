/* Unit tests of the uniform confirmation rules and of read-only mode through
 * the command table: every destructive command asks the same way (preview,
 * --dry-run, --yes, no terminal: refused, typed count over the threshold),
 * and what changes the service is refused with the reason. Nothing here
 * reaches Redis or a node: each case stops before. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "cmd/confirm.h"
#include "core/exitcode.h"
#include "tests/unit/cmd_run.h"

#define DIR "tests/unit/config/"

static struct config *cfg;

/* Runs `line` in batch mode with stdin on /dev/null; output in out. */
static int
run(const char *line, const char *why, char *out, size_t outlen,
    char *cause)
{
	struct cmd_ctx ctx = { 0 };
	int code;

	ctx.cfg = cfg;
	ctx.read_only = why != NULL;
	ctx.read_only_why = why;
	if ((code = cmd_run_line(&ctx, line, out, outlen, cause)) == -1)
		fail_msg("'%s' does not parse: %s", line, cause);
	return code;
}

static int
setup(void **state)
{
	char cause[512];
	int fd;

	(void)state;
	setenv("MAILNOC_TEST_PASSWORD", "x", 1);
	if ((cfg = config_load(DIR "good.json", cause, sizeof cause)) == NULL)
		fail_msg("%s", cause);
	/* Scripts and CI: standard input is not a terminal. */
	if ((fd = open("/dev/null", O_RDONLY)) == -1 || dup2(fd, 0) == -1)
		fail_msg("cannot put /dev/null on standard input");
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

static void
test_typed_rule(void **state)
{
	(void)state;
	assert_false(confirm_typed(1, true, false));
	assert_false(confirm_typed(CONFIRM_TYPED_OVER, true, false));
	assert_true(confirm_typed(CONFIRM_TYPED_OVER + 1, true, false));
	assert_true(confirm_typed(1, true, true));
	/* What can be undone never wants the count typed. */
	assert_false(confirm_typed(100000, false, false));
	assert_false(confirm_typed(100000, false, true));
}

static void
test_cmd_confirm(void **state)
{
	struct cmd_ctx ctx = { 0 };
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	ctx.out = open_memstream(&buf, &len);
	ctx.dry_run = true;
	ctx.yes = true;
	/* --dry-run wins over --yes: it says what, and does nothing. */
	assert_int_equal(cmd_confirm(&ctx, "delete 3 messages", 3, false),
	    CONFIRM_DRY_RUN);
	fflush(ctx.out);
	assert_string_equal(buf, "dry run: would delete 3 messages; nothing "
	    "was done\n");
	ctx.dry_run = false;
	assert_int_equal(cmd_confirm(&ctx, "delete 300 messages", 300, true),
	    CONFIRM_GO);
	ctx.yes = false;
	assert_int_equal(cmd_confirm(&ctx, "delete 3 messages", 3, false),
	    EXIT_USAGE);
	assert_string_equal(ctx.cause, "refusing to delete 3 messages without "
	    "--yes: standard input is not a terminal");
	fclose(ctx.out);
	free(buf);
}

/* The console's side of the one confirmation: asked on the status line. */
static char console_q[700], console_want[32], console_run[256];

static int
console_ask(void *ui, const char *question, const char *want,
    const struct cmd *run)
{
	(void)ui;
	snprintf(console_q, sizeof console_q, "%s", question);
	snprintf(console_want, sizeof console_want, "%s", want);
	cmd_print(run, console_run, sizeof console_run);
	return 0;
}

static void
test_cmd_confirm_console(void **state)
{
	struct cmd_ui ui = { 0 };
	struct cmd_ctx ctx = { 0 };
	char cause[512];
	struct cmd c;

	(void)state;
	ui.ask = console_ask;
	ctx.ui = &ui;
	assert_int_equal(cmd_parse_string("queue delete gw1:4F1A52C3D9", &c,
	    cause, sizeof cause), 0);
	ctx.prepared = &c;
	/* Asked, not done: the answer runs the prepared command. */
	assert_int_equal(cmd_confirm(&ctx, "delete 1 message (gw1 1)", 1,
	    false), CONFIRM_ASKED);
	assert_string_equal(console_q, "delete 1 message (gw1 1)? y/N: ");
	assert_string_equal(console_want, "y");
	assert_string_equal(console_run, "queue delete gw1:4F1A52C3D9");
	/* Over the threshold the count is typed. */
	assert_int_equal(cmd_confirm(&ctx, "delete 300 messages (gw1 300)",
	    300, true), CONFIRM_ASKED);
	assert_string_equal(console_q, "delete 300 messages (gw1 300)? type "
	    "300: ");
	assert_string_equal(console_want, "300");
	/* A dry run says so first; --yes typed at the prompt still asks. */
	c.dry_run = c.yes = true;
	assert_int_equal(cmd_confirm(&ctx, "delete 1 message (gw1 1)", 1,
	    false), CONFIRM_ASKED);
	assert_string_equal(console_q, "dry run (nothing will change): delete "
	    "1 message (gw1 1)? y/N: ");
	assert_string_equal(console_run, "queue delete gw1:4F1A52C3D9 --yes "
	    "--dry-run");
	cmd_free(&c);
}

/* Each destructive command: refused without --yes, previewed with
 * --dry-run, the same way. */
static const struct {
	const char *line;
	const char *preview; /* what the question and the dry run say */
} destructive[] = {
	{ "drain gw1", "mark gw1 draining (its policy service then defers new "
	  "mail), flush its queue and wait until it is empty" },
	{ "undrain gw1", "return gw1 to service (it accepts new mail again)" },
	{ "queue flush gw1:4F1A52C3D9", "flush gw1:4F1A52C3D9 now "
	  "(postqueue -i)" },
	{ "block 192.0.2.7 --permanent --reason test --hold", "block 192.0.2.7 "
	  "permanently and put what it has queued on hold on every gateway" },
	{ "permit remove 192.0.2.7", "remove the relay permit of 192.0.2.7 "
	  "(its mail is refused from then on)" },
};

static void
test_destructive(void **state)
{
	char out[1024], cause[512], line[256], want[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof destructive / sizeof destructive[0]; i++) {
		int code = run(destructive[i].line, NULL, out, sizeof out, cause);

		if (code != EXIT_USAGE)
			fail_msg("'%s' without --yes: exit %d (%s)",
			    destructive[i].line, code, cause);
		snprintf(want, sizeof want, "refusing to %s without --yes: "
		    "standard input is not a terminal", destructive[i].preview);
		assert_string_equal(cause, want);
		assert_string_equal(out, "");

		snprintf(line, sizeof line, "%s --dry-run", destructive[i].line);
		/* block's dry run has its own wording; the rest share it. */
		assert_int_equal(run(line, NULL, out, sizeof out, cause),
		    EXIT_OK);
		assert_non_null(strstr(out, "dry run: would "));
		assert_non_null(strstr(out, "nothing was done"));
	}
}

/* What changes the service, and what it says in read-only mode. */
static void
test_read_only(void **state)
{
	static const char *const refused[] = {
		"block 192.0.2.7 --permanent --reason x", "unblock 192.0.2.7",
		"extend 192.0.2.7 --for 1h", "drain gw1", "undrain gw1",
		"queue delete gw1:4F1A52C3D9", "queue hold gw1:4F1A52C3D9",
		"queue release gw1:4F1A52C3D9", "queue requeue gw1:4F1A52C3D9",
		"queue flush", "permit add 192.0.2.7 dmv",
		"permit remove 192.0.2.7", "permit import x.csv",
		"agency add dmv --name x", "agency set dmv --name x",
		"restore alice --latest",
	};
	const char *why = "the Redis user 'noc' may not write (ACL)";
	char cause[512], want[512], what[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		size_t n = strcspn(refused[i], " ");
		const char *sub = refused[i] + n + 1;

		/* queue, permit and agency: the subcommand is named too. */
		if (strncmp(refused[i], "queue", n) == 0 ||
		    strncmp(refused[i], "permit", n) == 0 ||
		    strncmp(refused[i], "agency", n) == 0)
			n += 1 + strcspn(sub, " ");
		snprintf(what, sizeof what, "%.*s", (int)n, refused[i]);
		if (run(refused[i], why, NULL, 0, cause) != EXIT_DENIED)
			fail_msg("'%s' was not refused: %s", refused[i], cause);
		snprintf(want, sizeof want, "%s: refused, read-only: %s", what,
		    why);
		assert_string_equal(cause, want);
	}
	assert_int_equal(run("drain gw1", CMD_RO_OPTION, NULL, 0, cause),
	    EXIT_DENIED);
	assert_string_equal(cause, "drain: refused, read-only: --read-only");
	assert_string_equal(cmd_read_only_acl(NULL, want, sizeof want),
	    "the Redis user 'default' may not write (ACL)");
}

/* The flags of a line: what a key or a prompt would run. */
static void
test_flags(void **state)
{
	char cause[512];
	struct cmd c;

	(void)state;
	assert_true(cmd_line_flags("block ") & CMD_MUTATES);
	assert_true(cmd_line_flags("extend #{ip} --for ") & CMD_MUTATES);
	assert_true(cmd_line_flags("queue delete") & CMD_CONFIRM);
	assert_false(cmd_line_flags("queue list") & CMD_MUTATES);
	assert_false(cmd_line_flags("permit list") & CMD_MUTATES);
	assert_true(cmd_line_flags("permit import") & CMD_CONFIRM);
	assert_false(cmd_line_flags("nosuchcommand") & CMD_MUTATES);
	assert_false(cmd_line_flags("") & CMD_MUTATES);

	/* The blocklist's + key: a prompt that begins a block. */
	assert_int_equal(cmd_parse_string("prompt \"block \"", &c, cause,
	    sizeof cause), 0);
	assert_true(cmd_flags(&c) & CMD_MUTATES);
	cmd_free(&c);
	/* The filter prompt changes nothing. */
	assert_int_equal(cmd_parse_string("prompt filter", &c, cause,
	    sizeof cause), 0);
	assert_false(cmd_flags(&c) & CMD_MUTATES);
	cmd_free(&c);
}

/* Every subcommand the table declares is one its command accepts. */
static void
test_subs_complete(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];
		const struct cmd_sub *s;

		for (s = e->subs; s != NULL && s->name != NULL; s++) {
			assert_non_null(s->args);
			if (e->usage == NULL || strstr(e->usage, s->name) == NULL)
				fail_msg("%s: subcommand '%s' is not in the usage "
				    "'%s'", e->name, s->name, e->usage);
		}
	}
}

static void
test_help_read_only(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	cmd_print_help(f, true);
	fclose(f);
	assert_null(strstr(buf, "  block "));
	assert_null(strstr(buf, "  drain "));
	assert_null(strstr(buf, "delete"));
	assert_null(strstr(buf, "import"));
	assert_non_null(strstr(buf, "  permit list [AGENCY]"));
	assert_non_null(strstr(buf, "  blocks "));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_rule),
		cmocka_unit_test(test_cmd_confirm),
		cmocka_unit_test(test_cmd_confirm_console),
		cmocka_unit_test(test_destructive),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_subs_complete),
		cmocka_unit_test(test_help_read_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
