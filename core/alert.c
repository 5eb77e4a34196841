/* The alert model: kinds, the rules over a snapshot, records, checks. */
#include "core/alert.h"
#include "core/format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bulk.h"
#include "core/cluster.h"
#include "core/duration.h"
#include "core/role_mailbox.h"
#include "core/validate.h"

const struct alert_kind_def alert_kinds[ALERT_KIND_COUNT] = {
	[ALERT_NODE_SILENT] = { "node-silent", "node",
	    "a node's heartbeat expired (critical)" },
	[ALERT_NODE_MALFORMED] = { "node-malformed", "node",
	    "a node hash in Redis cannot be read (warning)" },
	[ALERT_CLUSTER] = { "cluster", "cluster",
	    "a cluster is not OK: DOWN or SPLIT-BRAIN (critical), DEGRADED "
	    "or FAILED-OVER (warning)" },
	[ALERT_QUEUE_DEFERRED] = { "queue-deferred", "node",
	    "a gateway's deferred queue holds 1000 messages (warning) or "
	    "10000 (critical)" },
	[ALERT_HARVEST] = { "harvest", "client",
	    "a client tried unknown recipients past maillog.harvest's "
	    "threshold within the last hour and is not blocked (warning)" },
	[ALERT_LISTED] = { "listed", "IP|ZONE",
	    "a gateway's egress address is listed on a DNS block list "
	    "(critical)" },
	[ALERT_BACKUP] = { "backup", "node",
	    "a mailbox node's last good backup is older than backups."
	    "max_age_s (critical) or nights are missing from its backups "
	    "(warning)" },
	[ALERT_PROVIDER_THROTTLED] = { "provider-throttled", "provider",
	    "the gateways hold alerts.throttled_messages (10) messages or "
	    "more for a provider deferred for throttling now (warning)" },
	[ALERT_BULK] = { "bulk", "agency",
	    "an agency sent more than the guidance's 1000 recipients in 10 "
	    "minutes without an announced bulk job (warning)" },
	[ALERT_FILTER_DOWN] = { "filter-down", "node",
	    "a gateway's spam and virus filter does not answer its agent "
	    "(critical)" },
	[ALERT_FILTER_UNSCANNED] = { "filter-unscanned", "node",
	    "mail passed a gateway unscanned (milter_default_action = accept "
	    "while the filter failed) this hour or the last (warning)" },
	[ALERT_ROLE_MAILBOX] = { "role-mailbox", "user",
	    "a role mailbox (abuse@, postmaster@) has had an unread message "
	    "for longer than mailbox.role_unread_limit_s, 4 h by default "
	    "(warning)" },
	[ALERT_AGENCY_DELAY] = { "agency-delay", "agency",
	    "a substantial delay: more than notify.delay_messages (100) of an "
	    "agency's messages deferred for longer than notify.delay_minutes "
	    "(30) on the gateways (warning); its text names the notice "
	    "(notify AGENCY --about delay)" },
};

const char *const alert_field_names[AF_COUNT] = {
	[AF_KIND] = "kind",
	[AF_SUBJECT] = "subject",
	[AF_SEVERITY] = "severity",
	[AF_TEXT] = "text",
	[AF_FIRST_SEEN] = "first_seen",
	[AF_LAST_SEEN] = "last_seen",
	[AF_STATE] = "state",
	[AF_RESOLVED_AT] = "resolved_at",
	[AF_ACK_BY] = "ack_by",
	[AF_ACK_AT] = "ack_at",
	[AF_ACK_NOTE] = "ack_note",
};

const char *
alert_severity_name(enum alert_severity s)
{
	return s == ALERT_CRITICAL ? "critical" : "warning";
}

int
alert_severity_parse(const char *s, enum alert_severity *out)
{
	if (s != NULL && strcmp(s, "critical") == 0)
		*out = ALERT_CRITICAL;
	else if (s != NULL && strcmp(s, "warning") == 0)
		*out = ALERT_WARNING;
	else
		return -1;
	return 0;
}

int
alert_kind_find(const char *name)
{
	int i;

	for (i = 0; i < ALERT_KIND_COUNT; i++) {
		if (strcmp(alert_kinds[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* Adds one alert unless the same kind and subject is there already. */
static void
alert_add(struct alert_raise *out, size_t max, size_t *n,
    enum alert_kind kind, const char *subject, enum alert_severity sev,
    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void
alert_add(struct alert_raise *out, size_t max, size_t *n,
    enum alert_kind kind, const char *subject, enum alert_severity sev,
    const char *fmt, ...)
{
	struct alert_raise *a;
	va_list ap;
	size_t i;

	for (i = 0; i < *n && i < max; i++) {
		if (out[i].kind == kind && strcmp(out[i].subject, subject) == 0)
			return;
	}
	if (*n >= max) {
		(*n)++;
		return;
	}
	a = &out[(*n)++];
	a->kind = kind;
	snprintf(a->subject, sizeof a->subject, "%s", subject);
	a->severity = sev;
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof a->text, fmt, ap);
	va_end(ap);
}

/* The node rules: silent, malformed, deferred queue. */
static void
alert_rules_node(const struct node_status *nd, long long now,
    struct alert_raise *out, size_t max, size_t *n)
{
	long age = node_age(nd, now), d = nd->queue[Q_DEFERRED];

	if (nd->malformed[0] != '\0')
		alert_add(out, max, n, ALERT_NODE_MALFORMED, nd->name,
		    ALERT_WARNING, "%s: node hash cannot be read: %s",
		    nd->name, nd->malformed);
	if (!nd->alive && (nd->configured || nd->seen)) {
		if (!nd->seen)
			alert_add(out, max, n, ALERT_NODE_SILENT, nd->name,
			    ALERT_CRITICAL, "%s: no heartbeat ever seen",
			    nd->name);
		else
			alert_add(out, max, n, ALERT_NODE_SILENT, nd->name,
			    ALERT_CRITICAL, "%s is silent: last heartbeat "
			    "%lds ago", nd->name, age);
	}
	/* A silent node's counts are old: its silence is the alert. */
	if (nd->alive && nd->role == NODE_GATEWAY &&
	    d >= ALERT_DEFERRED_WARNING)
		alert_add(out, max, n, ALERT_QUEUE_DEFERRED, nd->name,
		    d >= ALERT_DEFERRED_CRITICAL ? ALERT_CRITICAL :
		    ALERT_WARNING, "%s: %ld messages deferred, oldest %lds",
		    nd->name, d, nd->oldest_age);
}

size_t
alert_rules_eval(const struct snapshot *s, long long now,
    struct alert_raise *out, size_t max)
{
	struct cluster_status cl[64];
	size_t i, n = 0, ncl;

	for (i = 0; i < s->nnodes; i++)
		alert_rules_node(&s->nodes[i], now, out, max, &n);
	ncl = cluster_collect(s, now, cl, sizeof cl / sizeof cl[0]);
	for (i = 0; i < ncl; i++) {
		enum cluster_health h = cl[i].health;

		if (h == HEALTH_OK)
			continue;
		alert_add(out, max, &n, ALERT_CLUSTER, cl[i].name,
		    h == HEALTH_DOWN || h == HEALTH_SPLIT_BRAIN ?
		    ALERT_CRITICAL : ALERT_WARNING, "cluster %s %s: %s",
		    cl[i].name, cluster_health_name(h), cl[i].reason);
	}
	return n;
}

size_t
alert_rules_backup(const struct snapshot *s, long max_age_s, long long now,
    struct alert_raise *out, size_t max, size_t n)
{
	const struct node_status *nd;
	char age[32], why[ALERT_TEXT_MAX], gaps[96];
	size_t i;

	for (i = 0; i < s->nnodes; i++) {
		nd = &s->nodes[i];
		if (!nd->alive || nd->role != NODE_MAILBOX ||
		    nd->backup_gaps < 0)
			continue;
		why[0] = gaps[0] = '\0';
		if (nd->backup_done_at < 0)
			snprintf(why, sizeof why, "no good backup found%s",
			    strcmp(nd->backup_result, "failed") == 0 ?
			    " (the last run failed)" : "");
		else if (now - nd->backup_done_at > max_age_s)
			snprintf(why, sizeof why, "last good backup %s ago "
			    "(more than %s)%s", duration_format(now -
			    nd->backup_done_at, age, sizeof age),
			    duration_format(max_age_s, gaps, sizeof gaps),
			    strcmp(nd->backup_result, "failed") == 0 ?
			    ", the last run failed" : "");
		gaps[0] = '\0';
		if (nd->backup_gaps > 0)
			snprintf(gaps, sizeof gaps, "%ld night%s missing, the "
			    "newest %s", nd->backup_gaps, nd->backup_gaps == 1 ?
			    "" : "s", nd->backup_gap[0] ? nd->backup_gap : "?");
		if (why[0] == '\0' && gaps[0] == '\0')
			continue;
		alert_add(out, max, &n, ALERT_BACKUP, nd->name,
		    why[0] != '\0' ? ALERT_CRITICAL : ALERT_WARNING,
		    "%s: backups: %s%s%s", nd->name, why,
		    why[0] && gaps[0] ? "; " : "", gaps);
	}
	return n;
}

size_t
alert_rules_role_mailbox(const struct snapshot *s, long long now,
    long long limit_s, struct alert_raise *out, size_t max, size_t n)
{
	const struct node_status *node = role_mbx_node(s);
	struct role_mbx v[ROLE_MBX_MAX];
	char text[ALERT_TEXT_MAX];
	int i, nv;

	if (node == NULL || (nv = role_mbx_parse(node->role_mbx, v,
	    ROLE_MBX_MAX)) <= 0)
		return n;
	for (i = 0; i < nv; i++) {
		if (v[i].unread <= 0 || v[i].oldest <= 0 ||
		    now - v[i].oldest <= limit_s)
			continue;
		alert_add(out, max, &n, ALERT_ROLE_MAILBOX, v[i].user,
		    ALERT_WARNING, "%s on %s: nobody has read it past the "
		    "limit", role_mbx_text(&v[i], now, text, sizeof text),
		    node->name);
	}
	return n;
}

#define ALERT_AGENCIES_MAX 256

size_t
alert_rules_agency_delay(const struct snapshot *s, long long now,
    long messages, int minutes, struct alert_raise *out, size_t max,
    size_t n)
{
	struct role_mbx sum[ALERT_AGENCIES_MAX], v[ROLE_MBX_MAX];
	char age[32];
	size_t i, k, nsum = 0;
	int j, nv;

	for (i = 0; i < s->nnodes; i++) {
		const struct node_status *g = &s->nodes[i];

		if (g->role != NODE_GATEWAY || !g->alive ||
		    (nv = role_mbx_parse(g->agency_delay, v, ROLE_MBX_MAX)) <= 0)
			continue;
		for (j = 0; j < nv; j++) {
			for (k = 0; k < nsum && strcmp(sum[k].user, v[j].user) !=
			    0; k++)
				;
			if (k == nsum) {
				if (nsum == ALERT_AGENCIES_MAX)
					continue;
				sum[nsum++] = v[j];
				continue;
			}
			sum[k].unread += v[j].unread;
			if (v[j].oldest > 0 && (sum[k].oldest == 0 ||
			    v[j].oldest < sum[k].oldest))
				sum[k].oldest = v[j].oldest;
		}
	}
	for (k = 0; k < nsum; k++) {
		if (sum[k].unread <= messages)
			continue;
		alert_add(out, max, &n, ALERT_AGENCY_DELAY, sum[k].user,
		    ALERT_WARNING, "agency %s: %ld messages deferred for more "
		    "than %d min, the oldest %s: notify %s --about delay",
		    sum[k].user, sum[k].unread, minutes,
		    duration_format(sum[k].oldest > 0 && now > sum[k].oldest ?
		    now - sum[k].oldest : 0, age, sizeof age), sum[k].user);
	}
	return n;
}

size_t
alert_rules_harvest(const struct ml_suspect *v, size_t nv, long long now,
    struct alert_raise *out, size_t max, size_t n)
{
	size_t i;

	for (i = 0; i < nv; i++) {
		if (v[i].blocked || v[i].last_seen <= 0 ||
		    now - v[i].last_seen > ALERT_HARVEST_RECENT_S ||
		    validate_ip(v[i].ip) != NULL)
			continue;
		alert_add(out, max, &n, ALERT_HARVEST, v[i].ip, ALERT_WARNING,
		    "%s: %lld unknown recipients on %s (directory harvest "
		    "suspect), e.g. %s", v[i].ip, v[i].count,
		    v[i].node[0] ? v[i].node : "?", v[i].nsamples > 0 &&
		    validate_text(v[i].samples[0], 100) == NULL ?
		    v[i].samples[0] : "-");
	}
	return n;
}

size_t
alert_rules_bulk(const struct bulk_recent *v, size_t nv,
    const struct bulk_plan *ann, size_t nann, long long now,
    struct alert_raise *out, size_t max, size_t n)
{
	size_t i;

	for (i = 0; i < nv; i++) {
		if (v[i].rcpts_10min <= BULK_GUIDANCE_RCPTS ||
		    validate_name(v[i].agency) != NULL ||
		    bulk_announced_recently(ann, nann, v[i].agency, now))
			continue;
		alert_add(out, max, &n, ALERT_BULK, v[i].agency, ALERT_WARNING,
		    "agency %s sent %lld recipients in 10 minutes, over the "
		    "guidance's %d, unannounced: announce it with 'mailnoc bulk "
		    "announce %s'", v[i].agency, v[i].rcpts_10min,
		    BULK_GUIDANCE_RCPTS, v[i].agency);
	}
	return n;
}

size_t
alert_rules_listed(const char *node, const struct dnsbl_entry *v,
    size_t nv, long long now, struct alert_raise *out, size_t max,
    size_t n)
{
	char subject[ALERT_SUBJECT_MAX], text[ALERT_TEXT_MAX];
	size_t i;
	int k;

	for (i = 0; i < nv; i++) {
		if (strcmp(dnsbl_entry_shown(&v[i]), "listed") != 0 ||
		    dnsbl_alert_format(node, &v[i], now, text,
		    sizeof text) == -1)
			continue;
		k = snprintf(subject, sizeof subject, "%s|%s", v[i].ip,
		    v[i].zone);
		if (k < 0 || (size_t)k >= sizeof subject)
			snprintf(subject, sizeof subject, "%s", v[i].ip);
		alert_add(out, max, &n, ALERT_LISTED, subject, ALERT_CRITICAL,
		    "%s", text);
	}
	return n;
}

size_t
alert_rules_throttled(const struct queued_list *q, long min,
    queued_group_fn group, void *arg, struct alert_raise *out, size_t max,
    size_t n)
{
	char gname[QUEUED_NAME_MAX + 2];
	const char *g;
	size_t i;

	for (i = 0; i < q->n; i++) {
		const struct queued_entry *e = &q->v[i];
		bool isgroup = e->name[0] == '@';
		long t = e->by_class[DELAY_THROTTLE];

		if (t < min || t <= 0 || !queued_name_ok(e->name))
			continue;
		if (!isgroup && group != NULL &&
		    (g = group(arg, e->name)) != NULL) {
			snprintf(gname, sizeof gname, "@%s", g);
			if (queued_list_find(q, gname) != NULL)
				continue;
		}
		alert_add(out, max, &n, ALERT_PROVIDER_THROTTLED, isgroup ?
		    e->name + 1 : e->name, ALERT_WARNING, "throttling: %s%s: "
		    "%ld messages deferred for throttling (%ld queued)",
		    isgroup ? "group " : "", isgroup ? e->name + 1 : e->name,
		    t, e->queued);
	}
	return n;
}

size_t
alert_rules_filter(const struct filter_node *v, size_t nv,
    struct alert_raise *out, size_t max, size_t n)
{
	size_t i;

	for (i = 0; i < nv; i++) {
		if (v[i].published && !v[i].up)
			alert_add(out, max, &n, ALERT_FILTER_DOWN, v[i].name,
			    ALERT_CRITICAL, "%s: the filter is down: %s",
			    v[i].name, v[i].error[0] ? v[i].error :
			    "no answer");
		if (v[i].unscanned_recent > 0)
			alert_add(out, max, &n, ALERT_FILTER_UNSCANNED,
			    v[i].name, ALERT_WARNING, "%s: %lld message%s passed "
			    "unscanned within the last two hours", v[i].name,
			    v[i].unscanned_recent, v[i].unscanned_recent == 1 ?
			    "" : "s");
	}
	return n;
}

/* A decimal epoch time; -1 when v is not one. */
static long long
alert_time(const char *v)
{
	char *end;
	long long t;

	if (v == NULL || v[0] < '0' || v[0] > '9')
		return -1;
	errno = 0;
	t = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return t;
}

static void
alert_bad(struct alert *a, const char *field, const char *why)
{
	if (a->malformed[0] == '\0')
		snprintf(a->malformed, sizeof a->malformed, "%s %s", field, why);
}

void
alert_parse(struct alert *a, long long id, const char *const *v)
{
	const char *state = v[AF_STATE];
	long long t;

	memset(a, 0, sizeof *a);
	a->id = id;
	a->active = true;
	validate_sanitize(a->kind, sizeof a->kind, v[AF_KIND]);
	validate_sanitize(a->subject, sizeof a->subject, v[AF_SUBJECT]);
	validate_sanitize(a->text, sizeof a->text, v[AF_TEXT]);
	validate_sanitize(a->ack_by, sizeof a->ack_by, v[AF_ACK_BY]);
	validate_sanitize(a->ack_note, sizeof a->ack_note, v[AF_ACK_NOTE]);
	if (v[AF_KIND] == NULL && v[AF_SUBJECT] == NULL &&
	    v[AF_STATE] == NULL) {
		alert_bad(a, "record", "is missing");
		return;
	}
	/* An unknown kind may come from a newer agent: shown as it is. */
	if (v[AF_KIND] == NULL || validate_name(v[AF_KIND]) != NULL)
		alert_bad(a, "kind", "is not a name");
	if (v[AF_SUBJECT] == NULL || validate_text(v[AF_SUBJECT],
	    ALERT_SUBJECT_MAX - 1) != NULL)
		alert_bad(a, "subject", "is missing or not text");
	if (alert_severity_parse(v[AF_SEVERITY], &a->severity) == -1) {
		a->severity = ALERT_CRITICAL; /* unreadable: assume the worst */
		alert_bad(a, "severity", "is not warning or critical");
	}
	if ((a->first_seen = alert_time(v[AF_FIRST_SEEN])) < 0)
		alert_bad(a, "first_seen", "is not a time");
	if ((a->last_seen = alert_time(v[AF_LAST_SEEN])) < 0)
		alert_bad(a, "last_seen", "is not a time");
	if (state != NULL && strcmp(state, "resolved") == 0)
		a->active = false;
	else if (state == NULL || strcmp(state, "active") != 0)
		alert_bad(a, "state", "is not active or resolved");
	if (!a->active && (a->resolved_at = alert_time(v[AF_RESOLVED_AT])) < 0)
		alert_bad(a, "resolved_at", "is not a time");
	if (v[AF_ACK_BY] != NULL && v[AF_ACK_BY][0] != '\0') {
		if ((t = alert_time(v[AF_ACK_AT])) < 0)
			alert_bad(a, "ack_at", "is not a time");
		a->ack_at = t < 0 ? 0 : t;
	}
	if (a->first_seen < 0)
		a->first_seen = 0;
	if (a->last_seen < 0)
		a->last_seen = 0;
	if (a->resolved_at < 0)
		a->resolved_at = 0;
}

bool
alert_silence_covers(const char *kind, const char *subject, long long until,
    const struct alert *a, long long now)
{
	return until > now && strcmp(kind, a->kind) == 0 &&
	    (strcmp(subject, "*") == 0 || strcmp(subject, a->subject) == 0);
}

bool
alert_counts(const struct alert *a, long long now)
{
	return a->active && a->ack_by[0] == '\0' && a->silenced_until <= now;
}

const char *
check_state_name(enum check_state s)
{
	switch (s) {
	case CHECK_OK:
		return "OK";
	case CHECK_WARNING:
		return "WARNING";
	case CHECK_CRITICAL:
		return "CRITICAL";
	case CHECK_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

static int
check_state_rank(enum check_state s)
{
	switch (s) {
	case CHECK_OK:
		return 0;
	case CHECK_UNKNOWN:
		return 1;
	case CHECK_WARNING:
		return 2;
	case CHECK_CRITICAL:
		return 3;
	}
	return 3;
}

enum check_state
check_state_worst(enum check_state a, enum check_state b)
{
	return check_state_rank(a) >= check_state_rank(b) ? a : b;
}

enum check_state
check_threshold(long long v, long long warning, long long critical)
{
	if (critical >= 0 && v >= critical)
		return CHECK_CRITICAL;
	if (warning >= 0 && v >= warning)
		return CHECK_WARNING;
	return CHECK_OK;
}

char *
check_label(const char *label, char *buf, size_t len)
{
	size_t i, o = 0;
	bool quote = strpbrk(label, " ='") != NULL;

	if (len == 0)
		return buf;
	if (quote && o + 1 < len)
		buf[o++] = '\'';
	for (i = 0; label[i] != '\0' && o + 2 < len; i++) {
		if (label[i] == '\'')
			buf[o++] = '\'';
		buf[o++] = label[i];
	}
	if (quote && o + 1 < len)
		buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

void
alert_state_text(const struct alert *a, long long now, char *buf, size_t len)
{
	char left[32];

	if (a->malformed[0] != '\0')
		snprintf(buf, len, "MALFORMED");
	else if (!a->active)
		snprintf(buf, len, "resolved");
	else if (a->ack_by[0] != '\0')
		snprintf(buf, len, "acked by %s", a->ack_by);
	else if (a->silenced_until > now)
		snprintf(buf, len, "silenced %s", format_left(a->silenced_until,
		    now, left, sizeof left));
	else
		snprintf(buf, len, "new");
}
