/* The agent's log: timestamped lines, one write each, from any thread. */
#include "agent/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/validate.h"

static int log_fd = STDERR_FILENO;
static char log_ident[64] = "mailnocd";

int
log_open(const char *path, const char *ident, char *cause, size_t causelen)
{
	int fd;

	snprintf(log_ident, sizeof log_ident, "%s", ident);
	if (path == NULL) {
		log_fd = STDERR_FILENO;
		return 0;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		snprintf(cause, causelen, "cannot open log file '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	log_close();
	log_fd = fd;
	return 0;
}

void
log_msg(const char *fmt, ...)
{
	char line[1024], msg[1024], stamp[40];
	struct timespec ts;
	struct tm tm;
	size_t off;
	va_list ap;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof line, "%s.%03ld %s: ", stamp,
	    ts.tv_nsec / 1000000, log_ident);
	off = n < 0 ? 0 : (size_t)n;
	if (off >= sizeof line)
		off = sizeof line - 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Lines carry data from Redis and clients: no escapes reach a tty. */
	validate_sanitize(line + off, sizeof line - off, msg);
	off = strlen(line);
	if (off == sizeof line - 1)
		off--;
	line[off++] = '\n';
	/* One write per line: lines from two threads never interleave. */
	if (write(log_fd, line, off) == -1)
		return;
}

void
log_close(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
}
