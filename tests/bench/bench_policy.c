/* Benchmark: a Postfix policy service under load, as many smtpd processes
 * would drive it: persistent connections on loopback, a realistic request
 * mix, throughput and latency percentiles. Speaks only the delegation
 * protocol, so the same run measures mailnocd and postfwd2. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>


/*
 * The address pools, shared with the script that seeds Redis and writes
 * postfwd2's rules (tests/bench/lab_policy.sh): permitted 10.1.A.H for
 * agency A < AGENCIES and host H in 1..HOSTS, blocked 10.2.0.H, unregistered
 * 10.3.0.H.
 */
#define AGENCIES 20
#define HOSTS    10
#define BLOCKED  50
#define UNREG    200

/* One persistent connection: a client that sends its next request as soon
 * as the answer to the last one is in (a busy smtpd). */
struct client {
	int fd;
	unsigned seed;
	long sent;
	long long t0;       /* when the request in flight was sent */
	char in[4096];
	size_t have;
};

struct result {
	double *lat;        /* microseconds, one per answer */
	size_t nlat, cap;
	long answers[4];    /* REJECT, DEFER…, DUNNO/OK, other */
	char cause[160];
};

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Builds request number i of a client into buf; returns its length. */
static int
request_make(char *buf, size_t size, unsigned *seed, long i, int client)
{
	char ip[32];
	int pick = (int)(rand_r(seed) % 100);
	int eom = i % 5 == 4;
	int rcpts = 1 + (int)(rand_r(seed) % 3);

	if (pick < 80)
		snprintf(ip, sizeof ip, "10.1.%d.%d",
		    (int)(rand_r(seed) % AGENCIES),
		    1 + (int)(rand_r(seed) % HOSTS));
	else if (pick < 90)
		snprintf(ip, sizeof ip, "10.2.0.%d",
		    1 + (int)(rand_r(seed) % BLOCKED));
	else
		snprintf(ip, sizeof ip, "10.3.0.%d",
		    1 + (int)(rand_r(seed) % UNREG));
	return snprintf(buf, size,
	    "request=smtpd_access_policy\n"
	    "protocol_state=%s\n"
	    "protocol_name=ESMTP\n"
	    "client_address=%s\n"
	    "client_name=unknown\n"
	    "reverse_client_name=unknown\n"
	    "helo_name=app%ld.agency.example\n"
	    "sender=app@agency.example\n"
	    "recipient=%s\n"
	    "recipient_count=%d\n"
	    "queue_id=%s\n"
	    "instance=%x.%lx\n"
	    "size=%d\n"
	    "\n",
	    eom ? "END-OF-MESSAGE" : "RCPT", ip, i % 7,
	    eom ? "" : "citizen@example.net", eom ? rcpts : 0,
	    eom ? "4BCDEF12345" : "", client, i / 5,
	    eom ? 2000 + (int)(rand_r(seed) % 30000) : 0);
}

static void
answer_count(struct result *r, const char *a)
{
	if (strncmp(a, "action=REJECT", 13) == 0)
		r->answers[0]++;
	else if (strncmp(a, "action=DEFER", 12) == 0 ||
	    strncmp(a, "action=4", 8) == 0)
		r->answers[1]++;
	else if (strncmp(a, "action=DUNNO", 12) == 0 ||
	    strncmp(a, "action=dunno", 12) == 0 ||
	    strncmp(a, "action=OK", 9) == 0)
		r->answers[2]++;
	else
		r->answers[3]++;
}

static int
client_connect(int port, struct result *r)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		snprintf(r->cause, sizeof r->cause, "connect to port %d: %s",
		    port, strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int
client_send(struct client *c, int idx, struct result *r)
{
	char req[1024];
	int len = request_make(req, sizeof req, &c->seed, c->sent++, idx);

	c->t0 = now_ns();
	if (write(c->fd, req, (size_t)len) != len) {
		snprintf(r->cause, sizeof r->cause, "write: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Reads what arrived; returns 1 when the answer is complete, 0, or -1. */
static int
client_read(struct client *c, struct result *r)
{
	ssize_t n = read(c->fd, c->in + c->have, sizeof c->in - 1 - c->have);

	if (n <= 0) {
		snprintf(r->cause, sizeof r->cause, "the server closed the "
		    "connection");
		return -1;
	}
	c->have += (size_t)n;
	c->in[c->have] = '\0';
	if (strstr(c->in, "\n\n") == NULL) {
		if (c->have == sizeof c->in - 1) {
			snprintf(r->cause, sizeof r->cause, "answer too long");
			return -1;
		}
		return 0;
	}
	if (r->nlat == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 65536;
		r->lat = realloc(r->lat, r->cap * sizeof *r->lat);
		if (r->lat == NULL)
			return -1;
	}
	r->lat[r->nlat++] = (double)(now_ns() - c->t0) / 1000.0;
	answer_count(r, c->in);
	c->have = 0;
	return 1;
}

/*
 * All clients on one thread with epoll: the load generator costs little
 * CPU of its own, so on a small machine the figures are the server's.
 */
static int
bench_run(int port, int nclients, double seconds, struct result *r)
{
	struct epoll_event ev, evs[256];
	struct client *cl;
	long long end;
	int ep, i, n, rc = 0;

	if ((cl = calloc((size_t)nclients, sizeof *cl)) == NULL ||
	    (ep = epoll_create1(0)) == -1)
		return -1;
	for (i = 0; i < nclients; i++) {
		cl[i].seed = 12345u + (unsigned)i * 7919u;
		if ((cl[i].fd = client_connect(port, r)) == -1)
			return -1;
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev);
	}
	end = now_ns() + (long long)(seconds * 1e9);
	for (i = 0; i < nclients; i++)
		if (client_send(&cl[i], i, r) == -1)
			return -1;
	while (rc == 0 && now_ns() < end) {
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n && rc == 0; i++) {
			int k = (int)evs[i].data.u32, got;

			if ((got = client_read(&cl[k], r)) == -1)
				rc = -1;
			else if (got == 1 && now_ns() < end &&
			    client_send(&cl[k], k, r) == -1)
				rc = -1;
		}
	}
	for (i = 0; i < nclients; i++)
		close(cl[i].fd);
	close(ep);
	free(cl);
	return rc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct result r;
	double seconds;
	size_t n;
	int port, nclients;

	if (argc != 5) {
		fprintf(stderr, "usage: bench_policy NAME PORT CLIENTS "
		    "SECONDS\n");
		return 2;
	}
	port = atoi(argv[2]);
	nclients = atoi(argv[3]);
	seconds = atof(argv[4]);
	if (port <= 0 || nclients <= 0 || nclients > 1000 || seconds <= 0) {
		fprintf(stderr, "bench_policy: bad arguments\n");
		return 2;
	}
	memset(&r, 0, sizeof r);
	if (bench_run(port, nclients, seconds, &r) == -1) {
		fprintf(stderr, "bench_policy: %s: %s\n", argv[1], r.cause[0] ?
		    r.cause : strerror(errno));
		return 1;
	}
	n = r.nlat;
	qsort(r.lat, n, sizeof *r.lat, cmp_double);
	/* One parseable line for the script, and for people. */
	printf("%s clients=%d decisions=%zu per_s=%.0f p50_us=%.0f "
	    "p99_us=%.0f max_us=%.0f reject=%ld defer=%ld dunno=%ld "
	    "other=%ld\n", argv[1], nclients, n, (double)n / seconds,
	    n ? r.lat[n / 2] : 0, n ? r.lat[n * 99 / 100] : 0,
	    n ? r.lat[n - 1] : 0, r.answers[0], r.answers[1], r.answers[2],
	    r.answers[3]);
	free(r.lat);
	return n == 0 ? 1 : 0;
}
