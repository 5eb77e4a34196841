/* Unit tests of the command table: lookup, parsing, messages, keymap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "tui/keymap.h"
#include "tests/unit/cmd_run.h"

static int
parse(const char *line, struct cmd *c, char *cause)
{
	cause[0] = '\0';
	return cmd_parse_string(line, c, cause, 512);
}

static void
test_find(void **state)
{
	/* What each word finds: a command's name, or none and why. */
	static const struct {
		const char	*word, *name, *why;
	} finds[] = {
		{ "nodes", "nodes", NULL },
		/* Aliases and unique prefixes. */
		{ "overview", "nodes", NULL },
		{ "q", "quit", NULL },
		{ "?", "help", NULL },
		{ "clu", "clusters", NULL },
		{ "st", "status", NULL },
		/* Nothing near: no suggestion ("bogus" is near "logs"). */
		{ "frobnicate", NULL,
		    "unknown command 'frobnicate'; see 'help'" },
		{ "ev", "events", NULL },
		{ "", NULL, NULL },
		/* A prefix two names share is refused with both names. */
		{ "qu", NULL, "ambiguous command 'qu': queue, quarantine, quit" },
		{ "que", "queue", NULL },
		/* "q" is quit's alias, so it is not ambiguous. */
		{ "q", "quit", NULL },
		/* block and blocks, agency and agencies: exact names win. */
		{ "block", "block", NULL },
		{ "blocks", "blocks", NULL },
		{ "agency", "agency", NULL },
		{ "agencies", "agencies", NULL },
		{ "perm", "permit", NULL },
		{ "unb", "unblock", NULL },
		{ "ext", "extend", NULL },
		/* "e" was events alone; extend shares it now. */
		{ "e", NULL, "ambiguous command 'e': events, extend" },
		{ "un", NULL, "ambiguous command 'un': undrain, unblock" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof finds / sizeof finds[0]; i++)
		assert_finds(finds[i].word, finds[i].name, finds[i].why);
}

static void
test_parse(void **state)
{
	char cause[512];
	struct cmd c;

	(void)state;
	assert_int_equal(parse("events --count 5 --json", &c, cause), 0);
	assert_string_equal(c.entry->name, "events");
	assert_string_equal(cmd_option(&c, "count"), "5");
	assert_true(c.json);
	assert_false(c.yes);
	cmd_free(&c);

	assert_int_equal(parse("events --count=7", &c, cause), 0);
	assert_string_equal(cmd_option(&c, "count"), "7");
	cmd_free(&c);

	assert_int_equal(parse("filter 'mbx 1'", &c, cause), 0);
	assert_int_equal(c.argc, 1);
	assert_string_equal(c.argv[0], "mbx 1");
	cmd_free(&c);

	assert_int_equal(parse("filter \"a\\\"b\"", &c, cause), 0);
	assert_string_equal(c.argv[0], "a\"b");
	cmd_free(&c);

	assert_int_equal(parse("help nodes", &c, cause), 0);
	assert_string_equal(c.argv[0], "nodes");
	cmd_free(&c);

	/* A prefix is enough for what only reads. */
	assert_int_equal(parse("que list", &c, cause), 0);
	assert_string_equal(c.entry->name, "queue");
	cmd_free(&c);

	/* COMMAND --help is help COMMAND, even without its arguments. */
	assert_int_equal(parse("block --help", &c, cause), 0);
	assert_string_equal(c.entry->name, "help");
	assert_int_equal(c.argc, 1);
	assert_string_equal(c.argv[0], "block");
	cmd_free(&c);
	assert_int_equal(parse("unb --help", &c, cause), 0);
	assert_string_equal(c.argv[0], "unblock");
	cmd_free(&c);

	/* "--" ends the options. */
	assert_int_equal(parse("filter -- --json", &c, cause), 0);
	assert_string_equal(c.argv[0], "--json");
	assert_false(c.json);
	cmd_free(&c);
}

struct bad {
	const char *line;
	const char *message;
};

static const struct bad bad_lines[] = {
	{ "frobnicate", "unknown command 'frobnicate'; see 'help'" },
	{ "", "no command given; see 'help'" },
	{ "nodes extra", "nodes: unexpected argument 'extra'; usage: nodes [--names]" },
	{ "view", "view: missing argument; usage: view overview|clusters|queues|blocklist|agencies|audit|restore|alerts|providers|reputation|filter|trace" },
	{ "events --count", "events: option '--count' needs a value" },
	{ "events --count=", "events: option '--count' needs a non-empty "
	    "value" },
	{ "events --colour", "events: unknown option '--colour'; usage: events "
	    "[--count VALUE]" },
	{ "nodes --json=yes", "nodes: option '--json' takes no value" },
	{ "filter 'open", "unterminated single quote in 'filter 'open'" },
	{ "help a b", "help: unexpected argument 'b'; usage: help [COMMAND]" },
	{ "drain gw1 gw2", "drain: unexpected argument 'gw2'; usage: drain "
	    "[--timeout VALUE] NODE" },
	/* Typos get a suggestion; prefixes never run what changes. */
	{ "blcok 192.0.2.1", "unknown command 'blcok'; did you mean 'block'? "
	    "see 'help'" },
	{ "events --cuont 5", "events: unknown option '--cuont'; did you mean "
	    "'--count'? usage: events [--count VALUE]" },
	{ "unb 192.0.2.1", "'unb' is short for 'unblock', which changes the "
	    "service: type its whole name" },
	{ "que hold gw1:ABC", "'que' is short for 'queue', which changes the "
	    "service: type its whole name" },
	{ "queue", "queue: missing argument; usage: queue [OPTIONS] "
	    "list|summary|show|flush|hold|release|requeue|delete|tag|sort "
	    "[NODE:ID...]" },
};

static void
test_bad(void **state)
{
	char cause[512];
	struct cmd c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		if (parse(bad_lines[i].line, &c, cause) != -1)
			fail_msg("'%s' was accepted", bad_lines[i].line);
		assert_string_equal(cause, bad_lines[i].message);
	}
}

static int exec_views;

static int
fake_view(void *ui, const char *name, char *cause, size_t len)
{
	(void)ui;
	(void)cause;
	(void)len;
	if (strcmp(name, "clusters") == 0)
		exec_views++;
	return 0;
}

static int
fake_show(void *ui, const char *name, const struct cmd *c, char *cause,
    size_t len)
{
	(void)c;
	return fake_view(ui, name, cause, len);
}

static void
test_exec(void **state)
{
	struct cmd_ui ui = { 0 };
	struct cmd_ctx ctx = { 0 };
	char cause[512];

	(void)state;
	ui.view = fake_view;
	ui.show = fake_show;
	/* Console-only commands are refused in batch mode. */
	assert_int_equal(cmd_run_line(&ctx, "quit", NULL, 0, cause),
	    EXIT_USAGE);
	assert_string_equal(cause, "quit: only available in the console");

	/* In the console a data command switches to its view. */
	ctx.ui = &ui;
	assert_int_equal(cmd_run_line(&ctx, "clusters", NULL, 0, cause),
	    EXIT_OK);
	assert_int_equal(exec_views, 1);

	/* Read-only: what changes the service is refused before it runs. */
	ctx.read_only = true;
	assert_int_equal(cmd_run_line(&ctx, "queue hold gw1:4F1A52C3D9", NULL,
	    0, cause), EXIT_DENIED);
	assert_string_equal(cause, "queue hold: refused in read-only mode; "
	    "it changes the service");
	assert_int_equal(cmd_run_line(&ctx, "drain gw2", NULL, 0, cause),
	    EXIT_DENIED);
	assert_string_equal(cause, "drain: refused in read-only mode; it "
	    "changes the service");
	ctx.read_only = false;

	/* Bad option values are refused before anything runs. */
	assert_int_equal(cmd_run_line(&ctx, "events --count 99", NULL, 0,
	    cause), EXIT_USAGE);
	assert_string_equal(cause, "events: --count '99' is not accepted; "
	    "use 1 to 50");
}

static void
test_table(void **state)
{
	size_t i, j;

	(void)state;
	/* Names and aliases are unique, and every entry is complete. */
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];

		const struct cmd_sub *sub;
		int flags = e->flags;

		assert_non_null(e->exec);
		assert_non_null(e->help);
		/*
		 * What changes the service has a preparation: the console
		 * asks and runs it off the UI thread, never its exec there.
		 */
		for (sub = e->subs; sub != NULL && sub->name != NULL; sub++)
			flags |= sub->flags;
		if ((flags & CMD_MUTATES) && !(e->flags & CMD_ARG_COMMAND))
			assert_non_null(e->prepare);
		for (j = 0; j < cmd_table_size; j++) {
			if (i == j)
				continue;
			assert_string_not_equal(e->name, cmd_table[j]->name);
			if (e->alias != NULL)
				assert_string_not_equal(e->alias,
				    cmd_table[j]->name);
		}
	}
}

static void
test_keymap(void **state)
{
	char cause[512] = "";
	struct keymap km;
	size_t i;

	(void)state;
	/* Every default binding parses into a command of the table. */
	assert_int_equal(keymap_init(&km, cause, sizeof cause), 0);
	assert_string_equal(cause, "");
	assert_true(km.n > 10);
	for (i = 0; i < km.n; i++)
		assert_non_null(km.b[i].cmd.entry);
	assert_string_equal(keymap_lookup(&km, 'q')->cmd.entry->name, "quit");
	assert_string_equal(keymap_lookup(&km, '?')->cmd.entry->name, "help");
	assert_string_equal(keymap_lookup(&km, '/')->command, "prompt filter");
	assert_null(keymap_lookup(&km, 'Z'));
	keymap_free(&km);

	assert_int_equal(keymap_parse_key("C-l"), 12);
	assert_int_equal(keymap_parse_key("x"), 'x');
	assert_int_equal(keymap_parse_key("Nope"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_keymap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
