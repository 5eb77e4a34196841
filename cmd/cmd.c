/* The command table, the parser that fills a struct cmd, and cmd_exec. */
#include "cmd/cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backends/redis.h"
#include "backends/snapshot.h"
#include "cmd/confirm.h"
#include "core/exitcode.h"
#include "core/model.h"
#include "core/suggest.h"
#include "core/xalloc.h"

extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_nodes_entry;
extern const struct cmd_entry cmd_clusters_entry;
extern const struct cmd_entry cmd_events_entry;
extern const struct cmd_entry cmd_alerts_entry;
extern const struct cmd_entry cmd_ack_entry;
extern const struct cmd_entry cmd_silence_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_providers_entry;
extern const struct cmd_entry cmd_clients_entry;
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
extern const struct cmd_entry cmd_reputation_entry;
extern const struct cmd_entry cmd_filters_entry;
extern const struct cmd_entry cmd_quarantine_entry;
extern const struct cmd_entry cmd_spf_entry;
extern const struct cmd_entry cmd_backups_entry;
extern const struct cmd_entry cmd_restore_entry;
extern const struct cmd_entry cmd_cancel_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_batch_entry;
extern const struct cmd_entry cmd_acl_entry;
extern const struct cmd_entry cmd_sudoers_entry;
extern const struct cmd_entry cmd_completion_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_view_entry;
extern const struct cmd_entry cmd_filter_entry;
extern const struct cmd_entry cmd_prompt_entry;
extern const struct cmd_entry cmd_refresh_entry;
extern const struct cmd_entry cmd_move_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_messages_entry;
extern const struct cmd_entry cmd_trace_entry;
extern const struct cmd_entry cmd_bulk_entry;
extern const struct cmd_entry cmd_copy_entry;
extern const struct cmd_entry cmd_notify_entry;
extern const struct cmd_entry cmd_mailboxes_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_status_entry,
	&cmd_nodes_entry,
	&cmd_clusters_entry,
	&cmd_events_entry,
	&cmd_alerts_entry,
	&cmd_ack_entry,
	&cmd_silence_entry,
	&cmd_check_entry,
	&cmd_providers_entry,
	&cmd_clients_entry,
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
	&cmd_reputation_entry,
	&cmd_filters_entry,
	&cmd_quarantine_entry,
	&cmd_spf_entry,
	&cmd_backups_entry,
	&cmd_restore_entry,
	&cmd_cancel_entry,
	&cmd_audit_entry,
	&cmd_batch_entry,
	&cmd_acl_entry,
	&cmd_sudoers_entry,
	&cmd_completion_entry,
	&cmd_help_entry,
	&cmd_view_entry,
	&cmd_filter_entry,
	&cmd_prompt_entry,
	&cmd_refresh_entry,
	&cmd_move_entry,
	&cmd_quit_entry,
	&cmd_logs_entry,
	&cmd_messages_entry,
	&cmd_trace_entry,
	&cmd_bulk_entry,
	&cmd_copy_entry,
	&cmd_notify_entry,
	&cmd_mailboxes_entry,
};
const size_t cmd_table_size = sizeof cmd_table / sizeof cmd_table[0];

/* Options every command accepts, in batch mode and at the prompt. */
static const struct cmd_option cmd_common_options[] = {
	{ "json", 0, "print the result as JSON" },
	{ "yes", 0, "do it without asking" },
	{ "dry-run", 0, "show what would be done, do nothing" },
	{ "help", 0, "explain the command and do nothing else" },
	{ NULL, 0, NULL },
};

/* The command name a mistyped word was most likely meant to be. */
static const char *
cmd_nearest(const char *word)
{
	const char *names[64];
	size_t i, n = 0;

	for (i = 0; i < cmd_table_size && n < sizeof names / sizeof names[0];
	     i++)
		names[n++] = cmd_table[i]->name;
	return suggest_best(word, names, n);
}

/* The option name (of e or common) a mistyped one was meant to be. */
static const char *
cmd_nearest_option(const struct cmd_entry *e, const char *word, size_t len)
{
	const struct cmd_option *o;
	const char *names[64];
	char w[64];
	size_t n = 0;

	snprintf(w, sizeof w, "%.*s", (int)len, word);
	for (o = e->options; o != NULL && o->name != NULL && n < 60; o++)
		names[n++] = o->name;
	for (o = cmd_common_options; o->name != NULL; o++)
		names[n++] = o->name;
	return suggest_best(w, names, n);
}

const struct cmd_entry *
cmd_find(const char *name, char *cause, size_t len)
{
	const struct cmd_entry *found = NULL;
	const char *near;
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
	else if ((near = cmd_nearest(name)) != NULL)
		snprintf(cause, len, "unknown command '%s'; did you mean '%s'? "
		    "see 'help'", name, near);
	else
		snprintf(cause, len, "unknown command '%s'; see 'help'", name);
	return NULL;
}

/* Whether `word` named e by a prefix rather than its name or alias. */
static bool
cmd_by_prefix(const struct cmd_entry *e, const char *word)
{
	return strcmp(e->name, word) != 0 &&
	    (e->alias == NULL || strcmp(e->alias, word) != 0);
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

static int cmd_parse_words(int, char *const *, struct cmd *, char *,
    size_t);

int
cmd_parse_argv(int argc, char *const *argv, struct cmd *c, char *cause,
    size_t len)
{
	if (cmd_parse_words(argc, argv, c, cause, len) == -1) {
		free(c->argv);
		c->argv = NULL;
		return -1;
	}
	return 0;
}

static int
cmd_parse_words(int argc, char *const *argv, struct cmd *c, char *cause,
    size_t len)
{
	const struct cmd_entry *e;
	int i, only_args = 0;
	bool help = false;
	char usage[256];

	memset(c, 0, sizeof *c);
	if (argc < 1 || argv[0][0] == '\0') {
		snprintf(cause, len, "no command given; see 'help'");
		return -1;
	}
	if ((e = cmd_find(argv[0], cause, len)) == NULL)
		return -1;
	c->entry = e;
	c->argv = xcalloc((size_t)argc + 1, sizeof *c->argv);
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
			c->argv[c->argc++] = a;
			continue;
		}
		eq = strchr(a + 2, '=');
		nlen = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
		if ((o = cmd_find_option(e, a + 2, nlen)) == NULL) {
			const char *near = cmd_nearest_option(e, a + 2, nlen);

			if (near != NULL)
				snprintf(cause, len, "%s: unknown option '%.*s'; "
				    "did you mean '--%s'? usage: %s", e->name,
				    (int)nlen + 2, a, near, usage);
			else
				snprintf(cause, len, "%s: unknown option '%.*s'; "
				    "usage: %s", e->name, (int)nlen + 2, a, usage);
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
		if (strcmp(o->name, "help") == 0)
			help = true;
		else if (strcmp(o->name, "json") == 0)
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
	/* COMMAND --help is 'help COMMAND', whatever else the line says. */
	if (help) {
		c->entry = &cmd_help_entry;
		c->argv[0] = e->name;
		c->argc = 1;
		c->nopts = 0;
		c->yes = c->dry_run = false;
		return 0;
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
	/* A prefix saves typing for what only reads; what changes the
	 * service is named in full (a typo must not run 'unblock'). */
	if (cmd_by_prefix(e, argv[0]) && (cmd_flags(c) & CMD_MUTATES)) {
		snprintf(cause, len, "'%s' is short for '%s', which changes "
		    "the service: type its whole name", argv[0], e->name);
		return -1;
	}
	return 0;
}

/* Splits a line into words in `buf` (same size as line + 1); `words` has
 * room for one word every two bytes of the line. */
static int
cmd_split(const char *line, char *buf, char **words, char *cause,
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
	char **words, *buf;
	size_t size = strlen(line) + 1;
	int n;

	buf = xmalloc(size);
	words = xcalloc(size / 2 + 2, sizeof *words);
	if ((n = cmd_split(line, buf, words, cause, len)) == -1 ||
	    cmd_parse_argv(n, words, c, cause, len) == -1) {
		free(words);
		free(buf);
		memset(c, 0, sizeof *c);
		return -1;
	}
	free(words);
	c->strings = buf;
	return 0;
}

void
cmd_free(struct cmd *c)
{
	int i;

	free(c->strings);
	c->strings = NULL;
	free(c->argv);
	c->argv = NULL;
	c->argc = 0;
	for (i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	c->owned = NULL;
	c->nowned = 0;
}

/* A copy of `s` that `c` owns. */
static const char *
cmd_own(struct cmd *c, const char *s)
{
	c->owned = xreallocarray(c->owned, (size_t)c->nowned + 1,
	    sizeof *c->owned);
	return c->owned[c->nowned++] = xstrdup(s);
}

void
cmd_copy(struct cmd *dst, const struct cmd *src)
{
	int i;

	memset(dst, 0, sizeof *dst);
	dst->entry = src->entry;
	dst->json = src->json;
	dst->yes = src->yes;
	dst->dry_run = src->dry_run;
	dst->argv = xcalloc((size_t)src->argc + 1, sizeof *dst->argv);
	for (i = 0; i < src->argc; i++)
		dst->argv[i] = cmd_own(dst, src->argv[i]);
	dst->argc = src->argc;
	for (i = 0; i < src->nopts; i++) {
		dst->opts[i].opt = src->opts[i].opt;
		dst->opts[i].value = cmd_own(dst, src->opts[i].value);
	}
	dst->nopts = src->nopts;
}

void
cmd_set_arg(struct cmd *c, int i, const char *arg)
{
	if (i >= c->argc) {
		c->argv = xreallocarray(c->argv, (size_t)c->argc + 2,
		    sizeof *c->argv);
		i = c->argc++;
		c->argv[c->argc] = NULL;
	}
	c->argv[i] = cmd_own(c, arg);
}

int
cmd_set_option(struct cmd *c, const char *name, const char *value)
{
	const struct cmd_option *o;
	int i;

	for (o = c->entry->options; o != NULL && o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0)
			break;
	}
	if (o == NULL || o->name == NULL)
		return -1;
	for (i = 0; i < c->nopts && c->opts[i].opt != o; i++)
		;
	if (i == c->nopts) {
		if (c->nopts == CMD_MAX_ARGS)
			return -1;
		c->nopts++;
	}
	c->opts[i].opt = o;
	c->opts[i].value = cmd_own(c, value);
	return 0;
}

/* Appends `w` to buf, quoted as cmd_parse_string reads it back; *off
 * counts the whole line, written or not. */
static void
cmd_print_word(char *buf, size_t len, size_t *off, const char *w)
{
	bool quote = w[0] == '\0' || strpbrk(w, " \t'\"\\") != NULL;
	const char *p;

#define CMD_PUT(ch) do {						\
	if (*off + 1 < len)						\
		buf[*off] = (ch);					\
	(*off)++;							\
} while (0)
	if (*off > 0)
		CMD_PUT(' ');
	if (quote)
		CMD_PUT('"');
	for (p = w; *p != '\0'; p++) {
		if (quote && (*p == '"' || *p == '\\'))
			CMD_PUT('\\');
		CMD_PUT(*p);
	}
	if (quote)
		CMD_PUT('"');
#undef CMD_PUT
}

size_t
cmd_print(const struct cmd *c, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	cmd_print_word(buf, len, &off, c->entry->name);
	for (i = 0; i < c->argc; i++)
		cmd_print_word(buf, len, &off, c->argv[i]);
	for (i = 0; i < c->nopts; i++) {
		char opt[64];

		snprintf(opt, sizeof opt, "--%s", c->opts[i].opt->name);
		cmd_print_word(buf, len, &off, opt);
		if (c->opts[i].opt->has_value)
			cmd_print_word(buf, len, &off, c->opts[i].value);
	}
	if (c->json)
		cmd_print_word(buf, len, &off, "--json");
	if (c->yes)
		cmd_print_word(buf, len, &off, "--yes");
	if (c->dry_run)
		cmd_print_word(buf, len, &off, "--dry-run");
	if (len > 0)
		buf[off < len ? off : len - 1] = '\0';
	return off;
}

int
cmd_selection(struct cmd_ctx *ctx, const char *what, char ***out)
{
	*out = NULL;
	if (ctx->ui == NULL || ctx->ui->selection == NULL)
		return -1;
	return ctx->ui->selection(ctx->ui_data, what, out);
}

void
cmd_selection_free(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

const char *
cmd_view(const struct cmd *c)
{
	const struct cmd_sub *s;

	if (c->argc > 0 && (s = cmd_sub_find(c->entry, c->argv[0])) != NULL &&
	    s->view != NULL)
		return s->view;
	return c->entry->view;
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
	json_t *prev = ctx->json_held;

	/* The last object may yet have to say that the audit record is lost. */
	if (ctx->json_hold) {
		ctx->json_held = o;
		if (prev == NULL)
			return;
		o = prev;
	}
	json_dumpf(o, ctx->out, JSON_COMPACT);
	fputc('\n', ctx->out);
	json_decref(o);
}

bool
cmd_in_console(const struct cmd_ctx *ctx)
{
	return ctx->ui != NULL || (ctx->via != NULL &&
	    strcmp(ctx->via, "console") == 0);
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

const struct cmd_sub *
cmd_sub_find(const struct cmd_entry *e, const char *name)
{
	const struct cmd_sub *s;

	for (s = e->subs; s != NULL && s->name != NULL; s++) {
		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* The first two words of `line` into a and b (empty when absent). */
static void
cmd_two_words(const char *line, char *a, size_t alen, char *b, size_t blen)
{
	size_t n;

	line += strspn(line, " \t");
	n = strcspn(line, " \t");
	snprintf(a, alen, "%.*s", (int)n, line);
	line += n;
	line += strspn(line, " \t");
	n = strcspn(line, " \t");
	snprintf(b, blen, "%.*s", (int)n, line);
}

int
cmd_line_flags(const char *line)
{
	const struct cmd_entry *e;
	const struct cmd_sub *s;
	char a[64], b[64], cause[256];

	cmd_two_words(line, a, sizeof a, b, sizeof b);
	if (a[0] == '\0' || (e = cmd_find(a, cause, sizeof cause)) == NULL)
		return 0;
	if ((s = cmd_sub_find(e, b)) != NULL)
		return e->flags | s->flags;
	return e->flags;
}

int
cmd_flags(const struct cmd *c)
{
	const struct cmd_entry *e = c->entry;
	const struct cmd_sub *s;

	if ((e->flags & CMD_ARG_COMMAND) && c->argc > 0 &&
	    strpbrk(c->argv[0], " \t") != NULL)
		return e->flags | cmd_line_flags(c->argv[0]);
	if (c->argc > 0 && (s = cmd_sub_find(e, c->argv[0])) != NULL)
		return e->flags | s->flags;
	return e->flags;
}

/* "queue hold", "block" (for a prompt: the command it begins). */
void
cmd_what(const struct cmd *c, char *buf, size_t len)
{
	const struct cmd_entry *e = c->entry;
	char a[64], b[64], cause[256];

	if ((e->flags & CMD_ARG_COMMAND) && c->argc > 0) {
		cmd_two_words(c->argv[0], a, sizeof a, b, sizeof b);
		if ((e = cmd_find(a, cause, sizeof cause)) == NULL)
			e = c->entry;
		snprintf(buf, len, "%s%s%s", e->name, cmd_sub_find(e, b) ?
		    " " : "", cmd_sub_find(e, b) ? b : "");
		return;
	}
	snprintf(buf, len, "%s%s%s", e->name, c->argc > 0 &&
	    cmd_sub_find(e, c->argv[0]) ? " " : "", c->argc > 0 &&
	    cmd_sub_find(e, c->argv[0]) ? c->argv[0] : "");
}

int
cmd_refuse_read_only(struct cmd_ctx *ctx, const char *what)
{
	if (ctx->read_only_why == NULL)
		return cmd_fail(ctx, EXIT_DENIED, "%s: refused in read-only "
		    "mode; it changes the service", what);
	/* Short enough for an 80-column status line. */
	return cmd_fail(ctx, EXIT_DENIED, "%s: refused, read-only: %s", what,
	    ctx->read_only_why);
}

int
cmd_may_change(struct cmd_ctx *ctx, const char *what)
{
	if (ctx->read_only)
		return cmd_refuse_read_only(ctx, what);
	if (ctx->role_pending)
		return cmd_fail(ctx, EXIT_UNREACHABLE, "%s: refused, nothing was "
		    "done: %s", what, ctx->role_why != NULL ? ctx->role_why :
		    "the Redis user's role is not confirmed yet");
	return EXIT_OK;
}

const char *
cmd_read_only_acl(const char *user, char *buf, size_t len)
{
	snprintf(buf, len, "the Redis user '%s' may not write (ACL)",
	    user != NULL ? user : "default");
	return buf;
}

/* In the console, `view` takes the command. */
static int
cmd_show(struct cmd_ctx *ctx, const char *view, const struct cmd *c)
{
	return ctx->ui->show(ctx->ui_data, view, c, ctx->cause,
		   sizeof ctx->cause) == 0 ? EXIT_OK : EXIT_USAGE;
}

/*
 * The entry's preparation on a copy of the command, then: in batch mode
 * its exec; in the console its view when it has one, else the question
 * (cmd_confirm), whose yes runs the prepared command off the UI thread.
 */
static int
cmd_prepared(const struct cmd *c, struct cmd_ctx *ctx, int flags)
{
	struct cmd_ask ask;
	struct cmd run;
	int code;

	memset(&ask, 0, sizeof ask);
	cmd_copy(&run, c);
	if ((code = c->entry->prepare(&run, ctx, &ask)) != EXIT_OK)
		goto out;
	if (ask.view == NULL)
		ask.view = cmd_view(&run);
	if (ctx->ui == NULL)
		code = c->entry->exec(&run, ctx);
	else if (ask.view != NULL)
		code = cmd_show(ctx, ask.view, &run);
	else if (!(flags & (CMD_MUTATES | CMD_JOB)))
		code = c->entry->exec(&run, ctx);
	else {
		ctx->prepared = &run;
		code = cmd_confirm(ctx, ask.question, ask.count, ask.typed);
		ctx->prepared = NULL;
		if (code == CONFIRM_ASKED)
			code = EXIT_OK;
	}
out:
	cmd_free(&run);
	return code;
}

static int
cmd_run(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct cmd_entry *e = c->entry;
	int flags = cmd_flags(c);
	char what[160];

	ctx->cause[0] = '\0';
	/* First, so that a refusal is printed as JSON when asked for. */
	if (c->json)
		ctx->json = true;
	if (c->yes)
		ctx->yes = true;
	if (c->dry_run)
		ctx->dry_run = true;
	cmd_what(c, what, sizeof what);
	if ((flags & CMD_UI_ONLY) && ctx->ui == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "%s: only available in the "
		    "console", what);
	if ((flags & CMD_MUTATES) && (ctx->read_only || ctx->role_pending))
		return cmd_may_change(ctx, what);
	if (e->prepare != NULL)
		return cmd_prepared(c, ctx, flags);
	if (ctx->ui != NULL && cmd_view(c) != NULL)
		return cmd_show(ctx, cmd_view(c), c);
	return e->exec(c, ctx);
}

int
cmd_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	int code;

	ctx->refused = false;
	ctx->touched[0] = ctx->said[0] = '\0';
	cmd_audit_before(c, ctx);
	code = cmd_run(c, ctx);
	if (ctx->audit)
		code = cmd_audit_after(c, ctx, code);
	return code;
}

void
cmd_touch(struct cmd_ctx *ctx, const char *node)
{
	size_t n = strlen(node), have = strlen(ctx->touched);
	const char *p = ctx->touched;

	while ((p = strstr(p, node)) != NULL) {
		if ((p == ctx->touched || p[-1] == ',') &&
		    (p[n] == ',' || p[n] == '\0'))
			return;
		p += n;
	}
	snprintf(ctx->touched + have, sizeof ctx->touched - have, "%s%s",
	    have ? "," : "", node);
}

void
cmd_said(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->said, sizeof ctx->said, fmt, ap);
	va_end(ap);
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
cmd_usage_shown(const struct cmd_entry *e, bool read_only, char *buf,
    size_t len)
{
	const struct cmd_sub *s;
	size_t off;
	int n = 0;

	if (!read_only || e->subs == NULL) {
		cmd_usage_line(e, buf, len);
		return;
	}
	off = (size_t)snprintf(buf, len, "%s ", e->name);
	for (s = e->subs; s->name != NULL && off < len; s++) {
		if (s->flags & CMD_MUTATES)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s%s%s",
		    n++ > 0 ? "|" : "", s->name, s->args[0] ? " " : "", s->args);
	}
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
		cmd_usage_shown(e, read_only, usage, sizeof usage);
		fprintf(f, "  %-34s %s%s\n", usage, e->help,
		    (e->flags & CMD_UI_ONLY) ? " (console)" : "");
	}
	fprintf(f, "Every command takes --json, --yes, --dry-run and --help; "
	    "a unique prefix of a name is enough for a command that only "
	    "reads.\n");
}

void
cmd_print_usage(FILE *f, const struct cmd_entry *e)
{
	const struct cmd_sub *sub;
	const struct cmd_option *o;
	char usage[256];

	cmd_usage_line(e, usage, sizeof usage);
	fprintf(f, "usage: %s\n%s\n", usage, e->help);
	if (e->alias != NULL)
		fprintf(f, "alias: %s\n", e->alias);
	for (o = e->options; o != NULL && o->name != NULL; o++)
		fprintf(f, "  --%s%s  %s\n", o->name, o->has_value ? " VALUE" : "",
		    o->help);
	for (sub = e->subs; sub != NULL && sub->name != NULL; sub++) {
		char line[128];

		snprintf(line, sizeof line, "%s%s%s", sub->name,
		    sub->args[0] ? " " : "", sub->args);
		fprintf(f, "  %s %-28s %s%s%s\n", sub == e->subs ?
		    "subcommands:" : "            ", line,
		    (sub->flags & CMD_MUTATES) ? "changes the service" : "reads",
		    (sub->flags & CMD_CONFIRM) ? "; asks first" : "",
		    (sub->flags & CMD_UI_ONLY) ? "; console only" : "");
	}
	if (e->flags & CMD_MUTATES)
		fprintf(f, "changes the service: refused in read-only mode\n");
	if (e->flags & CMD_CONFIRM)
		fprintf(f, "asks for confirmation; batch mode needs --yes\n");
	if (e->flags & CMD_DATA)
		fprintf(f, "--json prints the result as JSON\n");
	if (e->flags & CMD_UI_ONLY)
		fprintf(f, "only available in the console\n");
}
