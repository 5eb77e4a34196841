/* Views and the console state they draw from. Views are small and alike:
 * init / draw / move / free, and a few optional hooks; only the main loop
 * calls doupdate(). */
#ifndef MAILNOC_VIEW_H
#define MAILNOC_VIEW_H

#include <curses.h>
#include <stdbool.h>

#include "core/config.h"
#include "core/model.h"
#include "tui/keymap.h"
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
	/* Takes a worker message: keeps what it wants, setting it NULL in m. */
	void (*take)(void *state, struct console *c, struct worker_msg *m);
	/* Esc: returns 1 when the view used it (closed something). */
	int (*escape)(void *state);
	/* The status line's y/N was answered y (console_confirm). */
	void (*confirmed)(void *state, struct console *c);
	/* The IP under the cursor, or NULL. */
	const char *(*selected_ip)(void *state);
	/* The status line's key hints; NULL: the console's own. */
	const char *hint;
	/* The hints in read-only mode; NULL: the same as hint. */
	const char *hint_read_only;
};

extern const struct view view_overview;
extern const struct view view_clusters;
extern const struct view view_help;
extern const struct view view_queues;
extern const struct view view_blocklist;
extern const struct view view_agencies;
extern const struct view view_audit;
extern const struct view view_restore;

#define CONSOLE_NVIEWS 8
#define CONSOLE_VIEW_QUEUES 3

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
	char prompt_cmd[32];         /* "" for a command line */
	char line[256];
	size_t linelen;
	char message[256];
	bool message_error;
	char help_topic[32];
	char alert[256];             /* a provider throttling the gateways */
	bool confirming;             /* the prompt asks to confirm */
	char confirm_want[32];       /* what must be typed */
	char confirm_line[512];      /* a command to run when confirmed */
	int confirm_owner;           /* the view that asked (its confirmed) */
	bool read_only;
	bool dry_run_pending;        /* the command being run has --dry-run */
	const char *read_only_why;   /* cmd_ctx.read_only_why */
	bool utf8;                   /* the locale's charset is UTF-8 */
	bool quit;
	long long now;               /* wall clock, seconds, for ages */
};

/* True when what is shown is older than the data should be. */
bool console_stale(const struct console *c);

/* The node under the overview's cursor, or NULL. */
const char *view_overview_selected(void *state);

/* Asks `question`; on y runs `line` in the background as batch mode would. */
int console_ask(struct console *c, const char *question, const char *line);

/* Asks on the status line; the answer `want` runs the pending action. */
void console_confirm(struct console *c, const char *question,
    const char *want);

/* Sets up every view and its state, in the order of CONSOLE_VIEW_*. */
void console_views_init(struct console *c);

/* Draws one frame: werase, every part, one doupdate. */
void console_draw(struct console *c);

/* Age in seconds of the newest snapshot, -1 before the first. */
long console_data_age(const struct console *c);

#endif
