/*
 * The metrics bench's helper (tests/bench/lab_metrics.sh): what the agent's
 * counters cost, timed in process with nothing else in the way.
 *   bench_metrics counters N   N decisions' worth of counter updates (the
 *                              action's word found and counted, one Redis
 *                              round trip counted): ns per decision
 *   bench_metrics scrape N     N scrapes' worth of reading the counters and
 *                              formatting the page: us per scrape
 * Each prints one line of name=value words and takes the best of five
 * rounds (the least disturbed by other work on the machine).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/metrics.h"

static double
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The answers of the policy service's mix (bench_policy's requests). */
static const char *const actions[] = {
	"DUNNO", "REJECT 5.7.1 blocked by the relay", "DEFER_IF_PERMIT 4.7.1 "
	"over the agency's rate", "OK",
};

static double
round_counters(long n)
{
	double t0 = cpu_ns();
	long i;

	for (i = 0; i < n; i++) {
		metrics_decision(actions[i & 3]);
		metrics_inc(MC_ROUND_TRIPS);
	}
	return (cpu_ns() - t0) / (double)n;
}

static double
round_scrape(long n)
{
	struct metrics_values v;
	size_t bytes = 0;
	double t0 = cpu_ns();
	long i;
	char *s;

	for (i = 0; i < n; i++) {
		metrics_read(&v);
		s = metrics_format(&v, (long long)time(NULL), "bench");
		bytes += strlen(s);
		free(s);
	}
	if (bytes == 0)
		return -1;
	return (cpu_ns() - t0) / (double)n;
}

int
main(int argc, char **argv)
{
	double best = -1, t;
	long n;
	int r;
	const long q[Q_COUNT] = { 0 };

	if (argc != 3 || (n = atol(argv[2])) <= 0 ||
	    (strcmp(argv[1], "counters") != 0 &&
	    strcmp(argv[1], "scrape") != 0)) {
		fprintf(stderr, "usage: bench_metrics counters|scrape N\n");
		return 2;
	}
	metrics_heartbeat((long long)time(NULL), true, q, 0);
	for (r = 0; r < 5; r++) {
		t = argv[1][0] == 'c' ? round_counters(n) : round_scrape(n);
		if (t < 0)
			return 1;
		if (best < 0 || t < best)
			best = t;
	}
	if (argv[1][0] == 'c')
		printf("counters_ns_per_decision=%.1f n=%ld\n", best, n);
	else
		printf("scrape_us=%.1f n=%ld\n", best / 1000, n);
	return 0;
}
