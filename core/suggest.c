/* "Did you mean": the nearest name to a mistyped word (edit distance). */
#include "core/suggest.h"

#include <stdint.h>
#include <string.h>

#define SUGGEST_MAX 64

static int
suggest_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static size_t
suggest_min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t
suggest_distance(const char *a, const char *b)
{
	/* Three rows of the table: the one before last for swaps. */
	size_t rows[3][SUGGEST_MAX], la = strlen(a), lb = strlen(b), i, j;
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t;

	if (la >= SUGGEST_MAX || lb >= SUGGEST_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int ca = suggest_lower((unsigned char)a[i - 1]);
			int cb = suggest_lower((unsigned char)b[j - 1]);
			size_t cost = ca == cb ? 0 : 1;

			cur[j] = suggest_min3(prev[j] + 1, cur[j - 1] + 1,
			    prev[j - 1] + cost);
			if (i > 1 && j > 1 && ca ==
			    suggest_lower((unsigned char)b[j - 2]) &&
			    suggest_lower((unsigned char)a[i - 2]) == cb &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *
suggest_best(const char *word, const char *const *names, size_t n)
{
	size_t i, d, best = SIZE_MAX, limit = strlen(word) <= 4 ? 1 : 2;
	const char *found = NULL;

	for (i = 0; i < n; i++) {
		if (names[i] == NULL)
			continue;
		d = suggest_distance(word, names[i]);
		if (d <= limit && d < best) {
			best = d;
			found = names[i];
		}
	}
	return found;
}
