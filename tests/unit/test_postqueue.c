/* Unit tests of the postqueue -j parser: real, bad and chunked input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backends/postqueue.h"
#include "core/clock.h"
#include "tests/unit/queue_msg.h"

#define LAB_FILE "tests/unit/data/postqueue/gw1-lab.jsonl"
#define EDGE_FILE "tests/unit/data/postqueue/edge.jsonl"

/* One well-formed line, with the fields the bad lines below change. */
#define HEAD "{\"queue_name\": \"deferred\", \"queue_id\": \"3F2A41C0E5B\", "
#define MID "\"arrival_time\": 1, \"message_size\": 1, "
#define TAIL "\"sender\": \"a@b\", \"recipients\": []}"

static int
parse(struct queue_set *qs, uint32_t node, const char *line, char *cause)
{
	return postqueue_parse_line(qs, node, line, strlen(line), cause, 256);
}

/* Parses one line into a new set (*qs); returns its message `id`. */
static const struct queue_msg *
parse_one(const char *line, const char *id, struct queue_set **qs)
{
	const struct queue_msg *m;
	char cause[256];
	uint32_t node;

	*qs = queue_msg_set(&node);
	if (parse(*qs, node, line, cause) != 0)
		fail_msg("'%.40s...' refused: %s", line, cause);
	assert_int_equal((*qs)->nmsgs, 1);
	m = queue_set_lookup(*qs, node, id);
	assert_non_null(m);
	return m;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
test_lab_line(void **state)
{
	const char *line = "{\"queue_name\": \"deferred\", \"queue_id\": "
	    "\"C659BA78891\", \"arrival_time\": 1795443323, \"message_size\": "
	    "659, \"forced_expire\": false, \"sender\": \"bulk@agency.test\", "
	    "\"recipients\": [{\"address\": \"u1@dead.test\", "
	    "\"delay_reason\": \"connect to 127.0.0.1[127.0.0.1]:14529: "
	    "Connection refused\"}, "
	    "{\"address\": \"u2@Dead.Test\", \"delay_reason\": \"delivery "
	    "temporarily suspended: connect to 127.0.0.1[127.0.0.1]:14529: "
	    "Connection refused\"}, {\"address\": \"u3@dead.test\"}]}";
	const struct queue_msg *m;
	const struct queue_rcpt *r;
	struct queue_set *qs;

	(void)state;
	m = parse_one(line, "C659BA78891", &qs);
	assert_int_equal(m->queue, Q_DEFERRED);
	assert_int_equal(m->arrival, 1795443323);
	assert_int_equal(m->size, 659);
	assert_int_equal(m->flags, 0);
	assert_string_equal(queue_str(qs, m->sender), "bulk@agency.test");
	assert_int_equal(m->nrcpt, 3);
	r = queue_msg_rcpts(qs, m);
	assert_string_equal(queue_str(qs, r[0].addr), "u1@dead.test");
	assert_string_equal(queue_str(qs, r[0].domain), "dead.test");
	assert_string_equal(queue_str(qs, r[0].reason),
	    "connect to 127.0.0.1[127.0.0.1]:14529: Connection refused");
	assert_string_equal(queue_str(qs, r[1].addr), "u2@Dead.Test");
	/* Domains are kept lower case, and interned: one string. */
	assert_int_equal(r[1].domain, r[0].domain);
	assert_int_equal(r[2].reason, 0);
	assert_string_equal(queue_str(qs, queue_msg_reason(qs, m)),
	    "connect to 127.0.0.1[127.0.0.1]:14529: Connection refused");
	queue_set_free(qs);
}

static void
test_escapes_unicode(void **state)
{
	/* Escapes of every kind, a surrogate pair, raw UTF-8, a quoted
	 * local part, unknown members at both levels, a long queue ID, no
	 * forced_expire (Postfix before 3.5), CRLF. */
	const char *line = "{ \"queue_name\" : \"active\" , \"queue_id\":"
	    "\"3Pt2mN2VXxznjll\",\"arrival_time\":0,\"message_size\":0,"
	    "\"future\": {\"a\": [1, -2.5e-3, true, null, \"\\u00e9\"]},"
	    "\"sender\": \"J\\u00f6rg\\/x@m\\u00fcnchen.example\", "
	    "\"recipients\": [{\"orig_address\": \"x\", \"address\": "
	    "\"\\\"john \\\\ doe\\\"@Example.ORG\", \"delay_reason\": "
	    "\"said: 450 \\ud83d\\ude00 caf\xc3\xa9\"}]}\r";
	const struct queue_msg *m;
	const struct queue_rcpt *r;
	struct queue_set *qs;

	(void)state;
	m = parse_one(line, "3Pt2mN2VXxznjll", &qs);
	assert_int_equal(m->queue, Q_ACTIVE);
	assert_string_equal(queue_str(qs, m->sender),
	    "J\xc3\xb6rg/x@m\xc3\xbcnchen.example");
	r = queue_msg_rcpts(qs, m);
	assert_string_equal(queue_str(qs, r[0].addr),
	    "\"john \\ doe\"@Example.ORG");
	assert_string_equal(queue_str(qs, r[0].domain), "example.org");
	assert_string_equal(queue_str(qs, r[0].reason),
	    "said: 450 \xf0\x9f\x98\x80 caf\xc3\xa9");
	queue_set_free(qs);
}

static void
test_empty_and_many_recipients(void **state)
{
	const struct queue_msg *m;
	const struct queue_rcpt *r;
	struct queue_set *qs;
	char cause[256], *line;
	size_t i, n = 0, cap = 1 << 20;
	uint32_t node;

	(void)state;
	qs = queue_msg_set(&node);
	/* Zero recipients is allowed (postqueue(1): "zero or more"). */
	assert_int_equal(parse(qs, node, "{\"queue_name\": \"hold\", "
	    "\"queue_id\": \"ABCDEF\", \"arrival_time\": 5, "
	    "\"message_size\": 7, \"forced_expire\": true, \"sender\": \"\", "
	    "\"recipients\": []}",
	    cause), 0);
	m = queue_set_lookup(qs, node, "ABCDEF");
	assert_non_null(m);
	assert_int_equal(m->nrcpt, 0);
	assert_int_equal(m->flags, QUEUE_FORCED_EXPIRE);
	assert_string_equal(queue_str(qs, m->sender), "");

	/* 5000 recipients: beyond the parser's stack array and scratch. */
	line = malloc(cap);
	assert_non_null(line);
	n += (size_t)snprintf(line + n, cap - n, "{\"queue_name\": "
	    "\"deferred\", \"queue_id\": \"1234567\", \"arrival_time\": 9, "
	    "\"message_size\": 10, \"sender\": \"s@x\", \"recipients\": [");
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(line + n, cap - n, "%s{\"address\": "
		    "\"user%zu@d%zu.test\", \"delay_reason\": \"r%zu\"}",
		    i ? ", " : "", i, i % 7, i % 3);
	n += (size_t)snprintf(line + n, cap - n, "]}");
	assert_int_equal(postqueue_parse_line(qs, node, line, n, cause,
	    sizeof cause), 0);
	m = queue_set_lookup(qs, node, "1234567");
	assert_non_null(m);
	assert_int_equal(m->nrcpt, 5000);
	r = queue_msg_rcpts(qs, m);
	assert_string_equal(queue_str(qs, r[4999].addr), "user4999@d1.test");
	assert_string_equal(queue_str(qs, r[4999].reason), "r1");
	assert_int_equal(r[7].domain, r[0].domain);
	free(line);
	queue_set_free(qs);
}

static void
test_long_reason_cut(void **state)
{
	char line[4096], reason[2000];
	const struct queue_msg *m;
	const char *s;
	struct queue_set *qs;

	(void)state;
	/* 1023 ASCII bytes then "é": the cut must not split the é. */
	memset(reason, 'x', 1023);
	memcpy(reason + 1023, "\xc3\xa9yyy", 6);
	snprintf(line, sizeof line, HEAD MID "\"sender\": \"a@b\", "
	    "\"recipients\": [{\"address\": \"x@y\", \"delay_reason\": "
	    "\"%s\"}]}", reason);
	m = parse_one(line, "3F2A41C0E5B", &qs);
	s = queue_str(qs, queue_msg_rcpts(qs, m)->reason);
	assert_int_equal(strlen(s), 1023);
	queue_set_free(qs);
}

static const struct {
	const char *line;
	const char *cause;
} bad_lines[] = {
	{ "", "empty line" },
	{ "garbage", "not a JSON object: 'garbage'" },
	{ "[1,2]", "not a JSON object: '[1,2]'" },
	{ "{\"a\": 1.}", "bad JSON at byte 9: expected a digit" },
	{ "{\"a\": 1e+}", "bad JSON at byte 10: expected a digit" },
	{ "{\"a\": 1.", "truncated JSON: the line ends inside the object" },
	{ "{\"a\": 1E", "truncated JSON: the line ends inside the object" },
	{ "postqueue: warning: Mail system is down\x01",
	  "not a JSON object: 'postqueue: warning: Mail...'" },
	{ "{\"queue_name\": \"deferred\", \"queue_id\": \"ABC",
	  "truncated JSON: the line ends inside the object" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [",
	  "truncated JSON: the line ends inside the object" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": []",
	  "truncated JSON: the line ends inside the object" },
	{ HEAD "\"arrival_time\": 1",
	  "truncated JSON: the line ends inside the object" },
	{ "{\"queue_name\": \"deferred\" \"queue_id\": \"3F2A41C0E5B\"}",
	  "bad JSON at byte 27: expected ',' or '}'" },
	{ HEAD MID TAIL " x", "text after the JSON object at byte 128" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [],}",
	  "bad JSON at byte 127: expected a member name" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [{\"address\": "
	  "\"x@y\"},]}", "recipient 2 is not an object" },
	{ HEAD MID "\"forced_expire\": tru, " TAIL,
	  "bad JSON at byte 110: expected a JSON value" },
	{ HEAD "\"arrival_time\": 0123, \"message_size\": 1, " TAIL,
	  "bad JSON at byte 72: expected ',' or '}'" },
	{ HEAD MID "\"sender\": \"a\\x@b\", \"recipients\": []}",
	  "bad JSON at byte 105: unknown escape" },
	{ HEAD MID "\"sender\": \"\\ud800@b\", \"recipients\": []}",
	  "bad JSON at byte 104: bad \\u escape" },
	{ HEAD MID "\"sender\": \"a\tb@x.test\", \"recipients\": []}",
	  "bad JSON at byte 105: control character inside a string" },
	{ "{\"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	  "[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	  "]]]]]]]]]}", "bad JSON at byte 71: nested more than 64 deep" },

	/* Wrong types. */
	{ "{\"queue_name\": \"deferred\", \"queue_id\": 123, " MID TAIL,
	  "'queue_id' is not a string" },
	{ "{\"queue_name\": 1, \"queue_id\": \"3F2A41C0E5B\", " MID TAIL,
	  "'queue_name' is not a string" },
	{ HEAD "\"arrival_time\": \"1\", \"message_size\": 1, " TAIL,
	  "'arrival_time' is not an integer" },
	{ HEAD "\"arrival_time\": 1.5, \"message_size\": 1, " TAIL,
	  "'arrival_time' is not an integer" },
	{ HEAD "\"arrival_time\": 99999999999999999999, \"message_size\": 1, "
	  TAIL, "'arrival_time' is not an integer" },
	{ HEAD "\"arrival_time\": -5, \"message_size\": 1, " TAIL,
	  "'arrival_time' is negative" },
	{ HEAD "\"arrival_time\": 1, \"message_size\": 1e3, " TAIL,
	  "'message_size' is not an integer" },
	{ HEAD MID "\"forced_expire\": \"no\", " TAIL,
	  "'forced_expire' is not true or false" },
	{ HEAD MID "\"sender\": null, \"recipients\": []}",
	  "'sender' is not a string" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": {}}",
	  "'recipients' is not an array" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [\"a@b\"]}",
	  "recipient 1 is not an object" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [{\"address\": 5}]}",
	  "'address' of recipient 1 is not a string" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [{\"address\": "
	  "\"x@y\", \"delay_reason\": null}]}",
	  "'delay_reason' of recipient 1 is not a string" },

	/* Missing and duplicate members. */
	{ "{}", "missing 'queue_name'" },
	{ "{\"queue_id\": \"3F2A41C0E5B\", " MID TAIL,
	  "missing 'queue_name'" },
	{ "{\"queue_name\": \"deferred\", " MID TAIL, "missing 'queue_id'" },
	{ HEAD "\"message_size\": 1, " TAIL, "missing 'arrival_time'" },
	{ HEAD "\"arrival_time\": 1, " TAIL, "missing 'message_size'" },
	{ HEAD MID "\"recipients\": []}", "missing 'sender'" },
	{ HEAD MID "\"sender\": \"a@b\"}", "missing 'recipients'" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [{\"delay_reason\": "
	  "\"x\"}]}", "missing 'address' in recipient 1" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [{}]}",
	  "missing 'address' in recipient 1" },
	{ HEAD "\"queue_id\": \"3F2A41C0E5C\", " MID TAIL,
	  "duplicate member 'queue_id'" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [{\"address\": "
	  "\"x@y\", \"address\": \"z@y\"}]}",
	  "duplicate member 'address' in recipient 1" },

	/* Values refused by the model. */
	{ "{\"queue_name\": \"bogus\", \"queue_id\": \"3F2A41C0E5B\", " MID
	  TAIL, "unknown queue 'bogus': use maildrop, incoming, active, "
	  "deferred, hold or corrupt" },
	{ "{\"queue_name\": \"deferred\", \"queue_id\": \"3F2A!\", " MID TAIL,
	  "bad queue ID '3F2A!': " QUEUE_ID_ACCEPTED },
	{ "{\"queue_name\": \"deferred\", \"queue_id\": \"AB\\\"CD12\", " MID
	  TAIL, "bad queue ID 'AB\"CD12': " QUEUE_ID_ACCEPTED },
	{ "{\"queue_name\": \"deferred\", \"queue_id\": \"3Pt2mN2VXaznjll\", "
	  MID TAIL, "bad queue ID '3Pt2mN2VXaznjll': " QUEUE_ID_ACCEPTED },
	{ HEAD MID "\"sender\": \"a\\u0007b@x.test\", \"recipients\": []}",
	  "control character in sender 'a?b@x.test'" },
	{ HEAD MID "\"sender\": \"\\u009b[2J@b\", \"recipients\": []}",
	  "control character in sender '??[2J@b'" },
	{ HEAD MID "\"sender\": \"\\u0000@b\", \"recipients\": []}",
	  "control character in sender '?@b'" },
	{ HEAD MID "\"sender\": \"\xff@x.test\", \"recipients\": []}",
	  "invalid UTF-8 in sender '?@x.test'" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [{\"address\": "
	  "\"a@b\\\"c.test\"}]}",
	  "quote in the domain of recipient 1 'a@b\"c.test'" },
	{ HEAD MID "\"sender\": \"a@b c\", \"recipients\": []}",
	  "' ' in the domain of sender 'a@b c'" },
	{ HEAD MID "\"sender\": \"a@b\", \"recipients\": [{\"address\": "
	  "\"x@y\"}, {\"address\": \"z@y\", "
	  "\"delay_reason\": \"\\u001b[31m\"}]}",
	  "control character in the delay reason of recipient 2" },
};

static void
test_bad_lines(void **state)
{
	struct queue_set *qs;
	char cause[256];
	uint32_t node;
	size_t i;

	(void)state;
	qs = queue_msg_set(&node);
	for (i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		snprintf(cause, sizeof cause, "(unset)");
		if (parse(qs, node, bad_lines[i].line, cause) != -1)
			fail_msg("line %zu accepted: %s", i, bad_lines[i].line);
		if (strcmp(cause, bad_lines[i].cause) != 0)
			fail_msg("line %zu: cause \"%s\", expected \"%s\"", i,
			    cause, bad_lines[i].cause);
		/* A refused line leaves nothing behind. */
		assert_int_equal(qs->nmsgs, 0);
		assert_int_equal(qs->nrcpts, 0);
	}
	/* The well-formed base line is fine. */
	assert_int_equal(parse(qs, node, HEAD MID TAIL, cause), 0);
	queue_set_free(qs);
}

/* Feeds `buf` in chunks of `chunk` bytes (0: random sizes). */
static struct queue_set *
feed(const char *buf, size_t len, size_t chunk, struct postqueue_stream *ps)
{
	struct queue_set *qs;
	uint32_t node;
	size_t off = 0, n;

	qs = queue_msg_set(&node);
	postqueue_stream_init(ps, qs, node);
	while (off < len) {
		n = chunk ? chunk : 1 + (size_t)(rand() % 300);
		if (n > len - off)
			n = len - off;
		postqueue_stream_feed(ps, buf + off, n);
		off += n;
	}
	postqueue_stream_finish(ps);
	postqueue_stream_clear(ps);
	return qs;
}

/* Two sets hold the same messages in the same order. */
static void
assert_same(const struct queue_set *a, const struct queue_set *b)
{
	const struct queue_msg *x, *y;
	size_t i, j;

	assert_int_equal(a->nmsgs, b->nmsgs);
	for (i = 0; i < a->nmsgs; i++) {
		x = &a->msgs[i];
		y = &b->msgs[i];
		assert_string_equal(queue_str(a, x->id), queue_str(b, y->id));
		assert_int_equal(x->queue, y->queue);
		assert_int_equal(x->arrival, y->arrival);
		assert_int_equal(x->size, y->size);
		assert_string_equal(queue_str(a, x->sender),
		    queue_str(b, y->sender));
		assert_int_equal(x->nrcpt, y->nrcpt);
		for (j = 0; j < x->nrcpt; j++) {
			assert_string_equal(
			    queue_str(a, queue_msg_rcpts(a, x)[j].addr),
			    queue_str(b, queue_msg_rcpts(b, y)[j].addr));
			assert_string_equal(
			    queue_str(a, queue_msg_rcpts(a, x)[j].reason),
			    queue_str(b, queue_msg_rcpts(b, y)[j].reason));
		}
	}
}

static void
test_stream_chunks(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 64, 333, 4096, 0, 0, 0 };
	struct postqueue_stream ps, ref;
	struct queue_set *qs, *whole;
	char *lab, *edge, *buf;
	size_t lablen, edgelen, len, i;

	(void)state;
	lab = read_file(LAB_FILE, &lablen);
	edge = read_file(EDGE_FILE, &edgelen);
	/* Real lines, then the edge cases (bad lines among them), blank
	 * lines, CRLF, and a last line without its newline. */
	len = lablen + edgelen + 64;
	buf = malloc(len + 1);
	assert_non_null(buf);
	len = (size_t)snprintf(buf, len + 1, "%s\n\r\n%s", lab, edge);
	while (len > 0 && buf[len - 1] == '\n')
		len--;

	whole = feed(buf, len, len, &ref);
	assert_int_equal(ref.messages, 9 + 4);
	assert_int_equal(ref.bad, 3);
	assert_int_equal(ref.first_bad, 13);
	assert_string_equal(ref.first_cause,
	    "truncated JSON: the line ends inside the object");
	assert_int_equal(queue_set_count(whole, -1, Q_HOLD), 2);
	assert_int_equal(queue_set_count(whole, -1, QUEUE_MAILDROP), 1);

	srand(42);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		qs = feed(buf, len, sizes[i], &ps);
		assert_int_equal(ps.messages, ref.messages);
		assert_int_equal(ps.bad, ref.bad);
		assert_int_equal(ps.lines, ref.lines);
		assert_int_equal(ps.first_bad, ref.first_bad);
		assert_same(whole, qs);
		queue_set_free(qs);
	}
	queue_set_free(whole);
	free(buf);
	free(edge);
	free(lab);
}

static void
test_stream_every_split(void **state)
{
	const char *line = "{\"queue_name\": \"deferred\", \"queue_id\": "
	    "\"0BE84A787FC\", \"arrival_time\": 1795443097, \"message_size\": "
	    "647, \"forced_expire\": false, \"sender\": \"app@agency.test\", "
	    "\"recipients\": [{\"address\": \"u1@yahoo.test\", "
	    "\"delay_reason\": \"host 127.0.0.1[127.0.0.1] said: 450 4.7.1 "
	    "Rate limited: too many messages from your IP, try again later "
	    "(in reply to RCPT TO command)\"}]}\n";
	struct postqueue_stream ps;
	struct queue_set *qs;
	size_t len = strlen(line), k;
	uint32_t node;

	(void)state;
	/* The line split in two at every byte, and the newline alone. */
	for (k = 0; k <= len; k++) {
		qs = queue_msg_set(&node);
		postqueue_stream_init(&ps, qs, node);
		postqueue_stream_feed(&ps, line, k);
		postqueue_stream_feed(&ps, line + k, len - k);
		postqueue_stream_finish(&ps);
		postqueue_stream_clear(&ps);
		if (ps.messages != 1 || ps.bad != 0)
			fail_msg("split at %zu: %lu messages, %lu bad (%s)", k,
			    ps.messages, ps.bad, ps.first_cause);
		assert_non_null(queue_set_lookup(qs, node, "0BE84A787FC"));
		queue_set_free(qs);
	}
}

static void
test_stream_long_line(void **state)
{
	const char *good = HEAD MID TAIL "\n";
	struct postqueue_stream ps;
	struct queue_set *qs;
	char big[1000];
	uint32_t node;
	size_t i;

	(void)state;
	memset(big, 'x', sizeof big);
	qs = queue_msg_set(&node);
	postqueue_stream_init(&ps, qs, node);
	ps.max_line = 300;
	/* An over-long line arriving in pieces, then in one chunk: each is
	 * refused once, the buffer never grows past max_line, and the next
	 * line is read normally. */
	for (i = 0; i < 10; i++)
		postqueue_stream_feed(&ps, big, 100);
	assert_true(ps.cap <= 300);
	postqueue_stream_feed(&ps, "\n", 1);
	postqueue_stream_feed(&ps, good, strlen(good));
	postqueue_stream_feed(&ps, big, sizeof big);
	postqueue_stream_feed(&ps, "\n", 1);
	postqueue_stream_feed(&ps, good, strlen(good));
	postqueue_stream_finish(&ps);
	assert_int_equal(ps.bad, 2);
	assert_int_equal(ps.first_bad, 1);
	assert_string_equal(ps.first_cause, "line longer than 300 bytes");
	assert_int_equal(ps.messages, 2); /* the same ID twice: one row */
	assert_int_equal(qs->nmsgs, 1);
	assert_int_equal(qs->replaced, 1);
	assert_int_equal(ps.lines, 4);
	postqueue_stream_clear(&ps);
	queue_set_free(qs);
}

static void
bad_line_cb(void *arg, unsigned long lineno, const char *cause)
{
	unsigned long *seen = arg;

	(void)cause;
	*seen = *seen * 10 + lineno;
}

static void
test_stream_callback(void **state)
{
	const char *text = HEAD MID TAIL "\nnot json\n\n{\n";
	struct postqueue_stream ps;
	struct queue_set *qs;
	unsigned long seen = 0;
	uint32_t node;

	(void)state;
	qs = queue_msg_set(&node);
	postqueue_stream_init(&ps, qs, node);
	ps.bad_line = bad_line_cb;
	ps.arg = &seen;
	postqueue_stream_feed(&ps, text, strlen(text));
	postqueue_stream_finish(&ps);
	assert_int_equal(seen, 24); /* lines 2 and 4; 3 is blank */
	assert_int_equal(ps.messages, 1);
	postqueue_stream_clear(&ps);
	queue_set_free(qs);
}

/* 100,000 synthetic lines shaped like the lab's, parsed and timed. */
static void
test_speed(void **state)
{
	static const char *const reasons[] = {
		"host 127.0.0.1[127.0.0.1] said: 450 4.7.1 Rate limited: too "
		"many messages from your IP, try again later (in reply to RCPT "
		"TO command)",
		"connect to 127.0.0.1[127.0.0.1]:12529: Connection refused",
		"delivery temporarily suspended: connect to "
		"127.0.0.1[127.0.0.1]:12529: Connection refused",
	};
	static const char *const domains[] = { "yahoo.test", "hotmail.test",
		"dead.test", "gmail.test", "example.org" };
	struct postqueue_stream ps;
	struct queue_set *qs;
	size_t cap = 64u << 20, len = 0, i, j, k;
	long long t0, t1;
	uint32_t node;
	char *buf;

	(void)state;
	buf = malloc(cap);
	assert_non_null(buf);
	srand(7);
	for (i = 0; i < 100000; i++) {
		len += (size_t)snprintf(buf + len, cap - len,
		    "{\"queue_name\": \"deferred\", \"queue_id\": \"%X\", "
		    "\"arrival_time\": %d, \"message_size\": %d, "
		    "\"forced_expire\": false, \"sender\": "
		    "\"app%d@agency.test\", \"recipients\": [",
		    0x10000000u + (unsigned)i, 1700000000 + rand() % 90000,
		    300 + rand() % 50000, rand() % 50);
		k = 1 + (size_t)(rand() % 4);
		for (j = 0; j < k; j++)
			len += (size_t)snprintf(buf + len, cap - len,
			    "%s{\"address\": \"u%d@%s\", \"delay_reason\": "
			    "\"%s\"}", j ? ", " : "", rand() % 5000,
			    domains[rand() % 5], reasons[rand() % 3]);
		len += (size_t)snprintf(buf + len, cap - len, "]}\n");
	}
	qs = queue_msg_set(&node);
	postqueue_stream_init(&ps, qs, node);
	t0 = clock_mono_ms();
	for (i = 0; i < len; i += 32768)
		postqueue_stream_feed(&ps, buf + i, len - i < 32768 ? len - i :
		    32768);
	postqueue_stream_finish(&ps);
	t1 = clock_mono_ms();
	assert_int_equal(ps.messages, 100000);
	assert_int_equal(ps.bad, 0);
	print_message("parsed 100000 lines (%.1f MB, %zu recipients) in "
	    "%lld ms; the set takes %.1f MB, %.0f bytes a message\n",
	    (double)len / 1e6, qs->nrcpts, t1 - t0,
	    (double)queue_set_memory(qs) / 1e6,
	    (double)queue_set_memory(qs) / 100000);
	postqueue_stream_clear(&ps);
	queue_set_free(qs);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_line),
		cmocka_unit_test(test_escapes_unicode),
		cmocka_unit_test(test_empty_and_many_recipients),
		cmocka_unit_test(test_long_reason_cut),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_stream_chunks),
		cmocka_unit_test(test_stream_every_split),
		cmocka_unit_test(test_stream_long_line),
		cmocka_unit_test(test_stream_callback),
		cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
