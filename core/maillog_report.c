/* Providers, agencies' bounces and harvest suspects from the mail log
 * counters: parsing of the fields, the derived figures, the order. */
#include "core/maillog_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "core/xalloc.h"

/* Counts are kept at most this (a Redis counter can hold more): the sums
 * and shares of three of them never overflow. */
#define ML_COUNT_MAX 1000000000000000LL

/* a + n, both in 0..ML_COUNT_MAX, saturated. */
static void
ml_add(long long *a, long long n)
{
	if (n > ML_COUNT_MAX - *a)
		*a = ML_COUNT_MAX;
	else
		*a += n;
}

/* A string as JSON; text that is not UTF-8 (a log's bytes) as "?". */
static json_t *
js(const char *s)
{
	json_t *j = json_string(s);

	return j != NULL ? j : json_string("?");
}

void
ml_providers_init(struct ml_providers *p, long long window_s)
{
	memset(p, 0, sizeof *p);
	p->window_s = window_s;
}

void
ml_providers_free(struct ml_providers *p)
{
	free(p->v);
	memset(p, 0, sizeof *p);
}

static struct ml_provider *
provider_get(struct ml_providers *p, const char *name, size_t len)
{
	struct ml_provider *v;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strlen(p->v[i].name) == len &&
		    memcmp(p->v[i].name, name, len) == 0)
			return &p->v[i];
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->v = xreallocarray(p->v, p->cap, sizeof *p->v);
	}
	v = &p->v[p->n++];
	memset(v, 0, sizeof *v);
	memcpy(v->name, name, len);
	v->name[len] = '\0';
	v->group = name[0] == '@';
	v->p95 = -1;
	v->queued = -1;
	v->queued_deferred = -1;
	return v;
}

void
ml_providers_add(struct ml_providers *p, const char *field, long long n)
{
	const char *bar = strrchr(field, '|'), *m;
	struct ml_provider *v;
	enum delay_class c;
	size_t len;
	char *end;
	long b;

	if (bar == NULL || (len = (size_t)(bar - field)) == 0 ||
	    len > MAILLOG_DOMAIN_MAX + 1 || n < 0)
		return;
	m = bar + 1;
	if (n > ML_COUNT_MAX)
		n = ML_COUNT_MAX;
	if (strcmp(m, "delivered") == 0)
		ml_add(&provider_get(p, field, len)->delivered, n);
	else if (strcmp(m, "deferred") == 0)
		ml_add(&provider_get(p, field, len)->deferred, n);
	else if (strcmp(m, "bounced") == 0)
		ml_add(&provider_get(p, field, len)->bounced, n);
	else if (strcmp(m, "delay_ms") == 0)
		ml_add(&provider_get(p, field, len)->delay_ms, n);
	else if (strcmp(m, "rep") == 0)
		ml_add(&provider_get(p, field, len)->reput, n);
	else if (strncmp(m, "def_", 4) == 0 &&
	    delay_class_parse(m + 4, &c) == 0)
		ml_add(&provider_get(p, field, len)->def[c], n);
	else if (m[0] == 'd' && m[1] >= '0' && m[1] <= '9') {
		b = strtol(m + 1, &end, 10);
		if (*end != '\0' || b >= MAILLOG_DELAY_BUCKETS)
			return;
		v = provider_get(p, field, len);
		ml_add(&v->hist[b], n);
	}
}

void
ml_providers_reason(struct ml_providers *p, const char *field,
    const char *value)
{
	const char *bar = strrchr(field, '|');
	struct ml_provider *v;
	size_t len;

	if (bar == NULL || (len = (size_t)(bar - field)) == 0 ||
	    len > MAILLOG_DOMAIN_MAX + 1 || strcmp(bar + 1, "rep_reason") != 0 ||
	    value == NULL || value[0] == '\0')
		return;
	v = provider_get(p, field, len);
	if (v->rep_reason[0] == '\0')
		validate_sanitize(v->rep_reason, sizeof v->rep_reason, value);
}

void
ml_providers_queued(struct ml_providers *p, const struct queued_list *q,
    bool known)
{
	struct ml_provider *v;
	size_t i;

	if (!known)
		return;
	for (i = 0; i < p->n; i++) {
		p->v[i].queued = 0;
		p->v[i].queued_deferred = 0;
	}
	for (i = 0; i < q->n; i++) {
		const struct queued_entry *e = &q->v[i];
		size_t len = strlen(e->name);

		if (len == 0 || len > MAILLOG_DOMAIN_MAX + 1)
			continue;
		v = provider_get(p, e->name, len);
		v->queued = e->queued;
		v->queued_deferred = e->deferred;
		memcpy(v->queued_class, e->by_class, sizeof v->queued_class);
	}
}

static long long
provider_total(const struct ml_provider *v)
{
	return v->delivered + v->deferred + v->bounced;
}

double
ml_provider_deferred_pct(const struct ml_provider *v)
{
	long long t = provider_total(v);

	return t > 0 ? 100.0 * (double)v->deferred / (double)t : 0;
}

double
ml_provider_bounced_pct(const struct ml_provider *v)
{
	long long t = provider_total(v);

	return t > 0 ? 100.0 * (double)v->bounced / (double)t : 0;
}

/* Trouble: deferred and bounced per mille of the total. */
static long long
provider_trouble(const struct ml_provider *v)
{
	long long t = provider_total(v);

	return t > 0 ? 1000 * (v->deferred + v->bounced) / t : 0;
}

static int
provider_cmp(const void *a, const void *b)
{
	const struct ml_provider *x = a, *y = b;
	long long tx = provider_trouble(x), ty = provider_trouble(y);

	if (x->throttled != y->throttled)
		return x->throttled ? -1 : 1;
	if (tx != ty)
		return tx > ty ? -1 : 1;
	if (provider_total(x) != provider_total(y))
		return provider_total(x) > provider_total(y) ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
ml_providers_finish(struct ml_providers *p, const struct delay_rule *rule)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct ml_provider *v = &p->v[i];

		v->p95 = maillog_delay_p95(v->hist);
		v->throttled = delay_rule_throttled(rule,
		    (long)v->def[DELAY_THROTTLE], (long)v->deferred);
	}
	if (p->n > 1)
		qsort(p->v, p->n, sizeof *p->v, provider_cmp);
}

const char *
ml_provider_state(const struct ml_provider *v)
{
	if (v->throttled)
		return "THROTTLED";
	if (v->deferred > 0 && ml_provider_deferred_pct(v) >= 10)
		return "deferring";
	if (v->bounced > 0 && ml_provider_bounced_pct(v) >= 10)
		return "bouncing";
	return "ok";
}

json_t *
ml_provider_json(const struct ml_provider *v)
{
	json_t *o = json_object(), *d = json_object();
	int c;

	json_object_set_new(o, "name", js(v->group ? v->name + 1 : v->name));
	json_object_set_new(o, "group", json_boolean(v->group));
	json_object_set_new(o, "delivered", json_integer(v->delivered));
	json_object_set_new(o, "deferred", json_integer(v->deferred));
	json_object_set_new(o, "bounced", json_integer(v->bounced));
	json_object_set_new(o, "deferred_pct", json_real(
	    ml_provider_deferred_pct(v)));
	json_object_set_new(o, "bounced_pct", json_real(
	    ml_provider_bounced_pct(v)));
	json_object_set_new(o, "p95_delay_s", v->p95 >= 0 ?
	    json_integer(v->p95) : json_null());
	json_object_set_new(o, "mean_delay_s", v->delivered > 0 ?
	    json_real((double)v->delay_ms / 1000.0 / (double)v->delivered) :
	    json_null());
	for (c = 0; c < DELAY_CLASSES; c++)
		if (v->def[c] > 0)
			json_object_set_new(d, delay_class_name(c),
			    json_integer(v->def[c]));
	json_object_set_new(o, "deferrals_by_class", d);
	json_object_set_new(o, "throttled", json_boolean(v->throttled));
	json_object_set_new(o, "state", json_string(ml_provider_state(v)));
	json_object_set_new(o, "queued", v->queued >= 0 ?
	    json_integer(v->queued) : json_null());
	json_object_set_new(o, "reputation", json_integer(v->reput));
	json_object_set_new(o, "reputation_reason", v->rep_reason[0] ?
	    js(v->rep_reason) : json_null());
	json_object_set_new(o, "queued_deferred", v->queued_deferred >= 0 ?
	    json_integer(v->queued_deferred) : json_null());
	d = json_object();
	for (c = 0; c < DELAY_CLASSES; c++)
		if (v->queued_class[c] > 0)
			json_object_set_new(d, delay_class_name(c),
			    json_integer(v->queued_class[c]));
	json_object_set_new(o, "queued_deferred_by_class", d);
	return o;
}

void
ml_agencies_init(struct ml_agencies *a)
{
	memset(a, 0, sizeof *a);
}

void
ml_agencies_free(struct ml_agencies *a)
{
	free(a->v);
	free(a->reasons);
	memset(a, 0, sizeof *a);
}

void
ml_agencies_reason(struct ml_agencies *a, const char *field,
    const char *value)
{
	const char *b1 = strchr(field, '|'), *b2;
	struct ml_agency_reason *r;
	size_t alen, dlen;

	if (b1 == NULL || (b2 = strrchr(field, '|')) == b1 ||
	    strcmp(b2 + 1, "reason") != 0 || value == NULL ||
	    (alen = (size_t)(b1 - field)) == 0 || alen >= sizeof r->agency ||
	    (dlen = (size_t)(b2 - b1 - 1)) == 0 || dlen >= sizeof r->domain ||
	    a->nreasons == ML_AGENCY_REASONS)
		return;
	if (a->nreasons == a->reasons_cap) {
		a->reasons_cap = a->reasons_cap ? 2 * a->reasons_cap : 16;
		a->reasons = xreallocarray(a->reasons, a->reasons_cap,
		    sizeof *a->reasons);
	}
	r = &a->reasons[a->nreasons++];
	memcpy(r->agency, field, alen);
	r->agency[alen] = '\0';
	memcpy(r->domain, b1 + 1, dlen);
	r->domain[dlen] = '\0';
	validate_sanitize(r->reason, sizeof r->reason, value);
}

const char *
ml_agencies_reason_of(const struct ml_agencies *a, const char *agency,
    const char *domain)
{
	size_t i;

	for (i = 0; i < a->nreasons; i++)
		if (strcmp(a->reasons[i].agency, agency) == 0 &&
		    strcmp(a->reasons[i].domain, domain) == 0)
			return a->reasons[i].reason;
	return NULL;
}

const struct ml_agency *
ml_agencies_find(const struct ml_agencies *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return &a->v[i];
	return NULL;
}

static void
agency_top(struct ml_agency *g, const char *domain, size_t dlen,
    long long bounced, long long invalid)
{
	struct ml_agency_provider *t = NULL, tmp;
	size_t i;

	for (i = 0; i < g->ntop; i++)
		if (strlen(g->top[i].domain) == dlen &&
		    memcmp(g->top[i].domain, domain, dlen) == 0)
			t = &g->top[i];
	if (t == NULL) {
		if (g->ntop < ML_AGENCY_TOP)
			t = &g->top[g->ntop++];
		else if (bounced > g->top[ML_AGENCY_TOP - 1].bounced)
			t = &g->top[ML_AGENCY_TOP - 1];
		else
			return;
		memset(t, 0, sizeof *t);
		memcpy(t->domain, domain, dlen);
		t->domain[dlen] = '\0';
	}
	ml_add(&t->bounced, bounced);
	ml_add(&t->invalid, invalid);
	/* Keep the list most bounced first. */
	for (i = (size_t)(t - g->top); i > 0 &&
	    g->top[i].bounced > g->top[i - 1].bounced; i--) {
		tmp = g->top[i];
		g->top[i] = g->top[i - 1];
		g->top[i - 1] = tmp;
	}
}

void
ml_agencies_add(struct ml_agencies *a, const char *field, long long n)
{
	const char *b1 = strchr(field, '|'), *b2, *m;
	struct ml_agency *g = NULL;
	size_t i, len;

	if (b1 == NULL || (b2 = strrchr(field, '|')) == b1 || n < 0 ||
	    (len = (size_t)(b1 - field)) == 0 || len >= sizeof g->name ||
	    (size_t)(b2 - b1 - 1) > MAILLOG_DOMAIN_MAX)
		return;
	m = b2 + 1;
	if (strcmp(m, "reason") == 0)   /* text: ml_agencies_reason */
		return;
	for (i = 0; i < a->n; i++)
		if (strlen(a->v[i].name) == len &&
		    memcmp(a->v[i].name, field, len) == 0)
			g = &a->v[i];
	if (g == NULL) {
		if (a->n == a->cap) {
			a->cap = a->cap ? 2 * a->cap : 16;
			a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
		}
		g = &a->v[a->n++];
		memset(g, 0, sizeof *g);
		memcpy(g->name, field, len);
	}
	if (n > ML_COUNT_MAX)
		n = ML_COUNT_MAX;
	if (strcmp(m, "delivered") == 0)
		ml_add(&g->delivered, n);
	else if (strcmp(m, "deferred") == 0)
		ml_add(&g->deferred, n);
	else if (strcmp(m, "bounced") == 0) {
		ml_add(&g->bounced, n);
		agency_top(g, b1 + 1, (size_t)(b2 - b1 - 1), n, 0);
	} else if (strcmp(m, "invalid") == 0) {
		ml_add(&g->invalid, n);
		agency_top(g, b1 + 1, (size_t)(b2 - b1 - 1), 0, n);
	}
}

double
ml_agency_bounced_pct(const struct ml_agency *g)
{
	long long t = g->delivered + g->bounced;

	return t > 0 ? 100.0 * (double)g->bounced / (double)t : 0;
}

double
ml_agency_invalid_pct(const struct ml_agency *g)
{
	long long t = g->delivered + g->bounced;

	return t > 0 ? 100.0 * (double)g->invalid / (double)t : 0;
}

void
ml_suspect_field(struct ml_suspect *s, const char *field, const char *value)
{
	long long v = strtoll(value, NULL, 10);

	/* Counts and epoch seconds: anything else is read as none. */
	if (v < 0 || v > (1LL << 40))
		v = 0;

	if (strcmp(field, "count") == 0)
		s->count = v;
	else if (strcmp(field, "first_seen") == 0)
		s->first_seen = v;
	else if (strcmp(field, "last_seen") == 0)
		s->last_seen = v;
	else if (strcmp(field, "node") == 0)
		snprintf(s->node, sizeof s->node, "%s", value);
	else if (strncmp(field, "sample", 6) == 0 && field[6] >= '1' &&
	    field[6] <= '0' + MAILLOG_SAMPLES && field[7] == '\0' &&
	    s->nsamples < MAILLOG_SAMPLES && value[0] != '\0')
		snprintf(s->samples[s->nsamples++], sizeof s->samples[0], "%s",
		    value);
}

static bool
suspect_active(const struct ml_suspect *s, long long now, long long recent_s)
{
	return !s->blocked && s->last_seen > 0 && now - s->last_seen <= recent_s;
}

size_t
ml_suspects_active(const struct ml_suspect *v, size_t n, long long now,
    long long recent_s)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += suspect_active(&v[i], now, recent_s);
	return k;
}

void
ml_suspects_alert(const struct ml_suspect *v, size_t n, long long now,
    long long recent_s, char *buf, size_t len)
{
	size_t i, k = ml_suspects_active(v, n, now, recent_s), off, said = 0;

	buf[0] = '\0';
	if (k == 0 || len == 0)
		return;
	for (i = 0; i < n && !suspect_active(&v[i], now, recent_s); i++)
		;
	if (k == 1) {
		snprintf(buf, len, "harvest suspect %s (%lld unknown "
		    "recipients)", v[i].ip, v[i].count);
		return;
	}
	off = (size_t)snprintf(buf, len, "%zu harvest suspects:", k);
	for (; i < n && off < len && said < 3; i++)
		if (suspect_active(&v[i], now, recent_s)) {
			off += (size_t)snprintf(buf + off, len - off, "%s %s",
			    said ? "," : "", v[i].ip);
			said++;
		}
	if (said < k && off < len)
		snprintf(buf + off, len - off, ", ...");
}

json_t *
ml_suspect_json(const struct ml_suspect *s)
{
	json_t *o = json_object(), *a = json_array();
	int i;

	json_object_set_new(o, "ip", js(s->ip));
	json_object_set_new(o, "count", json_integer(s->count));
	json_object_set_new(o, "first_seen", json_integer(s->first_seen));
	json_object_set_new(o, "last_seen", json_integer(s->last_seen));
	json_object_set_new(o, "node", js(s->node));
	for (i = 0; i < s->nsamples; i++)
		json_array_append_new(a, js(s->samples[i]));
	json_object_set_new(o, "samples", a);
	json_object_set_new(o, "blocked", json_boolean(s->blocked));
	return o;
}

bool
ml_retention_short(long log_age, int want_days)
{
	return log_age >= 0 && log_age < (long)want_days * 86400L;
}

size_t
ml_retention_line(const struct snapshot *s, char *buf, size_t len)
{
	size_t i, off = 0, nshort = 0, said = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nnodes && off < len; i++) {
		const struct node_status *n = &s->nodes[i];

		if (n->log_age < 0)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s %ldd",
		    said++ ? ", " : "mail log kept: ", n->name,
		    n->log_age / 86400);
		nshort += ml_retention_short(n->log_age, ML_RETENTION_DAYS);
	}
	if (nshort == 0 || off >= len)
		return nshort;
	off += (size_t)snprintf(buf + off, len - off, "; fewer than %d days on",
	    ML_RETENTION_DAYS);
	for (i = 0, said = 0; i < s->nnodes && off < len; i++)
		if (ml_retention_short(s->nodes[i].log_age, ML_RETENTION_DAYS))
			off += (size_t)snprintf(buf + off, len - off, "%s %s",
			    said++ ? "," : "", s->nodes[i].name);
	return nshort;
}
