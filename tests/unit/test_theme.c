/* Unit tests of the theme parser, the theme lookup and the colour choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tui/theme.h"

#define ROLES_ACCEPTED "normal, header, title, status, selected, tagged, " \
	"ok, warn, alert, stale, dim, banner, key, bar, readonly"
#define COLOURS_ACCEPTED "use default, black, red, green, yellow, blue, " \
	"magenta, cyan, white, optionally /0-255"
#define USAGE "use 'role = foreground background [attribute...]'"

static const char *const shipped[] = {
	"default", "light", "high-contrast", "monochrome",
};

/* A theme that sets every role; tests add to it or take lines out. */
static const char all_roles[] =
    "normal = default default\n"
    "header = white/231 blue/24 bold\n"
    "title = default default bold\n"
    "status = black white/250\n"
    "selected = default default reverse\n"
    "tagged = magenta default bold\n"
    "ok = green default\n"
    "warn = yellow/221 default bold\n"
    "alert = red/203 default bold\n"
    "stale = default/244 default dim\n"
    "dim = default default dim\n"
    "banner = white red bold\n"
    "key = cyan default bold\n"
    "bar = cyan/38 default\n"
    "readonly = black magenta\n";

static void
parse_ok(const char *text, struct theme *t)
{
	char cause[THEME_CAUSE_MAX] = "";

	if (theme_parse(text, "test.theme", t, cause, sizeof cause) != 0)
		fail_msg("%s", cause);
}

/* Copies all_roles into buf without the lines that set the roles named. */
static void
roles_without(char *buf, size_t len, const char *const *skip, size_t nskip)
{
	const char *p, *eol;
	size_t off = 0, n, i;
	int keep;

	for (p = all_roles; *p != '\0'; p = eol + 1) {
		eol = strchr(p, '\n');
		keep = 1;
		for (i = 0; i < nskip; i++) {
			n = strlen(skip[i]);
			if (strncmp(p, skip[i], n) == 0 && p[n] == ' ')
				keep = 0;
		}
		n = (size_t)(eol - p) + 1;
		if (keep && off + n < len) {
			memcpy(buf + off, p, n);
			off += n;
		}
	}
	buf[off] = '\0';
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_roles(void **state)
{
	enum theme_role role;
	int r;

	(void)state;
	for (r = 0; r < ROLE_COUNT; r++) {
		assert_non_null(theme_role_name((enum theme_role)r));
		assert_int_equal(theme_role_parse(
		    theme_role_name((enum theme_role)r), &role), 0);
		assert_int_equal(role, r);
	}
	assert_string_equal(theme_role_name(ROLE_ALERT), "alert");
	assert_string_equal(theme_role_name(ROLE_READONLY), "readonly");
	assert_null(theme_role_name(ROLE_COUNT));
	assert_int_equal(theme_role_parse("Alert", &role), -1);
	assert_int_equal(theme_role_parse("", &role), -1);
}

static void
test_shipped(void **state)
{
	char cause[THEME_CAUSE_MAX], path[64];
	struct theme byname, bypath;
	size_t i;
	int r;

	(void)state;
	unsetenv("MAILNOC_THEME_DIR");
	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		cause[0] = '\0';
		if (theme_load(shipped[i], &byname, cause, sizeof cause) != 0)
			fail_msg("%s: %s", shipped[i], cause);
		snprintf(path, sizeof path, "themes/%s.theme", shipped[i]);
		assert_int_equal(theme_load(path, &bypath, cause,
		    sizeof cause), 0);
		assert_memory_equal(&byname, &bypath, sizeof byname);
	}

	/* The meaning of colours is the same in every theme. */
	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		const struct theme_style *role = byname.role;

		if (strcmp(shipped[i], "monochrome") == 0)
			continue;
		assert_int_equal(theme_load(shipped[i], &byname, cause,
		    sizeof cause), 0);
		assert_int_equal(role[ROLE_OK].fg8, COLOR_GREEN);
		assert_true(role[ROLE_WARN].fg8 == COLOR_YELLOW ||
		    role[ROLE_WARN].bg8 == COLOR_YELLOW);
		assert_true(role[ROLE_ALERT].fg8 == COLOR_RED ||
		    role[ROLE_ALERT].bg8 == COLOR_RED);
		assert_int_equal(role[ROLE_BANNER].bg8, COLOR_RED);
		assert_int_equal(role[ROLE_STALE].fg8, -1);
		assert_in_range(role[ROLE_STALE].fg256, 240, 250);
		assert_true(role[ROLE_STALE].attrs & A_DIM);
	}
	assert_int_equal(theme_load("default", &byname, cause, sizeof cause),
	    0);
	assert_int_equal(byname.role[ROLE_WARN].fg8, COLOR_YELLOW);
	assert_int_equal(byname.role[ROLE_WARN].fg256, 221);
	assert_int_equal(byname.role[ROLE_WARN].bg8, -1);
	assert_int_equal(byname.role[ROLE_WARN].bg256, -1);
	assert_int_equal(byname.role[ROLE_WARN].attrs, A_BOLD);

	/* Monochrome has no colour at all. */
	assert_int_equal(theme_load("monochrome", &byname, cause,
	    sizeof cause), 0);
	for (r = 0; r < ROLE_COUNT; r++) {
		assert_int_equal(byname.role[r].fg8, -1);
		assert_int_equal(byname.role[r].fg256, -1);
		assert_int_equal(byname.role[r].bg8, -1);
		assert_int_equal(byname.role[r].bg256, -1);
	}
	assert_int_equal(byname.role[ROLE_SELECTED].attrs, A_REVERSE);
}

static void
test_parse_good(void **state)
{
	static const char *const skip[] = { "ok", "warn" };
	char text[4096], rest[1024];
	struct theme t;

	(void)state;
	/* Comments, blank lines, CRLF, tabs, '=' without blanks, no final
	 * newline, every attribute and the ends of the 256-colour range. */
	roles_without(rest, sizeof rest, skip, 2);
	snprintf(text, sizeof text, "# a comment\r\n\r\n  \t\n%s"
	    "ok=green/0 blue/255 # trailing comment\r\n"
	    "\twarn\t=\tdefault black bold dim reverse underline standout "
	    "italic", rest);
	parse_ok(text, &t);
	assert_int_equal(t.role[ROLE_OK].fg8, COLOR_GREEN);
	assert_int_equal(t.role[ROLE_OK].fg256, 0);
	assert_int_equal(t.role[ROLE_OK].bg8, COLOR_BLUE);
	assert_int_equal(t.role[ROLE_OK].bg256, 255);
	assert_int_equal(t.role[ROLE_OK].attrs, 0);
	assert_int_equal(t.role[ROLE_WARN].fg8, -1);
	assert_int_equal(t.role[ROLE_WARN].fg256, -1);
	assert_int_equal(t.role[ROLE_WARN].bg8, COLOR_BLACK);
	assert_int_equal(t.role[ROLE_WARN].attrs, A_BOLD | A_DIM | A_REVERSE |
	    A_UNDERLINE | A_STANDOUT | A_ITALIC);
	assert_int_equal(t.role[ROLE_HEADER].fg8, COLOR_WHITE);
	assert_int_equal(t.role[ROLE_HEADER].fg256, 231);
	assert_int_equal(t.role[ROLE_HEADER].bg8, COLOR_BLUE);
	assert_int_equal(t.role[ROLE_HEADER].bg256, 24);

	/* A CRLF file whose last line lost its LF (this used to hang). */
	snprintf(text, sizeof text, "%sok = green default\r\n"
	    "warn = yellow default\r", rest);
	parse_ok(text, &t);
	assert_int_equal(t.role[ROLE_WARN].fg8, COLOR_YELLOW);

	/* A line of exactly THEME_LINE_MAX characters is accepted. */
	memset(text, '#', THEME_LINE_MAX);
	snprintf(text + THEME_LINE_MAX, sizeof text - THEME_LINE_MAX, "\n%s",
	    all_roles);
	parse_ok(text, &t);
}

struct bad_case {
	const char *text;
	const char *message;
};

static const struct bad_case bad_cases[] = {
	{ "normal = default default\nalrt = red default\n",
	    "bad.theme:2: 'alrt' is not a role; use " ROLES_ACCEPTED },
	{ "Alert = red default\n",
	    "bad.theme:1: 'Alert' is not a role; use " ROLES_ACCEPTED },
	{ "# colours\n\nalert = purpel default bold\n",
	    "bad.theme:3: 'purpel' is not a colour; " COLOURS_ACCEPTED },
	{ "alert = red nope\n",
	    "bad.theme:1: 'nope' is not a colour; " COLOURS_ACCEPTED },
	{ "alert = RED default\n",
	    "bad.theme:1: 'RED' is not a colour; " COLOURS_ACCEPTED },
	{ "alert = red/ default\n",
	    "bad.theme:1: 'red/' is not a colour; " COLOURS_ACCEPTED },
	{ "alert = red/1x default\n",
	    "bad.theme:1: 'red/1x' is not a colour; " COLOURS_ACCEPTED },
	{ "alert = /196 default\n",
	    "bad.theme:1: '/196' is not a colour; " COLOURS_ACCEPTED },
	{ "alert = red/-1 default\n",
	    "bad.theme:1: 'red/-1' is not a colour; " COLOURS_ACCEPTED },
	{ "alert = red/256 default\n",
	    "bad.theme:1: 'red/256' is out of range; the 256-colour index is "
	    "0-255" },
	{ "alert = red default/99999999999999999999\n",
	    "bad.theme:1: 'default/99999999999999999999' is out of range; the "
	    "256-colour index is 0-255" },
	{ "alert = red = default\n",
	    "bad.theme:1: '=' is not a colour; " COLOURS_ACCEPTED },
	{ "alert = red default bold blink\n",
	    "bad.theme:1: 'blink' is not an attribute; use bold, dim, reverse, "
	    "underline, standout, italic" },
	{ "alert = red default normal\n",
	    "bad.theme:1: 'normal' is not an attribute; use bold, dim, "
	    "reverse, underline, standout, italic" },
	{ "alert = red default\nok = green default\nalert = red default bold\n",
	    "bad.theme:3: 'alert' is already set on line 1" },
	{ "alert red default bold\n",
	    "bad.theme:1: missing '=' after 'alert'; " USAGE },
	{ "[theme]\n", "bad.theme:1: missing '=' after '[theme]'; " USAGE },
	{ "= red default\n", "bad.theme:1: missing role before '='; " USAGE },
	{ "alert red = default\n",
	    "bad.theme:1: unexpected 'red' after 'alert'; " USAGE },
	{ "alert =\n", "bad.theme:1: 'alert' has no colours; " USAGE },
	{ "alert = red # default\n",
	    "bad.theme:1: 'alert' has no background colour; " USAGE },
	{ "alert = red\x01 default\n",
	    "bad.theme:1: only printable ASCII is accepted outside comments" },
	{ "alert = r\xc3\xb8" "d default\n",
	    "bad.theme:1: only printable ASCII is accepted outside comments" },
	{ "", "bad.theme: no roles are set; a theme sets every role: "
	    ROLES_ACCEPTED },
	{ "# only a comment\n\n   \n", "bad.theme: no roles are set; a theme "
	    "sets every role: " ROLES_ACCEPTED },
	{ "normal = default default\nalert = red default\n",
	    "bad.theme: roles not set: header, title, status, selected, "
	    "tagged, ok, warn, stale, dim, banner, key, bar, readonly; a "
	    "theme sets every role" },
};

static void
test_bad(void **state)
{
	struct theme t, before;
	size_t i;

	(void)state;
	memset(&before, 0x5a, sizeof before);
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		char cause[THEME_CAUSE_MAX] = "";

		t = before;
		if (theme_parse(bad_cases[i].text, "bad.theme", &t, cause,
		    sizeof cause) == 0)
			fail_msg("case %zu was accepted", i);
		assert_string_equal(cause, bad_cases[i].message);
		assert_memory_equal(&t, &before, sizeof t);
	}
}

static void
test_bad_whole(void **state)
{
	static const char *const skip[] = { "banner", "stale" };
	char text[4096], cause[THEME_CAUSE_MAX];
	struct theme t;

	(void)state;
	/* Two roles missing from an otherwise good theme. */
	roles_without(text, sizeof text, skip, 2);
	assert_int_equal(theme_parse(text, "themes/x.theme", &t, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "themes/x.theme: roles not set: stale, "
	    "banner; a theme sets every role");

	/* A duplicate after a full theme names both lines. */
	snprintf(text, sizeof text, "%sok = green/46 default\n", all_roles);
	assert_int_equal(theme_parse(text, "themes/x.theme", &t, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "themes/x.theme:16: 'ok' is already set "
	    "on line 7");

	/* One character over the line limit. */
	memset(text, '#', THEME_LINE_MAX + 1);
	snprintf(text + THEME_LINE_MAX + 1, sizeof text - THEME_LINE_MAX - 1,
	    "\n%s", all_roles);
	assert_int_equal(theme_parse(text, "themes/x.theme", &t, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "themes/x.theme:1: line is longer than 200 "
	    "characters");
}

static void
test_lookup(void **state)
{
	char dir[] = "/tmp/mailnoc-test-theme-XXXXXX";
	char path[256], cause[THEME_CAUSE_MAX], expect[THEME_CAUSE_MAX];
	char text[4096], big[THEME_FILE_MAX + 2];
	struct theme t, shipped_light;

	(void)state;
	assert_non_null(mkdtemp(dir));

	/* $MAILNOC_THEME_DIR comes first. */
	snprintf(text, sizeof text, "%s", all_roles);
	memcpy(strstr(text, "alert = red/203"), "alert = blue/33", 15);
	snprintf(path, sizeof path, "%s/default.theme", dir);
	write_file(path, text, strlen(text));
	snprintf(path, sizeof path, "%s/", dir);
	setenv("MAILNOC_THEME_DIR", path, 1);
	assert_int_equal(theme_load("default", &t, cause, sizeof cause), 0);
	assert_int_equal(t.role[ROLE_ALERT].fg8, COLOR_BLUE);
	assert_int_equal(t.role[ROLE_ALERT].fg256, 33);

	/* Then the source tree's themes (this test is built in it). */
	assert_int_equal(theme_load("light", &t, cause, sizeof cause), 0);
	assert_int_equal(theme_load(MAILNOC_SRCDIR "/themes/light.theme",
	    &shipped_light, cause, sizeof cause), 0);
	assert_memory_equal(&t, &shipped_light, sizeof t);

	/* Never the current directory: its themes/ is not looked at. */
	{
		char cwd[PATH_MAX], sub[300];

		assert_non_null(getcwd(cwd, sizeof cwd));
		snprintf(sub, sizeof sub, "%s/themes", dir);
		assert_int_equal(mkdir(sub, 0700), 0);
		snprintf(path, sizeof path, "%s/light.theme", sub);
		write_file(path, "alert = purpel default\n", 23);
		assert_int_equal(chdir(dir), 0);
		assert_int_equal(theme_load("light", &t, cause, sizeof cause),
		    0);
		assert_memory_equal(&t, &shipped_light, sizeof t);
		assert_int_equal(chdir(cwd), 0);
		unlink(path);
		rmdir(sub);
	}

	/* The first file found is used, even when it is bad. */
	snprintf(path, sizeof path, "%s/default.theme", dir);
	write_file(path, "alert = purpel default\n", 23);
	assert_int_equal(theme_load("default", &t, cause, sizeof cause), -1);
	snprintf(expect, sizeof expect, "%s/default.theme:1: 'purpel' is not "
	    "a colour; " COLOURS_ACCEPTED, dir);
	assert_string_equal(cause, expect);
	unlink(path);

	/* Nowhere: the error says where it looked. */
	assert_int_equal(theme_load("nosuch", &t, cause, sizeof cause), -1);
	snprintf(expect, sizeof expect, "cannot find theme 'nosuch': looked in "
	    "%s/nosuch.theme, " MAILNOC_SRCDIR "/themes/nosuch.theme, "
	    MAILNOC_DATADIR "/themes/nosuch.theme", dir);
	assert_string_equal(cause, expect);
	setenv("MAILNOC_THEME_DIR", "", 1);
	assert_int_equal(theme_load("nosuch", &t, cause, sizeof cause), -1);
	assert_string_equal(cause, "cannot find theme 'nosuch': looked in "
	    MAILNOC_SRCDIR "/themes/nosuch.theme, " MAILNOC_DATADIR
	    "/themes/nosuch.theme");
	unsetenv("MAILNOC_THEME_DIR");
	assert_int_equal(theme_load("nosuch", &t, cause, sizeof cause), -1);
	assert_string_equal(cause, "cannot find theme 'nosuch': looked in "
	    MAILNOC_SRCDIR "/themes/nosuch.theme, " MAILNOC_DATADIR
	    "/themes/nosuch.theme");

	/* Names are checked before they become paths. */
	assert_int_equal(theme_load("de fault", &t, cause, sizeof cause), -1);
	assert_string_equal(cause, "'de fault' is not a theme name; use 1-32 "
	    "letters, digits, '-' or '_', or a path containing '/'");
	assert_int_equal(theme_load("default.theme", &t, cause, sizeof cause),
	    -1);
	assert_string_equal(cause, "'default.theme' is not a theme name; use "
	    "1-32 letters, digits, '-' or '_', or a path containing '/'");
	assert_int_equal(theme_load("", &t, cause, sizeof cause), -1);
	assert_string_equal(cause, "'' is not a theme name; use 1-32 letters, "
	    "digits, '-' or '_', or a path containing '/'");
	assert_int_equal(theme_load("a23456789012345678901234567890123", &t,
	    cause, sizeof cause), -1);

	/* A path is used as it is. */
	snprintf(path, sizeof path, "%s/custom.theme", dir);
	write_file(path, all_roles, strlen(all_roles));
	assert_int_equal(theme_load(path, &t, cause, sizeof cause), 0);
	unlink(path);
	assert_int_equal(theme_load(path, &t, cause, sizeof cause), -1);
	snprintf(expect, sizeof expect, "%s: cannot open: No such file or "
	    "directory", path);
	assert_string_equal(cause, expect);

	/* A directory where the file should be is an error, not a miss. */
	setenv("MAILNOC_THEME_DIR", dir, 1);
	snprintf(path, sizeof path, "%s/dir.theme", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(theme_load("dir", &t, cause, sizeof cause), -1);
	snprintf(expect, sizeof expect, "%s: not a regular file", path);
	assert_string_equal(cause, expect);
	rmdir(path);

	/* Binary and oversized files. */
	snprintf(path, sizeof path, "%s/nul.theme", dir);
	write_file(path, "normal = default\0default\n", 25);
	assert_int_equal(theme_load("nul", &t, cause, sizeof cause), -1);
	snprintf(expect, sizeof expect, "%s: contains a NUL byte; a theme is "
	    "a text file", path);
	assert_string_equal(cause, expect);
	unlink(path);
	snprintf(path, sizeof path, "%s/big.theme", dir);
	memset(big, '\n', sizeof big);
	write_file(path, big, THEME_FILE_MAX + 1);
	assert_int_equal(theme_load("big", &t, cause, sizeof cause), -1);
	snprintf(expect, sizeof expect, "%s: larger than 65536 bytes; a theme "
	    "is a few lines of text", path);
	assert_string_equal(cause, expect);
	/* Exactly the limit is fine. */
	memcpy(big, all_roles, strlen(all_roles));
	write_file(path, big, THEME_FILE_MAX);
	assert_int_equal(theme_load("big", &t, cause, sizeof cause), 0);
	unlink(path);

	unsetenv("MAILNOC_THEME_DIR");
	assert_int_equal(rmdir(dir), 0);
}

static void
test_resolve_colours(void **state)
{
	struct theme_caps caps = { 256, 256, true, false };
	struct theme_draw d[ROLE_COUNT];
	struct theme t;

	(void)state;
	parse_ok(all_roles, &t);

	/* 256 colours: the /N values. */
	theme_resolve(&t, &caps, d);
	assert_int_equal(d[ROLE_NORMAL].pair, 0);
	assert_int_equal(d[ROLE_NORMAL].fg, -1);
	assert_int_equal(d[ROLE_NORMAL].bg, -1);
	assert_int_equal(d[ROLE_ALERT].pair, ROLE_ALERT);
	assert_int_equal(d[ROLE_ALERT].fg, 203);
	assert_int_equal(d[ROLE_ALERT].bg, -1);
	assert_int_equal(d[ROLE_ALERT].attrs, A_BOLD);
	assert_int_equal(d[ROLE_HEADER].fg, 231);
	assert_int_equal(d[ROLE_HEADER].bg, 24);
	/* Without /N the 8-colour value is used. */
	assert_int_equal(d[ROLE_STATUS].fg, COLOR_BLACK);
	assert_int_equal(d[ROLE_STATUS].bg, 250);
	assert_int_equal(d[ROLE_STALE].fg, 244);
	/* Normal's colours need no pair; nor do attributes reverse. */
	assert_int_equal(d[ROLE_SELECTED].pair, 0);
	assert_int_equal(d[ROLE_SELECTED].attrs, A_REVERSE);
	assert_int_equal(d[ROLE_TITLE].pair, 0);

	/* 8 colours: the names. */
	caps.colours = 8;
	caps.pairs = 64;
	theme_resolve(&t, &caps, d);
	assert_int_equal(d[ROLE_ALERT].pair, ROLE_ALERT);
	assert_int_equal(d[ROLE_ALERT].fg, COLOR_RED);
	assert_int_equal(d[ROLE_HEADER].fg, COLOR_WHITE);
	assert_int_equal(d[ROLE_HEADER].bg, COLOR_BLUE);
	assert_int_equal(d[ROLE_STATUS].bg, COLOR_WHITE);
	/* stale is default/244: on 8 colours it is normal plus dim. */
	assert_int_equal(d[ROLE_STALE].fg, -1);
	assert_int_equal(d[ROLE_STALE].pair, 0);
	assert_int_equal(d[ROLE_STALE].attrs, A_DIM);

	/* 16 and 88 colours are not 256: names again. */
	caps.colours = 88;
	theme_resolve(&t, &caps, d);
	assert_int_equal(d[ROLE_ALERT].fg, COLOR_RED);

	/* A terminal that cannot show its own colours gets white on black. */
	caps.colours = 8;
	caps.defaults = false;
	theme_resolve(&t, &caps, d);
	assert_int_equal(d[ROLE_NORMAL].fg, COLOR_WHITE);
	assert_int_equal(d[ROLE_NORMAL].bg, COLOR_BLACK);
	assert_int_equal(d[ROLE_ALERT].fg, COLOR_RED);
	assert_int_equal(d[ROLE_ALERT].bg, COLOR_BLACK);
	assert_int_equal(d[ROLE_SELECTED].pair, 0);

	/* Too few pairs: the roles past the end lose colour, not meaning. */
	caps.defaults = true;
	caps.pairs = ROLE_HEADER + 1;
	theme_resolve(&t, &caps, d);
	assert_int_equal(d[ROLE_HEADER].pair, ROLE_HEADER);
	assert_int_equal(d[ROLE_ALERT].pair, 0);
	assert_int_equal(d[ROLE_ALERT].attrs, A_BOLD);
	assert_int_equal(d[ROLE_BANNER].pair, 0);
	assert_int_equal(d[ROLE_BANNER].attrs, A_BOLD | A_REVERSE);
}

static void
test_resolve_default(void **state)
{
	struct theme_caps caps = { 256, 256, true, false };
	struct theme_draw d[ROLE_COUNT];
	struct theme t;

	(void)state;
	/* With a painted normal, 'default' elsewhere means normal's colour. */
	parse_ok("normal = white/231 black/16\n"
	    "header = black white\n"
	    "title = default default bold\n"
	    "status = black white\n"
	    "selected = default blue\n"
	    "tagged = magenta default\n"
	    "ok = green default\n"
	    "warn = yellow default\n"
	    "alert = red/196 default bold\n"
	    "stale = default/244 default\n"
	    "dim = default default dim\n"
	    "banner = white red\n"
	    "key = cyan default\n"
	    "bar = cyan default\n"
	    "readonly = default black/16 underline\n", &t);
	theme_resolve(&t, &caps, d);
	assert_int_equal(d[ROLE_NORMAL].fg, 231);
	assert_int_equal(d[ROLE_NORMAL].bg, 16);
	assert_int_equal(d[ROLE_ALERT].fg, 196);
	assert_int_equal(d[ROLE_ALERT].bg, 16);
	assert_int_equal(d[ROLE_SELECTED].fg, 231);
	assert_int_equal(d[ROLE_SELECTED].bg, COLOR_BLUE);
	assert_int_equal(d[ROLE_TITLE].pair, 0);
	/* Normal's colours written out still need no pair. */
	assert_int_equal(d[ROLE_READONLY].pair, 0);

	caps.colours = 8;
	theme_resolve(&t, &caps, d);
	assert_int_equal(d[ROLE_NORMAL].fg, COLOR_WHITE);
	assert_int_equal(d[ROLE_NORMAL].bg, COLOR_BLACK);
	assert_int_equal(d[ROLE_ALERT].bg, COLOR_BLACK);
	assert_int_equal(d[ROLE_STALE].fg, COLOR_WHITE);

	/* Without colour, normal's own background is no band. */
	caps.no_color = true;
	theme_resolve(&t, &caps, d);
	assert_int_equal(d[ROLE_NORMAL].attrs, 0);
	assert_int_equal(d[ROLE_READONLY].attrs, A_UNDERLINE);
	assert_int_equal(d[ROLE_SELECTED].attrs, A_REVERSE);
}

static void
test_resolve_no_color(void **state)
{
	struct theme_caps caps = { 256, 256, true, true };
	struct theme_draw d[ROLE_COUNT], mono[ROLE_COUNT];
	struct theme t;
	int r;

	(void)state;
	parse_ok(all_roles, &t);
	theme_resolve(&t, &caps, d);
	for (r = 0; r < ROLE_COUNT; r++) {
		assert_int_equal(d[r].pair, 0);
		assert_int_equal(d[r].fg, -1);
		assert_int_equal(d[r].bg, -1);
	}
	/* Attributes stay; a role with a background is reversed. */
	assert_int_equal(d[ROLE_NORMAL].attrs, 0);
	assert_int_equal(d[ROLE_ALERT].attrs, A_BOLD);
	assert_int_equal(d[ROLE_OK].attrs, 0);
	assert_int_equal(d[ROLE_SELECTED].attrs, A_REVERSE);
	assert_int_equal(d[ROLE_HEADER].attrs, A_BOLD | A_REVERSE);
	assert_int_equal(d[ROLE_STATUS].attrs, A_REVERSE);
	assert_int_equal(d[ROLE_READONLY].attrs, A_REVERSE);
	assert_int_equal(d[ROLE_STALE].attrs, A_DIM);

	/* A terminal without colour is drawn the same way. */
	caps.no_color = false;
	caps.colours = 0;
	caps.pairs = 0;
	theme_resolve(&t, &caps, mono);
	for (r = 0; r < ROLE_COUNT; r++) {
		assert_int_equal(mono[r].pair, 0);
		assert_int_equal(mono[r].attrs, d[r].attrs);
	}
}

/* Every shipped theme keeps its meaning without colour. */
static void
test_shipped_no_color(void **state)
{
	struct theme_caps caps = { 256, 256, true, true };
	struct theme_draw d[ROLE_COUNT];
	char cause[THEME_CAUSE_MAX];
	struct theme t;
	size_t i;

	(void)state;
	unsetenv("MAILNOC_THEME_DIR");
	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		assert_int_equal(theme_load(shipped[i], &t, cause,
		    sizeof cause), 0);
		theme_resolve(&t, &caps, d);
		assert_int_equal(d[ROLE_NORMAL].attrs, 0);
		assert_true(d[ROLE_SELECTED].attrs & A_REVERSE);
		assert_true(d[ROLE_HEADER].attrs & A_REVERSE);
		assert_true(d[ROLE_STATUS].attrs & A_REVERSE);
		assert_true(d[ROLE_BANNER].attrs & A_REVERSE);
		assert_true(d[ROLE_ALERT].attrs & A_BOLD);
		assert_true(d[ROLE_WARN].attrs != 0);
		assert_true(d[ROLE_WARN].attrs != d[ROLE_ALERT].attrs);
		assert_true(d[ROLE_OK].attrs != d[ROLE_ALERT].attrs);
		assert_true(d[ROLE_OK].attrs != d[ROLE_WARN].attrs);
		assert_true(d[ROLE_STALE].attrs & A_DIM);
		assert_true(d[ROLE_KEY].attrs != 0);
		assert_true(d[ROLE_TITLE].attrs != 0);
	}
}

/*
 * Each role of a colour theme is readable on its background: WCAG 2's
 * 4.5:1 for text, 3:1 for bars (graphics). `default` is the terminal's
 * own colour: light grey on black for the dark themes, black on white for
 * the light one; there faint (dim) text needs 7:1 (WCAG's AAA), since
 * dimming a grey on white fades it further.
 */
static void
test_contrast(void **state)
{
	static const struct {
		const char *name;
		bool light;
	} themes[] = { { "default", false }, { "high-contrast", false },
		{ "light", true } };
	char cause[THEME_CAUSE_MAX];
	struct theme t;
	size_t i;
	int r;

	(void)state;
	/* The ratio itself: the extremes and a known pair. */
	assert_true(theme_contrast(16, 231) > 20.9);
	assert_true(theme_contrast(231, 231) < 1.01);
	assert_true(theme_contrast(243, 231) > 4.5 &&
	    theme_contrast(243, 231) < 4.6);
	unsetenv("MAILNOC_THEME_DIR");
	for (i = 0; i < sizeof themes / sizeof themes[0]; i++) {
		short deffg = themes[i].light ? 16 : 252;
		short defbg = themes[i].light ? 231 : 16;
		short nfg, nbg;

		assert_int_equal(theme_load(themes[i].name, &t, cause,
		    sizeof cause), 0);
		nfg = t.role[ROLE_NORMAL].fg256 >= 0 ?
		    t.role[ROLE_NORMAL].fg256 : deffg;
		nbg = t.role[ROLE_NORMAL].bg256 >= 0 ?
		    t.role[ROLE_NORMAL].bg256 : defbg;
		for (r = 0; r < ROLE_COUNT; r++) {
			const struct theme_style *st = &t.role[r];
			short fg = st->fg256 >= 0 ? st->fg256 : nfg;
			short bg = st->bg256 >= 0 ? st->bg256 : nbg;
			double need = r == ROLE_BAR ? 3.0 : 4.5;
			double got = theme_contrast(fg, bg);

			if (got < need)
				fail_msg("%s: %s is %d on %d: contrast %.2f, "
				    "below %.1f", themes[i].name,
				    theme_role_name((enum theme_role)r), fg, bg,
				    got, need);
			/* Faint fades a grey on white further: 7:1 first. */
			if (themes[i].light && (st->attrs & A_DIM) && got < 7.0)
				fail_msg("%s: %s is faint on a light "
				    "background with contrast %.2f, below 7",
				    themes[i].name,
				    theme_role_name((enum theme_role)r), got);
		}
	}
}

/* Without colour the cursor row looks like no other row. */
static void
test_cursor_apart(void **state)
{
	static const enum theme_role rows[] = { ROLE_NORMAL, ROLE_TAGGED,
		ROLE_OK, ROLE_WARN, ROLE_ALERT, ROLE_STALE, ROLE_DIM };
	struct theme_caps caps = { 256, 256, true, true };
	struct theme_draw d[ROLE_COUNT];
	char cause[THEME_CAUSE_MAX];
	struct theme t;
	size_t i, j;

	(void)state;
	unsetenv("MAILNOC_THEME_DIR");
	for (i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		assert_int_equal(theme_load(shipped[i], &t, cause,
		    sizeof cause), 0);
		theme_resolve(&t, &caps, d);
		for (j = 0; j < sizeof rows / sizeof rows[0]; j++) {
			if (d[ROLE_SELECTED].attrs == d[rows[j]].attrs)
				fail_msg("%s without colour: the cursor row "
				    "looks like %s rows", shipped[i],
				    theme_role_name(rows[j]));
		}
	}
}

static void
test_apply(void **state)
{
	static const char *const terms[] = { "xterm-256color", "xterm" };
	char cause[THEME_CAUSE_MAX];
	struct theme t;
	SCREEN *screen;
	FILE *out, *in;
	short fg, bg;
	size_t i;

	(void)state;
	assert_int_equal(theme_attr(ROLE_COUNT), A_NORMAL);
	assert_int_equal(theme_load("themes/default.theme", &t, cause,
	    sizeof cause), 0);
	for (i = 0; i < sizeof terms / sizeof terms[0]; i++) {
		assert_non_null(out = fopen("/dev/null", "w"));
		assert_non_null(in = fopen("/dev/null", "r"));
		if ((screen = newterm(terms[i], out, in)) == NULL) {
			fclose(out);
			fclose(in);
			skip();
		}
		theme_apply(&t, false);
		assert_int_equal(theme_attr(ROLE_WARN),
		    COLOR_PAIR(ROLE_WARN) | A_BOLD);
		assert_int_equal(theme_attr(ROLE_NORMAL), 0);
		assert_int_equal(pair_content(ROLE_WARN, &fg, &bg), OK);
		assert_int_equal(fg, i == 0 ? 221 : COLOR_YELLOW);
		assert_int_equal(bg, -1);
		assert_int_equal(pair_content(ROLE_ALERT, &fg, &bg), OK);
		assert_int_equal(fg, i == 0 ? 231 : COLOR_WHITE);
		assert_int_equal(bg, i == 0 ? 160 : COLOR_RED);

		/* NO_COLOR: attributes only, no pairs. */
		theme_apply(&t, true);
		assert_int_equal(theme_attr(ROLE_WARN), A_BOLD);
		assert_int_equal(theme_attr(ROLE_ALERT), A_BOLD | A_REVERSE);
		assert_int_equal(theme_attr(ROLE_HEADER), A_BOLD | A_REVERSE);
		endwin();
		delscreen(screen);
		fclose(out);
		fclose(in);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bad_whole),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_resolve_colours),
		cmocka_unit_test(test_resolve_default),
		cmocka_unit_test(test_resolve_no_color),
		cmocka_unit_test(test_shipped_no_color),
		cmocka_unit_test(test_contrast),
		cmocka_unit_test(test_cursor_apart),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
