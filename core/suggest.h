/* "Did you mean": the nearest of a few names to a mistyped word. */
#ifndef MAILNOC_SUGGEST_H
#define MAILNOC_SUGGEST_H

#include <stddef.h>

/*
 * The edit distance between a and b, ignoring ASCII case: insertions,
 * deletions, substitutions and swaps of two neighbours each cost 1. Words
 * longer than 63 bytes compare as far apart (SIZE_MAX).
 */
size_t suggest_distance(const char *a, const char *b);

/*
 * The name in `names` (n of them, NULL entries skipped) nearest to `word`,
 * or NULL when none is near enough to be what was meant: at most 1 edit
 * for words of up to 4 letters, 2 for longer ones. A tie goes to the
 * first name.
 */
const char *suggest_best(const char *word, const char *const *names,
    size_t n);

#endif
