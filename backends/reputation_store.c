/* Reading the block-list watches' hashes; asking for a check. */
#include "backends/reputation_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/keys.h"
#include "core/validate.h"
#include "core/xalloc.h"

static long long
reputation_ll(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return *end == '\0' && end != s && v >= 0 ? v : 0;
}

/* Fills one node from its HGETALL reply. */
static void
reputation_fill(struct reputation_node *nd, const redisReply *h)
{
	struct dnsbl_entry e;
	char cause[200];
	size_t i, j;

	nd->published = h->type == REDIS_REPLY_ARRAY && h->elements > 0;
	for (i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements;
	     i += 2) {
		const redisReply *f = h->element[i], *v = h->element[i + 1];

		if (f->type != REDIS_REPLY_STRING || v->type !=
		    REDIS_REPLY_STRING)
			continue;
		if (strcmp(f->str, RF_ROUND_AT) == 0)
			nd->round_at = reputation_ll(v->str);
		else if (strcmp(f->str, RF_ROUND_MS) == 0)
			nd->round_ms = reputation_ll(v->str);
		else if (strcmp(f->str, RF_ROUND_CPU_US) == 0)
			nd->round_cpu_us = reputation_ll(v->str);
		else if (strcmp(f->str, RF_QUERIES) == 0)
			nd->queries = reputation_ll(v->str);
		else if (strcmp(f->str, RF_CHECK_ID) == 0)
			validate_sanitize(nd->check_id, sizeof nd->check_id,
			    v->str);
		else if (strchr(f->str, '|') != NULL) {
			if (dnsbl_entry_parse(&e, f->str, v->str, cause,
			    sizeof cause) == -1) {
				nd->malformed++;
				continue;
			}
			for (j = 0; j < nd->n; j++) {
				if (strcmp(nd->v[j].ip, e.ip) == 0 &&
				    strcmp(nd->v[j].zone, e.zone) == 0)
					nd->v[j] = e;
			}
		}
	}
}

int
reputation_read(struct redis *r, const struct config *cfg,
    struct reputation *out, char *cause, size_t len)
{
	char key[256];
	redisReply **rep;
	size_t i, j, k, n = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	for (i = 0; i < cfg->nnodes; i++)
		n += cfg->nodes[i].role == NODE_GATEWAY &&
		    cfg->nodes[i].negress > 0;
	out->nodes = xcalloc(n + 1, sizeof *out->nodes);
	for (i = 0; i < cfg->nnodes; i++) {
		const struct config_node *c = &cfg->nodes[i];
		struct reputation_node *nd;

		if (c->role != NODE_GATEWAY || c->negress == 0)
			continue;
		nd = &out->nodes[out->n++];
		nd->name = c->name;
		nd->n = c->negress * cfg->dnsbl.nzones;
		nd->v = xcalloc(nd->n + 1, sizeof *nd->v);
		for (k = 0; k < nd->n; k++) {
			snprintf(nd->v[k].ip, sizeof nd->v[k].ip, "%s",
			    c->egress[k / cfg->dnsbl.nzones]);
			snprintf(nd->v[k].zone, sizeof nd->v[k].zone, "%s",
			    cfg->dnsbl.zones[k % cfg->dnsbl.nzones]);
			snprintf(nd->v[k].error, sizeof nd->v[k].error,
			    "not checked yet");
		}
	}
	if (out->n == 0)
		return 0;
	if (redis_ensure(r) == -1) {
		snprintf(cause, len, "cannot read the reputation: %s",
		    r->errstr);
		return -1;
	}
	for (i = 0; i < out->n; i++) {
		redis_key(cfg, key, sizeof key, KEY_REP, out->nodes[i].name);
		redisAppendCommand(r->ctx, "HGETALL %s", key);
	}
	rep = xcalloc(out->n, sizeof *rep);
	if (redis_read_replies(r, out->n, rep) == -1) {
		snprintf(cause, len, "cannot read the reputation: %s",
		    r->errstr);
		free(rep);
		return -1;
	}
	for (i = 0; i < out->n; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR &&
		    !redis_wrongtype(rep[i]) && rc == 0) {
			redis_set_reply_error(r, rep[i]);
			snprintf(cause, len, "cannot read the reputation: %s",
			    r->errstr);
			rc = -1;
		}
		reputation_fill(&out->nodes[i], rep[i]);
		if (redis_wrongtype(rep[i]))
			out->nodes[i].malformed++;
	}
	for (j = 0; j < out->n; j++)
		freeReplyObject(rep[j]);
	free(rep);
	return rc;
}

void
reputation_free(struct reputation *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		free(rep->nodes[i].v);
	free(rep->nodes);
	memset(rep, 0, sizeof *rep);
}

int
reputation_request_check(struct redis *r, const struct config *cfg,
    char *id, size_t idlen, char *cause, size_t len)
{
	char key[256];
	redisReply *rep;

	/* Unique enough: the time in ms and this process. */
	snprintf(id, idlen, "%lld-%ld", clock_wall_ms(), (long)getpid());
	redis_key(cfg, key, sizeof key, KEY_REP_CHECK);
	if ((rep = redis_command(r, "SET %s %s", key, id)) == NULL) {
		snprintf(cause, len, "cannot ask for a check: %s", r->errstr);
		return -1;
	}
	freeReplyObject(rep);
	return 0;
}
