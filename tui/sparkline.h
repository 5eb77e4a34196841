/* Sparklines: a series of counts drawn as one line of block glyphs. */
#ifndef MAILNOC_SPARKLINE_H
#define MAILNOC_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes one column may take in the buffer: a UTF-8 block element. */
#define SPARKLINE_COL_BYTES 3

/*
 * Draws the n counts of `v` (oldest first; negative counts as 0) into at
 * most `width` columns: with more counts than columns, each column sums a
 * run of neighbouring counts, the newest ending the line. Heights are scaled
 * to the largest column; a zero column is a space, any other at least the
 * lowest glyph. With `utf8` the glyphs are U+2581..U+2588, otherwise the
 * ASCII ramp " .:-=+*#%@". buf always ends with a NUL; columns that do not
 * fit in `size` are left out. Returns the number of columns written.
 */
int	sparkline_render(const long long *v, size_t n, int width, bool utf8,
	    char *buf, size_t size);

#endif
