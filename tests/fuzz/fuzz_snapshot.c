/* Fuzzes the overview's reply parser (snapshot_parse) with a fake Redis
 * reply tree built from the input: a few configured and extra nodes, then
 * one reply per command of the pipeline. Encoding, one reply: a type byte
 * (mod 6: string, array, integer, nil, status, error), then for strings a
 * 16-bit little-endian length and the bytes, for integers 8 bytes, for
 * arrays a count byte and the elements. Input that runs out gives nils. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "backends/snapshot.h"
#include "core/config.h"
#include "core/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned
next(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static redisReply *
build(struct input *in, int depth, int top)
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
	r->type = types[next(in) % (top ? 5 : 6)];
	switch (r->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_ERROR:
		len = next(in);
		len |= (size_t)next(in) << 8;
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
			r->integer |= (long long)((unsigned long long)next(in) <<
			    (8 * i));
		break;
	case REDIS_REPLY_ARRAY:
		r->elements = depth < 4 ? next(in) : 0;
		r->element = calloc(r->elements + 1, sizeof *r->element);
		for (i = 0; i < r->elements; i++)
			r->element[i] = build(in, depth + 1, 0);
		break;
	}
	return r;
}

static void
release(redisReply *r)
{
	size_t i;

	for (i = 0; i < r->elements; i++)
		release(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *conf[] = { "gw1", "gw2", "mbx1" };
	static char *extra[] = { "gw9", "old-node" };
	char *names[5];
	struct config_node nodes[3];
	struct config cfg;
	struct snapshot_query q;
	struct input in = { data, size };
	struct snapshot *s;
	redisReply **rep;
	size_t i;

	memset(&cfg, 0, sizeof cfg);
	memset(nodes, 0, sizeof nodes);
	memset(&q, 0, sizeof q);
	cfg.nodes = nodes;
	cfg.nnodes = next(&in) % 4;
	for (i = 0; i < cfg.nnodes; i++) {
		nodes[i].name = conf[i];
		nodes[i].cluster = i < 2 ? "edge" : "store";
		nodes[i].role = i < 2 ? NODE_GATEWAY : NODE_MAILBOX;
	}
	q.nconfigured = cfg.nnodes;
	q.nnames = cfg.nnodes + next(&in) % 3;
	for (i = 0; i < q.nnames; i++)
		names[i] = i < cfg.nnodes ? conf[i] : extra[i - cfg.nnodes];
	q.names = names;
	q.ncmd = 1 + 2 * q.nnames + 4;
	rep = calloc(q.ncmd, sizeof *rep);
	for (i = 0; i < q.ncmd; i++)
		rep[i] = build(&in, 0, 1);
	s = snapshot_parse(&cfg, &q, rep);
	snapshot_free(s);
	for (i = 0; i < q.ncmd; i++)
		release(rep[i]);
	free(rep);
	return 0;
}
