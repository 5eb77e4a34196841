/* Unit tests of the policy service's connection handling without Redis: a
 * socketpair plays Redis for the serving side (timeouts, owed replies, the
 * idle PING, a closed or demoted server), and loopback sockets that refuse,
 * hang or answer by hand for the connector thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/policy.h"
#include "agent/policy_connector.h"
#include "agent/policy_redis.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/volume.h"

#define SHA	"0123456789abcdef0123456789abcdef01234567"
/* What the script answers for a permitted address of agency dmv. */
#define PERMITTED \
	"*11\r\n:0\r\n$0\r\n\r\n$0\r\n\r\n:0\r\n$3\r\ndmv\r\n$0\r\n\r\n" \
	"$0\r\n\r\n$0\r\n\r\n:0\r\n:0\r\n:-1\r\n"

static struct config		cfg;
static struct config_node	node;

static struct config *
config_fake(int port)
{
	memset(&cfg, 0, sizeof cfg);
	memset(&node, 0, sizeof node);
	cfg.redis.host = (char *)"127.0.0.1";
	cfg.redis.port = port;
	cfg.redis.prefix = (char *)"noc:";
	cfg.redis.connect_timeout_ms = 300;
	cfg.redis.command_timeout_ms = 300;
	node.name = (char *)"gw1";
	node.policy.redis_timeout_ms = 50;
	cfg.nodes = &node;
	cfg.nnodes = 1;
	return &cfg;
}

/* The serving side on one end of a socketpair; *peer is "Redis". */
static void
link_fake(struct policy_redis *pr, int *peer)
{
	struct policy_link	link;
	int			sv[2];

	policy_redis_init(pr, config_fake(1), &node);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&link, 0, sizeof link);
	link.ctx = redisConnectFd(sv[0]);
	assert_non_null(link.ctx);
	snprintf(link.host, sizeof link.host, "fake");
	link.port = 1;
	memcpy(link.sha, SHA, 41);
	policy_redis_adopt(pr, &link);
	assert_null(link.ctx);
	assert_true(policy_redis_connected(pr));
	*peer = sv[1];
}

static void
peer_say(int peer, const char *resp)
{
	assert_int_equal(write(peer, resp, strlen(resp)), (ssize_t)strlen(resp));
}

/* What the serving side sent so far (waits up to 1 s for something). */
static const char *
peer_heard(int peer)
{
	static char	buf[65536];
	struct pollfd	pfd = { .fd = peer, .events = POLLIN };
	ssize_t		n;

	buf[0] = '\0';
	if (poll(&pfd, 1, 1000) != 1)
		return buf;
	n = read(peer, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* One lookup for 127.0.1.30; returns policy_redis_lookup's result and how
 * long it took in *ms. */
static int
lookup_one(struct policy_redis *pr, struct policy_lookup *l,
    struct policy_request *req, char *cause, size_t causelen, long long *ms)
{
	long long	t0 = clock_mono_ms();
	int		rc;

	policy_request_init(req);
	req->request = (char *)"smtpd_access_policy";
	req->client_address = (char *)"127.0.1.30";
	req->protocol_state = (char *)"RCPT";
	memset(l, 0, sizeof *l);
	l->req = req;
	rc = policy_redis_lookup(pr, l, 1, 1800000000000LL, cause, causelen);
	*ms = clock_mono_ms() - t0;
	return rc;
}

/* A lookup Redis answers: lookup_one succeeds, with the script's facts. */
static void
lookup_answered(struct policy_redis *pr, struct policy_lookup *l,
    struct policy_request *req)
{
	char		cause[256] = "";
	long long	ms;

	if (lookup_one(pr, l, req, cause, sizeof cause, &ms) != 0)
		fail_msg("the lookup failed: %s", cause);
	assert_true(l->facts.redis_ok);
}

/* The end of a test on link_fake's pair: the lookup released, the link
 * freed, the peer closed. */
static void
link_done(struct policy_redis *pr, struct policy_lookup *l, int peer)
{
	policy_redis_release(l, 1);
	policy_redis_free(pr);
	close(peer);
}

/* Replies in time: facts from the script, the request as EVALSHA. */
static void
test_link_answers(void **state)
{
	struct policy_redis	pr;
	struct policy_lookup	l;
	struct policy_request	req;
	int			peer;

	(void)state;
	link_fake(&pr, &peer);
	peer_say(peer, PERMITTED);
	lookup_answered(&pr, &l, &req);
	assert_string_equal(l.facts.agency, "dmv");
	assert_non_null(strstr(peer_heard(peer), "EVALSHA\r\n$40\r\n" SHA));
	assert_int_equal(pr.owed, 0);
	assert_int_equal(pr.round_trips, 1);
	link_done(&pr, &l, peer);
}

/* Counts ride with a pass at most every POLICY_COUNT_EVERY_MS: a pass
 * without them leaves them pending; the next one carries them. */
static void
test_link_counts_ride(void **state)
{
	struct policy_redis	pr;
	struct policy_lookup	l;
	struct policy_request	req;
	long long		c[VOLUME_NMETRICS] = { 1, 3, 100, 0, 0 };
	char			cause[256];
	long long		ms;
	int			peer;

	(void)state;
	link_fake(&pr, &peer);
	/* The lookups' clock is lookup_one's fixed 1800000000000. */
	pr.counts_sent_ms = 1800000000000LL;
	policy_redis_count(&pr, "parks", c, 1800000000000LL);
	peer_say(peer, PERMITTED);
	assert_int_equal(lookup_one(&pr, &l, &req, cause, sizeof cause, &ms),
	    0);
	policy_redis_release(&l, 1);
	assert_null(strstr(peer_heard(peer), "HINCRBY"));
	assert_true(policy_redis_pending(&pr));

	pr.counts_sent_ms -= POLICY_COUNT_EVERY_MS;
	/* 3 metrics x (vol:m, vol:h) + 2 EXPIREs, then the lookup. */
	peer_say(peer, ":1\r\n:3\r\n:100\r\n:1\r\n:3\r\n:100\r\n"
	    ":1\r\n:1\r\n" PERMITTED);
	lookup_answered(&pr, &l, &req);
	policy_redis_release(&l, 1);
	assert_non_null(strstr(peer_heard(peer), "parks|rcpts"));
	assert_false(policy_redis_pending(&pr));
	assert_int_equal(pr.lost_counts, 0);
	assert_int_equal(pr.owed, 0);
	policy_redis_free(&pr);
	close(peer);
}

/*
 * No reply: the lookup fails after the answer timeout, not the command
 * timeout; the reply is owed, so the next lookup fails at once; when it
 * comes late it is read between passes and the link serves again.
 */
static void
test_link_timeout_owed(void **state)
{
	struct policy_redis	pr;
	struct policy_lookup	l;
	struct policy_request	req;
	char			cause[256];
	long long		ms;
	int			peer;

	(void)state;
	link_fake(&pr, &peer);
	assert_int_equal(lookup_one(&pr, &l, &req, cause, sizeof cause, &ms),
	    -1);
	assert_true(ms >= 45 && ms < 250);
	assert_string_equal(cause, "redis at fake:1 gave no answer within "
	    "50 ms");
	assert_false(l.facts.redis_ok);
	assert_string_equal(l.cause, cause);
	assert_int_equal(pr.owed, 1);
	assert_true(policy_redis_connected(&pr));

	assert_int_equal(lookup_one(&pr, &l, &req, cause, sizeof cause, &ms),
	    -1);
	assert_true(ms < 20);
	assert_non_null(strstr(cause, "gave no answer for"));

	/* Late, but it comes: read between passes, nothing dropped. */
	peer_say(peer, PERMITTED);
	assert_int_equal(policy_redis_tend(&pr, clock_mono_ms(), cause,
	    sizeof cause), 0);
	assert_int_equal(pr.owed, 0);
	assert_true(policy_redis_connected(&pr));
	peer_heard(peer);
	peer_say(peer, PERMITTED);
	lookup_answered(&pr, &l, &req);
	link_done(&pr, &l, peer);
}

/* Replies owed past the command timeout: the link is dropped, and lookups
 * fail at once with why. */
static void
test_link_overdue_dropped(void **state)
{
	struct policy_redis	pr;
	struct policy_lookup	l;
	struct policy_request	req;
	char			cause[256], why[256];
	long long		ms;
	int			peer;

	(void)state;
	link_fake(&pr, &peer);
	assert_int_equal(lookup_one(&pr, &l, &req, cause, sizeof cause, &ms),
	    -1);
	assert_int_equal(policy_redis_tend(&pr, clock_mono_ms(), cause,
	    sizeof cause), 0);
	assert_true(policy_redis_connected(&pr));
	assert_true(policy_redis_tend_in(&pr, clock_mono_ms()) > 100);
	usleep(300 * 1000);
	assert_int_equal(policy_redis_tend_in(&pr, clock_mono_ms()), 0);
	assert_int_equal(policy_redis_tend(&pr, clock_mono_ms(), cause,
	    sizeof cause), -1);
	assert_non_null(strstr(cause, "redis at fake:1 gave no answer for"));
	assert_false(policy_redis_connected(&pr));
	assert_int_equal(policy_redis_fd(&pr), -1);
	assert_int_equal(policy_redis_tend_in(&pr, clock_mono_ms()), -1);
	assert_int_equal(lookup_one(&pr, &l, &req, why, sizeof why, &ms), -1);
	assert_true(ms < 20);
	assert_string_equal(why, cause);
	assert_string_equal(l.cause, cause);
	/* Later causes (the connector's) replace it while no link is held. */
	policy_redis_set_away(&pr, "cannot connect to redis at x:1: refused");
	assert_int_equal(lookup_one(&pr, &l, &req, cause, sizeof cause, &ms),
	    -1);
	assert_string_equal(cause, "cannot connect to redis at x:1: refused");
	policy_redis_free(&pr);
	close(peer);
}

/* An idle link is checked with a PING; its answer keeps it, none drops
 * it; a request meanwhile waits for the PONG (within the answer timeout). */
static void
test_link_idle_ping(void **state)
{
	struct policy_redis	pr;
	struct policy_lookup	l;
	struct policy_request	req;
	char			cause[256];
	long long		now;
	int			peer;

	(void)state;
	link_fake(&pr, &peer);
	now = clock_mono_ms();
	assert_true(policy_redis_tend_in(&pr, now) > POLICY_REDIS_PING_MS -
	    100);
	assert_int_equal(policy_redis_tend(&pr, now, cause, sizeof cause), 0);
	assert_int_equal(pr.owed, 0);	/* not idle long enough */

	now += POLICY_REDIS_PING_MS;
	assert_int_equal(policy_redis_tend_in(&pr, now), 0);
	assert_int_equal(policy_redis_tend(&pr, now, cause, sizeof cause), 0);
	assert_int_equal(pr.owed, 1);
	assert_string_equal(peer_heard(peer), "*1\r\n$4\r\nPING\r\n");
	assert_int_equal(pr.round_trips, 0);	/* not a pass */
	/* The PONG and the lookup's reply arrive together. */
	peer_say(peer, "+PONG\r\n" PERMITTED);
	lookup_answered(&pr, &l, &req);
	assert_int_equal(pr.owed, 0);
	policy_redis_release(&l, 1);

	/* Unanswered: dropped after the command timeout. */
	now = clock_mono_ms() + POLICY_REDIS_PING_MS;
	assert_int_equal(policy_redis_tend(&pr, now, cause, sizeof cause), 0);
	assert_int_equal(pr.owed, 1);
	assert_int_equal(policy_redis_tend(&pr, now + 300, cause,
	    sizeof cause), -1);
	assert_false(policy_redis_connected(&pr));
	policy_redis_free(&pr);
	close(peer);
}

/* A server that closed the idle link (a restart) is found without a
 * request; so is one that says what nobody asked. */
static void
test_link_closed(void **state)
{
	struct policy_redis	pr;
	char			cause[256];
	int			peer;

	(void)state;
	link_fake(&pr, &peer);
	close(peer);
	assert_int_equal(policy_redis_tend(&pr, clock_mono_ms(), cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "redis at fake:1: Server closed the "
	    "connection");
	assert_false(policy_redis_connected(&pr));
	policy_redis_free(&pr);

	link_fake(&pr, &peer);
	peer_say(peer, "+PONG\r\n");
	assert_int_equal(policy_redis_tend(&pr, clock_mono_ms(), cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "redis at fake:1 sent a reply nobody "
	    "asked for");
	assert_false(policy_redis_connected(&pr));
	policy_redis_free(&pr);
	close(peer);
}

/* NOSCRIPT: the script is loaded again and the lookup repeated. */
static void
test_link_noscript(void **state)
{
	struct policy_redis	pr;
	struct policy_lookup	l;
	struct policy_request	req;
	int			peer;

	(void)state;
	link_fake(&pr, &peer);
	peer_say(peer, "-NOSCRIPT No matching script.\r\n"
	    "$40\r\nfedcba9876543210fedcba9876543210fedcba98\r\n" PERMITTED);
	lookup_answered(&pr, &l, &req);
	assert_string_equal(pr.sha, "fedcba9876543210fedcba9876543210fedcba98");
	assert_int_equal(pr.round_trips, 3);
	link_done(&pr, &l, peer);
}

/* A master demoted by a failover answers READONLY: that lookup fails and
 * the link is dropped so that the connector asks Sentinel again. */
static void
test_link_readonly(void **state)
{
	struct policy_redis	pr;
	struct policy_lookup	l;
	struct policy_request	req;
	char			cause[256];
	long long		ms;
	int			peer;

	(void)state;
	link_fake(&pr, &peer);
	peer_say(peer, "-READONLY You can't write against a read only "
	    "replica.\r\n");
	assert_int_equal(lookup_one(&pr, &l, &req, cause, sizeof cause, &ms),
	    0);
	assert_false(l.facts.redis_ok);
	assert_non_null(strstr(l.cause, "READONLY"));
	assert_false(policy_redis_connected(&pr));
	assert_string_equal(pr.away, "redis at fake:1 is a replica now");
	link_done(&pr, &l, peer);
}

/* ------------------------------------------------------------ connector */

/* A loopback listener (backlog only, never accepted unless asked). */
static int
listener(int *port)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof sa;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static bool
wait_fd(int fd, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

/* Nobody listens: the attempt fails and says why; taking never waits. */
static void
test_connector_refused(void **state)
{
	struct policy_connector	*pc;
	struct policy_link	 link;
	char			 cause[256];
	int			 fd, port;

	(void)state;
	fd = listener(&port);
	close(fd);
	pc = policy_connector_start(config_fake(port), policy_redis_script,
	    cause, sizeof cause);
	assert_non_null(pc);
	assert_true(wait_fd(policy_connector_fd(pc), 5000));
	assert_false(policy_connector_take(pc, &link, cause, sizeof cause));
	assert_non_null(strstr(cause, "cannot connect to redis at "
	    "127.0.0.1:"));
	assert_non_null(strstr(cause, "refused"));
	/* Taken: the descriptor is quiet until the next attempt. */
	assert_false(wait_fd(policy_connector_fd(pc), 0));
	policy_connector_stop(pc);
}

/*
 * A server that takes the connection and never answers: the connector
 * hangs in its attempt (command timeout) while the serving side takes
 * nothing at once; the attempt then fails saying what it waited for.
 */
static void
test_connector_hung(void **state)
{
	struct policy_connector	*pc;
	struct policy_link	 link;
	char			 cause[256];
	long long		 t0;
	int			 fd, port;

	(void)state;
	fd = listener(&port);
	pc = policy_connector_start(config_fake(port), policy_redis_script,
	    cause, sizeof cause);
	assert_non_null(pc);
	usleep(50 * 1000);
	t0 = clock_mono_ms();
	assert_false(policy_connector_take(pc, &link, cause, sizeof cause));
	assert_true(clock_mono_ms() - t0 < 20);
	assert_string_equal(cause, "connecting to redis");
	policy_connector_want(pc);	/* already wanted: nothing changes */
	assert_true(wait_fd(policy_connector_fd(pc), 5000));
	assert_false(policy_connector_take(pc, &link, cause, sizeof cause));
	assert_non_null(strstr(cause, "(loading the policy script)"));
	t0 = clock_mono_ms();
	policy_connector_stop(pc);
	/* Stopping waits at most for an attempt's timeouts. */
	assert_true(clock_mono_ms() - t0 < 2000);
	close(fd);
}

/* A server that answers: a ready link with the script's SHA1 is handed
 * over, and after it is lost the connector connects again when asked. */
static void
test_connector_ready(void **state)
{
	struct policy_connector	*pc;
	struct policy_link	 link;
	char			 cause[256], buf[8192];
	int			 fd, port, c, round;

	(void)state;
	fd = listener(&port);
	pc = policy_connector_start(config_fake(port), policy_redis_script,
	    cause, sizeof cause);
	assert_non_null(pc);
	for (round = 0; round < 2; round++) {
		c = accept(fd, NULL, NULL);
		assert_true(c >= 0);
		assert_true(wait_fd(c, 5000));
		assert_true(read(c, buf, sizeof buf) > 0);
		assert_non_null(strstr(buf, "SCRIPT"));
		peer_say(c, "$40\r\n" SHA "\r\n");
		assert_true(wait_fd(policy_connector_fd(pc), 5000));
		assert_true(policy_connector_take(pc, &link, cause,
		    sizeof cause));
		assert_non_null(link.ctx);
		assert_string_equal(link.host, "127.0.0.1");
		assert_int_equal(link.port, port);
		assert_string_equal(link.sha, SHA);
		/* Nothing more is made until it is wanted. */
		assert_false(wait_fd(policy_connector_fd(pc), 300));
		redisFree(link.ctx);
		close(c);
		policy_connector_want(pc);
	}
	policy_connector_stop(pc);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_answers),
		cmocka_unit_test(test_link_counts_ride),
		cmocka_unit_test(test_link_timeout_owed),
		cmocka_unit_test(test_link_overdue_dropped),
		cmocka_unit_test(test_link_idle_ping),
		cmocka_unit_test(test_link_closed),
		cmocka_unit_test(test_link_noscript),
		cmocka_unit_test(test_link_readonly),
		cmocka_unit_test(test_connector_refused),
		cmocka_unit_test(test_connector_hung),
		cmocka_unit_test(test_connector_ready),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
