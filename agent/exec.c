/* Helper programs: fork and exec without a shell, output captured, bounded. */
#include "agent/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

/* In the child, between fork and exec: async-signal-safe calls only. */
static void
exec_child(char *const argv[], int outfd, int errfd)
{
	struct sigaction sa;
	sigset_t none;
	int fd, sig;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 || dup2(outfd, STDOUT_FILENO) == -1 ||
	    dup2(errfd, STDERR_FILENO) == -1)
		_exit(126);
	/* The Redis socket and the log must not leak into the helper. */
	if (close_range(3, ~0U, 0) == -1) {
		for (fd = 3; fd < 1024; fd++)
			close(fd);
	}
	execvp(argv[0], argv);
	_exit(127);
}

/* Appends what `fd` has to buf; returns 0 at end of file. */
static int
exec_drain(int fd, char *buf, size_t len, size_t *used)
{
	char scratch[512];
	ssize_t n;

	if (*used + 1 < len)
		n = read(fd, buf + *used, len - 1 - *used);
	else
		n = read(fd, scratch, sizeof scratch);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n > 0 && *used + 1 < len)
		*used += (size_t)n;
	buf[*used] = '\0';
	return n > 0;
}

static void
exec_first_line(char *s)
{
	size_t i;

	s[strcspn(s, "\n")] = '\0';
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
	}
}

int
exec_capture(char *const argv[], int timeout_ms, char *out, size_t outlen,
    char *cause, size_t causelen)
{
	int outp[2], errp[2], status, open_fds, timed_out = 0;
	char err[512] = "";
	size_t outused = 0, errused = 0;
	long long deadline;
	struct pollfd pfd[2];
	pid_t pid, w;

	out[0] = '\0';
	if (pipe2(outp, O_CLOEXEC) == -1) {
		snprintf(cause, causelen, "cannot run '%s': %s", argv[0],
		    strerror(errno));
		return -1;
	}
	if (pipe2(errp, O_CLOEXEC) == -1) {
		snprintf(cause, causelen, "cannot run '%s': %s", argv[0],
		    strerror(errno));
		close(outp[0]);
		close(outp[1]);
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(cause, causelen, "cannot run '%s': fork: %s", argv[0],
		    strerror(errno));
		close(outp[0]);
		close(outp[1]);
		close(errp[0]);
		close(errp[1]);
		return -1;
	}
	if (pid == 0)
		exec_child(argv, outp[1], errp[1]);
	close(outp[1]);
	close(errp[1]);

	deadline = clock_mono_ms() + timeout_ms;
	pfd[0].fd = outp[0];
	pfd[1].fd = errp[0];
	pfd[0].events = pfd[1].events = POLLIN;
	open_fds = 2;
	while (open_fds > 0) {
		long long left = deadline - clock_mono_ms();
		int i, n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		n = poll(pfd, 2, (int)left);
		if (n == -1 && errno != EINTR)
			break;
		for (i = 0; n > 0 && i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			if ((i == 0 ? exec_drain(pfd[i].fd, out, outlen,
			    &outused) : exec_drain(pfd[i].fd, err, sizeof err,
			    &errused)) == 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
			}
		}
	}
	if (pfd[0].fd >= 0)
		close(pfd[0].fd);
	if (pfd[1].fd >= 0)
		close(pfd[1].fd);

	/* Both pipes are closed; give the program what is left to exit. */
	while (!timed_out) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		if (w == -1 && errno != EINTR) {
			snprintf(cause, causelen, "cannot wait for '%s': %s",
			    argv[0], strerror(errno));
			return -1;
		}
		if (clock_mono_ms() >= deadline)
			timed_out = 1;
		else
			nanosleep(&ts, NULL);
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		snprintf(cause, causelen, "'%s' timed out after %d ms",
		    argv[0], timeout_ms);
		return -1;
	}
	exec_first_line(err);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(cause, causelen, "cannot run '%s': not found or not "
		    "executable", argv[0]);
	else if (WIFEXITED(status))
		snprintf(cause, causelen, "'%s' exited with status %d%s%s",
		    argv[0], WEXITSTATUS(status), err[0] ? ": " : "", err);
	else
		snprintf(cause, causelen, "'%s' was killed by signal %d",
		    argv[0], WTERMSIG(status));
	return -1;
}
