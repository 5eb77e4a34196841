/* Unit tests of the SSH backend without an SSH server: the line splitter,
 * fingerprints, and connects refused, silent, cancelled or not SSH at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "core/clock.h"
#include "core/exitcode.h"

/* ------------------------------------------------------------ lines */

#define NLINES 8
#define SSH_IO_TEST_CHUNK 32768

struct collect {
	char text[NLINES][64];
	size_t len[NLINES];
	size_t n;
	size_t stop_at; /* 1-based line that returns -1; 0: never */
	int terminated; /* every line had a NUL after it */
};

static int
collect_line(void *arg, const char *line, size_t len)
{
	struct collect *c = arg;

	if (line[len] != '\0')
		c->terminated = 0;
	if (c->n < NLINES) {
		snprintf(c->text[c->n], sizeof c->text[c->n], "%.*s",
		    (int)(len < 63 ? len : 63), line);
		c->len[c->n] = len;
	}
	c->n++;
	return c->stop_at != 0 && c->n == c->stop_at ? -1 : 0;
}

/* Feeds each string of `chunks` (NULL-terminated) in turn, then finishes. */
static int
feed(struct ssh_lines *l, struct collect *c, const char *const *chunks,
    char *cause)
{
	char buf[256];
	size_t n;

	for (; *chunks != NULL; chunks++) {
		n = strlen(*chunks);
		memcpy(buf, *chunks, n);
		if (ssh_lines_feed(l, buf, n, collect_line, c, cause, 256) == -1)
			return -1;
	}
	return ssh_lines_finish(l, collect_line, c, cause, 256);
}

static void
test_lines_split(void **state)
{
	static const char *const one[] = { "a\nbc\n\nlast", NULL };
	static const char *const parts[] = { "ab", "c\nd", "e\n", "", "f",
		NULL };
	/* Output in chunks, and the lines it makes. */
	static const struct {
		const char *const	*chunks;
		size_t			 n;
		const char		*want[4];
	} cases[] = {
		{ one, 4, { "a", "bc", "", "last" } },
		{ parts, 3, { "abc", "de", "f" } },
	};
	struct collect c;
	struct ssh_lines l;
	char cause[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&c, 0, sizeof c);
		c.terminated = 1;
		ssh_lines_init(&l, 100);
		assert_int_equal(feed(&l, &c, cases[i].chunks, cause), 0);
		assert_int_equal(c.n, cases[i].n);
		assert_int_equal(l.lines, cases[i].n);
		for (j = 0; j < cases[i].n; j++) {
			assert_string_equal(c.text[j], cases[i].want[j]);
			assert_int_equal(c.len[j], strlen(cases[i].want[j]));
		}
		assert_true(c.terminated);
		/* Nothing left: finishing again delivers nothing. */
		assert_int_equal(ssh_lines_finish(&l, collect_line, &c, cause,
		    sizeof cause), 0);
		assert_int_equal(c.n, cases[i].n);
		ssh_lines_free(&l);
	}
}

static void
test_lines_bytewise(void **state)
{
	static const char text[] = "hello\nworld\n\nx";
	struct collect c = { .terminated = 1 };
	struct ssh_lines l;
	char cause[256], b;
	size_t i;

	(void)state;
	ssh_lines_init(&l, 100);
	for (i = 0; i < sizeof text - 1; i++) {
		b = text[i];
		assert_int_equal(ssh_lines_feed(&l, &b, 1, collect_line, &c,
		    cause, sizeof cause), 0);
	}
	assert_int_equal(c.n, 3);
	assert_int_equal(ssh_lines_finish(&l, collect_line, &c, cause,
	    sizeof cause), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.text[0], "hello");
	assert_string_equal(c.text[1], "world");
	assert_string_equal(c.text[2], "");
	assert_string_equal(c.text[3], "x");
	assert_true(c.terminated);
	ssh_lines_free(&l);
}

static void
test_lines_nul_and_null_reader(void **state)
{
	struct collect c = { .terminated = 1 };
	struct ssh_lines l;
	char cause[256], buf[] = "a\0b\nrest";

	(void)state;
	ssh_lines_init(&l, 100);
	assert_int_equal(ssh_lines_feed(&l, buf, sizeof buf - 1, collect_line,
	    &c, cause, sizeof cause), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.len[0], 3);
	ssh_lines_free(&l);

	/* Without a reader the lines are only counted. */
	ssh_lines_init(&l, 100);
	memcpy(buf, "x\ny\nz\n", 7);
	assert_int_equal(ssh_lines_feed(&l, buf, 6, NULL, NULL, cause,
	    sizeof cause), 0);
	assert_int_equal(l.lines, 3);
	ssh_lines_free(&l);
}

static void
test_lines_too_long(void **state)
{
	static const char *const fits[] = { "abcd\n", "ab", "cd\n", "abcd",
		NULL };
	static const char *const direct[] = { "ok\nabcde\n", NULL };
	static const char *const joined[] = { "ab", "cde\n", NULL };
	static const char *const pending[] = { "ok\nabc", "de", NULL };
	static const char *const last[] = { "abcde", NULL };
	/* Output with a line over 4 bytes, and the cause (NULL: any). */
	static const struct {
		const char *const	*chunks;
		const char		*cause;
	} refused[] = {
		{ direct, "line 2 of the output is longer than 4 bytes" },
		{ joined, "line 1 of the output is longer than 4 bytes" },
		{ pending, "line 2 of the output is longer than 4 bytes" },
		{ last, NULL },
	};
	struct collect c = { .terminated = 1 };
	struct ssh_lines l;
	char cause[256];
	size_t i;

	(void)state;
	ssh_lines_init(&l, 4);
	assert_int_equal(feed(&l, &c, fits, cause), 0);
	assert_int_equal(c.n, 3);
	ssh_lines_free(&l);

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		ssh_lines_init(&l, 4);
		assert_int_equal(feed(&l, &c, refused[i].chunks, cause), -1);
		if (refused[i].cause != NULL)
			assert_string_equal(cause, refused[i].cause);
		/* Its own refusal, not one of on_line (l.aborted). */
		assert_false(l.aborted);
		ssh_lines_free(&l);
	}
}

static void
test_lines_long(void **state)
{
	struct collect c = { .terminated = 1 };
	struct ssh_lines l;
	char cause[256], *chunk = malloc(SSH_IO_TEST_CHUNK);
	size_t total = 0, n;

	(void)state;
	assert_non_null(chunk);
	/* One line of exactly SSH_LINE_MAX bytes, fed in chunks. */
	ssh_lines_init(&l, SSH_LINE_MAX);
	while (total < SSH_LINE_MAX) {
		n = SSH_LINE_MAX - total;
		if (n > SSH_IO_TEST_CHUNK)
			n = SSH_IO_TEST_CHUNK;
		memset(chunk, 'x', n);
		assert_int_equal(ssh_lines_feed(&l, chunk, n, collect_line, &c,
		    cause, sizeof cause), 0);
		total += n;
	}
	chunk[0] = '\n';
	assert_int_equal(ssh_lines_feed(&l, chunk, 1, collect_line, &c, cause,
	    sizeof cause), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.len[0], SSH_LINE_MAX);
	assert_true(c.terminated);
	/* One byte more is refused. */
	memset(chunk, 'x', SSH_IO_TEST_CHUNK);
	for (total = 0; total <= SSH_LINE_MAX; total += SSH_IO_TEST_CHUNK) {
		if (ssh_lines_feed(&l, chunk, SSH_IO_TEST_CHUNK, collect_line,
		    &c, cause, sizeof cause) == -1)
			break;
	}
	assert_true(total <= SSH_LINE_MAX);
	assert_string_equal(cause, "line 2 of the output is longer than "
	    "1048576 bytes");
	ssh_lines_free(&l);
	free(chunk);
}

static void
test_lines_abort(void **state)
{
	static const char *const text[] = { "one\ntwo\nthree\n", NULL };
	struct collect c = { .terminated = 1, .stop_at = 2 };
	struct ssh_lines l;
	char cause[256];

	(void)state;
	ssh_lines_init(&l, 100);
	assert_int_equal(feed(&l, &c, text, cause), -1);
	assert_true(l.aborted);
	assert_int_equal(c.n, 2);
	assert_string_equal(cause, "stopped by the reader at line 2 of the "
	    "output");
	ssh_lines_free(&l);
}

/* ------------------------------------------------------ fingerprints */

static void
test_fingerprint(void **state)
{
	unsigned char hash[32];
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof hash; i++)
		hash[i] = (unsigned char)i;
	assert_string_equal(ssh_fingerprint(hash, out, sizeof out),
	    "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
	memset(hash, 0xff, sizeof hash);
	assert_string_equal(ssh_fingerprint(hash, out, sizeof out),
	    "SHA256://////////////////////////////////////////8");
	assert_string_equal(ssh_hostkey_name(LIBSSH2_HOSTKEY_TYPE_ED25519),
	    "ssh-ed25519");
	assert_string_equal(ssh_hostkey_name(LIBSSH2_HOSTKEY_TYPE_ECDSA_256),
	    "ecdsa-sha2-nistp256");
	assert_string_equal(ssh_hostkey_name(LIBSSH2_HOSTKEY_TYPE_ECDSA_521),
	    "ecdsa-sha2-nistp521");
	assert_string_equal(ssh_hostkey_name(LIBSSH2_HOSTKEY_TYPE_RSA),
	    "ssh-rsa");
	assert_string_equal(ssh_hostkey_name(99), "unknown");
}

/* ------------------------------------------------- connects, no server */

struct fixture {
	struct config cfg;
	struct config_node node;
	struct ssh_conn c;
	char known_hosts[64];
	char addr[64];
	int lfd; /* the local socket the node points at */
};

/* A socket on 127.0.0.1 and a free port: listening or merely bound. */
static int
local_socket(int listening, int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_not_equal(fd, -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	if (listening)
		assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static struct fixture *
fixture_new(int listening, int connect_ms, int command_ms)
{
	struct fixture *f = calloc(1, sizeof *f);
	int fd, port;

	assert_non_null(f);
	snprintf(f->known_hosts, sizeof f->known_hosts,
	    "/tmp/mailnoc-test-kh.XXXXXX");
	fd = mkstemp(f->known_hosts);
	assert_int_not_equal(fd, -1);
	close(fd);
	f->lfd = local_socket(listening, &port);
	f->cfg.ssh.user = (char *)"root";
	f->cfg.ssh.key_file = (char *)"/nonexistent/id_ed25519";
	f->cfg.ssh.known_hosts = f->known_hosts;
	f->cfg.ssh.connect_timeout_ms = connect_ms;
	f->cfg.ssh.command_timeout_ms = command_ms;
	f->cfg.ssh.keepalive_s = 15;
	f->node.name = (char *)"t1";
	f->node.ssh_host = (char *)"127.0.0.1";
	f->node.ssh_port = port;
	f->cfg.nodes = &f->node;
	f->cfg.nnodes = 1;
	snprintf(f->addr, sizeof f->addr, "t1 (127.0.0.1:%d): ", port);
	ssh_init(&f->c, &f->cfg, &f->node);
	return f;
}

static void
fixture_free(struct fixture *f)
{
	ssh_close(&f->c);
	assert_int_equal(f->c.fd, -1);
	assert_null(f->c.session);
	close(f->lfd);
	unlink(f->known_hosts);
	free(f);
}

/* Asserts errstr is the node's prefix followed by `want`. */
static void
assert_err(const struct fixture *f, enum ssh_err err, const char *want)
{
	char full[600];

	snprintf(full, sizeof full, "%s%s", f->addr, want);
	assert_int_equal(f->c.err, err);
	assert_string_equal(f->c.errstr, full);
}

static void
test_connect_refused(void **state)
{
	struct fixture *f = fixture_new(0, 1000, 2000);

	(void)state;
	assert_int_equal(ssh_connect(&f->c, NULL), -1);
	assert_err(f, SSH_E_CONNECT, "cannot connect: Connection refused");
	assert_int_equal(ssh_exit_code(&f->c), EXIT_UNREACHABLE);
	assert_int_equal(f->c.fd, -1);
	fixture_free(f);
}

static void
test_no_known_hosts(void **state)
{
	struct fixture *f = fixture_new(1, 1000, 2000);

	(void)state;
	f->cfg.ssh.known_hosts = (char *)"/nonexistent/known_hosts";
	assert_int_equal(ssh_connect(&f->c, NULL), -1);
	assert_err(f, SSH_E_HOSTKEY, "cannot read known_hosts "
	    "'/nonexistent/known_hosts': No such file or directory");
	assert_int_equal(ssh_exit_code(&f->c), EXIT_UNREACHABLE);
	fixture_free(f);
}

/* A server that accepts and never speaks: the handshake times out. */
static void
test_silent_server(void **state)
{
	struct fixture *f = fixture_new(1, 300, 5000);
	long long t0 = clock_mono_ms(), took;

	(void)state;
	assert_int_equal(ssh_connect(&f->c, NULL), -1);
	took = clock_mono_ms() - t0;
	assert_err(f, SSH_E_TIMEOUT, "timed out after 300 ms during the SSH "
	    "handshake (ssh.connect_timeout_ms)");
	assert_true(took >= 290 && took < 1000);
	assert_int_equal(ssh_exit_code(&f->c), EXIT_UNREACHABLE);
	fixture_free(f);
}

/* In ssh_exec the command timeout bounds the connect too. */
static void
test_exec_silent_server(void **state)
{
	struct fixture *f = fixture_new(1, 5000, 250);
	struct ssh_result res;

	(void)state;
	assert_int_equal(ssh_exec(&f->c, "true", "x\n", 2, collect_line, NULL,
	    &res, NULL), -1);
	assert_err(f, SSH_E_TIMEOUT, "timed out after 250 ms during the SSH "
	    "handshake (ssh.command_timeout_ms)");
	assert_true(res.elapsed_ms >= 240 && res.elapsed_ms < 1000);
	assert_int_equal(res.status, -1);
	assert_int_equal(res.lines, 0);
	assert_null(res.errout);
	ssh_result_free(&res);
	fixture_free(f);
}

struct canceller {
	volatile int *flag;
	int ms;
};

static void *
cancel_later(void *arg)
{
	struct canceller *k = arg;
	struct timespec ts = { 0, k->ms * 1000000L };

	nanosleep(&ts, NULL);
	*k->flag = 1;
	return NULL;
}

static void
test_cancel(void **state)
{
	struct fixture *f = fixture_new(1, 10000, 20000);
	volatile int cancel = 0;
	struct canceller k = { &cancel, 100 };
	struct ssh_result res;
	pthread_t thread;
	long long t0 = clock_mono_ms(), took;

	(void)state;
	pthread_create(&thread, NULL, cancel_later, &k);
	assert_int_equal(ssh_exec(&f->c, "sleep 60", NULL, 0, NULL, NULL, &res,
	    &cancel), -1);
	took = clock_mono_ms() - t0;
	pthread_join(thread, NULL);
	assert_err(f, SSH_E_CANCELLED, "cancelled during the SSH handshake");
	assert_true(took >= 90 && took < 100 + 4 * SSH_CANCEL_POLL_MS);
	assert_int_equal(ssh_exit_code(&f->c), EXIT_FAILED);
	ssh_result_free(&res);

	/* Already cancelled: nothing is waited for. */
	t0 = clock_mono_ms();
	assert_int_equal(ssh_connect(&f->c, &cancel), -1);
	assert_int_equal(f->c.err, SSH_E_CANCELLED);
	assert_true(clock_mono_ms() - t0 < 100);
	fixture_free(f);
}

/* A server that is not SSH: one line of HTTP, then it hangs up. */
static void *
http_server(void *arg)
{
	static const char reply[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	int lfd = *(int *)arg, fd;

	if ((fd = accept(lfd, NULL, NULL)) != -1) {
		if (write(fd, reply, sizeof reply - 1) < 0)
			perror("write");
		close(fd);
	}
	return NULL;
}

static void
test_not_ssh(void **state)
{
	struct fixture *f = fixture_new(1, 2000, 4000);
	pthread_t thread;

	(void)state;
	pthread_create(&thread, NULL, http_server, &f->lfd);
	assert_int_equal(ssh_connect(&f->c, NULL), -1);
	pthread_join(thread, NULL);
	assert_int_equal(f->c.err, SSH_E_CONNECT);
	assert_non_null(strstr(f->c.errstr, "): SSH handshake failed: "));
	fixture_free(f);
}

static void
test_exec_misuse(void **state)
{
	struct fixture *f = fixture_new(0, 1000, 2000);
	struct ssh_result res;
	int next;

	(void)state;
	assert_int_equal(ssh_exec(&f->c, "", NULL, 0, NULL, NULL, &res, NULL),
	    -1);
	assert_err(f, SSH_E_EXEC, "no command to run");
	assert_int_equal(ssh_exit_code(&f->c), EXIT_FAILED);
	ssh_result_free(&res);
	/* Closed: keepalive has nothing to do; closing twice is fine. */
	assert_int_equal(ssh_keepalive(&f->c, &next), 0);
	assert_int_equal(next, 0);
	ssh_close(&f->c);
	ssh_close(&f->c);
	fixture_free(f);
}

/* stderr as one line: lines joined, controls shown, nothing for nothing. */
static void
test_result_said(void **state)
{
	char err[] = "postsuper: fatal: bad\tID\nsecond\x1b[31m line\n";
	struct ssh_result res;
	char buf[64];

	(void)state;
	memset(&res, 0, sizeof res);
	ssh_result_said(&res, buf, sizeof buf);
	assert_string_equal(buf, "");
	res.errout = err;
	res.errlen = strlen(err);
	ssh_result_said(&res, buf, sizeof buf);
	assert_string_equal(buf,
	    "postsuper: fatal: bad ID; second\\x1b[31m line");
	ssh_result_said(&res, buf, 10);
	assert_string_equal(buf, "postsuper");
	/* C1 CSI (OSC 52 and the like start so) and a bidi override. */
	res.errout = "a\xc2\x9b" "2J b\xe2\x80\xae" "c";
	res.errlen = strlen(res.errout);
	ssh_result_said(&res, buf, sizeof buf);
	assert_string_equal(buf, "a\\u009b2J b\\u202ec");
}

/* Keepalives ask for a reply; one unanswered for an interval is a loss. */
static void
test_peer_silent(void **state)
{
	(void)state;
	assert_int_equal(ssh_keepalive_interval(0), 0);
	assert_int_equal(ssh_keepalive_interval(1), 2); /* as libssh2 does */
	assert_int_equal(ssh_keepalive_interval(15), 15);
	/* Nothing asked, or keepalives off: never silent. */
	assert_false(ssh_peer_silent(0, 1000000, 15));
	assert_false(ssh_peer_silent(1000, 1000000, 0));
	/* Asked at 10 s: answered in time until 25 s, gone from then on. */
	assert_false(ssh_peer_silent(10000, 24999, 15));
	assert_true(ssh_peer_silent(10000, 25000, 15));
	/* keepalive_s 1 waits the 2 s libssh2 really uses. */
	assert_false(ssh_peer_silent(10000, 11500, 1));
	assert_true(ssh_peer_silent(10000, 12000, 1));
}

static void
test_stalled(void **state)
{
	(void)state;
	assert_false(ssh_stalled(1000, 1000000, 0));
	assert_false(ssh_stalled(1000, 60999, 60000));
	assert_true(ssh_stalled(1000, 61000, 60000));
}

/* The progress watchdog ends a command that says nothing, whatever the
 * (longer) timeouts allow. */
static void
test_exec_stalled(void **state)
{
	struct fixture *f = fixture_new(1, 5000, 5000);
	struct ssh_result res;

	(void)state;
	f->c.stall_ms = 300;
	f->c.stall_knob = "ssh.progress_timeout_s";
	assert_int_equal(ssh_exec(&f->c, "true", NULL, 0, collect_line, NULL,
	    &res, NULL), -1);
	assert_err(f, SSH_E_TIMEOUT, "no progress for 300 ms during the SSH "
	    "handshake: nothing came from the command (ssh.progress_timeout_s)");
	assert_true(res.elapsed_ms >= 290 && res.elapsed_ms < 1500);
	assert_int_equal(ssh_exit_code(&f->c), EXIT_UNREACHABLE);
	ssh_result_free(&res);
	fixture_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_said),
		cmocka_unit_test(test_lines_split),
		cmocka_unit_test(test_lines_bytewise),
		cmocka_unit_test(test_lines_nul_and_null_reader),
		cmocka_unit_test(test_lines_too_long),
		cmocka_unit_test(test_lines_long),
		cmocka_unit_test(test_lines_abort),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_no_known_hosts),
		cmocka_unit_test(test_silent_server),
		cmocka_unit_test(test_exec_silent_server),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_not_ssh),
		cmocka_unit_test(test_exec_misuse),
		cmocka_unit_test(test_peer_silent),
		cmocka_unit_test(test_stalled),
		cmocka_unit_test(test_exec_stalled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
