/* A fake hiredis reply tree built from fuzz input, for the targets of the
 * parsers of Redis replies. Encoding, one reply: a type byte (mod 6:
 * string, array, integer, nil, status, error), then for strings a 16-bit
 * little-endian length and the bytes, for integers 8 bytes little-endian,
 * for arrays a count byte and the elements (nested at most 4 deep). Input
 * that runs out gives nils. */
#ifndef MAILNOC_FUZZ_REPLY_H
#define MAILNOC_FUZZ_REPLY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

struct fuzz_input {
	const uint8_t *p;
	size_t left;
};

static unsigned
fuzz_next(struct fuzz_input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

/* A reply; `top`: not an error (a pipeline's errors are handled before). */
static redisReply *
fuzz_reply(struct fuzz_input *in, int depth, int top)
{
	redisReply *r = calloc(1, sizeof *r);
	static const int types[] = {
		REDIS_REPLY_STRING, REDIS_REPLY_ARRAY, REDIS_REPLY_INTEGER,
		REDIS_REPLY_NIL, REDIS_REPLY_STATUS, REDIS_REPLY_ERROR,
	};
	size_t i, len;

	if (in->left == 0) {
		r->type = REDIS_REPLY_NIL;
		return r;
	}
	r->type = types[fuzz_next(in) % (top ? 5 : 6)];
	switch (r->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_ERROR:
		len = fuzz_next(in);
		len |= (size_t)fuzz_next(in) << 8;
		if (len > in->left)
			len = in->left;
		r->str = malloc(len + 1);
		memcpy(r->str, in->p, len);
		r->str[len] = '\0';
		r->len = len;
		in->p += len;
		in->left -= len;
		break;
	case REDIS_REPLY_INTEGER:
		for (i = 0; i < 8; i++)
			r->integer |= (long long)((unsigned long long)
			    fuzz_next(in) << (8 * i));
		break;
	case REDIS_REPLY_ARRAY:
		r->elements = depth < 4 ? fuzz_next(in) : 0;
		r->element = calloc(r->elements + 1, sizeof *r->element);
		for (i = 0; i < r->elements; i++)
			r->element[i] = fuzz_reply(in, depth + 1, 0);
		break;
	}
	return r;
}

static void
fuzz_reply_free(redisReply *r)
{
	size_t i;

	for (i = 0; i < r->elements; i++)
		fuzz_reply_free(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

/* Text a parser kept from a reply: no control characters, or a crash. */
static void
fuzz_reply_check_text(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			__builtin_trap();
}

#endif
