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

static void *
help_init(struct console *c)
{
	(void)c;
	return xcalloc(1, sizeof(struct table));
}

static void
help_draw(void *state, struct console *c, int y, int h)
{
	struct table *t = state;
	struct table_row *r;
	size_t i;

	table_reset(t, help_cols, 4);
	for (i = 0; i < c->keymap.n; i++) {
		const struct keymap_binding *b = &c->keymap.b[i];
		const struct cmd_entry *e = b->cmd.entry;

		/* Read-only: the keys that would only be refused are hidden. */
		if (c->read_only && (cmd_flags(&b->cmd) & CMD_MUTATES))
			continue;
		r = table_add(t, b->name, ROLE_NORMAL);
		snprintf(r->cell[0], TABLE_CELL_MAX, "%s", b->name);
		snprintf(r->cell[1], TABLE_CELL_MAX, "%s", b->view ? b->view :
		    "all");
		snprintf(r->cell[2], TABLE_CELL_MAX, "%s", b->command);
		snprintf(r->cell[3], TABLE_CELL_MAX, "%s", e->help);
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
};
