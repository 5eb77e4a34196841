/* The default key bindings, written as command strings and parsed at start. */
#include "tui/keymap.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

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
	{ "t", "queue tag" },
	{ "T", "queue tag --all" },
	{ "u", "queue tag --none" },
	{ "V", "queue tag --range" },
	{ "A", "queue summary" },
	{ "F", "queue flush" },
	{ "s", "queue sort" },
	{ "S", "queue sort --reverse" },
	{ "Enter", "queue show" },
	{ "b", "queue show --body" },
	{ "H", "queue hold" },
	{ "L", "queue release" },
	{ "E", "queue requeue" },
	{ "D", "queue delete" },
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

int
keymap_init(struct keymap *km, char *cause, size_t len)
{
	size_t i, n = sizeof keymap_defaults / sizeof keymap_defaults[0];
	char why[256];

	km->b = xcalloc(n, sizeof *km->b);
	km->n = 0;
	for (i = 0; i < n; i++) {
		struct keymap_binding *b = &km->b[km->n];

		b->name = keymap_defaults[i].key;
		b->command = keymap_defaults[i].command;
		if ((b->key = keymap_parse_key(b->name)) == -1) {
			snprintf(cause, len, "key binding '%s': not a key name",
			    b->name);
			keymap_free(km);
			return -1;
		}
		if (cmd_parse_string(b->command, &b->cmd, why,
			sizeof why) == -1) {
			snprintf(cause, len, "key binding '%s': %s", b->name, why);
			keymap_free(km);
			return -1;
		}
		km->n++;
	}
	return 0;
}

const struct keymap_binding *
keymap_lookup(const struct keymap *km, int key)
{
	size_t i;

	for (i = 0; i < km->n; i++) {
		if (km->b[i].key == key)
			return &km->b[i];
	}
	return NULL;
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
