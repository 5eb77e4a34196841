/* The audit stream: written once per record id, read newest first. */
#include "backends/audit_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"
#include "core/xalloc.h"

/*
 * KEYS[1] the stream, KEYS[2] the record's dedup key; ARGV[1] how long the
 * dedup key lives (s), ARGV[2] how long the stream keeps records (ms), then
 * field/value pairs. The trim point comes from the server's clock, so a
 * console with a wrong clock cannot trim what it should not.
 */
static const char audit_script[] =
	"if redis.call('EXISTS', KEYS[2]) == 1 then return false end\n"
	"local t = redis.call('TIME')\n"
	"local min = tonumber(t[1]) * 1000 - tonumber(ARGV[2])\n"
	"local id = redis.call('XADD', KEYS[1], 'MINID', '~', "
	"string.format('%.0f', min), '*', unpack(ARGV, 3))\n"
	"redis.call('SET', KEYS[2], id, 'EX', ARGV[1])\n"
	"return id\n";

#define AUDIT_NARGS 48

static void
audit_store_field(const char **argv, size_t *n, const char *name,
    const char *value, bool optional)
{
	if (optional && value[0] == '\0')
		return;
	argv[(*n)++] = name;
	argv[(*n)++] = value;
}

int
audit_store_write(void *redis, const struct audit_record *rec, char *cause,
    size_t len)
{
	struct redis *r = redis;
	const char *argv[AUDIT_NARGS];
	size_t n = 0;
	char stream[300], idkey[400], ttl[32], keep[32], at[32], code[16],
	    when[40];
	redisReply *reply;

	redis_key(r->cfg, stream, sizeof stream, KEY_AUDIT);
	redis_key(r->cfg, idkey, sizeof idkey, KEY_AUDIT_ID, rec->id);
	snprintf(ttl, sizeof ttl, "%lld", AUDIT_KEEP_SECS);
	snprintf(keep, sizeof keep, "%lld", AUDIT_KEEP_SECS * 1000);
	snprintf(at, sizeof at, "%lld", rec->at_ms);
	snprintf(code, sizeof code, "%d", rec->exit_code);
	audit_time_iso(rec->at_ms, when, sizeof when);
	argv[n++] = "EVAL";
	argv[n++] = audit_script;
	argv[n++] = "2";
	argv[n++] = stream;
	argv[n++] = idkey;
	argv[n++] = ttl;
	argv[n++] = keep;
	audit_store_field(argv, &n, AUF_ID, rec->id, false);
	audit_store_field(argv, &n, AUF_AT, at, false);
	audit_store_field(argv, &n, AUF_TIME, when, false);
	audit_store_field(argv, &n, AUF_USER, rec->user, false);
	audit_store_field(argv, &n, AUF_SSH_CLIENT, rec->ssh_client, true);
	audit_store_field(argv, &n, AUF_HOST, rec->host, false);
	audit_store_field(argv, &n, AUF_TTY, rec->tty, true);
	audit_store_field(argv, &n, AUF_VIA, rec->via, false);
	audit_store_field(argv, &n, AUF_REDIS_USER, rec->redis_user, true);
	audit_store_field(argv, &n, AUF_CMD, rec->cmd, false);
	audit_store_field(argv, &n, AUF_NODES, rec->nodes, false);
	/* A started record has no exit code yet. */
	audit_store_field(argv, &n, AUF_EXIT, rec->exit_code >= 0 ? code : "",
	    true);
	audit_store_field(argv, &n, AUF_RESULT, rec->result, false);
	audit_store_field(argv, &n, AUF_SAID, rec->said, false);
	if (rec->spooled)
		audit_store_field(argv, &n, AUF_SPOOLED, "1", false);
	audit_store_field(argv, &n, AUF_ACTION, rec->action, true);
	audit_store_field(argv, &n, AUF_PHASE, rec->phase, true);
	reply = redis_commandv(r, (int)n, argv, NULL);
	if (reply != NULL) {
		/* The new entry's ID, or nil: the id was written before. */
		freeReplyObject(reply);
		return AUDIT_WRITTEN;
	}
	snprintf(cause, len, "cannot write the audit record: %s", r->errstr);
	switch (r->err) {
	case RERR_AUTH:
	case RERR_DENIED:
		return AUDIT_DENIED;
	case RERR_REPLY:
		return AUDIT_REJECTED;
	default:
		return AUDIT_RETRY;
	}
}

void
audit_store_writer(struct audit_writer *w, struct redis *r)
{
	w->write = audit_store_write;
	w->arg = r;
}

int
audit_store_replay(struct redis *r, struct audit_replay *rep, char *cause,
    size_t len)
{
	struct audit_writer w;
	char path[4096];

	memset(rep, 0, sizeof *rep);
	if (audit_spool_path(path, sizeof path, cause, len) == -1)
		return -1;
	audit_store_writer(&w, r);
	return audit_spool_replay(path, &w, rep, cause, len);
}

int
audit_store_submit(struct redis *r, struct audit_record *rec, char *cause,
    size_t len)
{
	struct audit_writer w;
	char path[4096], why[256];
	bool have;

	if (rec->redis_user[0] == '\0' && r->cfg->redis.user != NULL)
		validate_sanitize(rec->redis_user, sizeof rec->redis_user,
		    r->cfg->redis.user);
	have = audit_spool_path(path, sizeof path, why, sizeof why) == 0;
	audit_store_writer(&w, r);
	return audit_submit(have ? path : NULL, &w, rec, cause, len);
}

/* Fills a record from a stream entry [id, [field, value, ...]]. */
static int
audit_store_entry(const redisReply *e, struct audit_record *rec)
{
	const redisReply *f;
	size_t i;

	memset(rec, 0, sizeof *rec);
	rec->at_ms = -1;
	rec->exit_code = -1;
	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[1]->type != REDIS_REPLY_ARRAY)
		return -1;
	validate_sanitize(rec->stream_id, sizeof rec->stream_id, e->element[0]->str);
	f = e->element[1];
	for (i = 0; i + 1 < f->elements; i += 2) {
		const char *name = f->element[i]->str, *v = f->element[i + 1]->str;

		if (f->element[i]->type != REDIS_REPLY_STRING ||
		    f->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(name, AUF_ID) == 0)
			validate_sanitize(rec->id, sizeof rec->id, v);
		else if (strcmp(name, AUF_AT) == 0)
			rec->at_ms = strtoll(v, NULL, 10);
		else if (strcmp(name, AUF_USER) == 0)
			validate_sanitize(rec->user, sizeof rec->user, v);
		else if (strcmp(name, AUF_SSH_CLIENT) == 0)
			validate_sanitize(rec->ssh_client, sizeof rec->ssh_client, v);
		else if (strcmp(name, AUF_HOST) == 0)
			validate_sanitize(rec->host, sizeof rec->host, v);
		else if (strcmp(name, AUF_TTY) == 0)
			validate_sanitize(rec->tty, sizeof rec->tty, v);
		else if (strcmp(name, AUF_VIA) == 0)
			validate_sanitize(rec->via, sizeof rec->via, v);
		else if (strcmp(name, AUF_REDIS_USER) == 0)
			validate_sanitize(rec->redis_user, sizeof rec->redis_user, v);
		else if (strcmp(name, AUF_CMD) == 0)
			validate_sanitize(rec->cmd, sizeof rec->cmd, v);
		else if (strcmp(name, AUF_NODES) == 0)
			validate_sanitize(rec->nodes, sizeof rec->nodes, v);
		else if (strcmp(name, AUF_EXIT) == 0)
			rec->exit_code = atoi(v);
		else if (strcmp(name, AUF_RESULT) == 0)
			validate_sanitize(rec->result, sizeof rec->result, v);
		else if (strcmp(name, AUF_SAID) == 0)
			validate_sanitize(rec->said, sizeof rec->said, v);
		else if (strcmp(name, AUF_SPOOLED) == 0)
			rec->spooled = strcmp(v, "1") == 0;
		else if (strcmp(name, AUF_ACTION) == 0)
			validate_sanitize(rec->action, sizeof rec->action, v);
		else if (strcmp(name, AUF_PHASE) == 0)
			validate_sanitize(rec->phase, sizeof rec->phase, v);
	}
	audit_record_defaults(rec);
	return rec->id[0] != '\0' && rec->at_ms >= 0 ? 0 : -1;
}

#define AUDIT_PAGE 500

int
audit_store_list(struct redis *r, const struct audit_query *q,
    struct audit_list *l, char *cause, size_t len)
{
	char stream[300], end[64] = "+", start[48] = "-";
	size_t i, cap = 0;

	memset(l, 0, sizeof *l);
	redis_key(r->cfg, stream, sizeof stream, KEY_AUDIT);
	if (q->since_ms > 0)
		snprintf(start, sizeof start, "%lld-0", q->since_ms);
	while (q->limit == 0 || l->n < q->limit) {
		const redisReply *last;
		redisReply *reply = redis_command(r, "XREVRANGE %s %s %s COUNT "
		    "%d", stream, end, start, AUDIT_PAGE);

		if (reply == NULL) {
			snprintf(cause, len, "cannot read the audit stream: %s",
			    r->errstr);
			audit_list_free(l);
			return -1;
		}
		if (reply->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(reply);
			break;
		}
		for (i = 0; i < reply->elements; i++) {
			struct audit_record rec;

			if (audit_store_entry(reply->element[i], &rec) == -1)
				continue;
			if (rec.at_ms < q->since_ms || (q->user != NULL &&
			    strcmp(rec.user, q->user) != 0))
				continue;
			if (q->limit != 0 && l->n == q->limit)
				break;
			if (l->n == cap) {
				cap = cap ? cap * 2 : 64;
				l->v = xreallocarray(l->v, cap, sizeof *l->v);
			}
			l->v[l->n++] = rec;
		}
		if (reply->elements < AUDIT_PAGE) {
			freeReplyObject(reply);
			break;
		}
		/* The next page ends just before the oldest entry seen. */
		last = reply->element[reply->elements - 1];
		if (last->type != REDIS_REPLY_ARRAY || last->elements < 1 ||
		    last->element[0]->type != REDIS_REPLY_STRING) {
			freeReplyObject(reply);
			break;
		}
		snprintf(end, sizeof end, "(%s", last->element[0]->str);
		freeReplyObject(reply);
	}
	return 0;
}

void
audit_list_free(struct audit_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
