/* Wrapping text at blanks: the status line's questions and results. */
#include "core/wrap.h"

#include <string.h>

size_t
wrap_columns(const char *s, size_t len)
{
	size_t i, cols = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cols++;
	}
	return cols;
}

/* How many bytes from s make `cols` columns (never cutting a character). */
static size_t
wrap_bytes(const char *s, size_t len, size_t cols)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == cols)
			return i;
	}
	return len;
}

size_t
wrap_text(const char *text, int width, struct wrap_line *out, size_t max)
{
	size_t len = strlen(text), at = 0, lines = 0, w, fit, cut;

	w = width < 1 ? 1 : (size_t)width;
	do {
		fit = wrap_bytes(text + at, len - at, w);
		cut = fit;
		if (at + fit < len) {
			/* Back to the last blank that fits, or the next one
			 * right at the edge. */
			if (text[at + fit] != ' ') {
				while (cut > 0 && text[at + cut - 1] != ' ')
					cut--;
				if (cut == 0)
					cut = fit;
				else
					cut--;
			}
		}
		if (lines < max) {
			out[lines].start = at;
			out[lines].len = cut;
		}
		lines++;
		at += cut;
		/* The blank broken at belongs to neither line. */
		if (at < len && text[at] == ' ')
			at++;
	} while (at < len);
	return lines;
}
