/* DNS block lists: query names, answers, and the listing state machine. */
#include "core/dnsbl.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/validate.h"

int
dnsbl_query_name(const char *ip, const char *zone, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	size_t o = 0;
	int i, n;

	if (inet_pton(AF_INET, ip, a) == 1) {
		n = snprintf(buf, len, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0],
		    zone);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	if (len < 64 + strlen(zone) + 1)
		return -1;
	for (i = 15; i >= 0; i--) {
		buf[o++] = hex[a[i] & 0x0f];
		buf[o++] = '.';
		buf[o++] = hex[a[i] >> 4];
		buf[o++] = '.';
	}
	snprintf(buf + o, len - o, "%s", zone);
	return 0;
}

void
dnsbl_answer_fail(struct dnsbl_answer *a, const char *error)
{
	a->outcome = DNSBL_FOUND_FAILED;
	a->code[0] = '\0';
	a->reason[0] = '\0';
	validate_sanitize(a->error, sizeof a->error, error);
}

void
dnsbl_read_a(struct dnsbl_answer *a, int rcode, char *const *data,
    const int *len, size_t n, int ttl)
{
	char why[DNSBL_ERROR_MAX];
	size_t i, o = 0;

	memset(a, 0, sizeof *a);
	a->ttl = ttl;
	if (rcode == 3 || (rcode == 0 && n == 0)) {
		a->outcome = DNSBL_FOUND_CLEAR;
		return;
	}
	if (rcode != 0) {
		snprintf(why, sizeof why, "the resolver answered %s",
		    rcode == 2 ? "SERVFAIL" : rcode == 5 ? "REFUSED" :
		    "with an error");
		dnsbl_answer_fail(a, why);
		return;
	}
	for (i = 0; i < n; i++) {
		const unsigned char *d = (const unsigned char *)data[i];

		if (len[i] != 4) {
			dnsbl_answer_fail(a, "an A record that is not 4 bytes");
			return;
		}
		if (d[0] != 127) {
			snprintf(why, sizeof why, "the answer %u.%u.%u.%u is "
			    "not a listing (not in 127.0.0.0/8)", d[0], d[1],
			    d[2], d[3]);
			dnsbl_answer_fail(a, why);
			return;
		}
		if (d[1] == 255 && d[2] == 255) {
			snprintf(why, sizeof why, "the list refused the query "
			    "(127.255.255.%u)", d[3]);
			dnsbl_answer_fail(a, why);
			return;
		}
		if (o + 17 < sizeof a->code)
			o += (size_t)snprintf(a->code + o, sizeof a->code - o,
			    "%s%u.%u.%u.%u", o ? "," : "", d[0], d[1], d[2],
			    d[3]);
	}
	a->outcome = DNSBL_FOUND_LISTED;
}

void
dnsbl_read_txt(struct dnsbl_answer *a, char *const *data, const int *len,
    size_t n)
{
	/* Raw bytes of at most a few reasons: sanitizing widens them. */
	char raw[2 * DNSBL_REASON_MAX], shown[DNSBL_REASON_MAX + 8];
	size_t i, o = 0, max = DNSBL_REASON_MAX - 1;
	bool cut = false;

	for (i = 0; i < n && !cut; i++) {
		const unsigned char *d = (const unsigned char *)data[i];
		size_t p = 0, l = len[i] > 0 ? (size_t)len[i] : 0;

		if (o > 0 && o + 2 < sizeof raw) {
			memcpy(raw + o, "; ", 2);
			o += 2;
		}
		while (p < l) {
			size_t s = d[p++];

			if (s > l - p)
				break;
			if (o + s >= sizeof raw) {
				s = sizeof raw - 1 - o;
				cut = true;
			}
			/* A NUL inside would end the string: show it. */
			while (s-- > 0) {
				raw[o++] = d[p] == '\0' ? '?' : (char)d[p];
				p++;
			}
			if (cut)
				break;
		}
	}
	raw[o] = '\0';
	validate_sanitize(shown, sizeof shown, raw);
	if (cut || strlen(shown) > max) {
		/* Cut on a character, then mark the cut. */
		validate_sanitize(a->reason, max - 2, shown);
		snprintf(a->reason + strlen(a->reason),
		    sizeof a->reason - strlen(a->reason), "...");
	} else
		snprintf(a->reason, sizeof a->reason, "%s", shown);
}

enum dnsbl_event
dnsbl_entry_apply(struct dnsbl_entry *e, const struct dnsbl_answer *a,
    long long now)
{
	enum dnsbl_state was = e->state;

	if (a->outcome == DNSBL_FOUND_FAILED) {
		snprintf(e->error, sizeof e->error, "%s", a->error);
		e->failed = now;
		return DNSBL_EVENT_NONE;
	}
	e->error[0] = '\0';
	e->failed = 0;
	e->checked = now;
	e->ttl = a->ttl;
	if (a->outcome == DNSBL_FOUND_LISTED) {
		e->state = DNSBL_LISTED;
		snprintf(e->code, sizeof e->code, "%s", a->code);
		snprintf(e->reason, sizeof e->reason, "%s", a->reason);
	} else {
		e->state = DNSBL_CLEAR;
		e->code[0] = '\0';
		e->reason[0] = '\0';
	}
	if (e->state == was)
		return DNSBL_EVENT_NONE;
	e->since = now;
	if (e->state == DNSBL_LISTED)
		return DNSBL_EVENT_LISTED;
	return was == DNSBL_LISTED ? DNSBL_EVENT_DELISTED : DNSBL_EVENT_NONE;
}

const char *
dnsbl_entry_shown(const struct dnsbl_entry *e)
{
	if (e->state == DNSBL_LISTED)
		return "listed";
	if (e->state == DNSBL_CLEAR && e->error[0] == '\0')
		return "not listed";
	return "unknown";
}

const char *
dnsbl_state_name(enum dnsbl_state s)
{
	switch (s) {
	case DNSBL_CLEAR:
		return "clear";
	case DNSBL_LISTED:
		return "listed";
	case DNSBL_UNKNOWN:
		break;
	}
	return "unknown";
}

int
dnsbl_alert_format(const char *node, const struct dnsbl_entry *e,
    long long now, char *buf, size_t len)
{
	time_t t = (time_t)e->since, n = (time_t)now;
	struct tm tm, today;
	char since[32];

	if (e->state != DNSBL_LISTED)
		return -1;
	localtime_r(&t, &tm);
	localtime_r(&n, &today);
	strftime(since, sizeof since, tm.tm_yday == today.tm_yday &&
	    tm.tm_year == today.tm_year ? "%H:%M" : "%Y-%m-%d %H:%M", &tm);
	snprintf(buf, len, "%s %s listed on %s%s%s since %s", node, e->ip,
	    e->zone, e->reason[0] ? ": " : "", e->reason, e->since > 0 ?
	    since : "?");
	return 0;
}

int
dnsbl_entry_field(const struct dnsbl_entry *e, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s|%s", e->ip, e->zone);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

json_t *
dnsbl_entry_json(const struct dnsbl_entry *e)
{
	return json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:I,s:i}",
	    "state", dnsbl_state_name(e->state),
	    "since", (json_int_t)e->since,
	    "checked", (json_int_t)e->checked,
	    "code", e->code,
	    "reason", e->reason,
	    "error", e->error,
	    "failed", (json_int_t)e->failed,
	    "ttl", e->ttl);
}

/* Copies a string member, sanitized; absent is "". */
static void
dnsbl_json_text(json_t *o, const char *key, char *out, size_t len)
{
	json_t *v = json_object_get(o, key);

	validate_sanitize(out, len, json_is_string(v) ? json_string_value(v) :
	    "");
}

static long long
dnsbl_json_time(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return 0;
	return (long long)json_integer_value(v);
}

int
dnsbl_entry_parse(struct dnsbl_entry *e, const char *field,
    const char *value, char *cause, size_t len)
{
	char ip[DNSBL_IP_MAX + 8], canon[DNSBL_IP_MAX], zone[DNSBL_ZONE_MAX];
	const char *bar = strchr(field, '|'), *st;
	json_error_t jerr;
	json_t *o, *v;
	size_t n;

	memset(e, 0, sizeof *e);
	if (bar == NULL || (n = (size_t)(bar - field)) >= sizeof ip ||
	    strlen(bar + 1) >= sizeof zone) {
		snprintf(cause, len, "the field is not IP|ZONE");
		return -1;
	}
	memcpy(ip, field, n);
	ip[n] = '\0';
	snprintf(zone, sizeof zone, "%s", bar + 1);
	if (validate_ip_canon(ip, canon, sizeof canon) != NULL ||
	    validate_domain(zone) != NULL) {
		snprintf(cause, len, "the field is not IP|ZONE");
		return -1;
	}
	snprintf(e->ip, sizeof e->ip, "%s", canon);
	snprintf(e->zone, sizeof e->zone, "%s", zone);
	if ((o = json_loads(value, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(o)) {
		json_decref(o);
		snprintf(cause, len, "%s on %s: the value is not a JSON object",
		    e->ip, e->zone);
		return -1;
	}
	v = json_object_get(o, "state");
	st = json_is_string(v) ? json_string_value(v) : "";
	if (strcmp(st, "listed") == 0)
		e->state = DNSBL_LISTED;
	else if (strcmp(st, "clear") == 0)
		e->state = DNSBL_CLEAR;
	else if (strcmp(st, "unknown") != 0) {
		json_decref(o);
		snprintf(cause, len, "%s on %s: the state is not listed, clear "
		    "or unknown", e->ip, e->zone);
		return -1;
	}
	e->since = dnsbl_json_time(o, "since");
	e->checked = dnsbl_json_time(o, "checked");
	e->failed = dnsbl_json_time(o, "failed");
	v = json_object_get(o, "ttl");
	e->ttl = json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 0x7fffffff ? (int)json_integer_value(v) :
	    0;
	dnsbl_json_text(o, "code", e->code, sizeof e->code);
	dnsbl_json_text(o, "reason", e->reason, sizeof e->reason);
	dnsbl_json_text(o, "error", e->error, sizeof e->error);
	json_decref(o);
	return 0;
}
