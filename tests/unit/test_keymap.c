/* Unit tests of the key bindings: every default parses, views' own keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "tui/keymap.h"

static struct keymap km;

static int
setup(void **state)
{
	char cause[512] = "";

	(void)state;
	if (keymap_init(&km, cause, sizeof cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	keymap_free(&km);
	return 0;
}

static const char *
command_in(const char *view, int key)
{
	const struct keymap_binding *b = keymap_lookup_in(&km, view, key);

	return b != NULL ? b->command : NULL;
}

static void
test_all_parse(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < km.n; i++) {
		assert_non_null(km.b[i].cmd.entry);
		/* A key is bound once per view (or once for all). */
		for (j = i + 1; j < km.n; j++) {
			if (km.b[i].key != km.b[j].key)
				continue;
			assert_false(km.b[i].view == NULL && km.b[j].view == NULL);
			if (km.b[i].view != NULL && km.b[j].view != NULL)
				assert_string_not_equal(km.b[i].view,
				    km.b[j].view);
		}
	}
}

static void
test_views(void **state)
{
	(void)state;
	assert_string_equal(command_in(NULL, '4'), "view blocklist");
	assert_string_equal(command_in(NULL, 'B'), "view blocklist");
	assert_string_equal(command_in(NULL, '5'), "view agencies");
	assert_string_equal(command_in(NULL, 'a'), "view agencies");
	assert_string_equal(command_in("overview", '4'), "view blocklist");
	/* The trace view: W everywhere, its keys its own (J is free in every
	 * other view, n asks a new query). */
	assert_string_equal(command_in(NULL, 'W'), "view trace");
	assert_string_equal(command_in("queues", 'W'), "view trace");
	assert_string_equal(command_in("trace", '\n'), "move in");
	assert_string_equal(command_in("trace", 'J'), "move queue");
	assert_string_equal(command_in("trace", 'n'), "prompt \"trace \"");
	assert_null(command_in(NULL, 'J'));
	assert_null(command_in("queues", 'J'));
}

static void
test_view_tables(void **state)
{
	(void)state;
	/* The queue keys are the queues view's table; elsewhere Enter
	 * opens a row's detail, Left and Right scroll, s sorts. */
	assert_string_equal(command_in(NULL, '\n'), "move in");
	assert_string_equal(command_in("blocklist", KEY_RIGHT), "move right");
	assert_string_equal(command_in("clusters", 's'), "move sort");
	assert_string_equal(command_in("queues", 's'), "queue sort");
	assert_string_equal(command_in("queues", '\n'), "queue show");
	assert_string_equal(command_in("queues", 'H'), "queue hold");
	assert_string_equal(command_in("queues", 'D'), "queue delete");
	assert_null(command_in("overview", 'H'));
	assert_string_equal(command_in("agencies", '\n'), "move in");
	assert_string_equal(command_in("agencies", 'b'), "move out");
	assert_null(command_in("blocklist", 'b'));
	assert_string_equal(command_in("agencies", KEY_LEFT), "move out");
	/* The blocklist's keys are its own. */
	assert_string_equal(command_in("blocklist", '+'), "prompt \"block \"");
	assert_string_equal(command_in("blocklist", '-'), "unblock");
	assert_string_equal(command_in("blocklist", 'e'),
	    "prompt \"extend #{ip} --for \"");
	assert_null(command_in("overview", '+'));
	assert_null(command_in(NULL, 'x'));
	/* One letter, one meaning (docs/ui.md "Keys"): b goes back, x
	 * cancels, u names a user, U untags all, y copies; nothing drains
	 * on one key next to the queues view's D. */
	assert_string_equal(command_in("providers", 'b'), "move out");
	assert_null(command_in("queues", 'b'));
	assert_string_equal(command_in("queues", 'm'), "queue show --body");
	assert_null(command_in("blocklist", 'x'));
	assert_string_equal(command_in("restore", 'x'), "move out");
	assert_null(command_in("queues", 'u'));
	assert_string_equal(command_in("queues", 'U'), "queue tag --none");
	assert_null(command_in(NULL, 'd'));
	assert_null(command_in("overview", 'd'));
	assert_null(command_in("overview", 'U'));
	assert_string_equal(command_in(NULL, 'y'), "copy");
	assert_string_equal(command_in("queues", 'y'), "copy");
	assert_string_equal(command_in("agencies", '+'), "prompt \"block "
	    "#{ip} --for 1d --reason 'abuse from a permitted agency IP'\"");
	/* keymap_lookup is every view's table. */
	assert_null(keymap_lookup(&km, 'b'));
	assert_string_equal(keymap_lookup(&km, 'q')->command, "quit");
	/* The prompt's text is one argument, its space kept. */
	assert_string_equal(keymap_lookup_in(&km, "blocklist",
	    '+')->cmd.argv[0], "block ");
}

/* Each view's own keys say what they do there, not the command's help. */
static void
test_what(void **state)
{
	const struct keymap_binding *b;

	(void)state;
	b = keymap_lookup_in(&km, "queues", 'H');
	assert_non_null(b->what);
	assert_string_equal(b->what, "hold the tagged messages, or the one "
	    "under the cursor (asks first)");
	b = keymap_lookup_in(&km, "restore", '\n');
	assert_non_null(strstr(b->what, "restore it"));
	/* Every view's own binding has its own words. */
	for (size_t i = 0; i < km.n; i++) {
		if (km.b[i].view != NULL && km.b[i].what == NULL)
			fail_msg("%s in %s has no description", km.b[i].name,
			    km.b[i].view);
	}
}

/* The key bar: the view's main keys, whole labels only, what fits. */
static void
test_bar(void **state)
{
	char bar[512];

	(void)state;
	keymap_bar(&km, "queues", true, false, 200, bar, sizeof bar);
	assert_string_equal(bar, " ? help  H hold  L release  D delete  t tag  "
	    "T tag all  Enter show  A summary  s sort  F flush  E requeue  "
	    "V range  U untag all  Esc back  / filter  : command  q quit  "
	    "1-9 views  ! alerts  P providers");
	/* 80 columns: what does not fit is left out, never cut. */
	keymap_bar(&km, "queues", true, false, 80, bar, sizeof bar);
	assert_true(strlen(bar) <= 80);
	assert_string_equal(bar, " ? help  H hold  L release  D delete  t tag  "
	    "T tag all  Enter show  A summary");
	/* Read-only: keys that would be refused are not taught. */
	keymap_bar(&km, "blocklist", false, true, 80, bar, sizeof bar);
	assert_true(strlen(bar) <= 80);
	assert_string_equal(bar, " ? help  Tab suspects  / filter  : command  "
	    "q quit  1-9 views  ! alerts");
	keymap_bar(&km, "alerts", false, false, 80, bar, sizeof bar);
	assert_non_null(strstr(bar, "a ack  s silence  Enter show subject  "
	    "/ filter"));
	/* The trace view's keys, read-only too (a trace changes nothing). */
	keymap_bar(&km, "trace", true, true, 80, bar, sizeof bar);
	assert_string_equal(bar, " ? help  n new  Enter timeline  J queue  "
	    "Esc back  / filter  : command  q quit");
	/* A narrow bar still has help. */
	keymap_bar(&km, "overview", false, false, 10, bar, sizeof bar);
	assert_string_equal(bar, " ? help");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_parse),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_view_tables),
		cmocka_unit_test(test_what),
		cmocka_unit_test(test_bar),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
