/* Column layout of a table line: widths that fit the screen by priority,
 * cells cut with a mark, addresses cut so their domain stays. No curses. */
#ifndef MAILNOC_LAYOUT_H
#define MAILNOC_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#define LAYOUT_MAX_COLS 16

enum layout_cut {
	LAYOUT_CUT_END,   /* "connection re…" */
	LAYOUT_CUT_ADDR,  /* "…@yahoo.test": the domain says most */
};

struct layout_col {
	int pref;            /* preferred width; 0: takes what is left */
	int min;             /* narrowest it may become; 0: pref (or 8) */
	int prio;            /* higher: shrunk and hidden last */
	enum layout_cut cut;
};

/*
 * Widths of n columns on a line of `screen` columns, one blank between
 * shown columns, into width[] (0: not shown). skip > 0 scrolls: the first
 * column stays, the next `skip` are not shown, the others keep their
 * preferred widths (the line may be wider than the screen: the caller
 * cuts it and marks it). skip 0 fits the screen: columns are shrunk
 * towards their minimum, lowest priority first, then hidden, lowest
 * priority first, until the line fits; a flexible column gets what is
 * left. Returns how many columns are not shown for want of room (0 when
 * everything is on the screen at some width).
 */
int layout_widths(const struct layout_col *cols, int n, int screen,
    int skip, int width[]);

/*
 * `text` into `out` at exactly `width` bytes (padded; right-aligned when
 * `right`); a longer text is cut with the mark (an ellipsis when utf8,
 * else '~'), never in the middle of a UTF-8 character. LAYOUT_CUT_ADDR
 * cuts the local part of an address so that "@domain" stays.
 */
void layout_cell(const char *text, int width, bool right, enum layout_cut cut,
    bool utf8, char *out, size_t len);

/* The terminal speaks UTF-8 (set once by the console; default: no). */
void layout_set_utf8(bool utf8);
bool layout_utf8(void);

/*
 * Compares two cells for sorting: numbers with a unit (12s, 5m, 3h, 2d,
 * 1.4K, 153k, 2M, 0B) by their value, other text in natural order
 * (strverscmp, case-insensitive first letters aside). Returns <0, 0, >0.
 */
int layout_compare(const char *a, const char *b);

#endif
