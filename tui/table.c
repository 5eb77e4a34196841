/* The table widget every view draws its rows with. */
#include "tui/table.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

void
table_reset(struct table *t, const struct table_col *cols, int ncols)
{
	t->cols = cols;
	t->ncols = ncols > TABLE_MAX_COLS ? TABLE_MAX_COLS : ncols;
	t->nrows = 0;
}

struct table_row *
table_add(struct table *t, const char *key, enum theme_role role)
{
	struct table_row *r;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->rows = xreallocarray(t->rows, (size_t)t->cap, sizeof *t->rows);
	}
	r = &t->rows[t->nrows++];
	memset(r, 0, sizeof *r);
	r->role = role;
	snprintf(r->key, sizeof r->key, "%s", key);
	return r;
}

static int
table_match(const struct table *t, const struct table_row *r,
    const char *filter)
{
	int c;

	if (filter == NULL || filter[0] == '\0')
		return 1;
	for (c = 0; c < t->ncols; c++) {
		if (strcasestr(r->cell[c], filter) != NULL)
			return 1;
	}
	return 0;
}

/* Writes one line of cells, each padded or cut to its column's width. */
static void
table_line(const struct table *t, WINDOW *w, int y, char cells[][TABLE_CELL_MAX],
    int span, attr_t attr)
{
	int c, x = 0, cols = getmaxx(w);

	wattrset(w, attr);
	wmove(w, y, 0);
	for (c = 0; c < t->ncols && x < cols; c++) {
		int width = t->cols[c].width ? t->cols[c].width : cols - x;
		char cell[TABLE_CELL_MAX + 8];

		if (span > 0 && c == span) {
			waddnstr(w, cells[c], cols - x);
			x += (int)strlen(cells[c]);
			break;
		}
		if (width > cols - x)
			width = cols - x;
		if (t->cols[c].right)
			snprintf(cell, sizeof cell, "%*.*s", width, width,
			    cells[c]);
		else
			snprintf(cell, sizeof cell, "%-*.*s", width, width,
			    cells[c]);
		waddnstr(w, cell, width);
		x += width;
		if (x < cols && c + 1 < t->ncols) {
			waddch(w, ' ');
			x++;
		}
	}
	/* Fill the line so a selected row is a full-width bar. */
	while (x++ < cols)
		waddch(w, ' ');
	wattrset(w, A_NORMAL);
}

int
table_draw(struct table *t, WINDOW *w, int y, int h, const char *filter)
{
	char heading[TABLE_MAX_COLS][TABLE_CELL_MAX];
	int i, n = 0, shown, *visible;

	free(t->visible);
	visible = t->visible = xcalloc((size_t)t->nrows + 1, sizeof *visible);
	for (i = 0; i < t->nrows; i++) {
		if (table_match(t, &t->rows[i], filter))
			visible[n++] = i;
	}
	/* Keep the cursor on the same row (by key) across refreshes. */
	if (t->cursor_key[0] != '\0') {
		for (i = 0; i < n; i++) {
			if (strcmp(t->rows[visible[i]].key, t->cursor_key) == 0)
				t->cursor = i;
		}
		t->cursor_key[0] = '\0';
	}
	if (t->cursor >= n)
		t->cursor = n - 1;
	if (t->cursor < 0)
		t->cursor = 0;

	for (i = 0; i < t->ncols; i++)
		snprintf(heading[i], sizeof heading[i], "%s", t->cols[i].title);
	if (h > 0)
		table_line(t, w, y, heading, 0, theme_attr(ROLE_TITLE));
	shown = h - 1;
	t->page = shown > 1 ? shown : 1;
	if (t->cursor < t->top)
		t->top = t->cursor;
	if (shown > 0 && t->cursor >= t->top + shown)
		t->top = t->cursor - shown + 1;
	if (t->top > 0 && t->top > n - shown)
		t->top = n - shown > 0 ? n - shown : 0;
	for (i = 0; i < shown && t->top + i < n; i++) {
		struct table_row *r = &t->rows[visible[t->top + i]];
		attr_t attr = theme_attr(r->role);

		if (t->top + i == t->cursor && !t->cursorless)
			attr = theme_attr(ROLE_SELECTED);
		table_line(t, w, y + 1 + i, r->cell, r->span, attr);
	}
	/* Remember the cursor's row so a refresh that reorders keeps it. */
	if (n > 0)
		snprintf(t->cursor_key, sizeof t->cursor_key, "%s",
		    t->rows[visible[t->cursor]].key);
	t->nvisible = n;
	return n;
}

int
table_move(struct table *t, const char *where)
{
	t->cursor_key[0] = '\0';
	if (strcmp(where, "up") == 0)
		t->cursor--;
	else if (strcmp(where, "down") == 0)
		t->cursor++;
	else if (strcmp(where, "page-up") == 0)
		t->cursor -= t->page;
	else if (strcmp(where, "page-down") == 0)
		t->cursor += t->page;
	else if (strcmp(where, "top") == 0)
		t->cursor = 0;
	else if (strcmp(where, "bottom") == 0)
		t->cursor = t->nrows;
	else
		return -1;
	if (t->cursor < 0)
		t->cursor = 0;
	return 0;
}

const char *
table_selected_key(const struct table *t)
{
	int i = t->cursor;

	if (t->nvisible == 0)
		return NULL;
	if (i >= t->nvisible)
		i = t->nvisible - 1;
	if (i < 0)
		i = 0;
	return t->rows[t->visible[i]].key;
}

void
table_free(struct table *t)
{
	free(t->visible);
	free(t->rows);
	memset(t, 0, sizeof *t);
}
