/* A string pool: interned strings with dense ids, in chunks that never move. */
#ifndef MAILNOC_STRPOOL_H
#define MAILNOC_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Strings are copied into fixed-size chunks and named by a dense id: 0 is
 * always "", then 1, 2, ... in the order strings were added, so callers can
 * keep side arrays indexed by id. A pointer returned by strpool_str() stays
 * valid until strpool_free(): chunks are never moved or reused.
 *
 * A pool is not locked: one thread builds it, and once handed over it is
 * only read. Running out of memory ends the program (core/xalloc.h).
 */

/* Longest string kept; longer input is cut to this many bytes. */
#define STRPOOL_MAXLEN 65535

struct strpool;

struct strpool *strpool_new(void);
void strpool_free(struct strpool *sp);

/* Returns the id of the `len` bytes at `s`, adding a copy the first time. */
uint32_t strpool_intern(struct strpool *sp, const char *s, size_t len);
/* Adds a copy without interning (for strings known to be unique, such as
 * queue IDs): a later strpool_intern() of the same text gets another id. */
uint32_t strpool_add(struct strpool *sp, const char *s, size_t len);
/* Returns the id of an interned string, or UINT32_MAX if it is absent. */
uint32_t strpool_find(const struct strpool *sp, const char *s, size_t len);

/* Returns the NUL-terminated string with that id; "" for an unknown id. */
const char *strpool_str(const struct strpool *sp, uint32_t id);
/* Number of ids handed out so far, "" included: ids are 0 .. count - 1. */
uint32_t strpool_count(const struct strpool *sp);
/* Bytes the pool has allocated (chunks, id table, hash table). */
size_t strpool_memory(const struct strpool *sp);

/* The hash the pool uses, for callers building their own tables. */
uint32_t strpool_hash(const char *s, size_t len);

#endif
