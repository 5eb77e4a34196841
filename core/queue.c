/* The queue model: validation, compact rows, lookup and sort (filters:
 * core/queue_filter.c). */
#include "core/queue.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "core/xalloc.h"

static const char *const queue_kind_names[QUEUE_KINDS] = {
	[QUEUE_MAILDROP] = "maildrop",
	[Q_INCOMING] = "incoming",
	[Q_ACTIVE] = "active",
	[Q_DEFERRED] = "deferred",
	[Q_HOLD] = "hold",
	[Q_CORRUPT] = "corrupt",
};

/* The order in which mail passes through the queues, for sorting. */
static const int queue_kind_rank[QUEUE_KINDS] = {
	[QUEUE_MAILDROP] = 0,
	[Q_INCOMING] = 1,
	[Q_ACTIVE] = 2,
	[Q_DEFERRED] = 3,
	[Q_HOLD] = 4,
	[Q_CORRUPT] = 5,
};

const char *
queue_kind_name(unsigned queue)
{
	if (queue >= QUEUE_KINDS)
		return "?";
	return queue_kind_names[queue];
}

int
queue_kind_parse(const char *s, size_t len, unsigned *queue)
{
	unsigned q;

	for (q = 0; q < QUEUE_KINDS; q++) {
		if (strlen(queue_kind_names[q]) == len &&
		    memcmp(queue_kind_names[q], s, len) == 0) {
			*queue = q;
			return 0;
		}
	}
	return -1;
}

bool
queue_id_valid(const char *s, size_t len)
{
	char id[QUEUE_ID_MAX + 1];

	if (len > QUEUE_ID_MAX || memchr(s, '\0', len) != NULL)
		return false;
	memcpy(id, s, len);
	id[len] = '\0';
	return validate_queue_id(id) == NULL;
}

const char *
queue_addr_domain(const char *addr, size_t len, size_t *dlen)
{
	const char *at = memrchr(addr, '@', len);

	if (at == NULL) {
		*dlen = 0;
		return NULL;
	}
	*dlen = len - (size_t)(at + 1 - addr);
	return at + 1;
}

/*
 * Text from a node is drawn on a terminal: it must be valid UTF-8 without
 * C0 or C1 control characters or DEL, which could move the cursor or start
 * an escape sequence. Returns NULL or what is wrong.
 */
static const char *
queue_text_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	unsigned char c, lo, hi;
	size_t n, i;

	while (p < end) {
		/* ASCII without controls, eight bytes at a time. */
		while (end - p >= 8) {
			uint64_t w, ones = 0x0101010101010101ULL;
			uint64_t highs = 0x8080808080808080ULL;

			memcpy(&w, p, 8);
			/* A byte >= 0x80, < 0x20, or 0x7f (0x7f + 1 = 0x80). */
			if (((w | (w - ones * 0x20) | (w + ones)) & highs) != 0)
				break;
			p += 8;
		}
		if (p == end)
			break;
		c = *p;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return "control character";
			p++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			/* U+0080 .. U+009F are the C1 controls. */
			if (c == 0xc2)
				lo = 0xa0;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return "invalid UTF-8";
		if ((size_t)(end - p) <= n)
			return "invalid UTF-8";
		if (p[1] < lo || p[1] > hi) {
			if (c == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0)
				return "control character";
			return "invalid UTF-8";
		}
		for (i = 2; i <= n; i++) {
			if (p[i] < 0x80 || p[i] > 0xbf)
				return "invalid UTF-8";
		}
		p += n + 1;
	}
	return NULL;
}

const char *
queue_quote(char *buf, size_t size, const char *s, size_t len)
{
	size_t i, n = 0, max = size - 4;

	if (max > 40)
		max = 40;
	for (i = 0; i < len && n < max; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (i < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* Characters that never appear in the domain of an address as listed. */
static bool
queue_domain_bad(char c)
{
	switch (c) {
	case '"':
	case '\\':
	case ' ':
	case '<':
	case '>':
	case '(':
	case ')':
	case ',':
	case ';':
		return true;
	}
	return false;
}

/* Names the sender (n == 0) or recipient n for a cause. */
static const char *
queue_addr_what(char *buf, size_t size, size_t n)
{
	if (n == 0)
		return "sender";
	snprintf(buf, size, "recipient %zu", n);
	return buf;
}

/* Checks the sender (n == 0) or recipient n. */
static int
queue_addr_check(size_t n, const char *addr, size_t len, char *cause,
    size_t causelen)
{
	char q[48], w[32];
	const char *why, *dom;
	size_t dlen, i;

	if (len > QUEUE_ADDR_MAX) {
		snprintf(cause, causelen, "%s '%s' is longer than %d bytes",
		    queue_addr_what(w, sizeof w, n),
		    queue_quote(q, sizeof q, addr, len), QUEUE_ADDR_MAX);
		return -1;
	}
	if ((why = queue_text_check(addr, len)) != NULL) {
		snprintf(cause, causelen, "%s in %s '%s'", why,
		    queue_addr_what(w, sizeof w, n),
		    queue_quote(q, sizeof q, addr, len));
		return -1;
	}
	/* The local part may be quoted ("a b"@x); the domain never is. */
	if ((dom = queue_addr_domain(addr, len, &dlen)) == NULL)
		return 0;
	for (i = 0; i < dlen; i++) {
		if (!queue_domain_bad(dom[i]))
			continue;
		if (dom[i] == '"')
			snprintf(cause, causelen, "quote in the domain of %s "
			    "'%s'", queue_addr_what(w, sizeof w, n),
			    queue_quote(q, sizeof q, addr, len));
		else
			snprintf(cause, causelen, "'%c' in the domain of %s "
			    "'%s'", dom[i], queue_addr_what(w, sizeof w, n),
			    queue_quote(q, sizeof q, addr, len));
		return -1;
	}
	return 0;
}

/* Cuts a reason to at most `max` bytes without splitting a character. */
static size_t
queue_cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return len;
}

struct queue_set *
queue_set_new(void)
{
	struct queue_set *qs = xcalloc(1, sizeof *qs);

	qs->pool = strpool_new();
	return qs;
}

void
queue_set_free(struct queue_set *qs)
{
	size_t i;

	if (qs == NULL)
		return;
	strpool_free(qs->pool);
	free(qs->msgs);
	free(qs->rcpts);
	for (i = 0; i < qs->nnodes; i++)
		free(qs->nodes[i]);
	free(qs->nodes);
	free(qs->counts);
	free(qs->index);
	free(qs);
}

int
queue_set_find_node(const struct queue_set *qs, const char *name)
{
	size_t i;

	for (i = 0; i < qs->nnodes; i++) {
		if (strcmp(qs->nodes[i], name) == 0)
			return (int)i;
	}
	return -1;
}

const char *
queue_set_node_name(const struct queue_set *qs, uint32_t node)
{
	if (node >= qs->nnodes)
		return "?";
	return qs->nodes[node];
}

int
queue_set_add_node(struct queue_set *qs, const char *name, uint32_t *node,
    char *cause, size_t causelen)
{
	const char *why;
	char q[48];
	int found;

	if ((why = validate_name(name)) != NULL) {
		snprintf(cause, causelen, "bad node name '%s': %s",
		    queue_quote(q, sizeof q, name, strlen(name)), why);
		return -1;
	}
	if ((found = queue_set_find_node(qs, name)) >= 0) {
		*node = (uint32_t)found;
		return 0;
	}
	if (qs->nnodes == QUEUE_NODES_MAX) {
		snprintf(cause, causelen, "cannot add node '%s': more than %d "
		    "nodes", name, QUEUE_NODES_MAX);
		return -1;
	}
	qs->nodes = xreallocarray(qs->nodes, qs->nnodes + 1, sizeof *qs->nodes);
	qs->counts = xreallocarray(qs->counts, qs->nnodes + 1,
	    sizeof *qs->counts);
	memset(qs->counts[qs->nnodes], 0, sizeof qs->counts[qs->nnodes]);
	qs->nodes[qs->nnodes] = xstrdup(name);
	*node = (uint32_t)qs->nnodes++;
	return 0;
}

static uint32_t
queue_key_hash(uint32_t node, const char *id, size_t len)
{
	return strpool_hash(id, len) ^ (node * 0x9e3779b1u);
}

/* Returns the slot of node + ID in the index: the row's slot, or the empty
 * slot where it would go. The index must exist. */
static size_t
queue_index_slot(const struct queue_set *qs, uint32_t node, const char *id,
    size_t len, uint32_t h)
{
	size_t mask = qs->indexcap - 1, i;
	const struct queue_msg *m;
	const char *s;

	for (i = h & mask; qs->index[i].row != 0; i = (i + 1) & mask) {
		if (qs->index[i].hash != h)
			continue;
		m = &qs->msgs[qs->index[i].row - 1];
		if (m->node != node)
			continue;
		s = queue_str(qs, m->id);
		if (strncmp(s, id, len) == 0 && s[len] == '\0')
			break;
	}
	return i;
}

static void
queue_index_grow(struct queue_set *qs)
{
	struct queue_slot *old = qs->index;
	size_t i, j, mask, oldcap = qs->indexcap;

	qs->indexcap = oldcap ? oldcap * 2 : 1024;
	qs->index = xcalloc(qs->indexcap, sizeof *qs->index);
	mask = qs->indexcap - 1;
	for (i = 0; i < oldcap; i++) {
		if (old[i].row == 0)
			continue;
		j = old[i].hash & mask;
		while (qs->index[j].row != 0)
			j = (j + 1) & mask;
		qs->index[j] = old[i];
	}
	free(old);
}

const struct queue_msg *
queue_set_lookup(const struct queue_set *qs, uint32_t node, const char *id)
{
	size_t i;

	size_t len = strlen(id);

	if (qs->indexcap == 0)
		return NULL;
	i = queue_index_slot(qs, node, id, len, queue_key_hash(node, id, len));
	if (qs->index[i].row == 0)
		return NULL;
	return &qs->msgs[qs->index[i].row - 1];
}

/* Everything queue_set_add checks, before anything changes. */
static int
queue_new_check(const struct queue_set *qs, const struct queue_new *m,
    char *cause, size_t causelen)
{
	const struct queue_new_rcpt *r;
	const char *why;
	char q[48];
	size_t i;

	if (m->node >= qs->nnodes) {
		snprintf(cause, causelen, "unknown node index %u", m->node);
		return -1;
	}
	if (m->queue >= QUEUE_KINDS) {
		snprintf(cause, causelen, "unknown queue number %u", m->queue);
		return -1;
	}
	if (!queue_id_valid(m->id, m->idlen)) {
		snprintf(cause, causelen, "bad queue ID '%s': %s",
		    queue_quote(q, sizeof q, m->id, m->idlen),
		    QUEUE_ID_ACCEPTED);
		return -1;
	}
	if (m->arrival < 0) {
		snprintf(cause, causelen, "negative arrival time %lld",
		    m->arrival);
		return -1;
	}
	if (m->size < 0) {
		snprintf(cause, causelen, "negative message size %lld",
		    m->size);
		return -1;
	}
	if (queue_addr_check(0, m->sender, m->senderlen, cause,
	    causelen) != 0)
		return -1;
	if (m->nrcpts > UINT32_MAX - qs->nrcpts) {
		snprintf(cause, causelen, "too many recipients");
		return -1;
	}
	for (i = 0; i < m->nrcpts; i++) {
		r = &m->rcpts[i];
		if (queue_addr_check(i + 1, r->addr, r->addrlen, cause,
		    causelen) != 0)
			return -1;
		if (r->reason == NULL)
			continue;
		why = queue_text_check(r->reason, r->reasonlen);
		if (why != NULL) {
			snprintf(cause, causelen, "%s in the delay reason of "
			    "recipient %zu", why, i + 1);
			return -1;
		}
	}
	return 0;
}

/* Interns the lower-cased domain of an address. */
static uint32_t
queue_intern_domain(struct queue_set *qs, const char *addr, size_t len)
{
	char buf[QUEUE_ADDR_MAX];
	const char *d;
	size_t dlen, i;
	bool upper = false;

	if ((d = queue_addr_domain(addr, len, &dlen)) == NULL || dlen == 0)
		return 0;
	for (i = 0; i < dlen; i++) {
		if (d[i] >= 'A' && d[i] <= 'Z') {
			upper = true;
			break;
		}
	}
	if (!upper)
		return strpool_intern(qs->pool, d, dlen);
	for (i = 0; i < dlen; i++) {
		char c = d[i];

		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	return strpool_intern(qs->pool, buf, dlen);
}

/*
 * The row for node + ID: the existing one (its counts taken back, to be
 * overwritten) or a new one at the end with the ID stored. Fills in node
 * and ID; the caller sets the rest and counts the row again.
 */
static struct queue_msg *
queue_set_row(struct queue_set *qs, uint32_t node, const char *id,
    size_t idlen)
{
	struct queue_msg *row;
	size_t slot;
	uint32_t idx, h;

	if ((qs->nmsgs + 1) * 2 > qs->indexcap)
		queue_index_grow(qs);
	h = queue_key_hash(node, id, idlen);
	slot = queue_index_slot(qs, node, id, idlen, h);
	if (qs->index[slot].row != 0) {
		row = &qs->msgs[qs->index[slot].row - 1];
		qs->counts[row->node][row->queue]--;
		qs->replaced++;
		return row;
	}
	if (qs->nmsgs == qs->msgcap) {
		qs->msgcap = qs->msgcap ? qs->msgcap * 2 : 1024;
		qs->msgs = xreallocarray(qs->msgs, qs->msgcap,
		    sizeof *qs->msgs);
	}
	idx = (uint32_t)qs->nmsgs++;
	row = &qs->msgs[idx];
	row->node = (uint16_t)node;
	row->id = strpool_add(qs->pool, id, idlen);
	qs->index[slot].row = idx + 1;
	qs->index[slot].hash = h;
	return row;
}

/* Makes room for n more recipients. */
static void
queue_set_reserve(struct queue_set *qs, size_t n)
{
	size_t cap = qs->rcptcap ? qs->rcptcap : 1024;

	if (qs->nrcpts + n <= qs->rcptcap)
		return;
	while (cap < qs->nrcpts + n)
		cap *= 2;
	qs->rcpts = xreallocarray(qs->rcpts, cap, sizeof *qs->rcpts);
	qs->rcptcap = cap;
}

int
queue_set_add(struct queue_set *qs, const struct queue_new *m, char *cause,
    size_t causelen)
{
	const struct queue_new_rcpt *r;
	struct queue_msg *row;
	struct queue_rcpt *out;
	size_t i, len;

	if (queue_new_check(qs, m, cause, causelen) != 0)
		return -1;
	if (qs->nmsgs == UINT32_MAX - 1) {
		snprintf(cause, causelen, "too many messages");
		return -1;
	}
	row = queue_set_row(qs, m->node, m->id, m->idlen);
	queue_set_reserve(qs, m->nrcpts);
	row->node = (uint16_t)m->node;
	row->queue = (uint8_t)m->queue;
	row->flags = m->forced_expire ? QUEUE_FORCED_EXPIRE : 0;
	row->arrival = m->arrival;
	row->size = m->size;
	row->sender = strpool_intern(qs->pool, m->sender, m->senderlen);
	row->rcpt = (uint32_t)qs->nrcpts;
	row->nrcpt = (uint32_t)m->nrcpts;
	for (i = 0; i < m->nrcpts; i++) {
		r = &m->rcpts[i];
		out = &qs->rcpts[qs->nrcpts++];
		out->addr = strpool_intern(qs->pool, r->addr, r->addrlen);
		out->domain = queue_intern_domain(qs, r->addr, r->addrlen);
		out->reason = 0;
		if (r->reason != NULL) {
			len = queue_cut_utf8(r->reason, r->reasonlen,
			    QUEUE_REASON_MAX);
			out->reason = strpool_intern(qs->pool, r->reason, len);
		}
	}
	qs->counts[m->node][m->queue]++;
	return 0;
}

/* dst's id for src's string `id`, interned the first time it is asked. */
static uint32_t
queue_merge_str(struct queue_set *dst, const struct queue_set *src,
    uint32_t *map, uint32_t id)
{
	const char *s;

	if (id == 0)
		return 0;
	if (map[id] == 0) {
		s = queue_str(src, id);
		map[id] = strpool_intern(dst->pool, s, strlen(s));
	}
	return map[id];
}

void
queue_set_merge(struct queue_set *dst, const struct queue_set *src)
{
	const struct queue_msg *m;
	const struct queue_rcpt *r;
	struct queue_rcpt *out;
	struct queue_msg *row;
	uint32_t *nodemap, *map, i, j;
	const char *id;
	char cause[256];

	/* src's rows were checked when they entered src: only the strings
	 * move, each distinct one interned once through the map. */
	nodemap = xcalloc(src->nnodes ? src->nnodes : 1, sizeof *nodemap);
	for (i = 0; i < src->nnodes; i++) {
		if (queue_set_add_node(dst, src->nodes[i], &nodemap[i], cause,
		    sizeof cause) != 0)
			nodemap[i] = UINT32_MAX;
	}
	map = xcalloc(strpool_count(src->pool), sizeof *map);
	for (i = 0; i < src->nmsgs; i++) {
		m = &src->msgs[i];
		if (nodemap[m->node] == UINT32_MAX ||
		    dst->nmsgs == UINT32_MAX - 1 ||
		    m->nrcpt > UINT32_MAX - dst->nrcpts)
			continue;
		id = queue_str(src, m->id);
		row = queue_set_row(dst, nodemap[m->node], id, strlen(id));
		queue_set_reserve(dst, m->nrcpt);
		row->queue = m->queue;
		row->flags = m->flags;
		row->arrival = m->arrival;
		row->size = m->size;
		row->sender = queue_merge_str(dst, src, map, m->sender);
		row->rcpt = (uint32_t)dst->nrcpts;
		row->nrcpt = m->nrcpt;
		r = queue_msg_rcpts(src, m);
		for (j = 0; j < m->nrcpt; j++) {
			out = &dst->rcpts[dst->nrcpts++];
			out->addr = queue_merge_str(dst, src, map, r[j].addr);
			out->domain = queue_merge_str(dst, src, map,
			    r[j].domain);
			out->reason = queue_merge_str(dst, src, map,
			    r[j].reason);
		}
		dst->counts[row->node][row->queue]++;
	}
	free(map);
	free(nodemap);
}

long
queue_set_count(const struct queue_set *qs, int node, int queue)
{
	size_t n, nfirst, nlast;
	unsigned q, qfirst, qlast;
	long total = 0;

	if (node >= 0 && (size_t)node >= qs->nnodes)
		return 0;
	if (queue >= QUEUE_KINDS)
		return 0;
	nfirst = node < 0 ? 0 : (size_t)node;
	nlast = node < 0 ? qs->nnodes : (size_t)node + 1;
	qfirst = queue < 0 ? 0 : (unsigned)queue;
	qlast = queue < 0 ? QUEUE_KINDS : (unsigned)queue + 1;
	for (n = nfirst; n < nlast; n++) {
		for (q = qfirst; q < qlast; q++)
			total += qs->counts[n][q];
	}
	return total;
}

size_t
queue_set_memory(const struct queue_set *qs)
{
	size_t i, total = sizeof *qs + strpool_memory(qs->pool);

	total += qs->msgcap * sizeof *qs->msgs;
	total += qs->rcptcap * sizeof *qs->rcpts;
	total += qs->indexcap * sizeof *qs->index;
	total += qs->nnodes * (sizeof *qs->nodes + sizeof *qs->counts);
	for (i = 0; i < qs->nnodes; i++)
		total += strlen(qs->nodes[i]) + 1;
	return total;
}

uint32_t
queue_msg_reason(const struct queue_set *qs, const struct queue_msg *m)
{
	const struct queue_rcpt *r = queue_msg_rcpts(qs, m);
	uint32_t i;

	for (i = 0; i < m->nrcpt; i++) {
		if (r[i].reason != 0)
			return r[i].reason;
	}
	return 0;
}

/* Sorting. */

static const char *const queue_col_names[QCOL_COUNT] = {
	[QCOL_NODE] = "node",
	[QCOL_QUEUE] = "queue",
	[QCOL_ID] = "id",
	[QCOL_AGE] = "age",
	[QCOL_SIZE] = "size",
	[QCOL_SENDER] = "sender",
	[QCOL_RCPT] = "rcpt",
	[QCOL_NRCPT] = "nrcpt",
	[QCOL_REASON] = "reason",
};

const char *
queue_col_name(enum queue_col col)
{
	if ((unsigned)col >= QCOL_COUNT)
		return "?";
	return queue_col_names[col];
}

int
queue_col_parse(const char *s, enum queue_col *col, char *cause,
    size_t causelen)
{
	char q[48];
	int i;

	for (i = 0; i < QCOL_COUNT; i++) {
		if (strcmp(s, queue_col_names[i]) == 0) {
			*col = (enum queue_col)i;
			return 0;
		}
	}
	snprintf(cause, causelen, "unknown column '%s': use node, queue, id, "
	    "age, size, sender, rcpt, nrcpt or reason",
	    queue_quote(q, sizeof q, s, strlen(s)));
	return -1;
}

struct queue_sortkey {
	int64_t key;
	uint32_t row;
};

static int
queue_rank_cmp(const void *a, const void *b, void *pool)
{
	return strcmp(strpool_str(pool, *(const uint32_t *)a),
	    strpool_str(pool, *(const uint32_t *)b));
}

/*
 * Turns string ids into ranks in their sorted order, so the sort itself
 * compares integers: each distinct string is compared only while ranking.
 * `ids` holds one id per row; they are replaced by ranks.
 */
static void
queue_rank_strings(const struct strpool *pool, uint32_t *ids, size_t n)
{
	uint32_t count = strpool_count(pool), *rank, *uniq, nuniq = 0, i;
	size_t k;

	rank = xcalloc(count, sizeof *rank);
	uniq = xreallocarray(NULL, n ? n : 1, sizeof *uniq);
	for (k = 0; k < n; k++) {
		if (rank[ids[k]] == 0) {
			rank[ids[k]] = 1;
			uniq[nuniq++] = ids[k];
		}
	}
	qsort_r(uniq, nuniq, sizeof *uniq, queue_rank_cmp, (void *)pool);
	for (i = 0; i < nuniq; i++)
		rank[uniq[i]] = i;
	for (k = 0; k < n; k++)
		ids[k] = rank[ids[k]];
	free(uniq);
	free(rank);
}

static void
queue_merge_sort(struct queue_sortkey *a, struct queue_sortkey *tmp, size_t n,
    int dir)
{
	size_t mid = n / 2, i = 0, j, k = 0;

	if (n < 2)
		return;
	queue_merge_sort(a, tmp, mid, dir);
	queue_merge_sort(a + mid, tmp, n - mid, dir);
	j = mid;
	while (i < mid && j < n) {
		/* Take from the left unless the right is strictly first:
		 * equal keys keep their order. */
		if ((dir > 0 && a[j].key < a[i].key) ||
		    (dir < 0 && a[j].key > a[i].key))
			tmp[k++] = a[j++];
		else
			tmp[k++] = a[i++];
	}
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

void
queue_sort(const struct queue_set *qs, uint32_t *rows, size_t n,
    enum queue_col col, bool descending)
{
	struct queue_sortkey *keys, *tmp;
	const struct queue_msg *m;
	uint32_t *ids = NULL, *noderank = NULL, i;
	size_t k;

	if (n < 2)
		return;
	keys = xreallocarray(NULL, n, sizeof *keys);
	if (col == QCOL_ID || col == QCOL_SENDER || col == QCOL_RCPT ||
	    col == QCOL_REASON) {
		ids = xreallocarray(NULL, n, sizeof *ids);
		for (k = 0; k < n; k++) {
			m = &qs->msgs[rows[k]];
			if (col == QCOL_ID)
				ids[k] = m->id;
			else if (col == QCOL_SENDER)
				ids[k] = m->sender;
			else if (col == QCOL_RCPT)
				ids[k] = m->nrcpt ?
				    queue_msg_rcpts(qs, m)->addr : 0;
			else
				ids[k] = queue_msg_reason(qs, m);
		}
		queue_rank_strings(qs->pool, ids, n);
	}
	if (col == QCOL_NODE) {
		noderank = xcalloc(qs->nnodes ? qs->nnodes : 1,
		    sizeof *noderank);
		for (i = 0; i < qs->nnodes; i++) {
			size_t j;

			for (j = 0; j < qs->nnodes; j++) {
				if (strcmp(qs->nodes[j], qs->nodes[i]) < 0)
					noderank[i]++;
			}
		}
	}
	for (k = 0; k < n; k++) {
		m = &qs->msgs[rows[k]];
		keys[k].row = rows[k];
		switch (col) {
		case QCOL_NODE:
			keys[k].key = m->node < qs->nnodes ?
			    noderank[m->node] : m->node;
			break;
		case QCOL_QUEUE:
			keys[k].key = queue_kind_rank[m->queue];
			break;
		case QCOL_AGE:
			/* Youngest first: the latest arrival. */
			keys[k].key = -m->arrival;
			break;
		case QCOL_SIZE:
			keys[k].key = m->size;
			break;
		case QCOL_NRCPT:
			keys[k].key = m->nrcpt;
			break;
		default:
			keys[k].key = ids != NULL ? ids[k] : 0;
			break;
		}
	}
	tmp = xreallocarray(NULL, n, sizeof *tmp);
	queue_merge_sort(keys, tmp, n, descending ? -1 : 1);
	for (k = 0; k < n; k++)
		rows[k] = keys[k].row;
	free(tmp);
	free(keys);
	free(ids);
	free(noderank);
}
