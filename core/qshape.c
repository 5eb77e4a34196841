/* qshape's counting, ordering and layout over the queue model. */
#include "core/qshape.h"

#include <stdlib.h>
#include <string.h>

#include "core/strpool.h"
#include "core/xalloc.h"

#define QSHAPE_WIDTH 80  /* qshape's default, and its minimum for -w */
#define QSHAPE_DWIDTH 18 /* narrowest domain column */

void
qshape_opts_init(struct qshape_opts *o, long long now)
{
	memset(o, 0, sizeof *o);
	o->node = -1;
	o->min_subdomains = 5;
	o->buckets = 10;
	o->tick = 5;
	o->now = now;
}

/*
 * qshape computes m = age / (60 * tick) in floating point and takes
 * 2 + int(log(m) / log(2)) (or int(m + 1) for -l). For whole seconds that
 * is exactly "the largest k with 60 * tick * 2^k <= age", plus 2: log(2^k)
 * / log(2) comes out exact for the powers that matter, and any other m is
 * at least 1 / (60 * tick) away from a power of two, far more than the
 * rounding error. So integers give the same buckets without libm.
 */
int
qshape_bucket(long long age, int tick, int buckets, bool linear)
{
	long long unit = 60LL * tick, lim;
	int b;

	if (age < unit)
		return 1;
	if (linear) {
		if (age / unit + 1 >= buckets)
			return buckets;
		return (int)(age / unit) + 1;
	}
	b = 2;
	for (lim = unit * 2; lim <= age && b < buckets; lim *= 2) {
		b++;
		if (lim > age / 2)
			break;
	}
	return b < buckets ? b : buckets;
}

/*
 * The row key of an address, as qshape computes it with
 *   lc; "" -> "MAILER-DAEMON"; s/.*\@//; s/\.\././g; s/\.?(.+?)\.?$/$1/
 * postqueue -j already prints the null sender as "MAILER-DAEMON" (its
 * empty_address_recipient default), which is kept as is, not lower-cased.
 * Writes at most QUEUE_ADDR_MAX bytes to buf and returns the length.
 */
static size_t
qshape_key(const char *addr, char *buf)
{
	const char *at = strrchr(addr, '@'), *s;
	size_t len, i, n = 0;
	char c;

	if (*addr == '\0' || strcmp(addr, "MAILER-DAEMON") == 0) {
		memcpy(buf, "MAILER-DAEMON", 13);
		return 13;
	}
	s = at != NULL ? at + 1 : addr;
	len = strlen(s);
	if (len > QUEUE_ADDR_MAX)
		len = QUEUE_ADDR_MAX;
	/* Lower case, and each ".." (left to right) made ".". */
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		buf[n++] = c;
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			i++;
	}
	/* One leading dot, then one trailing dot, while a character stays. */
	if (n >= 2 && buf[0] == '.') {
		memmove(buf, buf + 1, n - 1);
		n--;
	}
	if (n >= 2 && buf[n - 1] == '.')
		n--;
	return n;
}

/*
 * qshape -p's parent: s/^(?:\.)?[^.]+\.(.*\.)/.$1/, that is drop the first
 * label (and a leading dot) and prefix a dot, if what remains still has a
 * dot. Returns the new length, or 0 when there is no parent.
 */
static size_t
qshape_parent(char *key, size_t len)
{
	size_t i = 0, j;

	if (len > 0 && key[0] == '.')
		i = 1;
	for (j = i; j < len && key[j] != '.'; j++)
		;
	if (j == i || j == len)
		return 0;
	if (memchr(key + j + 1, '.', len - j - 1) == NULL)
		return 0;
	/* Keep key[j] (the dot) as the new leading dot. */
	memmove(key, key + j, len - j);
	return len - j;
}

struct qshape_acc {
	int nb;
	struct strpool *keys;
	uint32_t *rowof; /* key id -> row + 1 */
	uint32_t rowofcap;
	uint32_t *rowkey; /* row -> key id */
	long *sub;        /* row -> subdomains seen (qshape -p) */
	long *cells;      /* row * (nb + 1) counts */
	size_t nrows;
	size_t cap;
};

static size_t
qshape_row(struct qshape_acc *a, const char *key, size_t len)
{
	uint32_t id = strpool_intern(a->keys, key, len);
	size_t row;

	if (id >= a->rowofcap) {
		uint32_t cap = a->rowofcap ? a->rowofcap : 256;

		while (cap <= id)
			cap *= 2;
		a->rowof = xreallocarray(a->rowof, cap, sizeof *a->rowof);
		memset(a->rowof + a->rowofcap, 0,
		    (cap - a->rowofcap) * sizeof *a->rowof);
		a->rowofcap = cap;
	}
	if (a->rowof[id] != 0)
		return a->rowof[id] - 1;
	if (a->nrows == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->rowkey = xreallocarray(a->rowkey, a->cap, sizeof *a->rowkey);
		a->sub = xreallocarray(a->sub, a->cap, sizeof *a->sub);
		a->cells = xreallocarray(a->cells, a->cap * (size_t)(a->nb + 1),
		    sizeof *a->cells);
	}
	row = a->nrows++;
	a->rowkey[row] = id;
	a->sub[row] = 0;
	memset(a->cells + row * (size_t)(a->nb + 1), 0,
	    (size_t)(a->nb + 1) * sizeof *a->cells);
	a->rowof[id] = (uint32_t)row + 1;
	return row;
}

/* Counts one address in bucket b, and in its parents with -p. */
static void
qshape_count(struct qshape_acc *a, const char *addr, int b, bool parents)
{
	char key[QUEUE_ADDR_MAX + 16];
	size_t len = qshape_key(addr, key), row;
	bool added = false, seen;
	long *c;

	for (;;) {
		row = qshape_row(a, key, len);
		c = a->cells + row * (size_t)(a->nb + 1);
		seen = ++c[0] > 1;
		c[b]++;
		if (added)
			a->sub[row]++;
		added = !seen;
		if (!parents || (len = qshape_parent(key, len)) == 0)
			break;
	}
}

struct qshape_sortrow {
	const char *name;
	size_t len;
	long total;
	size_t row; /* SIZE_MAX: the TOTAL row */
};

static int
qshape_row_cmp(const void *va, const void *vb)
{
	const struct qshape_sortrow *a = va, *b = vb;

	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void
qshape_heads(struct qshape *out, const struct qshape_opts *o)
{
	long t = 0;
	int i;
	char buf[32];

	out->heads = xcalloc((size_t)o->buckets + 1, sizeof *out->heads);
	out->limit = xcalloc((size_t)o->buckets + 1, sizeof *out->limit);
	out->heads[0] = xstrdup("T");
	out->limit[0] = -1;
	/* As qshape: each limit adds the previous one (or the tick to
	 * start, or always with -l); the last bucket is the one before
	 * with a '+'. */
	for (i = 1; i <= o->buckets; i++) {
		if (i < o->buckets) {
			t += (t != 0 && !o->linear) ? t : o->tick;
			snprintf(buf, sizeof buf, "%ld", t);
			out->limit[i] = t;
		} else {
			snprintf(buf, sizeof buf, "%ld+", t);
			out->limit[i] = -1;
		}
		out->heads[i] = xstrdup(buf);
	}
}

int
qshape_build(const struct queue_set *qs, const struct qshape_opts *o,
    struct qshape *out, char *cause, size_t causelen)
{
	struct qshape_acc a;
	struct qshape_sortrow *sr;
	const struct queue_msg *m;
	const struct queue_rcpt *r;
	unsigned queues = o->queues;
	long *total;
	size_t i, k, n;
	uint32_t j;
	int b, nb = o->buckets;

	memset(out, 0, sizeof *out);
	if (nb < 1 || nb > QSHAPE_BUCKETS_MAX) {
		snprintf(cause, causelen, "bad bucket count %d: use 1 to %d",
		    nb, QSHAPE_BUCKETS_MAX);
		return -1;
	}
	if (o->tick < 1 || o->tick > 1000000) {
		snprintf(cause, causelen, "bad bucket time %d: use 1 to "
		    "1000000 minutes", o->tick);
		return -1;
	}
	if (o->node >= 0 && (size_t)o->node >= qs->nnodes) {
		snprintf(cause, causelen, "unknown node index %d", o->node);
		return -1;
	}
	if (queues == 0)
		queues = QUEUE_BIT(Q_INCOMING) | QUEUE_BIT(Q_ACTIVE);

	memset(&a, 0, sizeof a);
	a.nb = nb;
	a.keys = strpool_new();
	total = xcalloc((size_t)nb + 1, sizeof *total);
	for (i = 0; i < qs->nmsgs; i++) {
		m = &qs->msgs[i];
		/* qshape skips a queue file without recipients left. */
		if (m->nrcpt == 0 || !queue_filter_pick(qs, m, queues, o->node,
		    o->filter, o->now))
			continue;
		out->messages++;
		b = qshape_bucket(o->now - m->arrival, o->tick, nb, o->linear);
		if (o->sender) {
			total[0]++;
			total[b]++;
			qshape_count(&a, queue_str(qs, m->sender), b,
			    o->parents);
			continue;
		}
		r = queue_msg_rcpts(qs, m);
		for (j = 0; j < m->nrcpt; j++) {
			total[0]++;
			total[b]++;
			qshape_count(&a, queue_str(qs, r[j].addr), b,
			    o->parents);
		}
	}
	out->addresses = total[0];

	/* Rows in qshape's order; TOTAL is one of them. Parent rows (and a
	 * lone ".") with too few subdomains are not shown. */
	sr = xreallocarray(NULL, a.nrows + 1, sizeof *sr);
	n = 0;
	sr[n].name = "TOTAL";
	sr[n].len = 5;
	sr[n].total = total[0];
	sr[n].row = SIZE_MAX;
	n++;
	for (k = 0; k < a.nrows; k++) {
		const char *name = strpool_str(a.keys, a.rowkey[k]);

		if (name[0] == '.' && a.sub[k] < o->min_subdomains)
			continue;
		sr[n].name = name;
		sr[n].len = strlen(name);
		sr[n].total = a.cells[k * (size_t)(nb + 1)];
		sr[n].row = k;
		n++;
	}
	qsort(sr, n, sizeof *sr, qshape_row_cmp);

	out->buckets = nb;
	qshape_heads(out, o);
	out->nrows = n;
	out->rows = xcalloc(n, sizeof *out->rows);
	out->cells = xcalloc(n * (size_t)(nb + 1), sizeof *out->cells);
	for (k = 0; k < n; k++) {
		struct qshape_row *row = &out->rows[k];
		const long *src = sr[k].row == SIZE_MAX ? total :
		    a.cells + sr[k].row * (size_t)(nb + 1);

		row->domain = xstrdup(sr[k].name);
		row->total = sr[k].row == SIZE_MAX;
		row->count = out->cells + k * (size_t)(nb + 1);
		memcpy(row->count, src, (size_t)(nb + 1) * sizeof *src);
	}

	free(sr);
	free(total);
	free(a.rowof);
	free(a.rowkey);
	free(a.sub);
	free(a.cells);
	strpool_free(a.keys);
	return 0;
}

void
qshape_free(struct qshape *qsh)
{
	size_t i;
	int b;

	for (i = 0; i < qsh->nrows; i++)
		free(qsh->rows[i].domain);
	free(qsh->rows);
	free(qsh->cells);
	if (qsh->heads != NULL) {
		for (b = 0; b <= qsh->buckets; b++)
			free(qsh->heads[b]);
	}
	free(qsh->heads);
	free(qsh->limit);
	memset(qsh, 0, sizeof *qsh);
}

static const struct qshape_row *
qshape_total(const struct qshape *qsh)
{
	size_t i;

	for (i = 0; i < qsh->nrows; i++) {
		if (qsh->rows[i].total)
			return &qsh->rows[i];
	}
	return NULL;
}

/* qshape's pdomain(): the name right-justified in dw columns, or cut. */
static void
qshape_put_domain(FILE *f, const char *d, int dw)
{
	size_t len = strlen(d);

	if (len > (size_t)dw) {
		if (d[0] == '.')
			fprintf(f, ".+%s", d + len - (size_t)dw + 2);
		else
			fprintf(f, "+%s", d + len - (size_t)dw + 1);
	} else
		fprintf(f, "%*s", dw, d);
}

char *
qshape_text(const struct qshape *qsh, int width, size_t top)
{
	const struct qshape_row *tot = qshape_total(qsh);
	char *text = NULL, num[32];
	size_t size = 0, i, shown = 0;
	int *w, b, l, dw;
	FILE *f;

	if ((f = open_memstream(&text, &size)) == NULL)
		return xstrdup("");
	w = xcalloc((size_t)qsh->buckets + 1, sizeof *w);
	dw = width > QSHAPE_WIDTH ? width : QSHAPE_WIDTH;
	for (b = 0; b <= qsh->buckets; b++) {
		l = snprintf(num, sizeof num, "%ld", tot ? tot->count[b] : 0L);
		if ((int)strlen(qsh->heads[b]) >= l)
			l = (int)strlen(qsh->heads[b]);
		w[b] = l > 2 ? l + 1 : 3;
		dw -= w[b];
	}
	if (dw < QSHAPE_DWIDTH)
		dw = QSHAPE_DWIDTH;

	qshape_put_domain(f, "", dw);
	for (b = 0; b <= qsh->buckets; b++)
		fprintf(f, "%*s", w[b], qsh->heads[b]);
	fputc('\n', f);
	for (i = 0; i < qsh->nrows; i++) {
		if (top > 0 && ++shown > top)
			break;
		qshape_put_domain(f, qsh->rows[i].domain, dw);
		for (b = 0; b <= qsh->buckets; b++)
			fprintf(f, "%*ld", w[b], qsh->rows[i].count[b]);
		fputc('\n', f);
	}
	free(w);
	if (fclose(f) != 0 || text == NULL) {
		free(text);
		return xstrdup("");
	}
	return text;
}

int
qshape_print(const struct qshape *qsh, FILE *f, int width, size_t top)
{
	char *text = qshape_text(qsh, width, top);
	size_t len = strlen(text);
	int rc = 0;

	if (fwrite(text, 1, len, f) != len)
		rc = -1;
	free(text);
	return rc;
}

static json_t *
qshape_json_row(const struct qshape *qsh, const struct qshape_row *row,
    bool named)
{
	json_t *o = json_object(), *counts = json_array();
	int b;

	if (named)
		json_object_set_new(o, "domain", json_string(row->domain));
	json_object_set_new(o, "total", json_integer(row->count[0]));
	for (b = 1; b <= qsh->buckets; b++)
		json_array_append_new(counts, json_integer(row->count[b]));
	json_object_set_new(o, "counts", counts);
	return o;
}

json_t *
qshape_json(const struct qshape *qsh, size_t top)
{
	json_t *o = json_object(), *buckets = json_array(), *domains;
	const struct qshape_row *tot = qshape_total(qsh);
	size_t i, shown = 0;
	int b;

	for (b = 1; b <= qsh->buckets; b++) {
		json_t *bk = json_object();

		json_object_set_new(bk, "label", json_string(qsh->heads[b]));
		json_object_set_new(bk, "max_minutes", qsh->limit[b] < 0 ?
		    json_null() : json_integer(qsh->limit[b]));
		json_array_append_new(buckets, bk);
	}
	json_object_set_new(o, "buckets", buckets);
	json_object_set_new(o, "messages", json_integer(qsh->messages));
	if (tot != NULL)
		json_object_set_new(o, "total", qshape_json_row(qsh, tot,
		    false));
	domains = json_array();
	for (i = 0; i < qsh->nrows; i++) {
		if (top > 0 && ++shown > top)
			break;
		if (qsh->rows[i].total)
			continue;
		json_array_append_new(domains, qshape_json_row(qsh,
		    &qsh->rows[i], true));
	}
	json_object_set_new(o, "domains", domains);
	return o;
}
