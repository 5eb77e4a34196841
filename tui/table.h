/* A table widget: columns, rows with a colour role, cursor, filter, scroll. */
#ifndef MAILNOC_TABLE_H
#define MAILNOC_TABLE_H

#include <curses.h>
#include <stddef.h>

#include "tui/theme.h"

#define TABLE_MAX_COLS 12
#define TABLE_CELL_MAX 64

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

/* Moves the cursor: up, down, page-up, page-down, top, bottom. Returns 0 or
 * -1 for an unknown direction. */
int table_move(struct table *t, const char *where);

/* The key of the row under the cursor as last drawn, or NULL. */
const char *table_selected_key(const struct table *t);

void table_free(struct table *t);

#endif
