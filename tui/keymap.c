/* The default key bindings, written as command strings and parsed at start.
 * A binding may belong to one view (tmux's key tables): there it comes
 * before a binding of the same key for every view. */
#include "tui/keymap.h"

#include <curses.h>
#include <stdbool.h>
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
	{ "blocklist", "e", "prompt \"extend #{ip} --for \"" },
	{ "blocklist", "Tab", "move section" },
	{ "blocklist", "h", "prompt \"block #{ip} --for 1d --reason "
	    "'directory harvest suspect'\"" },
	{ "agencies", "Enter", "move in" },
	{ "agencies", "Right", "move in" },
	{ "agencies", "b", "move out" },
	{ "agencies", "Left", "move out" },
	{ "agencies", "S", "spf" },
	{ "agencies", "+", "prompt \"block #{ip} --for 1d --reason "
	    "'abuse from a permitted agency IP'\"" },
	{ "blocklist", "n", "notify --about block" },
	{ "agencies", "n", "notify --about delay" },
	{ "providers", "Enter", "move in" },
	{ "providers", "Right", "move in" },
	{ "providers", "Left", "move out" },
	{ "providers", "b", "move out" },
	{ "restore", "u", "prompt backups" },
	{ "restore", "Enter", "move in" },
	{ "restore", "x", "move out" },
	{ "alerts", "a", "prompt \"ack #{alert} --note\"" },
	{ "alerts", "s", "prompt \"silence #{alert-subject} --for \"" },
	{ "alerts", "Enter", "move in" },
	{ "queues", "t", "queue tag" },
	{ "queues", "T", "queue tag --all" },
	{ "queues", "U", "queue tag --none" },
	{ "queues", "V", "queue tag --range" },
	{ "queues", "A", "queue summary" },
	{ "queues", "F", "queue flush" },
	{ "queues", "s", "queue sort" },
	{ "queues", "S", "queue sort --reverse" },
	{ "queues", "Enter", "queue show" },
	{ "queues", "m", "queue show --body" },
	{ "queues", "H", "queue hold" },
	{ "queues", "L", "queue release" },
	{ "queues", "E", "queue requeue" },
	{ "queues", "D", "queue delete" },
	{ "trace", "Enter", "move in" },
	{ "trace", "J", "move queue" },
	{ "trace", "n", "prompt \"trace \"" },
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
	{ "9", "view filter" },
	{ "W", "view trace" },
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
	{ "Left", "move left" },
	{ "Right", "move right" },
	{ "Enter", "move in" },
	{ "s", "move sort" },
	{ "S", "move sort-reverse" },
	{ "y", "copy" },
};

/*
 * What each binding does, said for that key in that view (help), and the
 * short label of the keys the status line teaches, in the order it shows
 * them (the view's most used first). A binding without an entry here is
 * described by its command's help and stays off the bar.
 */
static const struct keymap_doc {
	const char *view;  /* NULL: every view */
	const char *key;
	const char *label; /* on the key bar; NULL: only in help */
	const char *what;
} keymap_docs[] = {
	{ "queues", "H", "hold", "hold the tagged messages, or the one under "
	    "the cursor (asks first)" },
	{ "queues", "L", "release", "release the tagged held messages "
	    "(asks first)" },
	{ "queues", "D", "delete", "delete the tagged messages (asks first; "
	    "over 100 the count is typed)" },
	{ "queues", "t", "tag", "tag or untag the message under the cursor" },
	{ "queues", "T", "tag all", "tag every message the filter shows" },
	{ "queues", "Enter", "show", "show the message under the cursor: "
	    "envelope, recipients, delay reason" },
	{ "queues", "A", "summary", "summarize the listed queues per domain "
	    "and age, as qshape does" },
	{ "queues", "s", "sort", "sort by the next column" },
	{ "queues", "F", "flush", "try delivering the tagged messages now "
	    "(asks first)" },
	{ "queues", "E", "requeue", "requeue the tagged messages (asks "
	    "first)" },
	{ "queues", "V", "range", "tag from the last tagged message to the "
	    "cursor" },
	{ "queues", "U", "untag all", "untag every message" },
	{ "queues", "S", NULL, "reverse the sort order" },
	{ "queues", "m", NULL, "show the message under the cursor with its "
	    "body" },
	{ "blocklist", "+", "block", "block an IP: the prompt takes the IP, "
	    "--for and --reason (asks first)" },
	{ "blocklist", "-", "unblock", "lift the block under the cursor "
	    "(asks first)" },
	{ "blocklist", "e", "extend", "extend the block under the cursor: "
	    "the prompt takes --for" },
	{ "blocklist", "Tab", "suspects", "switch between the blocks and the "
	    "harvest suspects" },
	{ "blocklist", "h", "block suspect", "block the harvest suspect under "
	    "the cursor for a day (asks first)" },
	{ "blocklist", "n", "notify", "send the agency of the block under the "
	    "cursor a notice about it (asks first, showing the text)" },
	{ "agencies", "Enter", "permitted IPs", "open the agency under the "
	    "cursor: the pairs its SPF fails, its permitted IPs" },
	{ "agencies", "Right", NULL, "open the agency under the cursor" },
	{ "agencies", "b", NULL, "back to the list of agencies" },
	{ "agencies", "Left", NULL, "back to the list of agencies" },
	{ "agencies", "+", "block IP", "on an agency opened: block its "
	    "permitted IP under the cursor for a day (the prompt shows the "
	    "block; asks first)" },
	{ "agencies", "S", "check SPF", "check the agencies' SPF records "
	    "now (the spf command as a job; asks first)" },
	{ "agencies", "n", "notify", "send the agency under the cursor a "
	    "notice about its delayed mail (asks first, showing the text)" },
	{ "providers", "Enter", "deferrals", "open the provider under the "
	    "cursor: its deferral and bounce reasons, its latest reputation "
	    "refusal" },
	{ "providers", "Right", NULL, "open the provider under the cursor" },
	{ "providers", "Left", NULL, "back to the list of providers" },
	{ "providers", "b", NULL, "back to the list of providers" },
	{ "restore", "u", "user", "list a user's backups (the prompt takes "
	    "the user)" },
	{ "restore", "Enter", "restore", "on a backup: restore it into the "
	    "user's mailbox (asks first)" },
	{ "restore", "x", "cancel", "cancel the restore under way" },
	{ "alerts", "a", "ack", "acknowledge the alert under the cursor, with "
	    "a note" },
	{ "alerts", "s", "silence", "silence the alert's subject for a while" },
	{ "alerts", "Enter", "show subject", "show what the alert is about: "
	    "its view, filtered" },
	{ "trace", "n", "new", "ask the gateways' message indexes: the "
	    "prompt has \"trace \" typed (--to, --from, --id, --since ...)" },
	{ "trace", "Enter", "timeline", "open the message under the cursor: "
	    "received, each attempt, where it is now" },
	{ "trace", "J", "queue", "show the message in the queues view, "
	    "filtered to its ID, while it is still queued" },
	{ NULL, "?", NULL, "this help: the keys of the view it covers first" },
	{ NULL, "F1", NULL, "this help" },
	{ NULL, "q", NULL, "leave the console (waits for actions under way)" },
	{ NULL, "o", NULL, "the overview: health, nodes, alerts" },
	{ NULL, "1", NULL, "the overview: health, nodes, alerts" },
	{ NULL, "c", NULL, "the clusters: active and standby nodes, events" },
	{ NULL, "2", NULL, "the clusters: active and standby nodes, events" },
	{ NULL, "3", NULL, "every gateway's queue, listed over SSH" },
	{ NULL, "Q", NULL, "every gateway's queue, listed over SSH" },
	{ NULL, "4", NULL, "the blocklist: blocked IPs, harvest suspects" },
	{ NULL, "B", NULL, "the blocklist: blocked IPs, harvest suspects" },
	{ NULL, "5", NULL, "the agencies: relay volume, permits, bounces" },
	{ NULL, "a", NULL, "the agencies: relay volume, permits, bounces" },
	{ NULL, "6", NULL, "the audit trail: who changed what, when" },
	{ NULL, "w", NULL, "the audit trail: who changed what, when" },
	{ NULL, "7", NULL, "mailbox restores: backups per user, progress" },
	{ NULL, "R", NULL, "mailbox restores: backups per user, progress" },
	{ NULL, "8", NULL, "the reputation: the egress IPs on block lists" },
	{ NULL, "9", NULL, "the filter: each gateway's spam filter, rejects, "
	    "mail passed unscanned" },
	{ NULL, "W", NULL, "the message trace: where did the mail go (asks "
	    "every gateway's index)" },
	{ NULL, "!", NULL, "the alerts: active, acknowledged, silenced" },
	{ NULL, "P", NULL, "the providers: delivered, deferred, bounced per "
	    "provider" },
	{ NULL, "/", NULL, "filter the rows shown (Esc clears)" },
	{ NULL, ":", NULL, "type a command of the table (help lists them)" },
	{ NULL, "Escape", NULL, "clear the filter, or go back" },
	{ NULL, "r", NULL, "read everything again now (the queues view "
	    "lists again)" },
	{ NULL, "C-l", NULL, "read everything again now" },
	{ NULL, "Up", NULL, "cursor up" },
	{ NULL, "k", NULL, "cursor up" },
	{ NULL, "Down", NULL, "cursor down" },
	{ NULL, "j", NULL, "cursor down" },
	{ NULL, "PageUp", NULL, "a page up" },
	{ NULL, "PageDown", NULL, "a page down" },
	{ NULL, "Home", NULL, "to the first row" },
	{ NULL, "g", NULL, "to the first row" },
	{ NULL, "End", NULL, "to the last row" },
	{ NULL, "G", NULL, "to the last row" },
	{ NULL, "Left", NULL, "scroll the columns back (the first one stays)" },
	{ NULL, "Right", NULL, "scroll the columns: those cut at the edge "
	    "come into view" },
	{ NULL, "Enter", NULL, "open the row's detail: every field, whole "
	    "(Enter or Esc closes)" },
	{ NULL, "s", NULL, "sort by the next column (the heading is marked "
	    "^)" },
	{ NULL, "S", NULL, "reverse the sort" },
	{ NULL, "y", NULL, "copy the ID of the row under the cursor to the "
	    "terminal's clipboard (OSC 52); the status line shows it" },
};

static bool
keymap_same_view(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static const struct keymap_doc *
keymap_doc(const char *view, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof keymap_docs / sizeof keymap_docs[0]; i++) {
		if (keymap_same_view(keymap_docs[i].view, view) &&
		    strcmp(keymap_docs[i].key, key) == 0)
			return &keymap_docs[i];
	}
	return NULL;
}

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
	const struct keymap_doc *d = keymap_doc(view, key);

	b->name = key;
	b->command = command;
	b->view = view;
	b->what = d != NULL ? d->what : NULL;
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

/* Appends "KEY label  " to buf when it fits in `width` columns. */
static void
keymap_bar_add(char *buf, size_t len, int width, const char *key,
    const char *label)
{
	size_t off = strlen(buf);
	int n = (int)(strlen(key) + 1 + strlen(label));

	/* The two blanks after it are trimmed at the end of the bar. */
	if ((int)off + n > width || off + (size_t)n + 2 >= len)
		return;
	snprintf(buf + off, len - off, "%s %s  ", key, label);
}

void
keymap_bar(const struct keymap *km, const char *view, bool back,
    bool read_only, int width, char *buf, size_t len)
{
	static const struct {
		const char *key, *label;
	} tail[] = {
		{ "/", "filter" }, { ":", "command" }, { "q", "quit" },
		{ "1-9", "views" }, { "!", "alerts" }, { "P", "providers" },
	};
	size_t i, j;

	snprintf(buf, len, " ");
	keymap_bar_add(buf, len, width, "?", "help");
	for (i = 0; i < sizeof keymap_docs / sizeof keymap_docs[0]; i++) {
		const struct keymap_doc *d = &keymap_docs[i];
		const struct keymap_binding *b = NULL;

		if (d->label == NULL || d->view == NULL ||
		    strcmp(d->view, view) != 0)
			continue;
		for (j = 0; j < km->n; j++) {
			if (keymap_same_view(km->b[j].view, d->view) &&
			    strcmp(km->b[j].name, d->key) == 0)
				b = &km->b[j];
		}
		/* Read-only: a key that would only be refused is not taught. */
		if (b == NULL || (read_only &&
		    (cmd_flags(&b->cmd) & CMD_MUTATES)))
			continue;
		keymap_bar_add(buf, len, width, d->key, d->label);
	}
	if (back)
		keymap_bar_add(buf, len, width, "Esc", "back");
	for (i = 0; i < sizeof tail / sizeof tail[0]; i++)
		keymap_bar_add(buf, len, width, tail[i].key, tail[i].label);
	/* No trailing blanks: the bar ends with its last label. */
	for (i = strlen(buf); i > 0 && buf[i - 1] == ' '; i--)
		buf[i - 1] = '\0';
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
