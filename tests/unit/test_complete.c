/* Unit tests of the ':' line's completion: commands, subcommands, options,
 * node names, the words a usage lists, the IPs on screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/complete.h"
#include "core/lineedit.h"

static struct config cfg;
static struct config_node nodes[3];

/* Whether `want` is among what completes at the end of `line`. */
static bool
offers(const char *line, const char *want, size_t *count)
{
	static const char *const ips[] = { "192.0.2.7" };
	char **v;
	size_t n = complete_words(line, strlen(line), &cfg, ips, 1, &v), i;
	bool found = false;

	for (i = 0; i < n; i++)
		found = found || strcmp(v[i], want) == 0;
	if (count != NULL)
		*count = n;
	complete_free(v, n);
	return found;
}

/* The line after Tab at its end. */
static const char *
tab(const char *line)
{
	static struct lineedit le;
	bool listed;
	char **v;
	size_t n;

	lineedit_reset(&le, NULL);
	lineedit_set(&le, line);
	n = complete_words(le.buf, le.pos, &cfg, NULL, 0, &v);
	lineedit_complete(&le, (const char *const *)v, n, &listed);
	complete_free(v, n);
	return le.buf;
}

static void
test_commands(void **state)
{
	size_t n;

	(void)state;
	assert_true(offers("", "block", &n));
	assert_true(offers("", "messages", NULL));
	assert_true(offers("", "quit", NULL));
	assert_true(n > 20);
	/* blo: block and blocks share "block"; unbl is unblock alone. */
	assert_string_equal(tab("blo"), "block");
	assert_string_equal(tab("unbl"), "unblock ");
	assert_string_equal(tab("mess"), "messages ");
	/* An unknown command completes nothing after it. */
	assert_false(offers("bogus ", "gw1", &n));
	assert_int_equal(n, 0);
}

static void
test_subcommands_and_options(void **state)
{
	(void)state;
	assert_true(offers("queue ", "hold", NULL));
	assert_true(offers("queue ", "list", NULL));
	assert_string_equal(tab("queue ho"), "queue hold ");
	/* Options: the entry's and the common ones. */
	assert_true(offers("block 1.2.3.4 --", "--for", NULL));
	assert_true(offers("block 1.2.3.4 --", "--reason", NULL));
	assert_true(offers("block 1.2.3.4 --", "--dry-run", NULL));
	assert_string_equal(tab("block 1.2.3.4 --rea"),
	    "block 1.2.3.4 --reason ");
	/* A usage's list of words. */
	assert_true(offers("view ", "queues", NULL));
	assert_string_equal(tab("view clu"), "view clusters ");
	assert_true(offers("move ", "page-down", NULL));
	/* help COMMAND: the commands. */
	assert_string_equal(tab("help unbl"), "help unblock ");
}

static void
test_nodes_and_ips(void **state)
{
	size_t n;

	(void)state;
	/* drain NODE: the configuration's nodes. */
	assert_true(offers("drain ", "gw1", &n));
	assert_true(offers("drain ", "mbx1", NULL));
	assert_int_equal(n, 3);
	assert_string_equal(tab("drain mb"), "drain mbx1 ");
	assert_string_equal(tab("drain g"), "drain gw");
	/* block IP: the IP the console shows under its cursor. */
	assert_true(offers("block ", "192.0.2.7", NULL));
	assert_true(offers("unblock ", "192.0.2.7", NULL));
	/* After an option that takes a value other than a node: nothing. */
	assert_false(offers("block 1.2.3.4 --for ", "gw1", &n));
	assert_int_equal(n, 0);
	/* Queue IDs are not listed. */
	assert_false(offers("queue hold ", "gw1", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_subcommands_and_options),
		cmocka_unit_test(test_nodes_and_ips),
	};

	nodes[0].name = (char *)"gw1";
	nodes[1].name = (char *)"gw2";
	nodes[2].name = (char *)"mbx1";
	cfg.nodes = nodes;
	cfg.nnodes = 3;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
