/* The policy service's copy of blocks, permits and agency limits: records
 * read from Redis replies, sorted arrays, lookups by address. */
#include "agent/policy_copy.h"

#include <errno.h>
#include <hiredis.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/policy_redis.h"
#include "core/validate.h"
#include "core/xalloc.h"

struct policy_copy *
policy_copy_new(void)
{
	return xcalloc(1, sizeof(struct policy_copy));
}

void
policy_copy_free(struct policy_copy *c)
{
	size_t	i;

	if (c == NULL)
		return;
	bulk_list_free(&c->bulks);
	for (i = 0; i < c->nblocks; i++) {
		free(c->blocks[i].ip);
		free(c->blocks[i].reason);
	}
	for (i = 0; i < c->npermits; i++) {
		free(c->permits[i].ip);
		free(c->permits[i].agency);
	}
	for (i = 0; i < c->nagencies; i++)
		free(c->agencies[i].id);
	free(c->blocks);
	free(c->permits);
	free(c->agencies);
	free(c);
}

/* Counts a record that cannot be read; the first one is kept for the log. */
static int __attribute__((format(printf, 2, 3)))
copy_skip(struct policy_copy *c, const char *fmt, ...)
{
	va_list	ap;

	if (c->skipped++ == 0) {
		va_start(ap, fmt);
		vsnprintf(c->first_bad, sizeof c->first_bad, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* An address as Postfix sends it (the form the keys are written in). */
static bool
copy_ip_ok(const char *ip)
{
	char	canon[64];

	return validate_ip_canon(ip, canon, sizeof canon) == NULL &&
	    strcmp(canon, ip) == 0;
}

/* A stored number: digits (or "-1" when allowed); "" or nil is absent. */
static int
copy_number(const redisReply *e, bool minus_one, long long *out)
{
	char	*end;

	if (e->type == REDIS_REPLY_NIL || (e->type == REDIS_REPLY_STRING &&
	    e->len == 0)) {
		*out = 0;
		return 0;
	}
	if (e->type != REDIS_REPLY_STRING)
		return -1;
	if (minus_one && strcmp(e->str, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (e->str[0] < '0' || e->str[0] > '9')
		return -1;
	errno = 0;
	*out = strtoll(e->str, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

/* The reply of an HMGET of n fields, or NULL. */
static const redisReply *
copy_hmget(const void *reply, size_t n)
{
	const redisReply	*r = reply;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != n)
		return NULL;
	return r;
}

int
policy_copy_add_block(struct policy_copy *c, const char *ip,
    const void *reply, long long now_s)
{
	const redisReply	*r = copy_hmget(reply, 2), *reason, *until;
	struct policy_copy_block *b;
	long long		 t;

	if (!copy_ip_ok(ip))
		return copy_skip(c, "block of '%.60s': not a client address",
		    ip);
	if (r == NULL)
		return copy_skip(c, "block of %s: %s", ip, reply != NULL &&
		    ((const redisReply *)reply)->type == REDIS_REPLY_ERROR ?
		    ((const redisReply *)reply)->str : "not a hash");
	reason = r->element[0];
	until = r->element[1];
	if (reason->type == REDIS_REPLY_NIL && until->type == REDIS_REPLY_NIL)
		return 0;
	if (reason->type != REDIS_REPLY_NIL &&
	    reason->type != REDIS_REPLY_STRING)
		return copy_skip(c, "block of %s: the reason is not text", ip);
	if (copy_number(until, false, &t) == -1)
		return copy_skip(c, "block of %s: until '%.40s' is not a time",
		    ip, until->type == REDIS_REPLY_STRING ? until->str : "?");
	if (t > 0 && t <= now_s)
		return 0;
	if (c->nblocks == c->cap_blocks) {
		c->cap_blocks = c->cap_blocks ? c->cap_blocks * 2 : 64;
		c->blocks = xreallocarray(c->blocks, c->cap_blocks,
		    sizeof *c->blocks);
	}
	b = &c->blocks[c->nblocks++];
	b->ip = xstrdup(ip);
	b->reason = xstrdup(reason->type == REDIS_REPLY_STRING ? reason->str :
	    "");
	b->until = t;
	return 1;
}

/* An agency id the script would use: see agency_check in policy_redis.c. */
static bool
copy_agency_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > POLICY_AGENCY_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char	ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f || ch == '|')
			return false;
	}
	return true;
}

int
policy_copy_add_permit(struct policy_copy *c, const char *ip,
    const char *agency, size_t len)
{
	struct policy_copy_permit	*p;

	if (!copy_ip_ok(ip))
		return copy_skip(c, "permit of '%.60s': not a client address",
		    ip);
	if (!copy_agency_ok(agency, len))
		return copy_skip(c, "permit of %s: the agency id is empty, "
		    "longer than %d bytes or holds '|' or a control "
		    "character", ip, POLICY_AGENCY_MAX);
	if (c->npermits == c->cap_permits) {
		c->cap_permits = c->cap_permits ? c->cap_permits * 2 : 64;
		c->permits = xreallocarray(c->permits, c->cap_permits,
		    sizeof *c->permits);
	}
	p = &c->permits[c->npermits++];
	p->ip = xstrdup(ip);
	p->agency = xmalloc(len + 1);
	memcpy(p->agency, agency, len);
	p->agency[len] = '\0';
	return 1;
}

static long
copy_long(long long v)
{
	return v > LONG_MAX ? LONG_MAX : (long)v;
}

int
policy_copy_add_agency(struct policy_copy *c, const char *id,
    const void *reply)
{
	const redisReply		*r = copy_hmget(reply, 3);
	struct policy_copy_agency	*a;
	long long			 v[3];

	if (r == NULL)
		return copy_skip(c, "agency %.64s: %s", id, reply != NULL &&
		    ((const redisReply *)reply)->type == REDIS_REPLY_ERROR ?
		    ((const redisReply *)reply)->str : "not a hash");
	if (copy_number(r->element[0], false, &v[0]) == -1 ||
	    copy_number(r->element[1], false, &v[1]) == -1 ||
	    copy_number(r->element[2], true, &v[2]) == -1)
		return copy_skip(c, "agency %.64s: a limit is not a count",
		    id);
	if (c->nagencies == c->cap_agencies) {
		c->cap_agencies = c->cap_agencies ? c->cap_agencies * 2 : 16;
		c->agencies = xreallocarray(c->agencies, c->cap_agencies,
		    sizeof *c->agencies);
	}
	a = &c->agencies[c->nagencies++];
	a->id = xstrdup(id);
	a->max_rcpts = copy_long(v[0]);
	a->max_per_minute = copy_long(v[1]);
	a->bulk_rcpts = copy_long(v[2]);
	return 1;
}

static int
block_cmp(const void *a, const void *b)
{
	const struct policy_copy_block	*x = a, *y = b;

	return strcmp(x->ip, y->ip);
}

static int
permit_cmp(const void *a, const void *b)
{
	const struct policy_copy_permit	*x = a, *y = b;

	return strcmp(x->ip, y->ip);
}

static int
agency_cmp(const void *a, const void *b)
{
	const struct policy_copy_agency	*x = a, *y = b;

	return strcmp(x->id, y->id);
}

void
policy_copy_seal(struct policy_copy *c)
{
	size_t	i, n;

	/* Duplicates cannot come from one HGETALL or ZRANGE; should they
	 * come anyway, one of them stays. */
	if (c->nblocks > 1)
		qsort(c->blocks, c->nblocks, sizeof *c->blocks, block_cmp);
	for (i = n = 0; i < c->nblocks; i++) {
		if (n > 0 && strcmp(c->blocks[n - 1].ip, c->blocks[i].ip) == 0) {
			free(c->blocks[n - 1].ip);
			free(c->blocks[n - 1].reason);
			n--;
		}
		c->blocks[n++] = c->blocks[i];
	}
	c->nblocks = n;
	if (c->npermits > 1)
		qsort(c->permits, c->npermits, sizeof *c->permits,
		    permit_cmp);
	for (i = n = 0; i < c->npermits; i++) {
		if (n > 0 && strcmp(c->permits[n - 1].ip,
		    c->permits[i].ip) == 0) {
			free(c->permits[n - 1].ip);
			free(c->permits[n - 1].agency);
			n--;
		}
		c->permits[n++] = c->permits[i];
	}
	c->npermits = n;
	if (c->nagencies > 1)
		qsort(c->agencies, c->nagencies, sizeof *c->agencies,
		    agency_cmp);
	for (i = n = 0; i < c->nagencies; i++) {
		if (n > 0 && strcmp(c->agencies[n - 1].id,
		    c->agencies[i].id) == 0) {
			free(c->agencies[n - 1].id);
			n--;
		}
		c->agencies[n++] = c->agencies[i];
	}
	c->nagencies = n;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t
policy_copy_permit_agencies(const struct policy_copy *c, const char ***ids)
{
	const char	**v;
	size_t		  i, n = 0;

	v = xcalloc(c->npermits > 0 ? c->npermits : 1, sizeof *v);
	for (i = 0; i < c->npermits; i++)
		v[i] = c->permits[i].agency;
	if (c->npermits > 1)
		qsort(v, c->npermits, sizeof *v, str_cmp);
	for (i = 0; i < c->npermits; i++) {
		if (n == 0 || strcmp(v[n - 1], v[i]) != 0)
			v[n++] = v[i];
	}
	*ids = v;
	return n;
}

/* Binary search in an array of structs whose first member is the key. */
static const void *
copy_find(const void *base, size_t n, size_t size, const char *key)
{
	size_t	lo = 0, hi = n, mid;
	int	r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = strcmp(key, *(char *const *)((const char *)base +
		    mid * size));
		if (r == 0)
			return (const char *)base + mid * size;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
policy_copy_facts(const struct policy_copy *c,
    const struct policy_request *req, bool draining, long long now_s,
    struct policy_facts *f)
{
	const struct policy_copy_block	*b;
	const struct policy_copy_permit	*p;
	const struct policy_copy_agency	*a;
	const char			*ip = req->client_address;

	f->redis_ok = true;
	f->from_copy = true;
	f->counts_unknown = true;
	f->limits_unknown = false;
	f->blocked = false;
	f->block_reason = NULL;
	f->block_until = 0;
	f->draining = draining;
	f->agency = NULL;
	f->max_rcpts_per_msg = f->max_msgs_per_minute = f->bulk_rcpts = 0;
	f->msgs_minute = f->rcpts_10min = 0;
	f->plan = false;
	if (ip == NULL)
		return;
	b = copy_find(c->blocks, c->nblocks, sizeof *b, ip);
	if (b != NULL && (b->until == 0 || b->until > now_s)) {
		f->blocked = true;
		f->block_reason = b->reason;
		f->block_until = b->until;
	}
	if (policy_request_inbound(req))
		return;
	if ((p = copy_find(c->permits, c->npermits, sizeof *p, ip)) == NULL)
		return;
	f->agency = p->agency;
	a = copy_find(c->agencies, c->nagencies, sizeof *a, p->agency);
	if (a == NULL) {
		f->limits_unknown = true;
		return;
	}
	f->max_rcpts_per_msg = a->max_rcpts;
	f->max_msgs_per_minute = a->max_per_minute;
	f->bulk_rcpts = a->bulk_rcpts;
}
