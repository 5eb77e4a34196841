/* status: the service at a glance, as the console's header shows it. */
#include <jansson.h>
#include <string.h>

#include "backends/redis.h"
#include "core/cluster.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/format.h"
#include "core/maillog_report.h"

#define MAX_CLUSTERS 64

/* Each gateway's policy service: where its decisions come from. */
static json_t *
status_policy_json(const struct snapshot *s)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < s->nnodes; i++) {
		const struct node_status *n = &s->nodes[i];

		if (n->policy[0] == '\0')
			continue;
		json_object_set_new(o, n->name, json_pack("{s:s,s:o}",
		    "source", n->alive ? n->policy : "unknown", "copy_age",
		    n->policy_copy_age < 0 ? json_null() :
		    json_integer(n->policy_copy_age)));
	}
	return o;
}

/* Each gateway's mail log retention (heartbeat log_age), when it follows
 * its log: {"gw1": {"log_age_s": N, "days": D, "short": false}}. */
static void
status_retention_json(json_t *o, const struct snapshot *s)
{
	json_t *r = json_object();
	size_t i;

	for (i = 0; i < s->nnodes; i++) {
		const struct node_status *n = &s->nodes[i];

		if (n->log_age < 0)
			continue;
		json_object_set_new(r, n->name, json_pack("{s:I,s:I,s:b}",
		    "log_age_s", (json_int_t)n->log_age, "days",
		    (json_int_t)(n->log_age / 86400), "short",
		    ml_retention_short(n->log_age, ML_RETENTION_DAYS)));
	}
	json_object_set_new(o, "log_retention", r);
}

static int
cmd_status_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct cluster_status cl[MAX_CLUSTERS];
	enum cluster_health worst = HEALTH_OK;
	long queue[Q_COUNT] = { 0 };
	const struct snapshot *s;
	enum redis_persist persist;
	size_t i, q, n, alive = 0;
	char persist_msg[512], logkept[512];
	long long now;
	int code;

	(void)c;
	if ((s = cmd_snapshot(ctx, &code)) == NULL)
		return code;
	persist = redis_check_persistence(ctx->redis, persist_msg,
	    sizeof persist_msg);
	now = s->taken_ms / 1000;
	n = cluster_collect(s, now, cl, MAX_CLUSTERS);
	for (i = 0; i < n; i++) {
		worst = cluster_health_worst(worst, cl[i].health);
	}
	for (i = 0; i < s->nnodes; i++) {
		alive += s->nodes[i].alive;
		for (q = 0; q < Q_COUNT; q++) {
			if (s->nodes[i].alive && s->nodes[i].queue[q] > 0)
				queue[q] += s->nodes[i].queue[q];
		}
	}
	if (ctx->json) {
		json_t *o = json_object(), *qs = json_object(),
		       *cs = json_object();

		json_object_set_new(o, "health", json_string(
		    cluster_health_name(worst)));
		json_object_set_new(o, "redis", json_pack("{s:s,s:i}", "host",
		    ctx->redis->host, "port", ctx->redis->port));
		json_object_set_new(o, "nodes", json_pack("{s:I,s:I}", "total",
		    (json_int_t)s->nnodes, "alive", (json_int_t)alive));
		for (i = 0; i < n; i++)
			json_object_set_new(cs, cl[i].name, json_string(
			    cluster_health_name(cl[i].health)));
		json_object_set_new(o, "clusters", cs);
		for (q = 0; q < Q_COUNT; q++)
			json_object_set_new(qs, queue_name(q),
			    json_integer(queue[q]));
		json_object_set_new(o, "queues", qs);
		json_object_set_new(o, "blocks", json_integer(s->nblocks));
		json_object_set_new(o, "permits", json_integer(s->npermits));
		json_object_set_new(o, "agencies", json_integer(s->nagencies));
		if (s->problem[0] != '\0')
			json_object_set_new(o, "problem",
			    json_string(s->problem));
		json_object_set_new(o, "persistence", json_pack("{s:s,s:s}",
		    "state", redis_persist_name(persist), "detail",
		    persist_msg));
		status_retention_json(o, s);
		json_object_set_new(o, "policy", status_policy_json(s));
		cmd_json_print(ctx, o);
		return EXIT_OK;
	}
	fprintf(ctx->out, "health %s; nodes %zu/%zu alive; redis %s:%d\n",
	    cluster_health_name(worst), alive, s->nnodes, ctx->redis->host,
	    ctx->redis->port);
	for (i = 0; i < n; i++)
		fprintf(ctx->out, "cluster %-10s %-11s %s\n", cl[i].name,
		    cluster_health_name(cl[i].health), cl[i].reason);
	fprintf(ctx->out, "queues: incoming %ld, active %ld, deferred %ld, "
	    "hold %ld, corrupt %ld\n", queue[Q_INCOMING], queue[Q_ACTIVE],
	    queue[Q_DEFERRED], queue[Q_HOLD], queue[Q_CORRUPT]);
	fprintf(ctx->out, "blocks %ld, relay permits %ld, agencies %ld\n",
	    s->nblocks, s->npermits, s->nagencies);
	if (s->problem[0] != '\0')
		fprintf(ctx->out, "malformed: %s\n", s->problem);
	if (ml_retention_line(s, logkept, sizeof logkept) > 0)
		fprintf(ctx->out, "WARNING %s\n", logkept);
	else if (logkept[0] != '\0')
		fprintf(ctx->out, "%s\n", logkept);
	for (i = 0; i < s->nnodes; i++) {
		char p[64];

		if (s->nodes[i].alive && node_policy_text(&s->nodes[i], p,
		    sizeof p)[0] != '\0')
			fprintf(ctx->out, "%s: %s\n", s->nodes[i].name, p);
	}
	fprintf(ctx->out, "redis persistence%s: %s\n",
	    persist == REDIS_PERSIST_RISK ? " AT RISK" : "", persist_msg);
	return EXIT_OK;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.view = "overview",
	.alias = NULL,
	.usage = "",
	.help = "summarize the service: health, nodes, queues, blocks",
	.options = NULL,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_status_exec,
};
