/* clusters: each cluster's members and health, with the last failover. */
#include <jansson.h>
#include <string.h>

#include "core/cluster.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/format.h"

#define MAX_CLUSTERS 64

static json_t *
cluster_json(const struct cluster_status *c, long long now)
{
	json_t *o = json_object(), *members = json_array();
	size_t i;

	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "role", json_string(config_role_name(c->role)));
	json_object_set_new(o, "health", json_string(cluster_health_name(
	    c->health)));
	json_object_set_new(o, "reason", json_string(c->reason));
	for (i = 0; i < c->nmembers; i++) {
		const struct node_status *n = c->members[i];
		json_t *m = json_object();

		json_object_set_new(m, "name", json_string(n->name));
		json_object_set_new(m, "state", json_string(node_state_name(
		    n->alive ? n->state : STATE_DOWN)));
		json_object_set_new(m, "alive", json_boolean(n->alive));
		json_object_set_new(m, "heartbeat_age",
		    node_age(n, now) < 0 ? json_null() :
					   json_integer(node_age(n, now)));
		json_array_append_new(members, m);
	}
	json_object_set_new(o, "members", members);
	if (c->last_change != NULL) {
		json_t *e = json_object();

		json_object_set_new(e, "node", json_string(c->last_change->node));
		json_object_set_new(e, "from", json_string(c->last_change->from));
		json_object_set_new(e, "at", json_integer(c->last_change->at));
		json_object_set_new(o, "last_change", e);
	} else
		json_object_set_new(o, "last_change", json_null());
	return o;
}

static int
cmd_clusters_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct cluster_status cl[MAX_CLUSTERS];
	const struct snapshot *s;
	long long now;
	size_t i, j, n;
	int code;

	(void)c;
	if ((s = cmd_snapshot(ctx, &code)) == NULL)
		return code;
	now = s->taken_ms / 1000;
	n = cluster_collect(s, now, cl, MAX_CLUSTERS);
	if (ctx->json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, cluster_json(&cl[i], now));
		cmd_json_print(ctx, arr);
		return EXIT_OK;
	}
	for (i = 0; i < n; i++) {
		char age[16];

		fprintf(ctx->out, "%-10s %-7s %-11s %s\n", cl[i].name,
		    config_role_name(cl[i].role),
		    cluster_health_name(cl[i].health), cl[i].reason);
		for (j = 0; j < cl[i].nmembers; j++) {
			const struct node_status *m = cl[i].members[j];

			fprintf(ctx->out, "  %-10s %-8s heartbeat %s\n", m->name,
			    node_state_name(m->alive ? m->state : STATE_DOWN),
			    format_age(node_age(m, now), age, sizeof age));
		}
	}
	return EXIT_OK;
}

const struct cmd_entry cmd_clusters_entry = {
	.name = "clusters",
	.view = "clusters",
	.alias = NULL,
	.usage = "",
	.help = "show each cluster's active/standby nodes and its health",
	.options = NULL,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_clusters_exec,
};
