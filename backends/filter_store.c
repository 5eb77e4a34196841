/* Reading the filter's keys: one pipelined round trip per call. */
#include "backends/filter_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"
#include "core/validate.h"
#include "core/xalloc.h"

/* HMGET of the bucket fields of one key. */
static void
filter_store_bucket(struct redis *r, const struct config *cfg,
    const char *node, const char *gran, long long b)
{
	const char *argv[2 + FILTER_ACTIONS + 2];
	char key[256];
	int i;

	redis_key(cfg, key, sizeof key, KEY_FILTER_BUCKET, node, gran, b);
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < FILTER_ACTIONS + 2; i++)
		argv[2 + i] = filter_bucket_field[i];
	redisAppendCommandArgv(r->ctx, 2 + FILTER_ACTIONS + 2, argv, NULL);
}

/* The values of an HMGET reply, NULL for absent ones. */
static void
filter_store_values(const redisReply *rep, const char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = rep->type == REDIS_REPLY_ARRAY && i < rep->elements &&
		    rep->element[i]->type == REDIS_REPLY_STRING ?
		    rep->element[i]->str : NULL;
}

/* The hash, this minute, 24 hours, the held records' count. */
#define PER_NODE (3 + FILTER_HOURS)

int
filter_store_read(struct redis *r, const struct config *cfg, long long now,
    struct filter_node **out, size_t *n, char *cause, size_t len)
{
	const char *argv[2 + FF_COUNT], *v[FF_COUNT + FILTER_ACTIONS + 2];
	const struct config_node **gw;
	redisReply **rep;
	char key[256];
	size_t i, k, ngw = 0;
	int h, rc = 0;

	*out = NULL;
	*n = 0;
	gw = xcalloc(cfg->nnodes + 1, sizeof *gw);
	for (i = 0; i < cfg->nnodes; i++) {
		if (cfg->nodes[i].role == NODE_GATEWAY &&
		    cfg->nodes[i].filter.controller.host != NULL)
			gw[ngw++] = &cfg->nodes[i];
	}
	if (ngw == 0) {
		free(gw);
		return 0;
	}
	if (redis_ensure(r) == -1) {
		snprintf(cause, len, "cannot read the filters: %s", r->errstr);
		free(gw);
		return -1;
	}
	for (i = 0; i < ngw; i++) {
		redis_key(cfg, key, sizeof key, KEY_FILTER, gw[i]->name);
		argv[0] = "HMGET";
		argv[1] = key;
		for (k = 0; k < FF_COUNT; k++)
			argv[2 + k] = filter_field_names[k];
		redisAppendCommandArgv(r->ctx, 2 + FF_COUNT, argv, NULL);
		filter_store_bucket(r, cfg, gw[i]->name, "m", now / 60);
		for (h = FILTER_HOURS - 1; h >= 0; h--)
			filter_store_bucket(r, cfg, gw[i]->name, "h",
			    now / 3600 - h);
		redis_key(cfg, key, sizeof key, KEY_FILTER_HELD, gw[i]->name);
		redisAppendCommand(r->ctx, "HLEN %s", key);
	}
	rep = xcalloc(ngw * PER_NODE, sizeof *rep);
	if (redis_read_replies(r, ngw * PER_NODE, rep) == -1) {
		snprintf(cause, len, "cannot read the filters: %s", r->errstr);
		free(rep);
		free(gw);
		return -1;
	}
	*out = xcalloc(ngw, sizeof **out);
	*n = ngw;
	for (i = 0; i < ngw; i++) {
		struct filter_node *fn = &(*out)[i];
		redisReply **nr = &rep[i * PER_NODE];

		for (k = 0; k < PER_NODE; k++) {
			if (nr[k]->type == REDIS_REPLY_ERROR && rc == 0 &&
			    !redis_wrongtype(nr[k])) {
				redis_set_reply_error(r, nr[k]);
				snprintf(cause, len, "cannot read the filters: "
				    "%s", r->errstr);
				rc = -1;
			}
		}
		filter_store_values(nr[0], v, FF_COUNT);
		filter_node_parse(fn, gw[i]->name, v);
		filter_store_values(nr[1], v, FILTER_ACTIONS + 2);
		filter_bucket_add(fn->minute, v);
		for (h = 0; h < FILTER_HOURS; h++) {
			long long b[FILTER_ACTIONS + 2];

			memset(b, 0, sizeof b);
			filter_store_values(nr[2 + h], v, FILTER_ACTIONS + 2);
			filter_bucket_add(b, v);
			for (k = 0; k < FILTER_ACTIONS + 2; k++)
				fn->day[k] += b[k];
			fn->rejects_by_hour[h] = b[FILTER_REJECT];
			if (h == FILTER_HOURS - 1)
				memcpy(fn->hour, b, sizeof fn->hour);
			if (h >= FILTER_HOURS - 2)
				fn->unscanned_recent += b[FILTER_B_UNSCANNED];
		}
		if (nr[PER_NODE - 1]->type == REDIS_REPLY_INTEGER)
			fn->held = nr[PER_NODE - 1]->integer;
	}
	for (k = 0; k < ngw * PER_NODE; k++)
		freeReplyObject(rep[k]);
	free(rep);
	free(gw);
	return rc;
}

int
filter_store_held(struct redis *r, const struct config *cfg,
    const char *node, struct filter_quarantined **out, size_t *n,
    char *cause, size_t len)
{
	const struct config_node **gw;
	redisReply **rep;
	char key[256];
	size_t i, j, ngw = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	gw = xcalloc(cfg->nnodes + 1, sizeof *gw);
	for (i = 0; i < cfg->nnodes; i++) {
		if (cfg->nodes[i].role == NODE_GATEWAY && (node == NULL ||
		    strcmp(node, cfg->nodes[i].name) == 0))
			gw[ngw++] = &cfg->nodes[i];
	}
	if (ngw == 0) {
		free(gw);
		return 0;
	}
	if (redis_ensure(r) == -1) {
		snprintf(cause, len, "cannot read the quarantine: %s",
		    r->errstr);
		free(gw);
		return -1;
	}
	for (i = 0; i < ngw; i++) {
		redis_key(cfg, key, sizeof key, KEY_FILTER_HELD, gw[i]->name);
		redisAppendCommand(r->ctx, "HGETALL %s", key);
	}
	rep = xcalloc(ngw, sizeof *rep);
	if (redis_read_replies(r, ngw, rep) == -1) {
		snprintf(cause, len, "cannot read the quarantine: %s",
		    r->errstr);
		free(rep);
		free(gw);
		return -1;
	}
	for (i = 0; i < ngw; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR && rc == 0) {
			redis_set_reply_error(r, rep[i]);
			snprintf(cause, len, "cannot read the quarantine: %s",
			    r->errstr);
			rc = -1;
		}
		for (j = 0; rep[i]->type == REDIS_REPLY_ARRAY &&
		     j + 1 < rep[i]->elements; j += 2) {
			const redisReply *f = rep[i]->element[j];
			const redisReply *x = rep[i]->element[j + 1];
			struct filter_quarantined *q;

			if (f->type != REDIS_REPLY_STRING ||
			    x->type != REDIS_REPLY_STRING ||
			    validate_queue_id(f->str) != NULL ||
			    f->len >= sizeof q->qid)
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				*out = xrealloc(*out, cap * sizeof **out);
			}
			q = &(*out)[*n];
			if (filter_held_parse(x->str, &q->h) == -1)
				continue;
			snprintf(q->node, sizeof q->node, "%s", gw[i]->name);
			snprintf(q->qid, sizeof q->qid, "%s", f->str);
			(*n)++;
		}
		freeReplyObject(rep[i]);
	}
	free(rep);
	free(gw);
	return rc;
}
