/* A table widget: columns, rows with a colour role, cursor, filter, scroll. */
#ifndef MAILNOC_TABLE_H
#define MAILNOC_TABLE_H

#include <curses.h>
#include <stddef.h>

#include "tui/layout.h"
#include "tui/theme.h"

#define TABLE_MAX_COLS 12
#define TABLE_CELL_MAX 256  /* a cell holds its whole text: detail shows it */

struct table_col {
	const char *title;
	int width;  /* 0: take the rest of the line */
	int right;  /* right-aligned (numbers) */
};

struct table_row {
	char cell[TABLE_MAX_COLS][TABLE_CELL_MAX];
	enum theme_role role;
	int span;  /* > 0: cell[span] fills the line from that column on */
	char key[TABLE_CELL_MAX]; /* keeps the cursor on this row across refreshes */
};

struct table {
	const struct table_col *cols;
	int ncols;
	struct table_row *rows;
	int nrows;
	int cap;
	int cursor;  /* index into the visible (filtered) rows */
	int top;     /* first visible row shown */
	char cursor_key[TABLE_CELL_MAX];
	int page;    /* rows in the last draw, for page moves */
	int cursorless; /* a list to read, without a cursor row */
	int *visible;   /* rows shown by the last draw (after the filter) */
	int nvisible;
	/* How columns give way on a narrow screen (table_fit); NULL: each
	 * keeps its width, the last is cut at the edge. */
	const struct layout_col *fit;
	int hscroll;    /* columns after the first scrolled off (Left/Right) */
	int sort_col;   /* 0: as the view ordered the rows; c + 1: column c */
	int sort_desc;
	int detail;     /* the cursor row's every field, below the rows */
};

/* Empties the rows and sets the columns; the cursor stays on its row key. */
void table_reset(struct table *t, const struct table_col *cols, int ncols);

/* Appends a row and returns it, cells empty. */
struct table_row *table_add(struct table *t, const char *key,
    enum theme_role role);

/*
 * Draws the heading and the rows matching `filter` (case-insensitive, any
 * cell; NULL or "" for all) into lines y to y+h-1 of w. Returns the number
 * of matching rows.
 */
int table_draw(struct table *t, WINDOW *w, int y, int h, const char *filter);

/* How the columns (as many as table_reset's) shrink and give way at a
 * narrow width: minimum, priority, how a cell is cut (tui/layout.h). */
void table_fit(struct table *t, const struct layout_col *fit);

/*
 * Moves the cursor: up, down, page-up, page-down, top, bottom; scrolls the
 * columns: left, right; sorts: sort (by the next column), sort-reverse;
 * opens and closes the cursor row's detail: in, out. Returns 0 or -1 for
 * an unknown direction (or "out" with nothing open).
 */
int table_move(struct table *t, const char *where);

/* The key of the row under the cursor as last drawn, or NULL. */
const char *table_selected_key(const struct table *t);

void table_free(struct table *t);

#endif
