/* The command table, the parser that fills a struct cmd, and cmd_exec. */
#include "core/cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backends/redis.h"
#include "backends/snapshot.h"
#include "core/exitcode.h"
#include "core/model.h"
#include "core/xalloc.h"

extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_nodes_entry;
extern const struct cmd_entry cmd_clusters_entry;
extern const struct cmd_entry cmd_events_entry;
extern const struct cmd_entry cmd_queue_entry;
extern const struct cmd_entry cmd_drain_entry;
extern const struct cmd_entry cmd_undrain_entry;
extern const struct cmd_entry cmd_block_entry;
extern const struct cmd_entry cmd_unblock_entry;
extern const struct cmd_entry cmd_extend_entry;
extern const struct cmd_entry cmd_blocks_entry;
extern const struct cmd_entry cmd_permit_entry;
extern const struct cmd_entry cmd_agency_entry;
extern const struct cmd_entry cmd_agencies_entry;
extern const struct cmd_entry cmd_backups_entry;
extern const struct cmd_entry cmd_restore_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_view_entry;
extern const struct cmd_entry cmd_filter_entry;
extern const struct cmd_entry cmd_prompt_entry;
extern const struct cmd_entry cmd_refresh_entry;
extern const struct cmd_entry cmd_move_entry;
extern const struct cmd_entry cmd_quit_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_status_entry,
	&cmd_nodes_entry,
	&cmd_clusters_entry,
	&cmd_events_entry,
	&cmd_queue_entry,
	&cmd_drain_entry,
	&cmd_undrain_entry,
	&cmd_block_entry,
	&cmd_unblock_entry,
	&cmd_extend_entry,
	&cmd_blocks_entry,
	&cmd_permit_entry,
	&cmd_agency_entry,
	&cmd_agencies_entry,
	&cmd_backups_entry,
	&cmd_restore_entry,
	&cmd_help_entry,
	&cmd_view_entry,
	&cmd_filter_entry,
	&cmd_prompt_entry,
	&cmd_refresh_entry,
	&cmd_move_entry,
	&cmd_quit_entry,
};
const size_t cmd_table_size = sizeof cmd_table / sizeof cmd_table[0];

/* Options every command accepts, in batch mode and at the prompt. */
static const struct cmd_option cmd_common_options[] = {
	{ "json", 0, "print the result as JSON" },
	{ "yes", 0, "do it without asking" },
	{ "dry-run", 0, "show what would be done, do nothing" },
	{ NULL, 0, NULL },
};

const struct cmd_entry *
cmd_find(const char *name, char *cause, size_t len)
{
	const struct cmd_entry *found = NULL;
	char list[256] = "";
	size_t i, n = 0, off = 0, nlen = strlen(name);

	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];

		if (strcmp(e->name, name) == 0 ||
		    (e->alias != NULL && strcmp(e->alias, name) == 0))
			return e;
	}
	for (i = 0; i < cmd_table_size && nlen > 0; i++) {
		const struct cmd_entry *e = cmd_table[i];

		if (strncmp(e->name, name, nlen) != 0)
			continue;
		found = e;
		n++;
		if (off < sizeof list)
			off += (size_t)snprintf(list + off, sizeof list - off,
			    "%s%s", n > 1 ? ", " : "", e->name);
	}
	if (n == 1)
		return found;
	if (n > 1)
		snprintf(cause, len, "ambiguous command '%s': %s", name, list);
	else
		snprintf(cause, len, "unknown command '%s'; see 'help'", name);
	return NULL;
}

static const struct cmd_option *
cmd_find_option(const struct cmd_entry *e, const char *name, size_t nlen)
{
	const struct cmd_option *o;

	for (o = e->options; o != NULL && o->name != NULL; o++) {
		if (strlen(o->name) == nlen && strncmp(o->name, name, nlen) == 0)
			return o;
	}
	for (o = cmd_common_options; o->name != NULL; o++) {
		if (strlen(o->name) == nlen && strncmp(o->name, name, nlen) == 0)
			return o;
	}
	return NULL;
}

int
cmd_parse_argv(int argc, char *const *argv, struct cmd *c, char *cause,
    size_t len)
{
	const struct cmd_entry *e;
	int i, only_args = 0;
	char usage[256];

	memset(c, 0, sizeof *c);
	if (argc < 1 || argv[0][0] == '\0') {
		snprintf(cause, len, "no command given; see 'help'");
		return -1;
	}
	if ((e = cmd_find(argv[0], cause, len)) == NULL)
		return -1;
	c->entry = e;
	cmd_usage_line(e, usage, sizeof usage);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *value;
		const struct cmd_option *o;
		size_t nlen;

		if (!only_args && strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (only_args || strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (c->argc == CMD_MAX_ARGS) {
				snprintf(cause, len, "%s: too many arguments",
				    e->name);
				return -1;
			}
			c->argv[c->argc++] = a;
			continue;
		}
		eq = strchr(a + 2, '=');
		nlen = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
		if ((o = cmd_find_option(e, a + 2, nlen)) == NULL) {
			snprintf(cause, len, "%s: unknown option '%.*s'; usage: %s",
			    e->name, (int)nlen + 2, a, usage);
			return -1;
		}
		if (!o->has_value && eq != NULL) {
			snprintf(cause, len, "%s: option '--%s' takes no value",
			    e->name, o->name);
			return -1;
		}
		value = eq != NULL ? eq + 1 : "";
		if (o->has_value && eq == NULL) {
			if (i + 1 >= argc) {
				snprintf(cause, len, "%s: option '--%s' needs a "
				    "value", e->name, o->name);
				return -1;
			}
			value = argv[++i];
		}
		if (o->has_value && value[0] == '\0') {
			snprintf(cause, len, "%s: option '--%s' needs a "
			    "non-empty value", e->name, o->name);
			return -1;
		}
		if (strcmp(o->name, "json") == 0)
			c->json = true;
		else if (strcmp(o->name, "yes") == 0)
			c->yes = true;
		else if (strcmp(o->name, "dry-run") == 0)
			c->dry_run = true;
		else if (c->nopts < CMD_MAX_ARGS) {
			c->opts[c->nopts].opt = o;
			c->opts[c->nopts].value = value;
			c->nopts++;
		}
	}
	if (c->argc < e->min_args) {
		snprintf(cause, len, "%s: missing argument; usage: %s", e->name,
		    usage);
		return -1;
	}
	if (e->max_args >= 0 && c->argc > e->max_args) {
		snprintf(cause, len, "%s: unexpected argument '%s'; usage: %s",
		    e->name, c->argv[e->max_args], usage);
		return -1;
	}
	return 0;
}

/* Splits a line into words in `buf` (same size as line + 1). */
static int
cmd_split(const char *line, char *buf, char **words, int max, char *cause,
    size_t len)
{
	const char *p = line;
	char *o = buf;
	int n = 0;

	for (;;) {
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == max) {
			snprintf(cause, len, "too many words in '%s'", line);
			return -1;
		}
		words[n++] = o;
		for (; *p != '\0'; p++) {
			if (quote != 0) {
				if (*p == quote)
					quote = 0;
				else if (*p == '\\' && quote == '"' &&
				    p[1] != '\0')
					*o++ = *++p;
				else
					*o++ = *p;
			} else if (*p == '\'' || *p == '"')
				quote = *p;
			else if (*p == '\\' && p[1] != '\0')
				*o++ = *++p;
			else if (*p == ' ' || *p == '\t')
				break;
			else
				*o++ = *p;
		}
		if (quote != 0) {
			snprintf(cause, len, "unterminated %s quote in '%s'",
			    quote == '"' ? "double" : "single", line);
			return -1;
		}
		*o++ = '\0';
	}
	return n;
}

int
cmd_parse_string(const char *line, struct cmd *c, char *cause, size_t len)
{
	char *words[CMD_MAX_ARGS + 1], *buf;
	int n;

	buf = xmalloc(strlen(line) + 1);
	if ((n = cmd_split(line, buf, words, CMD_MAX_ARGS + 1, cause,
		 len)) == -1) {
		free(buf);
		memset(c, 0, sizeof *c);
		return -1;
	}
	if (cmd_parse_argv(n, words, c, cause, len) == -1) {
		free(buf);
		return -1;
	}
	c->strings = buf;
	return 0;
}

void
cmd_free(struct cmd *c)
{
	free(c->strings);
	c->strings = NULL;
}

const char *
cmd_option(const struct cmd *c, const char *name)
{
	int i;

	for (i = 0; i < c->nopts; i++) {
		if (strcmp(c->opts[i].opt->name, name) == 0)
			return c->opts[i].value;
	}
	return NULL;
}

void
cmd_json_print(struct cmd_ctx *ctx, json_t *o)
{
	json_dumpf(o, ctx->out, JSON_COMPACT);
	fputc('\n', ctx->out);
	json_decref(o);
}

int
cmd_show_view(struct cmd_ctx *ctx, const char *view)
{
	return ctx->ui->view(ctx->ui_data, view, ctx->cause,
		   sizeof ctx->cause) == 0 ? EXIT_OK : EXIT_USAGE;
}

int
cmd_fail(struct cmd_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->cause, sizeof ctx->cause, fmt, ap);
	va_end(ap);
	return code;
}

int
cmd_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct cmd_entry *e = c->entry;

	ctx->cause[0] = '\0';
	if ((e->flags & CMD_UI_ONLY) && ctx->ui == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "%s: only available in the "
		    "console", e->name);
	if ((e->flags & CMD_MUTATES) && ctx->read_only)
		return cmd_fail(ctx, EXIT_DENIED, "%s: refused in read-only "
		    "mode; it changes the service", e->name);
	if (c->json)
		ctx->json = true;
	if (c->yes)
		ctx->yes = true;
	if (c->dry_run)
		ctx->dry_run = true;
	return e->exec(c, ctx);
}

struct snapshot *
cmd_snapshot(struct cmd_ctx *ctx, int *code)
{
	struct snapshot_query q;

	if (ctx->snap != NULL)
		return ctx->snap;
	if (ctx->redis == NULL) {
		ctx->redis = xmalloc(sizeof *ctx->redis);
		redis_init(ctx->redis, ctx->cfg);
	}
	snapshot_query_build(&q, ctx->cfg, NULL, 0);
	ctx->snap = snapshot_fetch(ctx->redis, &q);
	snapshot_query_free(&q);
	if (ctx->snap == NULL) {
		*code = cmd_fail(ctx, redis_exit_code(ctx->redis), "%s",
		    ctx->redis->errstr);
		return NULL;
	}
	return ctx->snap;
}

void
cmd_usage_line(const struct cmd_entry *e, char *buf, size_t len)
{
	const struct cmd_option *o;
	size_t off;

	size_t nopts = 0;

	for (o = e->options; o != NULL && o->name != NULL; o++)
		nopts++;
	off = (size_t)snprintf(buf, len, "%s", e->name);
	/* Many options make a usage line nobody reads: 'help NAME' lists them. */
	if (nopts > 3)
		off += (size_t)snprintf(buf + off, len - off, " [OPTIONS]");
	for (o = e->options; nopts <= 3 && o != NULL && o->name != NULL &&
	     off < len; o++)
		off += (size_t)snprintf(buf + off, len - off, " [--%s%s]",
		    o->name, o->has_value ? " VALUE" : "");
	if (off < len && e->usage != NULL && e->usage[0] != '\0')
		snprintf(buf + off, len - off, " %s", e->usage);
}

void
cmd_print_help(FILE *f, bool read_only)
{
	char usage[256];
	size_t i;

	fprintf(f, "commands (batch: mailnoc [options] COMMAND [ARGS]; "
	    "console: ':' then COMMAND):\n");
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];

		if (read_only && (e->flags & CMD_MUTATES))
			continue;
		cmd_usage_line(e, usage, sizeof usage);
		fprintf(f, "  %-34s %s%s\n", usage, e->help,
		    (e->flags & CMD_UI_ONLY) ? " (console)" : "");
	}
	fprintf(f, "Every command takes --json, --yes and --dry-run; a unique "
	    "prefix of a name is enough.\n");
}

void
cmd_print_usage(FILE *f, const struct cmd_entry *e)
{
	const struct cmd_option *o;
	char usage[256];

	cmd_usage_line(e, usage, sizeof usage);
	fprintf(f, "usage: %s\n%s\n", usage, e->help);
	if (e->alias != NULL)
		fprintf(f, "alias: %s\n", e->alias);
	for (o = e->options; o != NULL && o->name != NULL; o++)
		fprintf(f, "  --%s%s  %s\n", o->name, o->has_value ? " VALUE" : "",
		    o->help);
	if (e->flags & CMD_MUTATES)
		fprintf(f, "changes the service: refused in read-only mode\n");
	if (e->flags & CMD_CONFIRM)
		fprintf(f, "asks for confirmation; batch mode needs --yes\n");
	if (e->flags & CMD_DATA)
		fprintf(f, "--json prints the result as JSON\n");
	if (e->flags & CMD_UI_ONLY)
		fprintf(f, "only available in the console\n");
}
