/* events: the newest entries of the events stream (role changes, drains). */
#include <jansson.h>
#include <stdlib.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/model.h"

static const struct cmd_option cmd_events_options[] = {
	{ "count", 1, "how many events, newest first (1-50, default 20)" },
	{ NULL, 0, NULL },
};

/* --count, checked: the number of events into *want. */
static int
events_count(const struct cmd *c, struct cmd_ctx *ctx, long *want)
{
	const char *count = cmd_option(c, "count");
	char *end;

	*want = 20;
	if (count == NULL)
		return EXIT_OK;
	*want = strtol(count, &end, 10);
	if (*end != '\0' || *want < 1 || *want > 50)
		return cmd_fail(ctx, EXIT_USAGE, "events: --count '%s' is not "
		    "accepted; use 1 to 50", count);
	return EXIT_OK;
}

static int
cmd_events_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	long want;

	(void)ask;
	return events_count(c, ctx, &want);
}

static int
cmd_events_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct snapshot *s;
	long want;
	size_t i;
	int code;

	if ((code = events_count(c, ctx, &want)) != EXIT_OK)
		return code;
	if ((s = cmd_snapshot(ctx, &code)) == NULL)
		return code;
	if (ctx->json) {
		json_t *arr = json_array();

		for (i = 0; i < s->nevents && (long)i < want; i++) {
			const struct event *e = &s->events[i];

			json_array_append_new(arr, json_pack("{s:s,s:I,s:s,s:s,"
			    "s:s,s:s,s:s,s:s}", "id", e->id, "at",
			    (json_int_t)e->at, "type", e->type, "node", e->node,
			    "cluster", e->cluster, "from", e->from, "to", e->to,
			    "detail", e->detail));
		}
		cmd_json_print(ctx, arr);
		return EXIT_OK;
	}
	for (i = 0; i < s->nevents && (long)i < want; i++) {
		const struct event *e = &s->events[i];
		time_t t = (time_t)e->at;
		struct tm tm;
		char when[32];

		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
		fprintf(ctx->out, "%s  %-12s %-8s %-8s %s%s%s%s%s\n", when,
		    e->type, e->cluster, e->node, e->from, e->from[0] ? " -> " :
		    "", e->to, e->detail[0] ? "  " : "", e->detail);
	}
	return EXIT_OK;
}

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.view = "clusters",
	.alias = NULL,
	.usage = "",
	.help = "show the newest events: role changes, failovers, drains",
	.options = cmd_events_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_events_prepare,
	.exec = cmd_events_exec,
};
