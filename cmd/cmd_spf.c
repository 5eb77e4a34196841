/* spf: each agency's sending domains checked with libspf2 against every
 * gateway's egress addresses, as the receiving providers will check them. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/policy_store.h"
#include "backends/redis.h"
#include "cmd/cmd.h"
#include "cmd/policy_cmd.h"
#include "cmd/spf_cmd.h"
#include "core/exitcode.h"
#include "core/validate.h"
#include "core/xalloc.h"

size_t
spf_cmd_agency(struct spf *s, const struct config *cfg,
    const struct agency *a, struct spf_pair **out, size_t *n)
{
	char domain[260];
	const char *p;
	size_t i, j, l, bad = 0, cap = 0;

	*out = NULL;
	*n = 0;
	for (p = a->domains; *p != '\0'; p += l + (p[l] == ',')) {
		l = strcspn(p, ",");
		snprintf(domain, sizeof domain, "%.*s", (int)l, p);
		for (i = 0; i < cfg->nnodes; i++) {
			const struct config_node *nd = &cfg->nodes[i];

			if (nd->role != NODE_GATEWAY)
				continue;
			for (j = 0; j < nd->negress; j++) {
				if (*n == cap) {
					cap = cap ? cap * 2 : 8;
					*out = xrealloc(*out, cap * sizeof **out);
				}
				(*out)[*n].node = nd->name;
				spf_evaluate(s, domain, nd->egress[j],
				    &(*out)[*n].check);
				bad += !spf_passes(&(*out)[*n].check);
				(*n)++;
			}
		}
	}
	return bad;
}

size_t
spf_cmd_import_warnings(struct cmd_ctx *ctx, struct redis *r,
    const struct permit_row *rows, size_t nrows, json_t *warnings)
{
	struct spf *s = NULL;
	struct agency a;
	struct spf_pair *pairs;
	char cause[512], line[1024];
	size_t i, k, n, count = 0;

	for (i = 0; i < nrows; i++) {
		for (k = 0; k < i && strcmp(rows[k].agency, rows[i].agency) != 0;
		     k++)
			;
		if (k < i || store_agency_get(r, rows[i].agency, &a, cause,
		    sizeof cause) != 1 || a.domains[0] == '\0')
			continue;
		if (s == NULL && (s = spf_open(ctx->cfg, cause,
		    sizeof cause)) == NULL) {
			snprintf(line, sizeof line, "the agencies' SPF was not "
			    "checked: %s", cause);
			json_array_append_new(warnings, json_string(line));
			return count + 1;
		}
		spf_cmd_agency(s, ctx->cfg, &a, &pairs, &n);
		for (k = 0; k < n; k++) {
			const struct spf_check *c = &pairs[k].check;

			if (spf_passes(c))
				continue;
			snprintf(line, sizeof line, "agency %s: SPF of %s does "
			    "not pass from %s %s: %s%s%s", a.id, c->domain,
			    pairs[k].node, c->ip, c->result, c->reason[0] ?
			    ": " : "", c->reason);
			json_array_append_new(warnings, json_string(line));
			count++;
		}
		free(pairs);
	}
	spf_close(s);
	return count;
}

static void
spf_print(FILE *f, const struct agency *a, const struct spf_pair *pairs,
    size_t n, size_t bad)
{
	size_t i, temp = 0;

	for (i = 0; i < n; i++)
		temp += strcmp(pairs[i].check.result, "temperror") == 0;
	if (a->domains[0] == '\0') {
		fprintf(f, "%s: no sending domains (agency set %s --domains "
		    "...)\n", a->id, a->id);
		return;
	}
	if (n == 0) {
		fprintf(f, "%s: no gateway has egress addresses in the "
		    "configuration\n", a->id);
		return;
	}
	fprintf(f, "%s: %s\n", a->id, bad == 0 ? "SPF passes for every gateway" :
	    bad == temp ? "SPF NOT CHECKED: the resolver did not answer" :
	    "SPF DOES NOT PASS for every gateway");
	for (i = 0; i < n; i++) {
		const struct spf_check *c = &pairs[i].check;

		fprintf(f, "  %-28s %-8s %-16s %-10s %s\n", c->domain,
		    pairs[i].node, c->ip, c->result, c->reason);
		if (!spf_passes(c) && strcmp(c->result, "temperror") != 0)
			fprintf(f, "  %-28s record: %s\n", "", c->record[0] ?
			    c->record : "(none)");
	}
}

static json_t *
spf_json(const struct agency *a, const struct spf_pair *pairs, size_t n,
    size_t bad)
{
	json_t *checks = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		const struct spf_check *c = &pairs[i].check;

		json_array_append_new(checks, json_pack("{s:s,s:s,s:s,s:s,s:s,"
		    "s:s,s:b}", "domain", c->domain, "node", pairs[i].node, "ip",
		    c->ip, "result", c->result, "reason", c->reason, "record",
		    c->record, "pass", spf_passes(c)));
	}
	return json_pack("{s:s,s:b,s:I,s:o}", "agency", a->id, "passes",
	    bad == 0 && n > 0, "failing", (json_int_t)bad, "checks", checks);
}

/* DNS look-ups: in the console a job (CMD_JOB), asked first. */
static int
cmd_spf_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	if (c->argc > 0 && validate_name(c->argv[0]) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "spf: '%s' is not an agency id",
		    c->argv[0]);
	snprintf(ask->question, sizeof ask->question, "check %s SPF records "
	    "now (DNS look-ups)", c->argc > 0 ? "this agency's" :
	    "the agencies'");
	return EXIT_OK;
}

static int
cmd_spf_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	struct agency_list l;
	struct agency one;
	struct spf_pair *pairs;
	struct spf *s;
	json_t *arr = NULL;
	char cause[512];
	struct redis *r;
	size_t i, k, n, bad, failing = 0, temp = 0;
	int code, rc;

	memset(&l, 0, sizeof l);
	if ((r = policy_cmd_redis(ctx, "spf", &code)) == NULL)
		return code;
	if (c->argc > 0) {
		if (validate_name(c->argv[0]) != NULL)
			return cmd_fail(ctx, EXIT_USAGE, "spf: '%s' is not an "
			    "agency id", c->argv[0]);
		rc = store_agency_get(r, c->argv[0], &one, cause, sizeof cause);
		if (rc == -1)
			return policy_cmd_store_fail(ctx, r, cause);
		if (rc == 0)
			return cmd_fail(ctx, EXIT_FAILED, "spf: no agency '%s'",
			    c->argv[0]);
		l.v = &one;
		l.n = 1;
	} else if (store_agencies_list(r, 0, false, &l, cause,
	    sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if ((s = spf_open(ctx->cfg, cause, sizeof cause)) == NULL) {
		if (c->argc == 0)
			agency_list_free(&l);
		return cmd_fail(ctx, EXIT_FAILED, "spf: %s", cause);
	}
	if (ctx->json)
		arr = json_array();
	/* A console that quits cancels a job between agencies: a resolver
	 * that does not answer costs each pair its timeout. */
	for (i = 0; i < l.n && (ctx->cancel == NULL || !*ctx->cancel); i++) {
		bad = spf_cmd_agency(s, ctx->cfg, &l.v[i], &pairs, &n);
		failing += bad > 0;
		for (k = 0; k < n; k++)
			temp += strcmp(pairs[k].check.result, "temperror") == 0;
		if (arr != NULL)
			json_array_append_new(arr, spf_json(&l.v[i], pairs, n,
			    bad));
		else
			spf_print(ctx->out, &l.v[i], pairs, n, bad);
		free(pairs);
	}
	spf_close(s);
	if (c->argc == 0)
		agency_list_free(&l);
	if (arr != NULL)
		cmd_json_print(ctx, arr);
	/*
	 * Records that do not pass are what the check found (exit 0, the
	 * output says which); a resolver that does not answer means the
	 * check could not be made.
	 */
	(void)failing;
	if (temp > 0)
		return cmd_fail(ctx, EXIT_UNREACHABLE, "spf: %zu look-up%s got "
		    "no answer (temperror): resolver unreachable?", temp,
		    temp == 1 ? "" : "s");
	return EXIT_OK;
}

const struct cmd_entry cmd_spf_entry = {
	.name = "spf",
	.alias = NULL,
	.usage = "[AGENCY]",
	.help = "check the agencies' SPF records against every gateway's "
	    "egress addresses",
	.options = NULL,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_NEEDS_REDIS | CMD_DATA | CMD_JOB,
	.prepare = cmd_spf_prepare,
	.exec = cmd_spf_exec,
};
