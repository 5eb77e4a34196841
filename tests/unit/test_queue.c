/* Unit tests of the queue model: IDs, rows, merge, filters, sort, memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <limits.h>
#include <malloc.h>

#include "core/clock.h"
#include "core/queue.h"
#include "core/queue_filter.h"
#include "tests/unit/queue_msg.h"

#define NOW 1800000000LL

/*
 * Adds a message; `rcpts` is "addr|reason;addr;..." (reason optional).
 * Returns queue_set_add's result.
 */
static int
add(struct queue_set *qs, uint32_t node, unsigned queue, const char *id,
    long long arrival, long long size, const char *sender, const char *rcpts,
    char *cause)
{
	return queue_msg_add(qs, node, queue, id, arrival, size, sender, rcpts,
	    ";", cause);
}

static void
test_queue_id(void **state)
{
	static const char *const good[] = {
		"3F2A41C0E5B", "ABCDEF", "0123456789ABCDEF", "C659BA78891",
		"3Pt2mN2VXxznjll", "3Pt2mN2VXxzznjl", "4dR3Nq0bBFz8xZL",
		"0000000000z1",
	};
	static const char *const bad[] = {
		"", "ABCDE", "abcdef", "3F2A41C0E5G", "3F2A 41C0E5B",
		"3F2A41C0E5B;", "3F2A41C0E5B\n", "3Pt2mN2VXxz",
		"3Pt2mN2VXaznjll", "3Pt2mN2Vxznjll", "3Pt2mN2VXxzn-ll",
		"../../etc/passwd", "-rf", "0123456789ABCDEF0123456789ABCDEF",
		"AB\"CD12",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (!queue_id_valid(good[i], strlen(good[i])))
			fail_msg("refused '%s'", good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (queue_id_valid(bad[i], strlen(bad[i])))
			fail_msg("accepted '%s'", bad[i]);
	}
}

static void
test_kinds_and_columns(void **state)
{
	enum queue_col col;
	char cause[256];
	unsigned q;

	(void)state;
	assert_string_equal(queue_kind_name(Q_DEFERRED), "deferred");
	assert_string_equal(queue_kind_name(QUEUE_MAILDROP), "maildrop");
	assert_int_equal(queue_kind_parse("hold", 4, &q), 0);
	assert_int_equal(q, Q_HOLD);
	assert_int_equal(queue_kind_parse("maildrop", 8, &q), 0);
	assert_int_equal(q, QUEUE_MAILDROP);
	assert_int_equal(queue_kind_parse("hol", 3, &q), -1);
	assert_int_equal(queue_col_parse("reason", &col, cause, sizeof cause),
	    0);
	assert_int_equal(col, QCOL_REASON);
	assert_int_equal(queue_col_parse("colour", &col, cause, sizeof cause),
	    -1);
	assert_string_equal(cause, "unknown column 'colour': use node, queue, "
	    "id, age, size, sender, rcpt, nrcpt or reason");
}

static void
test_nodes(void **state)
{
	struct queue_set *qs = queue_set_new();
	uint32_t a, b, c;
	char cause[256];

	(void)state;
	assert_int_equal(queue_set_add_node(qs, "gw1", &a, cause,
	    sizeof cause), 0);
	assert_int_equal(queue_set_add_node(qs, "gw2", &b, cause,
	    sizeof cause), 0);
	assert_int_equal(queue_set_add_node(qs, "gw1", &c, cause,
	    sizeof cause), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(c, 0);
	assert_int_equal(queue_set_add_node(qs, "gw 1", &c, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "bad node name 'gw 1': use 1-32 letters, "
	    "digits, '.', '_' or '-', starting with a letter or digit");
	assert_int_equal(queue_set_find_node(qs, "gw2"), 1);
	assert_int_equal(queue_set_find_node(qs, "gw3"), -1);
	assert_string_equal(queue_set_node_name(qs, 1), "gw2");
	assert_string_equal(queue_set_node_name(qs, 7), "?");
	queue_set_free(qs);
}

static void
test_domain(void **state)
{
	const char *d;
	size_t n;

	(void)state;
	d = queue_addr_domain("u1@Yahoo.Test", 13, &n);
	assert_int_equal(n, 10);
	assert_memory_equal(d, "Yahoo.Test", 10);
	d = queue_addr_domain("\"a@b\"@x.org", 11, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(d, "x.org", 5);
	assert_null(queue_addr_domain("MAILER-DAEMON", 13, &n));
	assert_int_equal(n, 0);
	d = queue_addr_domain("a@", 2, &n);
	assert_non_null(d);
	assert_int_equal(n, 0);
}

static void
test_add_lookup_replace(void **state)
{
	struct queue_set *qs;
	const struct queue_msg *m;
	uint32_t gw1, gw2;
	char cause[256];

	(void)state;
	qs = queue_msg_set(&gw1);
	queue_set_add_node(qs, "gw2", &gw2, cause, sizeof cause);
	assert_int_equal(add(qs, gw1, Q_ACTIVE, "AAAAAA1", NOW - 10, 100,
	    "a@x.test", "u1@Yahoo.Test;u2@yahoo.test|450 4.7.1 slow", cause),
	    0);
	/* The same ID on another node is another row. */
	assert_int_equal(add(qs, gw2, Q_DEFERRED, "AAAAAA1", NOW - 20, 200,
	    "b@x.test", "u3@hotmail.test", cause), 0);
	assert_int_equal(qs->nmsgs, 2);
	assert_int_equal(queue_set_count(qs, (int)gw1, Q_ACTIVE), 1);
	assert_int_equal(queue_set_count(qs, -1, Q_DEFERRED), 1);
	assert_int_equal(queue_set_count(qs, -1, -1), 2);
	assert_int_equal(queue_set_count(qs, 5, -1), 0);

	/* Listed again after moving to deferred: the row is replaced. */
	assert_int_equal(add(qs, gw1, Q_DEFERRED, "AAAAAA1", NOW - 10, 100,
	    "a@x.test", "u1@yahoo.test|450 4.7.1 slow", cause), 0);
	assert_int_equal(qs->nmsgs, 2);
	assert_int_equal(qs->replaced, 1);
	assert_int_equal(queue_set_count(qs, (int)gw1, Q_ACTIVE), 0);
	assert_int_equal(queue_set_count(qs, (int)gw1, Q_DEFERRED), 1);
	m = queue_set_lookup(qs, gw1, "AAAAAA1");
	assert_non_null(m);
	assert_int_equal(m->queue, Q_DEFERRED);
	assert_int_equal(m->nrcpt, 1);
	m = queue_set_lookup(qs, gw2, "AAAAAA1");
	assert_non_null(m);
	assert_string_equal(queue_str(qs, m->sender), "b@x.test");
	assert_null(queue_set_lookup(qs, gw2, "AAAAAA2"));
	assert_null(queue_set_lookup(qs, 9, "AAAAAA1"));
	queue_set_free(qs);
}

static void
test_add_refused(void **state)
{
	struct queue_set *qs;
	struct queue_new m;
	char cause[256], big[1100];
	uint32_t gw1;

	(void)state;
	qs = queue_msg_set(&gw1);
	assert_int_equal(add(qs, 3, Q_ACTIVE, "AAAAAA1", 1, 1, "a@b", "",
	    cause), -1);
	assert_string_equal(cause, "unknown node index 3");
	assert_int_equal(add(qs, gw1, QUEUE_KINDS, "AAAAAA1", 1, 1, "a@b", "",
	    cause), -1);
	assert_string_equal(cause, "unknown queue number 6");
	assert_int_equal(add(qs, gw1, Q_ACTIVE, "AAAAAA1", -1, 1, "a@b", "",
	    cause), -1);
	assert_string_equal(cause, "negative arrival time -1");
	assert_int_equal(add(qs, gw1, Q_ACTIVE, "AAAAAA1", 1, -2, "a@b", "",
	    cause), -1);
	assert_string_equal(cause, "negative message size -2");
	assert_int_equal(add(qs, gw1, Q_ACTIVE, "AAAAAA1", 1, 1, "a@b",
	    "x@y;p@q<r", cause), -1);
	assert_string_equal(cause, "'<' in the domain of recipient 2 'p@q<r'");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[10] = '@';
	assert_int_equal(add(qs, gw1, Q_ACTIVE, "AAAAAA1", 1, 1, big, "",
	    cause), -1);
	assert_string_equal(cause, "sender 'aaaaaaaaaa@aaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaa...' is longer than 1024 bytes");
	/* Text is checked by length: a NUL inside is a control character. */
	memset(&m, 0, sizeof m);
	m.node = gw1;
	m.queue = Q_HOLD;
	m.id = "AAAAAA1";
	m.idlen = 7;
	m.sender = "a\0b@c";
	m.senderlen = 5;
	assert_int_equal(queue_set_add(qs, &m, cause, sizeof cause), -1);
	assert_string_equal(cause, "control character in sender 'a?b@c'");
	assert_int_equal(qs->nmsgs, 0);
	assert_int_equal(qs->nrcpts, 0);
	assert_int_equal(queue_set_count(qs, -1, -1), 0);
	queue_set_free(qs);
}

static void
test_merge(void **state)
{
	struct queue_set *a = queue_set_new(), *b = queue_set_new(), *all;
	const struct queue_msg *m;
	uint32_t n1, n2, x;
	char cause[256];

	(void)state;
	queue_set_add_node(a, "gw1", &n1, cause, sizeof cause);
	queue_set_add_node(b, "gw2", &n2, cause, sizeof cause);
	assert_int_equal(add(a, n1, Q_DEFERRED, "AAAAAA1", NOW - 1, 10, "s@x",
	    "r@yahoo.test|busy", cause), 0);
	assert_int_equal(add(b, n2, Q_HOLD, "AAAAAA1", NOW - 2, 20, "t@x",
	    "r@yahoo.test|busy;q@dead.test", cause), 0);
	all = queue_set_new();
	queue_set_add_node(all, "gw2", &x, cause, sizeof cause);
	queue_set_merge(all, a);
	queue_set_merge(all, b);
	assert_int_equal(all->nnodes, 2);
	assert_int_equal(all->nmsgs, 2);
	assert_int_equal(queue_set_count(all, queue_set_find_node(all, "gw2"),
	    Q_HOLD), 1);
	m = queue_set_lookup(all, (uint32_t)queue_set_find_node(all, "gw1"),
	    "AAAAAA1");
	assert_non_null(m);
	assert_int_equal(m->size, 10);
	assert_string_equal(queue_str(all, queue_msg_reason(all, m)), "busy");
	m = queue_set_lookup(all, x, "AAAAAA1");
	assert_non_null(m);
	assert_int_equal(m->nrcpt, 2);
	assert_string_equal(queue_str(all, queue_msg_rcpts(all, m)[1].domain),
	    "dead.test");
	queue_set_free(a);
	queue_set_free(b);
	queue_set_free(all);
}

static void
test_filter_parse(void **state)
{
	struct queue_filter f;
	char cause[256];

	(void)state;
	assert_int_equal(queue_filter_parse(&f, "queue:deferred "
	    "domain:yahoo.test age>1h size<10k reason:\"4.7.1\"", cause,
	    sizeof cause), 0);
	assert_int_equal(f.queues, QUEUE_BIT(Q_DEFERRED));
	assert_int_equal(f.min_age, 3601);
	assert_int_equal(f.max_age, LLONG_MAX);
	assert_int_equal(f.min_size, LLONG_MIN);
	assert_int_equal(f.max_size, 10239);
	assert_int_equal(f.nterms, 2);
	assert_int_equal(f.terms[0].key, QTERM_DOMAIN);
	assert_string_equal(f.terms[0].text, "yahoo.test");
	assert_int_equal(f.terms[1].key, QTERM_REASON);
	assert_string_equal(f.terms[1].text, "4.7.1");
	queue_filter_free(&f);

	assert_int_equal(queue_filter_parse(&f, "  queue:hold,maildrop "
	    "queue:active node:gw1,gw-2 !sender:\"a \\\"b\\\\\" age>=30m "
	    "age<=2d size>=1M size>2G to:x from:y id:3F ", cause,
	    sizeof cause), 0);
	assert_int_equal(f.queues, QUEUE_BIT(Q_HOLD) |
	    QUEUE_BIT(QUEUE_MAILDROP) | QUEUE_BIT(Q_ACTIVE));
	assert_int_equal(f.nnodes, 2);
	assert_string_equal(f.nodes[1], "gw-2");
	assert_int_equal(f.min_age, 1800);
	assert_int_equal(f.max_age, 172800);
	/* Bounds only tighten. */
	assert_int_equal(f.min_size, 2147483649LL);
	assert_int_equal(f.nterms, 4);
	assert_true(f.terms[0].negate);
	assert_string_equal(f.terms[0].text, "a \"b\\");
	assert_int_equal(f.terms[1].key, QTERM_RCPT);
	assert_int_equal(f.terms[2].key, QTERM_SENDER);
	assert_int_equal(f.terms[3].key, QTERM_ID);
	queue_filter_free(&f);

	assert_int_equal(queue_filter_parse(&f, "", cause, sizeof cause), 0);
	assert_int_equal(f.queues, 0);
	assert_int_equal(f.nterms, 0);
	queue_filter_free(&f);
}

static const struct {
	const char *expr;
	const char *cause;
} bad_filters[] = {
	{ "yahoo", "filter term 'yahoo' has no key: use KEY:VALUE, "
	  "age>DURATION or size<SIZE" },
	{ "queue:deferred 4.7.1", "filter term '4.7.1' has no key: use "
	  "KEY:VALUE, age>DURATION or size<SIZE" },
	{ "colour:red", "unknown filter key 'colour': use queue, node, id, "
	  "sender, rcpt, domain, reason, age or size" },
	{ "queue:defered", "unknown queue 'defered': use maildrop, incoming, "
	  "active, deferred, hold or corrupt" },
	{ "queue:deferred,", "unknown queue '': use maildrop, incoming, "
	  "active, deferred, hold or corrupt" },
	{ "node:gw;1", "bad node name 'gw;1': use 1-32 letters, digits, '.', "
	  "'_' or '-', starting with a letter or digit" },
	{ "domain:", "missing value after 'domain:'" },
	{ "age>", "missing value after 'age>'" },
	{ "reason:\"4.7", "unterminated quote after 'reason:'" },
	{ "reason:\"4.7\"x", "unexpected 'x' after the quoted value of "
	  "'reason:'" },
	{ "age:1h", "'age' needs a comparison: use <, <=, > or >=, as in "
	  "age>1h" },
	{ "size:1k", "'size' needs a comparison: use <, <=, > or >=, as in "
	  "size<10k" },
	{ "domain>x", "'domain' takes ':', as in domain:TEXT" },
	{ "age>1y", "bad age '1y': use a number with s, m, h, d or w, such as "
	  "90m" },
	{ "age>h", "bad age 'h': use a number with s, m, h, d or w, such as "
	  "90m" },
	{ "age>99999999999999999999", "bad age '99999999999999999999': use a "
	  "number with s, m, h, d or w, such as 90m" },
	{ "size<10q", "bad size '10q': use a number of bytes with k, M or G, "
	  "such as 10k" },
	{ "size<1h", "bad size '1h': use a number of bytes with k, M or G, "
	  "such as 10k" },
	{ "!queue:hold", "'!' applies only to id, sender, rcpt, domain and "
	  "reason" },
	{ "!", "missing term after '!'" },
	{ "sender:a\x1b[2J", "control character in the filter" },
};

static void
test_filter_parse_bad(void **state)
{
	struct queue_filter f;
	char cause[256], big[400];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_filters / sizeof bad_filters[0]; i++) {
		snprintf(cause, sizeof cause, "(unset)");
		if (queue_filter_parse(&f, bad_filters[i].expr, cause,
		    sizeof cause) != -1)
			fail_msg("accepted '%s'", bad_filters[i].expr);
		if (strcmp(cause, bad_filters[i].cause) != 0)
			fail_msg("'%s': cause \"%s\", expected \"%s\"",
			    bad_filters[i].expr, cause, bad_filters[i].cause);
		/* A refused expression leaves an empty filter. */
		assert_int_equal(f.nterms, 0);
		assert_int_equal(f.nnodes, 0);
		assert_int_equal(f.queues, 0);
	}
	memset(big, 'x', sizeof big);
	memcpy(big, "sender:", 7);
	big[sizeof big - 1] = '\0';
	assert_int_equal(queue_filter_parse(&f, big, cause, sizeof cause), -1);
	assert_string_equal(cause, "value of 'sender:' is longer than 256 "
	    "bytes");
}

/* The IDs of the messages an expression selects, in set order. */
static void
assert_selects(const struct queue_set *qs, const char *expr,
    const char *want)
{
	struct queue_filter f;
	char cause[256], got[512];
	uint32_t *rows;
	size_t n, i, used = 0;

	if (queue_filter_parse(&f, expr, cause, sizeof cause) != 0)
		fail_msg("'%s': %s", expr, cause);
	n = queue_select(qs, &f, NOW, &rows);
	got[0] = '\0';
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(got + used, sizeof got - used, "%s%s",
		    i ? " " : "", queue_str(qs, qs->msgs[rows[i]].id));
	if (strcmp(got, want) != 0)
		fail_msg("'%s' selects \"%s\", expected \"%s\"", expr, got,
		    want);
	free(rows);
	queue_filter_free(&f);
}

static struct queue_set *
sample_set(void)
{
	struct queue_set *qs;
	uint32_t gw1, gw2;
	char cause[256];

	qs = queue_msg_set(&gw1);
	queue_set_add_node(qs, "gw2", &gw2, cause, sizeof cause);
	assert_int_equal(add(qs, gw1, Q_DEFERRED, "AAAAAA1", NOW - 7200, 5000,
	    "app@agency.test", "u1@yahoo.test|host x said: 450 4.7.1 Rate "
	    "limited;u2@yahoo.test|host x said: 450 4.7.1 Rate limited",
	    cause), 0);
	assert_int_equal(add(qs, gw1, Q_DEFERRED, "BBBBBB2", NOW - 60, 20000,
	    "bulk@agency.test", "a@dead.test|connect to x: Connection refused",
	    cause), 0);
	assert_int_equal(add(qs, gw2, Q_ACTIVE, "CCCCCC3", NOW - 10, 700,
	    "MAILER-DAEMON", "x@Hotmail.Test", cause), 0);
	assert_int_equal(add(qs, gw2, Q_HOLD, "DDDDDD4", NOW - 90000, 1 << 20,
	    "app@agency.test", "p@yahoo.test|throttled;q@gmail.test", cause),
	    0);
	return qs;
}

static void
test_filter_match(void **state)
{
	struct queue_set *qs = sample_set();

	(void)state;
	assert_selects(qs, "", "AAAAAA1 BBBBBB2 CCCCCC3 DDDDDD4");
	assert_selects(qs, "queue:deferred", "AAAAAA1 BBBBBB2");
	assert_selects(qs, "queue:deferred,hold", "AAAAAA1 BBBBBB2 DDDDDD4");
	assert_selects(qs, "node:gw2", "CCCCCC3 DDDDDD4");
	assert_selects(qs, "domain:yahoo.test", "AAAAAA1 DDDDDD4");
	assert_selects(qs, "domain:HOTMAIL", "CCCCCC3");
	assert_selects(qs, "!domain:yahoo", "BBBBBB2 CCCCCC3");
	assert_selects(qs, "rcpt:q@gmail", "DDDDDD4");
	assert_selects(qs, "sender:bulk", "BBBBBB2");
	assert_selects(qs, "sender:mailer-daemon", "CCCCCC3");
	assert_selects(qs, "reason:\"4.7.1\"", "AAAAAA1");
	assert_selects(qs, "reason:\"connection refused\"", "BBBBBB2");
	assert_selects(qs, "id:ccc", "CCCCCC3");
	assert_selects(qs, "age>1h", "AAAAAA1 DDDDDD4");
	assert_selects(qs, "age>2h", "DDDDDD4");
	assert_selects(qs, "age>=2h", "AAAAAA1 DDDDDD4");
	assert_selects(qs, "age<1m", "CCCCCC3");
	assert_selects(qs, "age<=1m", "BBBBBB2 CCCCCC3");
	assert_selects(qs, "size<1M", "AAAAAA1 BBBBBB2 CCCCCC3");
	assert_selects(qs, "size>=1M", "DDDDDD4");
	assert_selects(qs, "size>5000 size<=20000", "BBBBBB2");
	assert_selects(qs, "queue:deferred domain:yahoo.test age>1h size<10k "
	    "reason:\"4.7.1\"", "AAAAAA1");
	assert_selects(qs, "queue:deferred domain:gmail", "");
	queue_set_free(qs);
}

/* The IDs of rows after sorting by `col`. */
static void
assert_sorted(const struct queue_set *qs, enum queue_col col, bool desc,
    const char *want)
{
	char got[512];
	uint32_t *rows;
	size_t n, i, used = 0;

	n = queue_select(qs, NULL, NOW, &rows);
	queue_sort(qs, rows, n, col, desc);
	got[0] = '\0';
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(got + used, sizeof got - used, "%s%s",
		    i ? " " : "", queue_str(qs, qs->msgs[rows[i]].id));
	if (strcmp(got, want) != 0)
		fail_msg("%s%s gives \"%s\", expected \"%s\"",
		    queue_col_name(col), desc ? " desc" : "", got, want);
	free(rows);
}

static void
test_sort(void **state)
{
	struct queue_set *qs = sample_set();
	uint32_t *rows;
	size_t n;

	(void)state;
	assert_sorted(qs, QCOL_NODE, false, "AAAAAA1 BBBBBB2 CCCCCC3 DDDDDD4");
	/* Equal keys keep their order in both directions. */
	assert_sorted(qs, QCOL_NODE, true, "CCCCCC3 DDDDDD4 AAAAAA1 BBBBBB2");
	assert_sorted(qs, QCOL_QUEUE, false, "CCCCCC3 AAAAAA1 BBBBBB2 DDDDDD4");
	assert_sorted(qs, QCOL_QUEUE, true, "DDDDDD4 AAAAAA1 BBBBBB2 CCCCCC3");
	assert_sorted(qs, QCOL_ID, true, "DDDDDD4 CCCCCC3 BBBBBB2 AAAAAA1");
	assert_sorted(qs, QCOL_AGE, false, "CCCCCC3 BBBBBB2 AAAAAA1 DDDDDD4");
	assert_sorted(qs, QCOL_AGE, true, "DDDDDD4 AAAAAA1 BBBBBB2 CCCCCC3");
	assert_sorted(qs, QCOL_SIZE, false, "CCCCCC3 AAAAAA1 BBBBBB2 DDDDDD4");
	/* "MAILER-DAEMON" < "app@..." < "bulk@..." in byte order. */
	assert_sorted(qs, QCOL_SENDER, false,
	    "CCCCCC3 AAAAAA1 DDDDDD4 BBBBBB2");
	assert_sorted(qs, QCOL_SENDER, true, "BBBBBB2 AAAAAA1 DDDDDD4 CCCCCC3");
	assert_sorted(qs, QCOL_RCPT, false, "BBBBBB2 DDDDDD4 AAAAAA1 CCCCCC3");
	assert_sorted(qs, QCOL_NRCPT, false, "BBBBBB2 CCCCCC3 AAAAAA1 DDDDDD4");
	assert_sorted(qs, QCOL_NRCPT, true, "AAAAAA1 DDDDDD4 BBBBBB2 CCCCCC3");
	/* No reason sorts first; "connect" < "host" < "throttled". */
	assert_sorted(qs, QCOL_REASON, false,
	    "CCCCCC3 BBBBBB2 AAAAAA1 DDDDDD4");

	/* Two keys: by node, then (stably) by queue. */
	n = queue_select(qs, NULL, NOW, &rows);
	queue_sort(qs, rows, n, QCOL_NODE, true);
	queue_sort(qs, rows, n, QCOL_QUEUE, false);
	assert_string_equal(queue_str(qs, qs->msgs[rows[0]].id), "CCCCCC3");
	assert_string_equal(queue_str(qs, qs->msgs[rows[1]].id), "AAAAAA1");
	assert_string_equal(queue_str(qs, qs->msgs[rows[2]].id), "BBBBBB2");
	assert_string_equal(queue_str(qs, qs->msgs[rows[3]].id), "DDDDDD4");
	free(rows);
	queue_set_free(qs);
}

static void
test_sort_stability_large(void **state)
{
	struct queue_set *qs;
	uint32_t node, *rows;
	char cause[256], id[16], sender[32];
	size_t n, i;

	(void)state;
	qs = queue_msg_set(&node);
	/* 5000 messages with 7 distinct sizes and senders: after a sort by
	 * size, rows of one size are still in ID (= insertion) order. */
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof id, "%08zX", i);
		snprintf(sender, sizeof sender, "s%zu@x", i % 7);
		assert_int_equal(add(qs, node, Q_DEFERRED, id, NOW - (long)i,
		    (long long)(i * 31 % 7), sender, "a@b", cause), 0);
	}
	n = queue_select(qs, NULL, NOW, &rows);
	queue_sort(qs, rows, n, QCOL_SIZE, i % 2 == 0);
	for (i = 1; i < n; i++) {
		const struct queue_msg *a = &qs->msgs[rows[i - 1]];
		const struct queue_msg *b = &qs->msgs[rows[i]];

		assert_true(a->size >= b->size);
		if (a->size == b->size)
			assert_true(rows[i - 1] < rows[i]);
	}
	queue_sort(qs, rows, n, QCOL_SENDER, false);
	for (i = 1; i < n; i++) {
		const struct queue_msg *a = &qs->msgs[rows[i - 1]];
		const struct queue_msg *b = &qs->msgs[rows[i]];
		int c = strcmp(queue_str(qs, a->sender),
		    queue_str(qs, b->sender));

		assert_true(c <= 0);
		/* Within a sender, the previous order (by size) holds. */
		if (c == 0)
			assert_true(a->size >= b->size);
	}
	free(rows);
	queue_set_free(qs);
}

/*
 * 100,000 messages of 3 recipients each, every recipient address unique
 * (the worst case for interning), a few senders, domains and reasons.
 */
static void
test_memory(void **state)
{
	static const char *const reasons[] = {
		"host mx.yahoo.test[192.0.2.10] said: 421 4.7.0 [TSS04] "
		"Messages from 192.0.2.1 temporarily deferred due to "
		"unexpected volume or user complaints (in reply to MAIL FROM "
		"command)",
		"connect to mx.dead.test[192.0.2.20]:25: Connection timed out",
		"delivery temporarily suspended: connect to "
		"mx.dead.test[192.0.2.20]:25: Connection timed out",
	};
	static const char *const domains[] = { "yahoo.test", "hotmail.test",
		"dead.test", "gmail.test" };
	struct queue_new_rcpt rv[3];
	struct queue_new m;
	struct queue_set *qs;
	struct mallinfo2 before, after;
	char cause[256], id[16], sender[32], addr[3][48];
	long long t0, t1;
	uint32_t node;
	size_t i, j, mem, heap;

	(void)state;
	before = mallinfo2();
	t0 = clock_mono_ms();
	qs = queue_set_new();
	queue_set_add_node(qs, "gw1", &node, cause, sizeof cause);
	for (i = 0; i < 100000; i++) {
		snprintf(id, sizeof id, "%05zX%05zX", i % 0xfffff, i);
		snprintf(sender, sizeof sender, "app%zu@agency%zu.test", i % 40,
		    i % 3);
		for (j = 0; j < 3; j++) {
			snprintf(addr[j], sizeof addr[j], "user%zu.%zu@%s", i,
			    j, domains[(i + j) % 4]);
			rv[j].addr = addr[j];
			rv[j].addrlen = strlen(addr[j]);
			rv[j].reason = reasons[(i + j) % 3];
			rv[j].reasonlen = strlen(reasons[(i + j) % 3]);
		}
		memset(&m, 0, sizeof m);
		m.node = node;
		m.queue = Q_DEFERRED;
		m.id = id;
		m.idlen = strlen(id);
		m.arrival = NOW - (long long)i;
		m.size = 1000 + (long long)i;
		m.sender = sender;
		m.senderlen = strlen(sender);
		m.rcpts = rv;
		m.nrcpts = 3;
		assert_int_equal(queue_set_add(qs, &m, cause, sizeof cause), 0);
	}
	t1 = clock_mono_ms();
	after = mallinfo2();
	mem = queue_set_memory(qs);
	heap = after.uordblks + after.hblkhd - before.uordblks -
	    before.hblkhd;
	print_message("100000 messages x 3 recipients (all addresses unique): "
	    "%.1f MB allocated by the set, %.0f bytes a message; added in "
	    "%lld ms\n", (double)mem / 1e6, (double)mem / 100000, t1 - t0);
	/* mallinfo2 sees only glibc's allocator (not a sanitizer's). */
	if (heap > mem / 2)
		print_message("heap in use grew by %.1f MB\n",
		    (double)heap / 1e6);
	assert_int_equal(qs->nmsgs, 100000);
	assert_int_equal(qs->nrcpts, 300000);
	assert_true(mem < 64u * 1024 * 1024);
	queue_set_free(qs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_id),
		cmocka_unit_test(test_kinds_and_columns),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_add_lookup_replace),
		cmocka_unit_test(test_add_refused),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_filter_parse),
		cmocka_unit_test(test_filter_parse_bad),
		cmocka_unit_test(test_filter_match),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_sort_stability_large),
		cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
