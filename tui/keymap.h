/* Key bindings: data mapping a key to a command string of the table. */
#ifndef MAILNOC_KEYMAP_H
#define MAILNOC_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd/cmd.h"

struct keymap_binding {
	int key;           /* curses key code */
	const char *name;  /* "q", "Up", "C-l" */
	const char *command;
	const char *view;  /* the view it belongs to, NULL: every view */
	const char *what;  /* what it does there (help); NULL: the command's */
	struct cmd cmd;    /* parsed at start-up */
};

struct keymap {
	struct keymap_binding *b;
	size_t n;
};

/*
 * Parses the default bindings. A default that fails to parse is a bug:
 * returns -1 with `cause` naming the key and the parser's message.
 */
int keymap_init(struct keymap *km, char *cause, size_t len);

/* The binding of `key` for every view, or NULL. */
const struct keymap_binding *keymap_lookup(const struct keymap *km, int key);

/*
 * The binding of `key` in view `view` (NULL: none): the view's own binding
 * if it has one, else the one for every view, else NULL.
 */
const struct keymap_binding *keymap_lookup_in(const struct keymap *km,
    const char *view, int key);

/* The curses code of a key name ("q", "Up", "F1", "C-l", "Escape"), or -1. */
int keymap_parse_key(const char *name);

/*
 * The key bar of `view` in at most `width` columns: "? help", the view's
 * main keys with their labels (not those that would be refused when
 * read_only), "Esc back" when `back`, then filter, command, views, quit.
 * Whole labels only: what does not fit is left out, never cut.
 */
void keymap_bar(const struct keymap *km, const char *view, bool back,
    bool read_only, int width, char *buf, size_t len);

void keymap_free(struct keymap *km);

#endif
