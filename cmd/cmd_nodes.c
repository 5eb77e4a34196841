/* nodes: every node with its heartbeat, state and queue counts. */
#include <jansson.h>
#include <string.h>

#include "core/clock.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/format.h"
#include "core/model.h"

static json_t *
json_count(long n)
{
	return n < 0 ? json_null() : json_integer(n);
}


static json_t *
cmd_nodes_json(const struct snapshot *s, long long now)
{
	json_t *arr = json_array();
	size_t i, q;

	for (i = 0; i < s->nnodes; i++) {
		const struct node_status *n = &s->nodes[i];
		json_t *o = json_object(), *queues = json_object();
		long age = node_age(n, now);

		json_object_set_new(o, "name", json_string(n->name));
		json_object_set_new(o, "role", json_string(config_role_name(n->role)));
		json_object_set_new(o, "cluster", json_string(n->cluster));
		json_object_set_new(o, "state", json_string(node_state_name(
		    n->alive ? n->state : STATE_DOWN)));
		json_object_set_new(o, "reported_state",
		    json_string(node_state_name(n->state)));
		json_object_set_new(o, "alive", json_boolean(n->alive));
		json_object_set_new(o, "configured", json_boolean(n->configured));
		json_object_set_new(o, "drain", json_boolean(n->drain));
		json_object_set_new(o, "heartbeat_age", json_count(age));
		json_object_set_new(o, "updated_at", n->updated_at > 0 ?
		    json_integer(n->updated_at) : json_null());
		if (n->role == NODE_GATEWAY) {
			for (q = 0; q < Q_COUNT; q++)
				json_object_set_new(queues, queue_name(q),
				    json_count(n->queue[q]));
			json_object_set_new(o, "queues", queues);
			json_object_set_new(o, "oldest_age",
			    json_count(n->oldest_age));
			json_object_set_new(o, "policy", n->policy[0] == '\0' ?
			    json_null() : json_pack("{s:s,s:o,s:o}", "source",
			    n->policy, "copy_age", json_count(
			    (long)n->policy_copy_age), "copy_decisions",
			    json_count((long)n->policy_copy_decisions)));
		} else {
			json_decref(queues);
			json_object_set_new(o, "last_backup", n->last_backup[0] ?
			    json_string(n->last_backup) : json_null());
			json_object_set_new(o, "backup", json_pack(
			    "{s:o,s:o,s:o,s:o,s:o,s:o}", "done_at",
			    json_count((long)n->backup_done_at), "bytes",
			    json_count((long)n->backup_bytes), "mailboxes",
			    json_count(n->backup_mailboxes), "result",
			    n->backup_result[0] ? json_string(n->backup_result) :
			    json_null(), "gaps", json_count(n->backup_gaps),
			    "newest_gap", n->backup_gap[0] ?
			    json_string(n->backup_gap) : json_null()));
		}
		json_object_set_new(o, "load1", n->load1 < 0 ? json_null() :
		    json_real(n->load1));
		json_object_set_new(o, "disk_pct", json_count(n->disk_pct));
		json_object_set_new(o, "version", json_string(n->version));
		json_object_set_new(o, "mta_version", json_string(n->mta_version));
		if (n->malformed[0] != '\0')
			json_object_set_new(o, "malformed",
			    json_string(n->malformed));
		json_array_append_new(arr, o);
	}
	return arr;
}

static int
cmd_nodes_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct snapshot *s;
	long long now;
	size_t i;
	int code;

	/* The configured names, without Redis: shell completion asks. */
	if (cmd_option(c, "names") != NULL) {
		for (i = 0; i < ctx->cfg->nnodes; i++)
			fprintf(ctx->out, "%s\n", ctx->cfg->nodes[i].name);
		return EXIT_OK;
	}
	if ((s = cmd_snapshot(ctx, &code)) == NULL)
		return code;
	now = s->taken_ms / 1000;
	if (ctx->json) {
		json_t *arr = cmd_nodes_json(s, now);

		cmd_json_print(ctx, arr);
		return EXIT_OK;
	}
	fprintf(ctx->out, "%-10s %-7s %-8s %-8s %5s %6s %6s %6s %6s %6s %6s\n",
	    "NODE", "ROLE", "CLUSTER", "STATE", "BEAT", "INCOM", "ACTIVE",
	    "DEFER", "HOLD", "CORR", "OLDEST");
	for (i = 0; i < s->nnodes; i++) {
		const struct node_status *n = &s->nodes[i];
		char beat[16], v[Q_COUNT][16], oldest[16];
		size_t q;

		format_age(node_age(n, now), beat, sizeof beat);
		fprintf(ctx->out, "%-10s %-7s %-8s %-8s %5s", n->name,
		    config_role_name(n->role), n->cluster,
		    node_state_name(n->alive ? n->state : STATE_DOWN), beat);
		if (n->malformed[0] != '\0')
			fprintf(ctx->out, " malformed: %s\n", n->malformed);
		else if (n->role == NODE_GATEWAY) {
			for (q = 0; q < Q_COUNT; q++)
				format_count(n->queue[q], v[q], sizeof v[q]);
			fprintf(ctx->out, " %6s %6s %6s %6s %6s %6s\n",
			    v[Q_INCOMING], v[Q_ACTIVE], v[Q_DEFERRED], v[Q_HOLD],
			    v[Q_CORRUPT],
			    format_age(n->oldest_age, oldest, sizeof oldest));
		} else
			fprintf(ctx->out, " last backup %s\n",
			    n->last_backup[0] ? n->last_backup : "-");
	}
	return EXIT_OK;
}

static const struct cmd_option cmd_nodes_options[] = {
	{ "names", 0, "only the configured node names, one a line (no "
	    "Redis; for shell completion)" },
	{ NULL, 0, NULL },
};

const struct cmd_entry cmd_nodes_entry = {
	.name = "nodes",
	.view = "overview",
	.alias = "overview",
	.usage = "",
	.help = "list every node: state, heartbeat age, queue counts",
	.options = cmd_nodes_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_nodes_exec,
};
