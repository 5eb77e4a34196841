/* Unit tests of block, unblock, extend, blocks, permit, agency and agencies
 * through the command table: what is refused before Redis is touched, dry
 * runs, and the console's path (a question, then the same command as a
 * background job; views). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "tests/unit/cmd_run.h"

/* What the fake console saw. */
static char asked[512], job[1024], shown[64];
static const char *selected;

static int
fake_view(void *ui, const char *name, char *cause, size_t len)
{
	(void)ui;
	if (strcmp(name, "blocklist") != 0 && strcmp(name, "agencies") != 0) {
		snprintf(cause, len, "no view '%s'", name);
		return -1;
	}
	snprintf(shown, sizeof shown, "%s", name);
	return 0;
}

/* The console's question: the command it would run is printed. */
static int
fake_ask(void *ui, const char *question, const char *want,
    const struct cmd *run)
{
	(void)ui;
	(void)want;
	snprintf(asked, sizeof asked, "%s", question);
	cmd_print(run, job, sizeof job);
	return 0;
}

static int
fake_show(void *ui, const char *name, const struct cmd *c, char *cause,
    size_t len)
{
	(void)c;
	return fake_view(ui, name, cause, len);
}

/* The queues view's tagged rows, sorted; NULL ends them. */
static const char *const *tagged;

static int
fake_selection(void *ui, const char *what, char ***out)
{
	int n = 0;

	(void)ui;
	*out = NULL;
	if (strcmp(what, "message") == 0 && tagged != NULL) {
		while (tagged[n] != NULL)
			n++;
		*out = calloc((size_t)n + 1, sizeof **out);
		for (n = 0; tagged[n] != NULL; n++)
			(*out)[n] = strdup(tagged[n]);
		return n;
	}
	if (strcmp(what, "ip") != 0)
		return -1;
	if (selected == NULL)
		return 0;
	*out = calloc(1, sizeof **out);
	(*out)[0] = strdup(selected);
	return 1;
}

static const struct cmd_ui fake_ui = {
	.view = fake_view,
	.ask = fake_ask,
	.show = fake_show,
	.selection = fake_selection,
};

/* Runs a line in batch mode (no Redis: ctx->cfg is NULL); output in out. */
static int
run(const char *line, bool read_only, char *out, size_t outlen, char *cause)
{
	struct cmd_ctx ctx = { 0 };

	ctx.read_only = read_only;
	return cmd_run_line(&ctx, line, out, outlen, cause);
}

/* Runs a line in the fake console. */
static int
run_console(const char *line, char *cause)
{
	struct cmd_ctx ctx = { 0 };
	struct cmd c;
	int code;

	asked[0] = job[0] = shown[0] = '\0';
	ctx.ui = &fake_ui;
	if (cmd_parse_string(line, &c, cause, 512) == -1)
		return -1;
	code = cmd_exec(&c, &ctx);
	cmd_free(&c);
	snprintf(cause, 512, "%s", ctx.cause);
	return code;
}

struct refusal {
	const char *line;
	int code;
	const char *cause;
};

static const struct refusal refusals[] = {
	{ "block 10.0.0.0/8 --for 2h --reason spam", EXIT_USAGE,
	  "cannot block '10.0.0.0/8': only single addresses are accepted, not "
	  "ranges (CIDR prefixes); give each address" },
	{ "block 10.1.*.* --permanent --reason spam", EXIT_USAGE,
	  "cannot block '10.1.*.*': only single addresses are accepted, not "
	  "wildcards; give each address" },
	{ "block relay.dmv.example --permanent --reason spam", EXIT_USAGE,
	  "cannot block 'relay.dmv.example': host names are not accepted; give "
	  "the client's IP address" },
	{ "block 192.0.2.1 --reason spam", EXIT_USAGE,
	  "block: how long? give --for DURATION (such as 30m, 2h or 7d) or "
	  "--permanent" },
	{ "block 192.0.2.1 --for 2h --permanent --reason spam", EXIT_USAGE,
	  "block: give --for or --permanent, not both" },
	{ "block 192.0.2.1 --for 2 --reason spam", EXIT_USAGE,
	  "block: --for '2' is not accepted; use a number and a unit s, m, h, "
	  "d or w (such as 30s, 15m, 2h, 7d, 1w or 1h30m), from 1s to 365d" },
	{ "block 192.0.2.1 --for 366d --reason spam", EXIT_USAGE,
	  "block: --for '366d' is not accepted; use a number and a unit s, m, "
	  "h, d or w (such as 30s, 15m, 2h, 7d, 1w or 1h30m), from 1s to 365d" },
	{ "block 192.0.2.1 --for 2h", EXIT_USAGE,
	  "block: say why with --reason TEXT (operators see it in 'blocks' and "
	  "the events)" },
	{ "block 192.0.2.1 --for 2h --reason \"a\tb\"", EXIT_USAGE,
	  "block: --reason is not accepted: control characters (tabs, new "
	  "lines, escapes) are not accepted" },
	{ "unblock", EXIT_USAGE, "unblock: which IP? usage: unblock IP" },
	{ "unblock 2001:db8::/48", EXIT_USAGE,
	  "cannot unblock '2001:db8::/48': only single addresses are "
	  "accepted, not ranges (CIDR prefixes); give each address" },
	{ "extend 192.0.2.1", EXIT_USAGE,
	  "extend: how long? give --for DURATION (such as 30m, 2h or 7d) or "
	  "--permanent" },
	{ "extend --for 1h", EXIT_USAGE, "extend: which IP? usage: extend IP" },
	{ "permit", -1, "permit: missing argument; usage: permit [--app VALUE] "
	  "[--expected VALUE] add IP AGENCY|remove IP|list [AGENCY]|import "
	  "FILE.csv" },
	{ "permit grant 192.0.2.1", EXIT_USAGE,
	  "permit: no subcommand 'grant'; use add, remove, list or import" },
	{ "permit add 192.0.2.1", EXIT_USAGE, "permit add: missing argument; "
	  "usage: permit add IP AGENCY [--app TEXT] [--expected N]" },
	{ "permit add 192.0.2.0/24 dmv", EXIT_USAGE,
	  "cannot permit '192.0.2.0/24': only single addresses are accepted, "
	  "not ranges (CIDR prefixes); give each address" },
	{ "permit add 192.0.2.1 'D M V'", EXIT_USAGE,
	  "permit add: 'D M V' is not an agency id: use 1-32 letters, digits, "
	  "'.', '_' or '-', starting with a letter or digit" },
	{ "permit add 192.0.2.1 dmv --expected -5", EXIT_USAGE,
	  "permit add: --expected '-5' is not accepted; use a whole number of "
	  "messages per day, 0 or more" },
	{ "permit list --app x", EXIT_USAGE,
	  "permit list: --app applies to 'permit add' only" },
	{ "permit remove", EXIT_USAGE, "permit remove: missing argument; usage: "
	  "permit remove IP" },
	{ "permit import /nonexistent/inventory.csv", EXIT_USAGE,
	  "permit import: cannot read '/nonexistent/inventory.csv': No such "
	  "file or directory" },
	{ "agency add dmv", EXIT_USAGE,
	  "agency add: give the agency's name with --name TEXT" },
	{ "agency set dmv", EXIT_USAGE, "agency set: nothing to change; give "
	  "--name, --contact, --daily, --max-rcpts, --max-per-minute, "
	  "--bulk-rcpts or --domains" },
	{ "agency add dmv --name DMV --daily many", EXIT_USAGE,
	  "agency add: --daily 'many' is not accepted; use a whole number of "
	  "messages per day (0: not declared)" },
	{ "agency set dmv --bulk-rcpts 0", EXIT_USAGE,
	  "agency set: --bulk-rcpts '0' is not accepted; use 1 or more "
	  "recipients per 10 minutes, or none" },
	{ "agency set dmv --max-rcpts -1", EXIT_USAGE,
	  "agency set: --max-rcpts '-1' is not accepted; use a whole number, 0 "
	  "for no limit" },
	{ "agency list --daily 5", EXIT_USAGE,
	  "agency list: --daily applies to 'agency add' and 'agency set' only" },
	{ "agency show", EXIT_USAGE,
	  "agency show: missing argument; usage: agency show ID" },
	{ "agency fire dmv", EXIT_USAGE,
	  "agency: no subcommand 'fire'; use add, set, list or show" },
	{ "blocks extra", -1, "blocks: unexpected argument 'extra'; usage: "
	  "blocks" },
};

static void
test_refused(void **state)
{
	char cause[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		int code = run(refusals[i].line, false, NULL, 0, cause);

		if (code != refusals[i].code)
			fail_msg("'%s': exit %d, wanted %d (%s)", refusals[i].line,
			    code, refusals[i].code, cause);
		assert_string_equal(cause, refusals[i].cause);
	}
}

static void
test_read_only(void **state)
{
	char cause[512];

	(void)state;
	assert_int_equal(run("block 192.0.2.1 --for 1h --reason x", true, NULL,
	    0, cause), EXIT_DENIED);
	assert_string_equal(cause, "block: refused in read-only mode; it "
	    "changes the service");
	assert_int_equal(run("unblock 192.0.2.1", true, NULL, 0, cause),
	    EXIT_DENIED);
	assert_int_equal(run("extend 192.0.2.1 --permanent", true, NULL, 0,
	    cause), EXIT_DENIED);
	/* permit and agency read too: only their changing subcommands. */
	assert_int_equal(run("permit add 192.0.2.1 dmv", true, NULL, 0, cause),
	    EXIT_DENIED);
	assert_string_equal(cause, "permit add: refused in read-only mode; it "
	    "changes the service");
	assert_int_equal(run("permit import x.csv", true, NULL, 0, cause),
	    EXIT_DENIED);
	assert_int_equal(run("agency set dmv --daily 5", true, NULL, 0, cause),
	    EXIT_DENIED);
	assert_string_equal(cause, "agency set: refused in read-only mode; it "
	    "changes the service");
}

static void
test_dry_run(void **state)
{
	static const struct {
		const char	*line, *out;
	} dry[] = {
		{ "block 2001:DB8::7 --permanent --reason 'open relay' "
		  "--dry-run",
		  "dry run: would block 2001:db8::7 permanently: open relay; "
		  "nothing was done\n" },
		{ "unblock 192.0.2.1 --dry-run",
		  "dry run: would unblock 192.0.2.1; nothing was done\n" },
		{ "permit add 192.0.2.1 dmv --dry-run --json",
		  "{\"dry_run\":true,\"ip\":\"192.0.2.1\","
		  "\"agency\":\"dmv\"}\n" },
		{ "agency add dmv --name DMV --dry-run",
		  "dry run: would add agency dmv; nothing was done\n" },
	};
	char out[1024], cause[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof dry / sizeof dry[0]; i++) {
		assert_int_equal(run(dry[i].line, false, out, sizeof out,
		    cause), EXIT_OK);
		assert_string_equal(out, dry[i].out);
	}
}

static void
test_console(void **state)
{
	char cause[512];
	struct cmd c;

	(void)state;
	/* block asks, then runs the same command, quoted, in the background. */
	assert_int_equal(run_console("block 192.0.2.9 --for 2h --reason "
	    "'spam \"run\" to yahoo'", cause), EXIT_OK);
	assert_non_null(strstr(asked, "block 192.0.2.9 for 2h, until "));
	assert_non_null(strstr(asked, ": refuse its mail? y/N: "));
	assert_string_equal(job, "block 192.0.2.9 --for 2h --reason \"spam "
	    "\\\"run\\\" to yahoo\"");
	assert_int_equal(cmd_parse_string(job, &c, cause, sizeof cause), 0);
	assert_string_equal(cmd_option(&c, "reason"), "spam \"run\" to yahoo");
	assert_string_equal(c.argv[0], "192.0.2.9");
	cmd_free(&c);

	assert_int_equal(run_console("block 192.0.2.9 --permanent --reason x",
	    cause), EXIT_OK);
	assert_string_equal(asked, "block 192.0.2.9 permanently: refuse its "
	    "mail? y/N: ");
	assert_string_equal(job, "block 192.0.2.9 --permanent --reason x");

	/* Bad input is refused at once: nothing asked. */
	assert_int_equal(run_console("block 10.0.0.0/8 --for 1h --reason x",
	    cause), EXIT_USAGE);
	assert_string_equal(asked, "");

	/* unblock and extend take the blocklist's selected IP. */
	selected = "2001:db8::5";
	assert_int_equal(run_console("unblock", cause), EXIT_OK);
	assert_string_equal(asked, "unblock 2001:db8::5: accept its mail "
	    "again? y/N: ");
	assert_string_equal(job, "unblock 2001:db8::5");
	assert_int_equal(run_console("extend --permanent", cause), EXIT_OK);
	assert_string_equal(job, "extend 2001:db8::5 --permanent");
	selected = NULL;
	assert_int_equal(run_console("unblock", cause), EXIT_USAGE);
	assert_string_equal(cause, "unblock: which IP? usage: unblock IP");

	/* Lists switch views. */
	assert_int_equal(run_console("blocks", cause), EXIT_OK);
	assert_string_equal(shown, "blocklist");
	assert_int_equal(run_console("agencies", cause), EXIT_OK);
	assert_string_equal(shown, "agencies");
	assert_int_equal(run_console("agency list", cause), EXIT_OK);
	assert_string_equal(shown, "agencies");

	/* Changes to permits and agencies also ask and run in the background. */
	assert_int_equal(run_console("permit add 192.0.2.9 dmv --app 'Plates "
	    "printer' --expected 300", cause), EXIT_OK);
	assert_string_equal(asked, "permit 192.0.2.9 to relay for agency dmv? "
	    "y/N: ");
	assert_string_equal(job, "permit add 192.0.2.9 dmv --app \"Plates "
	    "printer\" --expected 300");
	assert_int_equal(run_console("agency set dmv --bulk-rcpts none --daily "
	    "5000", cause), EXIT_OK);
	assert_string_equal(job, "agency set dmv --bulk-rcpts none --daily "
	    "5000");
}

/* A queue action from a key: the view's selection becomes NODE:ID
 * arguments of the command the console asks about and then runs. */
static void
test_console_queue(void **state)
{
	static const char *const rows[] = { "gw1:4F1A52C3D9", "gw1:5A2B3C4D5E",
		"gw2:6B7C8D9E0F", NULL };
	char cause[512];

	(void)state;
	tagged = NULL;
	assert_int_equal(run_console("queue hold", cause), EXIT_USAGE);
	assert_string_equal(cause, "queue hold: open the queues view first "
	    "(3)");
	tagged = rows;
	assert_int_equal(run_console("queue hold", cause), EXIT_OK);
	assert_string_equal(asked, "hold 3 messages (gw1 2, gw2 1, e.g. "
	    "gw1:4F1A52C3D9)? y/N: ");
	assert_string_equal(job, "queue hold gw1:4F1A52C3D9 gw1:5A2B3C4D5E "
	    "gw2:6B7C8D9E0F");
	/* Deleting can not be undone: with more than 100 the count is typed. */
	assert_int_equal(run_console("queue delete", cause), EXIT_OK);
	assert_string_equal(asked, "delete 3 messages (gw1 2, gw2 1, e.g. "
	    "gw1:4F1A52C3D9)? y/N: ");
	/* flush: one message, or every gateway's whole queue. */
	assert_int_equal(run_console("queue flush", cause), EXIT_OK);
	assert_string_equal(job, "queue flush");
	tagged = rows + 2;
	assert_int_equal(run_console("queue flush", cause), EXIT_OK);
	assert_string_equal(asked, "flush gw2:6B7C8D9E0F (postqueue -i)? y/N: ");
	assert_string_equal(job, "queue flush gw2:6B7C8D9E0F");
	tagged = NULL;
}

static void
test_console_import(void **state)
{
	char path[] = "/tmp/test_policy_cmds_XXXXXX", cause[512], line[600];
	FILE *f;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("agency,ip\ndmv,192.0.2.1\ndmv,192.0.2.2\n", f);
	fclose(f);
	snprintf(line, sizeof line, "permit import %s", path);
	assert_int_equal(run_console(line, cause), EXIT_OK);
	assert_non_null(strstr(asked, "import 2 relay permits from "));
	assert_string_equal(job, line);

	/* Bad rows are reported at once, the first one on the status line. */
	assert_non_null(f = fopen(path, "w"));
	fputs("agency,ip\ndmv,192.0.2.1\ndmv,10.0.0.0/8\ndmv,192.0.2.1\n", f);
	fclose(f);
	assert_int_equal(run_console(line, cause), EXIT_FAILED);
	assert_string_equal(asked, "");
	assert_non_null(strstr(cause, "permit import: 2 errors, nothing was "
	    "imported; first: "));
	assert_non_null(strstr(cause, ":3: ip '10.0.0.0/8': only single "));
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_console_queue),
		cmocka_unit_test(test_console_import),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
