/* One line of a Postfix mail log: timestamp, daemon and the fields counted. */
#include "core/maillog_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/validate.h"

/*
 * Hand-written on purpose: a regular expression per line shape costs more
 * than the whole scan below, and the follower's goal is ten times
 * pflogsumm's speed (docs/bench.md). Every scan is bounded by the line's
 * length; nothing past `len` is read.
 */

struct cur {
	const char *p, *end;
};

static const char *const maillog_kind_names[MAILLOG_KINDS] = {
	[MAILLOG_SKIP] = "skip",
	[MAILLOG_BAD] = "bad",
	[MAILLOG_CONNECT] = "connect",
	[MAILLOG_CLIENT] = "client",
	[MAILLOG_PICKUP] = "pickup",
	[MAILLOG_REJECT] = "reject",
	[MAILLOG_MESSAGE_ID] = "message-id",
	[MAILLOG_QUEUED] = "queued",
	[MAILLOG_DELIVERY] = "delivery",
	[MAILLOG_BOUNCE] = "bounce",
	[MAILLOG_EXPIRED] = "expired",
	[MAILLOG_REMOVED] = "removed",
	[MAILLOG_HOLD] = "hold",
	[MAILLOG_RELEASE] = "release",
	[MAILLOG_DELETE] = "delete",
	[MAILLOG_MILTER_FAIL] = "milter-fail",
	[MAILLOG_FILTER_HOLD] = "filter-hold",
};

static const char *const maillog_reject_names[MAILLOG_REJ_CLASSES] = {
	[MAILLOG_REJ_UNKNOWN] = "unknown",
	[MAILLOG_REJ_RELAY] = "relay",
	[MAILLOG_REJ_POLICY] = "policy",
	[MAILLOG_REJ_RBL] = "rbl",
	[MAILLOG_REJ_OTHER] = "other",
};

const char *
maillog_kind_name(enum maillog_kind k)
{
	return (unsigned)k < MAILLOG_KINDS ? maillog_kind_names[k] : "?";
}

const char *
maillog_reject_name(enum maillog_reject c)
{
	return (unsigned)c < MAILLOG_REJ_CLASSES ? maillog_reject_names[c] :
	    "?";
}

void
maillog_parser_init(struct maillog_parser *p, long long now)
{
	struct tm tm;
	time_t t = (time_t)now;

	memset(p, 0, sizeof *p);
	p->now = now;
	localtime_r(&t, &tm);
	p->year = tm.tm_year + 1900;
	p->mon = tm.tm_mon;
	p->c_year = -1;
}

/* ------------------------------------------------------------ scanning */

static bool
lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}

static int
digits(struct cur *c, int n)
{
	int v = 0, i;

	if (c->end - c->p < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (c->p[i] < '0' || c->p[i] > '9')
			return -1;
		v = v * 10 + (c->p[i] - '0');
	}
	c->p += n;
	return v;
}

/* Finds `s` in [p, end); returns its start or NULL. */
static const char *
find(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return p;
	while ((size_t)(end - p) >= n) {
		const char *q = memchr(p, s[0], (size_t)(end - p) - n + 1);

		if (q == NULL)
			return NULL;
		if (memcmp(q, s, n) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

/* The last occurrence of `s` in [p, end), or NULL. */
static const char *
find_last(const char *p, const char *end, const char *s)
{
	const char *q, *last = NULL;

	while ((q = find(p, end, s)) != NULL) {
		last = q;
		p = q + 1;
	}
	return last;
}

static bool
contains(const char *p, size_t len, const char *s)
{
	return find(p, p + len, s) != NULL;
}

/* ------------------------------------------------------------ time */

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Days from 1970-01-01 to y-m-d (m 1-12), proleptic Gregorian. */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
clock_part(struct cur *c, int *h, int *mi, int *s)
{
	if ((*h = digits(c, 2)) < 0 || !lit(c, ":") ||
	    (*mi = digits(c, 2)) < 0 || !lit(c, ":") ||
	    (*s = digits(c, 2)) < 0 || *h > 23 || *mi > 59 || *s > 60)
		return -1;
	return 0;
}

/* "Mmm dd HH:MM:SS" in local time. */
static int
time_syslog(struct maillog_parser *p, struct cur *c, long long *out)
{
	int mon, day, h, mi, s, year;

	if (c->end - c->p < 15)
		return -1;
	for (mon = 0; mon < 12; mon++) {
		if (memcmp(months + mon * 3, c->p, 3) == 0)
			break;
	}
	if (mon == 12 || c->p[3] != ' ')
		return -1;
	c->p += 4;
	if (*c->p == ' ')
		c->p++;
	if ((day = digits(c, 2)) < 0) {
		if ((day = digits(c, 1)) < 0)
			return -1;
	}
	if (day < 1 || day > 31 || !lit(c, " ") ||
	    clock_part(c, &h, &mi, &s) == -1)
		return -1;
	year = mon > p->mon ? p->year - 1 : p->year;
	if (year != p->c_year || mon != p->c_mon || day != p->c_day) {
		struct tm tm;

		memset(&tm, 0, sizeof tm);
		tm.tm_year = year - 1900;
		tm.tm_mon = mon;
		tm.tm_mday = day;
		tm.tm_hour = 12;
		tm.tm_isdst = -1;
		/* Noon then back 12 h: the day's start whatever DST does. */
		p->c_epoch = (long long)mktime(&tm) - 12 * 3600;
		p->c_year = year;
		p->c_mon = mon;
		p->c_day = day;
	}
	*out = p->c_epoch + h * 3600LL + mi * 60 + s;
	return 0;
}

/* RFC 3339: 2026-12-05T00:46:34[.frac](Z|+hh:mm|-hh:mm). */
static int
time_rfc3339(struct cur *c, long long *out)
{
	int y, mo, d, h, mi, s, oh, om, sign;

	if ((y = digits(c, 4)) < 0 || !lit(c, "-") ||
	    (mo = digits(c, 2)) < 0 || !lit(c, "-") ||
	    (d = digits(c, 2)) < 0 || !lit(c, "T") ||
	    clock_part(c, &h, &mi, &s) == -1 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31)
		return -1;
	if (lit(c, ".")) {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60 + s;
	if (lit(c, "Z"))
		return 0;
	if (c->p >= c->end || (*c->p != '+' && *c->p != '-'))
		return -1;
	sign = *c->p++ == '+' ? 1 : -1;
	if ((oh = digits(c, 2)) < 0 || !lit(c, ":") || (om = digits(c, 2)) < 0)
		return -1;
	*out -= sign * (oh * 3600LL + om * 60);
	return 0;
}

/* ------------------------------------------------------------ fields */

static void
copy(char *dst, size_t size, const char *p, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static bool
qid_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= 'a' && ch <= 'z');
}

/* "QID: " at the cursor. Returns 1, 0 when absent, -1 when too long. */
static int
qid(struct cur *c, char *out)
{
	const char *p = c->p;

	while (p < c->end && qid_char(*p))
		p++;
	if (p == c->p || c->end - p < 2 || p[0] != ':' || p[1] != ' ')
		return 0;
	if (p - c->p > MAILLOG_QID_MAX || p - c->p < 5)
		return -1;
	copy(out, MAILLOG_QID_MAX + 1, c->p, (size_t)(p - c->p));
	c->p = p + 2;
	return 1;
}

/*
 * NAME[IP] at the cursor (NAME may be "unknown"); the address is kept in
 * canonical form. Returns 0, or -1 when there is no valid address.
 */
static int
client(struct maillog_parser *mp, struct cur *c, struct maillog_rec *r)
{
	const char *open, *close;
	char raw[64], *ip = r->ip;

	if ((open = memchr(c->p, '[', (size_t)(c->end - c->p))) == NULL)
		return -1;
	r->host = c->p;
	r->hostlen = (size_t)(open - c->p);
	if ((close = memchr(open, ']', (size_t)(c->end - open))) == NULL ||
	    close - open - 1 >= (long)sizeof raw)
		return -1;
	copy(raw, sizeof raw, open + 1, (size_t)(close - open - 1));
	c->p = close + 1;
	/* A client's lines come together: its address checked once. */
	if (mp->ip_raw[0] != '\0' && strcmp(raw, mp->ip_raw) == 0) {
		memcpy(ip, mp->ip_canon, sizeof mp->ip_canon);
		return 0;
	}
	if (validate_ip_canon(strncmp(raw, "IPv6:", 5) == 0 ? raw + 5 : raw,
	    ip, MAILLOG_IP_MAX + 1) != NULL)
		return -1;
	memcpy(mp->ip_raw, raw, sizeof raw);
	memcpy(mp->ip_canon, ip, sizeof mp->ip_canon);
	return 0;
}

/*
 * An address in angle brackets at the cursor ('<' included). A quoted
 * local part may hold '>' and '@'. Fills addr and domain. Returns 0, or -1
 * for a missing '>' or a control character.
 */
static int
angle(struct cur *c, struct maillog_rec *r, char *addr, bool with_domain)
{
	const char *p = c->p, *at = NULL, *start;
	bool quoted = false;
	size_t n, i;

	if (p >= c->end || *p != '<')
		return -1;
	start = ++p;
	for (; p < c->end; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch == 0x7f)
			return -1;
		if (quoted) {
			if (ch == '\\' && p + 1 < c->end)
				p++;
			else if (ch == '"')
				quoted = false;
			continue;
		}
		if (ch == '"')
			quoted = true;
		else if (ch == '@')
			at = p;
		else if (ch == '>')
			break;
	}
	if (p >= c->end)
		return -1;
	n = (size_t)(p - start);
	if (addr != NULL) {
		r->addr_cut = n > MAILLOG_ADDR_MAX;
		copy(addr, MAILLOG_ADDR_MAX + 1, start, n);
	}
	if (with_domain) {
		r->domain[0] = '\0';
		if (at != NULL) {
			n = (size_t)(p - at - 1);
			copy(r->domain, sizeof r->domain, at + 1, n);
			for (i = 0; r->domain[i] != '\0'; i++) {
				if (r->domain[i] >= 'A' && r->domain[i] <= 'Z')
					r->domain[i] += 'a' - 'A';
			}
		}
	}
	c->p = p + 1;
	return 0;
}

/* A decimal number of seconds ("0.03", "12", "1.2e+02" is refused) as ms. */
static long long
seconds_ms(const char *p, size_t n)
{
	long long ms = 0, frac = 0, scale = 1000;
	size_t i = 0;

	if (n == 0)
		return -1;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (ms > 1000000000000LL)
			return -1;
		ms = ms * 10 + (p[i] - '0');
	}
	ms *= 1000;
	if (i < n && p[i] == '.') {
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
			if (scale > 1) {
				scale /= 10;
				frac += (p[i] - '0') * scale;
			}
		}
	}
	return i == n ? ms + frac : -1;
}

static long long
number(const char *p, size_t n)
{
	long long v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static void
dsn_copy(struct maillog_rec *r, const char *p, size_t n)
{
	copy(r->dsn, sizeof r->dsn, p, n);
}

static enum maillog_status
status_of(const char *p, size_t n)
{
	if (n == 4 && memcmp(p, "sent", 4) == 0)
		return MAILLOG_ST_SENT;
	if (n == 8 && memcmp(p, "deferred", 8) == 0)
		return MAILLOG_ST_DEFERRED;
	if (n == 7 && memcmp(p, "bounced", 7) == 0)
		return MAILLOG_ST_BOUNCED;
	if (n == 7 && memcmp(p, "expired", 7) == 0)
		return MAILLOG_ST_EXPIRED;
	return MAILLOG_ST_OTHER;
}

/*
 * The "key=value, key=value, status=WORD (reason)" list of qmgr and the
 * delivery agents. Values in angle brackets are addresses; status is the
 * last key (its reason runs to the end of the line and may hold anything).
 * Returns a bit set: 1 to=, 2 from=, 4 status=, 8 size=; -1 when malformed.
 */
static int
pairs(struct cur *c, struct maillog_rec *r)
{
	int seen = 0;

	while (c->p < c->end) {
		const char *k = c->p, *v, *e;
		size_t kn;

		while (c->p < c->end && ((*c->p >= 'a' && *c->p <= 'z') ||
		    *c->p == '_'))
			c->p++;
		if (c->p == k || c->p >= c->end || *c->p != '=')
			break;
		kn = (size_t)(c->p - k);
		v = ++c->p;
		if (kn == 2 && memcmp(k, "to", 2) == 0) {
			if (angle(c, r, r->addr, true) == -1)
				return -1;
			seen |= 1;
		} else if (kn == 4 && memcmp(k, "from", 4) == 0) {
			if (angle(c, r, r->addr, true) == -1)
				return -1;
			seen |= 2;
		} else if (v < c->end && *v == '<') {
			if (angle(c, r, NULL, false) == -1)
				return -1;
		} else if (kn == 6 && memcmp(k, "status", 6) == 0) {
			while (c->p < c->end && *c->p != ' ' && *c->p != ',')
				c->p++;
			r->status = status_of(v, (size_t)(c->p - v));
			seen |= 4;
			if (c->end - c->p >= 2 && c->p[0] == ' ' &&
			    c->p[1] == '(') {
				r->reason = c->p + 2;
				e = c->end;
				if (e > r->reason && e[-1] == ')')
					e--;
				r->reasonlen = (size_t)(e - r->reason);
				r->forwarded = contains(r->reason,
				    r->reasonlen, "forwarded as ");
			}
			c->p = c->end;
			return seen;
		} else {
			while (c->p < c->end && *c->p != ',' &&
			    !(*c->p == ' ' && c->p + 1 < c->end &&
			    c->p[1] == '('))
				c->p++;
			e = c->p;
			if (kn == 5 && memcmp(k, "delay", 5) == 0) {
				if ((r->delay_ms = seconds_ms(v,
				    (size_t)(e - v))) < 0)
					return -1;
			} else if (kn == 3 && memcmp(k, "dsn", 3) == 0)
				dsn_copy(r, v, (size_t)(e - v));
			else if (kn == 5 && memcmp(k, "relay", 5) == 0) {
				r->relay = v;
				r->relaylen = (size_t)(e - v);
			} else if (kn == 4 && memcmp(k, "size", 4) == 0) {
				if ((r->size = number(v, (size_t)(e - v))) < 0)
					return -1;
				seen |= 8;
			} else if (kn == 5 && memcmp(k, "nrcpt", 5) == 0) {
				if ((r->nrcpt = number(v, (size_t)(e - v))) < 0)
					return -1;
			}
		}
		if (!lit(c, ", "))
			break;
	}
	return seen;
}

/* ------------------------------------------------------------ rejects */

enum maillog_reject
maillog_reject_classify(const char *text, size_t len, const char *dsn)
{
	if (contains(text, len, "blocked using"))
		return MAILLOG_REJ_RBL;
	if ((dsn != NULL && (strcmp(dsn, "5.1.1") == 0 ||
	    strcmp(dsn, "4.1.1") == 0)) || contains(text, len, "User unknown") ||
	    contains(text, len, "user unknown") ||
	    contains(text, len, "Unknown user"))
		return MAILLOG_REJ_UNKNOWN;
	if (contains(text, len, "Relay access denied"))
		return MAILLOG_REJ_RELAY;
	if (contains(text, len, "Client host rejected") ||
	    contains(text, len, "Sender address rejected") ||
	    contains(text, len, "Recipient address rejected") ||
	    contains(text, len, "Helo command rejected") ||
	    contains(text, len, "Access denied") ||
	    contains(text, len, "Service unavailable"))
		return MAILLOG_REJ_POLICY;
	return MAILLOG_REJ_OTHER;
}

/* An enhanced status code "d.d{1,3}.d{1,3}" at p; returns its length. */
static size_t
dsn_len(const char *p, const char *end)
{
	const char *q = p;
	int part, n;

	for (part = 0; part < 3; part++) {
		for (n = 0; q < end && *q >= '0' && *q <= '9' && n < 3; n++)
			q++;
		if (n == 0 || (part == 0 && n != 1))
			return 0;
		if (part < 2) {
			if (q >= end || *q != '.')
				return 0;
			q++;
		}
	}
	return (size_t)(q - p);
}

/* The tail "; from=<..> to=<..> proto=..." of a reject. */
static void
reject_tail(const char *p, const char *end, struct maillog_rec *r,
    const char **text_end)
{
	const char *t = find_last(p, end, "; from=<");
	struct cur c;

	*text_end = end;
	if (t == NULL)
		return;
	*text_end = t;
	c.p = t + 7;
	c.end = end;
	if (angle(&c, r, NULL, false) == -1)
		return;
	if (lit(&c, " to=")) {
		char addr[MAILLOG_ADDR_MAX + 1];

		if (angle(&c, r, addr, true) == 0)
			memcpy(r->addr, addr, sizeof addr);
	}
}

/* smtpd: "reject: STAGE from NAME[IP]: CODE DSN text; from=<> to=<>". */
static void
smtpd_reject(struct maillog_parser *p, struct cur *c,
    struct maillog_rec *r)
{
	const char *text, *text_end;
	size_t n;

	r->kind = MAILLOG_BAD;
	while (c->p < c->end && *c->p != ' ')
		c->p++;
	if (!lit(c, " from ") || client(p, c, r) == -1)
		return;
	while (c->p < c->end && *c->p != ' ')   /* ":" or ":port:" */
		c->p++;
	if (!lit(c, " ") || (r->code = digits(c, 3)) < 0)
		return;
	lit(c, " ");
	if ((n = dsn_len(c->p, c->end)) > 0) {
		dsn_copy(r, c->p, n);
		c->p += n;
		lit(c, " ");
	}
	text = c->p;
	reject_tail(text, c->end, r, &text_end);
	r->reason = text;
	r->reasonlen = (size_t)(text_end - text);
	r->rclass = maillog_reject_classify(text, r->reasonlen, r->dsn);
	r->kind = MAILLOG_REJECT;
}

/* cleanup: "reject: header ... from NAME[IP]; from=<> to=<>: 5.7.1 text". */
static void
cleanup_reject(struct maillog_parser *p, struct cur *c,
    struct maillog_rec *r)
{
	const char *f = find(c->p, c->end, " from "), *t, *d;
	struct cur cc;
	size_t n;

	if (f != NULL) {
		cc.p = f + 6;
		cc.end = c->end;
		if (client(p, &cc, r) == -1)
			r->ip[0] = '\0';
	}
	if ((t = find(c->p, c->end, " to=<")) != NULL) {
		cc.p = t + 4;
		cc.end = c->end;
		angle(&cc, r, r->addr, true);
	}
	r->reason = c->p;
	r->reasonlen = (size_t)(c->end - c->p);
	if ((d = find_last(c->p, c->end, ">: ")) != NULL &&
	    (n = dsn_len(d + 3, c->end)) > 0) {
		dsn_copy(r, d + 3, n);
		r->code = d[3] == '5' ? 550 : 450;
		r->reason = d + 3 + n;
		if (r->reason < c->end && *r->reason == ' ')
			r->reason++;
		r->reasonlen = (size_t)(c->end - r->reason);
	}
	r->rclass = MAILLOG_REJ_OTHER;
	r->kind = MAILLOG_REJECT;
}

/* ------------------------------------------------------------ daemons */

static void
do_smtpd(struct maillog_parser *p, struct cur *c,
    struct maillog_rec *r)
{
	int q;

	if (lit(c, "connect from ")) {
		r->kind = client(p, c, r) == 0 ? MAILLOG_CONNECT : MAILLOG_BAD;
		return;
	}
	if (lit(c, "NOQUEUE: ")) {
		if (lit(c, "reject: "))
			smtpd_reject(p, c, r);
		return;
	}
	if (lit(c, "warning: ")) {
		if (lit(c, "connect to Milter service ") || lit(c, "milter "))
			r->kind = MAILLOG_MILTER_FAIL;
		return;
	}
	if ((q = qid(c, r->qid)) != 1) {
		r->kind = q == -1 ? MAILLOG_BAD : MAILLOG_SKIP;
		return;
	}
	if (lit(c, "client=")) {
		r->kind = client(p, c, r) == 0 ? MAILLOG_CLIENT : MAILLOG_BAD;
		return;
	}
	if (lit(c, "reject: "))
		smtpd_reject(p, c, r);
	else if (lit(c, "hold: "))
		r->kind = MAILLOG_HOLD;
}

static void
do_cleanup(struct maillog_parser *p, struct cur *c,
    struct maillog_rec *r)
{
	int q;

	if ((q = qid(c, r->qid)) != 1) {
		r->kind = q == -1 ? MAILLOG_BAD : MAILLOG_SKIP;
		return;
	}
	if (lit(c, "message-id=")) {
		const char *id = c->p;

		/* Message-IDs are often not in angle brackets. */
		if (id < c->end && *id == '<' &&
		    angle(c, r, r->addr, false) == 0)
			;
		else
			copy(r->addr, sizeof r->addr, id, (size_t)(c->end - id));
		r->kind = MAILLOG_MESSAGE_ID;
	} else if (lit(c, "reject: ") || lit(c, "milter-reject: "))
		cleanup_reject(p, c, r);
	else if (lit(c, "hold: "))
		r->kind = MAILLOG_HOLD;
	else if (lit(c, "milter-hold: ")) {
		/* Postfix's own words for a milter's quarantine, after the
		 * stage and the client: the milter's reason is not logged. */
		const char *t = find(c->p, c->end,
		    "]: milter triggers HOLD action; from=<");

		r->kind = t != NULL ? MAILLOG_FILTER_HOLD : MAILLOG_BAD;
	}
}

static void
do_qmgr(struct cur *c, struct maillog_rec *r)
{
	int q, seen;

	if ((q = qid(c, r->qid)) != 1) {
		r->kind = q == -1 ? MAILLOG_BAD : MAILLOG_SKIP;
		return;
	}
	if (c->end - c->p == 7 && lit(c, "removed")) {
		r->kind = MAILLOG_REMOVED;
		return;
	}
	if (c->end - c->p < 5 || memcmp(c->p, "from=", 5) != 0)
		return;
	if ((seen = pairs(c, r)) == -1 || !(seen & 2)) {
		r->kind = MAILLOG_BAD;
		return;
	}
	if ((seen & 4) && r->status == MAILLOG_ST_EXPIRED)
		r->kind = MAILLOG_EXPIRED;
	else if (seen & 8)
		r->kind = r->nrcpt >= 0 ? MAILLOG_QUEUED : MAILLOG_BAD;
	else if (seen & 4)
		r->kind = MAILLOG_SKIP;
	else
		r->kind = MAILLOG_BAD;
}

static void
do_delivery(struct cur *c, struct maillog_rec *r)
{
	int q, seen;

	if ((q = qid(c, r->qid)) != 1) {
		r->kind = q == -1 ? MAILLOG_BAD : MAILLOG_SKIP;
		return;
	}
	if (c->end - c->p < 3 || memcmp(c->p, "to=", 3) != 0)
		return;
	if ((seen = pairs(c, r)) == -1 || (seen & 5) != 5) {
		r->kind = MAILLOG_BAD;
		return;
	}
	r->kind = MAILLOG_DELIVERY;
}

static void
do_bounce(struct cur *c, struct maillog_rec *r)
{
	const char *p;
	struct cur cc;
	int q;

	if ((q = qid(c, r->qid)) != 1) {
		r->kind = q == -1 ? MAILLOG_BAD : MAILLOG_SKIP;
		return;
	}
	if ((p = find(c->p, c->end, "notification: ")) == NULL)
		return;
	cc.p = p + 14;
	cc.end = c->end;
	p = cc.p;
	while (cc.p < cc.end && qid_char(*cc.p))
		cc.p++;
	if (cc.p == p || cc.p != cc.end || cc.p - p > MAILLOG_QID_MAX) {
		r->kind = MAILLOG_BAD;
		return;
	}
	copy(r->ref, sizeof r->ref, p, (size_t)(cc.p - p));
	r->kind = MAILLOG_BOUNCE;
}

static void
do_postsuper(struct cur *c, struct maillog_rec *r)
{
	int q;

	if ((q = qid(c, r->qid)) != 1) {
		r->kind = q == -1 ? MAILLOG_BAD : MAILLOG_SKIP;
		return;
	}
	if (c->end - c->p == 14 && lit(c, "placed on hold"))
		r->kind = MAILLOG_HOLD;
	else if (c->end - c->p == 18 && lit(c, "released from hold"))
		r->kind = MAILLOG_RELEASE;
	else if (c->end - c->p == 7 && lit(c, "removed"))
		r->kind = MAILLOG_DELETE;
}

static void
do_pickup(struct cur *c, struct maillog_rec *r)
{
	const char *f;
	struct cur cc;

	if (qid(c, r->qid) != 1)
		return;
	if ((c->end - c->p > 4 && memcmp(c->p, "uid=", 4) == 0) ||
	    (c->end - c->p > 7 && memcmp(c->p, "sender=", 7) == 0)) {
		if ((f = find(c->p, c->end, "from=<")) != NULL) {
			cc.p = f + 5;
			cc.end = c->end;
			angle(&cc, r, r->addr, true);
		}
		r->kind = MAILLOG_PICKUP;
	}
}

static const char *const delivery_agents[] = { "smtp", "lmtp", "local",
	"virtual", "pipe", "error", "retry", "discard", NULL };

void
maillog_parse(struct maillog_parser *p, const char *line, size_t len,
    struct maillog_rec *r)
{
	struct cur c;
	const char *prog, *pend, *slash, *d;
	size_t dn, i;

	r->time = 0;
	r->daemon[0] = r->qid[0] = r->ip[0] = '\0';
	r->pid = 0;
	r->addr[0] = r->domain[0] = r->dsn[0] = r->ref[0] = '\0';
	r->addr_cut = false;
	r->code = 0;
	r->rclass = MAILLOG_REJ_OTHER;
	r->status = MAILLOG_ST_NONE;
	r->delay_ms = r->size = -1;
	r->nrcpt = -1;
	r->forwarded = false;
	r->reason = NULL;
	r->reasonlen = 0;
	r->relay = r->host = NULL;
	r->relaylen = r->hostlen = 0;
	r->kind = MAILLOG_BAD;

	if (len > MAILLOG_LINE_MAX)
		len = MAILLOG_LINE_MAX;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (memchr(line, '\0', len) != NULL)
		return;
	c.p = line;
	c.end = line + len;
	if (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
		if (time_rfc3339(&c, &r->time) == -1)
			return;
	} else if (time_syslog(p, &c, &r->time) == -1)
		return;
	/* Host, then PROGRAM[PID]: or PROGRAM: */
	if (!lit(&c, " "))
		return;
	while (c.p < c.end && *c.p != ' ')
		c.p++;
	if (!lit(&c, " "))
		return;
	prog = c.p;
	while (c.p < c.end && *c.p != '[' && *c.p != ':' && *c.p != ' ')
		c.p++;
	if (c.p >= c.end)
		return;
	pend = c.p;
	slash = NULL;
	for (d = prog; d < c.p; d++) {
		if (*d == '/')
			slash = d;
	}
	if (*c.p == '[') {
		r->pid = 0;
		while (++c.p < c.end && *c.p >= '0' && *c.p <= '9' &&
		    r->pid < 100000000L)
			r->pid = r->pid * 10 + (*c.p - '0');
		while (c.p < c.end && *c.p != ']')
			c.p++;
		if (!lit(&c, "]"))
			return;
	}
	if (!lit(&c, ": "))
		return;
	r->kind = MAILLOG_SKIP;
	if (slash == NULL)
		return;
	d = slash + 1;
	dn = (size_t)(pend - d);
	if (dn == 0 || dn >= sizeof r->daemon)
		return;
	copy(r->daemon, sizeof r->daemon, d, dn);

	if (strcmp(r->daemon, "smtpd") == 0)
		do_smtpd(p, &c, r);
	else if (strcmp(r->daemon, "cleanup") == 0)
		do_cleanup(p, &c, r);
	else if (strcmp(r->daemon, "qmgr") == 0)
		do_qmgr(&c, r);
	else if (strcmp(r->daemon, "bounce") == 0)
		do_bounce(&c, r);
	else if (strcmp(r->daemon, "postsuper") == 0)
		do_postsuper(&c, r);
	else if (strcmp(r->daemon, "pickup") == 0)
		do_pickup(&c, r);
	else {
		for (i = 0; delivery_agents[i] != NULL; i++) {
			if (strcmp(r->daemon, delivery_agents[i]) == 0) {
				do_delivery(&c, r);
				break;
			}
		}
	}
}
