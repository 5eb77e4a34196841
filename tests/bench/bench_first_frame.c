/* Benchmark: time from starting the console to its first complete frame
 * (the header with the nodes count, drawn from a Redis snapshot), read from a
 * pseudo-terminal of 80x24 as a terminal emulator would. */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"

#define RUNS 7

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Returns milliseconds until `needle` was written to the terminal, or -1. */
static double
first_frame(const char *mailnoc, const char *needle)
{
	struct winsize ws = { 24, 80, 0, 0 };
	char buf[65536];
	size_t have = 0;
	double start, found = -1;
	pid_t pid;
	int fd, status;

	start = (double)clock_mono_ms();
	if ((pid = forkpty(&fd, NULL, NULL, &ws)) == -1)
		return -1;
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		execl(mailnoc, mailnoc, (char *)NULL);
		_exit(127);
	}
	while (clock_mono_ms() - start < 5000) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = read(fd, buf + have, sizeof buf - have - 1)) <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if (memmem(buf, have, needle, strlen(needle)) != NULL) {
			found = (double)clock_mono_ms() - start;
			break;
		}
		if (have > sizeof buf / 2)
			have = 0;
	}
	/* q quits the console cleanly; then make sure it is gone. */
	if (write(fd, "q", 1) != 1 || waitpid(pid, &status, 0) == -1) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	close(fd);
	return found;
}

int
main(int argc, char **argv)
{
	double t[RUNS];
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_first_frame MAILNOC TEXT\n");
		return 2;
	}
	for (i = 0; i < RUNS; i++) {
		if ((t[i] = first_frame(argv[1], argv[2])) < 0) {
			fprintf(stderr, "bench: '%s' never appeared\n", argv[2]);
			return 1;
		}
	}
	qsort(t, RUNS, sizeof t[0], cmp_double);
	printf("start to first complete frame, median of %d: %.1f ms "
	    "(min %.1f, max %.1f; goal < 150)\n", RUNS, t[RUNS / 2], t[0],
	    t[RUNS - 1]);
	return 0;
}
