/* Unit tests of the prompt's line editor (every key), its completion, the
 * history and its file, the status line's wrapping and the message log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/lineedit.h"
#include "core/msglog.h"
#include "core/wrap.h"
#include "tests/unit/tmpdir.h"

#define CTRL(c) ((c) & 0x1f)

/* Types `s` at the cursor. */
static void
type(struct lineedit *le, const char *s)
{
	for (; *s != '\0'; s++)
		assert_true(lineedit_key(le, *s));
}

static void
keys(struct lineedit *le, const int *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_true(lineedit_key(le, k[i]));
}

static void
test_insert_and_move(void **state)
{
	struct lineedit le;

	(void)state;
	lineedit_reset(&le, NULL);
	type(&le, "blck 1.2.3.4");
	assert_string_equal(le.buf, "blck 1.2.3.4");
	assert_int_equal(le.pos, 12);
	/* Home, then Right three times, and a letter goes in the middle. */
	keys(&le, (int[]){ LINEEDIT_HOME, LINEEDIT_RIGHT, LINEEDIT_RIGHT }, 3);
	type(&le, "o");
	assert_string_equal(le.buf, "block 1.2.3.4");
	assert_int_equal(le.pos, 3);
	/* Left past the start stays at 0; Right past the end at len. */
	keys(&le, (int[]){ LINEEDIT_LEFT, LINEEDIT_LEFT, LINEEDIT_LEFT,
	    LINEEDIT_LEFT }, 4);
	assert_int_equal(le.pos, 0);
	keys(&le, (int[]){ LINEEDIT_END, LINEEDIT_RIGHT }, 2);
	assert_int_equal(le.pos, le.len);
	/* C-a, C-f, C-b, C-e: the same moves on control keys. */
	keys(&le, (int[]){ CTRL('a') }, 1);
	assert_int_equal(le.pos, 0);
	keys(&le, (int[]){ CTRL('f'), CTRL('f') }, 2);
	assert_int_equal(le.pos, 2);
	keys(&le, (int[]){ CTRL('b') }, 1);
	assert_int_equal(le.pos, 1);
	keys(&le, (int[]){ CTRL('e') }, 1);
	assert_int_equal(le.pos, le.len);
	/* Enter, Esc and Tab are the caller's. */
	assert_false(lineedit_key(&le, '\n'));
	assert_false(lineedit_key(&le, 27));
	assert_false(lineedit_key(&le, '\t'));
	assert_string_equal(le.buf, "block 1.2.3.4");
}

static void
test_delete_keys(void **state)
{
	struct lineedit le;

	(void)state;
	lineedit_reset(&le, NULL);
	/* Backspace in the middle: the character before the cursor. */
	lineedit_set(&le, "bxlock 1.2.3.4");
	le.pos = 2;
	keys(&le, (int[]){ LINEEDIT_BACKSPACE }, 1);
	assert_string_equal(le.buf, "block 1.2.3.4");
	assert_int_equal(le.pos, 1);
	/* Delete (and C-d) in the middle: the character under it. */
	lineedit_set(&le, "bxlock 1.2.3.4");
	le.pos = 1;
	keys(&le, (int[]){ LINEEDIT_DELETE }, 1);
	assert_string_equal(le.buf, "block 1.2.3.4");
	assert_int_equal(le.pos, 1);
	lineedit_set(&le, "bxlock 1.2.3.4");
	le.pos = 1;
	keys(&le, (int[]){ CTRL('d') }, 1);
	assert_string_equal(le.buf, "block 1.2.3.4");
	/* 127 and C-h are Backspace too; at the start they do nothing. */
	le.pos = 0;
	keys(&le, (int[]){ 127, CTRL('h') }, 2);
	assert_string_equal(le.buf, "block 1.2.3.4");
	le.pos = 4;
	keys(&le, (int[]){ 127 }, 1);
	assert_string_equal(le.buf, "blok 1.2.3.4");
	keys(&le, (int[]){ CTRL('h') }, 1);
	assert_string_equal(le.buf, "blk 1.2.3.4");
	/* Delete at the end does nothing. */
	le.pos = le.len;
	keys(&le, (int[]){ LINEEDIT_DELETE }, 1);
	assert_string_equal(le.buf, "blk 1.2.3.4");
}

static void
test_kill_keys(void **state)
{
	struct lineedit le;

	(void)state;
	lineedit_reset(&le, NULL);
	lineedit_set(&le, "block 1.2.3.4 --for 1h  ");
	/* C-w: the blanks before the cursor and the word before them. */
	keys(&le, (int[]){ CTRL('w') }, 1);
	assert_string_equal(le.buf, "block 1.2.3.4 --for ");
	keys(&le, (int[]){ CTRL('w') }, 1);
	assert_string_equal(le.buf, "block 1.2.3.4 ");
	/* In the middle: what follows the cursor stays. */
	lineedit_set(&le, "block 1.2.3.4 --for 1h");
	le.pos = 13;
	keys(&le, (int[]){ CTRL('w') }, 1);
	assert_string_equal(le.buf, "block  --for 1h");
	assert_int_equal(le.pos, 6);
	/* C-k: from the cursor to the end. */
	keys(&le, (int[]){ CTRL('k') }, 1);
	assert_string_equal(le.buf, "block ");
	assert_int_equal(le.len, 6);
	/* C-u: from the start to the cursor. */
	lineedit_set(&le, "block 1.2.3.4");
	le.pos = 6;
	keys(&le, (int[]){ CTRL('u') }, 1);
	assert_string_equal(le.buf, "1.2.3.4");
	assert_int_equal(le.pos, 0);
	/* C-w at the start does nothing. */
	keys(&le, (int[]){ CTRL('w') }, 1);
	assert_string_equal(le.buf, "1.2.3.4");
}

static void
test_full_line(void **state)
{
	struct lineedit le;
	size_t i;

	(void)state;
	lineedit_reset(&le, NULL);
	for (i = 0; i < LINEEDIT_MAX + 10; i++)
		lineedit_key(&le, 'x');
	assert_int_equal(le.len, LINEEDIT_MAX - 1);
	assert_int_equal(strlen(le.buf), LINEEDIT_MAX - 1);
	/* Not a character: taken (as no change) only if it is a key. */
	assert_false(lineedit_key(&le, 0x1234));
}

static void
test_history_walk(void **state)
{
	struct history h;
	struct lineedit le;

	(void)state;
	history_init(&h, 3);
	history_add(&h, "status");
	history_add(&h, "status");      /* a repeat is kept once */
	history_add(&h, "   ");         /* a blank line is not kept */
	history_add(&h, "queue list ");
	history_add(&h, "queue list");  /* the same, less the blank */
	assert_int_equal(h.n, 2);
	assert_string_equal(h.v[1], "queue list");
	lineedit_reset(&le, &h);
	type(&le, "blo");
	/* Up: the newest, then the one before; the draft is kept. */
	keys(&le, (int[]){ LINEEDIT_UP }, 1);
	assert_string_equal(le.buf, "queue list");
	assert_int_equal(le.pos, strlen("queue list"));
	keys(&le, (int[]){ CTRL('p') }, 1);
	assert_string_equal(le.buf, "status");
	keys(&le, (int[]){ LINEEDIT_UP }, 1);   /* no older one */
	assert_string_equal(le.buf, "status");
	keys(&le, (int[]){ LINEEDIT_DOWN }, 1);
	assert_string_equal(le.buf, "queue list");
	keys(&le, (int[]){ CTRL('n') }, 1);
	assert_string_equal(le.buf, "blo");
	keys(&le, (int[]){ LINEEDIT_DOWN }, 1); /* no newer one */
	assert_string_equal(le.buf, "blo");
	/* Bounded: the oldest goes. */
	history_add(&h, "a");
	history_add(&h, "b");
	assert_int_equal(h.n, 3);
	assert_string_equal(h.v[0], "queue list");
	assert_string_equal(h.v[2], "b");
	/* Without a history Up does nothing. */
	lineedit_reset(&le, NULL);
	type(&le, "x");
	keys(&le, (int[]){ LINEEDIT_UP }, 1);
	assert_string_equal(le.buf, "x");
	history_free(&h);
}

static void
test_history_file(void **state)
{
	struct history h, back;
	char path[256], cause[512];
	struct stat st;

	(void)state;
	snprintf(path, sizeof path, "%s/state/mailnoc/history", dir);
	history_init(&h, 0);
	assert_int_equal(h.max, 500);
	/* No file yet: an empty history, not an error. */
	assert_int_equal(history_load(&h, path, cause, sizeof cause), 0);
	assert_int_equal(h.n, 0);
	history_add(&h, "block 192.0.2.1 --for 1h --reason 'a b'");
	history_add(&h, "queue hold gw1:ABC");
	assert_int_equal(history_save(&h, path, cause, sizeof cause), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	history_init(&back, 0);
	assert_int_equal(history_load(&back, path, cause, sizeof cause), 0);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.v[0], "block 192.0.2.1 --for 1h --reason 'a b'");
	assert_string_equal(back.v[1], "queue hold gw1:ABC");
	history_free(&back);
	/* Read into a smaller bound: the newest are kept. */
	history_init(&back, 1);
	assert_int_equal(history_load(&back, path, cause, sizeof cause), 0);
	assert_int_equal(back.n, 1);
	assert_string_equal(back.v[0], "queue hold gw1:ABC");
	history_free(&back);
	history_free(&h);
	/* A place that cannot be written says so. */
	assert_int_equal(history_save(&h, "/proc/nonexistent/x/history", cause,
	    sizeof cause), -1);
	assert_non_null(strstr(cause, "cannot write the prompt's history"));
}

static void
test_history_path(void **state)
{
	char buf[256];

	(void)state;
	unsetenv("MAILNOC_STATE_DIR");
	setenv("XDG_STATE_HOME", "/tmp/st", 1);
	assert_int_equal(history_path(buf, sizeof buf), 0);
	assert_string_equal(buf, "/tmp/st/mailnoc/history");
	/* A relative XDG_STATE_HOME is ignored, as the XDG rule says. */
	setenv("XDG_STATE_HOME", "rel", 1);
	setenv("HOME", "/home/op", 1);
	assert_int_equal(history_path(buf, sizeof buf), 0);
	assert_string_equal(buf, "/home/op/.local/state/mailnoc/history");
	unsetenv("XDG_STATE_HOME");
	assert_int_equal(history_path(buf, sizeof buf), 0);
	assert_string_equal(buf, "/home/op/.local/state/mailnoc/history");
	/* MAILNOC_STATE_DIR first, as for the role cache. */
	setenv("MAILNOC_STATE_DIR", "/var/tmp/mn", 1);
	assert_int_equal(history_path(buf, sizeof buf), 0);
	assert_string_equal(buf, "/var/tmp/mn/history");
	unsetenv("MAILNOC_STATE_DIR");
	/* Too long for the buffer. */
	assert_int_equal(history_path(buf, 8), -1);
}

static void
test_complete(void **state)
{
	static const char *const cmds[] = { "block", "blocks", "unblock",
	    "queue", "quit" };
	struct lineedit le;
	bool listed;

	(void)state;
	lineedit_reset(&le, NULL);
	/* One match: the word and a blank. */
	type(&le, "unb");
	assert_int_equal(lineedit_complete(&le, cmds, 5, &listed), 1);
	assert_false(listed);
	assert_string_equal(le.buf, "unblock ");
	/* Several: extended to what they share, and listed. */
	lineedit_set(&le, "blo");
	assert_int_equal(lineedit_complete(&le, cmds, 5, &listed), 2);
	assert_true(listed);
	assert_string_equal(le.buf, "block");
	lineedit_set(&le, "qu");
	assert_int_equal(lineedit_complete(&le, cmds, 5, &listed), 2);
	assert_true(listed);
	assert_string_equal(le.buf, "qu");
	/* None: nothing changes. */
	lineedit_set(&le, "zz");
	assert_int_equal(lineedit_complete(&le, cmds, 5, &listed), 0);
	assert_string_equal(le.buf, "zz");
	/* The word before the cursor, in the middle of the line. */
	lineedit_set(&le, "qui --yes");
	le.pos = 3;
	assert_int_equal(lineedit_complete(&le, cmds, 5, &listed), 1);
	assert_string_equal(le.buf, "quit --yes");
	assert_int_equal(le.pos, 4);
	/* The word starts after the last blank outside quotes. */
	lineedit_set(&le, "block 'a b");
	assert_int_equal(lineedit_word_start(&le), 6);
	/* No blank after a candidate that ends with '='. */
	{
		static const char *const eq[] = { "--since=" };

		lineedit_set(&le, "audit --si");
		assert_int_equal(lineedit_complete(&le, eq, 1, &listed), 1);
		assert_string_equal(le.buf, "audit --since=");
	}
}

static void
test_wrap(void **state)
{
	struct wrap_line wl[4];
	const char *q = "block 2001:db8::1234:5678 for 1h 30m, until "
	    "2026-12-04 22:57:00? y/N: ";

	(void)state;
	/* Short: one line, whole. */
	assert_int_equal(wrap_text("hello", 80, wl, 4), 1);
	assert_int_equal(wl[0].len, 5);
	assert_int_equal(wrap_text("", 80, wl, 4), 1);
	assert_int_equal(wl[0].len, 0);
	/* At a blank: neither line holds it. */
	assert_int_equal(wrap_text("aaa bbb", 5, wl, 4), 2);
	assert_int_equal(wl[0].start, 0);
	assert_int_equal(wl[0].len, 3);
	assert_int_equal(wl[1].start, 4);
	assert_int_equal(wl[1].len, 3);
	/* A blank right at the edge. */
	assert_int_equal(wrap_text("aaaaa bbb", 5, wl, 4), 2);
	assert_int_equal(wl[0].len, 5);
	assert_int_equal(wl[1].start, 6);
	/* A word wider than a line is cut at the edge. */
	assert_int_equal(wrap_text("abcdefghij", 4, wl, 4), 3);
	assert_int_equal(wl[0].len, 4);
	assert_int_equal(wl[1].start, 4);
	assert_int_equal(wl[2].len, 2);
	/* More lines than room: the count says so, only max are filled. */
	assert_int_equal(wrap_text("a b c d e f", 1, wl, 2), 6);
	/* The question of the issue at 40 columns: every word whole. */
	assert_int_equal(wrap_text(q, 40, wl, 4), 2);
	assert_true(wl[0].len <= 40 && wl[1].len <= 40);
	assert_int_equal(wl[0].len + 1 + wl[1].len, strlen(q));
	/* UTF-8: a character is one column, never cut in two. */
	assert_int_equal(wrap_columns("\xe2\x80\xa6" "ab", 5), 3);
	assert_int_equal(wrap_text("\xe2\x80\xa6\xe2\x80\xa6\xe2\x80\xa6", 2,
	    wl, 4), 2);
	assert_int_equal(wl[0].len, 6);
	assert_int_equal(wl[1].len, 3);
	/* Width 0 is taken as 1. */
	assert_int_equal(wrap_text("ab", 0, wl, 4), 2);
}

static void
test_msglog(void **state)
{
	static struct msglog log;
	char text[32];
	size_t i;

	(void)state;
	assert_null(msglog_get(&log, 0));
	assert_null(msglog_last(&log));
	msglog_add(&log, 100, MSGLOG_QUESTION, "hold 1 message? y/N: y");
	msglog_add(&log, 101, MSGLOG_ERROR, "queue hold: refused");
	assert_int_equal(log.n, 2);
	assert_string_equal(msglog_get(&log, 0)->text, "hold 1 message? y/N: y");
	assert_int_equal(msglog_get(&log, 1)->when, 101);
	assert_string_equal(msglog_kind_name(msglog_get(&log, 1)->kind),
	    "error");
	assert_string_equal(msglog_last(&log)->text, "queue hold: refused");
	/* Full: the oldest go, the order stays. */
	for (i = 0; i < MSGLOG_MAX + 5; i++) {
		snprintf(text, sizeof text, "m%zu", i);
		msglog_add(&log, (long long)i, MSGLOG_INFO, text);
	}
	assert_int_equal(log.n, MSGLOG_MAX);
	assert_string_equal(msglog_get(&log, 0)->text, "m5");
	snprintf(text, sizeof text, "m%d", MSGLOG_MAX + 4);
	assert_string_equal(msglog_get(&log, MSGLOG_MAX - 1)->text, text);
	assert_null(msglog_get(&log, MSGLOG_MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_and_move),
		cmocka_unit_test(test_delete_keys),
		cmocka_unit_test(test_kill_keys),
		cmocka_unit_test(test_full_line),
		cmocka_unit_test(test_history_walk),
		cmocka_unit_test_setup_teardown(test_history_file, setup_dir,
		    teardown_dir),
		cmocka_unit_test(test_history_path),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_msglog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
