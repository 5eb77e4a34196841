/* The one command table: keys, the ':' prompt, batch mode and batch scripts
 * are all parsed into a struct cmd and run by cmd_exec. */
#ifndef MAILNOC_CMD_H
#define MAILNOC_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "core/audit.h"
#include "core/config.h"

struct redis;
struct snapshot;

enum cmd_flag {
	CMD_MUTATES = 0x01,     /* changes the service: refused when read-only */
	CMD_CONFIRM = 0x02,     /* asks first; batch mode needs --yes */
	CMD_NEEDS_SSH = 0x04,   /* runs commands on nodes */
	CMD_NEEDS_REDIS = 0x08, /* reads or writes Redis */
	CMD_DATA = 0x10,        /* prints data; --json applies */
	CMD_UI_ONLY = 0x20,     /* only meaningful in the console */
	CMD_ARG_COMMAND = 0x40, /* argument 1 begins a command line (prompt):
	                           it mutates when that command does */
	CMD_NO_CONFIG = 0x80,   /* runs without a configuration (help) */
	CMD_JOB = 0x100,        /* slow or networked though it changes
	                           nothing: the console asks (the prepare's
	                           question) and runs it as a job */
};

/* A subcommand (argument 1): its own flags add to the entry's. */
struct cmd_sub {
	const char *name;
	const char *args;  /* its arguments after the name, e.g. "NODE:ID..." */
	int flags;         /* CMD_MUTATES, CMD_CONFIRM, CMD_UI_ONLY */
	const char *view;  /* in the console this view takes it; or NULL */
};

struct cmd_option {
	const char *name; /* long name, without "--" */
	int has_value;
	const char *help;
};

struct cmd;
struct cmd_ctx;
struct mailbox_watch;
struct trace_watch;

/*
 * What a command's preparation says to ask before it runs (cmd_confirm):
 * the question without "? y/N", and the count to type when `typed`.
 */
struct cmd_ask {
	char question[512];
	long count;
	bool typed;
	/* In the console: this view takes the prepared command instead. */
	const char *view;
};

struct cmd_entry {
	const char *name;
	const char *alias;  /* or NULL */
	const char *usage;  /* the arguments, e.g. "[NODE]" */
	const char *help;   /* one line */
	const struct cmd_option *options; /* ends with a NULL name; or NULL */
	const struct cmd_sub *subs; /* ends with a NULL name; or NULL */
	int min_args;
	int max_args;       /* -1: no limit */
	int flags;
	/*
	 * The preparation, pure (no network I/O): it runs where the user is,
	 * on the console's UI thread too. It checks the arguments, turns what
	 * is selected in the console (the tagged rows, the IP or node under
	 * the cursor) into arguments of `c`, and writes the question into
	 * `ask`. Returns EXIT_OK, or an exit code with ctx->cause set. NULL:
	 * nothing to prepare.
	 */
	int (*prepare)(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask);
	int (*exec)(const struct cmd *, struct cmd_ctx *);
	const char *view;   /* in the console this view takes it; or NULL */
};

#define CMD_MAX_ARGS 64

struct cmd_optval {
	const struct cmd_option *opt;
	const char *value; /* "" for a flag */
};

struct cmd {
	const struct cmd_entry *entry;
	int argc;
	const char **argv;              /* positional arguments (allocated) */
	int nopts;
	struct cmd_optval opts[CMD_MAX_ARGS];
	bool json, yes, dry_run;        /* common options any command takes */
	char *strings;                  /* storage of a parsed string */
	char **owned;                   /* strings set by cmd_copy, cmd_set_* */
	int nowned;
};

/* What the console lets commands do to it; NULL in batch mode. */
struct cmd_ui {
	int (*view)(void *ui, const char *name, char *cause, size_t len);
	int (*filter)(void *ui, const char *text);
	int (*prompt)(void *ui, const char *prefix);
	int (*refresh)(void *ui);
	int (*cursor)(void *ui, const char *where, char *cause, size_t len);
	int (*quit)(void *ui);
	/*
	 * Asks `question` on the status line; answered `want`, runs `run` (a
	 * copy is kept) as batch mode would, off the UI thread, and shows its
	 * result. cmd_confirm calls it.
	 */
	int (*ask)(void *ui, const char *question, const char *want,
	    const struct cmd *run);
	/* Opens `view` and hands it `c` (queue list, restore, backups). */
	int (*show)(void *ui, const char *view, const struct cmd *c,
	    char *cause, size_t len);
	/*
	 * What the shown view has selected of `what` ("ip", "node", or
	 * "message": NODE:ID of the tagged rows, else of the cursor's): their
	 * number, each in *out (free each and the array); -1 when the view
	 * shown has no such selection.
	 */
	int (*selection)(void *ui, const char *what, char ***out);
	/*
	 * Puts `text` into the terminal's clipboard (OSC 52) and says so on
	 * the status line; NULL: the ID of the row under the cursor. Returns
	 * 0, or -1 with `cause` set.
	 */
	int (*copy)(void *ui, const char *text, char *cause, size_t len);
};

struct cmd_ctx {
	const struct config *cfg;
	bool json;
	bool yes;
	bool dry_run;
	bool read_only;
	const char *read_only_why; /* "--read-only", ...; NULL: not said */
	/*
	 * The Redis user's role is not confirmed yet (the console before its
	 * first probe) or could not be (Redis away, nothing remembered): what
	 * changes the service is refused, saying role_why. Roles fail closed.
	 */
	bool role_pending;
	const char *role_why;
	bool no_prompt;        /* a script: never ask, refuse without --yes */
	FILE *out;
	struct redis *redis;   /* batch mode: opened on first use */
	struct snapshot *snap; /* batch mode: fetched on first use */
	const struct cmd_ui *ui;
	void *ui_data;
	char cause[512];
	/* A restore's progress (called as the import begins) and its cancel
	 * flag: a console job's; NULL in batch mode. */
	const struct mailbox_watch *watch;
	volatile int *cancel;
	/* A trace's gateways as each answers: the console's trace view's;
	 * NULL in batch mode (backends/trace_remote.h). */
	const struct trace_watch *trace_watch;
	/* cmd_exec's prepared command, while cmd_confirm asks about it. */
	const struct cmd *prepared;

	/* The audit record of a command that changes the service (core/audit.h,
	 * docs/audit.md); cmd_exec writes it when `audit` is set. */
	bool audit;
	const char *via;       /* "console" for its jobs; NULL: "batch" */
	const char *line;      /* the line as run; NULL: rebuilt from the cmd */
	bool refused;          /* ended by a refusal (not confirmed, no --yes) */
	bool partial;          /* cut short with part of it done: "partial" */
	char touched[256];     /* the nodes it touched: cmd_touch */
	char said[512];        /* what the backend said, one line: cmd_said */
	/* Kept by cmd_exec and cmd_begin (cmd/cmd_audit.c). */
	const struct cmd *running;  /* the command cmd_exec runs */
	bool begun;                 /* its started record went out (or is lost) */
	struct audit_record started; /* that record: the completed one follows */
	char audit_lost[512];       /* why a record of it is lost; "" */
	bool json_hold;             /* cmd_json_print keeps the last object... */
	json_t *json_held;          /* ...to print it after the audit */
	bool audit_lost_said;       /* the loss is in the JSON printed */
};

extern const struct cmd_entry *const cmd_table[];
extern const size_t cmd_table_size;

/*
 * Finds a command by name, alias or unambiguous prefix. Returns it, or NULL
 * with `cause` set ("unknown command 'x'..." or "ambiguous command ...").
 */
const struct cmd_entry *cmd_find(const char *name, char *cause, size_t len);

/*
 * Parses a command and its arguments (argv[0] is the command name). The
 * strings must outlive the cmd. Returns 0, or -1 with `cause` set.
 */
int cmd_parse_argv(int argc, char *const *argv, struct cmd *c, char *cause,
    size_t len);

/*
 * Splits `line` into words (single and double quotes, backslash escapes)
 * and parses them. Returns 0 (free with cmd_free), or -1 with `cause` set.
 * An empty line is an error.
 */
int cmd_parse_string(const char *line, struct cmd *c, char *cause, size_t len);

void cmd_free(struct cmd *c);

/* Makes `dst` a copy of `src` that owns its strings (free with cmd_free). */
void cmd_copy(struct cmd *dst, const struct cmd *src);

/* Sets argument `i` (argc: one more) to a copy of `arg`. */
void cmd_set_arg(struct cmd *c, int i, const char *arg);

/* Sets option `name` (one of the entry's) to a copy of `value` ("" for a
 * flag). Returns 0, or -1 when the entry has no such option. */
int cmd_set_option(struct cmd *c, const char *name, const char *value);

/*
 * The one printer of a command line (tmux's cmd_print): the command's full
 * name, its arguments, its options in order, then --json, --yes and
 * --dry-run, each word quoted so that cmd_parse_string reads it back the
 * same. Writes at most len bytes (always terminated) and returns the
 * length of the whole line, as snprintf does: >= len when cut.
 */
size_t cmd_print(const struct cmd *c, char *buf, size_t len);

/*
 * In the console, what the shown view has selected of `what` (struct
 * cmd_ui's selection): their number, each in *out (cmd_selection_free);
 * -1 in batch mode or when the view shown has no such selection.
 */
int cmd_selection(struct cmd_ctx *ctx, const char *what, char ***out);
void cmd_selection_free(char **v, int n);

/* The view that takes `c` in the console (its subcommand's or entry's),
 * or NULL. */
const char *cmd_view(const struct cmd *c);

/* The value of option `name`: "" for a flag given, NULL when absent. */
const char *cmd_option(const struct cmd *c, const char *name);

/*
 * Runs a parsed command, the one flow of every front end: refuses mutating
 * commands when read-only and console-only commands in batch mode; in the
 * console a command that has a view goes to it; then the entry's prepare
 * runs on a copy of the command. In batch mode its exec runs next (and asks
 * with cmd_confirm where the entry says so). In the console a command that
 * changes the service is asked about (cmd_confirm: ctx->ui->ask) and, when
 * confirmed, runs with --yes off the UI thread through this same function.
 * Returns an exit code (core/exitcode.h); on failure ctx->cause says why
 * in one line.
 */
int cmd_exec(const struct cmd *c, struct cmd_ctx *ctx);

/* The subcommand `name` of `e`, or NULL. */
const struct cmd_sub *cmd_sub_find(const struct cmd_entry *e,
    const char *name);

/*
 * The flags of what `c` would do: its entry's, its subcommand's and, for a
 * prompt (CMD_ARG_COMMAND), those of the command line it begins.
 */
int cmd_flags(const struct cmd *c);
/* The command and its subcommand as an error message names them. */
void cmd_what(const struct cmd *c, char *buf, size_t len);

/* The flags of the command a line begins with ("block ", "queue hold"). */
int cmd_line_flags(const char *line);

/*
 * Refuses `what` ("block", "queue hold") because ctx is read-only, saying
 * why. Returns EXIT_DENIED with ctx->cause set.
 */
int cmd_refuse_read_only(struct cmd_ctx *ctx, const char *what);

/*
 * Refuses `what` (exit 4 or 3) when the session may not change the service:
 * read-only, or its role not confirmed. Returns EXIT_OK otherwise.
 */
int cmd_may_change(struct cmd_ctx *ctx, const char *what);

/* Why read-only, as cmd_ctx.read_only_why says it. */
#define CMD_RO_OPTION "--read-only"
#define CMD_RO_CONFIG "ui.read_only is set in the configuration"
/* Writes the ACL reason for `user` (NULL: default) into buf; returns buf. */
const char *cmd_read_only_acl(const char *user, char *buf, size_t len);

/*
 * The audit query an `audit` command line asks for (--since, --user,
 * --limit), for batch mode and the console's Audit view alike. q->user
 * points into c. Returns 0, or -1 with `cause` set.
 */
struct audit_query;
int cmd_audit_query(const struct cmd *c, struct audit_query *q, char *cause,
    size_t len);

/*
 * For the audit record: adds `node` to the nodes the command touched ("redis"
 * for the policy store), and sets what the backend said (one line).
 */
void cmd_touch(struct cmd_ctx *ctx, const char *node);
void cmd_said(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The change is about to be made: writes the "started" audit record of the
 * command cmd_exec runs (once; nothing for reads, dry runs, the console's
 * UI thread, or without ctx->audit). Call it after the checks and the
 * question, right before the first change; cmd_confirm calls it when it
 * answers CONFIRM_GO. Returns EXIT_OK, or EXIT_AUDIT_REFUSED with
 * ctx->cause set when neither Redis nor the spool file took the record and
 * audit.required is on: then change nothing. With audit.required off the
 * loss is kept in ctx->audit_lost and the change goes ahead.
 */
int cmd_begin(struct cmd_ctx *ctx);

/* Before a command runs (cmd_exec calls it): clears what cmd_begin keeps. */
void cmd_audit_before(const struct cmd *c, struct cmd_ctx *ctx);

/*
 * After a command ran (cmd_exec calls it when ctx->audit is set): writes the
 * audit record of a command that changes the service — the completed record
 * of what cmd_begin started — and otherwise replays the audit spool when
 * the command reached Redis (cmd/cmd_audit.c). Prints the JSON object the
 * command printed last, with "audit_lost" when a record is lost. Returns
 * `code`, or EXIT_AUDIT_LOST with ctx->cause set when the command succeeded
 * but a record of it is lost (a failure keeps its code; its cause says it).
 */
int cmd_audit_after(const struct cmd *c, struct cmd_ctx *ctx, int code);

/* Prints the command list (batch `help`), generated from the table. */
void cmd_print_help(FILE *f, bool read_only);

/*
 * Like cmd_usage_line; when read_only, subcommands that change the service
 * are left out ("permit list [AGENCY]").
 */
void cmd_usage_shown(const struct cmd_entry *e, bool read_only, char *buf,
    size_t len);

/* Prints one command's usage, options and flags. */
void cmd_print_usage(FILE *f, const struct cmd_entry *e);

/* Writes "name usage" into buf. */
void cmd_usage_line(const struct cmd_entry *e, char *buf, size_t len);

/* Prints `o` as one line of compact JSON and releases it. While a change
 * is audited, the last object waits for cmd_audit_after. */
void cmd_json_print(struct cmd_ctx *ctx, json_t *o);

/* Fails the command: sets ctx->cause and returns `code`. */
/*
 * True when the command runs for the console (its job threads): stderr and
 * signals belong to curses then, and output goes to the status line.
 */
bool cmd_in_console(const struct cmd_ctx *ctx);

int cmd_fail(struct cmd_ctx *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Batch mode's snapshot: connects and fetches on first use. Returns it, or
 * NULL with ctx->cause set and *code the exit code.
 */
struct snapshot *cmd_snapshot(struct cmd_ctx *ctx, int *code);

#endif
