/* Notices to agencies: templates, facts, headers and the Message-ID. */
#include "core/notice.h"

#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/validate.h"
#include "core/xalloc.h"

static const char *const notice_about_names[NOTICE_NABOUT] = {
	"block", "delay", "bulk",
};

static const char *const notice_fact_names[NOTICE_NFACTS] = {
	"agency", "name", "contact", "ip", "since", "until", "reason",
	"deferred", "oldest", "action", "now", "from", "bulk",
};

const char *
notice_about_name(enum notice_about a)
{
	return (unsigned)a < NOTICE_NABOUT ? notice_about_names[a] : "?";
}

int
notice_about_parse(const char *s, enum notice_about *out)
{
	int i;

	for (i = 0; i < NOTICE_NABOUT; i++) {
		if (strcmp(s, notice_about_names[i]) == 0) {
			*out = (enum notice_about)i;
			return 0;
		}
	}
	return -1;
}

const char *
notice_fact_name(enum notice_fact f)
{
	return (unsigned)f < NOTICE_NFACTS ? notice_fact_names[f] : "?";
}

/* The fact named by the len bytes at s, or -1. */
static int
notice_fact_find(const char *s, size_t len)
{
	int i;

	for (i = 0; i < NOTICE_NFACTS; i++) {
		if (strlen(notice_fact_names[i]) == len &&
		    strncmp(s, notice_fact_names[i], len) == 0)
			return i;
	}
	return -1;
}

/* "{agency}, {name}, ..." for messages. */
static void
notice_fact_list(char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < NOTICE_NFACTS && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s{%s}",
		    i ? ", " : "", notice_fact_names[i]);
}

/* Checks the braces of one line. Returns 0, or -1 with cause set. */
static int
notice_line_check(const char *file, int lineno, const char *s, size_t n,
    char *cause, size_t len)
{
	char list[256];
	size_t i, j;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t') {
			snprintf(cause, len, "%s:%d: a control character "
			    "(\\x%02x); a template is plain text", file, lineno,
			    (unsigned char)s[i]);
			return -1;
		}
		if (s[i] == '}') {
			if (i + 1 < n && s[i + 1] == '}') {
				i++;
				continue;
			}
			snprintf(cause, len, "%s:%d: a '}' that closes no "
			    "placeholder; write }} for a brace", file, lineno);
			return -1;
		}
		if (s[i] != '{')
			continue;
		if (i + 1 < n && s[i + 1] == '{') {
			i++;
			continue;
		}
		for (j = i + 1; j < n && s[j] != '}' && s[j] != '{'; j++)
			;
		if (j >= n || s[j] != '}') {
			snprintf(cause, len, "%s:%d: a '{' that opens no "
			    "placeholder; write {{ for a brace", file, lineno);
			return -1;
		}
		if (notice_fact_find(s + i + 1, j - i - 1) == -1) {
			notice_fact_list(list, sizeof list);
			snprintf(cause, len, "%s:%d: unknown placeholder "
			    "'{%.*s}'; use %s", file, lineno,
			    (int)(j - i - 1 > 40 ? 40 : j - i - 1), s + i + 1,
			    list);
			return -1;
		}
		i = j;
	}
	return 0;
}

int
notice_template_parse(const char *file, const char *text,
    enum notice_about about, struct notice_template *t, char *cause,
    size_t len)
{
	const char *p = text, *nl;
	size_t n, off = 0;
	int lineno = 0;
	bool have_subject = false, in_body = false;

	memset(t, 0, sizeof *t);
	t->about = about;
	while (*p != '\0') {
		lineno++;
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > NOTICE_LINE_MAX) {
			snprintf(cause, len, "%s:%d: a line longer than %d "
			    "bytes", file, lineno, NOTICE_LINE_MAX);
			return -1;
		}
		if (!in_body && p[0] == '#')
			goto next;
		if (notice_line_check(file, lineno, p, n, cause, len) == -1)
			return -1;
		if (!have_subject) {
			if (n == 0)
				goto next;
			if (strncmp(p, "Subject:", 8) != 0) {
				snprintf(cause, len, "%s:%d: the first line is "
				    "not 'Subject: TEXT'", file, lineno);
				return -1;
			}
			p += 8, n -= 8;
			while (n > 0 && (*p == ' ' || *p == '\t'))
				p++, n--;
			if (n == 0 || n > NOTICE_SUBJECT_MAX) {
				snprintf(cause, len, "%s:%d: the subject is "
				    "empty or longer than %d bytes", file,
				    lineno, NOTICE_SUBJECT_MAX);
				return -1;
			}
			memcpy(t->subject, p, n);
			t->subject[n] = '\0';
			have_subject = true;
			goto next;
		}
		if (!in_body) {
			if (n != 0) {
				snprintf(cause, len, "%s:%d: a blank line must "
				    "follow the subject", file, lineno);
				return -1;
			}
			in_body = true;
			goto next;
		}
		if (off + n + 2 > sizeof t->body) {
			snprintf(cause, len, "%s:%d: the template is longer "
			    "than %d bytes", file, lineno, NOTICE_TEXT_MAX);
			return -1;
		}
		memcpy(t->body + off, p, n);
		off += n;
		t->body[off++] = '\n';
		t->body[off] = '\0';
next:
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (!have_subject) {
		snprintf(cause, len, "%s: no 'Subject: TEXT' line", file);
		return -1;
	}
	if (off == 0) {
		snprintf(cause, len, "%s: no text after the subject", file);
		return -1;
	}
	return 0;
}

int
notice_template_load(const char *const *dirs, size_t ndirs,
    enum notice_about about, struct notice_template *t, char *cause,
    size_t len)
{
	char path[4096], text[NOTICE_TEXT_MAX + 2048], looked[1024] = "";
	size_t i, got, off = 0;
	FILE *f;

	for (i = 0; i < ndirs; i++) {
		if (dirs[i] == NULL || dirs[i][0] == '\0')
			continue;
		snprintf(path, sizeof path, "%s/%s.txt", dirs[i],
		    notice_about_name(about));
		if ((f = fopen(path, "r")) == NULL) {
			if (errno != ENOENT) {
				snprintf(cause, len, "cannot read template "
				    "'%s': %s", path, strerror(errno));
				return -1;
			}
			off += (size_t)snprintf(looked + off, off < sizeof
			    looked ? sizeof looked - off : 0, "%s%s",
			    off ? ", " : "", dirs[i]);
			continue;
		}
		got = fread(text, 1, sizeof text - 1, f);
		if (ferror(f) || !feof(f)) {
			snprintf(cause, len, "cannot read template '%s': %s",
			    path, ferror(f) ? "read error" : "too long");
			fclose(f);
			return -1;
		}
		fclose(f);
		text[got] = '\0';
		if (strlen(text) != got) {
			snprintf(cause, len, "%s: holds a NUL byte; a template "
			    "is plain text", path);
			return -1;
		}
		return notice_template_parse(path, text, about, t, cause, len);
	}
	snprintf(cause, len, "no template '%s.txt' in %s",
	    notice_about_name(about), looked[0] ? looked : "no directory");
	return -1;
}

/* Appends n bytes of s, made safe, to out at *off. */
static void
notice_put(const char *s, size_t n, bool multiline, char *out, size_t len,
    size_t *off)
{
	char buf[NOTICE_TEXT_MAX], *seg;
	size_t i, k;

	for (i = 0; i < n; i = k + 1) {
		for (k = i; k < n && !(multiline && s[k] == '\n'); k++)
			;
		seg = xmalloc(k - i + 1);
		memcpy(seg, s + i, k - i);
		seg[k - i] = '\0';
		validate_sanitize(buf, sizeof buf, seg);
		free(seg);
		*off += (size_t)snprintf(out + *off, len - *off, "%s", buf);
		if (*off >= len) {
			*off = len - 1;
			return;
		}
		if (k < n)
			*off += (size_t)snprintf(out + *off, len - *off, "\n");
		if (*off >= len) {
			*off = len - 1;
			return;
		}
	}
}

size_t
notice_fill(const char *tmpl, const struct notice_facts *f, bool multiline,
    char *out, size_t len)
{
	const char *p = tmpl, *v, *end;
	size_t off = 0;
	int fact;

	if (len == 0)
		return 0;
	out[0] = '\0';
	while (*p != '\0' && off < len - 1) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' &&
		    p[1] == '}')) {
			out[off++] = p[0];
			p += 2;
			continue;
		}
		if (p[0] == '{' && (end = strchr(p, '}')) != NULL &&
		    (fact = notice_fact_find(p + 1, (size_t)(end - p - 1))) !=
		    -1) {
			v = f->v[fact] != NULL && f->v[fact][0] != '\0' ?
			    f->v[fact] : "-";
			notice_put(v, strlen(v), false, out, len, &off);
			p = end + 1;
			continue;
		}
		end = p + 1;
		while (*end != '\0' && *end != '{' && *end != '}')
			end++;
		notice_put(p, (size_t)(end - p), multiline, out, len, &off);
		p = end;
	}
	out[off] = '\0';
	return off;
}

char *
notice_header_value(const char *s, size_t max, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t o = 0, cap = len > 0 ? len - 1 : 0;
	bool space = true; /* no leading space */

	if (max < cap)
		cap = max;
	for (; *p != '\0' && o < cap; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			if (!space)
				out[o++] = ' ';
			space = true;
			continue;
		}
		out[o++] = (char)*p;
		space = false;
	}
	/* Never end inside a UTF-8 sequence. */
	if (*p != '\0')
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
	if (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0xc0 && *p != '\0')
		o--;
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (len > 0)
		out[o] = '\0';
	return out;
}

static bool
notice_local_char(int c)
{
	return isalnum(c) || strchr("._%+-", c) != NULL;
}

int
notice_contact_address(const char *contact, char *out, size_t len)
{
	const char *p = contact, *at, *s, *e;
	char dom[256];
	size_t n;

	while ((at = strchr(p, '@')) != NULL) {
		for (s = at; s > contact && notice_local_char((unsigned char)
		    s[-1]); s--)
			;
		for (e = at + 1; *e != '\0' && (isalnum((unsigned char)*e) ||
		    *e == '.' || *e == '-'); e++)
			;
		while (e > at + 1 && e[-1] == '.')
			e--;
		p = at + 1;
		n = (size_t)(e - at - 1);
		if (s == at || n == 0 || n >= sizeof dom || (size_t)(e - s) >
		    NOTICE_ADDR_MAX || (size_t)(e - s) >= len || s[0] == '.' ||
		    at[-1] == '.')
			continue;
		memcpy(dom, at + 1, n);
		dom[n] = '\0';
		if (validate_domain(dom) != NULL || strchr(dom, '.') == NULL)
			continue;
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
		return 0;
	}
	return -1;
}

const char *
notice_address_check(const char *s)
{
	char out[NOTICE_ADDR_MAX + 1];

	if (notice_contact_address(s, out, sizeof out) == -1 ||
	    strcmp(out, s) != 0)
		return "use a plain address such as noc@relay.example";
	return NULL;
}

char *
notice_message_id(long long now, unsigned long long rnd, const char *from,
    char *out, size_t len)
{
	const char *dom = from != NULL ? strrchr(from, '@') : NULL;

	snprintf(out, len, "<%lld.%016llx.notice@%s>", now, rnd,
	    dom != NULL && dom[1] != '\0' ? dom + 1 : "mailnoc.invalid");
	return out;
}

void
notice_compose(const struct notice_template *t,
    const struct notice_facts *f, const char *to, const char *from,
    const char *message_id, struct notice *n)
{
	char subj[sizeof n->subject], vals[NOTICE_NFACTS][NOTICE_SUBJECT_MAX + 1];
	struct notice_facts hf;
	int i;

	/* The subject's facts lose their line breaks before they go in. */
	for (i = 0; i < NOTICE_NFACTS; i++)
		hf.v[i] = f->v[i] == NULL ? NULL : notice_header_value(f->v[i],
		    NOTICE_SUBJECT_MAX, vals[i], sizeof vals[i]);
	memset(n, 0, sizeof *n);
	snprintf(n->to, sizeof n->to, "%s", to);
	snprintf(n->from, sizeof n->from, "%s", from);
	snprintf(n->message_id, sizeof n->message_id, "%s", message_id);
	notice_fill(t->subject, &hf, false, subj, sizeof subj);
	notice_header_value(subj, NOTICE_SUBJECT_MAX, n->subject,
	    sizeof n->subject);
	notice_fill(t->body, f, true, n->body, sizeof n->body);
}

char *
notice_message(const struct notice *n, long long now)
{
	char date[64], to[NOTICE_ADDR_MAX + 1], from[NOTICE_ADDR_MAX + 1];
	size_t cap = strlen(n->body) + 2048;
	char *out = xmalloc(cap);
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(out, cap, "From: %s\nTo: %s\nSubject: %s\nDate: %s\n"
	    "Message-ID: %s\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: 8bit\nAuto-Submitted: auto-generated\n"
	    "\n%s",
	    notice_header_value(n->from, NOTICE_ADDR_MAX, from, sizeof from),
	    notice_header_value(n->to, NOTICE_ADDR_MAX, to, sizeof to),
	    n->subject, date, n->message_id, n->body);
	return out;
}

/* Whether `dom` (len bytes) is one of `domains` or under one. */
static bool
notice_domain_in(const char *dom, size_t dlen, const char *domains)
{
	const char *p = domains, *c;
	size_t n;

	while (*p != '\0') {
		c = strchr(p, ',');
		n = c != NULL ? (size_t)(c - p) : strlen(p);
		if (n > 0 && dlen >= n && strncasecmp(dom + dlen - n, p, n) ==
		    0 && (dlen == n || dom[dlen - n - 1] == '.'))
			return true;
		if (c == NULL)
			break;
		p = c + 1;
	}
	return false;
}

void
notice_deferred(const struct queue_set *qs, const char *domains,
    long *count, long long *oldest)
{
	notice_deferred_before(qs, domains, (long long)INT64_MAX, count,
	    oldest);
}

void
notice_deferred_before(const struct queue_set *qs, const char *domains,
    long long before, long *count, long long *oldest)
{
	const struct queue_msg *m;
	const char *sender, *dom;
	size_t i, dlen;

	*count = 0;
	*oldest = 0;
	if (qs == NULL || domains == NULL || domains[0] == '\0')
		return;
	for (i = 0; i < qs->nmsgs; i++) {
		m = &qs->msgs[i];
		if (m->queue != Q_DEFERRED || m->arrival > before)
			continue;
		sender = queue_str(qs, m->sender);
		if ((dom = strrchr(sender, '@')) == NULL)
			continue;
		dom++;
		dlen = strlen(dom);
		if (!notice_domain_in(dom, dlen, domains))
			continue;
		(*count)++;
		if (*oldest == 0 || m->arrival < *oldest)
			*oldest = m->arrival;
	}
}
