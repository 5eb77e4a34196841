/* Announced bulk jobs in Redis: list, announce, cancel. */
#include "backends/bulk_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis.h>

#include "backends/policy_store.h"
#include "core/keys.h"
#include "core/volume.h"
#include "core/validate.h"
#include "core/xalloc.h"

#define BULK_HMGET BUF_AGENCY " " BUF_START " " BUF_END " " BUF_RCPTS " " \
	BUF_JOBS " " BUF_SPACING " " BUF_NOTE " " BUF_WHO " " BUF_CREATED
#define BULK_NFIELDS 9

/* Redis failed (r->err set): "what: why". */
static int
bulk_fail(struct redis *r, char *cause, size_t len, const char *what)
{
	snprintf(cause, len, "%s: %s", what, r->errstr[0] ? r->errstr :
	    "redis failed");
	return -1;
}

static void
bulk_unwatch(struct redis *r)
{
	enum redis_err err = r->err;
	char errstr[sizeof r->errstr];
	redisReply *x;

	memcpy(errstr, r->errstr, sizeof errstr);
	if (r->ctx != NULL && (x = redis_command(r, "UNWATCH")) != NULL)
		freeReplyObject(x);
	r->err = err;
	memcpy(r->errstr, errstr, sizeof errstr);
}

/* A whole number from a reply, or -1 when absent or not one. */
static long long
bulk_ll(const redisReply *v)
{
	char *end;
	long long n;

	if (v == NULL || v->type != REDIS_REPLY_STRING || v->len == 0 ||
	    v->str[0] < '0' || v->str[0] > '9')
		return -1;
	n = strtoll(v->str, &end, 10);
	return *end == '\0' ? n : -1;
}

/* Fills p from the HMGET of BULK_HMGET and the count's HGET. */
static void
bulk_parse(struct bulk_plan *p, long long id, const redisReply *h,
    const redisReply *sent)
{
	const redisReply *const *e;
	long long jobs;

	memset(p, 0, sizeof *p);
	p->id = id;
	if (redis_wrongtype(h) || h->type != REDIS_REPLY_ARRAY ||
	    h->elements != BULK_NFIELDS) {
		snprintf(p->malformed, sizeof p->malformed, "its hash is not "
		    "of the type the schema says");
		return;
	}
	e = (const redisReply *const *)h->element;
	if (e[0]->type == REDIS_REPLY_STRING)
		validate_sanitize(p->agency, sizeof p->agency, e[0]->str);
	p->start = bulk_ll(e[1]);
	p->end = bulk_ll(e[2]);
	p->rcpts = bulk_ll(e[3]);
	jobs = bulk_ll(e[4]);
	p->jobs = jobs > BULK_JOBS_MAX ? -1 : (long)jobs;
	p->spacing = bulk_ll(e[5]);
	if (e[6]->type == REDIS_REPLY_STRING)
		validate_sanitize(p->note, sizeof p->note, e[6]->str);
	if (e[7]->type == REDIS_REPLY_STRING)
		validate_sanitize(p->who, sizeof p->who, e[7]->str);
	p->created = bulk_ll(e[8]);
	p->sent = bulk_ll(sent);
	if (p->sent < 0)
		p->sent = 0;
	if (validate_name(p->agency) != NULL || p->start < 0 || p->end <=
	    p->start || p->rcpts < 1 || p->jobs < 1 || p->jobs > p->rcpts ||
	    p->spacing < 1)
		snprintf(p->malformed, sizeof p->malformed, "a field is missing "
		    "or not what the schema says");
}

static int
bulk_cmp(const void *a, const void *b)
{
	const struct bulk_plan *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
bulk_store_list(struct redis *r, long long since, struct bulk_list *out,
    char *cause, size_t len)
{
	static const char what[] = "cannot list the bulk announcements";
	redisReply *z, **rep = NULL;
	char key[300], min[32];
	size_t i, n = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (redis_ensure(r) == -1)
		return bulk_fail(r, cause, len, what);
	snprintf(min, sizeof min, "(%lld", since);
	if ((z = redis_command(r, "ZRANGEBYSCORE %s %s +inf", redis_key(r->cfg,
	    key, sizeof key, KEY_BULKS), min)) == NULL)
		return bulk_fail(r, cause, len, what);
	if (z->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(z);
		return store_refuse(r, cause, len, "%s: key %s is not a sorted "
		    "set", what, key);
	}
	for (i = 0; i < z->elements; i++) {
		long long id = bulk_ll(z->element[i]);

		redisAppendCommand(r->ctx, "HMGET %s " BULK_HMGET, redis_key(
		    r->cfg, key, sizeof key, KEY_BULK, id < 0 ? 0 : id));
		redisAppendCommand(r->ctx, "HGET %s " BUF_SENT, redis_key(
		    r->cfg, key, sizeof key, KEY_VOL_ANNOUNCED, id < 0 ? 0 :
		    id));
		n += 2;
	}
	rep = xcalloc(n + 1, sizeof *rep);
	if (n > 0 && redis_read_replies(r, n, rep) == -1) {
		bulk_fail(r, cause, len, what);
		n = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR &&
		    !redis_wrongtype(rep[i])) {
			redis_set_reply_error(r, rep[i]);
			bulk_fail(r, cause, len, what);
			goto out;
		}
	}
	out->v = xcalloc(z->elements + 1, sizeof *out->v);
	for (i = 0; i < z->elements; i++) {
		long long id = bulk_ll(z->element[i]);

		if (id < 1)
			continue;
		bulk_parse(&out->v[out->n++], id, rep[2 * i],
		    rep[2 * i + 1]->type == REDIS_REPLY_ERROR ? NULL :
		    rep[2 * i + 1]);
	}
	qsort(out->v, out->n, sizeof *out->v, bulk_cmp);
	rc = 0;
out:
	for (i = 0; i < n; i++)
		freeReplyObject(rep[i]);
	free(rep);
	freeReplyObject(z);
	if (rc == -1)
		bulk_list_free(out);
	return rc;
}

int
bulk_store_recent(struct redis *r, long long now_ms, struct bulk_recent **out,
    size_t *n, char *cause, size_t len)
{
	static const char what[] = "cannot read the agencies' bulk windows";
	redisReply *ids, *rep[VOLUME_BULK_MINUTES] = { NULL };
	const char **argv = NULL;
	char key[300], **fields = NULL;
	long long m = volume_minute(now_ms);
	size_t i, k, nids = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (redis_ensure(r) == -1)
		return bulk_fail(r, cause, len, what);
	if ((ids = redis_command(r, "SMEMBERS %s", redis_key(r->cfg, key,
	    sizeof key, KEY_AGENCIES))) == NULL)
		return bulk_fail(r, cause, len, what);
	if (ids->type != REDIS_REPLY_ARRAY || ids->elements == 0) {
		freeReplyObject(ids);
		return 0;
	}
	fields = xcalloc(ids->elements, sizeof *fields);
	*out = xcalloc(ids->elements, sizeof **out);
	for (i = 0; i < ids->elements; i++) {
		const redisReply *e = ids->element[i];

		if (e->type != REDIS_REPLY_STRING || validate_name(e->str) !=
		    NULL)
			continue;
		snprintf((*out)[nids].agency, sizeof (*out)[nids].agency, "%s",
		    e->str);
		fields[nids] = xmalloc(STORE_ID_MAX + 8);
		snprintf(fields[nids], STORE_ID_MAX + 8, "%s|rcpts", e->str);
		nids++;
	}
	if (nids == 0) {
		rc = 0;
		goto out;
	}
	argv = xcalloc(nids + 2, sizeof *argv);
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < nids; i++)
		argv[i + 2] = fields[i];
	for (k = 0; k < VOLUME_BULK_MINUTES; k++) {
		redis_key(r->cfg, key, sizeof key, KEY_VOL_MINUTE,
		    m - (long long)k);
		redisAppendCommandArgv(r->ctx, (int)nids + 2, argv, NULL);
	}
	if (redis_read_replies(r, VOLUME_BULK_MINUTES, rep) == -1) {
		bulk_fail(r, cause, len, what);
		goto out;
	}
	for (k = 0; k < VOLUME_BULK_MINUTES; k++) {
		if (rep[k]->type == REDIS_REPLY_ERROR) {
			redis_set_reply_error(r, rep[k]);
			bulk_fail(r, cause, len, what);
			goto out;
		}
		for (i = 0; rep[k]->type == REDIS_REPLY_ARRAY && i < nids &&
		    i < rep[k]->elements; i++) {
			long long v = bulk_ll(rep[k]->element[i]);

			if (v > 0)
				(*out)[i].rcpts_10min += v;
		}
	}
	*n = nids;
	rc = 0;
out:
	for (k = 0; k < VOLUME_BULK_MINUTES; k++)
		if (rep[k] != NULL)
			freeReplyObject(rep[k]);
	for (i = 0; i < nids; i++)
		free(fields[i]);
	free(fields);
	free(argv);
	freeReplyObject(ids);
	if (rc == -1 || *n == 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* Runs the queued MULTI ... EXEC (n replies); 1 when a WATCHed key
 * changed, 0 done, -1 with r->err set. */
static int
bulk_exec(struct redis *r, size_t n)
{
	redisReply **rep = xcalloc(n, sizeof *rep);
	size_t i;
	int rc = 0;

	if (redis_read_replies(r, n, rep) == -1) {
		free(rep);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			redis_set_reply_error(r, rep[i]);
			rc = -1;
		}
	}
	if (rc == 0 && rep[n - 1]->type == REDIS_REPLY_NIL)
		rc = 1;
	else if (rc == 0 && rep[n - 1]->type != REDIS_REPLY_ARRAY) {
		r->err = RERR_REPLY;
		snprintf(r->errstr, sizeof r->errstr, "redis: unexpected reply "
		    "to EXEC");
		rc = -1;
	}
	for (i = 0; rc == 0 && i < rep[n - 1]->elements; i++) {
		if (rep[n - 1]->element[i]->type == REDIS_REPLY_ERROR) {
			redis_set_reply_error(r, rep[n - 1]->element[i]);
			rc = -1;
		}
	}
	for (i = 0; i < n; i++)
		freeReplyObject(rep[i]);
	free(rep);
	return rc;
}

int
bulk_store_announce(struct redis *r, struct bulk_plan *p, long long now,
    char *cause, size_t len)
{
	static const char what[] = "cannot announce the bulk job";
	struct bulk_list l;
	redisReply *x;
	char index[300], key[300], ver[300], vkey[300], s[9][32], c2[512];
	const char *argv[2 + 2 * BULK_NFIELDS];
	long long id;
	size_t i, n = 0;
	int rc;

	if (redis_ensure(r) == -1)
		return bulk_fail(r, cause, len, what);
	redis_key(r->cfg, index, sizeof index, KEY_BULKS);
	if ((x = redis_command(r, "WATCH %s", index)) == NULL)
		return bulk_fail(r, cause, len, what);
	freeReplyObject(x);
	if (bulk_store_list(r, now - 1, &l, c2, sizeof c2) == -1) {
		bulk_unwatch(r);
		snprintf(cause, len, "%s", c2);
		return -1;
	}
	for (i = 0; i < l.n; i++) {
		if (l.v[i].malformed[0] == '\0' && bulk_overlaps(&l.v[i], p)) {
			char a[48], b[48];

			bulk_unwatch(r);
			rc = store_refuse(r, cause, len, "%s: it overlaps "
			    "announcement %lld of %s (%s to %s); cancel that "
			    "one first or choose another window", what,
			    l.v[i].id, l.v[i].agency, bulk_shown(l.v[i].start,
			    false, a, sizeof a), bulk_shown(l.v[i].end, false, b,
			    sizeof b));
			bulk_list_free(&l);
			return rc;
		}
	}
	bulk_list_free(&l);
	if ((x = redis_command(r, "INCR %s", redis_key(r->cfg, key, sizeof key,
	    KEY_BULKS_SEQ))) == NULL) {
		bulk_unwatch(r);
		return bulk_fail(r, cause, len, what);
	}
	id = x->type == REDIS_REPLY_INTEGER ? x->integer : -1;
	freeReplyObject(x);
	if (id < 1) {
		bulk_unwatch(r);
		return store_refuse(r, cause, len, "%s: %s is not a counter",
		    what, key);
	}
	p->id = id;
	redis_key(r->cfg, key, sizeof key, KEY_BULK, id);
	redis_key(r->cfg, vkey, sizeof vkey, KEY_VOL_ANNOUNCED, id);
	redis_key(r->cfg, ver, sizeof ver, KEY_POLICY_VERSION);
	snprintf(s[0], sizeof s[0], "%lld", p->start);
	snprintf(s[1], sizeof s[1], "%lld", p->end);
	snprintf(s[2], sizeof s[2], "%lld", p->rcpts);
	snprintf(s[3], sizeof s[3], "%ld", p->jobs);
	snprintf(s[4], sizeof s[4], "%lld", p->spacing);
	snprintf(s[5], sizeof s[5], "%lld", p->created);
	snprintf(s[6], sizeof s[6], "%lld", id);
	snprintf(s[7], sizeof s[7], "%lld", p->end + BULK_KEEP_S);
	argv[0] = "HSET";
	argv[1] = key;
	argv[2] = BUF_AGENCY;	argv[3] = p->agency;
	argv[4] = BUF_START;	argv[5] = s[0];
	argv[6] = BUF_END;	argv[7] = s[1];
	argv[8] = BUF_RCPTS;	argv[9] = s[2];
	argv[10] = BUF_JOBS;	argv[11] = s[3];
	argv[12] = BUF_SPACING;	argv[13] = s[4];
	argv[14] = BUF_NOTE;	argv[15] = p->note;
	argv[16] = BUF_WHO;	argv[17] = p->who;
	argv[18] = BUF_CREATED;	argv[19] = s[5];
	redisAppendCommand(r->ctx, "MULTI");
	redisAppendCommandArgv(r->ctx, 20, argv, NULL);
	redisAppendCommand(r->ctx, "EXPIREAT %s %s", key, s[7]);
	redisAppendCommand(r->ctx, "ZADD %s %s %s", index, s[1], s[6]);
	/* Announcements over for longer than they are kept leave the index. */
	snprintf(s[8], sizeof s[8], "(%lld", now - BULK_KEEP_S);
	redisAppendCommand(r->ctx, "ZREMRANGEBYSCORE %s -inf %s", index, s[8]);
	redisAppendCommand(r->ctx, "INCR %s", ver);
	redisAppendCommand(r->ctx, "EXEC");
	n = 7;
	if ((rc = bulk_exec(r, n)) == -1)
		return bulk_fail(r, cause, len, what);
	if (rc == 1)
		return store_refuse(r, cause, len, "%s: another announcement "
		    "changed meanwhile; nothing was changed, try again", what);
	return 0;
}

int
bulk_store_cancel(struct redis *r, long long id, struct bulk_plan *was,
    char *cause, size_t len)
{
	static const char what[] = "cannot cancel the bulk announcement";
	redisReply *h, *x;
	char key[300], index[300], ver[300], sid[32];
	int rc;

	if (redis_ensure(r) == -1)
		return bulk_fail(r, cause, len, what);
	redis_key(r->cfg, key, sizeof key, KEY_BULK, id);
	redis_key(r->cfg, index, sizeof index, KEY_BULKS);
	redis_key(r->cfg, ver, sizeof ver, KEY_POLICY_VERSION);
	if ((x = redis_command(r, "WATCH %s %s", key, index)) == NULL)
		return bulk_fail(r, cause, len, what);
	freeReplyObject(x);
	if ((h = redis_command(r, "HMGET %s " BULK_HMGET, key)) == NULL) {
		bulk_unwatch(r);
		return bulk_fail(r, cause, len, what);
	}
	bulk_parse(was, id, h, NULL);
	freeReplyObject(h);
	if (was->agency[0] == '\0' && was->start < 0 && was->end < 0) {
		bulk_unwatch(r);
		r->err = RERR_NONE;
		return 0;
	}
	snprintf(sid, sizeof sid, "%lld", id);
	redisAppendCommand(r->ctx, "MULTI");
	redisAppendCommand(r->ctx, "DEL %s", key);
	redisAppendCommand(r->ctx, "ZREM %s %s", index, sid);
	redisAppendCommand(r->ctx, "INCR %s", ver);
	redisAppendCommand(r->ctx, "EXEC");
	if ((rc = bulk_exec(r, 5)) == -1)
		return bulk_fail(r, cause, len, what);
	if (rc == 1)
		return store_refuse(r, cause, len, "%s: announcement %lld "
		    "changed meanwhile; nothing was changed, try again", what,
		    id);
	return 1;
}
