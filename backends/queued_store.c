/* The gateways' queued mail per provider, from their heartbeats. */
#include "backends/queued_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"
#include "core/validate.h"
#include "core/xalloc.h"

/* Adds `name` to names[0..*n) unless it is there or not a node name. */
static void
queued_store_name(char ***names, size_t *n, const char *name)
{
	size_t i;

	if (validate_name(name) != NULL)
		return;
	for (i = 0; i < *n; i++) {
		if (strcmp((*names)[i], name) == 0)
			return;
	}
	*names = xreallocarray(*names, *n + 1, sizeof **names);
	(*names)[(*n)++] = xstrdup(name);
}

int
queued_store_read(struct redis *r, struct queued_list *sum, char *warn,
    size_t warnlen, char *cause, size_t len)
{
	const struct config *cfg = r->cfg;
	struct queued_list one;
	redisReply *set, **rep;
	char key[300], why[256];
	char **names = NULL;
	size_t i, n = 0;
	int used = 0;

	queued_list_init(sum);
	warn[0] = '\0';
	for (i = 0; i < cfg->nnodes; i++)
		queued_store_name(&names, &n, cfg->nodes[i].name);
	set = redis_command(r, "SMEMBERS %s", redis_key(cfg, key, sizeof key,
	    KEY_NODES));
	if (set == NULL)
		goto fail;
	if (set->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < set->elements; i++) {
			if (set->element[i]->type == REDIS_REPLY_STRING)
				queued_store_name(&names, &n,
				    set->element[i]->str);
		}
	} else if (set->type == REDIS_REPLY_ERROR && !redis_wrongtype(set)) {
		redis_set_reply_error(r, set);
		freeReplyObject(set);
		goto fail;
	}
	freeReplyObject(set);
	if (n == 0) {
		free(names);
		return 0;
	}
	for (i = 0; i < n; i++) {
		/* HMGET: what the agents' ACL allows on other nodes. */
		redisAppendCommand(r->ctx, "HMGET %s %s", redis_key(cfg, key,
		    sizeof key, KEY_NODE, names[i]), NF_Q_DOMAINS);
		redisAppendCommand(r->ctx, "EXISTS %s", redis_key(cfg, key,
		    sizeof key, KEY_NODE_ALIVE, names[i]));
	}
	rep = xcalloc(2 * n, sizeof *rep);
	if (redis_read_replies(r, 2 * n, rep) == -1) {
		free(rep);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		const redisReply *v = rep[2 * i], *alive = rep[2 * i + 1];
		size_t k;

		if (v->type == REDIS_REPLY_ARRAY && v->elements == 1)
			v = v->element[0];

		if (v->type == REDIS_REPLY_ERROR && !redis_wrongtype(v)) {
			redis_set_reply_error(r, v);
			for (k = 0; k < 2 * n; k++)
				freeReplyObject(rep[k]);
			free(rep);
			goto fail;
		}
		if (v->type != REDIS_REPLY_STRING ||
		    alive->type != REDIS_REPLY_INTEGER || alive->integer != 1)
			continue;
		if (strlen(v->str) != v->len) {
			snprintf(why, sizeof why, "holds a NUL byte");
		} else if (queued_decode(v->str, &one, why, sizeof why) == 0) {
			for (k = 0; k < one.n; k++)
				queued_list_add(sum, &one.v[k]);
			queued_list_free(&one);
			used++;
			continue;
		}
		if (warn[0] == '\0')
			snprintf(warn, warnlen, "%s's %s ignored: %s", names[i],
			    NF_Q_DOMAINS, why);
	}
	for (i = 0; i < 2 * n; i++)
		freeReplyObject(rep[i]);
	free(rep);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return used;
fail:
	snprintf(cause, len, "cannot read the queued mail per provider: %s",
	    r->errstr);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	queued_list_free(sum);
	return -1;
}

int
queued_store_providers(struct redis *r, struct ml_providers *p)
{
	struct queued_list sum;
	char cause[512];
	int n;

	n = queued_store_read(r, &sum, p->queued_warning,
	    sizeof p->queued_warning, cause, sizeof cause);
	if (n == -1) {
		snprintf(p->queued_warning, sizeof p->queued_warning, "%s",
		    cause);
		return -1;
	}
	ml_providers_queued(p, &sum, n > 0);
	queued_list_free(&sum);
	return n;
}
