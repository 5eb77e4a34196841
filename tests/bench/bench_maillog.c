/*
 * The mail log bench's helper (tests/bench/lab_maillog.sh):
 *   bench_maillog gen TEMPLATE N OUT   N lines made of the lab's real lines,
 *                                      repeated with fresh queue IDs and
 *                                      times spread over a day
 *   bench_maillog open N OUT           N messages opened (client= lines)
 *                                      and never finished
 *   bench_maillog parse FILE           parse and tally FILE in process:
 *                                      lines/s and CPU, no Redis
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/maillog_parse.h"
#include "core/maillog_tally.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* A queue ID of the lab: 9-12 upper-case hex digits. */
static size_t
hex_id(const char *p)
{
	size_t n = 0;

	while (isxdigit((unsigned char)p[n]) && !islower((unsigned char)p[n]))
		n++;
	return n >= 9 && n <= 12 ? n : 0;
}

/* Writes one template line for repetition r at time t (seconds of day). */
static void
gen_line(FILE *out, const char *l, unsigned r, long t)
{
	const char *p = l + 15;   /* after "Dec 05 HH:MM:SS" */
	size_t n;

	fprintf(out, "Dec 05 %02ld:%02ld:%02ld", t / 3600 % 24, t / 60 % 60,
	    t % 60);
	while (*p != '\0') {
		bool boundary = p > l && (p[-1] == ' ' || p[-1] == ':');

		if (boundary && (n = hex_id(p)) > 0 && (p[n] == ':' ||
		    p[n] == '\n' || p[n] == '\0')) {
			fprintf(out, "%04X", r & 0xffff);
			fwrite(p + 4, 1, n - 4, out);
			p += n;
			continue;
		}
		fputc(*p++, out);
	}
}

static int
gen(const char *template, long n, const char *path)
{
	char **lines = NULL, buf[MAILLOG_LINE_MAX + 2];
	size_t nl = 0, cap = 0, i;
	long written = 0, reps;
	unsigned r = 0;
	FILE *in, *out;

	if ((in = fopen(template, "r")) == NULL) {
		perror(template);
		return 1;
	}
	while (fgets(buf, sizeof buf, in) != NULL) {
		if (strlen(buf) < 20)
			continue;
		if (nl == cap) {
			cap = cap ? cap * 2 : 256;
			lines = realloc(lines, cap * sizeof *lines);
		}
		lines[nl++] = strdup(buf);
	}
	fclose(in);
	if (nl == 0 || (out = fopen(path, "w")) == NULL) {
		fprintf(stderr, "bench_maillog: no template lines or %s\n",
		    path);
		return 1;
	}
	reps = (n + (long)nl - 1) / (long)nl;
	while (written < n) {
		long t = (long)r * 86000 / (reps > 0 ? reps : 1);

		for (i = 0; i < nl && written < n; i++, written++)
			gen_line(out, lines[i], r, t);
		r++;
	}
	fclose(out);
	for (i = 0; i < nl; i++)
		free(lines[i]);
	free(lines);
	return 0;
}

static int
open_msgs(long n, const char *path)
{
	FILE *out = fopen(path, "w");
	long i;

	if (out == NULL) {
		perror(path);
		return 1;
	}
	for (i = 0; i < n; i++)
		fprintf(out, "Dec 05 00:%02ld:%02ld gw1 postfix-gw1/smtpd[%ld]: "
		    "%011lX: client=unknown[10.%ld.%ld.%ld]\n", i / 60000 % 60,
		    i / 1000 % 60, 1000 + i % 50, 0x10000000000L + i,
		    i / 65536 % 256, i / 256 % 256, i % 256);
	fclose(out);
	return 0;
}

static const char *
agency(void *arg, const char *ip)
{
	(void)arg;
	return strncmp(ip, "127.0.0.", 8) == 0 ? "lab" : NULL;
}

static int
parse(const char *path)
{
	static char buf[1 << 20];
	struct maillog_parser p;
	struct maillog_limits lim;
	struct maillog_tally t;
	struct maillog_rec r;
	size_t have = 0, n;
	double t0 = now_s(), c0 = cpu_s(), el, cpu;
	unsigned long long lines = 0;
	FILE *in = fopen(path, "r");

	if (in == NULL) {
		perror(path);
		return 1;
	}
	maillog_parser_init(&p, 1796431594LL);
	maillog_limits_init(&lim);
	maillog_tally_init(&t, "gw1", &lim, agency, NULL, NULL);
	while ((n = fread(buf + have, 1, sizeof buf - have, in)) > 0) {
		char *s = buf, *end = buf + have + n, *nl;

		while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
			maillog_parse(&p, s, (size_t)(nl - s), &r);
			maillog_tally_add(&t, &r);
			if (++lines % 5000 == 0)
				maillog_tally_clear(&t);
			s = nl + 1;
		}
		have = (size_t)(end - s);
		memmove(buf, s, have);
	}
	fclose(in);
	el = now_s() - t0;
	cpu = cpu_s() - c0;
	printf("in-process parse+tally: %llu lines in %.3f s, %.0f lines/s, "
	    "CPU %.3f s; skipped %llu, malformed %llu, open at the end %zu\n",
	    lines, el, lines / el, cpu, t.stats.kind[MAILLOG_SKIP],
	    t.stats.kind[MAILLOG_BAD], maillog_tally_open(&t));
	maillog_tally_free(&t);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], atol(argv[3]), argv[4]);
	if (argc == 4 && strcmp(argv[1], "open") == 0)
		return open_msgs(atol(argv[2]), argv[3]);
	if (argc == 3 && strcmp(argv[1], "parse") == 0)
		return parse(argv[2]);
	fprintf(stderr, "usage: bench_maillog gen TEMPLATE N OUT | open N OUT "
	    "| parse FILE\n");
	return 2;
}
