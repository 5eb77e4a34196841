/* A line editor for the console's prompt, readline's keys, pure: no curses. */
#ifndef MAILNOC_LINEEDIT_H
#define MAILNOC_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINEEDIT_MAX 256

/* The keys that are not a control character (the console maps curses'). */
enum {
	LINEEDIT_LEFT = 0x10000,
	LINEEDIT_RIGHT,
	LINEEDIT_HOME,
	LINEEDIT_END,
	LINEEDIT_UP,
	LINEEDIT_DOWN,
	LINEEDIT_DELETE,
	LINEEDIT_BACKSPACE,
};

/* The lines typed before, oldest first, at most `max` of them. */
struct history {
	char **v;
	size_t n;
	size_t max;
};

struct lineedit {
	char buf[LINEEDIT_MAX];      /* the line, always terminated */
	size_t len;
	size_t pos;                  /* the cursor: 0..len */
	const struct history *hist;  /* Up and Down walk it; or NULL */
	size_t hpos;                 /* hist->n: the line being typed */
	char draft[LINEEDIT_MAX];    /* that line, while history is shown */
};

/* Empties the line and, with `hist` (or NULL), starts its walk anew. */
void lineedit_reset(struct lineedit *le, const struct history *hist);

/* Puts `text` on the line (cut to fit), the cursor at its end. */
void lineedit_set(struct lineedit *le, const char *text);

/*
 * Applies one key: a printable character is inserted at the cursor;
 * Left/C-b, Right/C-f, Home/C-a, End/C-e move; Backspace/C-h and
 * Delete/C-d delete before and under the cursor; C-w deletes the word
 * before the cursor, C-u the line before it, C-k the line from it; Up/C-p
 * and Down/C-n walk the history. Returns true when the key was taken
 * (whether or not it changed anything), false for any other key (Enter,
 * Esc, Tab), which the caller handles.
 */
bool lineedit_key(struct lineedit *le, int key);

/* Where the word the cursor ends starts (after the last unquoted blank). */
size_t lineedit_word_start(const struct lineedit *le);

/*
 * Completes the word before the cursor from `cand` (n of them; those not
 * beginning with the word are ignored): one match replaces the word with
 * it and a blank (none after a candidate ending in '='); several extend
 * the word to what they share. Returns the number of matches; *listed is
 * set when several match, for the caller to show them.
 */
size_t lineedit_complete(struct lineedit *le, const char *const *cand,
    size_t n, bool *listed);

/* Empties `h` and sets its bound (0: 500). */
void history_init(struct history *h, size_t max);
void history_free(struct history *h);

/*
 * Appends `line` without its trailing blanks (blank lines and a repeat of
 * the last line are not kept); the oldest line goes when there are more
 * than h->max.
 */
void history_add(struct history *h, const char *line);

/*
 * Where the prompt's history is kept: $MAILNOC_STATE_DIR/history,
 * $XDG_STATE_HOME/mailnoc/history or ~/.local/state/mailnoc/history (the
 * role cache's directory). Returns -1 when there is no such place or the
 * path does not fit in len.
 */
int history_path(char *buf, size_t len);

/*
 * Reads the lines of `path` into h (appended; the newest h->max kept). A
 * missing file is an empty history. Returns 0, or -1 with `cause` set.
 */
int history_load(struct history *h, const char *path, char *cause,
    size_t len);

/*
 * Writes h to `path`, mode 0600, making its directory (0700) when
 * missing; replaced whole through a temporary file, so a reader never
 * sees half of it. Returns 0, or -1 with `cause` set.
 */
int history_save(const struct history *h, const char *path, char *cause,
    size_t len);

#endif
