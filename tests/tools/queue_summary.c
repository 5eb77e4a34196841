/* queue_summary: postqueue -j in, qshape's matrix (or delay reasons) out. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "backends/postqueue.h"
#include "core/clock.h"
#include "core/delay.h"
#include "core/qshape.h"
#include "core/queue.h"
#include "core/queue_filter.h"

static const char usage_text[] =
    "usage: queue_summary [options] [queue ...]\n"
    "Reads `postqueue -j` output from standard input (or -f FILE) and\n"
    "prints what `qshape [options] [queue ...]` prints for that queue.\n"
    "  --queue Q[,Q]  queues (also as arguments; default incoming,active)\n"
    "  -s             sender domains instead of recipient domains\n"
    "  -p [-m N]      parent domains with at least N subdomains (5)\n"
    "  -b N  -t MIN   N age buckets (10), the first MIN minutes (5)\n"
    "  -l             linear buckets\n"
    "  -w WIDTH       output width if above 80\n"
    "  -n N           only the first N rows, TOTAL included\n"
    "  --now EPOCH    take ages at this time (default: now)\n"
    "  --filter EXPR  only messages matching a filter (docs/queues.md)\n"
    "  --delay        delay reasons per domain instead of the matrix\n"
    "  --json         JSON output\n"
    "  --stats        parse time and memory on standard error\n"
    "  -f FILE        read FILE instead of standard input\n"
    "Standard error gets the message and bad-line counts.\n"
    "Exit status: 0 done, 1 cannot read input, 2 bad usage.\n";

struct summary_args {
	struct qshape_opts qo;
	struct queue_filter filter;
	const char *file;
	const char *filter_expr;
	size_t top;
	int width;
	bool json;
	bool delay;
	bool stats;
};

static int
summary_usage(const char *what, const char *arg, const char *accepted)
{
	fprintf(stderr, "queue_summary: %s '%s'%s%s\n", what, arg,
	    accepted ? ": " : "", accepted ? accepted : "");
	fprintf(stderr, "queue_summary: try 'queue_summary --help'\n");
	return 2;
}

static int
summary_number(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
summary_queues(struct summary_args *a, const char *list)
{
	const char *p = list, *comma;
	unsigned q;
	size_t n;

	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (queue_kind_parse(p, n, &q) != 0)
			return summary_usage("unknown queue", list,
			    QUEUE_KINDS_ACCEPTED);
		a->qo.queues |= QUEUE_BIT(q);
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int
summary_args_parse(struct summary_args *a, int argc, char **argv)
{
	enum { O_QUEUE = 256, O_NOW, O_FILTER, O_DELAY, O_JSON, O_STATS };
	static const struct option longopts[] = {
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "now", required_argument, NULL, O_NOW },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "delay", no_argument, NULL, O_DELAY },
		{ "json", no_argument, NULL, O_JSON },
		{ "stats", no_argument, NULL, O_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	int c;

	qshape_opts_init(&a->qo, (long long)time(NULL));
	while ((c = getopt_long(argc, argv, "spm:b:t:lw:n:f:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			a->qo.sender = true;
			break;
		case 'p':
			a->qo.parents = true;
			break;
		case 'l':
			a->qo.linear = true;
			break;
		case 'm':
		case 'b':
		case 't':
		case 'w':
		case 'n':
			if (summary_number(optarg, c == 'n' ? 0 : 1,
			    c == 'b' ? QSHAPE_BUCKETS_MAX : 1000000, &v) != 0)
				return summary_usage("bad number", optarg,
				    NULL);
			if (c == 'm')
				a->qo.min_subdomains = (int)v;
			else if (c == 'b')
				a->qo.buckets = (int)v;
			else if (c == 't')
				a->qo.tick = (int)v;
			else if (c == 'w')
				a->width = (int)v;
			else
				a->top = (size_t)v;
			break;
		case 'f':
			a->file = optarg;
			break;
		case O_QUEUE:
			if (summary_queues(a, optarg) != 0)
				return 2;
			break;
		case O_NOW:
			if (summary_number(optarg, 0, 1LL << 40, &v) != 0)
				return summary_usage("bad time", optarg,
				    "use epoch seconds");
			a->qo.now = v;
			break;
		case O_FILTER:
			a->filter_expr = optarg;
			break;
		case O_DELAY:
			a->delay = true;
			break;
		case O_JSON:
			a->json = true;
			break;
		case O_STATS:
			a->stats = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fprintf(stderr, "queue_summary: try 'queue_summary "
			    "--help'\n");
			return 2;
		}
	}
	for (; optind < argc; optind++) {
		if (summary_queues(a, argv[optind]) != 0)
			return 2;
	}
	return 0;
}

static int
summary_read(struct summary_args *a, struct queue_set *qs,
    struct postqueue_stream *ps)
{
	static char buf[1 << 16];
	FILE *f = stdin;
	char cause[256];
	uint32_t node;
	size_t n;

	if (queue_set_add_node(qs, "local", &node, cause, sizeof cause) != 0) {
		fprintf(stderr, "queue_summary: %s\n", cause);
		return 1;
	}
	if (a->file != NULL && (f = fopen(a->file, "r")) == NULL) {
		fprintf(stderr, "queue_summary: cannot open '%s': %s\n",
		    a->file, strerror(errno));
		return 1;
	}
	postqueue_stream_init(ps, qs, node);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		postqueue_stream_feed(ps, buf, n);
	postqueue_stream_finish(ps);
	postqueue_stream_clear(ps);
	if (ferror(f)) {
		fprintf(stderr, "queue_summary: cannot read '%s': %s\n",
		    a->file ? a->file : "standard input", strerror(errno));
		return 1;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static void
summary_delay_text(const struct delay_report *rep, const struct queue_set *qs)
{
	const struct delay_domain *d;
	char alert[512];
	size_t i, k;
	int c;

	for (i = 0; i < rep->ndomains; i++) {
		d = &rep->domains[i];
		printf("%s %ld%s\n", d->domain[0] ? d->domain : "(no domain)",
		    d->rcpts, d->throttled ? " THROTTLED" : "");
		for (c = 0; c < DELAY_CLASSES; c++) {
			if (d->by_class[c] > 0)
				printf("  %-10s %ld\n", delay_class_name(c),
				    d->by_class[c]);
		}
		for (k = 0; k < d->ntop; k++)
			printf("  %6ld %s: %s\n", d->top[k].count,
			    delay_class_name(d->top[k].cls), d->top[k].reason);
	}
	if (delay_report_alert(rep, qs, alert, sizeof alert) > 0)
		printf("%s\n", alert);
}

static int
summary_output(struct summary_args *a, const struct queue_set *qs)
{
	struct delay_report rep;
	struct delay_opts dopts;
	struct qshape shape;
	char cause[256];
	json_t *j;

	if (a->delay) {
		delay_opts_init(&dopts, a->qo.now);
		dopts.queues = a->qo.queues;
		dopts.filter = a->qo.filter;
		if (delay_report_build(qs, &dopts, &rep, cause,
		    sizeof cause) != 0) {
			fprintf(stderr, "queue_summary: %s\n", cause);
			return 2;
		}
		if (a->json) {
			j = delay_report_json(&rep, qs);
			json_dumpf(j, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(j);
		} else
			summary_delay_text(&rep, qs);
		delay_report_free(&rep);
		return 0;
	}
	if (qshape_build(qs, &a->qo, &shape, cause, sizeof cause) != 0) {
		fprintf(stderr, "queue_summary: %s\n", cause);
		return 2;
	}
	if (a->json) {
		j = qshape_json(&shape, a->top);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else
		qshape_print(&shape, stdout, a->width, a->top);
	qshape_free(&shape);
	return 0;
}

int
main(int argc, char **argv)
{
	struct summary_args a;
	struct postqueue_stream ps;
	struct queue_set *qs;
	char cause[256];
	long long t0, t1;
	int rc;

	memset(&a, 0, sizeof a);
	queue_filter_init(&a.filter);
	if ((rc = summary_args_parse(&a, argc, argv)) != 0)
		return rc;
	if (a.filter_expr != NULL) {
		if (queue_filter_parse(&a.filter, a.filter_expr, cause,
		    sizeof cause) != 0)
			return summary_usage("bad filter", a.filter_expr,
			    cause);
		a.qo.filter = &a.filter;
	}
	qs = queue_set_new();
	t0 = clock_mono_ms();
	if ((rc = summary_read(&a, qs, &ps)) != 0) {
		queue_set_free(qs);
		return rc;
	}
	t1 = clock_mono_ms();
	fprintf(stderr, "queue_summary: %lu messages, %lu bad lines",
	    ps.messages, ps.bad);
	if (ps.bad > 0)
		fprintf(stderr, " (first: line %lu: %s)", ps.first_bad,
		    ps.first_cause);
	fputc('\n', stderr);
	if (a.stats)
		fprintf(stderr, "queue_summary: parsed in %lld ms, %zu bytes "
		    "(%.0f per message)\n", t1 - t0, queue_set_memory(qs),
		    qs->nmsgs ? (double)queue_set_memory(qs) / qs->nmsgs : 0.0);
	rc = summary_output(&a, qs);
	queue_filter_free(&a.filter);
	queue_set_free(qs);
	return rc;
}
