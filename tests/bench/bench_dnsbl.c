/* One block-list round (every egress address of a node on every zone, in
 * parallel through libunbound) against the same look-ups one at a time,
 * each with a cold cache. Prints the query names with --names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/dns.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/dnsbl.h"
#include "core/xalloc.h"

static int
bench_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long
bench_median_us(long long *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, bench_cmp);
	return v[n / 2];
}

static long long
bench_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	const struct config_node *node;
	struct config *cfg;
	struct dns d;
	struct dnsbl_answer *out;
	char cause[512], name[DNSBL_NAME_MAX];
	long long par[32], seq[32], t0;
	size_t n, i, failed = 0;
	int rounds, r, names;

	names = argc > 1 && strcmp(argv[1], "--names") == 0;
	if (argc != 4) {
		fprintf(stderr, "usage: bench_dnsbl [--names] CONFIG NODE "
		    "ROUNDS\n");
		return 2;
	}
	if ((cfg = config_load(argv[1 + names], cause, sizeof cause)) ==
	    NULL || (node = config_node_find(cfg, argv[2 + names])) == NULL) {
		fprintf(stderr, "bench_dnsbl: %s\n", cfg == NULL ? cause :
		    "no such node");
		return 2;
	}
	n = node->negress * cfg->dnsbl.nzones;
	if (names) {
		for (i = 0; i < n; i++) {
			dnsbl_query_name(node->egress[i / cfg->dnsbl.nzones],
			    cfg->dnsbl.zones[i % cfg->dnsbl.nzones], name,
			    sizeof name);
			printf("%s\n", name);
		}
		config_free(cfg);
		return 0;
	}
	rounds = atoi(argv[3]);
	if (rounds < 1 || rounds > 32)
		rounds = 5;
	if (dns_open(&d, cfg, cause, sizeof cause) == -1) {
		fprintf(stderr, "bench_dnsbl: %s\n", cause);
		return 1;
	}
	out = xcalloc(n, sizeof *out);
	for (r = 0; r < rounds; r++) {
		/* Parallel: one round, as the agent runs it. */
		dns_flush(&d, cause, sizeof cause);
		t0 = bench_us();
		dns_dnsbl_round(&d, node->egress, node->negress,
		    cfg->dnsbl.zones, cfg->dnsbl.nzones, out, cause,
		    sizeof cause);
		par[r] = bench_us() - t0;
		for (i = 0; i < n; i++)
			failed += out[i].outcome == DNSBL_FOUND_FAILED;
		/* Sequential in the same process: one look-up at a time. */
		dns_flush(&d, cause, sizeof cause);
		t0 = bench_us();
		for (i = 0; i < n; i++) {
			struct dns_query q;

			memset(&q, 0, sizeof q);
			dnsbl_query_name(node->egress[i / cfg->dnsbl.nzones],
			    cfg->dnsbl.zones[i % cfg->dnsbl.nzones], name,
			    sizeof name);
			q.name = name;
			q.type = DNS_TYPE_A;
			dns_batch(&d, &q, 1, d.timeout_ms, cause, sizeof cause);
			dns_batch_free(&q, 1);
		}
		seq[r] = bench_us() - t0;
	}
	printf("%zu %lld %lld %zu\n", n, bench_median_us(par, rounds),
	    bench_median_us(seq, rounds), failed);
	free(out);
	dns_close(&d);
	config_free(cfg);
	return 0;
}
