/* Completion of the console's ':' line from the command table. */
#ifndef MAILNOC_COMPLETE_H
#define MAILNOC_COMPLETE_H

#include <stddef.h>

#include "core/config.h"

/*
 * The words that may stand where the word before `pos` in `line` begins
 * (not yet narrowed to that word's beginning): the commands first; then
 * the entry's subcommands, its options (a word beginning with '-'), the
 * node names of `cfg` where a node goes (an argument NODE, --node's
 * value), the words a usage lists (view overview|clusters|...), and
 * `ips` (the IPs the console shows, nips of them) where an IP goes.
 * Returns their number, each in *out (complete_free); 0 with *out NULL
 * when nothing completes there.
 */
size_t complete_words(const char *line, size_t pos, const struct config *cfg,
    const char *const *ips, size_t nips, char ***out);

void complete_free(char **v, size_t n);

#endif
