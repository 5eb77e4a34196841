/* A message of a trace's answer as the console shows it: its row and its
 * timeline. The line comes from a node: every string is sanitized here. */
#include "core/trace_msg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/validate.h"
#include "core/xalloc.h"

/* Member k of o as text for a terminal; "" when absent. */
static const char *
trace_msg_str(json_t *o, const char *k, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, k));

	return validate_sanitize(buf, len, s != NULL ? s : "");
}

/* A message object of the line, or NULL with `cause` set. */
static json_t *
trace_msg_load(const char *line, char *cause, size_t len)
{
	json_t *o = json_loads(line, 0, NULL);

	if (o == NULL || !json_is_object(o)) {
		snprintf(cause, len, "not a JSON object");
		json_decref(o);
		return NULL;
	}
	if (!json_is_integer(json_object_get(o, "time")) ||
	    !json_is_string(json_object_get(o, "node"))) {
		snprintf(cause, len, "not a message (no time or node)");
		json_decref(o);
		return NULL;
	}
	return o;
}

int
trace_msg_parse(const char *line, struct trace_msg *m, char *cause,
    size_t len)
{
	json_t *o, *steps, *s, *last = NULL;
	char r[MAILLOG_ADDR_MAX + 1], relay[256], dsn[32], reason[400];
	size_t i, off = 0;

	memset(m, 0, sizeof *m);
	if ((o = trace_msg_load(line, cause, len)) == NULL)
		return -1;
	trace_msg_str(o, "node", m->node, sizeof m->node);
	m->time = json_integer_value(json_object_get(o, "time"));
	trace_msg_str(o, "qid", m->qid, sizeof m->qid);
	trace_msg_str(o, "from", m->from, sizeof m->from);
	m->state = trace_state_parse(json_string_value(json_object_get(o,
	    "state")) != NULL ? json_string_value(json_object_get(o,
	    "state")) : "");
	steps = json_object_get(o, "steps");
	json_array_foreach(steps, i, s) {
		trace_msg_str(s, "to", r, sizeof r);
		/* Each recipient once, in the order first seen. */
		if (r[0] != '\0' && off + 1 < sizeof m->to &&
		    strstr(m->to, r) == NULL)
			off += (size_t)snprintf(m->to + off, sizeof m->to - off,
			    "%s%s", off ? "," : "", r);
		if (off >= sizeof m->to)
			off = sizeof m->to - 1;
		last = s;
	}
	if (last != NULL) {
		trace_msg_str(last, "relay", relay, sizeof relay);
		trace_msg_str(last, "dsn", dsn, sizeof dsn);
		trace_msg_str(last, "reason", reason, sizeof reason);
		snprintf(m->last, sizeof m->last, "%s%s%s%s%s", relay,
		    relay[0] && (dsn[0] || reason[0]) ? " " : "", dsn,
		    dsn[0] && reason[0] ? " " : "", reason);
	}
	json_decref(o);
	return 0;
}

bool
trace_state_queued(int state)
{
	return state == TRACE_QUEUED || state == TRACE_DEFERRED ||
	    state == TRACE_HELD;
}

static struct trace_tl *
trace_tl_add(struct trace_tl **v, size_t *n, size_t *cap,
    enum trace_tl_kind kind, int code)
{
	struct trace_tl *l;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	l = &(*v)[(*n)++];
	l->kind = kind;
	l->code = code;
	l->text[0] = '\0';
	return l;
}

/* "2026-12-05 05:20:01" for the first line, "05:20:01" for the steps of
 * the same day, else "12-06 05:20:01". */
static void
trace_tl_time(long long t, long long day_of, char *buf, size_t len)
{
	time_t a = (time_t)t, b = (time_t)day_of;
	struct tm tm, tb;

	localtime_r(&a, &tm);
	localtime_r(&b, &tb);
	if (day_of < 0)
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	else if (tm.tm_yday == tb.tm_yday && tm.tm_year == tb.tm_year)
		strftime(buf, len, "%H:%M:%S", &tm);
	else
		strftime(buf, len, "%m-%d %H:%M:%S", &tm);
}

/* The step's kind from its name; TRACE_STEP_OTHER when unknown. */
static int
trace_tl_step(const char *name)
{
	int k;

	for (k = 0; k < TRACE_STEPS; k++)
		if (name != NULL && strcmp(trace_step_name(k), name) == 0)
			return k;
	return TRACE_STEP_OTHER;
}

struct trace_tl *
trace_timeline(const char *line, size_t *n, char *cause, size_t len)
{
	struct trace_tl *v = NULL, *l;
	json_t *o, *steps, *s, *j;
	char a[5][400], when[32];
	size_t i, cap = 0;
	long long t0;
	int k;

	*n = 0;
	if ((o = trace_msg_load(line, cause, len)) == NULL)
		return NULL;
	t0 = json_integer_value(json_object_get(o, "time"));
	trace_tl_time(t0, -1, when, sizeof when);
	l = trace_tl_add(&v, n, &cap, TRACE_TL_RECEIVED, 0);
	trace_msg_str(o, "from", a[0], sizeof a[0]);
	trace_msg_str(o, "client_name", a[1], sizeof a[1]);
	trace_msg_str(o, "client", a[2], sizeof a[2]);
	snprintf(l->text, sizeof l->text, "%s  received from %s%s%s%s%s", when,
	    a[1][0] ? a[1] : "", a[2][0] ? "[" : "", a[2], a[2][0] ? "]" : "",
	    a[1][0] || a[2][0] ? "" : "(the log did not say)");
	l = trace_tl_add(&v, n, &cap, TRACE_TL_DETAIL, 0);
	trace_msg_str(o, "qid", a[1], sizeof a[1]);
	trace_msg_str(o, "msgid", a[2], sizeof a[2]);
	snprintf(l->text, sizeof l->text, "sender %s, queue ID %s%s%s%s",
	    a[0][0] ? a[0] : "(none)", a[1][0] ? a[1] : "(none: refused "
	    "before queueing)", a[2][0] ? ", message-id <" : "", a[2],
	    a[2][0] ? ">" : "");
	if ((j = json_object_get(o, "size")) != NULL || json_object_get(o,
	    "nrcpt") != NULL) {
		size_t off = strlen(l->text);

		if (json_is_integer(j))
			off += (size_t)snprintf(l->text + off, sizeof l->text -
			    off, ", %lld bytes", json_integer_value(j));
		if (off < sizeof l->text && json_is_integer(json_object_get(o,
		    "nrcpt")))
			snprintf(l->text + off, sizeof l->text - off, ", %lld "
			    "recipient%s", json_integer_value(json_object_get(o,
			    "nrcpt")), json_integer_value(json_object_get(o,
			    "nrcpt")) == 1 ? "" : "s");
	}
	steps = json_object_get(o, "steps");
	json_array_foreach(steps, i, s) {
		double delay;

		k = trace_tl_step(json_string_value(json_object_get(s,
		    "step")));
		trace_tl_time(json_integer_value(json_object_get(s, "time")),
		    t0, when, sizeof when);
		trace_msg_str(s, "to", a[0], sizeof a[0]);
		trace_msg_str(s, "relay", a[1], sizeof a[1]);
		trace_msg_str(s, "dsn", a[2], sizeof a[2]);
		trace_msg_str(s, "reason", a[3], sizeof a[3]);
		a[4][0] = '\0';
		if ((j = json_object_get(s, "delay")) != NULL &&
		    json_is_number(j)) {
			delay = json_number_value(j);
			snprintf(a[4], sizeof a[4], ", delay %.2f s", delay);
		}
		l = trace_tl_add(&v, n, &cap, TRACE_TL_STEP, k);
		snprintf(l->text, sizeof l->text, "%s  %-9s %s%s%s%s%s%s%s", when,
		    trace_step_name(k), a[0][0] ? "to " : "", a[0],
		    a[1][0] ? " via " : "", a[1], a[2][0] ? ", dsn " : "",
		    a[2], a[4]);
		if (a[3][0] != '\0') {
			l = trace_tl_add(&v, n, &cap, TRACE_TL_DETAIL, k);
			snprintf(l->text, sizeof l->text, "%s%s", k ==
			    TRACE_STEP_NOTIFIED ? "the notification's queue "
			    "ID: " : "", a[3]);
		}
	}
	k = trace_state_parse(json_string_value(json_object_get(o, "state")) !=
	    NULL ? json_string_value(json_object_get(o, "state")) : "");
	l = trace_tl_add(&v, n, &cap, TRACE_TL_FINAL, k);
	snprintf(l->text, sizeof l->text, "now: %s%s", k >= 0 ?
	    trace_state_name(k) : "unknown", trace_state_queued(k) ?
	    " (still in the gateway's queue)" : "");
	json_decref(o);
	return v;
}
