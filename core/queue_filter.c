/* Queue filters: the expression language parsed into terms and bounds,
 * and matched against the rows of a queue set. */
#include "core/queue_filter.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/validate.h"
#include "core/xalloc.h"

#define FILTER_VALUE_MAX 256

void
queue_filter_init(struct queue_filter *f)
{
	memset(f, 0, sizeof *f);
	f->min_age = LLONG_MIN;
	f->max_age = LLONG_MAX;
	f->min_size = LLONG_MIN;
	f->max_size = LLONG_MAX;
}

void
queue_filter_free(struct queue_filter *f)
{
	size_t i;

	for (i = 0; i < f->nnodes; i++)
		free(f->nodes[i]);
	free(f->nodes);
	for (i = 0; i < f->nterms; i++)
		free(f->terms[i].text);
	free(f->terms);
	queue_filter_init(f);
}

static const struct {
	const char *name;
	int key; /* enum queue_term_key, or one of the FKEY_ values */
} queue_filter_keys[] = {
	{ "queue", -1 },
	{ "node", -2 },
	{ "age", -3 },
	{ "size", -4 },
	{ "id", QTERM_ID },
	{ "sender", QTERM_SENDER },
	{ "from", QTERM_SENDER },
	{ "rcpt", QTERM_RCPT },
	{ "recipient", QTERM_RCPT },
	{ "to", QTERM_RCPT },
	{ "domain", QTERM_DOMAIN },
	{ "reason", QTERM_REASON },
};
#define FKEY_QUEUE -1
#define FKEY_NODE -2
#define FKEY_AGE -3
#define FKEY_SIZE -4

/* Parses "90m", "2h", "45" (seconds) or "10k", "2M", "512" (bytes). */
static int
queue_filter_number(const char *s, size_t len, bool age, long long *out)
{
	long long v = 0, mul = 1;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return -1;
	if (i + 1 == len) {
		switch (s[i]) {
		case 's':
			mul = age ? 1 : -1;
			break;
		case 'm':
			mul = age ? 60 : 1024LL * 1024;
			break;
		case 'h':
			mul = age ? 3600 : -1;
			break;
		case 'd':
			mul = age ? 86400 : -1;
			break;
		case 'w':
			mul = age ? 7 * 86400 : -1;
			break;
		case 'k':
		case 'K':
			mul = age ? -1 : 1024;
			break;
		case 'M':
			mul = age ? -1 : 1024LL * 1024;
			break;
		case 'g':
		case 'G':
			mul = age ? -1 : 1024LL * 1024 * 1024;
			break;
		default:
			mul = -1;
			break;
		}
	} else if (i != len)
		return -1;
	if (mul < 0 || v > LLONG_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/* Applies a comparison to the inclusive bounds [*lo, *hi]. */
static void
queue_filter_bound(const char *op, long long v, long long *lo, long long *hi)
{
	if (strcmp(op, ">") == 0 && v < LLONG_MAX && v + 1 > *lo)
		*lo = v + 1;
	else if (strcmp(op, ">=") == 0 && v > *lo)
		*lo = v;
	else if (strcmp(op, "<") == 0 && v - 1 < *hi)
		*hi = v - 1;
	else if (strcmp(op, "<=") == 0 && v < *hi)
		*hi = v;
}

/* Splits a comma list and adds each item as a queue or a node. */
static int
queue_filter_list(struct queue_filter *f, int key, const char *v, size_t len,
    char *cause, size_t causelen)
{
	const char *item = v, *comma, *why;
	char name[FILTER_VALUE_MAX + 1], q[48];
	size_t n;
	unsigned queue;

	for (;;) {
		comma = memchr(item, ',', len - (size_t)(item - v));
		n = comma ? (size_t)(comma - item) : len - (size_t)(item - v);
		if (key == FKEY_QUEUE) {
			if (queue_kind_parse(item, n, &queue) != 0) {
				snprintf(cause, causelen, "unknown queue "
				    "'%s': %s", queue_quote(q, sizeof q, item,
				    n), QUEUE_KINDS_ACCEPTED);
				return -1;
			}
			f->queues |= QUEUE_BIT(queue);
		} else {
			memcpy(name, item, n);
			name[n] = '\0';
			if ((why = validate_name(name)) != NULL) {
				snprintf(cause, causelen, "bad node name "
				    "'%s': %s", queue_quote(q, sizeof q, item,
				    n), why);
				return -1;
			}
			f->nodes = xreallocarray(f->nodes, f->nnodes + 1,
			    sizeof *f->nodes);
			f->nodes[f->nnodes++] = xstrdup(name);
		}
		if (comma == NULL)
			return 0;
		item = comma + 1;
	}
}

/* One term as read: [!]KEY OP VALUE. */
struct queue_filter_term {
	const char *key;      /* as written, for messages */
	size_t keylen;
	int kind;             /* enum queue_term_key, or one of the FKEY_ */
	bool negate;
	char op[3];           /* ":", "<", "<=", ">" or ">=" */
	char value[FILTER_VALUE_MAX + 1];
	size_t len;
};

/* Control characters are refused in the whole expression, tabs aside. */
static int
queue_filter_check_text(const char *expr, char *cause, size_t causelen)
{
	size_t i;

	for (i = 0; expr[i] != '\0'; i++) {
		unsigned char c = (unsigned char)expr[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(cause, causelen, "control character in the "
			    "filter");
			return -1;
		}
	}
	return 0;
}

/*
 * Reads "[!]KEY" and the operator after it at *pp, checking that they go
 * together. Returns 0 with *pp past the operator, or -1 with `cause`.
 */
static int
queue_filter_read_key(const char **pp, struct queue_filter_term *t,
    char *cause, size_t causelen)
{
	const char *p = *pp, *start = p, *op;
	char q[48];
	size_t i, nkeys = sizeof queue_filter_keys / sizeof queue_filter_keys[0];

	t->negate = *p == '!';
	if (t->negate)
		p++;
	t->key = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		p++;
	t->keylen = (size_t)(p - t->key);
	if (*p != ':' && *p != '<' && *p != '>') {
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (p == t->key)
			snprintf(cause, causelen, "missing term after '!'");
		else
			snprintf(cause, causelen, "filter term '%s' has no "
			    "key: use KEY:VALUE, age>DURATION or size<SIZE",
			    queue_quote(q, sizeof q, start,
			    (size_t)(p - start)));
		return -1;
	}
	for (i = 0; i < nkeys; i++) {
		if (strlen(queue_filter_keys[i].name) == t->keylen &&
		    strncasecmp(queue_filter_keys[i].name, t->key,
		    t->keylen) == 0)
			break;
	}
	if (i == nkeys) {
		snprintf(cause, causelen, "unknown filter key '%s': use queue, "
		    "node, id, sender, rcpt, domain, reason, age or size",
		    queue_quote(q, sizeof q, t->key, t->keylen));
		return -1;
	}
	t->kind = queue_filter_keys[i].key;
	op = p++;
	if (*op != ':' && *p == '=')
		p++;
	memcpy(t->op, op, (size_t)(p - op));
	t->op[p - op] = '\0';
	*pp = p;
	if (t->negate && t->kind < 0) {
		snprintf(cause, causelen, "'!' applies only to id, sender, "
		    "rcpt, domain and reason");
		return -1;
	}
	if ((t->kind == FKEY_AGE || t->kind == FKEY_SIZE) && *op == ':') {
		snprintf(cause, causelen, "'%.*s' needs a comparison: use <, "
		    "<=, > or >=, as in %s", (int)t->keylen, t->key,
		    t->kind == FKEY_AGE ? "age>1h" : "size<10k");
		return -1;
	}
	if (t->kind != FKEY_AGE && t->kind != FKEY_SIZE && *op != ':') {
		snprintf(cause, causelen, "'%.*s' takes ':', as in %.*s:TEXT",
		    (int)t->keylen, t->key, (int)t->keylen, t->key);
		return -1;
	}
	return 0;
}

/*
 * Reads the value at *pp: bare up to a blank, or in double quotes with \"
 * and \\ inside. Returns 0 with *pp past it, or -1 with `cause`.
 */
static int
queue_filter_read_value(const char **pp, struct queue_filter_term *t,
    char *cause, size_t causelen)
{
	const char *p = *pp;
	bool quoted = *p == '"';

	t->len = 0;
	if (quoted)
		p++;
	while (quoted ? *p != '"' : *p != '\0' && *p != ' ' && *p != '\t') {
		if (*p == '\0') {
			snprintf(cause, causelen, "unterminated quote after "
			    "'%.*s%s'", (int)t->keylen, t->key, t->op);
			return -1;
		}
		if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		if (t->len == FILTER_VALUE_MAX) {
			snprintf(cause, causelen, "value of '%.*s%s' is longer "
			    "than %d bytes", (int)t->keylen, t->key, t->op,
			    FILTER_VALUE_MAX);
			return -1;
		}
		t->value[t->len++] = *p++;
	}
	t->value[t->len] = '\0';
	if (quoted && *++p != '\0' && *p != ' ' && *p != '\t') {
		snprintf(cause, causelen, "unexpected '%c' after the quoted "
		    "value of '%.*s%s'", *p, (int)t->keylen, t->key, t->op);
		return -1;
	}
	*pp = p;
	if (t->len == 0) {
		snprintf(cause, causelen, "missing value after '%.*s%s'",
		    (int)t->keylen, t->key, t->op);
		return -1;
	}
	return 0;
}

/* Adds a term read whole to `f`. Returns 0, or -1 with `cause`. */
static int
queue_filter_add(struct queue_filter *f, const struct queue_filter_term *t,
    char *cause, size_t causelen)
{
	char q[48];
	long long num;

	switch (t->kind) {
	case FKEY_QUEUE:
	case FKEY_NODE:
		return queue_filter_list(f, t->kind, t->value, t->len, cause,
		    causelen);
	case FKEY_AGE:
		if (queue_filter_number(t->value, t->len, true, &num) != 0) {
			snprintf(cause, causelen, "bad age '%s': use a number "
			    "with s, m, h, d or w, such as 90m",
			    queue_quote(q, sizeof q, t->value, t->len));
			return -1;
		}
		queue_filter_bound(t->op, num, &f->min_age, &f->max_age);
		return 0;
	case FKEY_SIZE:
		if (queue_filter_number(t->value, t->len, false, &num) != 0) {
			snprintf(cause, causelen, "bad size '%s': use a number "
			    "of bytes with k, M or G, such as 10k",
			    queue_quote(q, sizeof q, t->value, t->len));
			return -1;
		}
		queue_filter_bound(t->op, num, &f->min_size, &f->max_size);
		return 0;
	}
	f->terms = xreallocarray(f->terms, f->nterms + 1, sizeof *f->terms);
	f->terms[f->nterms].key = (enum queue_term_key)t->kind;
	f->terms[f->nterms].negate = t->negate;
	f->terms[f->nterms].text = xstrdup(t->value);
	f->nterms++;
	return 0;
}

int
queue_filter_parse(struct queue_filter *f, const char *expr, char *cause,
    size_t causelen)
{
	struct queue_filter_term t;
	const char *p = expr;

	queue_filter_init(f);
	if (queue_filter_check_text(expr, cause, causelen) != 0)
		return -1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		if (queue_filter_read_key(&p, &t, cause, causelen) != 0 ||
		    queue_filter_read_value(&p, &t, cause, causelen) != 0 ||
		    queue_filter_add(f, &t, cause, causelen) != 0) {
			queue_filter_free(f);
			return -1;
		}
	}
}

static uint32_t
queue_term_field(enum queue_term_key key, const struct queue_rcpt *r)
{
	if (key == QTERM_RCPT)
		return r->addr;
	if (key == QTERM_DOMAIN)
		return r->domain;
	return r->reason;
}

static bool
queue_term_match(const struct queue_set *qs, const struct queue_term *t,
    const struct queue_msg *m)
{
	const struct queue_rcpt *r = queue_msg_rcpts(qs, m);
	uint32_t i, id, prev = UINT32_MAX;

	switch (t->key) {
	case QTERM_ID:
		return strcasestr(queue_str(qs, m->id), t->text) != NULL;
	case QTERM_SENDER:
		return strcasestr(queue_str(qs, m->sender), t->text) != NULL;
	case QTERM_RCPT:
	case QTERM_DOMAIN:
	case QTERM_REASON:
		for (i = 0; i < m->nrcpt; i++) {
			/* Recipients often share a string: test it once. */
			if ((id = queue_term_field(t->key, &r[i])) == prev)
				continue;
			prev = id;
			if (strcasestr(queue_str(qs, id), t->text) != NULL)
				return true;
		}
		return false;
	}
	return false;
}

bool
queue_filter_match(const struct queue_set *qs, const struct queue_filter *f,
    const struct queue_msg *m, long long now)
{
	long long age = now - m->arrival;
	size_t i;

	if (f->queues != 0 && (f->queues & QUEUE_BIT(m->queue)) == 0)
		return false;
	if (f->nnodes > 0) {
		const char *name = queue_set_node_name(qs, m->node);

		for (i = 0; i < f->nnodes; i++) {
			if (strcmp(f->nodes[i], name) == 0)
				break;
		}
		if (i == f->nnodes)
			return false;
	}
	if (age < f->min_age || age > f->max_age)
		return false;
	if (m->size < f->min_size || m->size > f->max_size)
		return false;
	for (i = 0; i < f->nterms; i++) {
		if (queue_term_match(qs, &f->terms[i], m) == f->terms[i].negate)
			return false;
	}
	return true;
}

bool
queue_filter_pick(const struct queue_set *qs, const struct queue_msg *m,
    unsigned queues, int node, const struct queue_filter *f, long long now)
{
	if ((queues & QUEUE_BIT(m->queue)) == 0)
		return false;
	if (node >= 0 && m->node != (uint32_t)node)
		return false;
	return f == NULL || queue_filter_match(qs, f, m, now);
}

size_t
queue_select(const struct queue_set *qs, const struct queue_filter *f,
    long long now, uint32_t **rows)
{
	size_t i, n = 0;

	*rows = xreallocarray(NULL, qs->nmsgs ? qs->nmsgs : 1, sizeof **rows);
	for (i = 0; i < qs->nmsgs; i++) {
		if (f == NULL || queue_filter_match(qs, f, &qs->msgs[i], now))
			(*rows)[n++] = (uint32_t)i;
	}
	return n;
}
