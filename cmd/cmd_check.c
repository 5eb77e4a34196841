/* check: mailnoc as a Monitoring Plugin (Icinga, Nagios, Zabbix): one
 * status line with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
 * -- the one command whose exit codes are not batch mode's (docs/alerts.md). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/alert_store.h"
#include "backends/redis.h"
#include "backends/snapshot.h"
#include "cmd/cmd.h"
#include "core/alert.h"
#include "core/clock.h"
#include "core/cluster.h"
#include "core/exitcode.h"
#include "core/keys.h"
#include "core/model.h"
#include "core/xalloc.h"

#define CHECK_RAISE_MAX 256
#define CHECK_TEXT_MAX  1024
#define CHECK_PERF_MAX  2048

/* Redis's answer time: this many ms is a warning, this many critical. */
#define CHECK_REDIS_WARNING_MS  500
#define CHECK_REDIS_CRITICAL_MS 2000

static const struct cmd_option cmd_check_options[] = {
	{ "warning", 1, "threshold for WARNING (alerts: how many; node: "
	    "heartbeat age in s; queues: deferred messages; redis: ms)" },
	{ "critical", 1, "threshold for CRITICAL (same units)" },
	{ NULL, 0, NULL },
};

static const struct cmd_sub cmd_check_subs[] = {
	{ "alerts", "", 0, NULL },
	{ "cluster", "NAME", 0, NULL },
	{ "node", "NAME", 0, NULL },
	{ "queues", "", 0, NULL },
	{ "redis", "", 0, NULL },
	{ NULL, NULL, 0, NULL },
};

/* What one check found, printed as one line. */
struct check {
	const char *what;       /* "ALERTS", "CLUSTER mbx" */
	enum check_state state;
	char text[CHECK_TEXT_MAX];
	char perf[CHECK_PERF_MAX];
	long long warning;      /* -1: not given */
	long long critical;
	int taken;              /* alerts acknowledged or silenced */
	int counted;            /* alerts that count */
};

static void
check_say(struct check *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
check_say(struct check *k, const char *fmt, ...)
{
	size_t off = strlen(k->text);
	va_list ap;

	if (off >= sizeof k->text - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(k->text + off, sizeof k->text - off, fmt, ap);
	va_end(ap);
}

static void
check_perf(struct check *k, const char *label, long long v, const char *unit,
    long long warning, long long critical)
{
	char l[96], w[24] = "", c[24] = "";
	size_t off = strlen(k->perf);

	if (warning >= 0)
		snprintf(w, sizeof w, "%lld", warning);
	if (critical >= 0)
		snprintf(c, sizeof c, "%lld", critical);
	snprintf(k->perf + off, sizeof k->perf - off, "%s%s=%lld%s%s%s%s%s",
	    off ? " " : "", check_label(label, l, sizeof l), v, unit,
	    w[0] || c[0] ? ";" : "", w, c[0] ? ";" : "", c);
}

/* Prints the status line; returns the exit code. */
static int
check_print(struct cmd_ctx *ctx, struct check *k)
{
	char *p;

	/* '|' starts the perfdata: never inside the text. */
	for (p = k->text; *p != '\0'; p++) {
		if (*p == '|' || *p == '\n')
			*p = '/';
	}
	fprintf(ctx->out, "MAILNOC %s %s - %s%s%s\n", k->what,
	    check_state_name(k->state), k->text, k->perf[0] ? " | " : "",
	    k->perf);
	ctx->cause[0] = '\0';
	return (int)k->state;
}

static int
check_unknown(struct cmd_ctx *ctx, struct check *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
check_unknown(struct cmd_ctx *ctx, struct check *k, const char *fmt, ...)
{
	va_list ap;

	k->state = CHECK_UNKNOWN;
	k->perf[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(k->text, sizeof k->text, fmt, ap);
	va_end(ap);
	return check_print(ctx, k);
}

static enum check_state
check_severity(enum alert_severity s)
{
	return s == ALERT_CRITICAL ? CHECK_CRITICAL : CHECK_WARNING;
}

static struct redis *
check_redis(struct cmd_ctx *ctx)
{
	if (ctx->redis == NULL) {
		ctx->redis = xcalloc(1, sizeof *ctx->redis);
		redis_init(ctx->redis, ctx->cfg);
	}
	return redis_ensure(ctx->redis) == 0 ? ctx->redis : NULL;
}

/*
 * Whether a rule's alert was taken: its record acknowledged (at the same
 * severity or above: an alert that got worse wants a new look) or a
 * silence covers it.
 */
static bool
check_taken(const struct alert_list *l, const struct alert_raise *a,
    long long now)
{
	struct alert probe;
	size_t i;

	memset(&probe, 0, sizeof probe);
	snprintf(probe.kind, sizeof probe.kind, "%s", alert_kinds[a->kind].name);
	snprintf(probe.subject, sizeof probe.subject, "%s", a->subject);
	for (i = 0; i < l->ns; i++) {
		if (alert_silence_covers(l->s[i].kind, l->s[i].subject,
		    l->s[i].until, &probe, now))
			return true;
	}
	for (i = 0; i < l->n; i++) {
		const struct alert *r = &l->v[i];

		if (r->active && r->ack_by[0] != '\0' &&
		    r->malformed[0] == '\0' && r->severity >= a->severity &&
		    strcmp(r->kind, probe.kind) == 0 &&
		    strcmp(r->subject, probe.subject) == 0)
			return true;
	}
	return false;
}

/* Counts the rules' alerts that `want` selects into the check. */
static void
check_rules(const struct cmd_ctx *ctx, struct check *k,
    const struct snapshot *s, const struct alert_list *l, long long now,
    bool (*want)(const struct alert_raise *, const void *), const void *arg)
{
	struct alert_raise a[CHECK_RAISE_MAX];
	size_t i, n;

	n = alert_rules_eval(s, now, a, CHECK_RAISE_MAX);
	n = alert_rules_backup(s, ctx->cfg->backups.max_age_s, now, a,
	    CHECK_RAISE_MAX, n);
	if (n > CHECK_RAISE_MAX)
		n = CHECK_RAISE_MAX;
	for (i = 0; i < n; i++) {
		if (!want(&a[i], arg))
			continue;
		if (check_taken(l, &a[i], now)) {
			k->taken++;
			continue;
		}
		k->state = check_state_worst(k->state, check_severity(
		    a[i].severity));
		check_say(k, "%s%s", k->counted++ ? "; " : "", a[i].text);
	}
}

static bool
want_cluster(const struct alert_raise *a, const void *arg)
{
	const struct cluster_status *c = arg;
	size_t i;

	if (a->kind == ALERT_CLUSTER)
		return strcmp(a->subject, c->name) == 0;
	for (i = 0; i < c->nmembers; i++) {
		if (strcmp(a->subject, c->members[i]->name) == 0)
			return true;
	}
	return false;
}

static bool
want_node(const struct alert_raise *a, const void *arg)
{
	return a->kind != ALERT_CLUSTER && strcmp(a->subject, arg) == 0;
}

static void
check_taken_say(struct check *k)
{
	if (k->taken > 0)
		check_say(k, "%s%d acknowledged or silenced", k->text[0] ?
		    "; " : "", k->taken);
}

static int
check_cluster(struct cmd_ctx *ctx, struct check *k, const char *name,
    const struct snapshot *s, const struct alert_list *l, long long now)
{
	struct cluster_status cl[64];
	const struct cluster_status *c = NULL;
	size_t i, n, alive = 0, active = 0;

	n = cluster_collect(s, now, cl, 64);
	for (i = 0; i < n; i++) {
		if (strcmp(cl[i].name, name) == 0)
			c = &cl[i];
	}
	if (c == NULL)
		return check_unknown(ctx, k, "no cluster '%s' in the "
		    "configuration or in Redis", name);
	check_rules(ctx, k, s, l, now, want_cluster, c);
	if (k->counted == 0)
		check_say(k, "cluster %s %s: %s", c->name, cluster_health_name(
		    c->health), c->reason);
	check_taken_say(k);
	for (i = 0; i < c->nmembers; i++) {
		alive += c->members[i]->alive;
		active += c->members[i]->alive &&
		    c->members[i]->state == STATE_ACTIVE;
	}
	check_perf(k, "members", (long long)c->nmembers, "", -1, -1);
	check_perf(k, "alive", (long long)alive, "", -1, -1);
	check_perf(k, "active", (long long)active, "", -1, -1);
	check_perf(k, "alerts", k->counted, "", -1, -1);
	check_perf(k, "acknowledged", k->taken, "", -1, -1);
	return check_print(ctx, k);
}

static int
check_node(struct cmd_ctx *ctx, struct check *k, const char *name,
    const struct snapshot *s, const struct alert_list *l, long long now)
{
	const struct node_status *n = snapshot_node(s, name);
	long age;

	if (n == NULL)
		return check_unknown(ctx, k, "no node '%s' in the configuration",
		    name);
	age = node_age(n, now);
	check_rules(ctx, k, s, l, now, want_node, name);
	if (n->alive && age >= 0) {
		enum check_state t = check_threshold(age, k->warning,
		    k->critical);

		if (t != CHECK_OK) {
			k->state = check_state_worst(k->state, t);
			check_say(k, "%s%s: heartbeat %lds old", k->counted++ ?
			    "; " : "", n->name, age);
		}
	}
	if (k->counted == 0)
		check_say(k, "%s %s, heartbeat %lds ago", n->name,
		    node_state_name(n->alive ? n->state : STATE_DOWN), age);
	check_taken_say(k);
	check_perf(k, "heartbeat_age", age, "s", k->warning, k->critical);
	if (n->role == NODE_GATEWAY && n->queue[Q_DEFERRED] >= 0)
		check_perf(k, "deferred", n->queue[Q_DEFERRED], "", -1, -1);
	return check_print(ctx, k);
}

static int
check_queues(struct cmd_ctx *ctx, struct check *k, const struct snapshot *s,
    const struct alert_list *l, long long now)
{
	long long w = k->warning >= 0 ? k->warning : ALERT_DEFERRED_WARNING,
	    c = k->critical >= 0 ? k->critical : ALERT_DEFERRED_CRITICAL;
	size_t i, gateways = 0;
	long total = 0;
	char label[64];

	for (i = 0; i < s->nnodes; i++) {
		const struct node_status *n = &s->nodes[i];
		struct alert_raise a;
		enum check_state t;
		long d = n->queue[Q_DEFERRED];

		if (n->role != NODE_GATEWAY || !n->alive || d < 0)
			continue;
		gateways++;
		total += d;
		snprintf(label, sizeof label, "%s_deferred", n->name);
		check_perf(k, label, d, "", w, c);
		snprintf(label, sizeof label, "%s_active", n->name);
		check_perf(k, label, n->queue[Q_ACTIVE], "", -1, -1);
		snprintf(label, sizeof label, "%s_oldest", n->name);
		check_perf(k, label, n->oldest_age < 0 ? 0 : n->oldest_age, "s",
		    -1, -1);
		if ((t = check_threshold(d, w, c)) == CHECK_OK)
			continue;
		memset(&a, 0, sizeof a);
		a.kind = ALERT_QUEUE_DEFERRED;
		a.severity = t == CHECK_CRITICAL ? ALERT_CRITICAL : ALERT_WARNING;
		snprintf(a.subject, sizeof a.subject, "%s", n->name);
		if (check_taken(l, &a, now)) {
			k->taken++;
			continue;
		}
		k->state = check_state_worst(k->state, t);
		check_say(k, "%s%s: %ld deferred", k->counted++ ? "; " : "",
		    n->name, d);
	}
	if (gateways == 0)
		return check_unknown(ctx, k, "no live gateway reports its "
		    "queues");
	if (k->counted == 0)
		check_say(k, "%ld deferred on %zu gateway%s", total, gateways,
		    gateways == 1 ? "" : "s");
	check_taken_say(k);
	return check_print(ctx, k);
}

static int
check_alerts(struct cmd_ctx *ctx, struct check *k, struct redis *r,
    const struct alert_list *l, long long now)
{
	size_t i;
	int crit = 0, warn = 0, malformed = 0;
	redisReply *lease;
	char key[256];

	for (i = 0; i < l->n; i++) {
		const struct alert *a = &l->v[i];

		if (!a->active)
			continue;
		if (!alert_counts(a, now)) {
			k->taken++;
			continue;
		}
		malformed += a->malformed[0] != '\0';
		*(a->severity == ALERT_CRITICAL ? &crit : &warn) += 1;
		if (k->counted++ < 3)
			check_say(k, "%s%s", k->text[0] ? "; " : "",
			    a->malformed[0] ? "malformed alert record" :
			    a->text);
	}
	if (k->warning >= 0 || k->critical >= 0)
		k->state = check_threshold(k->counted, k->warning, k->critical);
	else if (crit > 0)
		k->state = CHECK_CRITICAL;
	else if (warn > 0)
		k->state = CHECK_WARNING;
	if (k->counted > 3)
		check_say(k, "; and %d more", k->counted - 3);
	if (k->counted == 0)
		check_say(k, "no alert wants attention");
	check_taken_say(k);
	/* Records nobody keeps up to date say nothing about now. */
	lease = redis_command(r, "EXISTS %s", redis_key(r->cfg, key,
	    sizeof key, KEY_ALERTS_LEASE));
	if (lease == NULL)
		return check_unknown(ctx, k, "cannot read the alerts: %s",
		    r->errstr);
	if (lease->type == REDIS_REPLY_INTEGER && lease->integer == 0 &&
	    k->state == CHECK_OK) {
		k->state = CHECK_UNKNOWN;
		check_say(k, "; no agent evaluates the alert rules (is any "
		    "mailnocd running?)");
	}
	freeReplyObject(lease);
	check_perf(k, "critical", crit, "", -1, -1);
	check_perf(k, "warning", warn, "", -1, -1);
	check_perf(k, "acknowledged", k->taken, "", -1, -1);
	check_perf(k, "malformed", malformed, "", -1, -1);
	return check_print(ctx, k);
}

static int
check_redis_time(struct cmd_ctx *ctx, struct check *k)
{
	long long t0 = clock_mono_ms(), ms;
	long long w = k->warning >= 0 ? k->warning : CHECK_REDIS_WARNING_MS,
	    c = k->critical >= 0 ? k->critical : CHECK_REDIS_CRITICAL_MS;
	struct redis *r = check_redis(ctx);
	redisReply *pong;
	char perf[64];

	if (r == NULL) {
		k->state = CHECK_CRITICAL;
		snprintf(k->text, sizeof k->text, "%s", ctx->redis->errstr);
		return check_print(ctx, k);
	}
	if ((pong = redis_command(r, "PING")) == NULL) {
		k->state = CHECK_CRITICAL;
		snprintf(k->text, sizeof k->text, "%s", r->errstr);
		return check_print(ctx, k);
	}
	freeReplyObject(pong);
	ms = clock_mono_ms() - t0;
	k->state = check_threshold(ms, w, c);
	check_say(k, "redis at %s:%d answered in %lld ms", r->host, r->port, ms);
	snprintf(perf, sizeof perf, "time=%.3fs;%.3f;%.3f;0", ms / 1000.0,
	    w / 1000.0, c / 1000.0);
	snprintf(k->perf, sizeof k->perf, "%s", perf);
	return check_print(ctx, k);
}

static int
check_number(const char *s, long long *v)
{
	char *end;

	*v = -1;
	if (s == NULL)
		return 0;
	*v = strtoll(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && *end == '\0' ? 0 : -1;
}

static int
cmd_check_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *sub = c->argc > 0 ? c->argv[0] : "alerts";
	const char *name = c->argc > 1 ? c->argv[1] : NULL;
	struct check k;
	struct alert_list l;
	const struct snapshot *s;
	struct redis *r;
	char what[80], cause[512], *p;
	long long now = (long long)time(NULL);
	int code;
	bool needs_name;

	memset(&k, 0, sizeof k);
	k.what = "CHECK";
	k.state = CHECK_OK;
	if (ctx->ui != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "check: for monitoring "
		    "systems; run 'mailnoc check' in a shell");
	needs_name = strcmp(sub, "cluster") == 0 || strcmp(sub, "node") == 0;
	if (cmd_sub_find(c->entry, sub) == NULL)
		return check_unknown(ctx, &k, "unknown check '%s'; checks: "
		    "alerts, cluster NAME, node NAME, queues, redis", sub);
	if (needs_name != (name != NULL) || c->argc > 2)
		return check_unknown(ctx, &k, "usage: check %s%s", sub,
		    needs_name ? " NAME" : "");
	if (check_number(cmd_option(c, "warning"), &k.warning) == -1 ||
	    check_number(cmd_option(c, "critical"), &k.critical) == -1)
		return check_unknown(ctx, &k, "--warning and --critical take "
		    "a whole number");
	snprintf(what, sizeof what, "%s%s%s", sub, name ? " " : "",
	    name ? name : "");
	for (p = what; *p != '\0' && *p != ' '; p++)
		*p = (char)toupper((unsigned char)*p);
	k.what = what;
	if (strcmp(sub, "redis") == 0)
		return check_redis_time(ctx, &k);
	if ((r = check_redis(ctx)) == NULL)
		return check_unknown(ctx, &k, "cannot reach redis: %s",
		    ctx->redis->errstr);
	if (alert_store_list(r, false, now, &l, cause, sizeof cause) == -1)
		return check_unknown(ctx, &k, "%s", cause);
	if (strcmp(sub, "alerts") == 0) {
		code = check_alerts(ctx, &k, r, &l, now);
		alert_list_free(&l);
		return code;
	}
	if ((s = cmd_snapshot(ctx, &code)) == NULL) {
		alert_list_free(&l);
		return check_unknown(ctx, &k, "%s", ctx->cause);
	}
	now = s->taken_ms / 1000;
	if (strcmp(sub, "cluster") == 0)
		code = check_cluster(ctx, &k, name, s, &l, now);
	else if (strcmp(sub, "node") == 0)
		code = check_node(ctx, &k, name, s, &l, now);
	else
		code = check_queues(ctx, &k, s, &l, now);
	alert_list_free(&l);
	return code;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.alias = NULL,
	.usage = "[alerts|cluster NAME|node NAME|queues|redis]",
	.help = "a Monitoring Plugins check: one status line, exit 0 OK, 1 "
	    "WARNING, 2 CRITICAL, 3 UNKNOWN",
	.options = cmd_check_options,
	.subs = cmd_check_subs,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_NEEDS_REDIS,
	.exec = cmd_check_exec,
};
