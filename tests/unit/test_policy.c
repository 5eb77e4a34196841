/* Unit tests of the policy protocol reader, the answer and the decision table. */
#include <setjmp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/policy.h"
#include "agent/policy_rules.h"

/* A request as Postfix 3.x sends it at RCPT, every attribute it knows. */
static const char full_request[] =
	"request=smtpd_access_policy\n"
	"protocol_state=RCPT\n"
	"protocol_name=ESMTP\n"
	"client_address=192.0.2.10\n"
	"client_name=app1.agency.example\n"
	"client_port=41234\n"
	"reverse_client_name=app1.agency.example\n"
	"server_address=192.0.2.1\n"
	"server_port=25\n"
	"helo_name=app1\n"
	"sender=noreply@agency.example\n"
	"recipient=citizen@example.org\n"
	"recipient_count=0\n"
	"queue_id=4XyZ1k2abc\n"
	"instance=123.456.7\n"
	"size=12345\n"
	"etrn_domain=\n"
	"stress=\n"
	"sasl_method=plain\n"
	"sasl_username=app1\n"
	"sasl_sender=\n"
	"ccert_subject=\n"
	"ccert_issuer=\n"
	"ccert_fingerprint=\n"
	"ccert_pubkey_fingerprint=\n"
	"encryption_protocol=TLSv1.3\n"
	"encryption_cipher=TLS_AES_256_GCM_SHA384\n"
	"encryption_keysize=256\n"
	"policy_context=relay\n"
	"compatibility_level=3.6\n"
	"mail_version=3.7.11\n"
	"\n";

/* Feeds all of s in chunks of at most step bytes; expects one request. */
static size_t
feed_all(struct policy_reader *r, const char *s, size_t len, size_t step,
    struct policy_request *out, size_t max_out)
{
	size_t	 off = 0, n, got = 0;
	bool	 done;

	while (off < len) {
		size_t	chunk = len - off < step ? len - off : step;

		while (chunk > 0) {
			n = policy_reader_feed(r, s + off, chunk,
			    &out[got < max_out ? got : max_out - 1], &done);
			off += n;
			chunk -= n;
			if (done) {
				if (got >= max_out)
					fail_msg("too many requests");
				got++;
			} else
				assert_int_equal(chunk, 0);
		}
	}
	return got;
}

static void
parse_one(const char *s, struct policy_request *req)
{
	struct policy_reader	r;

	policy_reader_init(&r);
	assert_int_equal(feed_all(&r, s, strlen(s), strlen(s) + 1, req, 1),
	    1);
	policy_reader_free(&r);
}

static void
test_parse_every_attribute(void **state)
{
	struct policy_request	req;

	(void)state;
	parse_one(full_request, &req);
	assert_false(req.malformed);
	assert_string_equal(req.cause, "");
	assert_string_equal(req.request, "smtpd_access_policy");
	assert_string_equal(req.protocol_state, "RCPT");
	assert_string_equal(req.protocol_name, "ESMTP");
	assert_string_equal(req.client_address, "192.0.2.10");
	assert_string_equal(req.client_name, "app1.agency.example");
	assert_string_equal(req.reverse_client_name, "app1.agency.example");
	assert_string_equal(req.helo_name, "app1");
	assert_string_equal(req.sender, "noreply@agency.example");
	assert_string_equal(req.recipient, "citizen@example.org");
	assert_int_equal(req.recipient_count, 0);
	assert_string_equal(req.queue_id, "4XyZ1k2abc");
	assert_string_equal(req.instance, "123.456.7");
	assert_int_equal(req.size, 12345);
	assert_string_equal(req.sasl_method, "plain");
	assert_string_equal(req.sasl_username, "app1");
	assert_string_equal(req.sasl_sender, "");
	assert_string_equal(req.encryption_protocol, "TLSv1.3");
	assert_string_equal(req.policy_context, "relay");
	assert_false(policy_request_inbound(&req));
	assert_int_equal(req.nattrs, 31);
	policy_request_free(&req);
}

static void
test_parse_minimal_and_absent(void **state)
{
	struct policy_request	req;

	(void)state;
	parse_one("request=smtpd_access_policy\r\n"
	    "client_address=2001:db8::25\r\n"
	    "sender=\r\n\r\n", &req);
	assert_false(req.malformed);
	assert_string_equal(req.client_address, "2001:db8::25");
	assert_string_equal(req.sender, "");
	assert_null(req.recipient);
	assert_null(req.protocol_state);
	assert_int_equal(req.recipient_count, -1);
	assert_int_equal(req.size, -1);
	assert_null(req.policy_context);
	assert_false(policy_request_inbound(&req));
	policy_request_free(&req);

	parse_one("request=smtpd_access_policy\n"
	    "client_address=192.0.2.7\n"
	    "policy_context=inbound\n\n", &req);
	assert_false(req.malformed);
	assert_true(policy_request_inbound(&req));
	policy_request_free(&req);
	/* Only the exact word: anything else gets every rule. */
	parse_one("request=smtpd_access_policy\n"
	    "client_address=192.0.2.7\n"
	    "policy_context=Inbound\n\n", &req);
	assert_false(policy_request_inbound(&req));
	policy_request_free(&req);
}

/* Every split of the request into two chunks, and one byte at a time. */
static void
test_parse_chunks(void **state)
{
	size_t			len = strlen(full_request), cut;
	struct policy_reader	r;
	struct policy_request	req[1];
	bool			done;
	size_t			n;

	(void)state;
	for (cut = 0; cut <= len; cut++) {
		policy_reader_init(&r);
		n = policy_reader_feed(&r, full_request, cut, req, &done);
		assert_int_equal(n, cut);
		assert_int_equal(done, cut == len);
		if (!done) {
			n = policy_reader_feed(&r, full_request + cut,
			    len - cut, req, &done);
			assert_int_equal(n, len - cut);
			assert_true(done);
		}
		assert_false(req[0].malformed);
		assert_string_equal(req[0].instance, "123.456.7");
		assert_string_equal(req[0].encryption_protocol, "TLSv1.3");
		policy_request_free(&req[0]);
		policy_reader_free(&r);
	}
	policy_reader_init(&r);
	assert_int_equal(feed_all(&r, full_request, len, 1, req, 1), 1);
	assert_false(req[0].malformed);
	assert_string_equal(req[0].recipient, "citizen@example.org");
	policy_request_free(&req[0]);
	policy_reader_free(&r);
}

/* Persistent connections: several requests in one read, then a partial. */
static void
test_parse_pipelined(void **state)
{
	static const char	two[] =
	    "request=smtpd_access_policy\nclient_address=192.0.2.1\n"
	    "protocol_state=RCPT\n\n"
	    "request=smtpd_access_policy\nclient_address=192.0.2.2\n"
	    "protocol_state=END-OF-MESSAGE\nrecipient_count=3\n\n"
	    "request=smtpd_access_policy\nclient_address=192.0.2.3\n";
	struct policy_reader	r;
	struct policy_request	req;
	bool			done;
	size_t			n, off = 0, len = strlen(two);

	(void)state;
	policy_reader_init(&r);
	n = policy_reader_feed(&r, two, len, &req, &done);
	assert_true(done);
	assert_string_equal(req.client_address, "192.0.2.1");
	policy_request_free(&req);
	off += n;
	n = policy_reader_feed(&r, two + off, len - off, &req, &done);
	assert_true(done);
	assert_string_equal(req.client_address, "192.0.2.2");
	assert_string_equal(req.protocol_state, "END-OF-MESSAGE");
	assert_int_equal(req.recipient_count, 3);
	policy_request_free(&req);
	off += n;
	/* No empty line yet: incomplete, all bytes used, nothing out. */
	n = policy_reader_feed(&r, two + off, len - off, &req, &done);
	assert_false(done);
	assert_int_equal(off + n, len);
	n = policy_reader_feed(&r, "\n", 1, &req, &done);
	assert_int_equal(n, 1);
	assert_true(done);
	assert_false(req.malformed);
	assert_string_equal(req.client_address, "192.0.2.3");
	policy_request_free(&req);
	policy_reader_free(&r);
}

static void
test_parse_missing_blank_line(void **state)
{
	static const char	s[] = "request=smtpd_access_policy\n"
	    "client_address=192.0.2.1\nprotocol_state=RCPT";
	struct policy_reader	r;
	struct policy_request	req;
	bool			done;

	(void)state;
	policy_reader_init(&r);
	assert_int_equal(policy_reader_feed(&r, s, strlen(s), &req, &done),
	    strlen(s));
	assert_false(done);
	assert_int_equal(policy_reader_feed(&r, "\n", 1, &req, &done), 1);
	assert_false(done);
	/* The connection closes here: the partial request is freed. */
	policy_reader_free(&r);
}

static const struct {
	const char	*in;
	const char	*cause;
} malformed[] = {
	{ "\n", "no 'request' attribute" },
	{ "client_address=192.0.2.1\n\n", "no 'request' attribute" },
	{ "request=junk\nclient_address=192.0.2.1\n\n",
	  "unknown request 'junk'" },
	{ "request=smtpd_access_policy\n\n",
	  "no 'client_address' attribute" },
	{ "request=smtpd_access_policy\nclient_address=192.0.2.0/24\n\n",
	  "invalid client_address '192.0.2.0/24': only single addresses are "
	  "accepted, not ranges (CIDR prefixes); give each address" },
	{ "request=smtpd_access_policy\nclient_address=unknown\n\n",
	  "invalid client_address 'unknown': host names are not accepted; "
	  "give the client's IP address" },
	{ "request=smtpd_access_policy\nclient_address=\n\n",
	  "invalid client_address '': use a single IPv4 or IPv6 address, such "
	  "as 192.0.2.10 or 2001:db8::10" },
	{ "request=smtpd_access_policy\nGET / HTTP/1.0\n"
	  "client_address=192.0.2.1\n\n",
	  "line without '=': 'GET / HTTP/1.0'" },
	{ "request=smtpd_access_policy\n=x\nclient_address=192.0.2.1\n\n",
	  "attribute without a name" },
	{ "request=smtpd_access_policy\nclient_address=192.0.2.1\n"
	  "client_address=192.0.2.2\n\n",
	  "attribute 'client_address' repeated" },
	{ "request=smtpd_access_policy\nrequest=smtpd_access_policy\n"
	  "client_address=192.0.2.1\n\n",
	  "attribute 'request' repeated" },
	{ "request=smtpd_access_policy\nclient_address=192.0.2.1\n"
	  "size=1\nsize=2\n\n", "attribute 'size' repeated" },
	{ "request=smtpd_access_policy\nclient_address=192.0.2.1\n"
	  "recipient_count=-1\n\n",
	  "attribute 'recipient_count' is not a count" },
	{ "request=smtpd_access_policy\nclient_address=192.0.2.1\n"
	  "size=12k\n\n", "attribute 'size' is not a count" },
	{ "request=smtpd_access_policy\nclient_address=192.0.2.1\n"
	  "size=99999999999999999999\n\n",
	  "attribute 'size' is not a count" },
	{ "request=smtpd_access_policy\nclient_address=192.0.2.1\n"
	  "size=\n\n", "attribute 'size' is not a count" },
	{ "request=smtpd_access_policy\nclient_address=192.0.2.1\n"
	  "recipient_count=1000000000001\n\n",
	  "attribute 'recipient_count' is not a count" },
};

static void
test_parse_malformed(void **state)
{
	struct policy_request	req;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		parse_one(malformed[i].in, &req);
		if (!req.malformed)
			fail_msg("accepted: %s", malformed[i].in);
		assert_string_equal(req.cause, malformed[i].cause);
		policy_request_free(&req);
	}
}

static void
test_parse_nul_byte(void **state)
{
	static const char	s[] = "request=smtpd_access_policy\n"
	    "client_address=192.0.2.1\nsender=a\0b\n\n";
	struct policy_reader	r;
	struct policy_request	req;
	bool			done;

	(void)state;
	policy_reader_init(&r);
	assert_int_equal(policy_reader_feed(&r, s, sizeof s - 1, &req,
	    &done), sizeof s - 1);
	assert_true(done);
	assert_true(req.malformed);
	assert_string_equal(req.cause, "attribute line holds a NUL byte");
	policy_request_free(&req);
	policy_reader_free(&r);
}

/* A line of exactly POLICY_LINE_MAX bytes is taken, one more is not. */
static void
test_parse_long_lines(void **state)
{
	char			*s, *p;
	size_t			 vlen, cut, step;
	struct policy_reader	 r;
	struct policy_request	 req;

	(void)state;
	s = malloc(3 * POLICY_LINE_MAX + 200);
	assert_non_null(s);
	for (cut = 0; cut < 2; cut++) {
		vlen = POLICY_LINE_MAX - strlen("sender=") + cut;
		p = s;
		p += snprintf(p, 100, "request=smtpd_access_policy\nsender=");
		memset(p, 'a', vlen);
		p += vlen;
		snprintf(p, 100, "\nclient_address=192.0.2.1\n\n");
		for (step = 1; step <= 4096; step *= 8) {
			policy_reader_init(&r);
			assert_int_equal(feed_all(&r, s, strlen(s), step,
			    &req, 1), 1);
			if (cut == 0) {
				assert_false(req.malformed);
				assert_int_equal(strlen(req.sender), vlen);
				assert_string_equal(req.client_address,
				    "192.0.2.1");
			} else {
				assert_true(req.malformed);
				assert_string_equal(req.cause, "attribute "
				    "line longer than 2048 bytes");
			}
			policy_request_free(&req);
			policy_reader_free(&r);
		}
	}
	/* A huge line, then the next request is read as normal. */
	p = s;
	p += snprintf(p, 100, "request=smtpd_access_policy\nx=");
	memset(p, 'b', 3 * POLICY_LINE_MAX);
	p += 3 * POLICY_LINE_MAX;
	snprintf(p, 100, "\n\nrequest=smtpd_access_policy\n"
	    "client_address=192.0.2.9\n\n");
	{
		struct policy_request	two[2];

		policy_reader_init(&r);
		assert_int_equal(feed_all(&r, s, strlen(s), 1000, two, 2), 2);
		assert_true(two[0].malformed);
		assert_string_equal(two[0].cause,
		    "attribute line longer than 2048 bytes");
		assert_false(two[1].malformed);
		assert_string_equal(two[1].client_address, "192.0.2.9");
		policy_request_free(&two[0]);
		policy_request_free(&two[1]);
		policy_reader_free(&r);
	}
	free(s);
}

static void
test_parse_too_many_attributes(void **state)
{
	char			 buf[64];
	struct policy_reader	 r;
	struct policy_request	 req;
	bool			 done;
	size_t			 i;
	int			 n;

	(void)state;
	policy_reader_init(&r);
	policy_reader_feed(&r, "request=smtpd_access_policy\n"
	    "client_address=192.0.2.1\n", 53, &req, &done);
	assert_false(done);
	for (i = 0; i < POLICY_ATTRS_MAX - 2; i++) {
		n = snprintf(buf, sizeof buf, "x%zu=y\n", i);
		policy_reader_feed(&r, buf, (size_t)n, &req, &done);
		assert_false(done);
	}
	assert_false(r.req.malformed);
	policy_reader_feed(&r, "one=more\n", 9, &req, &done);
	assert_true(r.req.malformed);
	assert_string_equal(r.req.cause, "more than 100 attributes");
	policy_reader_feed(&r, "\n", 1, &req, &done);
	assert_true(done);
	assert_true(req.malformed);
	policy_request_free(&req);
	policy_reader_free(&r);
}

/* Garbage never crashes and always ends up as malformed requests. */
static void
test_parse_garbage(void **state)
{
	unsigned char		 buf[4096];
	struct policy_reader	 r;
	struct policy_request	 req;
	unsigned int		 seed = 1;
	size_t			 i, off, n;
	bool			 done;
	int			 round;

	(void)state;
	for (round = 0; round < 50; round++) {
		for (i = 0; i < sizeof buf; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char)(seed >> 16);
			if (buf[i] % 7 == 0)
				buf[i] = '\n';
		}
		policy_reader_init(&r);
		for (off = 0; off < sizeof buf; off += n) {
			n = policy_reader_feed(&r, (char *)buf + off,
			    sizeof buf - off, &req, &done);
			if (done) {
				assert_true(req.malformed);
				assert_true(req.cause[0] != '\0');
				policy_request_free(&req);
			}
		}
		policy_reader_free(&r);
	}
}

/* Keys are built from client_address: it must be the form the console
 * stores (validate_ip_canon), whatever case or form Postfix sent. */
static void
test_parse_canonical_address(void **state)
{
	static const struct {
		const char	*sent, *key;
	} cases[] = {
		{ "2001:DB8::1", "2001:db8::1" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
		{ "::ffff:1.2.3.4", "1.2.3.4" },
		{ "::FFFF:192.0.2.10", "192.0.2.10" },
		{ "192.0.2.10", "192.0.2.10" },
	};
	struct policy_request	req;
	char			buf[256];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(buf, sizeof buf, "request=smtpd_access_policy\n"
		    "client_address=%s\n\n", cases[i].sent);
		parse_one(buf, &req);
		assert_false(req.malformed);
		assert_string_equal(req.client_address, cases[i].key);
		policy_request_free(&req);
	}
}

/* A count Postfix cannot send is not taken: one END-OF-MESSAGE with a
 * trillion recipients must not put an agency over its bulk limit. */
static void
test_request_cap(void **state)
{
	struct policy_request	req;
	struct policy_facts	f;
	struct policy_decision	d;

	(void)state;
	memset(&f, 0, sizeof f);
	f.redis_ok = true;
	f.agency = "tax";
	parse_one("request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\n"
	    "client_address=192.0.2.10\nrecipient_count=1000000000000\n"
	    "size=300\n\n", &req);
	assert_false(req.malformed);
	policy_request_cap(&req, 10000, 1073741824LL);
	assert_true(req.malformed);
	assert_string_equal(req.cause, "recipient_count 1000000000000 is more "
	    "than Postfix sends (policy.max_recipient_count 10000)");
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_MALFORMED);
	assert_true(d.count[VOLUME_RCPTS] == 0 && d.count[VOLUME_MSGS] == 0);
	policy_request_free(&req);

	/* At the cap: taken and counted. */
	parse_one("request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\n"
	    "client_address=192.0.2.10\nrecipient_count=10000\n\n", &req);
	policy_request_cap(&req, 10000, 1073741824LL);
	assert_false(req.malformed);
	policy_decide(&req, &f, &d);
	assert_true(d.count[VOLUME_RCPTS] == 10000);
	policy_request_free(&req);

	/* A measured size over the cap at the end: not counted. */
	parse_one("request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\n"
	    "client_address=192.0.2.10\nrecipient_count=1\n"
	    "size=999999999999\n\n", &req);
	policy_request_cap(&req, 10000, 1073741824LL);
	assert_true(req.malformed);
	assert_non_null(strstr(req.cause, "policy.max_message_size"));
	policy_request_free(&req);

	/* At RCPT the size is the client's SIZE= claim: dropped, and the
	 * request is still decided (a claim must not skip the permit). */
	parse_one("request=smtpd_access_policy\nprotocol_state=RCPT\n"
	    "client_address=192.0.2.10\nsize=999999999999\n\n", &req);
	policy_request_cap(&req, 10000, 1073741824LL);
	assert_false(req.malformed);
	assert_int_equal(req.size, -1);
	f.agency = NULL;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_NO_PERMIT);
	policy_request_free(&req);

	/* An earlier cause is kept. */
	parse_one("request=smtpd_access_policy\nrecipient_count=99999\n\n",
	    &req);
	policy_request_cap(&req, 10000, 1073741824LL);
	assert_string_equal(req.cause, "no 'client_address' attribute");
	policy_request_free(&req);
}

/* The reader says when a request is under way (the partial-request
 * timeout's test). */
static void
test_reader_busy(void **state)
{
	struct policy_reader	r;
	struct policy_request	req;
	bool			done;
	const char		*s;

	(void)state;
	policy_reader_init(&r);
	assert_false(policy_reader_busy(&r));
	s = "request=smtpd";
	policy_reader_feed(&r, s, strlen(s), &req, &done);
	assert_false(done);
	assert_true(policy_reader_busy(&r));
	s = "_access_policy\n";
	policy_reader_feed(&r, s, strlen(s), &req, &done);
	assert_true(policy_reader_busy(&r));
	s = "client_address=192.0.2.1\n\n";
	policy_reader_feed(&r, s, strlen(s), &req, &done);
	assert_true(done);
	assert_false(policy_reader_busy(&r));
	policy_request_free(&req);
	policy_reader_free(&r);
}

static void
test_format_action(void **state)
{
	char	buf[64], cause[128], big[POLICY_ACTION_MAX + 2];

	(void)state;
	assert_int_equal(policy_format_action(buf, sizeof buf, "DUNNO",
	    cause, sizeof cause), 14);
	assert_string_equal(buf, "action=DUNNO\n\n");
	assert_int_equal(policy_format_action(buf, 40,
	    "REJECT 192.0.2.1 is not registered for relay", cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "cannot answer 'REJECT 192.0.2.1 is not "
	    "registered for r': buffer too small");
	assert_int_equal(policy_format_action(buf, sizeof buf, "", cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "cannot answer: empty action");
	assert_int_equal(policy_format_action(buf, sizeof buf,
	    "REJECT x\n\naction=OK", cause, sizeof cause), -1);
	assert_string_equal(cause, "cannot answer 'REJECT x\n\naction=OK': "
	    "control character in the action");
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(policy_format_action(buf, sizeof buf, big, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "cannot answer 'AAAAAAAAAAAAAAAAAAAA…': "
	    "action longer than 512 bytes");
}

/* The decision table. */

static struct policy_request
request(const char *state, const char *ip, long long rcpts, long long size)
{
	struct policy_request	req;

	policy_request_init(&req);
	req.request = (char *)"smtpd_access_policy";
	req.protocol_state = (char *)state;
	req.client_address = (char *)ip;
	req.recipient_count = rcpts;
	req.size = size;
	return req;
}

static struct policy_facts
permitted(void)
{
	struct policy_facts	f;

	memset(&f, 0, sizeof f);
	f.redis_ok = true;
	f.agency = "tax";
	f.max_rcpts_per_msg = 100;
	f.max_msgs_per_minute = 30;
	return f;
}

static void
assert_counts(const struct policy_decision *d, long long msgs,
    long long rcpts, long long bytes, long long rejected, long long deferred)
{
	assert_int_equal(d->count[VOLUME_MSGS], msgs);
	assert_int_equal(d->count[VOLUME_RCPTS], rcpts);
	assert_int_equal(d->count[VOLUME_BYTES], bytes);
	assert_int_equal(d->count[VOLUME_REJECTED], rejected);
	assert_int_equal(d->count[VOLUME_DEFERRED], deferred);
}

static void
test_rule_accept(void **state)
{
	struct policy_request	req = request("RCPT", "192.0.2.10", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	assert_string_equal(d.action, "DUNNO");
	assert_false(d.log);
	assert_counts(&d, 0, 0, 0, 0, 0);
	f.accept_action = "OK";
	policy_decide(&req, &f, &d);
	assert_string_equal(d.action, "OK");
	assert_string_equal(policy_rule_name(d.rule), "accept");
}

static void
test_rule_blocked(void **state)
{
	struct policy_request	req = request("RCPT", "192.0.2.10", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	f.blocked = true;
	f.block_reason = "spam run, ticket 4711";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BLOCKED);
	assert_string_equal(d.action, "REJECT 192.0.2.10 is blocked: spam "
	    "run, ticket 4711");
	assert_counts(&d, 0, 0, 0, 1, 0);

	f.block_until = 1800000000LL;
	f.block_reason = "bad\r\naction=OK";
	policy_decide(&req, &f, &d);
	assert_string_equal(d.action, "REJECT 192.0.2.10 is blocked: bad  "
	    "action=OK until 2027-01-15 08:00:00 UTC");

	/* A blocked address without a permit: nothing to count. */
	f.agency = NULL;
	f.block_reason = NULL;
	f.block_until = 0;
	policy_decide(&req, &f, &d);
	assert_string_equal(d.action, "REJECT 192.0.2.10 is blocked: no "
	    "reason recorded");
	assert_counts(&d, 0, 0, 0, 0, 0);
}

static void
test_rule_draining(void **state)
{
	struct policy_request	req = request("RCPT", "192.0.2.10", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	f.draining = true;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_DRAINING);
	assert_string_equal(d.action, "451 4.3.2 this gateway is draining, "
	    "try another gateway");
	assert_counts(&d, 0, 0, 0, 0, 0);
	f.agency = NULL;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_DRAINING);
}

static void
test_rule_no_permit(void **state)
{
	struct policy_request	req = request("RCPT", "2001:db8::99", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	f.agency = NULL;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_NO_PERMIT);
	assert_string_equal(d.action, "REJECT 2001:db8::99 is not registered "
	    "for relay");
	assert_counts(&d, 0, 0, 0, 0, 0);
	f.agency = "";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_NO_PERMIT);
}

static void
test_rule_rcpts_per_message(void **state)
{
	struct policy_request	req = request("DATA", "192.0.2.10", 100, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	req.recipient_count = 101;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_RCPTS_PER_MSG);
	assert_string_equal(d.action, "DEFER_IF_PERMIT 101 recipients in one "
	    "message, agency tax may send 100 per message");
	assert_counts(&d, 0, 0, 0, 0, 1);
	/* Not known at RCPT. */
	req.protocol_state = (char *)"RCPT";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	f.max_rcpts_per_msg = 0;
	req.protocol_state = (char *)"DATA";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
}

static void
test_rule_msgs_per_minute(void **state)
{
	struct policy_request	req = request("RCPT", "192.0.2.10", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	f.msgs_minute = 29;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	f.msgs_minute = 30;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_MSGS_PER_MINUTE);
	assert_string_equal(d.action, "DEFER_IF_PERMIT agency tax may send "
	    "30 messages per minute, try again later");
	assert_counts(&d, 0, 0, 0, 0, 1);
	f.max_msgs_per_minute = 0;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
}

static void
test_rule_bulk(void **state)
{
	struct policy_request	req = request("RCPT", "192.0.2.10", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	f.max_rcpts_per_msg = 0;
	f.rcpts_10min = 999;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	f.rcpts_10min = 1000;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BULK);
	assert_string_equal(d.action, "DEFER_IF_PERMIT agency tax may send "
	    "1000 recipients per 10 minutes, split the mailing and try again "
	    "later");
	assert_counts(&d, 0, 0, 0, 0, 1);

	/* At DATA the whole message counts. */
	req.protocol_state = (char *)"DATA";
	req.recipient_count = 600;
	f.rcpts_10min = 400;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	f.rcpts_10min = 401;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BULK);

	/* The agency's own guidance, or none. */
	f.bulk_rcpts = 5000;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	f.bulk_rcpts = -1;
	f.rcpts_10min = 1000000;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);

	/* Huge figures never wrap into an accept. */
	f.bulk_rcpts = 0;
	f.rcpts_10min = LLONG_MAX;
	req.recipient_count = POLICY_COUNT_MAX;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BULK);
}

/* An announced bulk job: its plan lets through what the bulk limit defers,
 * never less than the limit; beyond its pace the deferral names the next
 * job's start. */
static void
test_rule_announced(void **state)
{
	struct policy_request	req = request("RCPT", "192.0.2.10", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	f.max_rcpts_per_msg = 0;
	f.rcpts_10min = 1000;
	f.plan = true;
	f.plan_rcpts = 3000;
	f.plan_jobs = 3;
	f.plan_allowed = 2000;
	f.plan_sent = 1999;
	f.plan_next = 1764892800;	/* 2025-12-05 00:00:00 UTC */
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ANNOUNCED);
	assert_string_equal(d.action, "DUNNO");
	assert_counts(&d, 0, 0, 0, 0, 0);
	assert_string_equal(policy_rule_name(d.rule), "announced");

	f.plan_sent = 2000;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BULK);
	assert_string_equal(d.action, "DEFER_IF_PERMIT agency tax announced "
	    "3000 recipients in 3 jobs and sent 2000 of the 2000 due by now; "
	    "the next job may start at 2025-12-05 00:00:00 UTC, try again "
	    "later");
	assert_counts(&d, 0, 0, 0, 0, 1);
	f.plan_next = 0;
	policy_decide(&req, &f, &d);
	assert_string_equal(d.action, "DEFER_IF_PERMIT agency tax announced "
	    "3000 recipients in 3 jobs and sent 2000 of the 2000 due by now; "
	    "its plan is used up, try again later");

	/* At DATA the whole message must fit in the plan. */
	req.protocol_state = (char *)"DATA";
	req.recipient_count = 500;
	f.plan_sent = 1500;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ANNOUNCED);
	f.plan_sent = 1501;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BULK);

	/* Within the normal limit the plan is not needed. */
	f.rcpts_10min = 10;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);

	/* Without a plan: the guidance's deferral as before. */
	f.plan = false;
	f.rcpts_10min = 1000;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BULK);
	assert_non_null(strstr(d.action, "split the mailing"));
}

static void
test_rule_end_of_message(void **state)
{
	struct policy_request	req = request("END-OF-MESSAGE", "192.0.2.10",
	    7, 20480);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	/* Limits were applied earlier; the message is counted. */
	f.msgs_minute = 1000;
	f.rcpts_10min = 5000;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_COUNT);
	assert_string_equal(d.action, "DUNNO");
	assert_counts(&d, 1, 7, 20480, 0, 0);
	f.blocked = true;
	f.draining = true;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_COUNT);
	/* No agency: nothing to count. */
	f.agency = NULL;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_COUNT);
	assert_counts(&d, 0, 0, 0, 0, 0);
	/* Size and count absent. */
	f.agency = "tax";
	req.recipient_count = -1;
	req.size = -1;
	policy_decide(&req, &f, &d);
	assert_counts(&d, 1, 0, 0, 0, 0);
}

static void
test_rule_fail_open(void **state)
{
	struct policy_request	req = request("RCPT", "192.0.2.10", 0, -1);
	struct policy_facts	f;
	struct policy_decision	d;

	(void)state;
	memset(&f, 0, sizeof f);
	f.blocked = true;	/* stale: must not matter */
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_FAIL_OPEN);
	assert_string_equal(d.action, "DUNNO");
	assert_true(d.log);
	assert_counts(&d, 0, 0, 0, 0, 0);
	f.fail_action = "DEFER_IF_PERMIT policy service unavailable";
	policy_decide(&req, &f, &d);
	assert_string_equal(d.action, "DEFER_IF_PERMIT policy service "
	    "unavailable");
	f.fail_action = "OK\n\naction=REJECT";
	policy_decide(&req, &f, &d);
	assert_string_equal(d.action, "DUNNO");
	req.protocol_state = (char *)"END-OF-MESSAGE";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_FAIL_OPEN);
	assert_counts(&d, 0, 0, 0, 0, 0);
}

static void
test_rule_malformed(void **state)
{
	struct policy_request	req = request("RCPT", "192.0.2.10", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	req.malformed = true;
	f.redis_ok = false;
	f.fail_action = "REJECT";
	f.blocked = true;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_MALFORMED);
	assert_string_equal(d.action, "DUNNO");
	assert_true(d.log);
	assert_string_equal(policy_rule_name(d.rule), "malformed");
}

/* Each rule wins over every rule after it. */
static void
test_rule_precedence(void **state)
{
	struct policy_request	req = request("DATA", "192.0.2.10", 500, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	f.blocked = true;
	f.draining = true;
	f.msgs_minute = 100;
	f.rcpts_10min = 5000;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BLOCKED);
	f.blocked = false;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_DRAINING);
	f.draining = false;
	f.agency = NULL;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_NO_PERMIT);
	f.agency = "tax";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_RCPTS_PER_MSG);
	req.recipient_count = 50;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_MSGS_PER_MINUTE);
	f.msgs_minute = 0;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BULK);
	f.rcpts_10min = 0;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
}

/* policy_context=inbound: blocks and draining only, nothing counted. */
static void
test_rule_inbound(void **state)
{
	struct policy_request	req = request("RCPT", "198.51.100.7", 0, -1);
	struct policy_facts	f = permitted();
	struct policy_decision	d;

	(void)state;
	req.policy_context = (char *)"inbound";
	/* No permit, limits exceeded: not relay use, accepted. */
	f.agency = NULL;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	assert_string_equal(d.action, "DUNNO");
	f.agency = "tax";
	f.msgs_minute = 1000;
	f.rcpts_10min = 100000;
	req.protocol_state = (char *)"DATA";
	req.recipient_count = 500;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_ACCEPT);
	assert_counts(&d, 0, 0, 0, 0, 0);
	/* Draining and blocks still apply; a reject is not the agency's. */
	f.draining = true;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_DRAINING);
	f.blocked = true;
	f.block_reason = "backscatter";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_BLOCKED);
	assert_string_equal(d.action, "REJECT 198.51.100.7 is blocked: "
	    "backscatter");
	assert_counts(&d, 0, 0, 0, 0, 0);
	/* Not counted at the end of the message either. */
	req.protocol_state = (char *)"END-OF-MESSAGE";
	req.size = 4096;
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_COUNT);
	assert_counts(&d, 0, 0, 0, 0, 0);
	/* Redis down: the fail action, as for relay. */
	f.redis_ok = false;
	f.fail_action = "DEFER_IF_PERMIT later";
	req.protocol_state = (char *)"RCPT";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_FAIL_OPEN);
	/* Another context: every rule. */
	f = permitted();
	f.agency = NULL;
	req.policy_context = (char *)"submission";
	policy_decide(&req, &f, &d);
	assert_int_equal(d.rule, POLICY_RULE_NO_PERMIT);
}

/* Parsed from the wire to the answer on the wire. */
static void
test_round_trip(void **state)
{
	struct policy_request	req;
	struct policy_facts	f;
	struct policy_decision	d;
	char			buf[600], cause[128];

	(void)state;
	parse_one(full_request, &req);
	memset(&f, 0, sizeof f);
	f.redis_ok = true;
	policy_decide(&req, &f, &d);
	assert_int_equal(policy_format_action(buf, sizeof buf, d.action,
	    cause, sizeof cause), 54);
	assert_string_equal(buf, "action=REJECT 192.0.2.10 is not "
	    "registered for relay\n\n");
	policy_request_free(&req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_attribute),
		cmocka_unit_test(test_parse_minimal_and_absent),
		cmocka_unit_test(test_parse_chunks),
		cmocka_unit_test(test_parse_pipelined),
		cmocka_unit_test(test_parse_missing_blank_line),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_nul_byte),
		cmocka_unit_test(test_parse_long_lines),
		cmocka_unit_test(test_parse_too_many_attributes),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_canonical_address),
		cmocka_unit_test(test_request_cap),
		cmocka_unit_test(test_reader_busy),
		cmocka_unit_test(test_format_action),
		cmocka_unit_test(test_rule_accept),
		cmocka_unit_test(test_rule_blocked),
		cmocka_unit_test(test_rule_draining),
		cmocka_unit_test(test_rule_no_permit),
		cmocka_unit_test(test_rule_rcpts_per_message),
		cmocka_unit_test(test_rule_msgs_per_minute),
		cmocka_unit_test(test_rule_bulk),
		cmocka_unit_test(test_rule_announced),
		cmocka_unit_test(test_rule_end_of_message),
		cmocka_unit_test(test_rule_fail_open),
		cmocka_unit_test(test_rule_malformed),
		cmocka_unit_test(test_rule_precedence),
		cmocka_unit_test(test_rule_inbound),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
