/* mailnocd trace: the node's answer to mailnoc trace, from its index or its logs. */
#include "agent/trace.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "agent/probe.h"
#include "core/config.h"
#include "core/exitcode.h"
#include "core/validate.h"
#include "core/xalloc.h"

static void
trace_usage(FILE *f)
{
	fprintf(f,
	    "usage: mailnocd trace --node NAME [--index FILE] [--log FILE]\n"
	    "           [--id QUEUEID|--msgid ID] [--from ADDR] [--to ADDR]\n"
	    "           [--client IP] [--since T] [--until T] [--status S]\n"
	    "           [--limit N] [--from-logs]\n"
	    "\n"
	    "Answers a message trace from the node's message index, read-only:\n"
	    "one JSON line per message, newest first (docs/trace.md). ADDR is\n"
	    "an address, @domain or a prefix ending in '*'; T a duration back\n"
	    "from now (60d), a date (2026-12-01[T08:30]) in UTC or epoch\n"
	    "seconds. --from-logs reads the log and its rotated (gzip) files\n"
	    "instead; it needs --id, --msgid, --from, --to or --client.\n"
	    "Without --index and --log, the node's paths come from the\n"
	    "configuration (--config).\n");
}

const char *
trace_needle(const struct trace_query *q, char *buf, size_t len)
{
	if (q->qid[0] != '\0')
		return q->qid;
	if (q->msgid[0] != '\0')
		return q->msgid;
	if (q->to.match != TRACE_ANY) {
		snprintf(buf, len, "%s%s", q->to.match == TRACE_DOMAIN ? "@" :
		    "", q->to.value);
		return buf;
	}
	if (q->from.match != TRACE_ANY) {
		snprintf(buf, len, "%s%s", q->from.match == TRACE_DOMAIN ?
		    "@" : "", q->from.value);
		return buf;
	}
	if (q->client[0] != '\0') {
		snprintf(buf, len, "[%s]", q->client);
		return buf;
	}
	return NULL;
}

/* ------------------------------------------------------------ files */

struct trace_file {
	char *path;
	long long mtime;
	long rank;    /* NAME.N: N; NAME: -1 (newest of equal times) */
};

static int
trace_file_cmp(const void *a, const void *b)
{
	const struct trace_file *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return strcmp(x->path, y->path);
}

int
trace_log_files(const char *path, char ***out)
{
	char dir[PATH_MAX], file[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base;
	struct trace_file *v = NULL;
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0, blen, i;
	DIR *d;

	*out = NULL;
	if (slash == NULL)
		return -1;
	snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash -
	    path), path);
	base = slash + 1;
	blen = strlen(base);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		const char *rest = de->d_name + blen;

		/* NAME, or NAME.N[.gz], NAME.DATE..., NAME-DATE...: a
		 * rotated file starts with a digit after the separator
		 * (not the follower's NAME-NODE-HASH.state). */
		if (strncmp(de->d_name, base, blen) != 0 || (rest[0] != '\0' &&
		    ((rest[0] != '.' && rest[0] != '-') || rest[1] < '0' ||
		    rest[1] > '9')))
			continue;
		if (snprintf(file, sizeof file, "%s/%s", dir, de->d_name) >=
		    (int)sizeof file || stat(file, &st) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].path = xstrdup(file);
		v[n].mtime = (long long)st.st_mtime;
		v[n].rank = rest[0] == '.' ? strtol(rest + 1, NULL, 10) : -1;
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof *v, trace_file_cmp);
	*out = xcalloc(n + 1, sizeof **out);
	for (i = 0; i < n; i++)
		(*out)[i] = v[i].path;
	free(v);
	return (int)n;
}

/* ------------------------------------------------------------ from logs */

struct qidset {
	char (*v)[MAILLOG_QID_MAX + 1];
	size_t cap, n;
};

static unsigned long long
qidset_hash(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static bool
qidset_has(const struct qidset *s, const char *q)
{
	size_t i;

	if (s->cap == 0)
		return false;
	for (i = qidset_hash(q) & (s->cap - 1); s->v[i][0] != '\0';
	    i = (i + 1) & (s->cap - 1)) {
		if (strcmp(s->v[i], q) == 0)
			return true;
	}
	return false;
}

static void
qidset_add(struct qidset *s, const char *q)
{
	size_t i;

	if (qidset_has(s, q))
		return;
	if ((s->n + 1) * 2 > s->cap) {
		struct qidset big = { NULL, s->cap ? s->cap * 2 : 1024, 0 };

		big.v = xcalloc(big.cap, sizeof *big.v);
		for (i = 0; i < s->cap; i++) {
			if (s->v[i][0] != '\0')
				qidset_add(&big, s->v[i]);
		}
		free(s->v);
		*s = big;
	}
	for (i = qidset_hash(q) & (s->cap - 1); s->v[i][0] != '\0';
	    i = (i + 1) & (s->cap - 1))
		;
	snprintf(s->v[i], sizeof s->v[i], "%s", q);
	s->n++;
}

/* Calls fn for each line of each file; a file that cannot be read fails. */
static int
trace_read(const char *const *files, size_t nfiles,
    int (*fn)(void *arg, char *line, size_t len), void *arg, char *cause,
    size_t len)
{
	char *buf = xmalloc(MAILLOG_LINE_MAX + 2);
	size_t i;
	int rc = 0;

	for (i = 0; i < nfiles && rc == 0; i++) {
		gzFile g = gzopen(files[i], "rb");
		bool skipping = false;

		if (g == NULL) {
			snprintf(cause, len, "cannot read '%s': %s", files[i],
			    strerror(errno ? errno : EIO));
			rc = -1;
			break;
		}
		gzbuffer(g, 131072);
		while (gzgets(g, buf, MAILLOG_LINE_MAX + 2) != NULL) {
			size_t n = strlen(buf);
			bool whole = n > 0 && buf[n - 1] == '\n';

			/* The rest of a line longer than the limit. */
			if (skipping) {
				skipping = !whole;
				continue;
			}
			skipping = !whole && n == MAILLOG_LINE_MAX + 1;
			if (whole)
				buf[--n] = '\0';
			if (fn(arg, buf, n) == -1)
				break;
		}
		if (!gzeof(g)) {
			int e;
			const char *m = gzerror(g, &e);

			if (e != Z_OK) {
				snprintf(cause, len, "cannot read '%s': %s",
				    files[i], e == Z_ERRNO ? strerror(errno) :
				    m);
				rc = -1;
			}
		}
		gzclose(g);
	}
	free(buf);
	return rc;
}

struct trace_pass {
	struct maillog_parser parser;
	struct qidset qids;
	const char *needle;
	struct msgindex *x;
	long added;
	int err;
};

/* Pass 1: the queue IDs of the lines that hold the needle. */
static int
trace_pass1(void *arg, char *line, size_t len)
{
	struct trace_pass *p = arg;
	struct maillog_rec r;

	if (strcasestr(line, p->needle) == NULL)
		return 0;
	maillog_parse(&p->parser, line, len, &r);
	if (r.qid[0] != '\0')
		qidset_add(&p->qids, r.qid);
	return 0;
}

/* Pass 2: every line of those queue IDs, and refusals holding it. */
static int
trace_pass2(void *arg, char *line, size_t len)
{
	struct trace_pass *p = arg;
	struct maillog_rec r;

	maillog_parse(&p->parser, line, len, &r);
	if (r.qid[0] != '\0' ? !qidset_has(&p->qids, r.qid) :
	    r.kind != MAILLOG_REJECT || strcasestr(line, p->needle) == NULL)
		return 0;
	if (msgindex_add(p->x, &r) == -1) {
		p->err = 1;
		return -1;
	}
	p->added++;
	return 0;
}

long
trace_from_logs(struct msgindex *x, const char *const *files,
    size_t nfiles, const char *needle, long long now, char *cause,
    size_t len)
{
	struct trace_pass p;
	long rc = -1;

	memset(&p, 0, sizeof p);
	p.needle = needle;
	p.x = x;
	maillog_parser_init(&p.parser, now);
	if (trace_read(files, nfiles, trace_pass1, &p, cause, len) == -1)
		goto done;
	maillog_parser_init(&p.parser, now);
	if (trace_read(files, nfiles, trace_pass2, &p, cause, len) == -1)
		goto done;
	if (p.err) {
		snprintf(cause, len, "%s", msgindex_error(x));
		goto done;
	}
	if (msgindex_commit(x, cause, len) == -1)
		goto done;
	rc = p.added;
done:
	free(p.qids.v);
	return rc;
}

/* ------------------------------------------------------------ main */

static void
trace_notice(const char *node, long long first, const struct trace_query *q)
{
	char when[32];
	time_t t = (time_t)first;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (first < 0)
		printf("{\"node\":\"%s\",\"notice\":\"index_empty\","
		    "\"text\":\"the message index of %s holds no message yet; "
		    "--from-logs searches the logs\"}\n", node, node);
	else if (q->since < first)
		printf("{\"node\":\"%s\",\"notice\":\"index_start\",\"first\":"
		    "%lld,\"text\":\"the message index of %s begins at %s, "
		    "after the period asked starts; --from-logs searches the "
		    "older logs\"}\n", node, first, node, when);
}

int
trace_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'N' },
		{ "index", required_argument, NULL, 'x' },
		{ "log", required_argument, NULL, 'L' },
		{ "postfix-config", required_argument, NULL, 'P' },
		{ "from-logs", no_argument, NULL, 'G' },
		{ "json", no_argument, NULL, 'j' },
		{ "id", required_argument, NULL, 1 },
		{ "msgid", required_argument, NULL, 2 },
		{ "from", required_argument, NULL, 3 },
		{ "to", required_argument, NULL, 4 },
		{ "client", required_argument, NULL, 5 },
		{ "since", required_argument, NULL, 6 },
		{ "until", required_argument, NULL, 7 },
		{ "status", required_argument, NULL, 8 },
		{ "limit", required_argument, NULL, 9 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const qopt[] = { NULL, "id", "msgid", "from", "to",
		"client", "since", "until", "status", "limit" };
	const char *cfgpath = NULL, *nodename = NULL, *index = NULL;
	const char *logpath = NULL, *pfconf = NULL, *needle;
	char cause[1200], path[PATH_MAX], nbuf[MAILLOG_ADDR_MAX + 4];
	struct config *cfg = NULL;
	struct trace_query q;
	struct msgindex *x;
	long long now = (long long)time(NULL);
	bool from_logs = false;
	long n;
	int c, rc = EXIT_OK;

	trace_query_init(&q);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cfgpath = optarg; break;
		case 'N': nodename = optarg; break;
		case 'x': index = optarg; break;
		case 'L': logpath = optarg; break;
		case 'P': pfconf = optarg; break;
		case 'G': from_logs = true; break;
		case 'j': break;
		case 'h':
			trace_usage(stdout);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "mailnocd trace: option '%s' needs a "
			    "value\n", argv[optind - 1]);
			return EXIT_USAGE;
		case '?':
			fprintf(stderr, "mailnocd trace: unknown option '%s'\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (trace_query_set(&q, qopt[c], optarg, now, cause,
			    sizeof cause) == -1) {
				fprintf(stderr, "mailnocd trace: %s\n", cause);
				return EXIT_USAGE;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mailnocd trace: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if (nodename == NULL || validate_name(nodename) != NULL) {
		fprintf(stderr, "mailnocd trace: give the node's name with "
		    "--node NAME\n");
		return EXIT_USAGE;
	}
	if ((index != NULL && validate_path(index) != NULL) ||
	    (logpath != NULL && validate_path(logpath) != NULL) ||
	    (pfconf != NULL && validate_path(pfconf) != NULL)) {
		fprintf(stderr, "mailnocd trace: paths must be absolute\n");
		return EXIT_USAGE;
	}
	/* Paths not given come from the node's configuration. */
	if ((index == NULL && !from_logs) || (from_logs && logpath == NULL &&
	    pfconf == NULL)) {
		const struct config_node *node;

		if (config_find(cfgpath, path, sizeof path, cause,
		    sizeof cause) == -1 || (cfg = config_load(path, cause,
		    sizeof cause)) == NULL) {
			fprintf(stderr, "mailnocd trace: %s: %s\n", nodename,
			    cause);
			return EXIT_USAGE;
		}
		if ((node = config_node_find(cfg, nodename)) == NULL) {
			fprintf(stderr, "mailnocd trace: node '%s' is not in "
			    "%s\n", nodename, path);
			config_free(cfg);
			return EXIT_USAGE;
		}
		if (index == NULL)
			index = node->maillog.index;
		if (logpath == NULL)
			logpath = node->maillog.file;
		if (pfconf == NULL)
			pfconf = node->postfix_config;
	}
	if (!from_logs) {
		if ((x = msgindex_open_ro(index, cause, sizeof cause)) ==
		    NULL) {
			fprintf(stderr, "mailnocd trace: %s: %s\n", nodename,
			    cause);
			config_free(cfg);
			return EXIT_FAILED;
		}
		if (q.since >= 0 || !trace_query_selective(&q))
			trace_notice(nodename, msgindex_first(x), &q);
		if ((n = msgindex_query(x, &q, nodename, stdout, cause,
		    sizeof cause)) == -1) {
			fprintf(stderr, "mailnocd trace: %s: %s\n", nodename,
			    cause);
			rc = EXIT_FAILED;
		}
		msgindex_close(x);
		config_free(cfg);
		return rc;
	}
	if ((needle = trace_needle(&q, nbuf, sizeof nbuf)) == NULL) {
		fprintf(stderr, "mailnocd trace: --from-logs needs --id, "
		    "--msgid, --from, --to or --client (a fixed string to look "
		    "for)\n");
		config_free(cfg);
		return EXIT_USAGE;
	}
	{
		char out[PATH_MAX], **files = NULL;
		int nf, i;

		if (logpath == NULL) {
			if (pfconf != NULL && probe_postconf(pfconf,
			    "maillog_file", out, sizeof out, cause,
			    sizeof cause) == 0 && out[0] == '/')
				logpath = out;
			else
				logpath = "/var/log/mail.log";
		}
		if ((nf = trace_log_files(logpath, &files)) <= 0) {
			fprintf(stderr, "mailnocd trace: %s: cannot read the "
			    "logs '%s': %s\n", nodename, logpath, nf == 0 ?
			    "no such file" : strerror(errno));
			free(files);
			config_free(cfg);
			return EXIT_FAILED;
		}
		x = msgindex_open(":memory:", 0, NULL, cause, sizeof cause);
		if (x == NULL || trace_from_logs(x, (const char *const *)files,
		    (size_t)nf, needle, now, cause, sizeof cause) == -1 ||
		    msgindex_query(x, &q, nodename, stdout, cause,
		    sizeof cause) == -1) {
			fprintf(stderr, "mailnocd trace: %s: %s\n", nodename,
			    cause);
			rc = EXIT_FAILED;
		}
		msgindex_close(x);
		for (i = 0; i < nf; i++)
			free(files[i]);
		free(files);
	}
	config_free(cfg);
	return rc;
}
