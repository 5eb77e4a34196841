/* The log export: query, remote command, time filter, merge. */
#include "core/logexport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/duration.h"
#include "core/shell.h"
#include "core/validate.h"

/* YYYY-MM-DD[THH:MM[:SS]][Z]: fills tm, says whether UTC. */
static int
logexport_date(const char *s, struct tm *tm, bool *utc)
{
	static const char *const formats[] = { "%Y-%m-%dT%H:%M:%S",
		"%Y-%m-%dT%H:%M", "%Y-%m-%d" };
	const char *end;
	size_t i;

	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		memset(tm, 0, sizeof *tm);
		if ((end = strptime(s, formats[i], tm)) == NULL)
			continue;
		if (*end == 'Z' && end[1] == '\0')
			*utc = true;
		else if (*end == '\0')
			*utc = false;
		else
			continue;
		return 0;
	}
	return -1;
}

int
logexport_time(const char *s, long long now, long long *out)
{
	long long secs;
	struct tm tm;
	bool utc;
	char *end;

	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (duration_parse(s, &secs) == 0) {
		*out = now - secs;
		return 0;
	}
	if (strlen(s) >= 9 && strspn(s, "0123456789") == strlen(s)) {
		secs = strtoll(s, &end, 10);
		if (*end != '\0' || secs > (1LL << 40))
			return -1;
		*out = secs;
		return 0;
	}
	if (logexport_date(s, &tm, &utc) == -1)
		return -1;
	/* strptime accepts 2026-02-30; a date that does not round-trip is
	 * refused. */
	{
		struct tm t2 = tm;
		time_t t;

		t2.tm_isdst = -1;
		t = utc ? timegm(&t2) : mktime(&t2);
		if (t == (time_t)-1 || t2.tm_mday != tm.tm_mday ||
		    t2.tm_mon != tm.tm_mon)
			return -1;
		*out = (long long)t;
	}
	return 0;
}

const char *
logexport_check_addr(const char *s)
{
	static const char *const accepted = "use local@domain: 1-254 "
	    "printable characters without spaces, quotes, <, > or \\";
	const char *at = strchr(s, '@');
	size_t i, n = strlen(s);

	if (n == 0 || n > LOGEXPORT_ADDR_MAX || at == NULL || at == s ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return accepted;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= ' ' || ch >= 0x7f || strchr("\"'`<>\\", ch) != NULL)
			return accepted;
	}
	return NULL;
}

int
logexport_query_make(const char *since, const char *until,
    const char *client, const char *from, const char *to, long long now,
    struct logexport_query *q, char *cause, size_t causelen)
{
	const char *why;
	int given = (client != NULL) + (from != NULL) + (to != NULL);

	memset(q, 0, sizeof *q);
	if (since == NULL) {
		snprintf(cause, causelen, "--since is required: %s",
		    LOGEXPORT_TIME_ACCEPTED);
		return -1;
	}
	if (logexport_time(since, now, &q->since) == -1) {
		snprintf(cause, causelen, "--since '%.60s' is not accepted: %s",
		    since, LOGEXPORT_TIME_ACCEPTED);
		return -1;
	}
	q->until = now;
	if (until != NULL && logexport_time(until, now, &q->until) == -1) {
		snprintf(cause, causelen, "--until '%.60s' is not accepted: %s",
		    until, LOGEXPORT_TIME_ACCEPTED);
		return -1;
	}
	if (q->until < q->since) {
		snprintf(cause, causelen, "--until comes before --since; give "
		    "the period's start with --since and its end with --until");
		return -1;
	}
	if (given > 1) {
		snprintf(cause, causelen, "give at most one of --client, --from "
		    "and --to");
		return -1;
	}
	if (client != NULL) {
		if ((why = validate_ip_canon(client, q->value,
		    sizeof q->value)) != NULL) {
			snprintf(cause, causelen, "--client '%.60s' is not "
			    "accepted: %s", client, why);
			return -1;
		}
		q->by = LOGEXPORT_CLIENT;
		snprintf(q->needle, sizeof q->needle, "[%s]", q->value);
	} else if (from != NULL || to != NULL) {
		const char *a = from != NULL ? from : to;

		if ((why = logexport_check_addr(a)) != NULL) {
			snprintf(cause, causelen, "--%s '%.60s' is not accepted: "
			    "%s", from != NULL ? "from" : "to", a, why);
			return -1;
		}
		snprintf(q->value, sizeof q->value, "%s", a);
		q->by = from != NULL ? LOGEXPORT_FROM : LOGEXPORT_TO;
		snprintf(q->needle, sizeof q->needle, "%s=<%s>",
		    from != NULL ? "from" : "to", a);
	}
	return 0;
}

void
logexport_query_what(const struct logexport_query *q, char *buf, size_t len)
{
	switch (q->by) {
	case LOGEXPORT_CLIENT:
		snprintf(buf, len, "client %s", q->value);
		break;
	case LOGEXPORT_FROM:
		snprintf(buf, len, "sender %s", q->value);
		break;
	case LOGEXPORT_TO:
		snprintf(buf, len, "recipient %s", q->value);
		break;
	default:
		snprintf(buf, len, "any client or address");
		break;
	}
}

int
logexport_command(const char *file, const char *postfix_config,
    const struct logexport_query *q, char *buf, size_t len, char *cause,
    size_t causelen)
{
	char where[4200], needle[LOGEXPORT_NEEDLE_MAX * 4 + 8], qf[4200];
	const char *why;
	int k;

	if (file != NULL) {
		if ((why = validate_path(file)) != NULL) {
			snprintf(cause, causelen, "maillog.file '%s' is not "
			    "accepted: %s", file, why);
			return -1;
		}
		if (shell_quote(file, qf, sizeof qf, cause, causelen) == -1)
			return -1;
		snprintf(where, sizeof where, "f=%s", qf);
	} else {
		if (postfix_config == NULL ||
		    (why = validate_path(postfix_config)) != NULL) {
			snprintf(cause, causelen, "no maillog.file and no "
			    "postfix_config to ask for maillog_file");
			return -1;
		}
		if (shell_quote(postfix_config, qf, sizeof qf, cause,
		    causelen) == -1)
			return -1;
		snprintf(where, sizeof where, "f=$(postconf -c %s -h "
		    "maillog_file)", qf);
	}
	needle[0] = '\0';
	if (q->needle[0] != '\0') {
		char quoted[LOGEXPORT_NEEDLE_MAX * 4 + 4];

		if (shell_quote(q->needle, quoted, sizeof quoted, cause,
		    causelen) == -1)
			return -1;
		snprintf(needle, sizeof needle, " | grep -F -i -e %s", quoted);
	}
	/*
	 * Rotated files end in a number (FILE.1, FILE-20261204) or in one and
	 * .gz; other names beside it (FILE.tmp, the follower's FILE-...state)
	 * are not logs. The files last written before the period hold none of
	 * its lines: they are not read. grep's 1 (nothing matched) is a
	 * success.
	 */
	/* As the follower: without maillog_file, syslog's file. */
	k = snprintf(buf, len, "%s; [ -n \"$f\" ] || f=/var/log/mail.log; "
	    "[ -r \"$f\" ] || { echo \"" LOGEXPORT_MARK " cannot read $f\" "
	    ">&2; exit 2; }; "
	    "for x in \"$f\" \"$f\".* \"$f\"-*; do "
	    "[ -f \"$x\" ] || continue; "
	    "case $x in \"$f\"|*[0-9]|*[0-9].gz) ;; *) continue;; esac; "
	    "[ \"$(stat -c %%Y -- \"$x\")\" -ge %lld ] || continue; "
	    "case $x in *.gz) gzip -dc -- \"$x\";; *) cat -- \"$x\";; esac || "
	    "echo \"" LOGEXPORT_MARK " cannot read $x\" >&2; "
	    "done%s; [ $? -le 1 ]", where, q->since, needle);
	if (k < 0 || (size_t)k >= len) {
		snprintf(cause, causelen, "the command is longer than %zu "
		    "bytes", len);
		return -1;
	}
	return 0;
}

int
logexport_keep(struct maillog_parser *p, const struct logexport_query *q,
    const char *line, size_t len, long long *t)
{
	struct maillog_rec r;

	maillog_parse(p, line, len, &r);
	*t = r.time;
	if (r.time <= 0)
		return -1;
	return r.time >= q->since && r.time <= q->until;
}

static int
logexport_cmp(const void *a, const void *b)
{
	const struct logexport_line *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
logexport_sort(struct logexport_line *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, logexport_cmp);
}
