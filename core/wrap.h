/* Wrapping a line of text to a width, at blanks, for the status line. */
#ifndef MAILNOC_WRAP_H
#define MAILNOC_WRAP_H

#include <stddef.h>

/* One line of the wrapped text: text + start, len bytes. */
struct wrap_line {
	size_t start;
	size_t len;
};

/*
 * Breaks `text` into lines of at most `width` columns (a UTF-8 character
 * is one column), at the last blank that fits; a word wider than a line is
 * cut where the line ends. The blank a line breaks at belongs to neither
 * line. Fills up to `max` lines of `out` and returns how many lines the
 * whole text needs (more than `max`: the rest did not fit). An empty text
 * is one empty line; width < 1 is taken as 1.
 */
size_t wrap_text(const char *text, int width, struct wrap_line *out,
    size_t max);

/* The columns `len` bytes of UTF-8 text take. */
size_t wrap_columns(const char *s, size_t len);

#endif
