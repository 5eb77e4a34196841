/* Views and the console state they draw from. Views are small and alike:
 * init / draw / move / free, and a few optional hooks; only the main loop
 * calls doupdate(). */
#ifndef MAILNOC_VIEW_H
#define MAILNOC_VIEW_H

#include <curses.h>
#include <stdbool.h>

#include "core/cluster.h"
#include "core/config.h"
#include "cmd/cmd.h"
#include "core/lineedit.h"
#include "core/msglog.h"
#include "core/model.h"
#include "tui/keymap.h"
#include "tui/theme.h"
#include "tui/worker.h"

struct console;

struct view {
	const char *name;
	const char *title;
	void *(*init)(struct console *c);
	/* Draws into lines y to y+h-1 of the screen. */
	void (*draw)(void *state, struct console *c, int y, int h);
	/* Moves the cursor; returns 0, or -1 for an unknown direction. */
	int (*cursor)(void *state, const char *where);
	void (*free)(void *state);

	/* The rest may be NULL. */
	/*
	 * What the Redis worker should read while the view is shown (enum
	 * worker_fetch bits); *agency names the agency of FETCH_PERMITS.
	 */
	unsigned (*fetch)(void *state, const char **agency);
	/* Or, when it depends on nothing the view holds: those bits. */
	unsigned fetches;
	/* Takes a worker message: keeps what it wants, setting it NULL in m. */
	void (*take)(void *state, struct console *c, struct worker_msg *m);
	/* Esc: returns 1 when the view used it (closed something). */
	int (*escape)(void *state);
	/*
	 * A change asked about while the view was shown (cmd_confirm) was
	 * confirmed: the view may follow its job, filling `hooks` (a
	 * restore's progress and cancel flag). Returns 1 when it did, 0 to
	 * let the command run as any other.
	 */
	int (*job)(void *state, struct console *c, const struct cmd *cmd,
	    struct worker_cmd_hooks *hooks);
	/*
	 * A command the view takes (struct cmd_entry's view): "queue list",
	 * "restore", "help". `shown`: the view was on screen already. Returns
	 * 0 (the console shows the view), or -1 with `cause` set.
	 */
	int (*command)(void *state, struct console *c, const struct cmd *cmd,
	    bool shown, char *cause, size_t len);
	/* What the view selects (struct cmd_ui's selection). */
	int (*selection)(void *state, const char *what, char ***out);
	/* The view is switched to. */
	void (*enter)(void *state, struct console *c);
	/* `refresh` (r, C-l) while it is shown: read again what the view
	 * reads beyond the snapshot (the queues view lists again). */
	void (*reread)(void *state, struct console *c);
	/* Once a pass of the main loop, shown or not. */
	void (*tick)(void *state, struct console *c);
	/* Shown over another view (help): Esc, or its own command again,
	 * goes back to that one; `view` does not name it. */
	bool overlay;
};

/* Every view, in the order of their keys (tui/views.c). */
#define CONSOLE_NVIEWS 14
extern const struct view *const view_all[CONSOLE_NVIEWS];

struct console {
	const struct config *cfg;
	struct worker worker;
	struct keymap keymap;
	struct snapshot *snap;       /* newest snapshot, NULL before the first */
	struct snapshot *prev;       /* the one before, for trends */
	long long snap_mono_ms;      /* when snap arrived */
	bool redis_down;
	char redis_err[256];
	bool redis_refused;   /* Redis answered, with an error: not unreachable */
	long long down_since_ms;     /* monotonic */
	const struct view *views[CONSOLE_NVIEWS];
	void *state[CONSOLE_NVIEWS];
	int current;
	int previous;                /* to return to after help */
	char filter[128];
	bool prompting;
	char prompt_cmd[96];         /* "" for a command line; with a space,
	                                the line is its last word */
	struct lineedit edit;        /* the prompt's line */
	struct history history;      /* the ':' lines typed, kept on disk */
	char history_file[512];      /* where; "" when nowhere */
	char completions[512];       /* Tab's choices, shown above the line */
	char message[1024];          /* the status line; a question (notify's
	                                notice) may be longer than a row */
	bool message_error;
	struct msglog messages;      /* what the status line said (:messages) */
	char logged[512];            /* the message last put in messages */
	long long swallow_enter_ms;  /* an Enter before this follows a one-key
	                                answer: ignored (monotonic) */
	char alert[256];             /* a provider throttling the gateways */
	struct alert_list *alerts;   /* the active alerts; NULL before */
	char harvest[256];           /* a directory harvest suspect */
	bool confirming;             /* the prompt asks to confirm */
	char confirm_want[32];       /* what must be typed */
	struct cmd confirm_cmd;      /* the command to run when confirmed... */
	bool confirm_run;            /* ...while this is set */
	int confirm_owner;           /* the view shown when it asked (its job) */
	bool read_only;
	const char *read_only_why;   /* cmd_ctx.read_only_why */
	bool utf8;                   /* the locale's charset is UTF-8 */
	bool quit;
	long long now;               /* wall clock, seconds, for ages */
};

/* A selection of one string (NULL: none) for a view's selection hook:
 * returns 1 with a copy in *out, or 0. */
int view_select_one(const char *s, char ***out);
/* A new string, formatted (a selection's "name=value"). */
char *view_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when what is shown is older than the data should be. */
bool console_stale(const struct console *c);
/* The colour of a cluster's health: ok, warn (degraded, failed over) or
 * alert (down, split brain). */
enum theme_role console_health_role(enum cluster_health h);
/* A view's take: a failed message's text goes into err (true), a good one
 * clears it (false). */
bool view_take_failed(const struct worker_msg *m, char *err, size_t len);

/*
 * Runs `cmd` as a key or the ':' prompt would: cmd_exec with the console's
 * hooks, so a change is asked about with cmd_confirm. An error goes to the
 * status line. Returns its exit code.
 */
int console_exec(struct console *c, const struct cmd *cmd);

/* Sets up every view of view_all and its state. */
void console_views_init(struct console *c);

/* Draws one frame: werase, every part, one doupdate. */
void console_draw(struct console *c);

/* Age in seconds of the newest snapshot, -1 before the first. */
long console_data_age(const struct console *c);

#endif
