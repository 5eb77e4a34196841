/* The mail log's counts: open messages by queue ID, counters, suspects. */
#include "core/maillog_tally.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/delay.h"
#include "core/validate.h"
#include "core/xalloc.h"

const long long maillog_delay_bounds[MAILLOG_DELAY_BUCKETS - 1] = {
	1, 2, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400,
};

/* An open message: what later lines of the same queue ID need. */
struct maillog_msg {
	uint64_t h;                     /* hash of qid */
	char qid[MAILLOG_QID_MAX + 1];  /* "" = free slot */
	char ip[MAILLOG_IP_MAX + 1];    /* "" = not from smtpd (pickup) */
	long long seen;                 /* time of its last line */
	bool deferred;                  /* counted once as deferred */
};

/* A client's recent unknown recipients (a ring of their times). */
#define MAILLOG_RING_MAX 1000
struct maillog_client {
	char ip[MAILLOG_IP_MAX + 1];    /* "" = free slot */
	long long *ring;
	int head, n;
	long long crossed_at;           /* last crossing, 0 = never */
	long long seen;
};

int
maillog_delay_bucket(long long ms)
{
	int i;

	for (i = 0; i < MAILLOG_DELAY_BUCKETS - 1; i++) {
		if (ms <= maillog_delay_bounds[i] * 1000)
			return i;
	}
	return MAILLOG_DELAY_BUCKETS - 1;
}

long long
maillog_delay_p95(const long long hist[MAILLOG_DELAY_BUCKETS])
{
	long long total = 0, sum = 0;
	int i;

	for (i = 0; i < MAILLOG_DELAY_BUCKETS; i++)
		total += hist[i];
	if (total == 0)
		return -1;
	for (i = 0; i < MAILLOG_DELAY_BUCKETS - 1; i++) {
		sum += hist[i];
		/* sum / total >= 0.95, in integers */
		if (sum * 100 >= total * 95)
			return maillog_delay_bounds[i];
	}
	return maillog_delay_bounds[MAILLOG_DELAY_BUCKETS - 2] * 2;
}

const char *
maillog_scope_key(enum maillog_scope s)
{
	static const char *const k[MAILLOG_SCOPES] = { "t", "c", "a", "p" };

	return (unsigned)s < MAILLOG_SCOPES ? k[s] : "?";
}

void
maillog_limits_init(struct maillog_limits *l)
{
	l->max_open = 200000;
	l->max_age_s = 6 * 86400;
	l->harvest_threshold = 20;
	l->harvest_window_s = 300;
	l->max_clients = 10000;
}

/* FNV-1a: short keys, spread enough for linear probing. */
static uint64_t
hash_str(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
maillog_tally_init(struct maillog_tally *t, const char *node,
    const struct maillog_limits *lim, maillog_agency_fn agency,
    maillog_group_fn group, void *arg)
{
	memset(t, 0, sizeof *t);
	t->lim = *lim;
	if (t->lim.harvest_threshold > MAILLOG_RING_MAX)
		t->lim.harvest_threshold = MAILLOG_RING_MAX;
	if (t->lim.harvest_threshold < 1)
		t->lim.harvest_threshold = 1;
	t->node = node;
	t->agency = agency;
	t->group = group;
	t->arg = arg;
	t->msgs_cap = 1024;
	t->msgs = xcalloc(t->msgs_cap, sizeof *t->msgs);
	t->clients_cap = 64;
	t->clients = xcalloc(t->clients_cap, sizeof *t->clients);
	t->counts_cap = 256;
	t->counts = xcalloc(t->counts_cap, sizeof *t->counts);
}

void
maillog_tally_free(struct maillog_tally *t)
{
	size_t i;

	for (i = 0; i < t->clients_cap; i++)
		free(t->clients[i].ring);
	free(t->clients);
	free(t->msgs);
	free(t->counts);
	free(t->suspects);
	memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ messages */

static size_t
msg_slot_h(const struct maillog_msg *v, size_t cap, const char *qid,
    uint64_t h)
{
	size_t i = h & (cap - 1);

	while (v[i].qid[0] != '\0' && (v[i].h != h ||
	    strcmp(v[i].qid, qid) != 0))
		i = (i + 1) & (cap - 1);
	return i;
}

static size_t
msg_slot(const struct maillog_msg *v, size_t cap, const char *qid)
{
	return msg_slot_h(v, cap, qid, hash_str(qid,
	    1469598103934665603ULL));
}

static struct maillog_msg *
msg_find(const struct maillog_tally *t, const char *qid)
{
	struct maillog_msg *m;

	if (qid[0] == '\0')
		return NULL;
	m = &t->msgs[msg_slot(t->msgs, t->msgs_cap, qid)];
	return m->qid[0] != '\0' ? m : NULL;
}

/* Removes a slot, shifting back the run after it (no tombstones). */
static void
msg_remove(struct maillog_tally *t, struct maillog_msg *m)
{
	size_t cap = t->msgs_cap, i = (size_t)(m - t->msgs), j = i, k;

	for (;;) {
		t->msgs[i].qid[0] = '\0';
		for (;;) {
			j = (j + 1) & (cap - 1);
			if (t->msgs[j].qid[0] == '\0') {
				t->nmsgs--;
				return;
			}
			k = t->msgs[j].h & (cap - 1);
			/* Stay when k lies cyclically in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		t->msgs[i] = t->msgs[j];
		i = j;
	}
}

static void
msg_grow(struct maillog_tally *t)
{
	struct maillog_msg *old = t->msgs;
	size_t oldcap = t->msgs_cap, i;

	t->msgs_cap *= 2;
	t->msgs = xcalloc(t->msgs_cap, sizeof *t->msgs);
	for (i = 0; i < oldcap; i++) {
		if (old[i].qid[0] != '\0')
			t->msgs[msg_slot_h(t->msgs, t->msgs_cap, old[i].qid,
			    old[i].h)] = old[i];
	}
	free(old);
}

/* Drops the messages not seen for max_age_s (log time). */
static void
msg_sweep(struct maillog_tally *t)
{
	size_t i;

	for (i = 0; i < t->msgs_cap; i++) {
		while (t->msgs[i].qid[0] != '\0' &&
		    t->newest - t->msgs[i].seen > t->lim.max_age_s) {
			msg_remove(t, &t->msgs[i]);
			t->stats.dropped++;
		}
	}
	t->swept = t->newest;
}

static struct maillog_msg *
msg_open(struct maillog_tally *t, const char *qid, long long now)
{
	uint64_t h = hash_str(qid, 1469598103934665603ULL);
	struct maillog_msg *m;
	size_t i;

	m = &t->msgs[msg_slot_h(t->msgs, t->msgs_cap, qid, h)];
	if (m->qid[0] != '\0')
		return m;
	if (t->nmsgs >= t->lim.max_open) {
		msg_sweep(t);
		if (t->nmsgs >= t->lim.max_open) {
			t->stats.dropped++;
			return NULL;
		}
	}
	if ((t->nmsgs + 1) * 10 > t->msgs_cap * 7)
		msg_grow(t);
	i = msg_slot_h(t->msgs, t->msgs_cap, qid, h);
	m = &t->msgs[i];
	memset(m, 0, sizeof *m);
	m->h = h;
	memcpy(m->qid, qid, strlen(qid) + 1);
	m->seen = now;
	t->nmsgs++;
	return m;
}

size_t
maillog_tally_open(const struct maillog_tally *t)
{
	return t->nmsgs;
}

const char *
maillog_tally_client_of(const struct maillog_tally *t, const char *qid)
{
	const struct maillog_msg *m = msg_find(t, qid);

	return m != NULL ? m->ip : NULL;
}

/* ------------------------------------------------------------ counters */

static uint64_t
count_hash(uint64_t fh, enum maillog_scope s, char gran, long long bucket)
{
	uint64_t h = fh ^ ((uint64_t)bucket * 0x9e3779b97f4a7c15ULL) ^
	    ((uint64_t)(unsigned char)gran << 8) ^ (uint64_t)s;

	return h * 1099511628211ULL;
}

static size_t
count_slot_h(const struct maillog_count *v, size_t cap, enum maillog_scope s,
    char gran, long long bucket, const char *field, uint64_t h)
{
	size_t i = h & (cap - 1);

	while (v[i].used && (v[i].h != h || v[i].scope != s ||
	    v[i].gran != gran || v[i].bucket != bucket ||
	    strcmp(v[i].field, field) != 0))
		i = (i + 1) & (cap - 1);
	return i;
}

static void
count_grow(struct maillog_tally *t)
{
	struct maillog_count *old = t->counts;
	size_t oldcap = t->counts_cap, i;

	t->counts_cap *= 2;
	t->counts = xcalloc(t->counts_cap, sizeof *t->counts);
	for (i = 0; i < oldcap; i++) {
		if (old[i].used)
			t->counts[count_slot_h(t->counts, t->counts_cap,
			    old[i].scope, old[i].gran, old[i].bucket,
			    old[i].field, old[i].h)] = old[i];
	}
	free(old);
}

/*
 * The fields' own formatter: only %s and %d. vsnprintf was a third of the
 * tally's time (a delivery bumps up to eight counters).
 */
static int
field_fmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t n = 0, k;
	const char *s;
	char num[16];
	int v;

	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			if (n + 1 >= size)
				return -1;
			buf[n++] = *fmt;
			continue;
		}
		fmt++;
		if (*fmt == 's')
			s = va_arg(ap, const char *);
		else {
			v = va_arg(ap, int);
			snprintf(num, sizeof num, "%d", v);
			s = num;
		}
		k = strlen(s);
		if (n + k >= size)
			return -1;
		memcpy(buf + n, s, k);
		n += k;
	}
	buf[n] = '\0';
	return (int)n;
}

static void
bump(struct maillog_tally *t, enum maillog_scope s, long long time,
    long long n, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
bump_one(struct maillog_tally *t, enum maillog_scope s, char gran,
    long long bucket, const char *field, size_t len, uint64_t fh, long long n)
{
	struct maillog_count *c;
	uint64_t h = count_hash(fh, s, gran, bucket);

	if ((t->ncounts + 1) * 10 > t->counts_cap * 7)
		count_grow(t);
	c = &t->counts[count_slot_h(t->counts, t->counts_cap, s, gran, bucket,
	    field, h)];
	if (!c->used) {
		c->used = true;
		c->h = h;
		c->scope = s;
		c->gran = gran;
		c->bucket = bucket;
		memcpy(c->field, field, len + 1);
		c->n = 0;
		t->ncounts++;
	}
	c->n += n;
}

static void
bump(struct maillog_tally *t, enum maillog_scope s, long long time,
    long long n, const char *fmt, ...)
{
	char field[sizeof t->counts[0].field];
	long long minute = time >= 0 ? time / 60 : (time - 59) / 60;
	uint64_t fh;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = field_fmt(field, sizeof field, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	fh = hash_str(field, 1469598103934665603ULL);
	bump_one(t, s, 'm', minute, field, (size_t)len, fh, n);
	bump_one(t, s, 'h', minute >= 0 ? minute / 60 : (minute - 59) / 60,
	    field, (size_t)len, fh, n);
	bump_one(t, s, 'd', minute >= 0 ? minute / 1440 :
	    (minute - 1439) / 1440, field, (size_t)len, fh, n);
}

void
maillog_tally_each(const struct maillog_tally *t,
    void (*fn)(void *arg, const struct maillog_count *c), void *arg)
{
	size_t i;

	for (i = 0; i < t->counts_cap; i++) {
		if (t->counts[i].used && t->counts[i].n != 0)
			fn(arg, &t->counts[i]);
	}
}

void
maillog_tally_clear(struct maillog_tally *t)
{
	size_t i;

	for (i = 0; i < t->counts_cap && t->ncounts > 0; i++)
		t->counts[i].used = false;
	t->ncounts = 0;
	t->nsuspects = 0;
	t->nbounce_reasons = 0;
	t->nrep_reasons = 0;
}

long long
maillog_tally_get(const struct maillog_tally *t, enum maillog_scope scope,
    long long minute, const char *field)
{
	const struct maillog_count *c = &t->counts[count_slot_h(t->counts,
	    t->counts_cap, scope, 'm', minute, field, count_hash(hash_str(field,
	    1469598103934665603ULL), scope, 'm', minute))];

	return c->used ? c->n : 0;
}

/* ------------------------------------------------------------ harvest */

static size_t
client_slot(const struct maillog_client *v, size_t cap, const char *ip)
{
	size_t i = hash_str(ip, 1469598103934665603ULL) & (cap - 1);

	while (v[i].ip[0] != '\0' && strcmp(v[i].ip, ip) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Rebuilds the client table at `cap`, keeping those seen in the window. */
static void
clients_rebuild(struct maillog_tally *t, size_t cap)
{
	struct maillog_client *old = t->clients, *c;
	size_t oldcap = t->clients_cap, i;

	t->clients = xcalloc(cap, sizeof *t->clients);
	t->clients_cap = cap;
	t->nclients = 0;
	for (i = 0; i < oldcap; i++) {
		if (old[i].ip[0] == '\0')
			continue;
		if (t->newest - old[i].seen > t->lim.harvest_window_s) {
			free(old[i].ring);
			continue;
		}
		c = &t->clients[client_slot(t->clients, cap, old[i].ip)];
		*c = old[i];
		t->nclients++;
	}
	free(old);
}

static struct maillog_client *
client_get(struct maillog_tally *t, const char *ip)
{
	struct maillog_client *c;

	c = &t->clients[client_slot(t->clients, t->clients_cap, ip)];
	if (c->ip[0] != '\0')
		return c;
	if ((t->nclients + 1) * 10 > t->clients_cap * 7) {
		/* Forget quiet clients first; grow only when they are busy. */
		clients_rebuild(t, t->clients_cap);
		if ((t->nclients + 1) * 10 > t->clients_cap * 7) {
			if (t->nclients >= t->lim.max_clients)
				return NULL;
			clients_rebuild(t, t->clients_cap * 2);
		}
		c = &t->clients[client_slot(t->clients, t->clients_cap, ip)];
	}
	memset(c, 0, sizeof *c);
	snprintf(c->ip, sizeof c->ip, "%s", ip);
	c->ring = xcalloc((size_t)t->lim.harvest_threshold, sizeof *c->ring);
	t->nclients++;
	return c;
}

static struct maillog_suspect *
suspect_get(struct maillog_tally *t, const char *ip)
{
	struct maillog_suspect *s;
	size_t i;

	for (i = 0; i < t->nsuspects; i++) {
		if (strcmp(t->suspects[i].ip, ip) == 0)
			return &t->suspects[i];
	}
	if (t->nsuspects == t->suspects_cap) {
		t->suspects_cap = t->suspects_cap ? t->suspects_cap * 2 : 8;
		t->suspects = xreallocarray(t->suspects, t->suspects_cap,
		    sizeof *t->suspects);
	}
	s = &t->suspects[t->nsuspects++];
	memset(s, 0, sizeof *s);
	snprintf(s->ip, sizeof s->ip, "%s", ip);
	return s;
}

/*
 * An unknown recipient from `ip`: once the client has passed the threshold
 * within the window, it is a suspect, and every later unknown recipient
 * of it within a window of the last one adds to its record.
 */
static void
harvest(struct maillog_tally *t, const struct maillog_rec *r)
{
	struct maillog_client *c;
	struct maillog_suspect *s;
	int th = t->lim.harvest_threshold, oldest;
	bool crossed, fresh, active;

	if (r->ip[0] == '\0' || (c = client_get(t, r->ip)) == NULL)
		return;
	c->seen = r->time;
	c->ring[c->head] = r->time;
	c->head = (c->head + 1) % th;
	if (c->n < th)
		c->n++;
	oldest = c->n < th ? 0 : c->head;
	crossed = c->n == th && r->time - c->ring[oldest] <
	    t->lim.harvest_window_s;
	fresh = crossed && (c->crossed_at == 0 ||
	    r->time - c->crossed_at > t->lim.harvest_window_s);
	active = c->crossed_at != 0 &&
	    r->time - c->crossed_at <= t->lim.harvest_window_s;
	if (!fresh && !active)
		return;
	s = suspect_get(t, r->ip);
	if (fresh) {
		s->crossed = true;
		s->window_count = th;
		if (s->count == 0)
			s->first = c->ring[oldest];
		s->count += th;
	} else {
		if (s->count == 0)
			s->first = r->time;
		s->count++;
	}
	s->last = r->time;
	c->crossed_at = r->time;
	if (s->nsamples < MAILLOG_SAMPLES && r->addr[0] != '\0')
		snprintf(s->samples[s->nsamples++], sizeof s->samples[0], "%s",
		    r->addr);
}

/* ------------------------------------------------------------ lines */

/* Keeps the latest bounce reason of an agency and domain for the batch. */
static void
bounce_reason(struct maillog_tally *t, const struct maillog_rec *r,
    const char *agency, const char *dom)
{
	struct maillog_bounce_reason *b = NULL;
	char field[sizeof b->field], raw[MAILLOG_BOUNCE_REASON_MAX + 1];
	long long day = r->time / 86400;
	size_t i, n;

	if (r->reason == NULL || r->reasonlen == 0)
		return;
	if ((size_t)snprintf(field, sizeof field, "%s|%s|reason", agency,
	    dom) >= sizeof field)
		return;
	for (i = 0; i < t->nbounce_reasons; i++)
		if (t->bounce_reasons[i].day == day &&
		    strcmp(t->bounce_reasons[i].field, field) == 0)
			b = &t->bounce_reasons[i];
	if (b == NULL) {
		if (t->nbounce_reasons == MAILLOG_BOUNCE_REASONS)
			return;
		b = &t->bounce_reasons[t->nbounce_reasons++];
		b->day = day;
		memcpy(b->field, field, sizeof field);
	}
	n = r->reasonlen < sizeof raw - 1 ? r->reasonlen : sizeof raw - 1;
	memcpy(raw, r->reason, n);
	raw[n] = '\0';
	validate_sanitize(b->reason, sizeof b->reason, raw);
}

/* Keeps the latest reputation refusal of a provider (or "@group") for the
 * minute of the line. */
static void
rep_reason(struct maillog_tally *t, const struct maillog_rec *r,
    const char *name)
{
	struct maillog_rep_reason *b = NULL;
	char field[sizeof b->field], raw[MAILLOG_BOUNCE_REASON_MAX + 1];
	long long minute = r->time / 60;
	size_t i, n;

	if (r->reason == NULL || r->reasonlen == 0)
		return;
	if ((size_t)snprintf(field, sizeof field, "%s|rep_reason", name) >=
	    sizeof field)
		return;
	for (i = 0; i < t->nrep_reasons; i++)
		if (t->rep_reasons[i].minute == minute &&
		    strcmp(t->rep_reasons[i].field, field) == 0)
			b = &t->rep_reasons[i];
	if (b == NULL) {
		if (t->nrep_reasons == MAILLOG_REP_REASONS)
			return;
		b = &t->rep_reasons[t->nrep_reasons++];
		b->minute = minute;
		memcpy(b->field, field, sizeof field);
	}
	n = r->reasonlen < sizeof raw - 1 ? r->reasonlen : sizeof raw - 1;
	memcpy(raw, r->reason, n);
	raw[n] = '\0';
	validate_sanitize(b->reason, sizeof b->reason, raw);
}

/* A reputation refusal: counted as `rep` of the provider and its group,
 * its text kept. */
static void
reputation(struct maillog_tally *t, const struct maillog_rec *r,
    const char *dom, const char *grp)
{
	char g[MAILLOG_DOMAIN_MAX + 2];

	bump(t, MAILLOG_SCOPE_PROVIDER, r->time, 1, "%s|rep", dom);
	rep_reason(t, r, dom);
	if (grp != NULL) {
		bump(t, MAILLOG_SCOPE_PROVIDER, r->time, 1, "@%s|rep", grp);
		snprintf(g, sizeof g, "@%s", grp);
		rep_reason(t, r, g);
	}
}

static const char *
provider_of(const struct maillog_rec *r)
{
	return r->domain[0] != '\0' ? r->domain : "-";
}

static void
delivery(struct maillog_tally *t, const struct maillog_rec *r,
    struct maillog_msg *m)
{
	const char *dom = provider_of(r), *agency = NULL, *grp = NULL;
	const char *metric = NULL;
	char reason[512];
	enum delay_class dc;
	unsigned k;

	if (m != NULL && m->ip[0] != '\0' && t->agency != NULL)
		agency = t->agency(t->arg, m->ip);
	if (t->group != NULL)
		grp = t->group(t->arg, dom);
	switch (r->status) {
	case MAILLOG_ST_SENT:
		if (r->forwarded)
			return;
		metric = "delivered";
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|delivered",
		    t->node);
		if (r->delay_ms >= 0) {
			int b = maillog_delay_bucket(r->delay_ms);

			bump(t, MAILLOG_SCOPE_PROVIDER, r->time, r->delay_ms,
			    "%s|delay_ms", dom);
			bump(t, MAILLOG_SCOPE_PROVIDER, r->time, 1, "%s|d%d",
			    dom, b);
			if (grp != NULL) {
				bump(t, MAILLOG_SCOPE_PROVIDER, r->time,
				    r->delay_ms, "@%s|delay_ms", grp);
				bump(t, MAILLOG_SCOPE_PROVIDER, r->time, 1,
				    "@%s|d%d", grp, b);
			}
		}
		break;
	case MAILLOG_ST_DEFERRED:
		metric = "deferred";
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|deferrals",
		    t->node);
		if (m == NULL || !m->deferred)
			bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|deferred",
			    t->node);
		if (m != NULL)
			m->deferred = true;
		snprintf(reason, sizeof reason, "%.*s",
		    (int)(r->reasonlen < sizeof reason ? r->reasonlen :
		    sizeof reason - 1), r->reason != NULL ? r->reason : "");
		/* A provider repeats its reason: classified once in a row. */
		for (k = 0; k < MAILLOG_REASONS; k++) {
			if (strcmp(reason, t->reasons[k]) == 0)
				break;
		}
		if (k == MAILLOG_REASONS) {
			k = t->next_reason++ % MAILLOG_REASONS;
			memcpy(t->reasons[k], reason, sizeof reason);
			t->reason_class[k] = (int)delay_classify(reason);
			t->reason_rep[k] = delay_reputation(reason);
		}
		dc = (enum delay_class)t->reason_class[k];
		bump(t, MAILLOG_SCOPE_PROVIDER, r->time, 1, "%s|def_%s", dom,
		    delay_class_name(dc));
		if (grp != NULL)
			bump(t, MAILLOG_SCOPE_PROVIDER, r->time, 1,
			    "@%s|def_%s", grp, delay_class_name(dc));
		if (t->reason_rep[k])
			reputation(t, r, dom, grp);
		break;
	case MAILLOG_ST_BOUNCED:
		metric = "bounced";
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|bounced", t->node);
		snprintf(reason, sizeof reason, "%.*s",
		    (int)(r->reasonlen < sizeof reason ? r->reasonlen :
		    sizeof reason - 1), r->reason != NULL ? r->reason : "");
		if (delay_reputation(reason))
			reputation(t, r, dom, grp);
		if (agency != NULL)
			bounce_reason(t, r, agency, dom);
		break;
	default:
		return;
	}
	bump(t, MAILLOG_SCOPE_PROVIDER, r->time, 1, "%s|%s", dom, metric);
	if (grp != NULL)
		bump(t, MAILLOG_SCOPE_PROVIDER, r->time, 1, "@%s|%s", grp,
		    metric);
	if (agency != NULL) {
		bump(t, MAILLOG_SCOPE_AGENCY, r->time, 1, "%s|%s|%s", agency,
		    dom, metric);
		if (r->status == MAILLOG_ST_BOUNCED &&
		    strncmp(r->dsn, "5.1.", 4) == 0)
			bump(t, MAILLOG_SCOPE_AGENCY, r->time, 1,
			    "%s|%s|invalid", agency, dom);
	}
}

void
maillog_tally_add(struct maillog_tally *t, const struct maillog_rec *r)
{
	struct maillog_msg *m = NULL;

	t->stats.lines++;
	t->stats.kind[r->kind < MAILLOG_KINDS ? r->kind : MAILLOG_BAD]++;
	if (r->kind == MAILLOG_SKIP || r->kind == MAILLOG_BAD)
		return;
	if (r->addr_cut)
		t->stats.addr_cut++;
	if (r->time > t->newest)
		t->newest = r->time;
	/* Once per day of log time, or when the table fills. */
	if (t->newest - t->swept > 86400)
		msg_sweep(t);

	switch (r->kind) {
	case MAILLOG_CONNECT:
		bump(t, MAILLOG_SCOPE_CLIENT, r->time, 1, "%s|conn", r->ip);
		return;
	case MAILLOG_REJECT:
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|rejected",
		    t->node);
		if (r->ip[0] != '\0')
			bump(t, MAILLOG_SCOPE_CLIENT, r->time, 1, "%s|rej_%s",
			    r->ip, maillog_reject_name(r->rclass));
		if (r->rclass == MAILLOG_REJ_UNKNOWN)
			harvest(t, r);
		return;
	case MAILLOG_CLIENT:
	case MAILLOG_PICKUP:
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|received",
		    t->node);
		if ((m = msg_open(t, r->qid, r->time)) != NULL) {
			m->seen = r->time;
			snprintf(m->ip, sizeof m->ip, "%s", r->ip);
		}
		return;
	default:
		break;
	}
	if ((m = msg_find(t, r->qid)) != NULL)
		m->seen = r->time;
	else if (r->kind != MAILLOG_REMOVED && r->kind != MAILLOG_DELETE)
		t->stats.untracked++;
	switch (r->kind) {
	case MAILLOG_DELIVERY:
		delivery(t, r, m);
		break;
	case MAILLOG_EXPIRED:
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|expired", t->node);
		break;
	case MAILLOG_HOLD:
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|held", t->node);
		break;
	case MAILLOG_RELEASE:
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|released",
		    t->node);
		break;
	case MAILLOG_BOUNCE:
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|notifications",
		    t->node);
		break;
	case MAILLOG_DELETE:
		bump(t, MAILLOG_SCOPE_TOTAL, r->time, 1, "%s|deleted", t->node);
		if (m != NULL)
			msg_remove(t, m);
		break;
	case MAILLOG_REMOVED:
		if (m != NULL)
			msg_remove(t, m);
		break;
	default:
		break;
	}
}
