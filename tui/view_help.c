/* Help: the keys and the commands, generated from the keymap and the table. */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/xalloc.h"
#include "tui/table.h"
#include "tui/view.h"

static const struct table_col help_cols[] = {
	{ "KEY", 8, 0 },
	{ "IN VIEW", 9, 0 },
	{ "COMMAND", 28, 0 },
	{ "WHAT IT DOES", 0, 0 },
};

/* Narrow: the command gives way to what the key does. */
static const struct layout_col help_fit[] = {
	{ 8, 8, 9, LAYOUT_CUT_END }, { 9, 9, 8, LAYOUT_CUT_END },
	{ 28, 16, 2, LAYOUT_CUT_END }, { 0, 30, 9, LAYOUT_CUT_END },
};

static void *
help_init(struct console *c)
{
	(void)c;
	return xcalloc(1, sizeof(struct table));
}

/* Whether binding b is listed in pass 0 (the covered view's own keys),
 * 1 (every view's) or 2 (the other views'). */
static int
help_pass(const struct keymap_binding *b, const char *covered)
{
	if (b->view == NULL)
		return 1;
	return strcmp(b->view, covered) == 0 ? 0 : 2;
}

static void
help_draw(void *state, struct console *c, int y, int h)
{
	struct table *t = state;
	struct table_row *r;
	const char *covered = c->views[c->previous]->name;
	size_t i;
	int pass;

	table_reset(t, help_cols, 4);
	table_fit(t, help_fit);
	/* The keys of the view help covers come first: ? there shows them. */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < c->keymap.n; i++) {
			const struct keymap_binding *b = &c->keymap.b[i];
			const struct cmd_entry *e = b->cmd.entry;

			if (help_pass(b, covered) != pass)
				continue;
			/* Read-only: the keys that would only be refused are
			 * hidden. */
			if (c->read_only && (cmd_flags(&b->cmd) & CMD_MUTATES))
				continue;
			/* Another view's keys are dim: they work only there. */
			r = table_add(t, b->name, pass == 2 ? ROLE_DIM :
			    ROLE_NORMAL);
			snprintf(r->cell[0], TABLE_CELL_MAX, "%s", b->name);
			snprintf(r->cell[1], TABLE_CELL_MAX, "%s", b->view ?
			    b->view : "all");
			snprintf(r->cell[2], TABLE_CELL_MAX, "%s", b->command);
			snprintf(r->cell[3], TABLE_CELL_MAX, "%s", b->what != NULL ?
			    b->what : e->help);
		}
	}
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];

		if (c->read_only && (e->flags & CMD_MUTATES))
			continue;
		r = table_add(t, e->name, ROLE_DIM);
		snprintf(r->cell[0], TABLE_CELL_MAX, ":");
		cmd_usage_shown(e, c->read_only, r->cell[2], TABLE_CELL_MAX);
		snprintf(r->cell[3], TABLE_CELL_MAX, "%s", e->help);
	}
	table_draw(t, stdscr, y, h, c->filter);
}

static int
help_move(void *state, const char *where)
{
	return table_move(state, where);
}

/* help [COMMAND]: the lines about it. */
static int
help_command(void *state, struct console *c, const struct cmd *cmd,
    bool shown, char *cause, size_t len)
{
	(void)state;
	(void)shown;
	(void)cause;
	(void)len;
	snprintf(c->filter, sizeof c->filter, "%s", cmd->argc ?
	    cmd->argv[0] : "");
	return 0;
}

static void
help_free(void *state)
{
	table_free(state);
	free(state);
}

const struct view view_help = {
	.name = "help",
	.title = "Help (? or Esc to go back)",
	.init = help_init,
	.draw = help_draw,
	.cursor = help_move,
	.free = help_free,
	.command = help_command,
	.overlay = true,
};
