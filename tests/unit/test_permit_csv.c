/* Unit tests of the relay inventory reader: RFC 4180 quoting, line ends,
 * the header, and every row's checks, each bad row reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/permit_csv.h"

static size_t
parse(const char *text, struct permit_csv *c)
{
	return permit_csv_parse(text, strlen(text), c);
}

/* Error i of c: on line `line` (0: the whole file), saying msg. */
static void
csv_error_is(const struct permit_csv *c, size_t i, int line, const char *msg)
{
	if (i >= c->nerrors)
		fail_msg("no error %zu (%zu errors); wanted '%s'", i,
		    c->nerrors, msg);
	assert_string_equal(c->errors[i].msg, msg);
	assert_int_equal(c->errors[i].line, line);
}

static void
test_good(void **state)
{
	struct permit_csv c;

	(void)state;
	assert_int_equal(parse("agency,application,ip,expected_volume\n"
	    "dmv,Plates printer,192.0.2.10,500\n"
	    "tax,\"Refunds, batch\",2001:DB8::7,\n", &c), 0);
	assert_int_equal(c.nrows, 2);
	assert_string_equal(c.rows[0].agency, "dmv");
	assert_string_equal(c.rows[0].app, "Plates printer");
	assert_string_equal(c.rows[0].ip, "192.0.2.10");
	assert_int_equal(c.rows[0].expected, 500);
	assert_int_equal(c.rows[0].line, 2);
	/* A quoted comma; the IP in canonical form; empty expected. */
	assert_string_equal(c.rows[1].app, "Refunds, batch");
	assert_string_equal(c.rows[1].ip, "2001:db8::7");
	assert_int_equal(c.rows[1].expected, -1);
	permit_csv_free(&c);
}

static void
test_quoting(void **state)
{
	struct permit_csv c;

	(void)state;
	/* Doubled quotes, a line break inside quotes, quoted header names. */
	assert_int_equal(parse("\"agency\",\"ip\",\"application\"\n"
	    "dmv,192.0.2.1,\"the \"\"big\"\" one\"\n"
	    "dmv,192.0.2.2,\"\"\n", &c), 0);
	assert_int_equal(c.nrows, 2);
	assert_string_equal(c.rows[0].app, "the \"big\" one");
	assert_string_equal(c.rows[1].app, "");
	permit_csv_free(&c);

	/* Errors: a quote inside an unquoted field, text after a quote. */
	assert_int_equal(parse("agency,ip,application\n"
	    "dmv,192.0.2.1,say \"hi\"\n"
	    "dmv,192.0.2.2,\"x\"y\n"
	    "dmv,192.0.2.3,ok\n", &c), 2);
	csv_error_is(&c, 0, 2, "field 3: a quote inside an unquoted field; "
	    "quote the whole field and double the quotes in it");
	csv_error_is(&c, 1, 3, "field 3: text after the closing quote");
	/* The good row is still read, and nothing else. */
	assert_int_equal(c.nrows, 1);
	permit_csv_free(&c);

	/* A quote never closed runs to the end of the file. */
	assert_int_equal(parse("agency,ip\ndmv,\"192.0.2.1\n", &c), 1);
	assert_string_equal(c.errors[0].msg, "field 2: the quote opened on "
	    "line 2 is never closed");
	permit_csv_free(&c);
}

static void
test_line_ends(void **state)
{
	struct permit_csv c;

	(void)state;
	/* CRLF, a last line without an end, blank lines and comments. */
	assert_int_equal(parse("# inventory of 2026-11\r\n"
	    "AGENCY,Application,IP,Expected_Volume\r\n"
	    "\r\n"
	    "dmv,app one,192.0.2.1,10\r\n"
	    "   \r\n"
	    "# tax follows\r\n"
	    "tax,app two,192.0.2.2,20", &c), 0);
	assert_int_equal(c.nrows, 2);
	assert_string_equal(c.rows[0].app, "app one");
	assert_int_equal(c.rows[0].line, 4);
	assert_int_equal(c.rows[1].expected, 20);
	assert_int_equal(c.rows[1].line, 7);
	permit_csv_free(&c);

	/* A line break inside quotes: the next record's line is right. */
	assert_int_equal(parse("agency,ip,application\n"
	    "dmv,192.0.2.1,\"two\nlines\"\n"
	    "dmv,192.0.2.300,x\n", &c), 2);
	csv_error_is(&c, 0, 2, "application: control characters (tabs, new "
	    "lines, escapes) are not accepted");
	assert_int_equal(c.errors[1].line, 4);
	permit_csv_free(&c);
}

static void
test_bom(void **state)
{
	struct permit_csv c;

	(void)state;
	assert_int_equal(parse("\xef\xbb\xbf" "agency,ip\ndmv,192.0.2.1\n", &c),
	    0);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].agency, "dmv");
	assert_int_equal(c.rows[0].expected, -1);
	permit_csv_free(&c);
}

static void
test_header(void **state)
{
	struct permit_csv c;

	(void)state;
	/* Missing required columns: both named. */
	assert_int_equal(parse("application,expected_volume\nx,1\n", &c), 2);
	assert_string_equal(c.errors[0].msg, "no 'agency' column; the header "
	    "needs agency and ip (application and expected_volume are "
	    "optional)");
	assert_string_equal(c.errors[1].msg, "no 'ip' column; the header needs "
	    "agency and ip (application and expected_volume are optional)");
	assert_int_equal(c.nrows, 0);
	permit_csv_free(&c);

	/* An unknown column, a column twice. */
	assert_int_equal(parse("agency,ip,owner,ip\ndmv,192.0.2.1,x,y\n", &c),
	    2);
	assert_string_equal(c.errors[0].msg, "unknown column 'owner'; the "
	    "columns are agency,application,ip,expected_volume");
	assert_string_equal(c.errors[1].msg, "column 'ip' appears twice");
	permit_csv_free(&c);

	/* No header at all: the first row is data. */
	assert_int_equal(parse("dmv,app,192.0.2.1,5\n", &c), 1);
	csv_error_is(&c, 0, 1, "no header line: the first line must name the "
	    "columns, such as agency,application,ip,expected_volume");
	permit_csv_free(&c);
}

static void
test_empty(void **state)
{
	struct permit_csv c;

	(void)state;
	assert_int_equal(parse("", &c), 1);
	csv_error_is(&c, 0, 0, "the file is empty; it needs the header line "
	    "agency,application,ip,expected_volume and one row per permitted "
	    "IP");
	permit_csv_free(&c);
	assert_int_equal(parse("\n# nothing\n\n", &c), 1);
	permit_csv_free(&c);

	assert_int_equal(parse("agency,application,ip,expected_volume\r\n", &c),
	    1);
	csv_error_is(&c, 0, 0, "no permits: the file has the header and no "
	    "rows");
	assert_int_equal(c.nrows, 0);
	permit_csv_free(&c);
}

static void
test_columns(void **state)
{
	struct permit_csv c;

	(void)state;
	/* Rows with too few or too many fields. */
	assert_int_equal(parse("agency,application,ip,expected_volume\n"
	    "dmv,app,192.0.2.1\n"
	    "dmv,app,192.0.2.2,5,extra\n"
	    "dmv,app,192.0.2.3,5\n", &c), 2);
	csv_error_is(&c, 0, 2, "3 fields, the header has 4");
	csv_error_is(&c, 1, 3, "5 fields, the header has 4");
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].ip, "192.0.2.3");
	permit_csv_free(&c);
}

static void
test_bad_rows(void **state)
{
	struct permit_csv c;

	(void)state;
	/* Every bad row is reported, each with all its problems. */
	assert_int_equal(parse("agency,application,ip,expected_volume\n"
	    "dmv,printer,10.0.0.0/8,5\n"
	    "dmv,printer,192.0.2.1,lots\n"
	    "Bad Agency!,printer,mail.example.org,\n"
	    ",,,\n"
	    "dmv,ok,192.0.2.9,1\n"
	    "dmv,range,10.0.0.1-10.0.0.5,1\n", &c), 5);
	csv_error_is(&c, 0, 2, "ip '10.0.0.0/8': only single addresses are "
	    "accepted, not ranges (CIDR prefixes); give each address");
	csv_error_is(&c, 1, 3, "expected_volume 'lots' is not a whole number "
	    "of messages per day (0 or more, or empty)");
	csv_error_is(&c, 2, 4, "agency 'Bad Agency!' is not an agency id: "
	    "use 1-32 letters, digits, '.', '_' or '-', starting with a "
	    "letter or digit; ip 'mail.example.org': host names are not "
	    "accepted; give the client's IP address");
	csv_error_is(&c, 3, 5, "the agency is empty; the ip is empty");
	assert_int_equal(c.errors[4].line, 7);
	assert_int_equal(c.nrows, 1);
	permit_csv_free(&c);

	/* Negative volumes and long applications. */
	assert_int_equal(parse("agency,ip,expected_volume\n"
	    "dmv,192.0.2.1,-3\n", &c), 1);
	permit_csv_free(&c);
}

static void
test_duplicates(void **state)
{
	struct permit_csv c;

	(void)state;
	/* The same address twice, once written differently: both later rows
	 * point at the first. */
	assert_int_equal(parse("agency,ip\n"
	    "dmv,2001:db8::1\n"
	    "tax,192.0.2.1\n"
	    "tax,2001:DB8:0::1\n"
	    "health,2001:db8::1\n", &c), 2);
	csv_error_is(&c, 0, 4, "ip 2001:db8::1 is already on line 2");
	csv_error_is(&c, 1, 5, "ip 2001:db8::1 is already on line 2");
	assert_int_equal(c.nrows, 2);
	permit_csv_free(&c);
}

static void
test_add_error(void **state)
{
	struct permit_csv c;

	(void)state;
	assert_int_equal(parse("agency,ip\ndmv,192.0.2.1\nx,192.0.2.2\n"
	    "dmv,192.0.2.0/24\n", &c), 1);
	/* The caller's errors (unknown agencies) go in line order. */
	permit_csv_add_error(&c, 3, "agency 'x' does not exist");
	assert_int_equal(c.nerrors, 2);
	assert_int_equal(c.errors[0].line, 3);
	assert_int_equal(c.errors[1].line, 4);
	permit_csv_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_add_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
