/* Batch scripts: every line parsed first, then run in order like the ':'
 * prompt would run it, with one result per line. */
#include "cmd/script.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/snapshot.h"
#include "cmd/batch.h"
#include "core/exitcode.h"
#include "core/xalloc.h"

/* More lines than this is not a script an operator wrote. */
#define SCRIPT_MAX_LINES 100000

extern const struct cmd_entry cmd_batch_entry;

struct script_line {
	long no;     /* 1-based, in the file */
	char *text;  /* the command as written, without the newline */
	struct cmd cmd;
};

struct script {
	const char *label; /* the file name, or "stdin" */
	struct script_line *v;
	size_t n;
};

static void
script_free(struct script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		cmd_free(&s->v[i].cmd);
		free(s->v[i].text);
	}
	free(s->v);
}

/*
 * Reads and parses every line. Reports each line that does not parse on
 * stderr; returns EXIT_OK, or an exit code with base->cause set.
 */
static int
script_load(struct cmd_ctx *base, FILE *f, struct script *s)
{
	char *buf = NULL, cause[512];
	size_t cap = 0, bad = 0;
	long no = 0, first_bad = 0;
	ssize_t len;

	while ((len = getline(&buf, &cap, f)) != -1) {
		struct script_line *l;
		char *p = buf;

		no++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		if (s->n == SCRIPT_MAX_LINES) {
			free(buf);
			return cmd_fail(base, EXIT_USAGE, "%s:%ld: more than %d "
			    "commands; split the script", s->label, no,
			    SCRIPT_MAX_LINES);
		}
		s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
		l = &s->v[s->n];
		memset(l, 0, sizeof *l);
		l->no = no;
		l->text = xstrdup(p);
		if (cmd_parse_string(p, &l->cmd, cause, sizeof cause) == 0) {
			if (l->cmd.entry == &cmd_batch_entry)
				snprintf(cause, sizeof cause, "batch: a script "
				    "cannot run a script");
			else if (l->cmd.entry->flags & CMD_UI_ONLY)
				snprintf(cause, sizeof cause, "%s: only available "
				    "in the console", l->cmd.entry->name);
			else {
				s->n++;
				continue;
			}
		}
		fprintf(stderr, "%s:%ld: %s\n", s->label, no, cause);
		if (bad++ == 0)
			first_bad = no;
		cmd_free(&l->cmd);
		free(l->text);
	}
	free(buf);
	if (ferror(f))
		return cmd_fail(base, EXIT_USAGE, "%s: cannot read: %s", s->label,
		    strerror(errno));
	if (bad > 0)
		return cmd_fail(base, EXIT_USAGE, "%s: %zu line%s not understood "
		    "(the first: line %ld); nothing was run", s->label, bad,
		    bad == 1 ? "" : "s", first_bad);
	return EXIT_OK;
}

/*
 * The JSON a command printed: one value, an array of several (one per
 * line, as queue list prints them), null for none, or the text itself when
 * it is not JSON.
 */
static json_t *
script_result(const char *out, size_t len)
{
	json_t *all = json_array(), *v;
	char *copy, *line, *save = NULL;

	if (out == NULL || len == 0) {
		json_decref(all);
		return json_null();
	}
	copy = xstrdup(out);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((v = json_loads(line, JSON_DECODE_ANY, NULL)) == NULL) {
			json_decref(all);
			free(copy);
			return json_stringn(out, len);
		}
		json_array_append_new(all, v);
	}
	free(copy);
	if (json_array_size(all) == 1) {
		v = json_incref(json_array_get(all, 0));
		json_decref(all);
		return v;
	}
	return all;
}

/* Runs one line on a context of its own that shares base's connection. */
static int
script_exec(struct cmd_ctx *base, const struct script *s,
    const struct script_line *l)
{
	struct cmd_ctx ctx = *base;
	char *out = NULL;
	size_t outlen = 0;
	int code;

	ctx.cause[0] = '\0';
	ctx.snap = NULL;
	ctx.no_prompt = true;
	/* The audit records the line as written in the script. */
	ctx.line = l->text;
	ctx.via = "script";
	if (base->json)
		ctx.out = open_memstream(&out, &outlen);
	code = cmd_exec(&l->cmd, &ctx);
	/* A later line must see what this one changed: no cached snapshot. */
	snapshot_free(ctx.snap);
	base->redis = ctx.redis;
	if (code != EXIT_OK)
		fprintf(stderr, "%s:%ld: %s\n", s->label, l->no, ctx.cause);
	if (base->json) {
		json_t *o;

		fclose(ctx.out);
		o = json_pack("{s:I,s:s,s:i}", "line", (json_int_t)l->no,
		    "command", l->text, "exit", code);
		if (code != EXIT_OK)
			json_object_set_new(o, "error", json_string(ctx.cause));
		if (code == EXIT_OK || outlen > 0)
			json_object_set_new(o, "result", script_result(out,
			    outlen));
		json_dumpf(o, base->out, JSON_COMPACT);
		fputc('\n', base->out);
		json_decref(o);
		free(out);
	}
	fflush(base->out);
	return code;
}

int
script_run(struct cmd_ctx *base, const char *path, bool keep_going)
{
	struct script s = { NULL, NULL, 0 };
	size_t i, failed = 0;
	long first = 0;
	int code, first_code = EXIT_OK, mutates = 0;
	FILE *f;

	s.label = strcmp(path, "-") == 0 ? "stdin" : path;
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL)
		return cmd_fail(base, EXIT_USAGE, "batch: cannot open '%s': %s",
		    path, strerror(errno));
	code = script_load(base, f, &s);
	if (f != stdin)
		fclose(f);
	if (code != EXIT_OK) {
		script_free(&s);
		return code;
	}
	for (i = 0; i < s.n; i++)
		mutates |= cmd_flags(&s.v[i].cmd) & CMD_MUTATES;
	/* One question to the ACL for the whole script. */
	if (mutates && !base->read_only)
		batch_probe(base);
	for (i = 0; i < s.n; i++) {
		if ((code = script_exec(base, &s, &s.v[i])) == EXIT_OK)
			continue;
		if (failed++ == 0) {
			first = s.v[i].no;
			first_code = code;
		}
		if (!keep_going)
			break;
	}
	if (failed == 0)
		code = EXIT_OK;
	else if (!keep_going)
		code = cmd_fail(base, first_code, "%s: stopped at line %ld (exit "
		    "%d); %zu later command%s not run", s.label, first,
		    first_code, s.n - i - 1, s.n - i - 1 == 1 ? "" : "s");
	else
		code = cmd_fail(base, first_code, "%s: %zu of %zu commands "
		    "failed; the first at line %ld (exit %d)", s.label, failed,
		    s.n, first, first_code);
	script_free(&s);
	return code;
}
