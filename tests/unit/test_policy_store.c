/* The policy store against a Redis that answers wrongly: a thread on
 * loopback plays the server with canned replies (a unit test may fake a
 * backend; the integration tests use the real one). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backends/policy_store.h"
#include "backends/redis.h"
#include "core/config.h"

#include "test_config_file.h"
#include "tmpdir.h"

struct fake {
	int lfd;
	int port;
	const char *reply;  /* written once the request has arrived */
	size_t replylen;
	pthread_t th;
};

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	char buf[4096];
	int fd;

	if ((fd = accept(f->lfd, NULL, NULL)) == -1)
		return NULL;
	/* The whole pipeline is sent at once: one read is the request. */
	if (read(fd, buf, sizeof buf) > 0 &&
	    write(fd, f->reply, f->replylen) == (ssize_t)f->replylen) {
		while (read(fd, buf, sizeof buf) > 0)
			;
	}
	close(fd);
	return NULL;
}

static void
fake_start(struct fake *f, const char *reply, size_t len)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((f->lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(f->lfd, 1), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sa, &sl), 0);
	f->port = ntohs(sa.sin_port);
	f->reply = reply;
	f->replylen = len;
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
}

static struct config *
fake_config(int port)
{
	return test_config_file(dir, "", "\"host\": \"127.0.0.1\", \"port\": "
	    "%d, \"connect_timeout_ms\": 1000, \"command_timeout_ms\": 1000",
	    port);
}

/* Runs store_permit_remove against `reply`; returns its result. */
static int
remove_against(const char *reply, size_t len, char *cause, size_t clen)
{
	struct config *cfg;
	struct redis r;
	struct fake f;
	int rc;

	fake_start(&f, reply, len);
	cfg = fake_config(f.port);
	redis_init(&r, cfg);
	rc = store_permit_remove(&r, "127.0.1.10", cause, clen);
	redis_close(&r);
	fake_stop(&f);
	config_free(cfg);
	return rc;
}

/* The reply of a real Redis: MULTI, three QUEUED (HDEL, DEL and the INCR of
 * policy:version), EXEC with three results. */
static void
test_remove_well_formed(void **state)
{
	static const char ok[] = "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
	    "*3\r\n:1\r\n:0\r\n:7\r\n";
	char cause[256] = "";

	(void)state;
	assert_int_equal(remove_against(ok, sizeof ok - 1, cause,
	    sizeof cause), 1);
}

/* Replies no Redis gives, each refused with what was wrong. */
static void
test_remove_bad_replies(void **state)
{
	static const struct {
		const char	*reply;
		const char	*said;
	} bad[] = {
		/* Commands answered +OK instead of +QUEUED and an empty EXEC:
		 * reading the first result of EXEC used to crash (SEGV). */
		{ "+OK\r\n+OK\r\n+OK\r\n+OK\r\n*0\r\n",
		  "unexpected reply to EXEC" },
		/* EXEC with fewer results than commands queued. */
		{ "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*1\r\n:1\r\n",
		  "unexpected reply to EXEC" },
		/* An EXEC that announces a billion results: refused before
		 * hiredis would allocate 8 GB for them, and said as such (not as
		 * Redis unreachable). */
		{ "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*1000000000\r\n",
		  "a reply announced 1000000000 elements" },
	};
	char cause[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause[0] = '\0';
		assert_int_equal(remove_against(bad[i].reply,
		    strlen(bad[i].reply), cause, sizeof cause), -1);
		if (strstr(cause, bad[i].said) == NULL)
			fail_msg("reply %zu: '%s' does not say '%s'", i, cause,
			    bad[i].said);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_well_formed),
		cmocka_unit_test(test_remove_bad_replies),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
