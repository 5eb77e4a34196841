/* The default key bindings, written as command strings and parsed at start.
 * A binding may belong to one view (tmux's key tables): there it comes
 * before a binding of the same key for every view. */
#include "tui/keymap.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct keymap_default {
	const char *view; /* NULL: every view */
	const char *key;
	const char *command;
};

/* Bindings of one view; keys they share with every view are theirs there. */
static const struct keymap_default keymap_view_defaults[] = {
	{ "blocklist", "+", "prompt \"block \"" },
	{ "blocklist", "-", "unblock" },
	{ "blocklist", "x", "prompt \"extend #{ip} --for \"" },
	{ "blocklist", "Tab", "move section" },
	{ "blocklist", "h", "prompt \"block #{ip} --for 1d --reason "
	    "'directory harvest suspect'\"" },
	{ "agencies", "Enter", "move in" },
	{ "agencies", "Right", "move in" },
	{ "agencies", "b", "move out" },
	{ "agencies", "Left", "move out" },
	{ "blocklist", "n", "notify --about block" },
	{ "agencies", "n", "notify --about delay" },
	{ "providers", "Enter", "move in" },
	{ "providers", "Right", "move in" },
	{ "providers", "Left", "move out" },
	{ "restore", "u", "prompt backups" },
	{ "restore", "Enter", "move in" },
	{ "restore", "x", "move out" },
	{ "alerts", "a", "prompt \"ack #{alert} --note\"" },
	{ "alerts", "s", "prompt \"silence #{alert-subject} --for \"" },
	{ "alerts", "Enter", "move in" },
	{ "queues", "t", "queue tag" },
	{ "queues", "T", "queue tag --all" },
	{ "queues", "u", "queue tag --none" },
	{ "queues", "V", "queue tag --range" },
	{ "queues", "A", "queue summary" },
	{ "queues", "F", "queue flush" },
	{ "queues", "s", "queue sort" },
	{ "queues", "S", "queue sort --reverse" },
	{ "queues", "Enter", "queue show" },
	{ "queues", "b", "queue show --body" },
	{ "queues", "H", "queue hold" },
	{ "queues", "L", "queue release" },
	{ "queues", "E", "queue requeue" },
	{ "queues", "D", "queue delete" },
};

static const struct {
	const char *key;
	const char *command;
} keymap_defaults[] = {
	{ "q", "quit" },
	{ "?", "help" },
	{ "F1", "help" },
	{ "o", "view overview" },
	{ "1", "view overview" },
	{ "c", "view clusters" },
	{ "2", "view clusters" },
	{ "3", "view queues" },
	{ "Q", "view queues" },
	{ "4", "view blocklist" },
	{ "B", "view blocklist" },
	{ "5", "view agencies" },
	{ "a", "view agencies" },
	{ "6", "view audit" },
	{ "7", "view restore" },
	{ "R", "view restore" },
	{ "w", "view audit" },
	{ "!", "view alerts" },
	{ "P", "view providers" },
	{ "8", "view reputation" },
	{ "d", "drain" },
	{ "U", "undrain" },
	{ "/", "prompt filter" },
	{ ":", "prompt" },
	{ "Escape", "filter" },
	{ "r", "refresh" },
	{ "C-l", "refresh" },
	{ "Up", "move up" },
	{ "k", "move up" },
	{ "Down", "move down" },
	{ "j", "move down" },
	{ "PageUp", "move page-up" },
	{ "PageDown", "move page-down" },
	{ "Home", "move top" },
	{ "g", "move top" },
	{ "End", "move bottom" },
	{ "G", "move bottom" },
};

static const struct {
	const char *name;
	int key;
} keymap_names[] = {
	{ "Up", KEY_UP },
	{ "Down", KEY_DOWN },
	{ "Left", KEY_LEFT },
	{ "Right", KEY_RIGHT },
	{ "PageUp", KEY_PPAGE },
	{ "PageDown", KEY_NPAGE },
	{ "Home", KEY_HOME },
	{ "End", KEY_END },
	{ "Enter", '\n' },
	{ "Tab", '\t' },
	{ "Escape", 27 },
	{ "Space", ' ' },
};

int
keymap_parse_key(const char *name)
{
	size_t i;
	int n;

	if (name[0] != '\0' && name[1] == '\0' && name[0] > ' ' &&
	    name[0] < 0x7f)
		return (unsigned char)name[0];
	if (strncmp(name, "C-", 2) == 0 && name[2] >= 'a' && name[2] <= 'z' &&
	    name[3] == '\0')
		return name[2] - 'a' + 1;
	if (name[0] == 'F' && (n = atoi(name + 1)) >= 1 && n <= 12)
		return KEY_F(n);
	for (i = 0; i < sizeof keymap_names / sizeof keymap_names[0]; i++) {
		if (strcmp(keymap_names[i].name, name) == 0)
			return keymap_names[i].key;
	}
	return -1;
}

/* Parses one default into the next binding. Returns 0, or -1 with cause. */
static int
keymap_add(struct keymap *km, const char *view, const char *key,
    const char *command, char *cause, size_t len)
{
	struct keymap_binding *b = &km->b[km->n];
	char why[256];

	b->name = key;
	b->command = command;
	b->view = view;
	if ((b->key = keymap_parse_key(b->name)) == -1) {
		snprintf(cause, len, "key binding '%s': not a key name", b->name);
		return -1;
	}
	if (cmd_parse_string(b->command, &b->cmd, why, sizeof why) == -1) {
		snprintf(cause, len, "key binding '%s'%s%s: %s", b->name,
		    view ? " in " : "", view ? view : "", why);
		return -1;
	}
	km->n++;
	return 0;
}

int
keymap_init(struct keymap *km, char *cause, size_t len)
{
	size_t i, n = sizeof keymap_defaults / sizeof keymap_defaults[0],
	    nv = sizeof keymap_view_defaults / sizeof keymap_view_defaults[0];

	km->b = xcalloc(n + nv, sizeof *km->b);
	km->n = 0;
	for (i = 0; i < n; i++) {
		if (keymap_add(km, NULL, keymap_defaults[i].key,
			keymap_defaults[i].command, cause, len) == -1)
			goto fail;
	}
	for (i = 0; i < nv; i++) {
		if (keymap_add(km, keymap_view_defaults[i].view,
			keymap_view_defaults[i].key,
			keymap_view_defaults[i].command, cause, len) == -1)
			goto fail;
	}
	return 0;
fail:
	keymap_free(km);
	return -1;
}

const struct keymap_binding *
keymap_lookup(const struct keymap *km, int key)
{
	return keymap_lookup_in(km, NULL, key);
}

const struct keymap_binding *
keymap_lookup_in(const struct keymap *km, const char *view, int key)
{
	const struct keymap_binding *any = NULL;
	size_t i;

	for (i = 0; i < km->n; i++) {
		const struct keymap_binding *b = &km->b[i];

		if (b->key != key)
			continue;
		if (b->view == NULL) {
			if (any == NULL)
				any = b;
		} else if (view != NULL && strcmp(b->view, view) == 0)
			return b;
	}
	return any;
}

void
keymap_free(struct keymap *km)
{
	size_t i;

	for (i = 0; i < km->n; i++)
		cmd_free(&km->b[i].cmd);
	free(km->b);
	km->b = NULL;
	km->n = 0;
}
