/* Messages: what the status line said (questions and their answers,
 * results, errors, the lines typed), with the time, whole, scrollable. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/msglog.h"
#include "core/wrap.h"
#include "core/xalloc.h"
#include "tui/view.h"

/* "12:04:31 error " before each message. */
#define MESSAGES_INDENT 15

struct messages_view {
	int top;       /* first screen line shown, of all the wrapped lines */
	bool follow;   /* keep the newest in sight */
	int lines;     /* wrapped lines at the last draw */
	int page;      /* lines shown at the last draw */
};

static void *
messages_init(struct console *c)
{
	struct messages_view *st = xcalloc(1, sizeof *st);

	(void)c;
	st->follow = true;
	return st;
}

static enum theme_role
messages_role(enum msglog_kind kind)
{
	switch (kind) {
	case MSGLOG_ERROR:
		return ROLE_ALERT;
	case MSGLOG_QUESTION:
		return ROLE_WARN;
	case MSGLOG_COMMAND:
		return ROLE_DIM;
	case MSGLOG_INFO:
		break;
	}
	return ROLE_NORMAL;
}

/*
 * Draws (when draw) the wrapped lines from line `top` on into y..y+h-1;
 * returns how many lines all the messages take.
 */
static int
messages_lay(struct console *c, int top, int y, int h, bool draw)
{
	struct wrap_line wl[16];
	size_t i, k, n;
	int line = 0, width = COLS - MESSAGES_INDENT;

	for (i = 0; i < c->messages.n; i++) {
		const struct msglog_entry *e = msglog_get(&c->messages, i);
		time_t t = (time_t)e->when;
		char stamp[32];
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		n = wrap_text(e->text, width, wl, 16);
		for (k = 0; k < n && k < 16; k++, line++) {
			if (!draw || line < top || line >= top + h)
				continue;
			attrset(theme_attr(ROLE_DIM));
			if (k == 0)
				mvprintw(y + line - top, 0, "%s %-5s ", stamp,
				    msglog_kind_name(e->kind));
			attrset(theme_attr(messages_role(e->kind)));
			mvaddnstr(y + line - top, MESSAGES_INDENT, e->text +
			    wl[k].start, (int)wl[k].len);
		}
	}
	attrset(A_NORMAL);
	return line;
}

static void
messages_draw(void *state, struct console *c, int y, int h)
{
	struct messages_view *st = state;

	if (c->messages.n == 0) {
		attrset(theme_attr(ROLE_DIM));
		mvaddnstr(y, 0, " no messages yet", COLS);
		attrset(A_NORMAL);
		return;
	}
	st->lines = messages_lay(c, 0, y, h, false);
	st->page = h;
	if (st->follow || st->top > st->lines - h)
		st->top = st->lines - h;
	if (st->top < 0)
		st->top = 0;
	messages_lay(c, st->top, y, h, true);
}

static int
messages_move(void *state, const char *where)
{
	struct messages_view *st = state;
	int page = st->page > 1 ? st->page - 1 : 1;

	if (strcmp(where, "up") == 0)
		st->top--;
	else if (strcmp(where, "down") == 0)
		st->top++;
	else if (strcmp(where, "page-up") == 0)
		st->top -= page;
	else if (strcmp(where, "page-down") == 0)
		st->top += page;
	else if (strcmp(where, "top") == 0)
		st->top = 0;
	else if (strcmp(where, "bottom") == 0)
		st->top = st->lines;
	else
		return -1;
	if (st->top < 0)
		st->top = 0;
	/* At the end it follows the newest again. */
	st->follow = st->top >= st->lines - st->page;
	return 0;
}

/* messages: opens at the newest. */
static int
messages_command(void *state, struct console *c, const struct cmd *cmd,
    bool shown, char *cause, size_t len)
{
	struct messages_view *st = state;

	(void)c;
	(void)cmd;
	(void)shown;
	(void)cause;
	(void)len;
	st->follow = true;
	return 0;
}

static void
messages_free(void *state)
{
	free(state);
}

const struct view view_messages = {
	.name = "messages",
	.title = "Messages (Esc to go back)",
	.init = messages_init,
	.draw = messages_draw,
	.cursor = messages_move,
	.free = messages_free,
	.command = messages_command,
	.overlay = true,
};
