/* Colour themes: theme files parsed into roles, roles turned into pairs. */
#include "tui/theme.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"

#define THEME_USAGE "use 'role = foreground background [attribute...]'"
#define THEME_NAME_MAX 32

static const char *const theme_roles[ROLE_COUNT] = {
	[ROLE_NORMAL] = "normal",
	[ROLE_HEADER] = "header",
	[ROLE_TITLE] = "title",
	[ROLE_STATUS] = "status",
	[ROLE_SELECTED] = "selected",
	[ROLE_TAGGED] = "tagged",
	[ROLE_OK] = "ok",
	[ROLE_WARN] = "warn",
	[ROLE_ALERT] = "alert",
	[ROLE_STALE] = "stale",
	[ROLE_DIM] = "dim",
	[ROLE_BANNER] = "banner",
	[ROLE_KEY] = "key",
	[ROLE_BAR] = "bar",
	[ROLE_READONLY] = "readonly",
};

static const struct {
	const char *name;
	short colour;
} theme_colours[] = {
	{ "default", -1 },
	{ "black", COLOR_BLACK },
	{ "red", COLOR_RED },
	{ "green", COLOR_GREEN },
	{ "yellow", COLOR_YELLOW },
	{ "blue", COLOR_BLUE },
	{ "magenta", COLOR_MAGENTA },
	{ "cyan", COLOR_CYAN },
	{ "white", COLOR_WHITE },
};
#define THEME_COLOURS_ACCEPTED "use default, black, red, green, yellow, " \
	"blue, magenta, cyan, white, optionally /0-255"

static const struct {
	const char *name;
	attr_t attr;
} theme_attributes[] = {
	{ "bold", A_BOLD },
	{ "dim", A_DIM },
	{ "reverse", A_REVERSE },
	{ "underline", A_UNDERLINE },
	{ "standout", A_STANDOUT },
	{ "italic", A_ITALIC },
};
#define THEME_ATTRIBUTES_ACCEPTED "use bold, dim, reverse, underline, " \
	"standout, italic"

#define nitems(a) (sizeof (a) / sizeof (a)[0])

/* Set by theme_apply(), read by theme_attr() for every cell drawn. */
static attr_t theme_attrs[ROLE_COUNT];

/* Where the parser is, so that every error can say so. */
struct theme_ctx {
	const char *file;
	unsigned int line;	/* 0: the error is about the whole file */
	char *cause;
	size_t len;
};

static int
theme_error(struct theme_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
theme_error(struct theme_ctx *ctx, const char *fmt, ...)
{
	char msg[THEME_CAUSE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (ctx->line != 0)
		snprintf(ctx->cause, ctx->len, "%s:%u: %s", ctx->file,
		    ctx->line, msg);
	else
		snprintf(ctx->cause, ctx->len, "%s: %s", ctx->file, msg);
	return -1;
}

const char *
theme_role_name(enum theme_role role)
{
	if ((unsigned int)role >= ROLE_COUNT)
		return NULL;
	return theme_roles[role];
}

int
theme_role_parse(const char *name, enum theme_role *out)
{
	int r;

	for (r = 0; r < ROLE_COUNT; r++) {
		if (strcmp(name, theme_roles[r]) == 0) {
			*out = (enum theme_role)r;
			return 0;
		}
	}
	return -1;
}

/* Writes the names of the roles with want[r] set, comma separated. */
static void
theme_role_list(char *buf, size_t len, const bool want[ROLE_COUNT])
{
	size_t off = 0;
	int r, n;

	buf[0] = '\0';
	for (r = 0; r < ROLE_COUNT && off < len; r++) {
		if (!want[r])
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
		    theme_roles[r]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/* Splits off the next blank-separated word of *sp, or returns NULL. */
static char *
theme_next_word(char **sp)
{
	char *s = *sp, *word;

	s += strspn(s, " \t");
	if (*s == '\0') {
		*sp = s;
		return NULL;
	}
	word = s;
	s += strcspn(s, " \t");
	if (*s != '\0')
		*s++ = '\0';
	*sp = s;
	return word;
}

/* Parses "NAME" or "NAME/INDEX" into an 8-colour and a 256-colour number. */
static int
theme_parse_colour(struct theme_ctx *ctx, const char *word, short *c8,
    short *c256)
{
	const char *slash, *p;
	size_t namelen, i;
	int index = 0;

	slash = strchr(word, '/');
	namelen = slash != NULL ? (size_t)(slash - word) : strlen(word);
	for (i = 0; i < nitems(theme_colours); i++) {
		if (strlen(theme_colours[i].name) == namelen &&
		    strncmp(word, theme_colours[i].name, namelen) == 0)
			break;
	}
	if (i == nitems(theme_colours))
		goto bad;
	*c8 = theme_colours[i].colour;
	*c256 = -1;
	if (slash == NULL)
		return 0;

	if (slash[1] == '\0')
		goto bad;
	for (p = slash + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		if (index <= 255)
			index = index * 10 + (*p - '0');
	}
	if (index > 255)
		return theme_error(ctx, "'%s' is out of range; the 256-colour "
		    "index is 0-255", word);
	*c256 = (short)index;
	return 0;

bad:
	return theme_error(ctx, "'%s' is not a colour; %s", word,
	    THEME_COLOURS_ACCEPTED);
}

static int
theme_parse_attribute(struct theme_ctx *ctx, const char *word, attr_t *attrs)
{
	size_t i;

	for (i = 0; i < nitems(theme_attributes); i++) {
		if (strcmp(word, theme_attributes[i].name) == 0) {
			*attrs |= theme_attributes[i].attr;
			return 0;
		}
	}
	return theme_error(ctx, "'%s' is not an attribute; %s", word,
	    THEME_ATTRIBUTES_ACCEPTED);
}

/* Parses one line (no newline); seen[r] is the line that set role r. */
static int
theme_parse_line(struct theme_ctx *ctx, char *line, struct theme *t,
    unsigned int seen[ROLE_COUNT])
{
	struct theme_style style;
	enum theme_role role;
	char *hash, *eq, *left, *right, *name, *word, *fg, *bg;
	size_t i;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	for (i = 0; line[i] != '\0'; i++) {
		if ((line[i] < ' ' && line[i] != '\t') ||
		    (unsigned char)line[i] >= 0x7f)
			return theme_error(ctx, "only printable ASCII is "
			    "accepted outside comments");
	}
	left = line;
	if (line[strspn(line, " \t")] == '\0')
		return 0;

	if ((eq = strchr(line, '=')) == NULL) {
		word = theme_next_word(&left);
		return theme_error(ctx, "missing '=' after '%s'; %s", word,
		    THEME_USAGE);
	}
	*eq = '\0';
	right = eq + 1;
	if ((name = theme_next_word(&left)) == NULL)
		return theme_error(ctx, "missing role before '='; %s",
		    THEME_USAGE);
	if ((word = theme_next_word(&left)) != NULL)
		return theme_error(ctx, "unexpected '%s' after '%s'; %s", word,
		    name, THEME_USAGE);
	if (theme_role_parse(name, &role) != 0) {
		bool all[ROLE_COUNT];
		char list[256];

		for (i = 0; i < ROLE_COUNT; i++)
			all[i] = true;
		theme_role_list(list, sizeof list, all);
		return theme_error(ctx, "'%s' is not a role; use %s", name,
		    list);
	}
	if (seen[role] != 0)
		return theme_error(ctx, "'%s' is already set on line %u", name,
		    seen[role]);

	if ((fg = theme_next_word(&right)) == NULL)
		return theme_error(ctx, "'%s' has no colours; %s", name,
		    THEME_USAGE);
	if ((bg = theme_next_word(&right)) == NULL)
		return theme_error(ctx, "'%s' has no background colour; %s",
		    name, THEME_USAGE);
	memset(&style, 0, sizeof style);
	if (theme_parse_colour(ctx, fg, &style.fg8, &style.fg256) != 0 ||
	    theme_parse_colour(ctx, bg, &style.bg8, &style.bg256) != 0)
		return -1;
	while ((word = theme_next_word(&right)) != NULL) {
		if (theme_parse_attribute(ctx, word, &style.attrs) != 0)
			return -1;
	}
	t->role[role] = style;
	seen[role] = ctx->line;
	return 0;
}

int
theme_parse(const char *text, const char *filename, struct theme *t,
    char *cause, size_t len)
{
	struct theme_ctx ctx = { filename, 0, cause, len };
	struct theme new;
	unsigned int seen[ROLE_COUNT] = { 0 };
	bool missing[ROLE_COUNT];
	char line[THEME_LINE_MAX + 1], list[256];
	const char *p = text, *eol, *next;
	size_t n, nmissing = 0;
	int r;

	memset(&new, 0, sizeof new);
	while (*p != '\0') {
		ctx.line++;
		eol = strchr(p, '\n');
		n = eol != NULL ? (size_t)(eol - p) : strlen(p);
		next = eol != NULL ? eol + 1 : p + n;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > THEME_LINE_MAX)
			return theme_error(&ctx, "line is longer than %d "
			    "characters", THEME_LINE_MAX);
		memcpy(line, p, n);
		line[n] = '\0';
		if (theme_parse_line(&ctx, line, &new, seen) != 0)
			return -1;
		p = next;
	}

	ctx.line = 0;
	for (r = 0; r < ROLE_COUNT; r++) {
		missing[r] = seen[r] == 0;
		if (missing[r])
			nmissing++;
	}
	if (nmissing == ROLE_COUNT) {
		theme_role_list(list, sizeof list, missing);
		return theme_error(&ctx, "no roles are set; a theme sets "
		    "every role: %s", list);
	}
	if (nmissing != 0) {
		theme_role_list(list, sizeof list, missing);
		return theme_error(&ctx, "roles not set: %s; a theme sets "
		    "every role", list);
	}
	*t = new;
	return 0;
}

/*
 * Reads and parses the file at `path`. When the file does not exist and
 * `absent` is not NULL, sets *absent and leaves `cause` alone so that the
 * caller can look elsewhere.
 */
static int
theme_load_file(const char *path, struct theme *t, char *cause, size_t len,
    bool *absent)
{
	struct theme_ctx ctx = { path, 0, cause, len };
	struct stat sb;
	char *text;
	size_t used = 0;
	ssize_t n;
	int fd, error;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && absent != NULL) {
			*absent = true;
			return -1;
		}
		return theme_error(&ctx, "cannot open: %s", strerror(errno));
	}
	if (fstat(fd, &sb) == -1) {
		error = errno;
		close(fd);
		return theme_error(&ctx, "cannot read: %s", strerror(error));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return theme_error(&ctx, "not a regular file");
	}

	/* Read one byte more than allowed to notice a file that grew. */
	text = xmalloc(THEME_FILE_MAX + 2);
	while (used <= THEME_FILE_MAX) {
		n = read(fd, text + used, THEME_FILE_MAX + 1 - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			error = errno;
			close(fd);
			free(text);
			return theme_error(&ctx, "cannot read: %s",
			    strerror(error));
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (used > THEME_FILE_MAX) {
		free(text);
		return theme_error(&ctx, "larger than %d bytes; a theme is a "
		    "few lines of text", THEME_FILE_MAX);
	}
	if (memchr(text, '\0', used) != NULL) {
		free(text);
		return theme_error(&ctx, "contains a NUL byte; a theme is a "
		    "text file");
	}
	text[used] = '\0';
	error = theme_parse(text, path, t, cause, len);
	free(text);
	return error;
}

static bool
theme_valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > THEME_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if ((name[i] < 'a' || name[i] > 'z') &&
		    (name[i] < 'A' || name[i] > 'Z') &&
		    (name[i] < '0' || name[i] > '9') &&
		    name[i] != '-' && name[i] != '_')
			return false;
	}
	return true;
}

/* Whether this program is a binary built in the source tree (build/...). */
static bool
theme_in_source_tree(void)
{
	char exe[PATH_MAX];
	size_t n = strlen(MAILNOC_SRCDIR);
	ssize_t got;

	if ((got = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return false;
	exe[got] = '\0';
	return strncmp(exe, MAILNOC_SRCDIR, n) == 0 && exe[n] == '/';
}

int
theme_load(const char *name_or_path, struct theme *t, char *cause,
    size_t len)
{
	const char *dirs[3];
	char path[PATH_MAX], looked[1024] = "";
	size_t ndirs = 0, i, dirlen, off = 0;
	bool absent;
	int n;

	if (strchr(name_or_path, '/') != NULL)
		return theme_load_file(name_or_path, t, cause, len, NULL);
	if (!theme_valid_name(name_or_path)) {
		snprintf(cause, len, "'%s' is not a theme name; use 1-%d "
		    "letters, digits, '-' or '_', or a path containing '/'",
		    name_or_path, THEME_NAME_MAX);
		return -1;
	}

	dirs[ndirs] = getenv("MAILNOC_THEME_DIR");
	if (dirs[ndirs] != NULL && dirs[ndirs][0] != '\0')
		ndirs++;
	/*
	 * Never the current directory: whoever controls it would choose what
	 * the console draws. The source tree's themes, for a binary built in
	 * it; then where make install puts them.
	 */
	if (theme_in_source_tree())
		dirs[ndirs++] = MAILNOC_SRCDIR "/themes";
	dirs[ndirs++] = MAILNOC_DATADIR "/themes";

	for (i = 0; i < ndirs; i++) {
		dirlen = strlen(dirs[i]);
		while (dirlen > 1 && dirs[i][dirlen - 1] == '/')
			dirlen--;
		n = snprintf(path, sizeof path, "%.*s/%s.theme", (int)dirlen,
		    dirs[i], name_or_path);
		if (n < 0 || (size_t)n >= sizeof path) {
			snprintf(cause, len, "cannot load theme '%s': "
			    "directory '%s' is too long", name_or_path,
			    dirs[i]);
			return -1;
		}
		absent = false;
		if (theme_load_file(path, t, cause, len, &absent) == 0)
			return 0;
		if (!absent)
			return -1;
		if (off < sizeof looked) {
			n = snprintf(looked + off, sizeof looked - off, "%s%s",
			    off ? ", " : "", path);
			if (n > 0)
				off += (size_t)n;
		}
	}
	snprintf(cause, len, "cannot find theme '%s': looked in %s",
	    name_or_path, looked);
	return -1;
}

/* Picks the colour a terminal with `colours` colours shows. */
static short
theme_pick(short c8, short c256, int colours)
{
	if (colours >= 256 && c256 != -1)
		return c256;
	return c8;
}

/* A role with a background other than normal's is a band of colour. */
static bool
theme_has_background(const struct theme *t, int r)
{
	const struct theme_style *s = &t->role[r];
	const struct theme_style *normal = &t->role[ROLE_NORMAL];

	if (r == ROLE_NORMAL || (s->bg8 == -1 && s->bg256 == -1))
		return false;
	return s->bg8 != normal->bg8 || s->bg256 != normal->bg256;
}

/* The red, green and blue (0-255) of xterm's colour n. */
static void
theme_rgb(short n, int rgb[3])
{
	/* The 16 system colours as xterm draws them. */
	static const unsigned char sys[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 },
		{ 229, 229, 229 }, { 127, 127, 127 }, { 255, 0, 0 },
		{ 0, 255, 0 }, { 255, 255, 0 }, { 92, 92, 255 },
		{ 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	int i;

	if (n < 16) {
		for (i = 0; i < 3; i++)
			rgb[i] = sys[n][i];
	} else if (n < 232) {
		/* The 6x6x6 cube: levels 0, 95, 135, 175, 215, 255. */
		int v[3] = { (n - 16) / 36, (n - 16) / 6 % 6, (n - 16) % 6 };

		for (i = 0; i < 3; i++)
			rgb[i] = v[i] == 0 ? 0 : 55 + 40 * v[i];
	} else {
		for (i = 0; i < 3; i++)
			rgb[i] = 8 + 10 * (n - 232);
	}
}

/* WCAG 2's relative luminance of xterm's colour n. */
static double
theme_luminance(short n)
{
	static const double w[3] = { 0.2126, 0.7152, 0.0722 };
	double l = 0;
	int rgb[3], i;

	theme_rgb(n, rgb);
	for (i = 0; i < 3; i++) {
		double c = rgb[i] / 255.0;

		c = c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
		l += w[i] * c;
	}
	return l;
}

double
theme_contrast(short a, short b)
{
	double la, lb;

	if (a < 0 || a > 255 || b < 0 || b > 255)
		return 1.0;
	la = theme_luminance(a);
	lb = theme_luminance(b);
	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

void
theme_resolve(const struct theme *t, const struct theme_caps *caps,
    struct theme_draw out[ROLE_COUNT])
{
	const struct theme_style *normal = &t->role[ROLE_NORMAL], *s;
	bool colour = !caps->no_color && caps->colours >= 8;
	struct theme_draw *d;
	short nfg, nbg;
	int r;

	nfg = theme_pick(normal->fg8, normal->fg256, caps->colours);
	nbg = theme_pick(normal->bg8, normal->bg256, caps->colours);
	if (!caps->defaults) {
		/* What curses assumes a terminal shows by itself. */
		if (nfg == -1)
			nfg = COLOR_WHITE;
		if (nbg == -1)
			nbg = COLOR_BLACK;
	}

	for (r = 0; r < ROLE_COUNT; r++) {
		s = &t->role[r];
		d = &out[r];
		d->attrs = s->attrs;
		d->pair = 0;
		d->fg = d->bg = -1;
		if (!colour || (r != ROLE_NORMAL && r >= caps->pairs)) {
			if (theme_has_background(t, r))
				d->attrs |= A_REVERSE;
			continue;
		}
		d->fg = theme_pick(s->fg8, s->fg256, caps->colours);
		d->bg = theme_pick(s->bg8, s->bg256, caps->colours);
		if (d->fg == -1)
			d->fg = nfg;
		if (d->bg == -1)
			d->bg = nbg;
		if (r != ROLE_NORMAL && (d->fg != nfg || d->bg != nbg))
			d->pair = (short)r;
	}
}

void
theme_apply(const struct theme *t, bool no_color)
{
	struct theme_caps caps = { 0, 0, true, no_color };
	struct theme_draw draw[ROLE_COUNT];
	int r;

	if (!no_color && has_colors() && start_color() == OK) {
		caps.colours = COLORS;
		caps.pairs = COLOR_PAIRS;
	}
	theme_resolve(t, &caps, draw);
	if (!no_color && caps.colours >= 8) {
		/*
		 * Pair 0 becomes normal's colours, so every window is cleared
		 * to them. A terminal that cannot go back to its own colours
		 * refuses -1: resolve again with curses' white on black.
		 */
		if (assume_default_colors(draw[ROLE_NORMAL].fg,
		    draw[ROLE_NORMAL].bg) == ERR) {
			caps.defaults = false;
			theme_resolve(t, &caps, draw);
			(void)assume_default_colors(draw[ROLE_NORMAL].fg,
			    draw[ROLE_NORMAL].bg);
		}
		for (r = 0; r < ROLE_COUNT; r++) {
			if (draw[r].pair != 0)
				init_pair(draw[r].pair, draw[r].fg,
				    draw[r].bg);
		}
	}
	for (r = 0; r < ROLE_COUNT; r++)
		theme_attrs[r] = draw[r].attrs | COLOR_PAIR(draw[r].pair);
}

attr_t
theme_attr(enum theme_role role)
{
	if ((unsigned int)role >= ROLE_COUNT)
		return A_NORMAL;
	return theme_attrs[role];
}
