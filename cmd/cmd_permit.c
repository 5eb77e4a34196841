/* permit: which client IPs may relay, for which agency; one at a time or a
 * whole relay inventory from CSV. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/policy_store.h"
#include "cmd/cmd.h"
#include "cmd/confirm.h"
#include "core/exitcode.h"
#include "core/permit_csv.h"
#include "cmd/policy_cmd.h"
#include "cmd/spf_cmd.h"
#include "core/policy_input.h"
#include "core/validate.h"
#include "core/xalloc.h"

/* The largest inventory read: far more than any state has relay clients. */
#define PERMIT_FILE_MAX (64L * 1024 * 1024)

static const struct cmd_option cmd_permit_options[] = {
	{ "app", 1, "add: the application or device (at most 200 "
	    "characters)" },
	{ "expected", 1, "add: expected messages per day" },
	{ NULL, 0, NULL },
};

struct permit_sub {
	const char *name;
	const char *usage;
	int min, max;     /* arguments after the subcommand */
	bool mutates;
	int (*exec)(const struct cmd *, struct cmd_ctx *);
};

static int
permit_agency_arg(struct cmd_ctx *ctx, const char *sub, const char *id)
{
	const char *why;

	if ((why = validate_name(id)) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "permit %s: '%s' is not an "
		    "agency id: %s", sub, id, why);
	return EXIT_OK;
}

/* permit add's arguments: the IP (canonical into ip) and the options. */
static int
permit_add_check(const struct cmd *c, struct cmd_ctx *ctx, char *ip,
    size_t iplen, long long *expected)
{
	const char *app = cmd_option(c, "app"), *exp = cmd_option(c, "expected");
	const char *agency = c->argv[2], *why;
	int code;

	if ((why = validate_ip_canon(c->argv[1], ip, iplen)) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "cannot permit '%s': %s",
		    c->argv[1], why);
	if ((code = permit_agency_arg(ctx, "add", agency)) != EXIT_OK)
		return code;
	if (app != NULL && (why = validate_text(app, POLICY_TEXT_MAX)) !=
	    NULL)
		return cmd_fail(ctx, EXIT_USAGE, "permit add: --app is not "
		    "accepted: %s", why);
	if (exp != NULL && policy_input_number(exp, 0, 1000000000000LL,
	    expected) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "permit add: --expected '%s' is "
		    "not accepted; use a whole number of messages per day, 0 "
		    "or more", exp);
	return EXIT_OK;
}

static int
permit_add(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *app = cmd_option(c, "app"), *agency = c->argv[2];
	char ip[STORE_IP_MAX], who[STORE_WHO_MAX], cause[512], head[96];
	struct permit_entry prev, now_p;
	long long expected = -1, now = (long long)time(NULL);
	struct redis *r;
	int code, had;

	if ((code = permit_add_check(c, ctx, ip, sizeof ip, &expected)) !=
	    EXIT_OK)
		return code;
	if (ctx->dry_run) {
		if (ctx->json)
			cmd_json_print(ctx, json_pack("{s:b,s:s,s:s}", "dry_run",
			    1, "ip", ip, "agency", agency));
		else
			fprintf(ctx->out, "dry run: would permit %s to relay for "
			    "agency %s; nothing was done\n", ip, agency);
		return EXIT_OK;
	}
	snprintf(head, sizeof head, "cannot permit '%s'", ip);
	if ((r = policy_cmd_redis(ctx, head, &code)) == NULL)
		return code;
	policy_cmd_who(who, sizeof who);
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	cmd_touch(ctx, "redis");
	if ((had = store_permit_get(r, ip, &prev, cause, sizeof cause)) == -1 ||
	    store_permit_add(r, ip, agency, app, expected, who, now, cause,
	    sizeof cause) == -1 ||
	    store_permit_get(r, ip, &now_p, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	cmd_said(ctx, "permitted %s for agency %s%s%s%s", ip, now_p.agency,
	    had == 1 ? " (replaced the permit of agency " : "", had == 1 ?
	    prev.agency : "", had == 1 ? ")" : "");
	if (ctx->json) {
		json_t *o = policy_cmd_permit_json(&now_p);

		json_object_set_new(o, "replaced", json_boolean(had == 1));
		json_object_set_new(o, "previous_agency", had == 1 ?
		    json_string(prev.agency) : json_null());
		cmd_json_print(ctx, o);
		return EXIT_OK;
	}
	if (had == 1 && strcmp(prev.agency, agency) != 0)
		fprintf(ctx->out, "permitted %s to relay for agency %s (it was "
		    "agency %s's)\n", ip, agency, prev.agency);
	else
		fprintf(ctx->out, "permitted %s to relay for agency %s%s\n", ip,
		    agency, had == 1 ? " (replaced its permit)" : "");
	if (now_p.blocked)
		fprintf(ctx->out, "note: %s is blocked; it stays refused until "
		    "unblocked\n", ip);
	return EXIT_OK;
}

static int
permit_remove(const struct cmd *c, struct cmd_ctx *ctx)
{
	char ip[STORE_IP_MAX], cause[512], head[96], q[200];
	struct permit_entry prev;
	struct redis *r;
	const char *why;
	int code, rc;

	if ((why = validate_ip_canon(c->argv[1], ip, sizeof ip)) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "cannot remove the permit of "
		    "'%s': %s", c->argv[1], why);
	if (ctx->dry_run) {
		if (ctx->json)
			cmd_json_print(ctx, json_pack("{s:b,s:s}", "dry_run", 1,
			    "ip", ip));
		else
			fprintf(ctx->out, "dry run: would remove the relay permit "
			    "of %s; nothing was done\n", ip);
		return EXIT_OK;
	}
	snprintf(q, sizeof q, "remove the relay permit of %s (its mail is "
	    "refused from then on)", ip);
	if ((code = cmd_confirm(ctx, q, 1, false)) != CONFIRM_GO)
		return code;
	snprintf(head, sizeof head, "cannot remove the permit of '%s'", ip);
	if ((r = policy_cmd_redis(ctx, head, &code)) == NULL)
		return code;
	if ((rc = store_permit_get(r, ip, &prev, cause, sizeof cause)) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (rc == 0)
		return cmd_fail(ctx, EXIT_FAILED, "%s: it has none", head);
	cmd_touch(ctx, "redis");
	if ((rc = store_permit_remove(r, ip, cause, sizeof cause)) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (rc == 0)
		return cmd_fail(ctx, EXIT_FAILED, "%s: it has none", head);
	cmd_said(ctx, "removed the permit of %s (agency %s)", ip, prev.agency);
	if (ctx->json) {
		cmd_json_print(ctx, json_pack("{s:s,s:b,s:s}", "ip", ip,
		    "removed", 1, "agency", prev.agency));
		return EXIT_OK;
	}
	fprintf(ctx->out, "removed the relay permit of %s (agency %s)\n", ip,
	    prev.agency);
	return EXIT_OK;
}

static int
permit_list(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *agency = c->argc > 1 ? c->argv[1] : NULL;
	struct permit_list l;
	struct redis *r;
	char cause[512];
	bool exists = true;
	size_t i;
	int code;

	if (agency != NULL && (code = permit_agency_arg(ctx, "list", agency)) !=
	    EXIT_OK)
		return code;
	if ((r = policy_cmd_redis(ctx, "cannot list the permits", &code)) ==
	    NULL)
		return code;
	if (agency != NULL && store_agencies_exist(r, &agency, 1, &exists,
	    cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (!exists)
		return cmd_fail(ctx, EXIT_FAILED, "permit list: no agency '%s'",
		    agency);
	if (store_permits_list(r, agency, &l, cause, sizeof cause) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (ctx->json) {
		json_t *a = json_array();

		for (i = 0; i < l.n; i++)
			json_array_append_new(a, policy_cmd_permit_json(&l.v[i]));
		cmd_json_print(ctx, a);
	} else if (l.n == 0 && agency != NULL)
		fprintf(ctx->out, "agency %s has no relay permits\n", agency);
	else if (l.n == 0)
		fprintf(ctx->out, "no relay permits\n");
	else
		policy_cmd_permits_print(ctx->out, &l);
	permit_list_free(&l);
	return EXIT_OK;
}

/* Reads a whole file; returns it (NUL-terminated), or NULL with the cause. */
static char *
permit_read_file(const char *path, size_t *len, char *cause, size_t clen)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(cause, clen, "cannot read '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n > (size_t)PERMIT_FILE_MAX) {
			snprintf(cause, clen, "cannot read '%s': larger than "
			    "64 MiB; this is not a relay inventory", path);
			fclose(f);
			free(buf);
			return NULL;
		}
	}
	if (ferror(f)) {
		snprintf(cause, clen, "cannot read '%s': %s", path,
		    strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Adds an error for every row whose agency does not exist. */
static int
permit_check_agencies(struct cmd_ctx *ctx, struct redis *r,
    struct permit_csv *csv, int *code)
{
	const char **ids = xcalloc(csv->nrows + 1, sizeof *ids);
	bool *exists = xcalloc(csv->nrows + 1, sizeof *exists);
	char cause[512];
	size_t i, k, n = 0;

	for (i = 0; i < csv->nrows; i++) {
		for (k = 0; k < n && strcmp(ids[k], csv->rows[i].agency) != 0;
		     k++)
			;
		if (k == n)
			ids[n++] = csv->rows[i].agency;
	}
	if (store_agencies_exist(r, ids, n, exists, cause, sizeof cause) ==
	    -1) {
		*code = policy_cmd_store_fail(ctx, r, cause);
		free(ids);
		free(exists);
		return -1;
	}
	for (i = 0; i < csv->nrows; i++) {
		for (k = 0; k < n && strcmp(ids[k], csv->rows[i].agency) != 0;
		     k++)
			;
		if (k < n && !exists[k])
			permit_csv_add_error(csv, csv->rows[i].line, "agency '%s' "
			    "does not exist; add it with 'agency add'",
			    csv->rows[i].agency);
	}
	free(ids);
	free(exists);
	return 0;
}

/* Reports every error; fails with their count (and the first in the
 * console, where only one line shows). */
static int
permit_report(struct cmd_ctx *ctx, const char *path,
    const struct permit_csv *csv)
{
	char first[512] = "";
	size_t i;

	for (i = 0; i < csv->nerrors; i++) {
		char where[400];

		if (csv->errors[i].line > 0)
			snprintf(where, sizeof where, "%s:%d", path,
			    csv->errors[i].line);
		else
			snprintf(where, sizeof where, "%s", path);
		if (i == 0)
			snprintf(first, sizeof first, "%s: %s", where,
			    csv->errors[i].msg);
		if (!cmd_in_console(ctx))
			fprintf(stderr, "%s: %s\n", where, csv->errors[i].msg);
	}
	if (!cmd_in_console(ctx))
		return cmd_fail(ctx, EXIT_FAILED, "permit import: %s: %zu "
		    "error%s; nothing was imported", path, csv->nerrors,
		    csv->nerrors == 1 ? "" : "s");
	return cmd_fail(ctx, EXIT_FAILED, "permit import: %zu error%s, nothing "
	    "was imported; first: %s", csv->nerrors, csv->nerrors == 1 ? "" :
	    "s", first);
}

static int
permit_import(const struct cmd *c, struct cmd_ctx *ctx)
{
	const char *path = c->argv[1];
	struct permit_csv csv;
	struct redis *r;
	char cause[512], who[STORE_WHO_MAX], *data;
	size_t len, added = 0, replaced = 0, i, k;
	json_t *warnings;
	int code;

	if ((data = permit_read_file(path, &len, cause, sizeof cause)) == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "permit import: %s", cause);
	permit_csv_parse(data, len, &csv);
	free(data);
	if ((r = policy_cmd_redis(ctx, "cannot import the permits", &code)) ==
	    NULL) {
		permit_csv_free(&csv);
		return code;
	}
	if (permit_check_agencies(ctx, r, &csv, &code) == -1) {
		permit_csv_free(&csv);
		return code;
	}
	if (csv.nerrors > 0) {
		code = permit_report(ctx, path, &csv);
		permit_csv_free(&csv);
		return code;
	}
	if (ctx->dry_run) {
		struct permit_list l;

		if (store_permits_list(r, NULL, &l, cause, sizeof cause) == -1) {
			permit_csv_free(&csv);
			return policy_cmd_store_fail(ctx, r, cause);
		}
		for (i = 0; i < csv.nrows; i++) {
			for (k = 0; k < l.n && strcmp(l.v[k].ip,
			    csv.rows[i].ip) != 0; k++)
				;
			if (k < l.n)
				replaced++;
			else
				added++;
		}
		permit_list_free(&l);
	} else {
		char what[600];

		/* A replaced permit's agency is gone: above the threshold the
		 * count is typed. */
		snprintf(what, sizeof what, "import %zu relay permit%s from %s, "
		    "replacing the permits of the same IPs", csv.nrows,
		    csv.nrows == 1 ? "" : "s", path);
		if ((code = cmd_confirm(ctx, what, (long)csv.nrows,
		    confirm_typed((long)csv.nrows, true, false))) != CONFIRM_GO) {
			permit_csv_free(&csv);
			return code;
		}
		policy_cmd_who(who, sizeof who);
		cmd_touch(ctx, "redis");
		if (store_permit_import_counted(r, csv.rows, csv.nrows, who,
		    (long long)time(NULL), &added, &replaced, cause,
		    sizeof cause) == -1) {
			permit_csv_free(&csv);
			return policy_cmd_store_fail(ctx, r, cause);
		}
		cmd_said(ctx, "%s: %zu permits imported: %zu added, %zu "
		    "replaced", path, csv.nrows, added, replaced);
	}
	/* Agencies whose SPF does not pass from every gateway: warned. */
	warnings = json_array();
	spf_cmd_import_warnings(ctx, r, csv.rows, csv.nrows, warnings);
	if (ctx->json)
		cmd_json_print(ctx, json_pack("{s:s,s:I,s:I,s:I,s:b,s:o}",
		    "file", path, "rows", (json_int_t)csv.nrows, "added",
		    (json_int_t)added, "replaced", (json_int_t)replaced,
		    "dry_run", ctx->dry_run, "spf_warnings", warnings));
	else if (ctx->dry_run)
		fprintf(ctx->out, "dry run: %s: %zu permit%s are good (%zu new, "
		    "%zu replacing); nothing was imported\n", path, csv.nrows,
		    csv.nrows == 1 ? "" : "s", added, replaced);
	else
		fprintf(ctx->out, "%s: %zu permit%s imported: %zu added, %zu "
		    "replaced\n", path, csv.nrows, csv.nrows == 1 ? "" : "s",
		    added, replaced);
	for (i = 0; !ctx->json && i < json_array_size(warnings); i++)
		fprintf(ctx->out, "warning: %s\n", json_string_value(
		    json_array_get(warnings, i)));
	if (!ctx->json)
		json_decref(warnings);
	permit_csv_free(&csv);
	return EXIT_OK;
}

static const struct permit_sub permit_subs[] = {
	{ "add", "permit add IP AGENCY [--app TEXT] [--expected N]", 2, 2,
	    true, permit_add },
	{ "remove", "permit remove IP", 1, 1, true, permit_remove },
	{ "list", "permit list [AGENCY]", 0, 1, false, permit_list },
	{ "import", "permit import FILE.csv [--dry-run]", 1, 1, true,
	    permit_import },
};

/* The subcommand of `c` with its arguments counted; NULL with ctx->cause
 * and *code set. */
static const struct permit_sub *
permit_sub_check(const struct cmd *c, struct cmd_ctx *ctx, int *code)
{
	const struct permit_sub *s = NULL;
	size_t i;
	int n = c->argc - 1;

	for (i = 0; i < sizeof permit_subs / sizeof permit_subs[0]; i++) {
		if (strcmp(c->argv[0], permit_subs[i].name) == 0)
			s = &permit_subs[i];
	}
	if (s == NULL)
		*code = cmd_fail(ctx, EXIT_USAGE, "permit: no subcommand '%s'; "
		    "use add, remove, list or import", c->argv[0]);
	else if (n < s->min || n > s->max)
		*code = cmd_fail(ctx, EXIT_USAGE, "permit %s: %s; usage: %s",
		    s->name, n < s->min ? "missing argument" :
		    "too many arguments", s->usage);
	else if (s->exec != permit_add && (cmd_option(c, "app") != NULL ||
	    cmd_option(c, "expected") != NULL))
		*code = cmd_fail(ctx, EXIT_USAGE, "permit %s: --%s applies to "
		    "'permit add' only", s->name, cmd_option(c, "app") != NULL ?
		    "app" : "expected");
	else
		return s;
	return NULL;
}

static int
cmd_permit_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct permit_sub *s;
	int code;

	if ((s = permit_sub_check(c, ctx, &code)) == NULL)
		return code;
	return s->exec(c, ctx);
}

/*
 * add, remove and import checked where the user is, and the console's
 * question. In the console, a file to import is read and checked here:
 * what needs Redis (the agencies exist) is checked by the job.
 */
static int
cmd_permit_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	const struct permit_sub *s;
	char ip[STORE_IP_MAX], cause[512], *data;
	struct permit_csv csv;
	long long expected;
	const char *why;
	size_t len;
	int code;

	if ((s = permit_sub_check(c, ctx, &code)) == NULL)
		return code;
	if (s->exec == permit_list)
		return c->argc > 1 ? permit_agency_arg(ctx, "list", c->argv[1]) :
		    EXIT_OK;
	if (s->exec == permit_add) {
		if ((code = permit_add_check(c, ctx, ip, sizeof ip,
		    &expected)) != EXIT_OK)
			return code;
		cmd_set_arg(c, 1, ip);
		snprintf(ask->question, sizeof ask->question, "permit %s to "
		    "relay for agency %s", ip, c->argv[2]);
	} else if (s->exec == permit_remove) {
		if ((why = validate_ip_canon(c->argv[1], ip, sizeof ip)) != NULL)
			return cmd_fail(ctx, EXIT_USAGE, "cannot remove the "
			    "permit of '%s': %s", c->argv[1], why);
		cmd_set_arg(c, 1, ip);
		snprintf(ask->question, sizeof ask->question, "remove the relay "
		    "permit of %s", ip);
	} else if (s->exec == permit_import && ctx->ui != NULL) {
		if ((data = permit_read_file(c->argv[1], &len, cause,
		    sizeof cause)) == NULL)
			return cmd_fail(ctx, EXIT_USAGE, "permit import: %s",
			    cause);
		permit_csv_parse(data, len, &csv);
		free(data);
		code = csv.nerrors > 0 ? permit_report(ctx, c->argv[1], &csv) :
		    EXIT_OK;
		snprintf(ask->question, sizeof ask->question, "import %zu relay "
		    "permit%s from %s", csv.nrows, csv.nrows == 1 ? "" : "s",
		    c->argv[1]);
		permit_csv_free(&csv);
		return code;
	}
	return EXIT_OK;
}

static const struct cmd_sub cmd_permit_subs[] = {
	{ "add", "IP AGENCY", CMD_MUTATES, NULL },
	{ "remove", "IP", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ "list", "[AGENCY]", 0, "agencies" },
	{ "import", "FILE.csv", CMD_MUTATES | CMD_CONFIRM, NULL },
	{ NULL, NULL, 0, NULL },
};

const struct cmd_entry cmd_permit_entry = {
	.name = "permit",
	.alias = NULL,
	.usage = "add IP AGENCY|remove IP|list [AGENCY]|import FILE.csv",
	.help = "relay permits: which client IPs may relay, for which agency",
	.options = cmd_permit_options,
	.subs = cmd_permit_subs,
	.min_args = 1,
	.max_args = 3,
	.flags = CMD_NEEDS_REDIS | CMD_DATA,
	.prepare = cmd_permit_prepare,
	.exec = cmd_permit_exec,
};
