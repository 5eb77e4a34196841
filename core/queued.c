/* Messages queued per provider: the list, its top, its heartbeat text. */
#include "core/queued.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "core/xalloc.h"

void
queued_list_init(struct queued_list *l)
{
	memset(l, 0, sizeof *l);
}

void
queued_list_free(struct queued_list *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

const struct queued_entry *
queued_list_find(const struct queued_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	}
	return NULL;
}

void
queued_list_append(struct queued_list *l, const struct queued_entry *e)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = *e;
}

struct queued_entry *
queued_list_get(struct queued_list *l, const char *name)
{
	struct queued_entry e;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	}
	memset(&e, 0, sizeof e);
	snprintf(e.name, sizeof e.name, "%s", name);
	queued_list_append(l, &e);
	return &l->v[l->n - 1];
}

static void
queued_sat(long *a, long n)
{
	*a = n > QUEUED_COUNT_MAX - *a ? QUEUED_COUNT_MAX : *a + n;
}

static void
queued_sum(struct queued_entry *to, const struct queued_entry *e)
{
	int c;

	queued_sat(&to->queued, e->queued);
	queued_sat(&to->deferred, e->deferred);
	for (c = 0; c < DELAY_CLASSES; c++)
		queued_sat(&to->by_class[c], e->by_class[c]);
}

void
queued_list_add(struct queued_list *l, const struct queued_entry *e)
{
	queued_sum(queued_list_get(l, e->name), e);
}

static int
queued_cmp(const void *a, const void *b)
{
	const struct queued_entry *x = a, *y = b;

	if (x->queued != y->queued)
		return x->queued > y->queued ? -1 : 1;
	if (x->deferred != y->deferred)
		return x->deferred > y->deferred ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
queued_list_top(const struct queued_list *all, queued_group_fn group,
    void *arg, struct queued_list *out)
{
	struct queued_list groups;
	struct queued_entry *sorted;
	char name[QUEUED_NAME_MAX + 1];
	const char *g;
	size_t i;

	queued_list_init(out);
	queued_list_init(&groups);
	if (all->n == 0)
		return;
	sorted = xreallocarray(NULL, all->n, sizeof *sorted);
	memcpy(sorted, all->v, all->n * sizeof *sorted);
	qsort(sorted, all->n, sizeof *sorted, queued_cmp);
	for (i = 0; i < all->n; i++) {
		if (sorted[i].name[0] == '@' || sorted[i].queued <= 0 ||
		    !queued_name_ok(sorted[i].name))
			continue;
		if (out->n < QUEUED_TOP)
			queued_list_add(out, &sorted[i]);
		if (group == NULL || (g = group(arg, sorted[i].name)) == NULL ||
		    validate_name(g) != NULL)
			continue;
		snprintf(name, sizeof name, "@%s", g);
		if (groups.n < QUEUED_GROUPS_MAX ||
		    queued_list_find(&groups, name) != NULL)
			queued_sum(queued_list_get(&groups, name), &sorted[i]);
	}
	free(sorted);
	if (groups.n > 1)
		qsort(groups.v, groups.n, sizeof *groups.v, queued_cmp);
	for (i = 0; i < groups.n; i++)
		queued_list_add(out, &groups.v[i]);
	queued_list_free(&groups);
}

char *
queued_encode(const struct queued_list *l)
{
	size_t i, len = 2, off;
	char *buf;
	int c;

	/* A token: the name, and ten numbers of at most 10 digits each. */
	for (i = 0; i < l->n; i++)
		len += strlen(l->v[i].name) + 1 + 10 * 11;
	buf = xmalloc(len);
	off = (size_t)snprintf(buf, len, "1");
	for (i = 0; i < l->n && off < len; i++) {
		const struct queued_entry *e = &l->v[i];

		off += (size_t)snprintf(buf + off, len - off, " %s:%ld:%ld:",
		    e->name, e->queued, e->deferred);
		for (c = 0; c < DELAY_CLASSES && off < len; c++)
			off += (size_t)snprintf(buf + off, len - off, "%s%ld",
			    c ? "," : "", e->by_class[c]);
	}
	return buf;
}

bool
queued_name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (name[0] == '@')
		return validate_name(name + 1) == NULL;
	if (len == 0 || len >= QUEUED_NAME_MAX)
		return false;
	if (name[0] == '[')
		return name[len - 1] == ']' && len > 2 &&
		    strspn(name + 1, "0123456789abcdef.:") == len - 2;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

int
queued_domain_of(const char *addr, char *buf, size_t len)
{
	const char *at = strrchr(addr, '@');
	size_t i, n;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (at == NULL)
		return 0;
	n = strlen(at + 1);
	/* A trailing dot names the same domain. */
	if (n > 0 && at[n] == '.')
		n--;
	if (n == 0 || n >= len || n >= QUEUED_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		char ch = at[1 + i];

		buf[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 'a' - 'A') : ch;
	}
	buf[n] = '\0';
	if (!queued_name_ok(buf) || buf[0] == '@') {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

/* A count at *p up to the next `end` character (or the string's end when
 * end is '\0'); advances *p past it. Returns 0 or -1. */
static int
queued_count(const char **p, char end, long *out)
{
	const char *s = *p;
	long v = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 10)
			return -1;
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n == 0 || s[n] != end || v > QUEUED_COUNT_MAX ||
	    (n > 1 && s[0] == '0'))
		return -1;
	*out = v;
	*p = s + n + (end != '\0');
	return 0;
}

static int
queued_fail(struct queued_list *out, char *cause, size_t causelen,
    const char *why)
{
	queued_list_free(out);
	snprintf(cause, causelen, "%s", why);
	return -1;
}

/* One token NAME:Q:D:C0,...,C6 (NUL-terminated) into `e`. */
static const char *
queued_token(char *tok, struct queued_entry *e)
{
	char *colon = strchr(tok, ':');
	const char *p;
	long sum = 0;
	int c;

	memset(e, 0, sizeof *e);
	if (colon == NULL)
		return "has no counts";
	*colon = '\0';
	if (!queued_name_ok(tok))
		return "is not a domain or @group name";
	snprintf(e->name, sizeof e->name, "%s", tok);
	p = colon + 1;
	if (queued_count(&p, ':', &e->queued) == -1 ||
	    queued_count(&p, ':', &e->deferred) == -1)
		return "has a count that is not a number";
	for (c = 0; c < DELAY_CLASSES; c++) {
		if (queued_count(&p, c == DELAY_CLASSES - 1 ? '\0' : ',',
		    &e->by_class[c]) == -1)
			return "does not have 7 class counts";
		sum += e->by_class[c];
	}
	if (e->deferred > e->queued)
		return "has more deferred than queued";
	if (sum != e->deferred)
		return "has class counts that do not sum to its deferred";
	return NULL;
}

int
queued_decode(const char *s, struct queued_list *out, char *cause,
    size_t causelen)
{
	size_t len = strlen(s), ndom = 0, ngrp = 0;
	struct queued_entry e;
	char *copy, *tok, *save = NULL;
	const char *why;
	char shown[48];

	queued_list_init(out);
	if (len > QUEUED_VALUE_MAX)
		return queued_fail(out, cause, causelen, "is longer than "
		    "the limit");
	if (strncmp(s, "1", 1) != 0 || (s[1] != '\0' && s[1] != ' '))
		return queued_fail(out, cause, causelen, "is not version 1 "
		    "(\"1 DOMAIN:QUEUED:DEFERRED:CLASSES ...\")");
	copy = xstrdup(s + 1);
	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		validate_sanitize(shown, sizeof shown, tok);
		if ((why = queued_token(tok, &e)) != NULL) {
			snprintf(cause, causelen, "entry '%s' %s", shown, why);
			free(copy);
			queued_list_free(out);
			return -1;
		}
		if (queued_list_find(out, e.name) != NULL) {
			snprintf(cause, causelen, "entry '%s' comes twice",
			    e.name);
			free(copy);
			queued_list_free(out);
			return -1;
		}
		if ((e.name[0] == '@' ? ++ngrp > QUEUED_GROUPS_MAX :
		    ++ndom > QUEUED_TOP)) {
			free(copy);
			return queued_fail(out, cause, causelen,
			    e.name[0] == '@' ? "has more groups than the limit" :
			    "has more domains than the limit");
		}
		*queued_list_get(out, e.name) = e;
	}
	free(copy);
	return 0;
}
