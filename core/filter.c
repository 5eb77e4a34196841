/* The filter's figures: rspamd's /stat and /history parsed, the published
 * hash read back, and the held records of the quarantine. */
#include "core/filter.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"

const char *const filter_action_field[FILTER_ACTIONS] = {
	[FILTER_REJECT] = "reject",
	[FILTER_SOFT_REJECT] = "soft_reject",
	[FILTER_ADD_HEADER] = "add_header",
	[FILTER_QUARANTINE] = "quarantine",
	[FILTER_NO_ACTION] = "no_action",
	[FILTER_OTHER] = "other",
};

const char *const filter_action_text[FILTER_ACTIONS] = {
	[FILTER_REJECT] = "reject",
	[FILTER_SOFT_REJECT] = "soft reject",
	[FILTER_ADD_HEADER] = "add header",
	[FILTER_QUARANTINE] = "quarantine",
	[FILTER_NO_ACTION] = "no action",
	[FILTER_OTHER] = "other",
};

const char *const filter_bucket_field[FILTER_ACTIONS + 2] = {
	"reject", "soft_reject", "add_header", "quarantine", "no_action",
	"other", "scanned", "unscanned",
};

const char *const filter_field_names[FF_COUNT] = {
	[FF_UP_I] = "up",
	[FF_AT_I] = "at",
	[FF_SINCE_I] = "since",
	[FF_ERROR_I] = "error",
	[FF_VERSION_I] = "version",
	[FF_SCANNED_I] = "scanned",
	[FF_UNSCANNED_I] = "unscanned",
	[FF_POLL_US_I] = "poll_us",
	[FF_INTERVAL_I] = "interval",
	[FF_ACTION0_I + FILTER_REJECT] = "reject",
	[FF_ACTION0_I + FILTER_SOFT_REJECT] = "soft_reject",
	[FF_ACTION0_I + FILTER_ADD_HEADER] = "add_header",
	[FF_ACTION0_I + FILTER_QUARANTINE] = "quarantine",
	[FF_ACTION0_I + FILTER_NO_ACTION] = "no_action",
	[FF_ACTION0_I + FILTER_OTHER] = "other",
};

/* rspamd's names in /stat's "actions" (3.4). */
static const struct {
	const char *name;
	enum filter_action a;
} filter_stat_names[] = {
	{ "reject", FILTER_REJECT },
	{ "soft reject", FILTER_SOFT_REJECT },
	{ "add header", FILTER_ADD_HEADER },
	{ "no action", FILTER_NO_ACTION },
	{ "rewrite subject", FILTER_OTHER },
	{ "greylist", FILTER_OTHER },
	{ "quarantine", FILTER_QUARANTINE },
	{ "discard", FILTER_QUARANTINE },
};

static int
filter_count(json_t *v, long long *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return 0;
	}
	/* Some builds write counters as reals. */
	if (json_is_real(v) && json_real_value(v) >= 0 &&
	    json_real_value(v) < 9e15) {
		*out = (long long)json_real_value(v);
		return 0;
	}
	return -1;
}

int
filter_stat_parse(const char *body, size_t len, struct filter_stat *st,
    char *cause, size_t clen)
{
	json_error_t e;
	json_t *root, *acts, *v;
	const char *key;
	long long n, sum = 0;
	size_t i;

	memset(st, 0, sizeof *st);
	if ((root = json_loadb(body, len, 0, &e)) == NULL) {
		char shown[96];

		/* jansson quotes the bytes it stopped at: sanitized. */
		validate_sanitize(shown, sizeof shown, e.text);
		snprintf(cause, clen, "the stat is not JSON: %s", shown);
		return -1;
	}
	if (!json_is_object(root) || filter_count(json_object_get(root,
	    "scanned"), &st->scanned) == -1) {
		snprintf(cause, clen, "the stat has no count 'scanned'");
		json_decref(root);
		return -1;
	}
	if (!json_is_object(acts = json_object_get(root, "actions"))) {
		snprintf(cause, clen, "the stat has no object 'actions'");
		json_decref(root);
		return -1;
	}
	json_object_foreach(acts, key, v) {
		if (filter_count(v, &n) == -1) {
			char shown[64];

			validate_sanitize(shown, sizeof shown, key);
			snprintf(cause, clen, "the stat's action '%s' is not a "
			    "count", shown);
			json_decref(root);
			return -1;
		}
		for (i = 0; i < sizeof filter_stat_names /
		     sizeof filter_stat_names[0]; i++) {
			if (strcmp(filter_stat_names[i].name, key) == 0)
				break;
		}
		st->action[i < sizeof filter_stat_names /
		    sizeof filter_stat_names[0] ? filter_stat_names[i].a :
		    FILTER_OTHER] += n;
		sum += n;
	}
	/* rspamd 3.4 counts no quarantine in its stat: the difference. */
	if (st->scanned > sum)
		st->action[FILTER_QUARANTINE] += st->scanned - sum;
	if (json_is_string(v = json_object_get(root, "version")))
		validate_sanitize(st->version, sizeof st->version,
		    json_string_value(v));
	json_decref(root);
	return 0;
}

/* A symbol's name: letters, digits and '_' only. */
static bool
filter_symbol_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	}
	return i > 0 && i < 64;
}

/* The row's symbols, names only, in rspamd's order. */
static void
filter_symbols(json_t *syms, char *buf, size_t len)
{
	const char *key;
	size_t o = 0, kl;
	json_t *v;

	buf[0] = '\0';
	if (json_is_object(syms)) {
		json_object_foreach(syms, key, v) {
			(void)v;
			kl = strlen(key);
			if (!filter_symbol_ok(key))
				continue;
			if (o + kl + 2 > len)
				break;
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o ? " " : "", key);
		}
	} else if (json_is_array(syms)) {
		size_t i;

		json_array_foreach(syms, i, v) {
			json_t *nm = json_object_get(v, "name");

			if (!json_is_string(nm))
				continue;
			key = json_string_value(nm);
			kl = strlen(key);
			if (!filter_symbol_ok(key))
				continue;
			if (o + kl + 2 > len)
				break;
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o ? " " : "", key);
		}
	}
}

int
filter_history_find(const char *body, size_t len, const char *const *mids,
    size_t n, struct filter_verdict *out, char *cause, size_t clen)
{
	json_error_t e;
	json_t *root, *rows, *row, *v;
	size_t i, j;
	int found = 0;

	for (j = 0; j < n; j++)
		memset(&out[j], 0, sizeof out[j]);
	if ((root = json_loadb(body, len, 0, &e)) == NULL) {
		char shown[96];

		validate_sanitize(shown, sizeof shown, e.text);
		snprintf(cause, clen, "the history is not JSON: %s", shown);
		return -1;
	}
	rows = json_is_object(root) ? json_object_get(root, "rows") : root;
	if (!json_is_array(rows)) {
		snprintf(cause, clen, "the history is not a list of rows");
		json_decref(root);
		return -1;
	}
	json_array_foreach(rows, i, row) {
		const char *id;

		v = json_object_get(row, "id");
		if (!json_is_string(v) && json_is_string(json_object_get(row,
		    "message-id")))
			v = json_object_get(row, "message-id");
		if (!json_is_string(v))
			continue;
		id = json_string_value(v);
		for (j = 0; j < n; j++) {
			if (out[j].found || strcmp(mids[j], id) != 0)
				continue;
			out[j].found = true;
			found++;
			if (json_is_string(v = json_object_get(row, "action")))
				validate_sanitize(out[j].action,
				    sizeof out[j].action, json_string_value(v));
			if (json_is_number(v = json_object_get(row, "score")))
				out[j].score = json_number_value(v);
			filter_symbols(json_object_get(row, "symbols"),
			    out[j].symbols, sizeof out[j].symbols);
		}
	}
	json_decref(root);
	return found;
}

static long long
filter_num(struct filter_node *n, const char *field, const char *v)
{
	char *end;
	long long x;

	if (v == NULL)
		return 0;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || x < 0) {
		if (n->malformed[0] == '\0')
			snprintf(n->malformed, sizeof n->malformed, "%s is not "
			    "a count", field);
		return 0;
	}
	return x;
}

void
filter_node_parse(struct filter_node *n, const char *name,
    const char *const *v)
{
	int i;

	memset(n, 0, sizeof *n);
	validate_sanitize(n->name, sizeof n->name, name);
	for (i = 0; i < FF_COUNT; i++)
		n->published |= v[i] != NULL;
	n->up = v[FF_UP_I] != NULL && strcmp(v[FF_UP_I], "1") == 0;
	n->at = filter_num(n, "at", v[FF_AT_I]);
	n->since = filter_num(n, "since", v[FF_SINCE_I]);
	if (v[FF_ERROR_I] != NULL)
		validate_sanitize(n->error, sizeof n->error, v[FF_ERROR_I]);
	if (v[FF_VERSION_I] != NULL)
		validate_sanitize(n->version, sizeof n->version,
		    v[FF_VERSION_I]);
	n->scanned = filter_num(n, "scanned", v[FF_SCANNED_I]);
	n->unscanned = filter_num(n, "unscanned", v[FF_UNSCANNED_I]);
	n->poll_us = filter_num(n, "poll_us", v[FF_POLL_US_I]);
	n->interval_s = (int)filter_num(n, "interval", v[FF_INTERVAL_I]);
	for (i = 0; i < FILTER_ACTIONS; i++)
		n->action[i] = filter_num(n, filter_action_field[i],
		    v[FF_ACTION0_I + i]);
}

void
filter_bucket_add(long long *acc, const char *const *v)
{
	char *end;
	long long x;
	int i;

	for (i = 0; i < FILTER_ACTIONS + 2; i++) {
		if (v[i] == NULL)
			continue;
		x = strtoll(v[i], &end, 10);
		if (end != v[i] && *end == '\0' && x > 0)
			acc[i] += x;
	}
}

const char *
filter_node_state(const struct filter_node *n)
{
	if (!n->published)
		return "unknown";
	return n->up ? "up" : "DOWN";
}

char *
filter_held_dump(const struct filter_held *h)
{
	json_t *o = json_pack("{s:I,s:s}", "at", (json_int_t)h->at, "mid",
	    h->mid);
	char *s;

	if (h->have_verdict) {
		json_object_set_new(o, "score", json_real(h->score));
		json_object_set_new(o, "symbols", json_string(h->symbols));
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int
filter_held_parse(const char *s, struct filter_held *h)
{
	json_error_t e;
	json_t *o, *v;

	memset(h, 0, sizeof *h);
	if ((o = json_loads(s, 0, &e)) == NULL)
		return -1;
	if (!json_is_object(o) || !json_is_integer(v = json_object_get(o,
	    "at"))) {
		json_decref(o);
		return -1;
	}
	h->at = json_integer_value(v);
	if (json_is_string(v = json_object_get(o, "mid")))
		validate_sanitize(h->mid, sizeof h->mid, json_string_value(v));
	if (json_is_number(v = json_object_get(o, "score"))) {
		h->have_verdict = true;
		h->score = json_number_value(v);
		if (json_is_string(v = json_object_get(o, "symbols")))
			validate_sanitize(h->symbols, sizeof h->symbols,
			    json_string_value(v));
	}
	json_decref(o);
	return 0;
}
