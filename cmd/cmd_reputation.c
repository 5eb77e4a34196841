/* reputation: the gateways' egress addresses on the DNS block lists, as
 * their agents' block-list watches published them; --check asks for a
 * round now and waits for the answers. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backends/redis.h"
#include "backends/reputation_store.h"
#include "cmd/cmd.h"
#include "cmd/policy_cmd.h"
#include "core/clock.h"
#include "core/dnsbl.h"
#include "core/exitcode.h"

/* How often --check reads the answers, and how long it waits beyond the
 * agents' poll (2 s) and one round (dns.timeout_ms, twice: A then TXT). */
#define REPUTATION_POLL_MS  250
#define REPUTATION_SLACK_MS 10000

static const struct cmd_option cmd_reputation_options[] = {
	{ "check", 0, "ask every gateway's agent for a round of look-ups now "
	    "and wait for it" },
	{ NULL, 0, NULL },
};

/* policy_cmd_time to the minute: the table's columns are 16 wide. */
static const char *
reputation_time(long long t, char *buf, size_t len)
{
	policy_cmd_time(t, buf, len);
	if (strlen(buf) > 16)
		buf[16] = '\0';
	return buf;
}

static json_t *
reputation_json(const struct reputation *rep)
{
	json_t *nodes = json_array(), *entries = json_array();
	size_t i, j;

	for (i = 0; i < rep->n; i++) {
		const struct reputation_node *nd = &rep->nodes[i];

		json_array_append_new(nodes, json_pack("{s:s,s:b,s:I,s:I,s:I,"
		    "s:I,s:I}", "node", nd->name, "published", nd->published,
		    "round_at", (json_int_t)nd->round_at, "round_ms",
		    (json_int_t)nd->round_ms, "round_cpu_us",
		    (json_int_t)nd->round_cpu_us, "queries",
		    (json_int_t)nd->queries, "malformed",
		    (json_int_t)nd->malformed));
		for (j = 0; j < nd->n; j++) {
			const struct dnsbl_entry *e = &nd->v[j];

			json_array_append_new(entries, json_pack("{s:s,s:s,s:s,"
			    "s:s,s:b,s:I,s:I,s:s,s:s,s:s,s:I,s:i}", "node",
			    nd->name, "ip", e->ip, "zone", e->zone, "state",
			    dnsbl_entry_shown(e), "listed",
			    e->state == DNSBL_LISTED, "since",
			    (json_int_t)e->since, "checked",
			    (json_int_t)e->checked, "code", e->code, "reason",
			    e->reason, "error", e->error, "failed",
			    (json_int_t)e->failed, "ttl", e->ttl));
		}
	}
	return json_pack("{s:o,s:o}", "nodes", nodes, "entries", entries);
}

static void
reputation_print(FILE *f, const struct reputation *rep)
{
	char since[32], checked[32];
	size_t i, j, listed = 0;

	fprintf(f, "%-8s %-16s %-22s %-10s %-16s %-16s %s\n", "NODE", "ADDRESS",
	    "ZONE", "STATE", "SINCE", "CHECKED", "REASON");
	for (i = 0; i < rep->n; i++) {
		const struct reputation_node *nd = &rep->nodes[i];

		for (j = 0; j < nd->n; j++) {
			const struct dnsbl_entry *e = &nd->v[j];
			const char *why = e->state == DNSBL_LISTED ?
			    e->reason : "";

			listed += e->state == DNSBL_LISTED;
			fprintf(f, "%-8s %-16s %-22s %-10s %-16s %-16s %s%s%s\n",
			    nd->name, e->ip, e->zone, dnsbl_entry_shown(e),
			    reputation_time(e->since, since, sizeof since),
			    reputation_time(e->checked, checked,
			    sizeof checked), why, why[0] && e->error[0] ?
			    "; " : "", e->error);
		}
		if (nd->malformed > 0)
			fprintf(f, "%-8s %zu published value%s could not be "
			    "read\n", nd->name, nd->malformed,
			    nd->malformed == 1 ? "" : "s");
	}
	if (rep->n == 0)
		fprintf(f, "no gateway has egress addresses in the "
		    "configuration: nothing is watched\n");
	else if (listed > 0)
		fprintf(f, "%zu listing%s\n", listed, listed == 1 ? "" : "s");
}

/* Waits until every gateway answered check `id`; returns those that did
 * not (0: all). */
static size_t
reputation_wait(struct cmd_ctx *ctx, struct redis *r, const char *id,
    struct reputation *rep, char *cause, size_t len)
{
	const struct config *cfg = ctx->cfg;
	long long until = clock_mono_ms() + 2LL * cfg->dns.timeout_ms +
	    REPUTATION_SLACK_MS;
	struct timespec ts = { 0, REPUTATION_POLL_MS * 1000000L };
	size_t i, missing;

	for (;;) {
		reputation_free(rep);
		if (reputation_read(r, cfg, rep, cause, len) == -1)
			return rep->n > 0 ? rep->n : 1;
		for (missing = 0, i = 0; i < rep->n; i++)
			missing += strcmp(rep->nodes[i].check_id, id) != 0;
		if (missing == 0 || clock_mono_ms() >= until)
			return missing;
		nanosleep(&ts, NULL);
	}
}

/*
 * In the console a check runs as a job (CMD_JOB: asked, then off the UI
 * thread); the listing is the Reputation view (the entry names no view:
 * it would take the check too).
 */
static int
cmd_reputation_prepare(struct cmd *c, struct cmd_ctx *ctx,
    struct cmd_ask *ask)
{
	if (ctx->ui != NULL && cmd_option(c, "check") == NULL) {
		ask->view = "reputation";
		return EXIT_OK;
	}
	snprintf(ask->question, sizeof ask->question, "ask every gateway for "
	    "a block-list check now");
	return EXIT_OK;
}

static int
cmd_reputation_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct reputation rep;
	char cause[512], id[REPUTATION_CHECK_ID_MAX];
	struct redis *r;
	size_t i, missing = 0;
	int code = EXIT_OK;

	if ((r = policy_cmd_redis(ctx, "reputation", &code)) == NULL)
		return code;
	memset(&rep, 0, sizeof rep);
	if (cmd_option(c, "check") != NULL) {
		/*
		 * The agents own the state: a check they run makes the same
		 * events as a periodic round and needs no write access to
		 * their keys, only to rep:check.
		 */
		if ((code = cmd_may_change(ctx, "reputation --check")) !=
		    EXIT_OK)
			return code;
		if (cfg->dnsbl.nzones == 0)
			return cmd_fail(ctx, EXIT_USAGE, "reputation --check: no "
			    "dnsbl.zones in the configuration");
		if (reputation_request_check(r, cfg, id, sizeof id, cause,
		    sizeof cause) == -1)
			return cmd_fail(ctx, redis_exit_code(r), "reputation: %s",
			    cause);
		missing = reputation_wait(ctx, r, id, &rep, cause,
		    sizeof cause);
	} else if (reputation_read(r, cfg, &rep, cause, sizeof cause) == -1) {
		reputation_free(&rep);
		return cmd_fail(ctx, redis_exit_code(r), "reputation: %s",
		    cause);
	}
	if (ctx->json) {
		json_t *o = reputation_json(&rep);

		if (cmd_option(c, "check") != NULL) {
			json_t *late = json_array();

			for (i = 0; i < rep.n; i++) {
				if (strcmp(rep.nodes[i].check_id, id) != 0)
					json_array_append_new(late,
					    json_string(rep.nodes[i].name));
			}
			json_object_set_new(o, "check", json_string(id));
			json_object_set_new(o, "not_answered", late);
		}
		cmd_json_print(ctx, o);
	} else
		reputation_print(ctx->out, &rep);
	if (missing > 0) {
		char names[256] = "";
		size_t o = 0;

		for (i = 0; i < rep.n && o < sizeof names; i++) {
			if (strcmp(rep.nodes[i].check_id, id) != 0)
				o += (size_t)snprintf(names + o,
				    sizeof names - o, "%s%s", o ? ", " : "",
				    rep.nodes[i].name);
		}
		reputation_free(&rep);
		return cmd_fail(ctx, EXIT_UNREACHABLE, "reputation --check: "
		    "no answer from %s within %d s (is mailnocd running "
		    "there?); shown: what was published before",
		    names[0] ? names : "redis", (2 * cfg->dns.timeout_ms +
		    REPUTATION_SLACK_MS) / 1000);
	}
	reputation_free(&rep);
	return EXIT_OK;
}

const struct cmd_entry cmd_reputation_entry = {
	.name = "reputation",
	.alias = NULL,
	.usage = "",
	.help = "show the gateways' egress addresses on the DNS block lists",
	.options = cmd_reputation_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA | CMD_JOB,
	.prepare = cmd_reputation_prepare,
	.exec = cmd_reputation_exec,
};
