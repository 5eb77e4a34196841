/* The table widget every view draws its rows with. */
#include "tui/table.h"

#include <stdbool.h>
#include <stdio.h>
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

void
table_fit(struct table *t, const struct layout_col *fit)
{
	t->fit = fit;
}

/* The widths of this draw: by the fit and the scroll, or as given. */
static void
table_widths(const struct table *t, int cols, int width[])
{
	struct layout_col lc[TABLE_MAX_COLS];
	int c;

	for (c = 0; c < t->ncols; c++) {
		if (t->fit != NULL)
			lc[c] = t->fit[c];
		else {
			/* Without a fit, a column keeps its width; the rest
			 * goes to the flexible one (at least its title). */
			lc[c].pref = t->cols[c].width;
			lc[c].min = t->cols[c].width ? t->cols[c].width :
			    (int)strlen(t->cols[c].title) + 2;
			lc[c].prio = 5;
			lc[c].cut = LAYOUT_CUT_END;
		}
		if (t->fit != NULL && lc[c].pref != t->cols[c].width)
			lc[c].pref = t->cols[c].width;
	}
	layout_widths(lc, t->ncols, cols, t->hscroll, width);
	/* Without a fit nothing is hidden: the line is cut at the edge. */
	if (t->fit == NULL && t->hscroll == 0) {
		int x = 0;

		for (c = 0; c < t->ncols; c++) {
			width[c] = t->cols[c].width;
			if (width[c] == 0)
				width[c] = cols - x > lc[c].min ? cols - x :
				    lc[c].min;
			x += width[c] + 1;
		}
	}
}

/* Writes one line of cells, each padded or cut (with a mark) to its
 * column's width; a line wider than the screen ends in the mark. */
static void
table_line(const struct table *t, WINDOW *w, int y, char cells[][TABLE_CELL_MAX],
    const int *width, int span, attr_t attr)
{
	int c, x = 0, cols = getmaxx(w), shown = 0;
	bool utf8 = layout_utf8();

	wattrset(w, attr);
	wmove(w, y, 0);
	for (c = 0; c < t->ncols && x < cols; c++) {
		enum layout_cut cut = t->fit != NULL ? t->fit[c].cut :
		    LAYOUT_CUT_END;
		char cell[TABLE_CELL_MAX * 2];
		int wd = width[c];

		if (wd == 0)
			continue;
		if (shown++ > 0) {
			waddch(w, ' ');
			x++;
		}
		if (span > 0 && c == span) {
			layout_cell(cells[c], cols - x, false, LAYOUT_CUT_END,
			    utf8, cell, sizeof cell);
			waddstr(w, cell);
			x = cols;
			break;
		}
		if (wd > cols - x) {
			/* The screen's edge: cut here, marked. */
			layout_cell(cells[c], cols - x, false, LAYOUT_CUT_END,
			    utf8, cell, sizeof cell);
			if (strlen(cells[c]) <= (size_t)(cols - x) &&
			    cols - x > 0)
				cell[strlen(cell) - 1] = utf8 ? '>' : '>';
			waddstr(w, cell);
			x = cols;
			break;
		}
		layout_cell(cells[c], wd, t->cols[c].right, cut, utf8, cell,
		    sizeof cell);
		waddstr(w, cell);
		x += wd;
	}
	/* Fill the line so a selected row is a full-width bar. */
	while (x++ < cols)
		waddch(w, ' ');
	wattrset(w, A_NORMAL);
}

/* The rows' order for a sorted draw: by the column, by value. */
static const struct table *table_sorting;

static int
table_sort_cmp(const void *a, const void *b)
{
	const struct table *t = table_sorting;
	int c = t->sort_col - 1, ia = *(const int *)a, ib = *(const int *)b;
	int r = layout_compare(t->rows[ia].cell[c], t->rows[ib].cell[c]);

	if (r == 0)
		r = ia < ib ? -1 : ia > ib;
	return t->sort_desc ? -r : r;
}

/* The cursor row's every field, unabbreviated, in lines y to y+h-1. */
static void
table_detail(const struct table *t, WINDOW *w, int y, int h,
    const struct table_row *r)
{
	int c, line = 0, cols = getmaxx(w);

	wattrset(w, theme_attr(ROLE_TITLE));
	mvwhline(w, y, 0, ' ', cols);
	mvwaddnstr(w, y, 0, " detail (Enter or Esc closes)", cols);
	wattrset(w, A_NORMAL);
	for (c = 0; c < t->ncols && ++line < h; c++) {
		char text[TABLE_CELL_MAX + 32];

		snprintf(text, sizeof text, " %-10s %s", t->cols[c].title,
		    r->cell[c][0] ? r->cell[c] : "-");
		mvwhline(w, y + line, 0, ' ', cols);
		mvwaddnstr(w, y + line, 0, text, cols);
	}
}

int
table_draw(struct table *t, WINDOW *w, int y, int h, const char *filter)
{
	char heading[TABLE_MAX_COLS][TABLE_CELL_MAX];
	int i, n = 0, shown, *visible, width[LAYOUT_MAX_COLS], dh = 0;

	free(t->visible);
	visible = t->visible = xcalloc((size_t)t->nrows + 1, sizeof *visible);
	for (i = 0; i < t->nrows; i++) {
		if (table_match(t, &t->rows[i], filter))
			visible[n++] = i;
	}
	if (t->sort_col > 0 && t->sort_col <= t->ncols && n > 1) {
		table_sorting = t;
		qsort(visible, (size_t)n, sizeof *visible, table_sort_cmp);
		table_sorting = NULL;
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
	if (t->detail && (n == 0 || t->cursorless))
		t->detail = 0;
	if (t->detail) {
		dh = t->ncols + 1 < h / 2 ? t->ncols + 1 : h / 2;
		h -= dh;
	}

	table_widths(t, getmaxx(w), width);
	for (i = 0; i < t->ncols; i++) {
		const char *mark = i + 1 != t->sort_col ? "" :
		    t->sort_desc ? "v" : "^";

		snprintf(heading[i], sizeof heading[i], "%s%s",
		    t->cols[i].title, mark);
	}
	if (h > 0)
		table_line(t, w, y, heading, width, 0, theme_attr(ROLE_TITLE));
	if (h > 0 && t->hscroll > 0) {
		/* Scrolled: the first heading says so. */
		wattrset(w, theme_attr(ROLE_KEY));
		mvwaddch(w, y, width[0] > 0 ? width[0] : 0, '<');
		wattrset(w, A_NORMAL);
	}
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
		table_line(t, w, y + 1 + i, r->cell, width, r->span, attr);
	}
	if (t->detail)
		table_detail(t, w, y + h, dh, &t->rows[visible[t->cursor]]);
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
	else if (strcmp(where, "right") == 0) {
		if (t->hscroll < t->ncols - 2)
			t->hscroll++;
	} else if (strcmp(where, "left") == 0) {
		if (t->hscroll > 0)
			t->hscroll--;
	} else if (strcmp(where, "sort") == 0) {
		t->sort_col = t->sort_col % t->ncols + 1;
		t->sort_desc = 0;
	} else if (strcmp(where, "sort-reverse") == 0) {
		if (t->sort_col == 0)
			t->sort_col = 1;
		t->sort_desc = !t->sort_desc;
	} else if (strcmp(where, "in") == 0)
		t->detail = !t->detail;
	else if (strcmp(where, "out") == 0) {
		if (!t->detail)
			return -1;
		t->detail = 0;
	} else
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
