/* The heartbeat: what a node publishes, and how, in one round trip. */
#include "agent/heartbeat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"

static const char *const heartbeat_qfields[Q_COUNT] = {
	[Q_INCOMING] = NF_Q_INCOMING,
	[Q_ACTIVE] = NF_Q_ACTIVE,
	[Q_DEFERRED] = NF_Q_DEFERRED,
	[Q_HOLD] = NF_Q_HOLD,
	[Q_CORRUPT] = NF_Q_CORRUPT,
};

static void
heartbeat_set(struct heartbeat_fields *f, const char *name, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
heartbeat_set(struct heartbeat_fields *f, const char *name, const char *fmt,
    ...)
{
	va_list ap;

	if (f->nset == HEARTBEAT_FIELDS_MAX)
		return;
	f->set_name[f->nset] = name;
	va_start(ap, fmt);
	vsnprintf(f->set_value[f->nset], sizeof f->set_value[0], fmt, ap);
	va_end(ap);
	f->nset++;
}

static void
heartbeat_del(struct heartbeat_fields *f, const char *name)
{
	if (f->ndel < HEARTBEAT_FIELDS_MAX)
		f->del[f->ndel++] = name;
}

/* The backups' facts of a mailbox node; NULL: none (a gateway). */
static void
heartbeat_backups(struct heartbeat_fields *f, const struct probe_backups *b)
{
	if (b != NULL && b->done_at >= 0)
		heartbeat_set(f, NF_BACKUP_DONE_AT, "%lld", b->done_at);
	else
		heartbeat_del(f, NF_BACKUP_DONE_AT);
	if (b != NULL && b->bytes >= 0)
		heartbeat_set(f, NF_BACKUP_BYTES, "%lld", b->bytes);
	else
		heartbeat_del(f, NF_BACKUP_BYTES);
	if (b != NULL && b->mailboxes >= 0)
		heartbeat_set(f, NF_BACKUP_MAILBOXES, "%ld", b->mailboxes);
	else
		heartbeat_del(f, NF_BACKUP_MAILBOXES);
	if (b != NULL && b->result[0] != '\0')
		heartbeat_set(f, NF_BACKUP_RESULT, "%s", b->result);
	else
		heartbeat_del(f, NF_BACKUP_RESULT);
	if (b != NULL && b->gaps >= 0)
		heartbeat_set(f, NF_BACKUP_GAPS, "%ld", b->gaps);
	else
		heartbeat_del(f, NF_BACKUP_GAPS);
	if (b != NULL && b->gap[0] != '\0')
		heartbeat_set(f, NF_BACKUP_GAP, "%s", b->gap);
	else
		heartbeat_del(f, NF_BACKUP_GAP);
}

void
heartbeat_fields(const struct heartbeat *hb, struct heartbeat_fields *f)
{
	size_t q;

	memset(f, 0, sizeof *f);
	heartbeat_set(f, NF_ROLE, "%s", config_role_name(hb->role));
	heartbeat_set(f, NF_CLUSTER, "%s", hb->cluster);
	heartbeat_set(f, NF_STATE, "%s", node_state_name(hb->state));
	if (hb->role == NODE_GATEWAY) {
		for (q = 0; q < Q_COUNT; q++) {
			if (hb->have_queues)
				heartbeat_set(f, heartbeat_qfields[q], "%ld",
				    hb->queue[q]);
			else
				heartbeat_del(f, heartbeat_qfields[q]);
		}
		if (hb->have_queues && hb->oldest_age >= 0)
			heartbeat_set(f, NF_OLDEST_AGE, "%ld", hb->oldest_age);
		else
			heartbeat_del(f, NF_OLDEST_AGE);
		if (hb->have_log_age)
			heartbeat_set(f, NF_LOG_AGE, "%ld", hb->log_age);
		else
			heartbeat_del(f, NF_LOG_AGE);
		if (hb->have_queues && hb->queued_domains != NULL)
			f->q_domains = hb->queued_domains;
		else
			heartbeat_del(f, NF_Q_DOMAINS);
		heartbeat_del(f, NF_LAST_BACKUP);
		heartbeat_backups(f, NULL);
	} else {
		if (hb->last_backup[0] != '\0')
			heartbeat_set(f, NF_LAST_BACKUP, "%s", hb->last_backup);
		else
			heartbeat_del(f, NF_LAST_BACKUP);
		heartbeat_backups(f, &hb->backups);
		for (q = 0; q < Q_COUNT; q++)
			heartbeat_del(f, heartbeat_qfields[q]);
		heartbeat_del(f, NF_OLDEST_AGE);
		heartbeat_del(f, NF_Q_DOMAINS);
	}
	if (hb->load1[0] != '\0')
		heartbeat_set(f, NF_LOAD, "%s", hb->load1);
	else
		heartbeat_del(f, NF_LOAD);
	if (hb->disk_pct >= 0)
		heartbeat_set(f, NF_DISK_PCT, "%d", hb->disk_pct);
	else
		heartbeat_del(f, NF_DISK_PCT);
	heartbeat_set(f, NF_VERSION, "%s", hb->version);
	if (hb->mta_version[0] != '\0')
		heartbeat_set(f, NF_MTA_VERSION, "%s", hb->mta_version);
	else
		heartbeat_del(f, NF_MTA_VERSION);
	if (hb->policy_source != NULL) {
		heartbeat_set(f, NF_POLICY, "%s", hb->policy_source);
		heartbeat_set(f, NF_POLICY_COPY_DECISIONS, "%llu",
		    hb->copy_decisions);
	} else {
		heartbeat_del(f, NF_POLICY);
		heartbeat_del(f, NF_POLICY_COPY_DECISIONS);
	}
	if (hb->policy_source != NULL && hb->copy_age >= 0)
		heartbeat_set(f, NF_POLICY_COPY_AGE, "%lld", hb->copy_age);
	else
		heartbeat_del(f, NF_POLICY_COPY_AGE);
	if (hb->role_mbx != NULL && hb->role_mbx[0] != '\0')
		heartbeat_set(f, NF_ROLE_MBX, "%s", hb->role_mbx);
	else
		heartbeat_del(f, NF_ROLE_MBX);
	if (hb->agency_delay != NULL && hb->agency_delay[0] != '\0')
		heartbeat_set(f, NF_AGENCY_DELAY, "%s", hb->agency_delay);
	else
		heartbeat_del(f, NF_AGENCY_DELAY);
	heartbeat_set(f, NF_INTERVAL, "%d", hb->interval);
	heartbeat_set(f, NF_UPDATED_AT, "%lld", hb->updated_at);
}

enum node_state
heartbeat_state(enum node_role role, enum node_state probed, bool drain)
{
	if (role == NODE_GATEWAY && drain)
		return STATE_DRAINING;
	return probed;
}

bool
heartbeat_known(enum node_state s)
{
	return s == STATE_ACTIVE || s == STATE_STANDBY || s == STATE_RESERVE ||
	    s == STATE_DRAINING;
}

bool
heartbeat_role_changed(enum node_state last, enum node_state now)
{
	return heartbeat_known(last) && heartbeat_known(now) && last != now;
}

int
heartbeat_load(struct redis *r, const char *name, struct heartbeat_state *hs)
{
	char key[300];
	enum node_state st;
	redisReply *reply;

	reply = redis_command(r, "HMGET %s %s %s",
	    redis_key(r->cfg, key, sizeof key, KEY_NODE, name), NF_STATE,
	    NF_DRAIN);
	if (reply == NULL)
		return -1;
	hs->last = STATE_UNKNOWN;
	hs->drain = false;
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
		const redisReply *s = reply->element[0], *d = reply->element[1];

		if (s->type == REDIS_REPLY_STRING &&
		    strlen(s->str) == s->len &&
		    node_state_parse(s->str, &st) == 0 && heartbeat_known(st))
			hs->last = st;
		hs->drain = d->type == REDIS_REPLY_STRING &&
		    strcmp(d->str, "1") == 0;
	}
	freeReplyObject(reply);
	hs->loaded = true;
	return 0;
}

/* The first error among the replies, or NULL. */
static const redisReply *
heartbeat_error(redisReply **rep, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR)
			return rep[i];
		if (i == n - 1 && rep[i]->type == REDIS_REPLY_ARRAY) {
			for (j = 0; j < rep[i]->elements; j++) {
				if (rep[i]->element[j]->type ==
				    REDIS_REPLY_ERROR)
					return rep[i]->element[j];
			}
		}
	}
	return NULL;
}

int
heartbeat_send(struct redis *r, const struct heartbeat *hb,
    struct heartbeat_state *hs)
{
	const struct config *cfg = r->cfg;
	char key[300], alive[300], nodes[300], events[300], ttl[16], at[24];
	const char *argv[6 + 2 * HEARTBEAT_FIELDS_MAX];
	redisReply *rep[10];
	const redisReply *err;
	struct heartbeat_fields f;
	bool event;
	size_t i, n = 0, argc;
	int rc = -1;

	if (redis_ensure(r) == -1)
		return -1;
	heartbeat_fields(hb, &f);
	event = heartbeat_role_changed(hs->last, hb->state);
	redis_key(cfg, key, sizeof key, KEY_NODE, hb->name);
	redis_key(cfg, alive, sizeof alive, KEY_NODE_ALIVE, hb->name);
	redis_key(cfg, nodes, sizeof nodes, KEY_NODES);
	redis_key(cfg, events, sizeof events, KEY_EVENTS);
	snprintf(ttl, sizeof ttl, "%d", 3 * hb->interval);
	snprintf(at, sizeof at, "%lld", hb->updated_at);

	/* The drain flag is for the next heartbeat: read it outside MULTI. */
	redisAppendCommand(r->ctx, "HGET %s %s", key, NF_DRAIN);
	redisAppendCommand(r->ctx, "MULTI");
	n = 2;
	argv[0] = "HSET";
	argv[1] = key;
	argc = 2;
	for (i = 0; i < f.nset; i++) {
		argv[argc++] = f.set_name[i];
		argv[argc++] = f.set_value[i];
	}
	if (f.q_domains != NULL) {
		argv[argc++] = NF_Q_DOMAINS;
		argv[argc++] = f.q_domains;
	}
	redisAppendCommandArgv(r->ctx, (int)argc, argv, NULL);
	n++;
	if (f.ndel > 0) {
		argv[0] = "HDEL";
		argv[1] = key;
		argc = 2;
		for (i = 0; i < f.ndel; i++)
			argv[argc++] = f.del[i];
		redisAppendCommandArgv(r->ctx, (int)argc, argv, NULL);
		n++;
	}
	redisAppendCommand(r->ctx, "SET %s 1 EX %s", alive, ttl);
	redisAppendCommand(r->ctx, "SADD %s %s", nodes, hb->name);
	n += 2;
	if (event) {
		redisAppendCommand(r->ctx, "XADD %s MAXLEN ~ %d * "
		    EV_TYPE " role_change " EV_NODE " %s " EV_CLUSTER " %s "
		    EV_FROM " %s " EV_TO " %s " EV_AT " %s", events,
		    EVENTS_MAXLEN, hb->name, hb->cluster,
		    node_state_name(hs->last), node_state_name(hb->state), at);
		n++;
	}
	redisAppendCommand(r->ctx, "EXEC");
	n++;

	if (redis_read_replies(r, n, rep) == -1)
		return -1;
	if ((err = heartbeat_error(rep, n)) != NULL)
		redis_set_reply_error(r, err);
	else if (rep[n - 1]->type != REDIS_REPLY_ARRAY) {
		r->err = RERR_REPLY;
		snprintf(r->errstr, sizeof r->errstr, "redis: the heartbeat's "
		    "transaction was not run");
	} else {
		bool drain = rep[0]->type == REDIS_REPLY_STRING &&
		    strcmp(rep[0]->str, "1") == 0;

		hs->drain_changed = drain != hs->drain;
		hs->drain = drain;
		hs->evented = event;
		if (heartbeat_known(hb->state))
			hs->last = hb->state;
		rc = 0;
	}
	for (i = 0; i < n; i++)
		freeReplyObject(rep[i]);
	return rc;
}
