/* The mail log counters and harvest suspects, read in pipelines. */
#include "backends/maillog_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static int
store_fail(struct redis *r, const char *what, char *cause, size_t len)
{
	snprintf(cause, len, "%s: %s", what, r->errstr);
	return -1;
}

/* Reads n pipelined replies; an error reply other than WRONGTYPE fails
 * them all. */
static int
store_read(struct redis *r, size_t n, redisReply **rep, const char *what,
    char *cause, size_t len)
{
	size_t i, j;

	if (redis_read_replies(r, n, rep) == -1)
		return store_fail(r, what, cause, len);
	for (i = 0; i < n; i++)
		if (rep[i]->type == REDIS_REPLY_ERROR &&
		    !redis_wrongtype(rep[i])) {
			redis_set_reply_error(r, rep[i]);
			for (j = 0; j < n; j++)
				freeReplyObject(rep[j]);
			return store_fail(r, what, cause, len);
		}
	return 0;
}

/* Calls fn for every field/value pair of a HGETALL reply. */
static void
store_hash(const redisReply *h, void (*fn)(void *, const char *,
    const char *), void *arg)
{
	size_t i;

	if (h->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->type == REDIS_REPLY_STRING &&
		    h->element[i + 1]->type == REDIS_REPLY_STRING)
			fn(arg, h->element[i]->str, h->element[i + 1]->str);
}

static void
add_provider(void *arg, const char *field, const char *value)
{
	ml_providers_add(arg, field, strtoll(value, NULL, 10));
}

/* The providers' reputation refusals' texts among a `log:p` hash's
 * fields. */
static void
add_provider_reason(void *arg, const char *field, const char *value)
{
	ml_providers_reason(arg, field, value);
}

static void
add_agency(void *arg, const char *field, const char *value)
{
	ml_agencies_add(arg, field, strtoll(value, NULL, 10));
}

/* The agencies' bounce reasons among a `log:a` hash's fields. */
static void
add_reason(void *arg, const char *field, const char *value)
{
	ml_agencies_reason(arg, field, value);
}

int
maillog_store_providers(struct redis *r, long long now, int minutes,
    struct ml_providers *out, char *cause, size_t len)
{
	const char *what = "cannot read the providers' counters";
	redisReply **rep;
	char key[256];
	long long m = now / 60;
	size_t i, n;

	ml_providers_init(out, (long long)minutes * 60);
	if (minutes < 1)
		return 0;
	if (redis_ensure(r) == -1)
		return store_fail(r, what, cause, len);
	n = (size_t)minutes;
	for (i = 0; i < n; i++)
		redisAppendCommand(r->ctx, "HGETALL %s", redis_key(r->cfg, key,
		    sizeof key, "log:p:m:%lld", m - (long long)i));
	rep = xcalloc(n, sizeof *rep);
	if (store_read(r, n, rep, what, cause, len) == -1) {
		free(rep);
		return -1;
	}
	for (i = 0; i < n; i++) {
		store_hash(rep[i], add_provider, out);
		store_hash(rep[i], add_provider_reason, out);
		freeReplyObject(rep[i]);
	}
	free(rep);
	return 0;
}

int
maillog_store_agencies(struct redis *r, long long now,
    struct ml_agencies *out, char *cause, size_t len)
{
	const char *what = "cannot read the agencies' counters";
	redisReply *rep[1];
	char key[256];

	ml_agencies_init(out);
	if (redis_ensure(r) == -1)
		return store_fail(r, what, cause, len);
	redisAppendCommand(r->ctx, "HGETALL %s", redis_key(r->cfg, key,
	    sizeof key, "log:a:d:%lld", now / 86400));
	if (store_read(r, 1, rep, what, cause, len) == -1)
		return -1;
	store_hash(rep[0], add_agency, out);
	store_hash(rep[0], add_reason, out);
	freeReplyObject(rep[0]);
	return 0;
}

int
maillog_store_suspects(struct redis *r, struct ml_suspect **out, size_t *n,
    char *cause, size_t len)
{
	const char *what = "cannot read the harvest suspects";
	redisReply *ids[1], **rep;
	struct ml_suspect *v;
	char key[256], max[16];
	size_t i, j, k, nid;

	*out = NULL;
	*n = 0;
	if (redis_ensure(r) == -1)
		return store_fail(r, what, cause, len);
	snprintf(max, sizeof max, "%d", MAILLOG_STORE_SUSPECTS - 1);
	redisAppendCommand(r->ctx, "ZREVRANGE %s 0 %s", redis_key(r->cfg, key,
	    sizeof key, "suspects"), max);
	if (store_read(r, 1, ids, what, cause, len) == -1)
		return -1;
	nid = ids[0]->type == REDIS_REPLY_ARRAY ? ids[0]->elements : 0;
	v = xcalloc(nid + 1, sizeof *v);
	for (i = k = 0; i < nid; i++) {
		const redisReply *e = ids[0]->element[i];

		if (e->type != REDIS_REPLY_STRING || e->len == 0 ||
		    e->len >= sizeof v[k].ip || strchr(e->str, ' ') != NULL)
			continue;
		memcpy(v[k].ip, e->str, e->len);
		k++;
	}
	freeReplyObject(ids[0]);
	if (k == 0) {
		free(v);
		return 0;
	}
	for (i = 0; i < k; i++) {
		redisAppendCommand(r->ctx, "HGETALL %s", redis_key(r->cfg, key,
		    sizeof key, "suspect:%s", v[i].ip));
		redisAppendCommand(r->ctx, "EXISTS %s", redis_key(r->cfg, key,
		    sizeof key, "block:%s", v[i].ip));
	}
	rep = xcalloc(2 * k, sizeof *rep);
	if (store_read(r, 2 * k, rep, what, cause, len) == -1) {
		free(rep);
		free(v);
		return -1;
	}
	for (i = 0; i < k; i++) {
		const redisReply *h = rep[2 * i];

		if (h->type == REDIS_REPLY_ARRAY)
			for (j = 0; j + 1 < h->elements; j += 2)
				if (h->element[j]->type == REDIS_REPLY_STRING &&
				    h->element[j + 1]->type ==
				    REDIS_REPLY_STRING)
					ml_suspect_field(&v[i],
					    h->element[j]->str,
					    h->element[j + 1]->str);
		v[i].blocked = rep[2 * i + 1]->type == REDIS_REPLY_INTEGER &&
		    rep[2 * i + 1]->integer > 0;
	}
	for (i = 0; i < 2 * k; i++)
		freeReplyObject(rep[i]);
	free(rep);
	*out = v;
	*n = k;
	return 0;
}
