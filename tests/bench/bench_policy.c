/* Benchmark: a Postfix policy service under load, as many smtpd processes
 * would drive it: persistent connections on loopback, a realistic request
 * mix, throughput and latency percentiles. Speaks only the delegation
 * protocol, so the same run measures mailnocd and postfwd2. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

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

struct client {
	pthread_t thread;
	int port;
	unsigned seed;
	double seconds;
	double *lat;        /* microseconds, one per answer */
	size_t nlat, cap;
	long answers[4];    /* REJECT, DEFER…, DUNNO/OK, other */
	int failed;
	char cause[160];
};

static volatile int bench_go;

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Builds request number i of a client into buf; returns its length. */
static int
request_make(char *buf, size_t size, unsigned *seed, long i)
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
	    "instance=%lx.%lx\n"
	    "size=%d\n"
	    "\n",
	    eom ? "END-OF-MESSAGE" : "RCPT", ip, i % 7,
	    eom ? "" : "citizen@example.net", eom ? rcpts : 0,
	    eom ? "4BCDEF12345" : "", (long)pthread_self() & 0xffff, i / 5,
	    eom ? 2000 + (int)(rand_r(seed) % 30000) : 0);
}

static void
answer_count(struct client *c, const char *a)
{
	if (strncmp(a, "action=REJECT", 13) == 0)
		c->answers[0]++;
	else if (strncmp(a, "action=DEFER", 12) == 0 ||
	    strncmp(a, "action=4", 8) == 0)
		c->answers[1]++;
	else if (strncmp(a, "action=DUNNO", 12) == 0 ||
	    strncmp(a, "action=dunno", 12) == 0 ||
	    strncmp(a, "action=OK", 9) == 0)
		c->answers[2]++;
	else
		c->answers[3]++;
}

static int
client_connect(struct client *c)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)c->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		snprintf(c->cause, sizeof c->cause, "connect to port %d: %s",
		    c->port, strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void *
client_run(void *arg)
{
	struct client *c = arg;
	char req[1024], in[4096];
	long long start, t0, end;
	long i = 0;
	int fd;

	if ((fd = client_connect(c)) == -1) {
		c->failed = 1;
		return NULL;
	}
	while (!bench_go)
		usleep(1000);
	start = now_ns();
	end = start + (long long)(c->seconds * 1e9);
	while ((t0 = now_ns()) < end) {
		int len = request_make(req, sizeof req, &c->seed, i++);
		size_t have = 0;
		char *stop;

		if (write(fd, req, (size_t)len) != len) {
			snprintf(c->cause, sizeof c->cause, "write: %s",
			    strerror(errno));
			c->failed = 1;
			break;
		}
		/* One answer: "action=…\n\n". */
		for (;;) {
			ssize_t n = read(fd, in + have, sizeof in - 1 - have);

			if (n <= 0) {
				snprintf(c->cause, sizeof c->cause, "the "
				    "server closed the connection");
				c->failed = 1;
				goto out;
			}
			have += (size_t)n;
			in[have] = '\0';
			if ((stop = strstr(in, "\n\n")) != NULL)
				break;
			if (have == sizeof in - 1) {
				snprintf(c->cause, sizeof c->cause, "answer "
				    "too long");
				c->failed = 1;
				goto out;
			}
		}
		if (c->nlat == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			c->lat = realloc(c->lat, c->cap * sizeof *c->lat);
			if (c->lat == NULL) {
				c->failed = 1;
				goto out;
			}
		}
		c->lat[c->nlat++] = (double)(now_ns() - t0) / 1000.0;
		answer_count(c, in);
	}
out:
	close(fd);
	return NULL;
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
	struct client *cl;
	double *all, seconds;
	size_t n = 0, k;
	long answers[4] = { 0, 0, 0, 0 };
	int port, nclients, i, rc = 0;

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
	cl = calloc((size_t)nclients, sizeof *cl);
	if (cl == NULL)
		return 1;
	for (i = 0; i < nclients; i++) {
		cl[i].port = port;
		cl[i].seed = 12345u + (unsigned)i * 7919u;
		cl[i].seconds = seconds;
		pthread_create(&cl[i].thread, NULL, client_run, &cl[i]);
	}
	usleep(200000);
	bench_go = 1;
	for (i = 0; i < nclients; i++) {
		pthread_join(cl[i].thread, NULL);
		if (cl[i].failed && rc == 0) {
			/* The first failure says why; the rest repeat it. */
			fprintf(stderr, "bench_policy: %s: client %d: %s\n",
			    argv[1], i, cl[i].cause);
			rc = 1;
		}
		n += cl[i].nlat;
	}
	all = malloc((n ? n : 1) * sizeof *all);
	if (all == NULL)
		return 1;
	n = 0;
	for (i = 0; i < nclients; i++) {
		memcpy(all + n, cl[i].lat, cl[i].nlat * sizeof *all);
		n += cl[i].nlat;
		for (k = 0; k < 4; k++)
			answers[k] += cl[i].answers[k];
		free(cl[i].lat);
	}
	qsort(all, n, sizeof *all, cmp_double);
	/* One parseable line for the script, then the same for people. */
	printf("%s clients=%d decisions=%zu per_s=%.0f p50_us=%.0f "
	    "p99_us=%.0f max_us=%.0f reject=%ld defer=%ld dunno=%ld "
	    "other=%ld\n", argv[1], nclients, n, (double)n / seconds,
	    n ? all[n / 2] : 0, n ? all[n * 99 / 100] : 0,
	    n ? all[n - 1] : 0, answers[0], answers[1], answers[2],
	    answers[3]);
	free(all);
	free(cl);
	return n == 0 ? 1 : rc;
}
