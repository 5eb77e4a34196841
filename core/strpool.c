/* The string pool: chunks, an id table and an open-addressing index. */
#include "core/strpool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/*
 * An id maps to a 32-bit offset: the chunk number in the high bits, the
 * position inside the chunk in the low ones. Chunks are 256 KiB, so a pool
 * holds up to 4 GiB of text with 4 bytes per id.
 */
#define CHUNK_SHIFT 18
#define CHUNK_SIZE (1u << CHUNK_SHIFT)
#define CHUNK_MAX (1u << (32 - CHUNK_SHIFT))
#define SLOTS_MIN 1024

struct strpool_slot {
	uint32_t id; /* 0: empty ("" is never in the index) */
	uint32_t hash;
};

struct strpool {
	char **chunks;
	size_t nchunks;
	uint32_t used; /* bytes used in the last chunk */

	uint32_t *offs; /* id -> offset */
	uint32_t count;
	uint32_t offcap;

	struct strpool_slot *slots;
	uint32_t nslots; /* a power of two */
	uint32_t nfull;
};

static void
strpool_die(const char *why)
{
	xfatal("string pool full: %s", why);
}

uint32_t
strpool_hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len, w;

	while (len >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
		s += 8;
		len -= 8;
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

struct strpool *
strpool_new(void)
{
	struct strpool *sp = xcalloc(1, sizeof *sp);

	sp->chunks = xmalloc(sizeof *sp->chunks);
	sp->chunks[0] = xmalloc(CHUNK_SIZE);
	sp->chunks[0][0] = '\0';
	sp->nchunks = 1;
	sp->used = 1;

	sp->offcap = 1024;
	sp->offs = xreallocarray(NULL, sp->offcap, sizeof *sp->offs);
	sp->offs[0] = 0;
	sp->count = 1;

	sp->nslots = SLOTS_MIN;
	sp->slots = xcalloc(sp->nslots, sizeof *sp->slots);
	return sp;
}

void
strpool_free(struct strpool *sp)
{
	size_t i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->nchunks; i++)
		free(sp->chunks[i]);
	free(sp->chunks);
	free(sp->offs);
	free(sp->slots);
	free(sp);
}

/* Copies the string into the last chunk (or a new one) and gives it an id. */
static uint32_t
strpool_store(struct strpool *sp, const char *s, size_t len)
{
	uint32_t off;
	char *dst;

	if (len > STRPOOL_MAXLEN)
		len = STRPOOL_MAXLEN;
	if (sp->used + len + 1 > CHUNK_SIZE) {
		if (sp->nchunks == CHUNK_MAX)
			strpool_die("more than 4 GiB of text");
		sp->chunks = xreallocarray(sp->chunks, sp->nchunks + 1,
		    sizeof *sp->chunks);
		sp->chunks[sp->nchunks++] = xmalloc(CHUNK_SIZE);
		sp->used = 0;
	}
	if (sp->count == UINT32_MAX - 1)
		strpool_die("too many strings");
	if (sp->count == sp->offcap) {
		sp->offcap *= 2;
		sp->offs = xreallocarray(sp->offs, sp->offcap,
		    sizeof *sp->offs);
	}
	off = (uint32_t)((sp->nchunks - 1) << CHUNK_SHIFT) | sp->used;
	dst = sp->chunks[sp->nchunks - 1] + sp->used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	sp->used += (uint32_t)len + 1;
	sp->offs[sp->count] = off;
	return sp->count++;
}

const char *
strpool_str(const struct strpool *sp, uint32_t id)
{
	uint32_t off;

	if (id >= sp->count)
		return "";
	off = sp->offs[id];
	return sp->chunks[off >> CHUNK_SHIFT] + (off & (CHUNK_SIZE - 1));
}

static int
strpool_same(const struct strpool *sp, uint32_t id, const char *s, size_t len)
{
	const char *t = strpool_str(sp, id);

	return memcmp(t, s, len) == 0 && t[len] == '\0';
}

static void
strpool_grow(struct strpool *sp)
{
	struct strpool_slot *old = sp->slots;
	uint32_t i, j, n = sp->nslots, mask;

	if (n > UINT32_MAX / 4)
		strpool_die("index too large");
	sp->nslots = n * 2;
	sp->slots = xcalloc(sp->nslots, sizeof *sp->slots);
	mask = sp->nslots - 1;
	for (i = 0; i < n; i++) {
		if (old[i].id == 0)
			continue;
		j = old[i].hash & mask;
		while (sp->slots[j].id != 0)
			j = (j + 1) & mask;
		sp->slots[j] = old[i];
	}
	free(old);
}

uint32_t
strpool_find(const struct strpool *sp, const char *s, size_t len)
{
	uint32_t h, i, mask = sp->nslots - 1;

	if (len > STRPOOL_MAXLEN)
		len = STRPOOL_MAXLEN;
	if (len == 0)
		return 0;
	h = strpool_hash(s, len);
	for (i = h & mask; sp->slots[i].id != 0; i = (i + 1) & mask) {
		if (sp->slots[i].hash == h && strpool_same(sp, sp->slots[i].id,
		    s, len))
			return sp->slots[i].id;
	}
	return UINT32_MAX;
}

uint32_t
strpool_intern(struct strpool *sp, const char *s, size_t len)
{
	uint32_t h, i, id, mask;

	if (len > STRPOOL_MAXLEN)
		len = STRPOOL_MAXLEN;
	if (len == 0)
		return 0;
	h = strpool_hash(s, len);
	mask = sp->nslots - 1;
	for (i = h & mask; sp->slots[i].id != 0; i = (i + 1) & mask) {
		if (sp->slots[i].hash == h && strpool_same(sp, sp->slots[i].id,
		    s, len))
			return sp->slots[i].id;
	}
	id = strpool_store(sp, s, len);
	sp->slots[i].id = id;
	sp->slots[i].hash = h;
	/* Keep the index at most 70% full so probes stay short. */
	if (++sp->nfull * 10ULL >= sp->nslots * 7ULL)
		strpool_grow(sp);
	return id;
}

uint32_t
strpool_add(struct strpool *sp, const char *s, size_t len)
{
	if (len == 0)
		return 0;
	return strpool_store(sp, s, len);
}

uint32_t
strpool_count(const struct strpool *sp)
{
	return sp->count;
}

size_t
strpool_memory(const struct strpool *sp)
{
	return sizeof *sp +
	    sp->nchunks * ((size_t)CHUNK_SIZE + sizeof(char *)) +
	    (size_t)sp->offcap * sizeof *sp->offs +
	    (size_t)sp->nslots * sizeof *sp->slots;
}
