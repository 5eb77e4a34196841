/* Colour themes: semantic roles, the theme file parser, the colour pairs. */
#ifndef MAILNOC_THEME_H
#define MAILNOC_THEME_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#define THEME_CAUSE_MAX 512
/* Longest line of a theme file, without its newline. */
#define THEME_LINE_MAX 200
/* Largest theme file theme_load() reads. */
#define THEME_FILE_MAX 65536

/*
 * What a piece of the screen means. Views draw with theme_attr(role) and
 * never name a colour; the theme decides what each role looks like.
 */
enum theme_role {
	ROLE_NORMAL,	/* everything else; its colours are the screen's */
	ROLE_HEADER,	/* the top bar */
	ROLE_TITLE,	/* view and table titles, column headings */
	ROLE_STATUS,	/* the bottom status line */
	ROLE_SELECTED,	/* the cursor row */
	ROLE_TAGGED,	/* rows tagged for a bulk action */
	ROLE_OK,	/* healthy: node up, queue empty */
	ROLE_WARN,	/* needs a look: queue growing, standby lagging */
	ROLE_ALERT,	/* act now: node down, deferred queue exploding */
	ROLE_STALE,	/* data older than its refresh interval */
	ROLE_DIM,	/* labels, units, separators */
	ROLE_BANNER,	/* a whole-width warning: "redis unreachable" */
	ROLE_KEY,	/* key names in the help screen and footer */
	ROLE_BAR,	/* progress bars and sparklines */
	ROLE_READONLY,	/* the read-only marker, commands it refuses */
	ROLE_COUNT
};

/*
 * One role as the theme file wrote it. Colours are curses colour numbers:
 * fg8/bg8 are -1 (default) or 0-7; fg256/bg256 are -1 (not given) or 0-255
 * and are used instead of fg8/bg8 on terminals with 256 colours or more.
 * attrs holds A_BOLD, A_DIM, A_REVERSE, A_UNDERLINE, A_STANDOUT, A_ITALIC.
 */
struct theme_style {
	short fg8;
	short fg256;
	short bg8;
	short bg256;
	attr_t attrs;
};

struct theme {
	struct theme_style role[ROLE_COUNT];
};

/* What the terminal can show, as theme_apply() finds out. */
struct theme_caps {
	int colours;	/* COLORS; below 8 means no colour */
	int pairs;	/* COLOR_PAIRS */
	bool defaults;	/* colour -1 (the terminal's own) can be used */
	bool no_color;	/* NO_COLOR is set: attributes only */
};

/* One role ready to draw. */
struct theme_draw {
	short fg;	/* colour numbers for init_pair(), -1 the terminal's */
	short bg;
	short pair;	/* 0: no pair of its own, drawn in normal's colours */
	attr_t attrs;	/* attributes, without COLOR_PAIR() */
};

/* Returns the role's name in theme files ("alert"), or NULL if out of range. */
const char *theme_role_name(enum theme_role role);

/* Sets *out to the role called `name`. Returns 0, or -1 if there is none. */
int theme_role_parse(const char *name, enum theme_role *out);

/*
 * Parses a theme from `text` (see docs/themes.md). `filename` is only used
 * in error messages, which read "FILE:LINE: what is wrong; what is
 * accepted". Every role must be set. No curses calls. Returns 0, or -1 with
 * `cause` set and *t unchanged.
 */
int theme_parse(const char *text, const char *filename, struct theme *t,
    char *cause, size_t len);

/*
 * Loads a theme. An argument holding a '/' is a file path. Anything else
 * is a name (1-32 letters, digits, '-', '_') looked up as NAME.theme in
 * $MAILNOC_THEME_DIR (if set), then ./themes, then MAILNOC_DATADIR/themes;
 * the first file that exists is used, even if it is bad. Returns 0, or -1
 * with `cause` set (saying where it looked when nothing was found) and *t
 * unchanged.
 */
int theme_load(const char *name_or_path, struct theme *t, char *cause,
    size_t len);

/*
 * Computes how each role is drawn on a terminal with `caps`, without
 * touching curses. A `default` colour means the terminal's own colour in
 * the normal role and normal's colour in every other role. Role r gets
 * pair r unless its colours are normal's (pair 0) or the terminal has too
 * few pairs. A role drawn without colour (no_color, fewer than 8 colours,
 * or no pair left) keeps its attributes and, if it has a background of
 * its own, is reversed so that bars and the cursor row stay visible.
 */
void theme_resolve(const struct theme *t, const struct theme_caps *caps,
    struct theme_draw out[ROLE_COUNT]);

/*
 * The contrast ratio (WCAG 2: 1 to 21) between two colours of the xterm
 * 256-colour palette (0-255); what the theme tests hold each role to.
 */
double theme_contrast(short a, short b);

/*
 * Sets the screen up for theme `t`: after initscr(), before drawing. This
 * is the only caller of start_color(), assume_default_colors() and
 * init_pair() in the program; it reads COLORS itself because COLORS is
 * only known after start_color(). With `no_color` (the caller checks the
 * NO_COLOR environment variable) colour is never started and roles are
 * drawn with attributes only. May be called again to switch themes.
 */
void theme_apply(const struct theme *t, bool no_color);

/*
 * Returns what to draw `role` with (COLOR_PAIR() | attributes), as set by
 * the last theme_apply(); A_NORMAL before the first.
 */
attr_t theme_attr(enum theme_role role);

#endif
