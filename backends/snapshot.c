/* The overview's data: one pipeline of reads, parsed into a snapshot. */
#include "backends/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/keys.h"
#include "core/validate.h"
#include "core/xalloc.h"

/* Parses a decimal integer in [min, max]; returns 0 or -1. */
static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void
node_reset(struct node_status *n)
{
	size_t q;

	memset(n, 0, sizeof *n);
	for (q = 0; q < Q_COUNT; q++)
		n->queue[q] = -1;
	n->oldest_age = -1;
	n->load1 = -1;
	n->disk_pct = -1;
}

static void
node_field(struct node_status *n, const char *k, const char *v)
{
	static const char *const qfields[Q_COUNT] = { NF_Q_INCOMING,
		NF_Q_ACTIVE, NF_Q_DEFERRED, NF_Q_HOLD, NF_Q_CORRUPT };
	enum node_state st;
	long l;
	size_t q;

	for (q = 0; q < Q_COUNT; q++) {
		if (strcmp(k, qfields[q]) == 0) {
			if (parse_long(v, 0, 1000000000L, &l) == 0)
				n->queue[q] = l;
			return;
		}
	}
	if (strcmp(k, NF_STATE) == 0) {
		if (node_state_parse(v, &st) == 0)
			n->state = st;
	} else if (strcmp(k, NF_ROLE) == 0 && !n->configured) {
		if (strcmp(v, "gateway") == 0)
			n->role = NODE_GATEWAY;
		else if (strcmp(v, "mailbox") == 0)
			n->role = NODE_MAILBOX;
	} else if (strcmp(k, NF_CLUSTER) == 0 && !n->configured) {
		if (validate_name(v) == NULL)
			snprintf(n->cluster, sizeof n->cluster, "%s", v);
	} else if (strcmp(k, NF_UPDATED_AT) == 0) {
		if (parse_long(v, 0, 1L << 40, &l) == 0)
			n->updated_at = l;
	} else if (strcmp(k, NF_INTERVAL) == 0) {
		if (parse_long(v, 1, 3600, &l) == 0)
			n->interval = (int)l;
	} else if (strcmp(k, NF_OLDEST_AGE) == 0) {
		if (parse_long(v, 0, 1L << 40, &l) == 0)
			n->oldest_age = l;
	} else if (strcmp(k, NF_DISK_PCT) == 0) {
		if (parse_long(v, 0, 100, &l) == 0)
			n->disk_pct = (int)l;
	} else if (strcmp(k, NF_LOAD) == 0) {
		char *end;
		double d = strtod(v, &end);

		if (end != v && *end == '\0' && d >= 0 && d < 1e6)
			n->load1 = d;
	} else if (strcmp(k, NF_DRAIN) == 0) {
		n->drain = strcmp(v, "1") == 0;
	} else if (strcmp(k, NF_LAST_BACKUP) == 0) {
		if (strlen(v) == 10 && v[4] == '-' && v[7] == '-' &&
		    strspn(v, "0123456789-") == 10)
			snprintf(n->last_backup, sizeof n->last_backup, "%s", v);
	} else if (strcmp(k, NF_VERSION) == 0) {
		if (strspn(v, "0123456789.-abcdefghijklmnopqrstuvwxyz") ==
		    strlen(v))
			snprintf(n->version, sizeof n->version, "%s", v);
	} else if (strcmp(k, NF_MTA_VERSION) == 0) {
		if (strspn(v, "0123456789.-abcdefghijklmnopqrstuvwxyz ()") ==
		    strlen(v))
			snprintf(n->mta_version, sizeof n->mta_version, "%s", v);
	}
}

static void
node_parse(struct node_status *n, const redisReply *hash,
    const redisReply *alive)
{
	size_t i;

	if (hash->type == REDIS_REPLY_ARRAY && hash->elements >= 2) {
		n->seen = true;
		for (i = 0; i + 1 < hash->elements; i += 2) {
			const redisReply *k = hash->element[i];
			const redisReply *v = hash->element[i + 1];

			if (k->type == REDIS_REPLY_STRING &&
			    v->type == REDIS_REPLY_STRING &&
			    strlen(k->str) == k->len && strlen(v->str) == v->len)
				node_field(n, k->str, v->str);
		}
	}
	n->alive = alive->type == REDIS_REPLY_INTEGER && alive->integer == 1;
}

static const char *
field_value(const redisReply *fields, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < fields->elements; i += 2) {
		if (fields->element[i]->type == REDIS_REPLY_STRING &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(fields->element[i]->str, name) == 0)
			return fields->element[i + 1]->str;
	}
	return "";
}

/* Copies printable ASCII only: event text is shown on a terminal. */
static void
copy_printable(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[i] = '\0';
}

static void
events_parse(struct snapshot *s, const redisReply *r)
{
	size_t i;
	long l;

	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0)
		return;
	s->events = xcalloc(r->elements, sizeof *s->events);
	for (i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i], *f;
		struct event *ev = &s->events[s->nevents];

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING ||
		    e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		f = e->element[1];
		copy_printable(ev->id, sizeof ev->id, e->element[0]->str);
		copy_printable(ev->type, sizeof ev->type, field_value(f, EV_TYPE));
		copy_printable(ev->node, sizeof ev->node, field_value(f, EV_NODE));
		copy_printable(ev->cluster, sizeof ev->cluster,
		    field_value(f, EV_CLUSTER));
		copy_printable(ev->from, sizeof ev->from, field_value(f, EV_FROM));
		copy_printable(ev->to, sizeof ev->to, field_value(f, EV_TO));
		copy_printable(ev->detail, sizeof ev->detail,
		    field_value(f, EV_DETAIL));
		if (parse_long(field_value(f, EV_AT), 0, 1L << 40, &l) == 0)
			ev->at = l;
		else
			ev->at = atoll(ev->id) / 1000;
		s->nevents++;
	}
}

static long
integer_of(const redisReply *r)
{
	return r->type == REDIS_REPLY_INTEGER ? (long)r->integer : -1;
}

struct snapshot *
snapshot_fetch(struct redis *r, char *const *extra, size_t nextra)
{
	const struct config *cfg = r->cfg;
	size_t i, j, nn = cfg->nnodes + nextra, ncmd = 2 * nn + 5;
	struct snapshot *s;
	redisReply **rep;
	char key[300];

	if (redis_ensure(r) == -1)
		return NULL;
	redisAppendCommand(r->ctx, "SMEMBERS %s",
	    redis_key(cfg, key, sizeof key, KEY_NODES));
	for (i = 0; i < nn; i++) {
		const char *name = i < cfg->nnodes ? cfg->nodes[i].name :
						     extra[i - cfg->nnodes];

		redisAppendCommand(r->ctx, "HGETALL %s",
		    redis_key(cfg, key, sizeof key, KEY_NODE, name));
		redisAppendCommand(r->ctx, "EXISTS %s",
		    redis_key(cfg, key, sizeof key, KEY_NODE_ALIVE, name));
	}
	redisAppendCommand(r->ctx, "XREVRANGE %s + - COUNT %d",
	    redis_key(cfg, key, sizeof key, KEY_EVENTS), SNAPSHOT_EVENTS);
	redisAppendCommand(r->ctx, "SCARD %s",
	    redis_key(cfg, key, sizeof key, KEY_AGENCIES));
	redisAppendCommand(r->ctx, "ZCARD %s",
	    redis_key(cfg, key, sizeof key, KEY_BLOCKS));
	redisAppendCommand(r->ctx, "HLEN %s",
	    redis_key(cfg, key, sizeof key, KEY_PERMIT));

	rep = xcalloc(ncmd, sizeof *rep);
	if (redis_read_replies(r, ncmd, rep) == -1) {
		free(rep);
		return NULL;
	}
	for (i = 0; i < ncmd; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			redis_set_reply_error(r, rep[i]);
			for (j = 0; j < ncmd; j++)
				freeReplyObject(rep[j]);
			free(rep);
			return NULL;
		}
	}

	s = xcalloc(1, sizeof *s);
	s->taken_ms = clock_wall_ms();
	s->round_trips = 1;
	s->nnodes = nn;
	s->nodes = xcalloc(nn, sizeof *s->nodes);
	for (i = 0; i < nn; i++) {
		struct node_status *n = &s->nodes[i];

		node_reset(n);
		if (i < cfg->nnodes) {
			const struct config_node *cn = &cfg->nodes[i];

			snprintf(n->name, sizeof n->name, "%s", cn->name);
			snprintf(n->cluster, sizeof n->cluster, "%s", cn->cluster);
			n->role = cn->role;
			n->configured = true;
		} else
			snprintf(n->name, sizeof n->name, "%s",
			    extra[i - cfg->nnodes]);
		node_parse(n, rep[1 + 2 * i], rep[2 + 2 * i]);
	}

	/* Members of the nodes set we did not fetch: next time we will. */
	if (rep[0]->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < rep[0]->elements; i++) {
			const redisReply *m = rep[0]->element[i];

			if (m->type != REDIS_REPLY_STRING ||
			    validate_name(m->str) != NULL ||
			    snapshot_node(s, m->str) != NULL)
				continue;
			s->unknown = xreallocarray(s->unknown, s->nunknown + 1,
			    sizeof *s->unknown);
			s->unknown[s->nunknown++] = xstrdup(m->str);
		}
	}
	events_parse(s, rep[1 + 2 * nn]);
	s->nagencies = integer_of(rep[2 + 2 * nn]);
	s->nblocks = integer_of(rep[3 + 2 * nn]);
	s->npermits = integer_of(rep[4 + 2 * nn]);
	for (i = 0; i < ncmd; i++)
		freeReplyObject(rep[i]);
	free(rep);
	return s;
}
