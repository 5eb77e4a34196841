/* Relay inventories in CSV: an RFC 4180 reader and the checks of each row. */
#include "core/permit_csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/policy_input.h"
#include "core/validate.h"
#include "core/xalloc.h"

struct csv_reader {
	const char *p, *end;
	int line;          /* of p */
	char *buf;         /* the current record's fields, NUL-separated */
	size_t len, cap;
};

enum csv_col { COL_AGENCY, COL_APP, COL_IP, COL_EXPECTED, COL_NCOLS };

static const char *const csv_col_names[COL_NCOLS] = {
	"agency", "application", "ip", "expected_volume"
};

void
permit_csv_add_error(struct permit_csv *c, int line, const char *fmt, ...)
{
	struct permit_csv_error *e;
	size_t i;
	va_list ap;

	c->errors = xreallocarray(c->errors, c->nerrors + 1, sizeof *c->errors);
	/* Most errors come in line order: insert from the end. */
	for (i = c->nerrors; i > 0 && c->errors[i - 1].line > line; i--)
		c->errors[i] = c->errors[i - 1];
	e = &c->errors[i];
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	c->nerrors++;
}

static void
csv_put(struct csv_reader *r, char ch)
{
	if (r->len + 1 >= r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->buf = xrealloc(r->buf, r->cap);
	}
	r->buf[r->len++] = ch;
}

/* Moves past the end of the current physical line. */
static void
csv_skip_line(struct csv_reader *r)
{
	while (r->p < r->end && *r->p != '\n')
		r->p++;
	if (r->p < r->end) {
		r->p++;
		r->line++;
	}
}

/* True at a line that holds nothing, or a comment. */
static int
csv_skippable(const struct csv_reader *r)
{
	const char *q = r->p;

	while (q < r->end && (*q == ' ' || *q == '\t'))
		q++;
	return q == r->end || *q == '\n' || *q == '\r' || *q == '#';
}

/*
 * Reads one record into r->buf, the fields NUL-terminated one after the
 * other. Returns the number of fields, 0 at the end of the data, or -1 with
 * msg set (the rest of the line is skipped so that reading goes on).
 */
static int
csv_read(struct csv_reader *r, size_t *off, int *start, char *msg,
    size_t msglen)
{
	int n = 0;

	while (r->p < r->end && csv_skippable(r))
		csv_skip_line(r);
	if (r->p >= r->end)
		return 0;
	*start = r->line;
	r->len = 0;
	for (;;) {
		size_t flen = 0, trim;

		if (n == PERMIT_CSV_MAX_FIELDS) {
			snprintf(msg, msglen, "more than %d fields",
			    PERMIT_CSV_MAX_FIELDS);
			csv_skip_line(r);
			return -1;
		}
		off[n] = r->len;
		while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
			r->p++;
		if (r->p < r->end && *r->p == '"') {
			int qline = r->line;

			r->p++;
			for (;;) {
				if (r->p >= r->end) {
					snprintf(msg, msglen, "field %d: the "
					    "quote opened on line %d is never "
					    "closed", n + 1, qline);
					return -1;
				}
				if (*r->p == '"') {
					if (r->p + 1 < r->end && r->p[1] == '"') {
						csv_put(r, '"');
						r->p += 2;
						flen++;
						continue;
					}
					r->p++;
					break;
				}
				if (*r->p == '\0') {
					snprintf(msg, msglen, "a NUL byte: this "
					    "is not a text file");
					csv_skip_line(r);
					return -1;
				}
				if (*r->p == '\n')
					r->line++;
				csv_put(r, *r->p++);
				flen++;
			}
			while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
				r->p++;
			if (r->p < r->end && *r->p != ',' && *r->p != '\r' &&
			    *r->p != '\n') {
				snprintf(msg, msglen, "field %d: text after the "
				    "closing quote", n + 1);
				csv_skip_line(r);
				return -1;
			}
		} else {
			while (r->p < r->end && *r->p != ',' && *r->p != '\r' &&
			    *r->p != '\n') {
				if (*r->p == '"') {
					snprintf(msg, msglen, "field %d: a quote "
					    "inside an unquoted field; quote the "
					    "whole field and double the quotes "
					    "in it", n + 1);
					csv_skip_line(r);
					return -1;
				}
				if (*r->p == '\0') {
					snprintf(msg, msglen, "a NUL byte: this "
					    "is not a text file");
					csv_skip_line(r);
					return -1;
				}
				csv_put(r, *r->p++);
				flen++;
			}
			trim = r->len;
			while (trim > off[n] && (r->buf[trim - 1] == ' ' ||
			    r->buf[trim - 1] == '\t'))
				trim--;
			flen -= r->len - trim;
			r->len = trim;
		}
		if (flen > PERMIT_CSV_MAX_FIELD) {
			snprintf(msg, msglen, "field %d is longer than %d "
			    "bytes", n + 1, PERMIT_CSV_MAX_FIELD);
			csv_skip_line(r);
			return -1;
		}
		csv_put(r, '\0');
		n++;
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		/* The end of the record: CRLF, LF, a lone CR or the data. */
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n')
			r->p++;
		r->line++;
		return n;
	}
}

/* Maps header fields to columns; returns 0, or -1 with the error added. */
static int
csv_header(struct permit_csv *c, int line, const char *buf,
    const size_t *off, int n, int *col)
{
	int i, k, known = 0, bad = 0;

	for (i = 0; i < n; i++) {
		const char *name = buf + off[i];

		col[i] = -1;
		for (k = 0; k < COL_NCOLS; k++) {
			if (strcasecmp(name, csv_col_names[k]) == 0)
				col[i] = k;
		}
		if (col[i] >= 0)
			known++;
	}
	if (known == 0) {
		permit_csv_add_error(c, line, "no header line: the first line "
		    "must name the columns, such as " PERMIT_CSV_HEADER);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (col[i] < 0) {
			permit_csv_add_error(c, line, "unknown column '%.60s'; "
			    "the columns are " PERMIT_CSV_HEADER, buf + off[i]);
			bad = 1;
			continue;
		}
		for (k = 0; k < i; k++) {
			if (col[k] == col[i]) {
				permit_csv_add_error(c, line, "column '%s' "
				    "appears twice", csv_col_names[col[i]]);
				bad = 1;
			}
		}
	}
	for (k = 0; k < COL_NCOLS; k++) {
		if (k != COL_AGENCY && k != COL_IP)
			continue;
		for (i = 0; i < n && col[i] != k; i++)
			;
		if (i == n) {
			permit_csv_add_error(c, line, "no '%s' column; the header "
			    "needs agency and ip (application and "
			    "expected_volume are optional)", csv_col_names[k]);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Appends "; " and a problem to a row's message. */
static void
csv_problem(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
csv_problem(char *msg, size_t len, const char *fmt, ...)
{
	size_t off = strlen(msg);
	va_list ap;

	if (off > 0 && off + 2 < len) {
		memcpy(msg + off, "; ", 3);
		off += 2;
	}
	if (off >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg + off, len - off, fmt, ap);
	va_end(ap);
}

/* Checks one row; returns 0 with *row filled, or -1 with msg set. */
static int
csv_row(const char *buf, const size_t *off, int n, const int *col,
    int ncols, struct permit_row *row, char *msg, size_t len)
{
	const char *v[COL_NCOLS] = { "", "", "", "" }, *why;
	char shown[64];
	int i;

	msg[0] = '\0';
	if (n != ncols) {
		snprintf(msg, len, "%d field%s, the header has %d", n,
		    n == 1 ? "" : "s", ncols);
		return -1;
	}
	for (i = 0; i < n; i++)
		v[col[i]] = buf + off[i];
	memset(row, 0, sizeof *row);
	row->expected = -1;
	if (v[COL_AGENCY][0] == '\0')
		csv_problem(msg, len, "the agency is empty");
	else if ((why = validate_name(v[COL_AGENCY])) != NULL)
		csv_problem(msg, len, "agency '%.40s' is not an agency id: %s",
		    validate_sanitize(shown, sizeof shown, v[COL_AGENCY]),
		    why);
	else
		snprintf(row->agency, sizeof row->agency, "%s", v[COL_AGENCY]);
	if (v[COL_IP][0] == '\0')
		csv_problem(msg, len, "the ip is empty");
	else if ((why = validate_ip_canon(v[COL_IP], row->ip, sizeof row->ip))
	    != NULL)
		csv_problem(msg, len, "ip '%.45s': %s",
		    validate_sanitize(shown, sizeof shown, v[COL_IP]), why);
	if (v[COL_EXPECTED][0] != '\0' && policy_input_number(v[COL_EXPECTED],
	    0, 1000000000000LL, &row->expected) == -1)
		csv_problem(msg, len, "expected_volume '%.20s' is not a whole "
		    "number of messages per day (0 or more, or empty)",
		    validate_sanitize(shown, sizeof shown,
		    v[COL_EXPECTED]));
	if (v[COL_APP][0] != '\0' && (why = validate_text(v[COL_APP],
	    POLICY_TEXT_MAX)) != NULL)
		csv_problem(msg, len, "application: %s", why);
	else
		snprintf(row->app, sizeof row->app, "%s", v[COL_APP]);
	return msg[0] == '\0' ? 0 : -1;
}

/* Rows' positions sorted by IP, to find an IP given twice. */
static const struct permit_row *csv_sort_rows;

static int
csv_ip_cmp(const void *a, const void *b)
{
	const struct permit_row *x = &csv_sort_rows[*(const size_t *)a];
	const struct permit_row *y = &csv_sort_rows[*(const size_t *)b];
	int d = strcmp(x->ip, y->ip);

	return d != 0 ? d : x->line - y->line;
}

/*
 * Every row whose IP an earlier row has is an error; the rows array keeps
 * only the first. rows[] holds all the rows with a good IP, bad[] says
 * which rows had another problem.
 */
static void
csv_duplicates(struct permit_csv *c, struct permit_row *rows, size_t n,
    unsigned char *drop)
{
	size_t *idx = xcalloc(n + 1, sizeof *idx), i;

	for (i = 0; i < n; i++)
		idx[i] = i;
	csv_sort_rows = rows;
	qsort(idx, n, sizeof *idx, csv_ip_cmp);
	for (i = 1; i < n; i++) {
		const struct permit_row *prev = &rows[idx[i - 1]];
		struct permit_row *cur = &rows[idx[i]];
		size_t first = i - 1;

		if (strcmp(prev->ip, cur->ip) != 0)
			continue;
		while (first > 0 && strcmp(rows[idx[first - 1]].ip, cur->ip)
		    == 0)
			first--;
		permit_csv_add_error(c, cur->line, "ip %s is already on line %d",
		    cur->ip, rows[idx[first]].line);
		drop[idx[i]] = 1;
	}
	free(idx);
}

size_t
permit_csv_parse(const char *data, size_t len, struct permit_csv *out)
{
	struct csv_reader r = { 0 };
	struct permit_row *rows = NULL;
	unsigned char *bad = NULL;
	size_t off[PERMIT_CSV_MAX_FIELDS], nrows = 0, i;
	int col[PERMIT_CSV_MAX_FIELDS], ncols = 0, n, start = 0, header = 0;
	char msg[320];

	memset(out, 0, sizeof *out);
	r.p = data;
	r.end = data + len;
	r.line = 1;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	while ((n = csv_read(&r, off, &start, msg, sizeof msg)) != 0) {
		if (n == -1) {
			/* A bad header line leaves no columns to read by. */
			permit_csv_add_error(out, start, "%s", msg);
			if (!header)
				goto done;
			continue;
		}
		if (!header) {
			header = 1;
			ncols = n;
			if (csv_header(out, start, r.buf, off, n, col) == -1)
				goto done;
			continue;
		}
		rows = xreallocarray(rows, nrows + 1, sizeof *rows);
		bad = xrealloc(bad, nrows + 1);
		if (csv_row(r.buf, off, n, col, ncols, &rows[nrows], msg,
			sizeof msg) == -1) {
			permit_csv_add_error(out, start, "%s", msg);
			/* A row with a good IP still counts for duplicates. */
			bad[nrows] = rows[nrows].ip[0] != '\0' && n == ncols ?
			    1 : 2;
		} else
			bad[nrows] = 0;
		rows[nrows].line = start;
		nrows++;
	}
	if (!header)
		permit_csv_add_error(out, 0, "the file is empty; it needs the "
		    "header line " PERMIT_CSV_HEADER " and one row per "
		    "permitted IP");
	else if (nrows == 0 && out->nerrors == 0)
		permit_csv_add_error(out, 0, "no permits: the file has the header "
		    "and no rows");
done:
	if (nrows > 0) {
		struct permit_row *withip = xcalloc(nrows, sizeof *withip);
		unsigned char *drop = xcalloc(nrows, 1);
		size_t *from = xcalloc(nrows, sizeof *from), m = 0;

		for (i = 0; i < nrows; i++) {
			if (bad[i] == 2)
				continue;
			from[m] = i;
			withip[m++] = rows[i];
		}
		csv_duplicates(out, withip, m, drop);
		for (i = 0; i < m; i++) {
			if (drop[i])
				bad[from[i]] = 1;
		}
		free(withip);
		free(drop);
		free(from);
	}
	out->rows = xcalloc(nrows + 1, sizeof *out->rows);
	for (i = 0; i < nrows; i++) {
		if (bad[i] == 0)
			out->rows[out->nrows++] = rows[i];
	}
	free(rows);
	free(bad);
	free(r.buf);
	return out->nerrors;
}

void
permit_csv_free(struct permit_csv *c)
{
	free(c->rows);
	free(c->errors);
	memset(c, 0, sizeof *c);
}
