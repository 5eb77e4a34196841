/* The relay inventory agencies hand in: a CSV file of permitted IPs
 * (agency,application,ip,expected_volume), read and checked row by row. */
#ifndef MAILNOC_PERMIT_CSV_H
#define MAILNOC_PERMIT_CSV_H

#include <stddef.h>

#include "core/policy_model.h"

/* The header the inventory must start with (columns in any order). */
#define PERMIT_CSV_HEADER "agency,application,ip,expected_volume"

/* Fields per record and bytes per field beyond which a row is refused. */
#define PERMIT_CSV_MAX_FIELDS	32
#define PERMIT_CSV_MAX_FIELD	1024

struct permit_csv_error {
	int line;      /* 1-based line the record starts on; 0: the file */
	char msg[320]; /* what is wrong, without the FILE:LINE: */
};

struct permit_csv {
	struct permit_row *rows;  /* the good rows, in file order */
	size_t nrows;
	struct permit_csv_error *errors; /* by line */
	size_t nerrors;
};

/*
 * Parses an inventory held in memory (RFC 4180: quoted fields may hold
 * commas, doubled quotes and line breaks; CRLF or LF; a UTF-8 BOM is
 * skipped; blank lines and lines starting with '#' are skipped). The first
 * record is the header: column names in any order, any case; agency and ip
 * are required, application and expected_volume optional. Every row is
 * checked (agency id, a single canonical IP, no IP twice, expected volume a
 * whole number or empty, application text of at most 200 bytes) and every
 * problem is recorded, not only the first. Whether agencies exist is for the
 * caller to check (it needs Redis).
 *
 * Returns the number of errors: 0 means every row is good and there is at
 * least one. Free with permit_csv_free.
 */
size_t	permit_csv_parse(const char *data, size_t len, struct permit_csv *out);

void	permit_csv_free(struct permit_csv *c);

/* Records an error (the caller's own checks, such as unknown agencies);
 * keeps the errors sorted by line. */
void	permit_csv_add_error(struct permit_csv *c, int line, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));

#endif
