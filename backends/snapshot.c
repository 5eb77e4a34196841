/* The overview's data: one pipeline of reads, parsed into a snapshot. */
#include "backends/snapshot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/keys.h"
#include "core/role_mailbox.h"
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
	n->log_age = -1;
	n->load1 = -1;
	n->disk_pct = -1;
	n->policy_copy_age = -1;
	n->policy_copy_decisions = -1;
	n->backup_done_at = n->backup_bytes = -1;
	n->backup_mailboxes = n->backup_gaps = -1;
}

/*
 * The fields fetched with HMGET, in this order: asking for values only
 * halves what hiredis has to allocate compared with HGETALL.
 */
static const char *const node_fields[] = {
	NF_Q_INCOMING, NF_Q_ACTIVE, NF_Q_DEFERRED, NF_Q_HOLD, NF_Q_CORRUPT,
	NF_STATE, NF_ROLE, NF_CLUSTER, NF_UPDATED_AT, NF_INTERVAL,
	NF_OLDEST_AGE, NF_DISK_PCT, NF_LOAD, NF_DRAIN, NF_LAST_BACKUP,
	NF_VERSION, NF_MTA_VERSION, NF_LOG_AGE, NF_POLICY, NF_POLICY_COPY_AGE,
	NF_POLICY_COPY_DECISIONS,
	NF_BACKUP_DONE_AT, NF_BACKUP_BYTES, NF_BACKUP_MAILBOXES,
	NF_BACKUP_RESULT, NF_BACKUP_GAPS, NF_BACKUP_GAP,
	NF_ROLE_MBX, NF_AGENCY_DELAY,
};
#define NODE_NFIELDS (sizeof node_fields / sizeof node_fields[0])

/* Positions in node_fields. */
enum {
	F_STATE = Q_COUNT, F_ROLE, F_CLUSTER, F_UPDATED_AT, F_INTERVAL,
	F_OLDEST_AGE, F_DISK_PCT, F_LOAD, F_DRAIN, F_LAST_BACKUP, F_VERSION,
	F_MTA_VERSION, F_LOG_AGE, F_POLICY, F_POLICY_COPY_AGE,
	F_POLICY_COPY_DECISIONS,
	F_BACKUP_DONE_AT, F_BACKUP_BYTES, F_BACKUP_MAILBOXES,
	F_BACKUP_RESULT, F_BACKUP_GAPS, F_BACKUP_GAP,
	F_ROLE_MBX, F_AGENCY_DELAY,
};

static void
node_field(struct node_status *n, size_t field, const char *v)
{
	enum node_state st;
	char *end;
	double d;
	long l;

	if (field < Q_COUNT) {
		if (parse_long(v, 0, 1000000000L, &l) == 0)
			n->queue[field] = l;
		return;
	}
	switch (field) {
	case F_STATE:
		if (node_state_parse(v, &st) == 0)
			n->state = st;
		break;
	case F_ROLE:
		if (n->configured)
			break;
		if (strcmp(v, "gateway") == 0)
			n->role = NODE_GATEWAY;
		else if (strcmp(v, "mailbox") == 0)
			n->role = NODE_MAILBOX;
		break;
	case F_CLUSTER:
		if (!n->configured && validate_name(v) == NULL)
			snprintf(n->cluster, sizeof n->cluster, "%s", v);
		break;
	case F_UPDATED_AT:
		if (parse_long(v, 0, 1L << 40, &l) == 0)
			n->updated_at = l;
		break;
	case F_INTERVAL:
		if (parse_long(v, 1, 3600, &l) == 0)
			n->interval = (int)l;
		break;
	case F_OLDEST_AGE:
		if (parse_long(v, 0, 1L << 40, &l) == 0)
			n->oldest_age = l;
		break;
	case F_LOG_AGE:
		if (parse_long(v, 0, 1L << 40, &l) == 0)
			n->log_age = l;
		break;
	case F_DISK_PCT:
		if (parse_long(v, 0, 100, &l) == 0)
			n->disk_pct = (int)l;
		break;
	case F_LOAD:
		d = strtod(v, &end);
		if (end != v && *end == '\0' && d >= 0 && d < 1e6)
			n->load1 = d;
		break;
	case F_DRAIN:
		n->drain = strcmp(v, "1") == 0;
		break;
	case F_ROLE_MBX:
	case F_AGENCY_DELAY: {
		struct role_mbx rm[ROLE_MBX_MAX];
		char *dst = field == F_ROLE_MBX ? n->role_mbx : n->agency_delay;

		/* Checked once, here: the console trusts it from now on. */
		if (strlen(v) < sizeof n->role_mbx &&
		    role_mbx_parse(v, rm, ROLE_MBX_MAX) >= 0)
			snprintf(dst, sizeof n->role_mbx, "%s", v);
		break;
	}
	case F_LAST_BACKUP:
		if (strlen(v) == 10 && v[4] == '-' && v[7] == '-' &&
		    strspn(v, "0123456789-") == 10)
			snprintf(n->last_backup, sizeof n->last_backup, "%s", v);
		break;
	case F_BACKUP_GAP:
		if (strlen(v) == 10 && v[4] == '-' && v[7] == '-' &&
		    strspn(v, "0123456789-") == 10)
			snprintf(n->backup_gap, sizeof n->backup_gap, "%s", v);
		break;
	case F_BACKUP_DONE_AT:
		if (parse_long(v, 0, 1L << 40, &l) == 0)
			n->backup_done_at = l;
		break;
	case F_BACKUP_BYTES:
		if (parse_long(v, 0, LONG_MAX, &l) == 0)
			n->backup_bytes = l;
		break;
	case F_BACKUP_MAILBOXES:
		if (parse_long(v, 0, 100000000L, &l) == 0)
			n->backup_mailboxes = l;
		break;
	case F_BACKUP_GAPS:
		if (parse_long(v, 0, 1000, &l) == 0)
			n->backup_gaps = l;
		break;
	case F_BACKUP_RESULT:
		if (strcmp(v, "ok") == 0 || strcmp(v, "failed") == 0)
			snprintf(n->backup_result, sizeof n->backup_result,
			    "%s", v);
		break;
	case F_VERSION:
		if (strspn(v, "0123456789.-abcdefghijklmnopqrstuvwxyz") ==
		    strlen(v))
			snprintf(n->version, sizeof n->version, "%s", v);
		break;
	case F_MTA_VERSION:
		if (strspn(v, "0123456789.-abcdefghijklmnopqrstuvwxyz ()") ==
		    strlen(v))
			snprintf(n->mta_version, sizeof n->mta_version, "%s", v);
		break;
	case F_POLICY:
		if (strcmp(v, "redis") == 0 || strcmp(v, "copy") == 0 ||
		    strcmp(v, "fail-action") == 0)
			snprintf(n->policy, sizeof n->policy, "%s", v);
		break;
	case F_POLICY_COPY_AGE:
		if (parse_long(v, 0, 1L << 40, &l) == 0)
			n->policy_copy_age = l;
		break;
	case F_POLICY_COPY_DECISIONS:
		if (parse_long(v, 0, LONG_MAX, &l) == 0)
			n->policy_copy_decisions = l;
		break;
	}
}

static void
node_parse(struct node_status *n, const redisReply *hash,
    const redisReply *alive, const char *prefix)
{
	size_t i;

	n->alive = alive->type == REDIS_REPLY_INTEGER && alive->integer == 1;
	if (redis_wrongtype(hash)) {
		snprintf(n->malformed, sizeof n->malformed, "key %snode:%s is "
		    "not a hash", prefix, n->name);
		return;
	}
	if (hash->type != REDIS_REPLY_ARRAY || hash->elements != NODE_NFIELDS)
		return;
	for (i = 0; i < NODE_NFIELDS; i++) {
		const redisReply *v = hash->element[i];

		if (v->type != REDIS_REPLY_STRING || strlen(v->str) != v->len)
			continue;
		n->seen = true;
		node_field(n, i, v->str);
	}
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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
		validate_sanitize(ev->id, sizeof ev->id, e->element[0]->str);
		validate_sanitize(ev->type, sizeof ev->type, field_value(f, EV_TYPE));
		validate_sanitize(ev->node, sizeof ev->node, field_value(f, EV_NODE));
		validate_sanitize(ev->cluster, sizeof ev->cluster,
		    field_value(f, EV_CLUSTER));
		validate_sanitize(ev->from, sizeof ev->from, field_value(f, EV_FROM));
		validate_sanitize(ev->to, sizeof ev->to, field_value(f, EV_TO));
		validate_sanitize(ev->detail, sizeof ev->detail,
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

/* Appends one formatted command to the query's request. */
static void
query_add(struct snapshot_query *q, int argc, const char **argv)
{
	char *cmd;
	int len;

	if ((len = redisFormatCommandArgv(&cmd, argc, argv, NULL)) < 0) {
		xfatal("out of memory formatting a command");
	}
	q->request = xrealloc(q->request, q->len + (size_t)len);
	memcpy(q->request + q->len, cmd, (size_t)len);
	q->len += (size_t)len;
	q->ncmd++;
	redisFreeCommand(cmd);
}

void
snapshot_query_build(struct snapshot_query *q, const struct config *cfg,
    char *const *extra, size_t nextra)
{
	const char *argv[2 + NODE_NFIELDS];
	char key[300], key2[300];
	size_t i;

	memset(q, 0, sizeof *q);
	q->nconfigured = cfg->nnodes;
	q->nnames = cfg->nnodes + nextra;
	q->names = xcalloc(q->nnames, sizeof *q->names);
	for (i = 0; i < q->nnames; i++)
		q->names[i] = xstrdup(i < cfg->nnodes ? cfg->nodes[i].name :
							extra[i - cfg->nnodes]);

	argv[0] = "SMEMBERS";
	argv[1] = redis_key(cfg, key, sizeof key, KEY_NODES);
	query_add(q, 2, argv);
	for (i = 0; i < q->nnames; i++) {
		argv[0] = "HMGET";
		argv[1] = redis_key(cfg, key, sizeof key, KEY_NODE, q->names[i]);
		memcpy(argv + 2, node_fields, sizeof node_fields);
		query_add(q, 2 + NODE_NFIELDS, argv);
		argv[0] = "EXISTS";
		argv[1] = redis_key(cfg, key, sizeof key, KEY_NODE_ALIVE,
		    q->names[i]);
		query_add(q, 2, argv);
	}
	argv[0] = "XREVRANGE";
	argv[1] = redis_key(cfg, key, sizeof key, KEY_EVENTS);
	argv[2] = "+";
	argv[3] = "-";
	argv[4] = "COUNT";
	snprintf(key2, sizeof key2, "%d", SNAPSHOT_EVENTS);
	argv[5] = key2;
	query_add(q, 6, argv);
	argv[0] = "SCARD";
	argv[1] = redis_key(cfg, key, sizeof key, KEY_AGENCIES);
	query_add(q, 2, argv);
	argv[0] = "ZCARD";
	argv[1] = redis_key(cfg, key, sizeof key, KEY_BLOCKS);
	query_add(q, 2, argv);
	argv[0] = "HLEN";
	argv[1] = redis_key(cfg, key, sizeof key, KEY_PERMIT);
	query_add(q, 2, argv);
}

void
snapshot_query_free(struct snapshot_query *q)
{
	size_t i;

	for (i = 0; i < q->nnames; i++)
		free(q->names[i]);
	free(q->names);
	free(q->request);
	memset(q, 0, sizeof *q);
}

/* Names the first shared key whose reply says it has the wrong type. */
static void
snapshot_problems(struct snapshot *s, const char *prefix,
    redisReply *const *rep, size_t nn)
{
	static const char *const what[][2] = {
		{ KEY_NODES, "a set" }, { KEY_EVENTS, "a stream" },
		{ KEY_AGENCIES, "a set" }, { KEY_BLOCKS, "a sorted set" },
		{ KEY_PERMIT, "a hash" },
	};
	const redisReply *r[5] = { rep[0], rep[1 + 2 * nn], rep[2 + 2 * nn],
		rep[3 + 2 * nn], rep[4 + 2 * nn] };
	size_t i;

	for (i = 0; i < 5; i++) {
		if (!redis_wrongtype(r[i]))
			continue;
		snprintf(s->problem, sizeof s->problem, "key %s%s is not %s: "
		    "its figures are left out", prefix, what[i][0],
		    what[i][1]);
		return;
	}
}

/*
 * The nodes fetched only because the nodes set named them, and named no
 * more: removed by an operator, they leave the views at this refresh.
 */
static void
snapshot_dropped(struct snapshot *s, const struct snapshot_query *q,
    const redisReply *set)
{
	size_t i, j, keep = q->nconfigured;

	for (i = q->nconfigured; i < q->nnames && i < s->nnodes; i++) {
		for (j = 0; j < set->elements; j++) {
			if (set->element[j]->type == REDIS_REPLY_STRING &&
			    strcmp(set->element[j]->str, q->names[i]) == 0)
				break;
		}
		if (j < set->elements) {
			if (keep != i)
				s->nodes[keep] = s->nodes[i];
			keep++;
			continue;
		}
		s->dropped = xreallocarray(s->dropped, s->ndropped + 1,
		    sizeof *s->dropped);
		s->dropped[s->ndropped++] = xstrdup(q->names[i]);
	}
	s->nnodes = keep;
}

struct snapshot *
snapshot_fetch(struct redis *r, const struct snapshot_query *q)
{
	const struct config *cfg = r->cfg;
	size_t i, j, ncmd = q->ncmd;
	struct snapshot *s;
	redisReply **rep;

	if (redis_ensure(r) == -1)
		return NULL;
	if (redisAppendFormattedCommand(r->ctx, q->request, q->len) !=
	    REDIS_OK) {
		redis_close(r);
		r->err = RERR_UNREACHABLE;
		snprintf(r->errstr, sizeof r->errstr, "redis: cannot queue the "
		    "request");
		return NULL;
	}
	rep = xcalloc(ncmd, sizeof *rep);
	if (redis_read_replies(r, ncmd, rep) == -1) {
		free(rep);
		return NULL;
	}
	/*
	 * A key of the wrong type spoils only what it holds (a node's row, a
	 * count); any other error (NOPERM) concerns the whole snapshot.
	 */
	for (i = 0; i < ncmd; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR &&
		    !redis_wrongtype(rep[i])) {
			redis_set_reply_error(r, rep[i]);
			for (j = 0; j < ncmd; j++)
				freeReplyObject(rep[j]);
			free(rep);
			return NULL;
		}
	}

	s = snapshot_parse(cfg, q, rep);
	for (i = 0; i < ncmd; i++)
		freeReplyObject(rep[i]);
	free(rep);
	return s;
}

struct snapshot *
snapshot_parse(const struct config *cfg, const struct snapshot_query *q,
    redisReply *const *rep)
{
	size_t i, nn = q->nnames;
	struct snapshot *s;

	s = xcalloc(1, sizeof *s);
	s->taken_ms = clock_wall_ms();
	s->round_trips = 1;
	s->nnodes = nn;
	s->nodes = xcalloc(nn, sizeof *s->nodes);
	for (i = 0; i < nn; i++) {
		struct node_status *n = &s->nodes[i];

		node_reset(n);
		if (i < q->nconfigured && i < cfg->nnodes) {
			const struct config_node *cn = &cfg->nodes[i];

			snprintf(n->name, sizeof n->name, "%s", cn->name);
			snprintf(n->cluster, sizeof n->cluster, "%s", cn->cluster);
			n->role = cn->role;
			n->configured = true;
		} else
			snprintf(n->name, sizeof n->name, "%s", q->names[i]);
		node_parse(n, rep[1 + 2 * i], rep[2 + 2 * i], cfg->redis.prefix);
	}
	snapshot_problems(s, cfg->redis.prefix, rep, nn);

	/* Members of the nodes set we did not fetch: next time we will. */
	if (rep[0]->type == REDIS_REPLY_ARRAY) {
		char **names = xcalloc(nn, sizeof *names);

		for (i = 0; i < nn; i++)
			names[i] = s->nodes[i].name;
		qsort(names, nn, sizeof *names, name_cmp);
		for (i = 0; i < rep[0]->elements; i++) {
			const redisReply *m = rep[0]->element[i];
			const char *str = m->str;

			if (m->type != REDIS_REPLY_STRING ||
			    validate_name(m->str) != NULL ||
			    bsearch(&str, names, nn, sizeof *names,
				name_cmp) != NULL)
				continue;
			s->unknown = xreallocarray(s->unknown, s->nunknown + 1,
			    sizeof *s->unknown);
			s->unknown[s->nunknown++] = xstrdup(m->str);
		}
		snapshot_dropped(s, q, rep[0]);
		free(names);
	}
	events_parse(s, rep[1 + 2 * nn]);
	s->nagencies = integer_of(rep[2 + 2 * nn]);
	s->nblocks = integer_of(rep[3 + 2 * nn]);
	s->npermits = integer_of(rep[4 + 2 * nn]);
	return s;
}
