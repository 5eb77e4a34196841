/* Sparklines: scale a series to glyph heights, compressed to a width. */
#include "tui/sparkline.h"

#include <string.h>

/* U+2581 LOWER ONE EIGHTH BLOCK .. U+2588 FULL BLOCK, in UTF-8. */
static const char *const spark_blocks[] = {
	" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
static const char spark_ascii[] = " .:-=+*#%@";

#define SPARK_MAX_COLS 512

int
sparkline_render(const long long *v, size_t n, int width, bool utf8,
    char *buf, size_t size)
{
	long long col[SPARK_MAX_COLS], max = 0;
	int levels = utf8 ? 8 : (int)sizeof spark_ascii - 2;
	size_t i, cols, off = 0;
	int j;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (width <= 0 || n == 0)
		return 0;
	cols = n < (size_t)width ? n : (size_t)width;
	if (cols > SPARK_MAX_COLS)
		cols = SPARK_MAX_COLS;
	/* Column j sums counts [lo, hi): the runs split n as evenly as they
	 * can, and the last one always ends with the newest count. */
	for (j = 0; j < (int)cols; j++) {
		size_t lo = (size_t)j * n / cols, hi = (size_t)(j + 1) * n / cols;

		col[j] = 0;
		for (i = lo; i < hi; i++)
			col[j] += v[i] > 0 ? v[i] : 0;
		if (col[j] > max)
			max = col[j];
	}
	for (j = 0; j < (int)cols; j++) {
		/* Rounds up: a column with any traffic is never blank. */
		int h = max > 0 ? (int)((col[j] * levels + max - 1) / max) : 0;
		const char *g;
		char a[2];
		size_t glen;

		if (utf8)
			g = spark_blocks[h];
		else {
			a[0] = spark_ascii[h];
			a[1] = '\0';
			g = a;
		}
		glen = strlen(g);
		if (off + glen + 1 > size)
			return j;
		memcpy(buf + off, g, glen + 1);
		off += glen;
	}
	return (int)cols;
}
