/* Column layout: fit by priority, cut with a mark, sort by value. */
#include "tui/layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool layout_is_utf8;

void
layout_set_utf8(bool utf8)
{
	layout_is_utf8 = utf8;
}

bool
layout_utf8(void)
{
	return layout_is_utf8;
}

static int
layout_min(const struct layout_col *c)
{
	if (c->min > 0)
		return c->min;
	return c->pref > 0 ? c->pref : 8;
}

int
layout_widths(const struct layout_col *cols, int n, int screen, int skip,
    int width[])
{
	int i, used = 0, shown = 0, hidden = 0, flex = -1, p, lo, hi;

	if (n > LAYOUT_MAX_COLS)
		n = LAYOUT_MAX_COLS;
	for (i = 0; i < n; i++) {
		width[i] = cols[i].pref > 0 ? cols[i].pref : layout_min(&cols[i]);
		if (cols[i].pref == 0 && flex == -1)
			flex = i;
	}
	if (skip > 0) {
		for (i = 1; i <= skip && i < n; i++)
			width[i] = 0;
		return 0;
	}
	for (i = 0; i < n; i++) {
		used += width[i];
		shown++;
	}
	used += shown > 0 ? shown - 1 : 0;
	lo = hi = cols[0].prio;
	for (i = 0; i < n; i++) {
		lo = cols[i].prio < lo ? cols[i].prio : lo;
		hi = cols[i].prio > hi ? cols[i].prio : hi;
	}
	/* Shrink, lowest priority first, each as far as its minimum. */
	for (p = lo; p <= hi && used > screen; p++) {
		for (i = n - 1; i >= 0 && used > screen; i--) {
			int give;

			if (cols[i].prio != p || i == flex)
				continue;
			give = width[i] - layout_min(&cols[i]);
			if (give > used - screen)
				give = used - screen;
			if (give > 0) {
				width[i] -= give;
				used -= give;
			}
		}
	}
	/* Then hide, lowest priority first; the first column stays. */
	for (p = lo; p <= hi && used > screen; p++) {
		for (i = n - 1; i > 0 && used > screen; i--) {
			if (cols[i].prio != p || width[i] == 0)
				continue;
			used -= width[i] + 1;
			width[i] = 0;
			hidden++;
		}
	}
	if (flex >= 0 && width[flex] > 0 && used < screen)
		width[flex] += screen - used;
	return hidden;
}

/* The length of s cut to at most n bytes, on a UTF-8 character boundary. */
static size_t
layout_fit(const char *s, size_t n)
{
	size_t len = strlen(s);

	if (len <= n)
		return len;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

void
layout_cell(const char *text, int width, bool right, enum layout_cut cut,
    bool utf8, char *out, size_t len)
{
	const char *mark = utf8 ? "\xe2\x80\xa6" : "~";
	size_t tlen = strlen(text), mlen = strlen(mark), w, k, off = 0;
	char buf[512];
	const char *at;

	if (width <= 0 || len == 0) {
		if (len > 0)
			out[0] = '\0';
		return;
	}
	w = (size_t)width;
	if (tlen <= w) {
		snprintf(out, len, right ? "%*s" : "%-*s", width, text);
		return;
	}
	/* The cut text takes w - 1 columns, the mark one (but mlen bytes). */
	at = cut == LAYOUT_CUT_ADDR ? strrchr(text, '@') : NULL;
	if (at != NULL && strlen(at) + 2 <= w) {
		/* "ab…@yahoo.test": as much local part as fits. */
		k = layout_fit(text, w - 1 - strlen(at));
		off = (size_t)snprintf(buf, sizeof buf, "%.*s%s%s", (int)k, text,
		    mark, at);
	} else if (at != NULL) {
		/* Not even the domain fits: its end, which names it. */
		const char *tail = text + tlen - (w - 1);

		while (((unsigned char)*tail & 0xc0) == 0x80)
			tail++;
		off = (size_t)snprintf(buf, sizeof buf, "%s%s", mark, tail);
	} else {
		k = layout_fit(text, w - 1);
		off = (size_t)snprintf(buf, sizeof buf, "%.*s%s", (int)k, text,
		    mark);
	}
	/* Pad to the width in columns: the mark is one column. */
	{
		size_t cols = off - mlen + 1;

		while (cols < w && off + 1 < sizeof buf) {
			buf[off++] = ' ';
			buf[off] = '\0';
			cols++;
		}
	}
	snprintf(out, len, "%s", buf);
}

/* A number with a unit as one value; false when s is not one. */
static bool
layout_value(const char *s, double *v)
{
	char *end;

	if (*s == '\0' || !((*s >= '0' && *s <= '9') || *s == '-'))
		return false;
	*v = strtod(s, &end);
	if (end == s)
		return false;
	switch (*end) {
	case '\0':
		return true;
	case 's': case 'B':
		break;
	case 'm':
		*v *= 60;
		break;
	case 'h':
		*v *= 3600;
		break;
	case 'd':
		*v *= 86400;
		break;
	case 'w':
		*v *= 7 * 86400;
		break;
	case 'k':
		*v *= 1e3;
		break;
	case 'K':
		*v *= 1024;
		break;
	case 'M':
		*v *= 1048576;
		break;
	case 'G':
		*v *= 1073741824.0;
		break;
	default:
		return false;
	}
	return end[1] == '\0';
}

int
layout_compare(const char *a, const char *b)
{
	double va, vb;

	if (layout_value(a, &va) && layout_value(b, &vb))
		return va < vb ? -1 : va > vb ? 1 : 0;
	return strverscmp(a, b);
}
