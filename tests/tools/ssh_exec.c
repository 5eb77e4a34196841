/* ssh_exec: runs one command on a configured node through backends/ssh.c. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "core/config.h"
#include "core/exitcode.h"
#include "core/shell.h"
#include "core/xalloc.h"

static const char usage[] =
    "usage: ssh_exec [--config FILE] [--stdin] [--repeat N] "
    "[--pause MS]\n"
    "                [--cancel-after MS] [-v] NODE COMMAND [ARG...]\n"
    "Runs COMMAND with its ARGs, each shell-quoted, on NODE. Prints its "
    "stdout,\nthen its stderr and one result line on stderr.\n"
    "  --stdin            send this program's stdin to the command\n"
    "  --repeat N         run it N times on one connection (timings with "
    "-v)\n"
    "  --pause MS         wait MS milliseconds between two runs\n"
    "  --cancel-after MS  set the cancel flag after MS milliseconds\n"
    "  -v                 print timings\n"
    "exit: 0 exit status 0, 1 other status or failure, 2 usage, "
    "3 unreachable,\n"
    "      host key refused, login refused or timed out\n";

static volatile int cancelled;

static void *
cancel_after(void *arg)
{
	long ms = *(long *)arg;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	cancelled = 1;
	return NULL;
}

static int
print_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	fwrite(line, 1, len, stdout);
	putchar('\n');
	return 0;
}

/* Joins argv, each word single-quoted. Returns NULL with cause set. */
static char *
join_quoted(int argc, char **argv, char *cause, size_t causelen)
{
	size_t len = 1, n = 0;
	char *cmd;
	int i, q;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) * 4 + 3;
	cmd = xmalloc(len);
	cmd[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			cmd[n++] = ' ';
		if ((q = shell_quote(argv[i], cmd + n, len - n, cause,
		    causelen)) == -1) {
			free(cmd);
			return NULL;
		}
		n += (size_t)q;
	}
	return cmd;
}

static char *
read_all(int fd, size_t *lenp)
{
	size_t len = 0, cap = 65536;
	char *buf = xmalloc(cap);
	ssize_t n;

	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	*lenp = len;
	return buf;
}

static int
run(struct ssh_conn *c, const char *cmd, const char *input, size_t inputlen,
    int repeat, long pause_ms, int verbose)
{
	struct timespec pause = { pause_ms / 1000, (pause_ms % 1000) * 1000000L };
	struct ssh_result res;
	long long min = -1, max = 0, total = 0;
	int i, code = EXIT_OK;

	for (i = 0; i < repeat; i++) {
		if (i > 0 && pause_ms > 0)
			nanosleep(&pause, NULL);
		if (ssh_exec(c, cmd, input, inputlen, print_line, NULL, &res,
		    &cancelled) == -1) {
			fflush(stdout);
			if (res.errlen > 0)
				fputs(res.errout, stderr);
			fprintf(stderr, "ssh_exec: %s\n", c->errstr);
			ssh_result_free(&res);
			return ssh_exit_code(c);
		}
		fflush(stdout);
		if (res.errlen > 0)
			fputs(res.errout, stderr);
		if (res.errdropped > 0)
			fprintf(stderr, "ssh_exec: %zu more bytes of stderr "
			    "dropped\n", res.errdropped);
		if (res.signal[0] != '\0') {
			fprintf(stderr, "ssh_exec: %s: killed by signal %s\n",
			    c->node->name, res.signal);
			code = EXIT_FAILED;
		} else {
			fprintf(stderr, "ssh_exec: %s: exit status %d\n",
			    c->node->name, res.status);
			if (res.status != 0)
				code = EXIT_FAILED;
		}
		if (verbose)
			fprintf(stderr, "ssh_exec: %s: %zu lines, %llu bytes, "
			    "%lld ms\n", c->node->name, res.lines,
			    res.outbytes, res.elapsed_ms);
		/* The first run includes the connect. */
		if (i > 0 || repeat == 1) {
			if (min < 0 || res.elapsed_ms < min)
				min = res.elapsed_ms;
			if (res.elapsed_ms > max)
				max = res.elapsed_ms;
			total += res.elapsed_ms;
		}
		ssh_result_free(&res);
	}
	if (verbose)
		fprintf(stderr, "ssh_exec: %s: %lu connect%s, the last %lld ms; "
		    "%d run%s after the first: min %lld ms, avg %.1f ms, max "
		    "%lld ms\n", c->node->name, c->connects,
		    c->connects == 1 ? "" : "s", c->connect_ms,
		    repeat > 1 ? repeat - 1 : 1, repeat > 2 ? "s" : "", min,
		    (double)total / (repeat > 1 ? repeat - 1 : 1), max);
	return code;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "stdin", no_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "pause", required_argument, NULL, 'p' },
		{ "cancel-after", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct config_node *node;
	const char *option = NULL;
	struct config *cfg;
	struct ssh_conn c;
	pthread_t thread;
	char path[1100], cause[CONFIG_CAUSE_MAX], *cmd, *input = NULL;
	size_t inputlen = 0;
	long cancel_ms = -1, pause_ms = 0;
	int ch, repeat = 1, verbose = 0, use_stdin = 0, code;

	while ((ch = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			option = optarg;
			break;
		case 's':
			use_stdin = 1;
			break;
		case 'r':
			repeat = atoi(optarg);
			break;
		case 'C':
			cancel_ms = atol(optarg);
			break;
		case 'p':
			pause_ms = atol(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2 || repeat < 1 || pause_ms < 0) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (config_find(option, path, sizeof path, cause, sizeof cause) == -1 ||
	    (cfg = config_load(path, cause, sizeof cause)) == NULL) {
		fprintf(stderr, "ssh_exec: %s\n", cause);
		return EXIT_USAGE;
	}
	if ((node = config_node_find(cfg, argv[optind])) == NULL) {
		fprintf(stderr, "ssh_exec: no node '%s' in %s\n", argv[optind],
		    path);
		config_free(cfg);
		return EXIT_USAGE;
	}
	if ((cmd = join_quoted(argc - optind - 1, argv + optind + 1, cause,
	    sizeof cause)) == NULL) {
		fprintf(stderr, "ssh_exec: %s\n", cause);
		config_free(cfg);
		return EXIT_USAGE;
	}
	if (use_stdin)
		input = read_all(STDIN_FILENO, &inputlen);
	if (cancel_ms >= 0)
		pthread_create(&thread, NULL, cancel_after, &cancel_ms);

	ssh_init(&c, cfg, node);
	code = run(&c, cmd, input, inputlen, repeat, pause_ms, verbose);
	ssh_close(&c);

	if (cancel_ms >= 0) {
		pthread_cancel(thread);
		pthread_join(thread, NULL);
	}
	free(input);
	free(cmd);
	config_free(cfg);
	return code;
}
