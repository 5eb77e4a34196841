/* The ':' line's Tab: what may stand at the cursor, read from the command
 * table, the configuration's nodes and what the console shows. */
#include "cmd/complete.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/xalloc.h"

#define COMPLETE_WORDS 32

struct complete_list {
	char **v;
	size_t n;
};

static void
complete_add(struct complete_list *l, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strlen(l->v[i]) == len && strncmp(l->v[i], s, len) == 0)
			return;
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n] = xmalloc(len + 1);
	memcpy(l->v[l->n], s, len);
	l->v[l->n++][len] = '\0';
}

static void
complete_add_str(struct complete_list *l, const char *s)
{
	complete_add(l, s, strlen(s));
}

/* Splits line[0..end) into blank-separated words (quotes kept whole). */
static size_t
complete_split(const char *line, size_t end, char words[][128], size_t max)
{
	size_t i, n = 0, k = 0;
	char quote = 0;
	bool in = false;

	for (i = 0; i < end; i++) {
		char ch = line[i];

		if (quote == 0 && ch == ' ') {
			if (in && n < max)
				words[n++][k] = '\0';
			in = false;
			continue;
		}
		if (!in) {
			in = true;
			k = 0;
		}
		if (quote != 0 && ch == quote)
			quote = 0;
		else if (quote == 0 && (ch == '"' || ch == '\''))
			quote = ch;
		else if (n < max && k + 1 < sizeof words[0])
			words[n][k++] = ch;
	}
	if (in && n < max)
		words[n++][k] = '\0';
	return n;
}

static const struct cmd_option *
complete_option(const struct cmd_entry *e, const char *word)
{
	const struct cmd_option *o;

	if (strncmp(word, "--", 2) != 0)
		return NULL;
	for (o = e->options; o != NULL && o->name != NULL; o++) {
		if (strcmp(o->name, word + 2) == 0)
			return o;
	}
	return NULL;
}

static void
complete_nodes(struct complete_list *l, const struct config *cfg)
{
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->nnodes; i++)
		complete_add_str(l, cfg->nodes[i].name);
}

/*
 * The `k`th argument of `usage` ("add IP AGENCY", "[NODE]", "NAME...",
 * "overview|clusters"): node names for NODE, the shown IPs for IP,
 * commands for COMMAND, and the words of a list of lower-case choices.
 */
static void
complete_usage(struct complete_list *l, const char *usage, size_t k,
    const struct config *cfg, const char *const *ips, size_t nips)
{
	char tok[256];
	const char *p = usage, *end;
	size_t i, n;

	for (i = 0; ; i++) {
		p += strspn(p, " ");
		if (*p == '\0')
			return;
		n = strcspn(p, " ");
		/* The last argument repeats when it ends with "...". */
		if (i == k || (p[n] == '\0' && n > 3 &&
		    strncmp(p + n - 3, "...", 3) == 0 && i < k))
			break;
		p += n;
	}
	snprintf(tok, sizeof tok, "%.*s", (int)n, p);
	if (strstr(tok, "NODE") != NULL && strstr(tok, "NODE:") == NULL)
		complete_nodes(l, cfg);
	else if (strstr(tok, "IP") != NULL) {
		for (i = 0; i < nips; i++)
			complete_add_str(l, ips[i]);
	} else if (strstr(tok, "COMMAND") != NULL) {
		for (i = 0; i < cmd_table_size; i++)
			complete_add_str(l, cmd_table[i]->name);
	} else if (islower((unsigned char)tok[tok[0] == '[']) &&
	    strchr(tok, '|') != NULL) {
		for (p = tok + (tok[0] == '['); *p != '\0'; p = end + (*end == '|')) {
			end = p + strcspn(p, "|]");
			if (end > p)
				complete_add(l, p, (size_t)(end - p));
			if (*end == ']')
				break;
		}
	}
}

size_t
complete_words(const char *line, size_t pos, const struct config *cfg,
    const char *const *ips, size_t nips, char ***out)
{
	static const char *const common[] = { "--json", "--yes", "--dry-run" };
	char words[COMPLETE_WORDS][128], cause[256];
	struct complete_list l = { NULL, 0 };
	const struct cmd_entry *e;
	const struct cmd_option *o;
	const struct cmd_sub *s = NULL;
	size_t i, start = 0, nw, k;
	char quote = 0;
	const char *cur;

	/* The word being completed starts after the last unquoted blank. */
	for (i = 0; i < pos; i++) {
		if (quote != 0) {
			if (line[i] == quote)
				quote = 0;
		} else if (line[i] == '"' || line[i] == '\'')
			quote = line[i];
		else if (line[i] == ' ')
			start = i + 1;
	}
	cur = line + start;
	nw = complete_split(line, start, words, COMPLETE_WORDS);
	*out = NULL;
	if (nw == 0) {
		for (i = 0; i < cmd_table_size; i++)
			complete_add_str(&l, cmd_table[i]->name);
		*out = l.v;
		return l.n;
	}
	if ((e = cmd_find(words[0], cause, sizeof cause)) == NULL)
		return 0;
	if (cur[0] == '-') {
		for (o = e->options; o != NULL && o->name != NULL; o++) {
			char opt[128];

			snprintf(opt, sizeof opt, "--%s", o->name);
			complete_add_str(&l, opt);
		}
		for (i = 0; i < sizeof common / sizeof common[0]; i++)
			complete_add_str(&l, common[i]);
		*out = l.v;
		return l.n;
	}
	/* An option's value: node names for --node, nothing else known. */
	if ((o = complete_option(e, words[nw - 1])) != NULL && o->has_value) {
		if (strcmp(o->name, "node") == 0)
			complete_nodes(&l, cfg);
		*out = l.v;
		return l.n;
	}
	/* Which argument this is: the words before, less options. */
	for (i = 1, k = 0; i < nw; i++) {
		if ((o = complete_option(e, words[i])) != NULL) {
			i += o->has_value;
			continue;
		}
		if (words[i][0] == '-')
			continue;
		if (k == 0 && e->subs != NULL)
			s = cmd_sub_find(e, words[i]);
		k++;
	}
	if (e->subs != NULL && k == 0) {
		for (s = e->subs; s->name != NULL; s++)
			complete_add_str(&l, s->name);
	} else if (e->subs != NULL) {
		if (s != NULL)
			complete_usage(&l, s->args, k - 1, cfg, ips, nips);
	} else
		complete_usage(&l, e->usage, k, cfg, ips, nips);
	*out = l.v;
	return l.n;
}

void
complete_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
