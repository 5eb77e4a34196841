/* Benchmark helper: time from starting a full-screen program until given
 * text is on its screen. The program runs on a pseudo-terminal of a private
 * tmux server (100x30), which renders the screen as a terminal would; the
 * rendered screen is read with capture-pane every few milliseconds, so a
 * figure that curses updates digit by digit is still matched whole. Used by
 * tests/bench/lab_queues.sh for mailnoc's queues view and for pfqueue. */
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

#define MAX_EXPR 8
#define SCREEN_MAX (64 * 1024)

static char sock[64];

/* Runs tmux with `args` on the private socket; its output goes to `out`
 * (NUL-terminated, at most outlen - 1 bytes) when out is not NULL.
 * Returns tmux's exit status, or -1. */
static int
tmux(const char *const *args, char *out, size_t outlen)
{
	const char *argv[32];
	size_t have = 0, n = 0;
	int p[2], status;
	pid_t pid;

	argv[n++] = "tmux";
	argv[n++] = "-L";
	argv[n++] = sock;
	argv[n++] = "-f";
	argv[n++] = "/dev/null";
	while (*args != NULL && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execvp("tmux", (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char buf[4096];
		ssize_t r = read(p[0], buf, sizeof buf);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out != NULL && have + 1 < outlen) {
			size_t take = (size_t)r < outlen - 1 - have
			                  ? (size_t)r
			                  : outlen - 1 - have;

			memcpy(out + have, buf, take);
			have += take;
		}
	}
	close(p[0]);
	if (out != NULL)
		out[have] = '\0';
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
screen(char *out, size_t outlen)
{
	static const char *const cap[] = {
	    "capture-pane", "-p", "-t", "run", NULL};

	if (tmux(cap, out, outlen) != 0)
		out[0] = '\0';
}

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The pane process's peak resident set in kB (VmHWM), or -1. */
static long
pane_hwm_kb(void)
{
	static const char *const disp[] = {
	    "display-message", "-p", "-t", "run", "#{pane_pid}", NULL};
	char out[64], path[64], line[256];
	long kb = -1;
	FILE *f;

	if (tmux(disp, out, sizeof out) != 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/status", strtol(out, NULL, 10));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bench_queue_screen [-k KEYS -w READY] "
	    "[-u BUSY] [-t SECONDS] [-m] [-s FILE] -e REGEX [-e REGEX...] -- "
	    "COMMAND [ARG...]\n"
	    "prints the milliseconds from start until each REGEX was on the "
	    "screen ('-' if never);\nwith -u, then when BUSY, once seen, "
	    "had gone again; with -m, then the program's\npeak memory in kB "
	    "(VmHWM). KEYS are typed once READY is on the screen. It stops\n"
	    "when every REGEX was seen, BUSY has gone, or after SECONDS "
	    "(default 60).\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *keys = NULL, *ready = NULL, *save = NULL, *busy = NULL;
	const char *expr[MAX_EXPR];
	long long start, at[MAX_EXPR], limit_ms = 60000, idle = -1;
	static char scr[SCREEN_MAX];
	regex_t re[MAX_EXPR], ready_re, busy_re;
	int nexpr = 0, want_mem = 0, busy_seen = 0, opt, i, left;
	long hwm = -1;
	const char *args[40];
	size_t n;

	while ((opt = getopt(argc, argv, "e:k:ms:t:u:w:")) != -1) {
		switch (opt) {
		case 'e':
			if (nexpr == MAX_EXPR)
				usage();
			expr[nexpr++] = optarg;
			break;
		case 'k':
			keys = optarg;
			break;
		case 'm':
			want_mem = 1;
			break;
		case 's':
			save = optarg;
			break;
		case 't':
			limit_ms = strtoll(optarg, NULL, 10) * 1000;
			break;
		case 'u':
			busy = optarg;
			break;
		case 'w':
			ready = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (nexpr == 0 || argc < 1 || argc > 30 ||
	    (keys == NULL) != (ready == NULL))
		usage();
	for (i = 0; i < nexpr; i++) {
		if (regcomp(&re[i], expr[i],
		        REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) {
			fprintf(stderr, "bench_queue_screen: bad regex '%s'\n",
			    expr[i]);
			return 2;
		}
		at[i] = -1;
	}
	if (ready != NULL && regcomp(&ready_re, ready,
	                         REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) {
		fprintf(stderr, "bench_queue_screen: bad regex '%s'\n", ready);
		return 2;
	}
	if (busy != NULL && regcomp(&busy_re, busy,
	                        REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) {
		fprintf(stderr, "bench_queue_screen: bad regex '%s'\n", busy);
		return 2;
	}
	snprintf(sock, sizeof sock, "mailnoc-bench-%ld", (long)getpid());
	signal(SIGPIPE, SIG_IGN);

	/* A session that idles keeps the server up, so that its start-up is
	 * not part of the measurement. */
	{
		static const char *const keep[] = {"new-session", "-d", "-s",
		    "keep", "-x", "100", "-y", "30", "cat", NULL};

		if (tmux(keep, NULL, 0) != 0) {
			fprintf(stderr, "bench_queue_screen: cannot start "
			                "tmux\n");
			return 1;
		}
	}
	n = 0;
	args[n++] = "new-session";
	args[n++] = "-d";
	args[n++] = "-s";
	args[n++] = "run";
	args[n++] = "-x";
	args[n++] = "100";
	args[n++] = "-y";
	args[n++] = "30";
	for (i = 0; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;

	start = clock_mono_ms();
	if (tmux(args, NULL, 0) != 0) {
		fprintf(
		    stderr, "bench_queue_screen: cannot run '%s'\n", argv[0]);
		return 1;
	}
	left = nexpr;
	while (left > 0 && idle == -1 && clock_mono_ms() - start < limit_ms) {
		screen(scr, sizeof scr);
		if (keys != NULL && regexec(&ready_re, scr, 0, NULL, 0) == 0) {
			const char *send[] = {
			    "send-keys", "-t", "run", "-l", keys, NULL};

			tmux(send, NULL, 0);
			keys = NULL;
			continue;
		}
		for (i = 0; i < nexpr; i++) {
			if (at[i] == -1 &&
			    regexec(&re[i], scr, 0, NULL, 0) == 0) {
				at[i] = clock_mono_ms() - start;
				left--;
			}
		}
		if (busy != NULL) {
			if (regexec(&busy_re, scr, 0, NULL, 0) == 0)
				busy_seen = 1;
			else if (busy_seen)
				idle = clock_mono_ms() - start;
		}
		if (left > 0 && idle == -1)
			nap_ms(5);
	}
	if (want_mem)
		hwm = pane_hwm_kb();
	if (save != NULL) {
		FILE *f = fopen(save, "w");

		screen(scr, sizeof scr);
		if (f != NULL) {
			fputs(scr, f);
			fclose(f);
		}
	}
	{
		static const char *const kill[] = {"kill-server", NULL};

		tmux(kill, NULL, 0);
	}
	for (i = 0; i < nexpr; i++) {
		if (at[i] >= 0)
			printf("%s%lld", i ? " " : "", at[i]);
		else
			printf("%s-", i ? " " : "");
		regfree(&re[i]);
	}
	if (busy != NULL) {
		if (idle >= 0)
			printf(" %lld", idle);
		else
			printf(" -");
	}
	if (want_mem)
		printf(" %ld", hwm);
	printf("\n");
	return 0;
}
