/* providers, clients --suspects: what the gateways' mail log followers
 * counted (docs/redis-schema.md, "The mail log counters"). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/maillog_store.h"
#include "backends/queued_store.h"
#include "backends/redis.h"
#include "cmd/cmd.h"
#include "cmd/policy_cmd.h"
#include "core/delay.h"
#include "core/exitcode.h"
#include "core/format.h"
#include "core/maillog_report.h"

static const struct cmd_option cmd_clients_options[] = {
	{ "suspects", 0, "the directory harvest suspects: count, first and "
	    "last seen, sample addresses" },
	{ NULL, 0, NULL },
};

/* "12.5" or "-" for a share of nothing. */
static void
providers_pct(long long total, double pct, char *buf, size_t len)
{
	if (total > 0)
		snprintf(buf, len, "%.1f", pct);
	else
		snprintf(buf, len, "-");
}

/* "throttle 5, connection 3" or "-". */
static void
providers_classes(const struct ml_provider *v, char *buf, size_t len)
{
	size_t off = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < DELAY_CLASSES && off < len; c++)
		if (v->def[c] > 0)
			off += (size_t)snprintf(buf + off, len - off, "%s%s %lld",
			    off ? ", " : "", delay_class_name(c), v->def[c]);
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

static int
cmd_providers_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	static const char *const head[] = { "PROVIDER", "DELIV/H", "DEF%",
		"BOUNCE%", "REPUT", "P95", "STATE", "QUEUED", "DEFERRALS" };
	struct ml_providers p;
	struct delay_rule rule;
	struct policy_table t;
	struct redis *r;
	char cause[512];
	long long now = (long long)time(NULL);
	size_t i;
	int code;

	(void)c;
	if ((r = policy_cmd_redis(ctx, "cannot list the providers", &code)) ==
	    NULL)
		return code;
	if (maillog_store_providers(r, now, MAILLOG_STORE_MINUTES, &p, cause,
	    sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	/* What is queued now comes from the heartbeats: without it the
	 * rest still shows, queued unknown, said on stderr. */
	queued_store_providers(r, &p);
	if (p.queued_warning[0] != '\0' && !cmd_in_console(ctx))
		fprintf(stderr, "mailnoc: %s\n", p.queued_warning);
	delay_rule_init(&rule);
	ml_providers_finish(&p, &rule);
	if (ctx->json) {
		json_t *arr = json_array();

		for (i = 0; i < p.n; i++)
			json_array_append_new(arr, ml_provider_json(&p.v[i]));
		cmd_json_print(ctx, arr);
		ml_providers_free(&p);
		return EXIT_OK;
	}
	if (p.n == 0) {
		fprintf(ctx->out, "no deliveries counted in the last hour (is "
		    "a gateway's mail log follower on? nodes[].maillog)\n");
		ml_providers_free(&p);
		return EXIT_OK;
	}
	policy_table_init(&t, 9, 0xbeu, head);
	for (i = 0; i < p.n; i++) {
		const struct ml_provider *v = &p.v[i];
		long long tot = v->delivered + v->deferred + v->bounced;
		char dl[24], df[16], bo[16], rp[24], p95[16], cls[160], qd[24];
		const char *row[9];

		snprintf(dl, sizeof dl, "%lld", v->delivered);
		providers_pct(tot, ml_provider_deferred_pct(v), df, sizeof df);
		providers_pct(tot, ml_provider_bounced_pct(v), bo, sizeof bo);
		snprintf(rp, sizeof rp, v->reput > 0 ? "!%lld" : "-",
		    v->reput);
		if (v->p95 >= 0)
			format_age((long)v->p95, p95, sizeof p95);
		else
			snprintf(p95, sizeof p95, "-");
		providers_classes(v, cls, sizeof cls);
		if (v->queued >= 0)
			snprintf(qd, sizeof qd, "%ld", v->queued);
		else
			snprintf(qd, sizeof qd, "-");
		row[0] = v->name;
		row[1] = dl;
		row[2] = df;
		row[3] = bo;
		row[4] = rp;
		row[5] = p95;
		row[6] = ml_provider_state(v);
		row[7] = qd;
		row[8] = cls;
		policy_table_add(&t, row);
	}
	policy_table_print(&t, ctx->out);
	for (i = 0; i < p.n; i++)
		if (p.v[i].reput > 0)
			fprintf(ctx->out, "%s%s refuses for reputation (%lld), "
			    "latest: %s\n", p.v[i].group ? "group " : "",
			    p.v[i].group ? p.v[i].name + 1 : p.v[i].name,
			    p.v[i].reput, p.v[i].rep_reason[0] ?
			    p.v[i].rep_reason : "-");
	ml_providers_free(&p);
	return EXIT_OK;
}

static int
cmd_clients_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	static const char *const head[] = { "CLIENT", "UNKNOWN", "FIRST",
		"LAST", "NODE", "BLOCKED", "SAMPLES" };
	struct ml_suspect *v;
	struct policy_table t;
	struct redis *r;
	char cause[512];
	size_t i, n;
	int code, k;

	if (cmd_option(c, "suspects") == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "clients: give --suspects (the "
		    "directory harvest suspects); the clients' own counters "
		    "are not listed yet");
	if ((r = policy_cmd_redis(ctx, "cannot list the suspects", &code)) ==
	    NULL)
		return code;
	if (maillog_store_suspects(r, &v, &n, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (ctx->json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, ml_suspect_json(&v[i]));
		cmd_json_print(ctx, arr);
		free(v);
		return EXIT_OK;
	}
	if (n == 0) {
		fprintf(ctx->out, "no directory harvest suspects\n");
		free(v);
		return EXIT_OK;
	}
	policy_table_init(&t, 7, 0x2u, head);
	for (i = 0; i < n; i++) {
		char cnt[24], first[32], last[32], samples[4 * 330];
		const char *row[7];
		size_t off = 0;

		snprintf(cnt, sizeof cnt, "%lld", v[i].count);
		policy_cmd_time(v[i].first_seen, first, sizeof first);
		policy_cmd_time(v[i].last_seen, last, sizeof last);
		samples[0] = '\0';
		for (k = 0; k < v[i].nsamples && k < 3; k++)
			off += (size_t)snprintf(samples + off, sizeof samples -
			    off, "%s%s", k ? " " : "", v[i].samples[k]);
		row[0] = v[i].ip;
		row[1] = cnt;
		row[2] = first;
		row[3] = last;
		row[4] = v[i].node[0] ? v[i].node : "-";
		row[5] = v[i].blocked ? "yes" : "no";
		row[6] = samples[0] ? samples : "-";
		policy_table_add(&t, row);
	}
	policy_table_print(&t, ctx->out);
	free(v);
	return EXIT_OK;
}

const struct cmd_entry cmd_providers_entry = {
	.name = "providers",
	.alias = NULL,
	.usage = "",
	.help = "providers over the last hour: delivered, deferred and bounced "
	    "shares, p95 delay, throttling, messages queued now",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_providers_exec,
	.view = "providers",
};

const struct cmd_entry cmd_clients_entry = {
	.name = "clients",
	.alias = NULL,
	.usage = "--suspects",
	.help = "client addresses the mail log flags: directory harvest "
	    "suspects",
	.options = cmd_clients_options,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.exec = cmd_clients_exec,
	.view = "blocklist",
};
