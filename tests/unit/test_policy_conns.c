/* Unit tests of the policy service's hold on its connections: the allow-list
 * and the per-peer count (pure), and a real server on loopback without
 * Redis (every request gets the fail action, DUNNO): peers refused, slots
 * freed by the idle and request timeouts, and no spinning when it runs out
 * of descriptors. */
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
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/policy_peers.h"
#include "agent/policy_server.h"
#include "core/clock.h"
#include "core/config.h"
#include "tmpdir.h"

#define REQUEST	"request=smtpd_access_policy\nprotocol_state=RCPT\n" \
		"client_address=192.0.2.10\n\n"

static struct config		cfg;
static struct config_node	nodes[3];
static struct config_listen	listen_at;
static struct config_net	allow[2];
static char			logfile[128];

static void
addr_of(const char *text, unsigned char *out)
{
	struct sockaddr_in6	s6;
	struct sockaddr_in	s4;

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		assert_int_equal(policy_peer_addr((struct sockaddr *)&s4,
		    out), 0);
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, text, &s6.sin6_addr), 1);
	s6.sin6_family = AF_INET6;
	assert_int_equal(policy_peer_addr((struct sockaddr *)&s6, out), 0);
}

static bool
allowed(const struct policy_peers *pp, const char *text)
{
	unsigned char	a[POLICY_PEER_LEN];

	addr_of(text, a);
	return policy_peers_allowed(pp, a);
}

static void
test_net_parse(void **state)
{
	struct config_net	n;
	unsigned char		a[POLICY_PEER_LEN];
	char			cause[CONFIG_CAUSE_MAX];

	(void)state;
	assert_int_equal(config_net_parse("10.1.0.0/16", &n, cause,
	    sizeof cause), 0);
	addr_of("10.1.200.3", a);
	assert_true(config_net_match(&n, a));
	addr_of("10.2.0.1", a);
	assert_false(config_net_match(&n, a));
	/* IPv4 entries never match an IPv6 peer of the same bytes. */
	addr_of("::a01:1", a);
	assert_false(config_net_match(&n, a));
	config_net_free(&n);
	assert_int_equal(config_net_parse("2001:db8::/33", &n, cause,
	    sizeof cause), 0);
	addr_of("2001:db8:7fff::1", a);
	assert_true(config_net_match(&n, a));
	addr_of("2001:db8:8000::1", a);
	assert_false(config_net_match(&n, a));
	config_net_free(&n);
	assert_int_equal(config_net_parse("0.0.0.0/0", &n, cause,
	    sizeof cause), 0);
	addr_of("198.51.100.7", a);
	assert_true(config_net_match(&n, a));
	config_net_free(&n);

	assert_int_equal(config_net_parse("10.0.0.0/33", &n, cause,
	    sizeof cause), -1);
	assert_string_equal(cause, "'10.0.0.0/33' is not an address or a "
	    "network: an IPv4 prefix has at most 32 bits");
	assert_int_equal(config_net_parse("10.0.0.0/", &n, cause,
	    sizeof cause), -1);
	assert_int_equal(config_net_parse("10.0.0.0/x", &n, cause,
	    sizeof cause), -1);
	assert_int_equal(config_net_parse("", &n, cause, sizeof cause), -1);
	assert_int_equal(config_net_parse("/8", &n, cause, sizeof cause), -1);
	assert_int_equal(config_net_parse("2001:db8::1/64", &n, cause,
	    sizeof cause), -1);
}

static void
fake_nodes(void)
{
	memset(&cfg, 0, sizeof cfg);
	memset(nodes, 0, sizeof nodes);
	memset(&listen_at, 0, sizeof listen_at);
	cfg.redis.host = (char *)"127.0.0.1";
	cfg.redis.port = 1;	/* nothing answers: the fail action */
	cfg.redis.prefix = (char *)"noc:";
	cfg.redis.connect_timeout_ms = 200;
	cfg.redis.command_timeout_ms = 200;
	cfg.nodes = nodes;
	cfg.nnodes = 3;
	nodes[0] = (struct config_node){ .name = (char *)"gw1",
	    .role = NODE_GATEWAY, .ssh_host = (char *)"192.0.2.5" };
	nodes[1] = (struct config_node){ .name = (char *)"gw2",
	    .role = NODE_GATEWAY, .ssh_host = (char *)"localhost" };
	nodes[2] = (struct config_node){ .name = (char *)"mbx1",
	    .role = NODE_MAILBOX, .ssh_host = (char *)"192.0.2.99" };
}

/* Without policy.allow: loopback and the gateways, not the mailbox nodes. */
static void
test_peers_default(void **state)
{
	struct policy_peers	pp;
	struct config_listen	l[2];
	char			warning[256], text[512];

	(void)state;
	fake_nodes();
	memset(l, 0, sizeof l);
	l[0].host = (char *)"10.1.1.1";
	l[1].host = (char *)"0.0.0.0";
	nodes[1].policy.listen = l;
	nodes[1].policy.nlisten = 2;
	policy_peers_init(&pp, &cfg, &nodes[0], 16, warning, sizeof warning);
	assert_true(pp.defaulted);
	assert_string_equal(warning, "");
	assert_true(allowed(&pp, "127.0.0.1"));
	assert_true(allowed(&pp, "127.3.2.1"));
	assert_true(allowed(&pp, "::1"));
	assert_true(allowed(&pp, "192.0.2.5"));
	assert_true(allowed(&pp, "10.1.1.1"));
	assert_false(allowed(&pp, "192.0.2.99"));
	assert_false(allowed(&pp, "198.51.100.1"));
	assert_false(allowed(&pp, "0.0.0.0"));
	assert_false(allowed(&pp, "2001:db8::1"));
	policy_peers_describe(&pp, text, sizeof text);
	assert_non_null(strstr(text, "127.0.0.0/8, ::1, 192.0.2.5"));
	assert_non_null(strstr(text, "10.1.1.1"));
	policy_peers_free(&pp);
}

static void
test_peers_configured(void **state)
{
	struct policy_peers	pp;
	char			warning[256], cause[CONFIG_CAUSE_MAX];
	char			text[512];

	(void)state;
	fake_nodes();
	assert_int_equal(config_net_parse("127.0.0.1", &allow[0], cause,
	    sizeof cause), 0);
	assert_int_equal(config_net_parse("192.0.2.16/28", &allow[1], cause,
	    sizeof cause), 0);
	nodes[0].policy.allow = allow;
	nodes[0].policy.nallow = 2;
	policy_peers_init(&pp, &cfg, &nodes[0], 16, warning, sizeof warning);
	assert_false(pp.defaulted);
	assert_true(allowed(&pp, "127.0.0.1"));
	assert_false(allowed(&pp, "127.0.0.2"));
	assert_false(allowed(&pp, "::1"));
	assert_true(allowed(&pp, "192.0.2.31"));
	assert_false(allowed(&pp, "192.0.2.32"));
	assert_false(allowed(&pp, "192.0.2.15"));
	/* The gateways are not added to a configured list. */
	assert_false(allowed(&pp, "192.0.2.5"));
	policy_peers_describe(&pp, text, sizeof text);
	assert_string_equal(text, "127.0.0.1, 192.0.2.16/28");
	policy_peers_free(&pp);
	/* An empty list: nobody over TCP. */
	nodes[0].policy.nallow = 0;
	policy_peers_init(&pp, &cfg, &nodes[0], 16, warning, sizeof warning);
	assert_false(allowed(&pp, "127.0.0.1"));
	policy_peers_describe(&pp, text, sizeof text);
	assert_string_equal(text, "nobody");
	policy_peers_free(&pp);
	config_net_free(&allow[0]);
	config_net_free(&allow[1]);
	nodes[0].policy.allow = NULL;
}

/* Counting per peer: many addresses, the cap, removal in any order. */
static void
test_peers_count(void **state)
{
	struct policy_peers	pp;
	unsigned char		a[POLICY_PEER_LEN];
	char			warning[256], text[64];
	int			i, j;

	(void)state;
	fake_nodes();
	policy_peers_init(&pp, &cfg, &nodes[0], 300, warning, sizeof warning);
	for (i = 0; i < 100; i++) {
		snprintf(text, sizeof text, "10.0.%d.%d", i / 7, i);
		addr_of(text, a);
		for (j = 0; j < 3; j++)
			assert_int_equal(policy_peers_add(&pp, a, 3), j + 1);
		assert_int_equal(policy_peers_add(&pp, a, 3), -1);
	}
	assert_int_equal(pp.used, 100);
	/* Remove every other address completely, the rest once. */
	for (i = 0; i < 100; i++) {
		snprintf(text, sizeof text, "10.0.%d.%d", i / 7, i);
		addr_of(text, a);
		for (j = 0; j < (i % 2 ? 1 : 3); j++)
			policy_peers_remove(&pp, a);
	}
	assert_int_equal(pp.used, 50);
	for (i = 0; i < 100; i++) {
		snprintf(text, sizeof text, "10.0.%d.%d", i / 7, i);
		addr_of(text, a);
		assert_int_equal(policy_peers_count(&pp, a), i % 2 ? 2 : 0);
	}
	addr_of("2001:db8::7", a);
	assert_int_equal(policy_peers_count(&pp, a), 0);
	policy_peers_remove(&pp, a);	/* not counted: nothing happens */
	assert_int_equal(pp.used, 50);
	policy_peers_free(&pp);
}

/* ------------------------------------------------------------ a server */

static int
free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof sa;
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* A server on 127.0.0.1 for nodes[0], its log in logfile. */
static struct policy_server *
server_up(void)
{
	struct policy_server	*ps;
	char			 cause[CONFIG_CAUSE_MAX];

	listen_at.host = (char *)"127.0.0.1";
	listen_at.port = free_port();
	listen_at.text = (char *)"127.0.0.1:test";
	nodes[0].policy.listen = &listen_at;
	nodes[0].policy.nlisten = 1;
	nodes[0].policy.fail_action = (char *)"DUNNO";
	nodes[0].policy.accept_action = (char *)"DUNNO";
	nodes[0].policy.redis_timeout_ms = 50;
	if (nodes[0].policy.max_clients == 0)
		nodes[0].policy.max_clients = 1024;
	if (nodes[0].policy.max_clients_per_peer == 0)
		nodes[0].policy.max_clients_per_peer = 512;
	if (nodes[0].policy.idle_timeout_s == 0)
		nodes[0].policy.idle_timeout_s = 300;
	if (nodes[0].policy.request_timeout_s == 0)
		nodes[0].policy.request_timeout_s = 10;
	nodes[0].policy.max_recipient_count = 10000;
	nodes[0].policy.max_message_size = 1LL << 30;
	snprintf(logfile, sizeof logfile, "%s/agent.log", dir);
	unlink(logfile);
	assert_int_equal(log_open(logfile, "test", cause, sizeof cause), 0);
	ps = policy_server_open(&cfg, &nodes[0], false, cause, sizeof cause);
	if (ps == NULL)
		fail_msg("%s", cause);
	assert_int_equal(policy_server_start(ps, cause, sizeof cause), 0);
	return ps;
}

static void
server_down(struct policy_server *ps)
{
	policy_server_stop(ps);
	log_close();
}

/* A client from `from` (a loopback address); -1 when it cannot connect. */
static int
client(const char *from)
{
	struct sockaddr_in	sa;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, from, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		close(fd);
		return -1;
	}
	sa.sin_port = htons((uint16_t)listen_at.port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
say(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL),
	    (ssize_t)strlen(s));
}

/*
 * Reads until an answer's empty line or the end, at most ms: 1 for
 * "action=DUNNO", 0 when the server closed without an answer, -1 when
 * neither came in time.
 */
static int
answer(int fd, int ms)
{
	char		buf[256];
	size_t		len = 0;
	ssize_t		n;
	long long	end = clock_mono_ms() + ms;
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	for (;;) {
		long long left = end - clock_mono_ms();

		if (poll(&pfd, 1, left > 0 ? (int)left : 0) != 1)
			return -1;
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\n\n") != NULL)
			return strcmp(buf, "action=DUNNO\n\n") == 0 ? 1 : -1;
	}
}

/* Lines of the log holding `s`. */
static int
log_count(const char *s)
{
	char	line[1024];
	FILE	*f = fopen(logfile, "r");
	int	n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, s) != NULL;
	fclose(f);
	return n;
}

/* A peer not on the allow-list is closed at once and logged; one at its
 * per-peer cap too; others are served. */
static void
test_server_peers(void **state)
{
	struct policy_server	*ps;
	char			 cause[CONFIG_CAUSE_MAX];
	int			 fd[3], extra, other, denied, i;

	(void)state;
	fake_nodes();
	assert_int_equal(config_net_parse("127.0.0.1", &allow[0], cause,
	    sizeof cause), 0);
	assert_int_equal(config_net_parse("127.0.0.3", &allow[1], cause,
	    sizeof cause), 0);
	nodes[0].policy.allow = allow;
	nodes[0].policy.nallow = 2;
	nodes[0].policy.max_clients_per_peer = 3;
	ps = server_up();

	for (i = 0; i < 3; i++) {
		fd[i] = client("127.0.0.1");
		assert_true(fd[i] >= 0);
		say(fd[i], REQUEST);
		assert_int_equal(answer(fd[i], 5000), 1);
	}
	extra = client("127.0.0.1");
	assert_true(extra >= 0);
	send(extra, REQUEST, strlen(REQUEST), MSG_NOSIGNAL);
	assert_int_equal(answer(extra, 5000), 0);
	close(extra);
	other = client("127.0.0.3");
	assert_true(other >= 0);
	say(other, REQUEST);
	assert_int_equal(answer(other, 5000), 1);
	denied = client("127.0.0.2");
	assert_true(denied >= 0);
	/* Closed without reading a byte: a reset is as good as the end. */
	send(denied, REQUEST, strlen(REQUEST), MSG_NOSIGNAL);
	assert_int_equal(answer(denied, 5000), 0);
	close(denied);
	/* A slot given back is a slot for the same peer again. */
	close(fd[0]);
	for (i = 0; i < 50; i++) {
		fd[0] = client("127.0.0.1");
		send(fd[0], REQUEST, strlen(REQUEST), MSG_NOSIGNAL);
		if (answer(fd[0], 5000) == 1)
			break;
		close(fd[0]);
		usleep(20000);
	}
	assert_true(i < 50);

	assert_int_equal(log_count("policy: refused a connection from "
	    "127.0.0.2 on 127.0.0.1:test: not on the allow-list "
	    "(policy.allow)"), 1);
	assert_int_equal(log_count("policy: 127.0.0.1 holds 3 connections, "
	    "the limit (max_clients_per_peer): refusing more from it"), 1);
	assert_int_equal(log_count("policy: TCP clients accepted from "
	    "127.0.0.1, 127.0.0.3 (policy.allow)"), 1);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	close(other);
	server_down(ps);
	config_net_free(&allow[0]);
	config_net_free(&allow[1]);
	nodes[0].policy.allow = NULL;
}

/* True when the server closed fd (end of stream) within ms. */
static bool
closed_within(int fd, int ms)
{
	return answer(fd, ms) == 0;
}

/*
 * Half a request holds its slot for request_timeout_s, and so does a
 * connection that never asks; one that was answered and is idle is kept
 * for idle_timeout_s; a client that trickles bytes never completing a
 * request is closed like a silent one, and one that keeps asking is not.
 */
static void
test_server_timeouts(void **state)
{
	struct policy_server	*ps;
	long long		 t0, t;
	int			 half, idle, trickle, busy, silent, i;

	(void)state;
	fake_nodes();
	nodes[0].policy.request_timeout_s = 1;
	nodes[0].policy.idle_timeout_s = 6;
	ps = server_up();
	t0 = clock_mono_ms();
	half = client("127.0.0.1");
	idle = client("127.0.0.1");
	trickle = client("127.0.0.1");
	busy = client("127.0.0.1");
	silent = client("127.0.0.1");
	assert_true(half >= 0 && idle >= 0 && trickle >= 0 && busy >= 0 &&
	    silent >= 0);
	say(idle, REQUEST);
	assert_int_equal(answer(idle, 5000), 1);
	say(half, "request=smtpd_access_policy\nclient_addr");
	say(trickle, "request=smtpd_access_policy\n");
	for (i = 0; i < 14; i++) {
		/* A byte every 300 ms: never a whole request. */
		send(trickle, "x", 1, MSG_NOSIGNAL);
		say(busy, REQUEST);
		assert_int_equal(answer(busy, 5000), 1);
		usleep(300000);
	}
	/* Over 4 s: half and trickle (1 s, checked every second) are gone. */
	assert_true(closed_within(half, 0));
	assert_true(closed_within(trickle, 0));
	assert_true(closed_within(silent, 0));
	t = clock_mono_ms() - t0;
	/* The idle one is kept for 6 s. */
	if (t < 5500)
		assert_int_equal(answer(idle, 0), -1);
	assert_true(closed_within(idle, 8000));
	assert_true(clock_mono_ms() - t0 >= 6000);
	/* The busy one asked within the idle timeout: kept. */
	say(busy, REQUEST);
	assert_int_equal(answer(busy, 5000), 1);
	/* Three closed within a second: one line (the first), the rest
	 * counted for the next. */
	assert_int_equal(log_count("for 1 s (request_timeout_s)"), 1);
	close(silent);
	close(half);
	close(idle);
	close(trickle);
	close(busy);
	server_down(ps);
	nodes[0].policy.request_timeout_s = 0;
	nodes[0].policy.idle_timeout_s = 0;
}

/*
 * The reproducer of issue 12: out of descriptors, a level-triggered
 * listener made accept fail again and again (millions of log lines a
 * second, a core busy). Now it rests, logs once, and serves the waiting
 * clients once descriptors are free. Runs in a child, whose descriptor
 * limit is lowered for good.
 */
static int
emfile_child(void)
{
	struct policy_server	*ps;
	struct rlimit		 rl = { 64, 64 };
	struct rusage		 ru0, ru1;
	int			 go[2], ready[2], fds[128], nfd = 0, i, st;
	long long		 cpu_us;
	pid_t			 pid;
	char			 c;

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || pipe(go) == -1 ||
	    pipe(ready) == -1)
		return 10;
	fake_nodes();
	ps = server_up();
	/* 64 - 32 kept - 1 listener. */
	if (log_count("policy: max_clients 1024 lowered to 31: the "
	    "descriptor limit (ulimit -n, the hard limit) is 64") != 1)
		return 11;
	if ((pid = fork()) == 0) {
		int	cl[5], n, ok = 0;

		if (read(go[0], &c, 1) != 1)
			_exit(20);
		for (n = 0; n < 5; n++) {
			if ((cl[n] = client("127.0.0.1")) == -1)
				_exit(21);
			say(cl[n], REQUEST);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(22);
		for (n = 0; n < 5; n++)
			ok += answer(cl[n], 10000) == 1;
		_exit(ok == 5 ? 0 : 23);
	}
	/* Every descriptor taken: accept can only fail. */
	while (nfd < 128 && (fds[nfd] = dup(0)) != -1)
		nfd++;
	if (errno != EMFILE)
		return 12;
	getrusage(RUSAGE_SELF, &ru0);
	if (write(go[1], "g", 1) != 1 || read(ready[0], &c, 1) != 1)
		return 13;
	usleep(1500000);
	getrusage(RUSAGE_SELF, &ru1);
	cpu_us = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1000000LL +
	    (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) +
	    (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000000LL +
	    (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	if (waitpid(pid, &st, 0) != pid)
		return 14;
	i = log_count("policy: cannot accept on 127.0.0.1:test: Too many "
	    "open files; not accepting for 250 ms");
	server_down(ps);
	if (i < 1 || i > 2) {
		fprintf(stderr, "%d lines about accept\n", i);
		return 15;
	}
	/* Spinning used a whole core: 1.5 s. Resting, about nothing. */
	if (cpu_us > 500000) {
		fprintf(stderr, "%lld us of CPU in 1.5 s\n", cpu_us);
		return 16;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "the clients were not served (%d)\n",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return 17;
	}
	return 0;
}

static void
test_server_emfile(void **state)
{
	pid_t	pid;
	int	st;

	(void)state;
	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(emfile_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A limit that leaves no room for a client refuses to start. */
static int
tiny_child(void)
{
	struct policy_server	*ps;
	struct rlimit		 rl = { 30, 30 };
	char			 cause[CONFIG_CAUSE_MAX];

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 10;
	fake_nodes();
	listen_at.host = (char *)"127.0.0.1";
	listen_at.port = free_port();
	listen_at.text = (char *)"127.0.0.1:test";
	nodes[0].policy.listen = &listen_at;
	nodes[0].policy.nlisten = 1;
	nodes[0].policy.max_clients = 1024;
	ps = policy_server_open(&cfg, &nodes[0], false, cause, sizeof cause);
	if (ps != NULL)
		return 11;
	return strcmp(cause, "cannot start the policy service: the "
	    "descriptor limit (ulimit -n) is 30 and the agent keeps 33 for "
	    "itself: no room for a client; raise the hard limit") == 0 ? 0 :
	    12;
}

static void
test_server_tiny_limit(void **state)
{
	pid_t	pid;
	int	st;

	(void)state;
	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(tiny_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The soft limit is raised to the hard one at start. */
static int
raise_child(void)
{
	struct policy_server	*ps;
	struct rlimit		 rl = { 100, 200 };

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 10;
	fake_nodes();
	ps = server_up();
	getrlimit(RLIMIT_NOFILE, &rl);
	server_down(ps);
	if (rl.rlim_cur != 200)
		return 11;
	/* 200 - 33 leaves room for 167, not the default 1024. */
	return log_count("max_clients 1024 lowered to 167") == 1 ? 0 : 12;
}

static void
test_server_raise_limit(void **state)
{
	pid_t	pid;
	int	st;

	(void)state;
	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(raise_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_parse),
		cmocka_unit_test(test_peers_default),
		cmocka_unit_test(test_peers_configured),
		cmocka_unit_test(test_peers_count),
		cmocka_unit_test(test_server_peers),
		cmocka_unit_test(test_server_timeouts),
		cmocka_unit_test(test_server_emfile),
		cmocka_unit_test(test_server_tiny_limit),
		cmocka_unit_test(test_server_raise_limit),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
