/* The man page mailnoc(1) against the command table: every command,
 * subcommand and option (and every global option) is documented, and every
 * command the page documents exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cli.h"
#include "cmd/cmd.h"

#define MAN "docs/mailnoc.1"

static char *page;     /* the whole page */
static char *commands; /* its COMMANDS section */

static int
setup(void **state)
{
	FILE *f = fopen(MAN, "r");
	size_t len = 0;
	char *end;

	(void)state;
	if (f == NULL)
		fail_msg("cannot open %s", MAN);
	page = calloc(1, 256 * 1024);
	len = fread(page, 1, 256 * 1024 - 1, f);
	fclose(f);
	page[len] = '\0';
	if ((commands = strstr(page, "\n.SH COMMANDS\n")) == NULL)
		fail_msg("%s has no COMMANDS section", MAN);
	commands = strdup(commands + 1);
	if ((end = strstr(commands + 1, "\n.SH ")) != NULL)
		end[1] = '\0';
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(page);
	free(commands);
	return 0;
}

/* "--name" as roff writes it: \-\-name, followed by no name character. */
static int
man_has_option(const char *text, const char *name)
{
	char want[96];
	const char *p = text;
	size_t n;

	snprintf(want, sizeof want, "\\-\\-");
	n = strlen(want);
	while ((p = strstr(p, want)) != NULL) {
		const char *q = name, *r = p + n;

		/* Compare, reading roff's \- as -. */
		while (*q != '\0') {
			if (*q == '-' && r[0] == '\\' && r[1] == '-') {
				q++;
				r += 2;
			} else if (*q == *r) {
				q++;
				r++;
			} else
				break;
		}
		if (*q == '\0' && !(r[0] >= 'a' && r[0] <= 'z') &&
		    !(r[0] == '\\' && r[1] == '-'))
			return 1;
		p += n;
	}
	return 0;
}

/* The first word of each .TP tag of the COMMANDS section, in order. */
static size_t
man_tags(char tags[][32], size_t max)
{
	char *copy = strdup(commands), *line, *save = NULL;
	size_t n = 0;
	int after_tp = 0;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *o;

		if (strcmp(line, ".TP") == 0) {
			after_tp = 1;
			continue;
		}
		if (!after_tp)
			continue;
		after_tp = 0;
		if (strncmp(p, ".B", 2) == 0)
			p += strcspn(p, " ");
		p += strspn(p, " \"");
		if (strncmp(p, "\\fB", 3) == 0)
			p += 3;
		if (n == max)
			break;
		o = tags[n];
		while ((*p >= 'a' && *p <= 'z') && o < tags[n] + 31)
			*o++ = *p++;
		*o = '\0';
		n++;
	}
	free(copy);
	return n;
}

static void
test_table_in_man(void **state)
{
	char tags[128][32];
	size_t i, j, n = man_tags(tags, 128);

	(void)state;
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];
		const struct cmd_option *o;
		const struct cmd_sub *s;

		for (j = 0; j < n && strcmp(tags[j], e->name) != 0; j++)
			;
		if (j == n)
			fail_msg("command '%s' is not documented in %s (add a .TP "
			    "entry under COMMANDS)", e->name, MAN);
		for (o = e->options; o != NULL && o->name != NULL; o++) {
			if (!man_has_option(commands, o->name))
				fail_msg("option --%s of '%s' is not documented in "
				    "%s", o->name, e->name, MAN);
		}
		for (s = e->subs; s != NULL && s->name != NULL; s++) {
			char want[80];

			snprintf(want, sizeof want, "%s", s->name);
			if (strstr(commands, want) == NULL)
				fail_msg("subcommand '%s %s' is not documented in "
				    "%s", e->name, s->name, MAN);
		}
	}
	for (i = 0; i < cli_noptions; i++) {
		if (!man_has_option(page, cli_options[i].lng))
			fail_msg("global option --%s is not documented in %s",
			    cli_options[i].lng, MAN);
	}
}

static void
test_man_in_table(void **state)
{
	char tags[128][32];
	size_t i, j, n = man_tags(tags, 128);

	(void)state;
	assert_true(n > 10);
	for (i = 0; i < n; i++) {
		for (j = 0; j < cmd_table_size &&
		     strcmp(cmd_table[j]->name, tags[i]) != 0; j++)
			;
		if (j == cmd_table_size)
			fail_msg("%s documents '%s', which is no command of the "
			    "table", MAN, tags[i]);
	}
}

/* The checker itself: an option is found whole, not as a prefix. */
static void
test_option_match(void **state)
{
	(void)state;
	assert_true(man_has_option("x \\-\\-dry\\-run y", "dry-run"));
	assert_false(man_has_option("x \\-\\-dry\\-runs y", "dry-run"));
	assert_false(man_has_option("x \\-\\-dry y", "dry-run"));
	assert_true(man_has_option(".BR \\-\\-max\\-rcpts \" n\"", "max-rcpts"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_match),
		cmocka_unit_test(test_table_in_man),
		cmocka_unit_test(test_man_in_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
