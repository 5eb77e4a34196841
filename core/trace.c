/* Message trace queries: checked once where they enter, asked with parameters. */
#include "core/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/duration.h"
#include "core/validate.h"
#include "core/xalloc.h"

static const char *const trace_state_names[TRACE_STATES] = {
	[TRACE_QUEUED] = "queued",
	[TRACE_DEFERRED] = "deferred",
	[TRACE_HELD] = "held",
	[TRACE_DELIVERED] = "delivered",
	[TRACE_BOUNCED] = "bounced",
	[TRACE_EXPIRED] = "expired",
	[TRACE_DELETED] = "deleted",
	[TRACE_REJECTED] = "rejected",
};

static const char *const trace_step_names[TRACE_STEPS] = {
	[TRACE_STEP_SENT] = "sent",
	[TRACE_STEP_DEFERRED] = "deferred",
	[TRACE_STEP_BOUNCED] = "bounced",
	[TRACE_STEP_EXPIRED] = "expired",
	[TRACE_STEP_HELD] = "held",
	[TRACE_STEP_RELEASED] = "released",
	[TRACE_STEP_DELETED] = "deleted",
	[TRACE_STEP_REJECTED] = "rejected",
	[TRACE_STEP_NOTIFIED] = "notified",
	[TRACE_STEP_OTHER] = "other",
};

const char *
trace_state_name(int s)
{
	return s >= 0 && s < TRACE_STATES ? trace_state_names[s] : "?";
}

const char *
trace_step_name(int s)
{
	return s >= 0 && s < TRACE_STEPS ? trace_step_names[s] : "?";
}

int
trace_state_parse(const char *name)
{
	int i;

	for (i = 0; i < TRACE_STATES; i++) {
		if (strcmp(name, trace_state_names[i]) == 0)
			return i;
	}
	return -1;
}

void
trace_query_init(struct trace_query *q)
{
	memset(q, 0, sizeof *q);
	q->since = q->until = -1;
	q->state = -1;
	q->limit = TRACE_LIMIT_DEFAULT;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
	}
}

#define ADDR_ACCEPTED "use an address (user@example.test), a domain " \
	"(@example.test) or a prefix ending in '*' (user*)"

int
trace_addr_parse(const char *s, struct trace_addr *a, char *cause,
    size_t len)
{
	size_t n = strlen(s);
	char *at, *star;

	memset(a, 0, sizeof *a);
	if (n == 0 || n > MAILLOG_ADDR_MAX || validate_text(s,
	    MAILLOG_ADDR_MAX) != NULL || strchr(s, ' ') != NULL ||
	    strchr(s, '<') != NULL || strchr(s, '>') != NULL) {
		snprintf(cause, len, "bad address '%.80s': " ADDR_ACCEPTED, s);
		return -1;
	}
	memcpy(a->value, s, n + 1);
	star = strchr(a->value, '*');
	if (a->value[0] == '@') {
		if (star != NULL || validate_domain(a->value + 1) != NULL) {
			snprintf(cause, len, "bad domain '%.80s': use @ and a "
			    "domain name (@example.test)", s);
			return -1;
		}
		memmove(a->value, a->value + 1, n);
		lower(a->value);
		a->match = TRACE_DOMAIN;
		return 0;
	}
	if (star != NULL && (star[1] != '\0' || star == a->value)) {
		snprintf(cause, len, "bad address '%.80s': " ADDR_ACCEPTED, s);
		return -1;
	}
	/* Domains are kept in lower case: so is the one asked. */
	if ((at = strrchr(a->value, '@')) != NULL)
		lower(at);
	if (star != NULL) {
		*star = '\0';
		a->match = TRACE_PREFIX;
	} else
		a->match = TRACE_EXACT;
	return 0;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" (UTC); -1 when not. */
static long long
trace_date(const char *s)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	size_t len = strlen(s);

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	if (len > 10) {
		int m = 0;

		if ((s[10] != 'T' && s[10] != ' ') ||
		    sscanf(s + 11, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
			return -1;
		if (len > 16 && (sscanf(s + 16, ":%2d%n", &sec, &m) != 1 ||
		    m != 3 || len != 19))
			return -1;
		if (len != 16 && len != 19)
			return -1;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (long long)timegm(&tm);
}

int
trace_time_parse(const char *s, long long now, long long *out,
    char *cause, size_t len)
{
	long long v;
	char *end;

	if (s[0] >= '0' && s[0] <= '9' && strspn(s, "0123456789") ==
	    strlen(s) && strlen(s) <= 12) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0') {
			*out = v;
			return 0;
		}
	}
	if ((v = trace_date(s)) >= 0) {
		*out = v;
		return 0;
	}
	if (duration_parse(s, &v) == 0) {
		*out = now - v;
		return 0;
	}
	snprintf(cause, len, "bad time '%.40s': use a duration back from now "
	    "(60d, 2h, 1w), a date (2026-12-01, 2026-12-01T08:30) in UTC or "
	    "epoch seconds", s);
	return -1;
}

int
trace_query_set(struct trace_query *q, const char *opt, const char *v,
    long long now, char *cause, size_t len)
{
	const char *why;
	char *end;
	long n;

	if (strcmp(opt, "id") == 0) {
		if ((why = validate_queue_id(v)) != NULL) {
			snprintf(cause, len, "bad queue ID '%.40s': %s", v, why);
			return -1;
		}
		snprintf(q->qid, sizeof q->qid, "%s", v);
	} else if (strcmp(opt, "msgid") == 0) {
		size_t l = strlen(v);

		if (l > 1 && v[0] == '<' && v[l - 1] == '>') {
			v++;
			l -= 2;
		}
		if (l == 0 || l > TRACE_MSGID_MAX || validate_text(v,
		    TRACE_MSGID_MAX + 1) != NULL || memchr(v, ' ', l) !=
		    NULL || memchr(v, '>', l) != NULL) {
			snprintf(cause, len, "bad message-id '%.80s': use the "
			    "Message-ID header's value, with or without <>", v);
			return -1;
		}
		snprintf(q->msgid, sizeof q->msgid, "%.*s", (int)l, v);
	} else if (strcmp(opt, "from") == 0 || strcmp(opt, "to") == 0) {
		if (trace_addr_parse(v, opt[0] == 'f' ? &q->from : &q->to,
		    cause, len) == -1)
			return -1;
	} else if (strcmp(opt, "client") == 0) {
		if (validate_ip_canon(v, q->client, sizeof q->client) != NULL) {
			snprintf(cause, len, "bad client address '%.60s': use "
			    "one IPv4 or IPv6 address", v);
			return -1;
		}
	} else if (strcmp(opt, "since") == 0) {
		if (trace_time_parse(v, now, &q->since, cause, len) == -1)
			return -1;
	} else if (strcmp(opt, "until") == 0) {
		if (trace_time_parse(v, now, &q->until, cause, len) == -1)
			return -1;
	} else if (strcmp(opt, "status") == 0) {
		if ((q->state = trace_state_parse(v)) == -1) {
			snprintf(cause, len, "bad status '%.40s': use queued, "
			    "deferred, held, delivered, bounced, expired, "
			    "deleted or rejected", v);
			return -1;
		}
	} else if (strcmp(opt, "limit") == 0) {
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < 1 ||
		    n > TRACE_LIMIT_MAX) {
			snprintf(cause, len, "bad limit '%.40s': use a number "
			    "from 1 to %d", v, TRACE_LIMIT_MAX);
			return -1;
		}
		q->limit = n;
	} else {
		snprintf(cause, len, "unknown trace option '%.40s'", opt);
		return -1;
	}
	return 0;
}

bool
trace_query_selective(const struct trace_query *q)
{
	return q->qid[0] != '\0' || q->msgid[0] != '\0' || q->client[0] !=
	    '\0' || q->from.match != TRACE_ANY || q->to.match != TRACE_ANY;
}

int
trace_like_prefix(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (n + 3 >= len)
			return -1;
		if (*in == '\\' || *in == '%' || *in == '_')
			out[n++] = '\\';
		out[n++] = *in;
	}
	if (n + 2 > len)
		return -1;
	out[n++] = '%';
	out[n] = '\0';
	return 0;
}

struct sqlbuf {
	struct trace_sql *s;
	size_t len;
	bool full;
};

static void
sql_put(struct sqlbuf *b, const char *text)
{
	size_t n = strlen(text);

	if (b->full || b->len + n + 1 > sizeof b->s->text) {
		b->full = true;
		return;
	}
	memcpy(b->s->text + b->len, text, n + 1);
	b->len += n;
}

/* " AND " and a condition whose one '?' is the next parameter. */
static void
sql_cond(struct sqlbuf *b, const char *cond, bool is_text, long long i,
    const char *str)
{
	struct trace_param *p;

	if (b->s->n >= TRACE_PARAMS_MAX) {
		b->full = true;
		return;
	}
	p = &b->s->p[b->s->n++];
	p->is_text = is_text;
	p->i = i;
	p->s = str;
	sql_put(b, " AND ");
	sql_put(b, cond);
}

static void
sql_addr(struct sqlbuf *b, const struct trace_addr *a, bool to, int slot)
{
	/* Addresses and domains are ids of the names table: one look-up
	 * there (its UNIQUE index serves the LIKE), then integer indexes. */
	static const char *const cond[2][3] = {
		{ "m.sender = (SELECT id FROM names WHERE s = ?)",
		  "m.sdom = (SELECT id FROM names WHERE s = ?)",
		  "m.sender IN (SELECT id FROM names WHERE s LIKE ? "
		  "ESCAPE '\\')" },
		{ "m.id IN (SELECT msg FROM step WHERE rcpt = "
		  "(SELECT id FROM names WHERE s = ?))",
		  "m.id IN (SELECT msg FROM step WHERE rdom = "
		  "(SELECT id FROM names WHERE s = ?))",
		  "m.id IN (SELECT msg FROM step WHERE rcpt IN "
		  "(SELECT id FROM names WHERE s LIKE ? ESCAPE '\\'))" },
	};
	char *like = b->s->like[slot];

	switch (a->match) {
	case TRACE_EXACT:
		sql_cond(b, cond[to][0], true, 0, a->value);
		break;
	case TRACE_DOMAIN:
		sql_cond(b, cond[to][1], true, 0, a->value);
		break;
	case TRACE_PREFIX:
		if (trace_like_prefix(a->value, like, sizeof b->s->like[0]) ==
		    -1) {
			b->full = true;
			return;
		}
		sql_cond(b, cond[to][2], true, 0, like);
		break;
	case TRACE_ANY:
		break;
	}
}

int
trace_sql_build(const struct trace_query *q, struct trace_sql *s)
{
	struct sqlbuf b = { s, 0, false };
	struct trace_param *p;

	memset(s, 0, sizeof *s);
	sql_put(&b, "SELECT m.id FROM msg m WHERE 1");
	if (q->qid[0] != '\0')
		sql_cond(&b, "m.qid = ?", true, 0, q->qid);
	if (q->msgid[0] != '\0')
		sql_cond(&b, "m.msgid = ?", true, 0, q->msgid);
	sql_addr(&b, &q->from, false, 0);
	sql_addr(&b, &q->to, true, 1);
	if (q->client[0] != '\0')
		sql_cond(&b, "m.ip = (SELECT id FROM names WHERE s = ?)", true,
		    0, q->client);
	if (q->since >= 0)
		sql_cond(&b, "m.t >= ?", false, q->since, NULL);
	if (q->until >= 0)
		sql_cond(&b, "m.t < ?", false, q->until, NULL);
	if (q->state >= 0)
		sql_cond(&b, "m.state = ?", false, q->state, NULL);
	sql_put(&b, " ORDER BY m.t DESC, m.id DESC LIMIT ?");
	if (s->n >= TRACE_PARAMS_MAX)
		return -1;
	p = &s->p[s->n++];
	p->is_text = false;
	p->i = q->limit > 0 ? q->limit : TRACE_LIMIT_DEFAULT;
	p->s = NULL;
	return b.full ? -1 : 0;
}

int
trace_query_argv(const struct trace_query *q, const char **out, int max,
    char *buf, size_t buflen)
{
	int n = 0;
	size_t used = 0;

#define ARG(s) do { if (n >= max) return -1; out[n++] = (s); } while (0)
#define NUM(v) do { int w = snprintf(buf + used, buflen - used, "%lld", \
	(long long)(v)); if (w < 0 || (size_t)w >= buflen - used) return -1; \
	ARG(buf + used); used += (size_t)w + 1; } while (0)
	if (q->qid[0] != '\0') {
		ARG("--id");
		ARG(q->qid);
	}
	if (q->msgid[0] != '\0') {
		ARG("--msgid");
		ARG(q->msgid);
	}
#define ADDR(a) do { int w = snprintf(buf + used, buflen - used, "%s%s%s", \
	(a)->match == TRACE_DOMAIN ? "@" : "", (a)->value, \
	(a)->match == TRACE_PREFIX ? "*" : ""); \
	if (w < 0 || (size_t)w >= buflen - used) return -1; \
	ARG(buf + used); used += (size_t)w + 1; } while (0)
	if (q->from.match != TRACE_ANY) {
		ARG("--from");
		ADDR(&q->from);
	}
	if (q->to.match != TRACE_ANY) {
		ARG("--to");
		ADDR(&q->to);
	}
	if (q->client[0] != '\0') {
		ARG("--client");
		ARG(q->client);
	}
	if (q->since >= 0) {
		ARG("--since");
		NUM(q->since);
	}
	if (q->until >= 0) {
		ARG("--until");
		NUM(q->until);
	}
	if (q->state >= 0) {
		ARG("--status");
		ARG(trace_state_name(q->state));
	}
	ARG("--limit");
	NUM(q->limit);
#undef NUM
#undef ADDR
#undef ARG
	return n;
}

long long
trace_line_time(const char *line)
{
	const char *p = strstr(line, "\"time\":");
	char *end;
	long long v;

	if (p == NULL)
		return -1;
	p += 7;
	while (*p == ' ')
		p++;
	errno = 0;
	v = strtoll(p, &end, 10);
	return errno != 0 || end == p ? -1 : v;
}

const char **
trace_merge(const char *const *const *lines, const size_t *n, size_t nodes,
    size_t limit, size_t *count)
{
	size_t total = 0, i, k, *at;
	const char **out;

	for (i = 0; i < nodes; i++)
		total += n[i];
	if (limit > 0 && total > limit)
		total = limit;
	out = xcalloc(total + 1, sizeof *out);
	at = xcalloc(nodes + 1, sizeof *at);
	for (k = 0; k < total; k++) {
		size_t best = nodes;
		long long bt = 0;

		for (i = 0; i < nodes; i++) {
			long long t;

			if (at[i] >= n[i])
				continue;
			t = trace_line_time(lines[i][at[i]]);
			if (best == nodes || t > bt) {
				best = i;
				bt = t;
			}
		}
		out[k] = lines[best][at[best]++];
	}
	free(at);
	*count = total;
	return out;
}
