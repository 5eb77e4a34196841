/* Delay reasons: rule-based classes, per-domain counts, the throttle rule. */
#include "core/delay.h"

#include <stdlib.h>
#include <string.h>

#include "core/strpool.h"
#include "core/xalloc.h"

static const char *const delay_class_names[DELAY_CLASSES] = {
	[DELAY_NONE] = "none",
	[DELAY_THROTTLE] = "throttle",
	[DELAY_CONNECT] = "connection",
	[DELAY_DNS] = "dns",
	[DELAY_TLS] = "tls",
	[DELAY_MAILBOX] = "mailbox",
	[DELAY_OTHER] = "other",
};

static const char *const delay_class_labels[DELAY_CLASSES] = {
	[DELAY_NONE] = "no reason yet",
	[DELAY_THROTTLE] = "provider throttling",
	[DELAY_CONNECT] = "connection refused or timed out",
	[DELAY_DNS] = "DNS lookup failure",
	[DELAY_TLS] = "TLS failure",
	[DELAY_MAILBOX] = "mailbox full or unknown user",
	[DELAY_OTHER] = "other",
};

const char *
delay_class_name(enum delay_class c)
{
	if ((unsigned)c >= DELAY_CLASSES)
		return "?";
	return delay_class_names[c];
}

const char *
delay_class_label(enum delay_class c)
{
	if ((unsigned)c >= DELAY_CLASSES)
		return "?";
	return delay_class_labels[c];
}

int
delay_class_parse(const char *s, enum delay_class *c)
{
	int i;

	for (i = 0; i < DELAY_CLASSES; i++) {
		if (strcmp(s, delay_class_names[i]) == 0) {
			*c = (enum delay_class)i;
			return 0;
		}
	}
	return -1;
}

#define SUSPENDED "delivery temporarily suspended: "

const char *
delay_reason_key(const char *reason)
{
	if (strncmp(reason, SUSPENDED, sizeof SUSPENDED - 1) == 0)
		return reason + sizeof SUSPENDED - 1;
	return reason;
}

static const char *const delay_tls_exact[] = { "TLS", "SSL", NULL };
static const char *const delay_tls[] = { "starttls", "certificate",
	"handshake", NULL };
static const char *const delay_dns[] = { "host or domain name not found",
	"name service error", "host not found", "domain not found",
	"no mx host", "name or service not known", "name resolution",
	"dns lookup", "dns error", "mx lookup", "malformed dns", NULL };
static const char *const delay_mailbox[] = { "mailbox full",
	"mailbox is full", "mailbox quota", "over quota", "quota exceeded",
	"exceeded storage", "insufficient storage", "user unknown",
	"unknown user", "no such user", "user not found", "recipient unknown",
	"unknown recipient", "does not exist", NULL };
static const char *const delay_throttle[] = { "rate limit", "ratelimit",
	"rate-limit", "at a rate", "too many", "throttl", "try again later",
	"temporarily deferred", "deferred due to", "slow down", "too fast",
	"greylist", "graylist", NULL };
static const char *const delay_connect[] = { "connection refused",
	"timed out", "lost connection", "connection reset", "no route to host",
	"network is unreachable", "host is unreachable",
	"server dropped connection", "connect to ", "refused to talk to me",
	NULL };

static bool
delay_any(const char *s, const char *const *words, bool exact)
{
	for (; *words != NULL; words++) {
		if ((exact ? strstr(s, *words) : strcasestr(s, *words)) != NULL)
			return true;
	}
	return false;
}

/* What providers say when they refuse a sender for its standing (Yahoo,
 * Gmail and Microsoft's postmaster pages, Postfix's own RBL reject). */
static const char *const delay_reputation_words[] = { "block list",
	"blocklist", "block-list", "blacklist", "black list", "denylist",
	"deny list", "blocked using ", "spamhaus", "spamcop", "reputation",
	"too many invalid recipients", "too many connections",
	"rate limited", "ratelimited", "rate-limited", "rate limit exceeded",
	"unsolicited mail", "user complaints", "banned sending ip",
	"(s3140)", "(s3150)", NULL };

/* Yahoo's bracketed codes: [TS01]..[TS03], [TSS04].., [BL21]..: letters
 * then digits in brackets. */
static bool
delay_yahoo_code(const char *s)
{
	const char *p = s, *q;

	while ((p = strchr(p, '[')) != NULL) {
		p++;
		if (strncmp(p, "TSS", 3) == 0)
			q = p + 3;
		else if (strncmp(p, "TS", 2) == 0 || strncmp(p, "BL", 2) == 0)
			q = p + 2;
		else
			continue;
		if (q[0] >= '0' && q[0] <= '9' && q[1] >= '0' && q[1] <= '9' &&
		    q[2] == ']')
			return true;
	}
	return false;
}

/* An SMTP reply's code and enhanced status; zero when absent. */
struct delay_status {
	int code;                 /* 450 */
	int cls, subject, detail; /* 4.7.1 */
};

static int
delay_digits(const char **p, int max)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9' && n < max) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n == 0 ? -1 : v;
}

static void
delay_status(const char *s, struct delay_status *st)
{
	const char *p = NULL, *q;
	const char *const marks[] = { " said: ", "refused to talk to me: " };
	size_t i;
	int c, a, b;

	memset(st, 0, sizeof *st);
	for (i = 0; i < sizeof marks / sizeof marks[0] && p == NULL; i++) {
		if ((p = strstr(s, marks[i])) != NULL)
			p += strlen(marks[i]);
	}
	if (p == NULL)
		return;
	while (*p == ' ')
		p++;
	q = p;
	if ((c = delay_digits(&q, 3)) < 200 || q - p != 3 ||
	    (*q != ' ' && *q != '-'))
		return;
	st->code = c;
	p = q + 1;
	if ((c = delay_digits(&p, 1)) < 2 || *p++ != '.')
		return;
	if ((a = delay_digits(&p, 3)) < 0 || *p++ != '.')
		return;
	if ((b = delay_digits(&p, 3)) < 0 || (*p >= '0' && *p <= '9'))
		return;
	st->cls = c;
	st->subject = a;
	st->detail = b;
}

enum delay_class
delay_classify(const char *reason)
{
	struct delay_status st;
	const char *s;

	if (reason == NULL || *reason == '\0')
		return DELAY_NONE;
	s = delay_reason_key(reason);
	delay_status(s, &st);
	if (delay_any(s, delay_tls_exact, true) || delay_any(s, delay_tls,
	    false))
		return DELAY_TLS;
	if (delay_any(s, delay_dns, false))
		return DELAY_DNS;
	if ((st.cls != 0 && ((st.subject == 2 && st.detail == 2) ||
	    (st.subject == 1 && st.detail == 1))) ||
	    delay_any(s, delay_mailbox, false))
		return DELAY_MAILBOX;
	if ((st.code / 100 == 4 && st.cls == 4 && st.subject == 7) ||
	    delay_any(s, delay_throttle, false))
		return DELAY_THROTTLE;
	if (delay_any(s, delay_connect, false))
		return DELAY_CONNECT;
	return DELAY_OTHER;
}

const char *
delay_reply(const char *reason)
{
	const char *const marks[] = { " said: ", "refused to talk to me: " };
	const char *s;
	size_t i;

	for (i = 0; i < sizeof marks / sizeof marks[0]; i++) {
		if ((s = strstr(reason, marks[i])) != NULL)
			return s + strlen(marks[i]);
	}
	return reason;
}

bool
delay_reputation(const char *reason)
{
	const char *const marks[] = { " said: ", "refused to talk to me: " };
	const char *s = NULL;
	size_t i;

	if (reason == NULL)
		return false;
	reason = delay_reason_key(reason);
	for (i = 0; i < sizeof marks / sizeof marks[0] && s == NULL; i++) {
		if ((s = strstr(reason, marks[i])) != NULL)
			s += strlen(marks[i]);
	}
	if (s == NULL && (reason[0] == '4' || reason[0] == '5') &&
	    reason[1] >= '0' && reason[1] <= '9' && reason[2] >= '0' &&
	    reason[2] <= '9' && (reason[3] == ' ' || reason[3] == '-'))
		s = reason;
	if (s == NULL)
		return false;
	return delay_any(s, delay_reputation_words, false) ||
	    delay_yahoo_code(s);
}

void
delay_rule_init(struct delay_rule *r)
{
	r->min_throttled = 100;
	r->min_sample = 10;
	r->min_percent = 50;
}

bool
delay_rule_throttled(const struct delay_rule *r, long throttled, long deferred)
{
	if (throttled <= 0)
		return false;
	if (throttled >= r->min_throttled)
		return true;
	return throttled >= r->min_sample &&
	    100.0 * (double)throttled >= (double)r->min_percent *
	    (double)deferred;
}

void
delay_opts_init(struct delay_opts *o, long long now)
{
	memset(o, 0, sizeof *o);
	o->node = -1;
	o->top = 3;
	delay_rule_init(&o->rule);
	o->now = now;
}

/* (domain, reason) -> recipients, in an open-addressing table. */
struct delay_pair {
	uint32_t dom; /* domain index + 1; 0: empty */
	uint32_t key; /* reason text id in the report's pool */
	long count;
};

struct delay_pairs {
	struct delay_pair *v;
	size_t cap;
	size_t used;
};

static size_t
delay_pair_slot(const struct delay_pairs *t, uint32_t dom, uint32_t key)
{
	size_t mask = t->cap - 1;
	size_t i = ((dom * 0x9e3779b1u) ^ (key * 0x85ebca6bu)) & mask;

	while (t->v[i].dom != 0 && (t->v[i].dom != dom || t->v[i].key != key))
		i = (i + 1) & mask;
	return i;
}

static void
delay_pair_add(struct delay_pairs *t, uint32_t dom, uint32_t key)
{
	struct delay_pair *old;
	size_t i, oldcap;

	if ((t->used + 1) * 2 > t->cap) {
		old = t->v;
		oldcap = t->cap;
		t->cap = oldcap ? oldcap * 2 : 256;
		t->v = xcalloc(t->cap, sizeof *t->v);
		for (i = 0; i < oldcap; i++) {
			if (old[i].dom != 0)
				t->v[delay_pair_slot(t, old[i].dom,
				    old[i].key)] = old[i];
		}
		free(old);
	}
	i = delay_pair_slot(t, dom, key);
	if (t->v[i].dom == 0) {
		t->v[i].dom = dom;
		t->v[i].key = key;
		t->used++;
	}
	t->v[i].count++;
}

static int
delay_pair_cmp(const void *va, const void *vb, void *pool)
{
	const struct delay_pair *a = va, *b = vb;

	if (a->dom != b->dom)
		return a->dom < b->dom ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(strpool_str(pool, a->key), strpool_str(pool, b->key));
}

static int
delay_domain_cmp(const void *va, const void *vb)
{
	const struct delay_domain *a = va, *b = vb;

	if (a->rcpts != b->rcpts)
		return a->rcpts > b->rcpts ? -1 : 1;
	return strcmp(a->domain, b->domain);
}

int
delay_report_build(const struct queue_set *qs, const struct delay_opts *o,
    struct delay_report *out, char *cause, size_t causelen)
{
	uint32_t npool = strpool_count(qs->pool), *dom_of, *key_of, j, di;
	unsigned queues = o->queues ? o->queues : QUEUE_BIT(Q_DEFERRED);
	struct delay_pairs pairs = { NULL, 0, 0 };
	const struct queue_msg *m;
	const struct queue_rcpt *r;
	struct delay_domain *d;
	unsigned char *cls_of;
	enum delay_class cls;
	size_t i, k, cap = 0, first;

	memset(out, 0, sizeof *out);
	if (o->node >= 0 && (size_t)o->node >= qs->nnodes) {
		snprintf(cause, causelen, "unknown node index %d", o->node);
		return -1;
	}
	out->strings = strpool_new();
	out->nnodes = qs->nnodes;
	/* Pool ids are dense: remember per string what it maps to, so each
	 * distinct reason is classified once. */
	dom_of = xcalloc(npool, sizeof *dom_of);
	key_of = xcalloc(npool, sizeof *key_of);
	cls_of = xmalloc(npool);
	memset(cls_of, 0xff, npool);

	for (i = 0; i < qs->nmsgs; i++) {
		m = &qs->msgs[i];
		if (!queue_filter_pick(qs, m, queues, o->node, o->filter,
		    o->now))
			continue;
		r = queue_msg_rcpts(qs, m);
		for (j = 0; j < m->nrcpt; j++) {
			if (dom_of[r[j].domain] == 0) {
				const char *name = queue_str(qs, r[j].domain);

				if (out->ndomains == cap) {
					cap = cap ? cap * 2 : 64;
					out->domains = xreallocarray(
					    out->domains, cap,
					    sizeof *out->domains);
				}
				d = &out->domains[out->ndomains];
				memset(d, 0, sizeof *d);
				d->domain = strpool_str(out->strings,
				    strpool_intern(out->strings, name,
				    strlen(name)));
				dom_of[r[j].domain] = (uint32_t)++out->ndomains;
			}
			di = dom_of[r[j].domain] - 1;
			d = &out->domains[di];
			if (cls_of[r[j].reason] == 0xff) {
				const char *why = queue_str(qs, r[j].reason);
				const char *key = delay_reason_key(why);

				cls_of[r[j].reason] = (unsigned char)
				    delay_classify(why);
				key_of[r[j].reason] = strpool_intern(
				    out->strings, key, strlen(key));
			}
			cls = (enum delay_class)cls_of[r[j].reason];
			d->rcpts++;
			d->by_class[cls]++;
			out->rcpts++;
			out->by_class[cls]++;
			if (cls == DELAY_THROTTLE) {
				if (d->node_throttled == NULL)
					d->node_throttled = xcalloc(
					    qs->nnodes ? qs->nnodes : 1,
					    sizeof *d->node_throttled);
				d->node_throttled[m->node]++;
			}
			if (r[j].reason != 0)
				delay_pair_add(&pairs, di + 1,
				    key_of[r[j].reason]);
		}
	}

	/* Each domain's top reasons: sort the pairs by domain, then by
	 * count, and keep the first few of each domain. */
	k = 0;
	for (i = 0; i < pairs.cap; i++) {
		if (pairs.v[i].dom != 0)
			pairs.v[k++] = pairs.v[i];
	}
	if (k > 1)
		qsort_r(pairs.v, k, sizeof *pairs.v, delay_pair_cmp,
		    out->strings);
	for (i = 0; i < k; i = first) {
		size_t n;

		for (first = i; first < k && pairs.v[first].dom ==
		    pairs.v[i].dom; first++)
			;
		d = &out->domains[pairs.v[i].dom - 1];
		n = first - i < o->top ? first - i : o->top;
		if (n == 0)
			continue;
		d->top = xcalloc(n, sizeof *d->top);
		for (d->ntop = 0; d->ntop < n; d->ntop++) {
			const struct delay_pair *p = &pairs.v[i + d->ntop];

			d->top[d->ntop].reason = strpool_str(out->strings,
			    p->key);
			d->top[d->ntop].cls = delay_classify(
			    d->top[d->ntop].reason);
			d->top[d->ntop].count = p->count;
		}
	}
	for (i = 0; i < out->ndomains; i++) {
		d = &out->domains[i];
		d->throttled = delay_rule_throttled(&o->rule,
		    d->by_class[DELAY_THROTTLE], d->rcpts);
		if (d->throttled)
			out->nthrottled++;
	}
	if (out->ndomains > 1)
		qsort(out->domains, out->ndomains, sizeof *out->domains,
		    delay_domain_cmp);

	free(pairs.v);
	free(dom_of);
	free(key_of);
	free(cls_of);
	return 0;
}

void
delay_report_free(struct delay_report *rep)
{
	size_t i;

	for (i = 0; i < rep->ndomains; i++) {
		free(rep->domains[i].top);
		free(rep->domains[i].node_throttled);
	}
	free(rep->domains);
	strpool_free(rep->strings);
	memset(rep, 0, sizeof *rep);
}

size_t
delay_report_alert(const struct delay_report *rep, const struct queue_set *qs,
    char *buf, size_t len)
{
	const struct delay_domain *d;
	size_t i, n = 0, used = 0, k;
	int w;
	bool first;

	if (len == 0)
		return rep->nthrottled;
	buf[0] = '\0';
	for (i = 0; i < rep->ndomains; i++) {
		d = &rep->domains[i];
		if (!d->throttled)
			continue;
		w = snprintf(buf + used, len - used, "%s%s %ld/%ld (",
		    n == 0 ? "throttling: " : ", ",
		    d->domain[0] != '\0' ? d->domain : "(no domain)",
		    d->by_class[DELAY_THROTTLE], d->rcpts);
		n++;
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
		first = true;
		for (k = 0; k < rep->nnodes; k++) {
			if (d->node_throttled == NULL ||
			    d->node_throttled[k] == 0)
				continue;
			w = snprintf(buf + used, len - used, "%s%s",
			    first ? "" : ", ", queue_set_node_name(qs,
			    (uint32_t)k));
			first = false;
			if (w < 0 || (size_t)w >= len - used)
				goto full;
			used += (size_t)w;
		}
		w = snprintf(buf + used, len - used, ")");
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
full:
	return rep->nthrottled;
}

static json_t *
delay_classes_json(const long *by_class)
{
	json_t *o = json_object();
	int c;

	for (c = 0; c < DELAY_CLASSES; c++)
		json_object_set_new(o, delay_class_names[c],
		    json_integer(by_class[c]));
	return o;
}

json_t *
delay_report_json(const struct delay_report *rep, const struct queue_set *qs)
{
	json_t *o = json_object(), *domains = json_array();
	const struct delay_domain *d;
	size_t i, k;

	json_object_set_new(o, "recipients", json_integer(rep->rcpts));
	json_object_set_new(o, "classes", delay_classes_json(rep->by_class));
	json_object_set_new(o, "throttled", json_integer((json_int_t)
	    rep->nthrottled));
	for (i = 0; i < rep->ndomains; i++) {
		json_t *dj = json_object(), *top = json_array();
		json_t *nodes = json_array();

		d = &rep->domains[i];
		json_object_set_new(dj, "domain", json_string(d->domain));
		json_object_set_new(dj, "recipients", json_integer(d->rcpts));
		json_object_set_new(dj, "classes",
		    delay_classes_json(d->by_class));
		json_object_set_new(dj, "throttled",
		    json_boolean(d->throttled));
		for (k = 0; k < rep->nnodes && d->node_throttled != NULL; k++) {
			if (d->node_throttled[k] > 0)
				json_array_append_new(nodes, json_string(
				    queue_set_node_name(qs, (uint32_t)k)));
		}
		json_object_set_new(dj, "throttled_nodes", nodes);
		for (k = 0; k < d->ntop; k++) {
			json_t *t = json_object();

			json_object_set_new(t, "reason",
			    json_string(d->top[k].reason));
			json_object_set_new(t, "class",
			    json_string(delay_class_names[d->top[k].cls]));
			json_object_set_new(t, "count",
			    json_integer(d->top[k].count));
			json_array_append_new(top, t);
		}
		json_object_set_new(dj, "top", top);
		json_array_append_new(domains, dj);
	}
	json_object_set_new(o, "domains", domains);
	return o;
}
