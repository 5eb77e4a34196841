/* The prompt's line editor and its history: readline's keys on one buffer. */
#include "core/lineedit.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"

#define LINEEDIT_CTRL(c) ((c) & 0x1f)

void
lineedit_reset(struct lineedit *le, const struct history *hist)
{
	le->buf[0] = '\0';
	le->len = le->pos = 0;
	le->hist = hist;
	le->hpos = hist != NULL ? hist->n : 0;
	le->draft[0] = '\0';
}

void
lineedit_set(struct lineedit *le, const char *text)
{
	snprintf(le->buf, sizeof le->buf, "%s", text);
	le->len = le->pos = strlen(le->buf);
}

/* Removes the bytes from..to (to > from) and leaves the cursor at from. */
static void
lineedit_cut(struct lineedit *le, size_t from, size_t to)
{
	memmove(le->buf + from, le->buf + to, le->len - to + 1);
	le->len -= to - from;
	le->pos = from;
}

static void
lineedit_insert(struct lineedit *le, char ch)
{
	if (le->len + 1 >= sizeof le->buf)
		return;
	memmove(le->buf + le->pos + 1, le->buf + le->pos, le->len - le->pos + 1);
	le->buf[le->pos++] = ch;
	le->len++;
}

/* C-w: back over blanks, then over the word before them (readline's
 * unix-word-rubout). */
static void
lineedit_rubout_word(struct lineedit *le)
{
	size_t p = le->pos;

	while (p > 0 && le->buf[p - 1] == ' ')
		p--;
	while (p > 0 && le->buf[p - 1] != ' ')
		p--;
	if (p < le->pos)
		lineedit_cut(le, p, le->pos);
}

/* Up (dir -1) and Down (+1): the line being typed is kept as a draft. */
static void
lineedit_walk(struct lineedit *le, int dir)
{
	const struct history *h = le->hist;

	if (h == NULL || (dir < 0 && le->hpos == 0) ||
	    (dir > 0 && le->hpos >= h->n))
		return;
	if (le->hpos > h->n)
		le->hpos = h->n;
	if (le->hpos == h->n)
		snprintf(le->draft, sizeof le->draft, "%s", le->buf);
	le->hpos = dir < 0 ? le->hpos - 1 : le->hpos + 1;
	lineedit_set(le, le->hpos == h->n ? le->draft : h->v[le->hpos]);
}

bool
lineedit_key(struct lineedit *le, int key)
{
	switch (key) {
	case LINEEDIT_LEFT:
	case LINEEDIT_CTRL('b'):
		if (le->pos > 0)
			le->pos--;
		return true;
	case LINEEDIT_RIGHT:
	case LINEEDIT_CTRL('f'):
		if (le->pos < le->len)
			le->pos++;
		return true;
	case LINEEDIT_HOME:
	case LINEEDIT_CTRL('a'):
		le->pos = 0;
		return true;
	case LINEEDIT_END:
	case LINEEDIT_CTRL('e'):
		le->pos = le->len;
		return true;
	case LINEEDIT_BACKSPACE:
	case LINEEDIT_CTRL('h'):
	case 127:
		if (le->pos > 0)
			lineedit_cut(le, le->pos - 1, le->pos);
		return true;
	case LINEEDIT_DELETE:
	case LINEEDIT_CTRL('d'):
		if (le->pos < le->len)
			lineedit_cut(le, le->pos, le->pos + 1);
		return true;
	case LINEEDIT_CTRL('w'):
		lineedit_rubout_word(le);
		return true;
	case LINEEDIT_CTRL('u'):
		if (le->pos > 0)
			lineedit_cut(le, 0, le->pos);
		return true;
	case LINEEDIT_CTRL('k'):
		le->buf[le->pos] = '\0';
		le->len = le->pos;
		return true;
	case LINEEDIT_UP:
	case LINEEDIT_CTRL('p'):
		lineedit_walk(le, -1);
		return true;
	case LINEEDIT_DOWN:
	case LINEEDIT_CTRL('n'):
		lineedit_walk(le, 1);
		return true;
	}
	if (key >= ' ' && key < 0x7f) {
		lineedit_insert(le, (char)key);
		return true;
	}
	return false;
}

size_t
lineedit_word_start(const struct lineedit *le)
{
	size_t i, start = 0;
	char quote = 0;

	for (i = 0; i < le->pos; i++) {
		char ch = le->buf[i];

		if (quote != 0) {
			if (ch == quote)
				quote = 0;
		} else if (ch == '"' || ch == '\'')
			quote = ch;
		else if (ch == ' ')
			start = i + 1;
	}
	return start;
}

size_t
lineedit_complete(struct lineedit *le, const char *const *cand, size_t n,
    bool *listed)
{
	size_t start = lineedit_word_start(le), wlen = le->pos - start;
	size_t i, matches = 0, common = 0, k;
	const char *first = NULL;
	char word[LINEEDIT_MAX];

	*listed = false;
	snprintf(word, sizeof word, "%.*s", (int)wlen, le->buf + start);
	for (i = 0; i < n; i++) {
		if (strncmp(cand[i], word, wlen) != 0)
			continue;
		if (first == NULL) {
			first = cand[i];
			common = strlen(first);
		} else {
			for (k = 0; k < common && cand[i][k] == first[k]; k++)
				;
			common = k;
		}
		matches++;
	}
	if (matches == 0)
		return 0;
	for (k = wlen; k < common; k++)
		lineedit_insert(le, first[k]);
	if (matches == 1) {
		if (common == 0 || first[common - 1] != '=')
			if (le->pos == le->len || le->buf[le->pos] != ' ')
				lineedit_insert(le, ' ');
	} else
		*listed = true;
	return matches;
}

void
history_init(struct history *h, size_t max)
{
	h->v = NULL;
	h->n = 0;
	h->max = max > 0 ? max : 500;
}

void
history_free(struct history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

void
history_add(struct history *h, const char *text)
{
	char line[LINEEDIT_MAX];
	size_t n;

	/* Kept without the blanks Tab leaves at the end. */
	snprintf(line, sizeof line, "%s", text);
	for (n = strlen(line); n > 0 && line[n - 1] == ' '; n--)
		line[n - 1] = '\0';
	if (n == 0 || (h->n > 0 && strcmp(h->v[h->n - 1], line) == 0))
		return;
	if (h->n == h->max) {
		free(h->v[0]);
		memmove(h->v, h->v + 1, (h->n - 1) * sizeof *h->v);
		h->n--;
	} else
		h->v = xrealloc(h->v, (h->n + 1) * sizeof *h->v);
	h->v[h->n++] = xstrdup(line);
}

int
history_path(char *buf, size_t len)
{
	const char *d = getenv("MAILNOC_STATE_DIR"), *home = getenv("HOME");
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	int n;

	/* The role cache's rule (core/role_cache.c); a relative directory
	 * is ignored, as the XDG rule says. */
	if (d != NULL && d[0] == '/')
		n = snprintf(buf, len, "%s/history", d);
	else if ((d = getenv("XDG_STATE_HOME")) != NULL && d[0] == '/')
		n = snprintf(buf, len, "%s/mailnoc/history", d);
	else {
		if (home == NULL || home[0] != '/') {
			if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf,
			    &res) != 0 || res == NULL || res->pw_dir[0] != '/')
				return -1;
			home = res->pw_dir;
		}
		n = snprintf(buf, len, "%s/.local/state/mailnoc/history", home);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
history_load(struct history *h, const char *path, char *cause, size_t len)
{
	char line[LINEEDIT_MAX + 2];
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(cause, len, "cannot read the prompt's history '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		history_add(h, line);
	}
	fclose(f);
	return 0;
}

/* Makes the directories above `path` (0700), as mkdir -p would. */
static int
history_mkdirs(const char *path)
{
	char dir[4096];
	char *p;

	snprintf(dir, sizeof dir, "%s", path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0700) == -1 && errno != EEXIST ? -1 : 0;
}

int
history_save(const struct history *h, const char *path, char *cause,
    size_t len)
{
	char tmp[4096];
	size_t i;
	FILE *f;
	int fd;

	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	if (history_mkdirs(path) == -1 ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		snprintf(cause, len, "cannot write the prompt's history '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		snprintf(cause, len, "cannot write the prompt's history '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	for (i = 0; i < h->n; i++)
		fprintf(f, "%s\n", h->v[i]);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		snprintf(cause, len, "cannot write the prompt's history '%s': %s",
		    path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
