/* Benchmark helper: runs one command and prints its wall time, peak
 * memory (the maximum resident set wait4 reports) and CPU time, for
 * tests/bench/lab_queues.sh, which must not depend on GNU time. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"

int
main(int argc, char **argv)
{
	const char *out = "/dev/null";
	struct rusage ru;
	long long start;
	pid_t pid;
	int fd, status;

	if (argc >= 3 && strcmp(argv[1], "-o") == 0) {
		out = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		fprintf(stderr,
		    "usage: bench_queue_run [-o FILE] COMMAND "
		    "[ARG...]\nprints: WALL_MS MAX_RSS_KB EXIT_STATUS CPU_MS; "
		    "the "
		    "command's output goes to FILE (default /dev/null)\n");
		return 2;
	}
	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		fprintf(stderr, "bench_queue_run: cannot open '%s': %m\n", out);
		return 1;
	}
	start = clock_mono_ms();
	if ((pid = fork()) == -1) {
		fprintf(stderr, "bench_queue_run: cannot fork: %m\n");
		return 1;
	}
	if (pid == 0) {
		dup2(fd, 1);
		close(fd);
		execvp(argv[1], argv + 1);
		fprintf(
		    stderr, "bench_queue_run: cannot run '%s': %m\n", argv[1]);
		_exit(127);
	}
	close(fd);
	if (wait4(pid, &status, 0, &ru) == -1) {
		fprintf(stderr, "bench_queue_run: wait4: %m\n");
		return 1;
	}
	/* ru_maxrss is in kilobytes on Linux. */
	printf("%lld %ld %d %ld\n", clock_mono_ms() - start, ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	    (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
	        (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L);
	return 0;
}
