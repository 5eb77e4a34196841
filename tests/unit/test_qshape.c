/* Unit tests of the qshape matrix: buckets, keys, order, layout, JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/qshape.h"
#include "tests/unit/queue_msg.h"

#define NOW 1800000000LL

/* Adds a message of `age` seconds; `rcpts` is "addr addr ...". */
static int
add(struct queue_set *qs, uint32_t node, unsigned queue, const char *id,
    long long age, const char *sender, const char *rcpts)
{
	char cause[256];

	if (queue_msg_add(qs, node, queue, id, NOW - age, 100, sender, rcpts,
	    " ", cause) != 0)
		fail_msg("%s: %s", id, cause);
	return 0;
}

static void
test_bucket(void **state)
{
	static const struct {
		long long age;
		int tick, buckets;
		bool linear;
		int want;
	} cases[] = {
		{ -100, 5, 10, false, 1 }, /* arrival in the future */
		{ 0, 5, 10, false, 1 },
		{ 299, 5, 10, false, 1 },
		{ 300, 5, 10, false, 2 },  /* 5 minutes: the "10" column */
		{ 599, 5, 10, false, 2 },
		{ 600, 5, 10, false, 3 },
		{ 1199, 5, 10, false, 3 },
		{ 1200, 5, 10, false, 4 },
		{ 2399, 5, 10, false, 4 },
		{ 2400, 5, 10, false, 5 },
		{ 4800, 5, 10, false, 6 },
		{ 9600, 5, 10, false, 7 },
		{ 19199, 5, 10, false, 7 },
		{ 19200, 5, 10, false, 8 },
		{ 38400, 5, 10, false, 9 },
		{ 76799, 5, 10, false, 9 }, /* just under 1280 minutes */
		{ 76800, 5, 10, false, 10 },
		{ 1000000000, 5, 10, false, 10 },
		{ 600, 5, 3, false, 3 },
		{ 100000, 5, 3, false, 3 },
		{ 100000, 5, 1, false, 1 },
		{ 59, 1, 10, false, 1 },
		{ 60, 1, 10, false, 2 },
		{ 120, 1, 10, false, 3 },
		{ 0, 5, 10, true, 1 },
		{ 299, 5, 10, true, 1 },
		{ 300, 5, 10, true, 2 },
		{ 599, 5, 10, true, 2 },
		{ 600, 5, 10, true, 3 },
		{ 2699, 5, 10, true, 9 },
		{ 2700, 5, 10, true, 10 },
		{ 99999999, 5, 10, true, 10 },
	};
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		got = qshape_bucket(cases[i].age, cases[i].tick,
		    cases[i].buckets, cases[i].linear);
		if (got != cases[i].want)
			fail_msg("age %lld tick %d buckets %d%s: %d, "
			    "expected %d",
			    cases[i].age, cases[i].tick, cases[i].buckets,
			    cases[i].linear ? " linear" : "", got,
			    cases[i].want);
	}
}

/* The deferred queue of the matrix tests; see the comments for buckets. */
static struct queue_set *
deferred_set(void)
{
	struct queue_set *qs;
	uint32_t n;

	qs = queue_msg_set(&n);
	/* bucket 1 ("5"): 3 recipients */
	add(qs, n, Q_DEFERRED, "AAAAA1", 0, "s1@Agency.Test",
	    "a@yahoo.test b@yahoo.test c@hotmail.test");
	/* bucket 2 ("10"): 5 minutes exactly, and 9:59 */
	add(qs, n, Q_DEFERRED, "AAAAA2", 300, "MAILER-DAEMON", "d@yahoo.test");
	add(qs, n, Q_DEFERRED, "AAAAA5", 599, "root", "g@Yahoo.Test");
	/* bucket 10 ("1280+") and bucket 9 ("1280") */
	add(qs, n, Q_DEFERRED, "AAAAA3", 76800, "", "e@dead.test");
	add(qs, n, Q_DEFERRED, "AAAAA4", 76799, "x@agency.test", "f@dead.test");
	/* Not counted: other queues, and a message without recipients. */
	add(qs, n, Q_HOLD, "AAAAA6", 0, "s@x", "h@gmail.test");
	add(qs, n, Q_ACTIVE, "AAAAA7", 0, "s@x", "i@gmail.test");
	add(qs, n, Q_DEFERRED, "AAAAA8", 0, "s@x", "");
	add(qs, n, Q_INCOMING, "AAAAA9", 1000, "s@x", "j@accept.test");
	return qs;
}

static char *
shape_text(const struct queue_set *qs, const struct qshape_opts *o,
    int width, size_t top)
{
	struct qshape shape;
	char cause[256], *text;

	if (qshape_build(qs, o, &shape, cause, sizeof cause) != 0)
		fail_msg("%s", cause);
	text = qshape_text(&shape, width, top);
	qshape_free(&shape);
	return text;
}

#define HEADS "                                         T  5 10 20 40 80 160 " \
	"320 640 1280 1280+\n"

static void
test_matrix(void **state)
{
	struct queue_set *qs = deferred_set();
	struct qshape_opts o;
	struct qshape shape;
	char cause[256], *text;

	(void)state;
	qshape_opts_init(&o, NOW);
	o.queues = QUEUE_BIT(Q_DEFERRED);
	text = shape_text(qs, &o, 0, 0);
	assert_string_equal(text, HEADS
	    "                                  TOTAL  7  3  2  0  0  0   0   0"
	    "   0    1     1\n"
	    "                             yahoo.test  4  2  2  0  0  0   0   0"
	    "   0    0     0\n"
	    "                              dead.test  2  0  0  0  0  0   0   0"
	    "   0    1     1\n"
	    "                           hotmail.test  1  1  0  0  0  0   0   0"
	    "   0    0     0\n");
	free(text);

	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), 0);
	assert_int_equal(shape.messages, 5);
	assert_int_equal(shape.addresses, 7);
	assert_int_equal(shape.nrows, 4);
	assert_true(shape.rows[0].total);
	assert_string_equal(shape.rows[1].domain, "yahoo.test");
	assert_int_equal(shape.rows[1].count[2], 2);
	assert_int_equal(shape.limit[1], 5);
	assert_int_equal(shape.limit[9], 1280);
	assert_int_equal(shape.limit[10], -1);
	qshape_free(&shape);

	/* Two rows, TOTAL included. */
	text = shape_text(qs, &o, 0, 2);
	assert_string_equal(text, HEADS
	    "                                  TOTAL  7  3  2  0  0  0   0   0"
	    "   0    1     1\n"
	    "                             yahoo.test  4  2  2  0  0  0   0   0"
	    "   0    0     0\n");
	free(text);
	queue_set_free(qs);
}

static void
test_default_queues_and_sender(void **state)
{
	struct queue_set *qs = deferred_set();
	struct qshape_opts o;
	char *text;

	(void)state;
	/* By default incoming and active together, as qshape. */
	qshape_opts_init(&o, NOW);
	text = shape_text(qs, &o, 0, 0);
	assert_string_equal(text, HEADS
	    "                                  TOTAL  2  1  0  1  0  0   0   0"
	    "   0    0     0\n"
	    "                             gmail.test  1  1  0  0  0  0   0   0"
	    "   0    0     0\n"
	    "                            accept.test  1  0  0  1  0  0   0   0"
	    "   0    0     0\n");
	free(text);

	/* -s: one per message (the one without recipients left out); the
	 * null sender as postqueue prints it, and as "". */
	o.queues = QUEUE_BIT(Q_DEFERRED);
	o.sender = true;
	text = shape_text(qs, &o, 0, 0);
	assert_string_equal(text, HEADS
	    "                                  TOTAL  5  1  2  0  0  0   0   0"
	    "   0    1     1\n"
	    "                            agency.test  2  1  0  0  0  0   0   0"
	    "   0    1     0\n"
	    "                          MAILER-DAEMON  2  0  1  0  0  0   0   0"
	    "   0    0     1\n"
	    "                                   root  1  0  1  0  0  0   0   0"
	    "   0    0     0\n");
	free(text);
	queue_set_free(qs);
}

/* qshape_build of qs with o into shape: its rows' domains are want[0..n). */
static void
build_rows(const struct queue_set *qs, const struct qshape_opts *o,
    struct qshape *shape, const char *const *want, size_t n)
{
	char cause[256];
	size_t i;

	if (qshape_build(qs, o, shape, cause, sizeof cause) != 0)
		fail_msg("qshape_build: %s", cause);
	assert_int_equal(shape->nrows, n);
	for (i = 0; i < n; i++)
		assert_string_equal(shape->rows[i].domain, want[i]);
}

static void
test_domain_keys(void **state)
{
	struct queue_set *qs;
	struct qshape_opts o;
	struct qshape shape;
	uint32_t n;
	static const char *const want[] = {
		"TOTAL", "example.com", "a.b", "", "c.d", "a..b", "root",
		"MAILER-DAEMON",
	};

	(void)state;
	qs = queue_msg_set(&n);
	/* Lower case, ".." -> ".", one dot off each end, text after the
	 * last '@', no '@' as is, "" -> MAILER-DAEMON; "x@." makes the row
	 * "." which qshape never shows (it starts with a dot). */
	add(qs, n, Q_ACTIVE, "BBBBB1", 0, "s@x",
	    "U@Example.COM v@example.com. w@.example.com x@.a.b. y@a..b "
	    "z@a...b q@b@c.d root - x@ x@.");
	qshape_opts_init(&o, NOW);
	build_rows(qs, &o, &shape, want, sizeof want / sizeof want[0]);
	assert_int_equal(shape.rows[0].count[0], 11);
	assert_int_equal(shape.rows[1].count[0], 3);
	assert_int_equal(shape.rows[2].count[0], 2);
	qshape_free(&shape);
	queue_set_free(qs);
}

static void
test_order_ties(void **state)
{
	struct queue_set *qs;
	struct qshape_opts o;
	char *text;
	uint32_t n;

	(void)state;
	qs = queue_msg_set(&n);
	/* One short domain holds everything: as in qshape, it sorts before
	 * TOTAL (same count, shorter name). */
	add(qs, n, Q_ACTIVE, "CCCCC1", 0, "s@x", "a@a.io b@a.io");
	qshape_opts_init(&o, NOW);
	text = shape_text(qs, &o, 0, 0);
	assert_string_equal(text, HEADS
	    "                                   a.io  2  2  0  0  0  0   0   0"
	    "   0    0     0\n"
	    "                                  TOTAL  2  2  0  0  0  0   0   0"
	    "   0    0     0\n");
	free(text);
	/* Equal counts and lengths: by name (qshape leaves these to Perl's
	 * hash order). */
	add(qs, n, Q_ACTIVE, "CCCCC2", 0, "s@x", "c@zz.io d@bb.io e@aa.io");
	text = shape_text(qs, &o, 0, 0);
	assert_non_null(strstr(text, "a.io  2"));
	assert_true(strstr(text, "aa.io") < strstr(text, "bb.io"));
	assert_true(strstr(text, "bb.io") < strstr(text, "zz.io"));
	free(text);
	queue_set_free(qs);
}

static void
test_width_and_cut(void **state)
{
	struct queue_set *qs;
	struct qshape_opts o;
	char *text;
	uint32_t n;
	int i;

	(void)state;
	qs = queue_msg_set(&n);
	add(qs, n, Q_ACTIVE, "DDDDD1", 0, "s@x",
	    "a@very-long-subdomain-name.of.a-provider.example.com");
	/* 100 recipients: the T and "5" columns widen to 4 characters. */
	for (i = 0; i < 99; i++) {
		char id[16];

		snprintf(id, sizeof id, "DDDDE%02d", i);
		add(qs, n, Q_ACTIVE, id, 0, "s@x", "b@short.test");
	}
	qshape_opts_init(&o, NOW);
	text = shape_text(qs, &o, 0, 0);
	/* Columns 4+4+3*4+4*3+5+6 = 43 wide, the domain 80-43 = 37: the
	 * 50-character name is cut to '+' and its last 36 bytes. */
	assert_string_equal(text,
	    "                                        T   5 10 20 40 80 160 320 "
	    "640 1280 1280+\n"
	    "                                TOTAL 100 100  0  0  0  0   0   0"
	    "   0    0     0\n"
	    "                           short.test  99  99  0  0  0  0   0   0"
	    "   0    0     0\n"
	    "+omain-name.of.a-provider.example.com   1   1  0  0  0  0   0   0"
	    "   0    0     0\n");
	free(text);
	/* A wider terminal (-w 100): nothing is cut. */
	text = shape_text(qs, &o, 100, 0);
	assert_non_null(strstr(text,
	    "  very-long-subdomain-name.of.a-provider.example.com   1"));
	free(text);
	/* Below 80 counts as 80. */
	text = shape_text(qs, &o, 40, 0);
	assert_non_null(strstr(text, "+omain-name.of.a-provider"));
	free(text);
	queue_set_free(qs);
}

static void
test_parents(void **state)
{
	struct queue_set *qs;
	struct qshape_opts o;
	struct qshape shape;
	char cause[256];
	uint32_t n;
	static const char *const want[] = {
		"TOTAL", ".example.com", "s1.example.com", "s2.example.com",
		"s3.example.com", "s4.example.com", "s5.example.com",
		"mx.s1.example.com",
	};

	(void)state;
	qs = queue_msg_set(&n);
	add(qs, n, Q_ACTIVE, "EEEEE1", 0, "s@x",
	    "a@s1.example.com b@s2.example.com c@s3.example.com "
	    "d@s4.example.com e@s5.example.com f@mx.s1.example.com");
	qshape_opts_init(&o, NOW);
	o.parents = true;
	/* .example.com has 6 subdomains (s1..s5 and .s1.example.com) and
	 * is shown; .s1.example.com has one and is not. */
	build_rows(qs, &o, &shape, want, sizeof want / sizeof want[0]);
	assert_int_equal(shape.rows[1].count[0], 6);
	assert_int_equal(shape.rows[0].count[0], 6);
	qshape_free(&shape);

	o.min_subdomains = 7;
	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), 0);
	assert_int_equal(shape.nrows, sizeof want / sizeof want[0] - 1);
	assert_string_equal(shape.rows[1].domain, "s1.example.com");
	qshape_free(&shape);
	queue_set_free(qs);
}

static void
test_heads(void **state)
{
	struct queue_set *qs;
	struct qshape_opts o;
	char *text;
	uint32_t n;

	(void)state;
	qs = queue_msg_set(&n);
	add(qs, n, Q_DEFERRED, "FFFFF1", 1500, "s@x", "a@x.test");
	qshape_opts_init(&o, NOW);
	o.queues = QUEUE_BIT(Q_DEFERRED);
	o.buckets = 5;
	text = shape_text(qs, &o, 0, 0);
	/* Columns 3+3+3+3+3+4 = 19 wide, the domain 80-19 = 61. */
	assert_string_equal(text,
	    "                                        "
	    "                       T  5 10 20 40 40+\n"
	    "                                        "
	    "                TOTAL  1  0  0  0  1   0\n"
	    "                                        "
	    "               x.test  1  0  0  0  1   0\n");
	free(text);
	o.linear = true;
	o.buckets = 4;
	o.tick = 10;
	text = shape_text(qs, &o, 0, 0);
	/* 25 minutes, linear by 10: the third bucket, "30". */
	assert_non_null(strstr(text, "  T 10 20 30 30+\n"));
	assert_non_null(strstr(text, "TOTAL  1  0  0  1   0\n"));
	free(text);
	o.linear = false;
	o.buckets = 1;
	o.tick = 5;
	text = shape_text(qs, &o, 0, 0);
	assert_non_null(strstr(text, "  T 0+\n"));
	free(text);
	queue_set_free(qs);
}

static void
test_nodes_filter_errors(void **state)
{
	struct queue_set *qs;
	struct queue_filter f;
	struct qshape_opts o;
	struct qshape shape;
	char cause[256];
	uint32_t n1, n2;

	(void)state;
	qs = queue_msg_set(&n1);
	queue_set_add_node(qs, "gw2", &n2, cause, sizeof cause);
	add(qs, n1, Q_ACTIVE, "ABABA1", 0, "s@x", "a@one.test");
	add(qs, n2, Q_ACTIVE, "ABABA1", 0, "t@x", "a@two.test b@two.test");
	qshape_opts_init(&o, NOW);
	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), 0);
	assert_int_equal(shape.addresses, 3);
	qshape_free(&shape);
	o.node = (int)n2;
	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), 0);
	assert_int_equal(shape.addresses, 2);
	assert_string_equal(shape.rows[1].domain, "two.test");
	qshape_free(&shape);

	o.node = -1;
	assert_int_equal(queue_filter_parse(&f, "sender:s@", cause,
	    sizeof cause), 0);
	o.filter = &f;
	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), 0);
	assert_int_equal(shape.addresses, 1);
	assert_int_equal(shape.messages, 1);
	qshape_free(&shape);
	queue_filter_free(&f);
	o.filter = NULL;

	o.node = 5;
	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), -1);
	assert_string_equal(cause, "unknown node index 5");
	o.node = -1;
	o.buckets = 0;
	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), -1);
	assert_string_equal(cause, "bad bucket count 0: use 1 to 64");
	o.buckets = 10;
	o.tick = 0;
	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), -1);
	assert_string_equal(cause, "bad bucket time 0: use 1 to 1000000 "
	    "minutes");
	queue_set_free(qs);
}

static void
test_empty_and_json(void **state)
{
	struct queue_set *qs = deferred_set();
	struct qshape_opts o;
	struct qshape shape;
	char cause[256], *text, *dump;
	json_t *j;

	(void)state;
	/* An empty queue still has its heading and a TOTAL of zeros. */
	qshape_opts_init(&o, NOW);
	o.queues = QUEUE_BIT(Q_CORRUPT);
	text = shape_text(qs, &o, 0, 0);
	assert_string_equal(text, HEADS
	    "                                  TOTAL  0  0  0  0  0  0   0   0"
	    "   0    0     0\n");
	free(text);

	o.queues = QUEUE_BIT(Q_DEFERRED);
	assert_int_equal(qshape_build(qs, &o, &shape, cause, sizeof cause), 0);
	j = qshape_json(&shape, 0);
	dump = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(dump, "\"messages\":5"));
	assert_non_null(strstr(dump, "\"total\":{\"total\":7,\"counts\":"
	    "[3,2,0,0,0,0,0,0,1,1]}"));
	assert_non_null(strstr(dump, "{\"label\":\"5\",\"max_minutes\":5}"));
	assert_non_null(strstr(dump,
	    "{\"label\":\"1280+\",\"max_minutes\":null}"));
	assert_non_null(strstr(dump, "\"domains\":[{\"domain\":\"yahoo.test\","
	    "\"total\":4,\"counts\":[2,2,0,0,0,0,0,0,0,0]},{\"domain\":"
	    "\"dead.test\""));
	free(dump);
	json_decref(j);
	j = qshape_json(&shape, 2);
	assert_int_equal(json_array_size(json_object_get(j, "domains")), 1);
	json_decref(j);
	qshape_free(&shape);
	queue_set_free(qs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_default_queues_and_sender),
		cmocka_unit_test(test_domain_keys),
		cmocka_unit_test(test_order_ties),
		cmocka_unit_test(test_width_and_cut),
		cmocka_unit_test(test_parents),
		cmocka_unit_test(test_heads),
		cmocka_unit_test(test_nodes_filter_errors),
		cmocka_unit_test(test_empty_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
