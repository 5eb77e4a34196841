/* The filter controller's HTTP client: one request per connection, a
 * non-blocking socket and poll() against one deadline, so a controller
 * that hangs costs its poll at most timeout_ms and nothing else waits. */
#include "backends/filter_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"

static long long
http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `ev` on fd until the deadline; 0 ready, -1 timed out/error. */
static int
http_wait(int fd, short ev, long long deadline)
{
	struct pollfd p = { fd, ev, 0 };
	long long left;
	int rc;

	for (;;) {
		left = deadline - http_now_ms();
		if (left <= 0)
			return -1;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc == 0 || errno != EINTR)
			return -1;
	}
}

static int
http_connect(const char *host, int port, long long deadline, int timeout_ms,
    char *cause, size_t clen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, err = 0;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		sl = sizeof *a4;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		sl = sizeof *a6;
	} else {
		snprintf(cause, clen, "'%s' is not an IP address", host);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(cause, clen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		if (errno != EINPROGRESS) {
			snprintf(cause, clen, "%s", strerror(errno));
			close(fd);
			return -1;
		}
		if (http_wait(fd, POLLOUT, deadline) == -1) {
			snprintf(cause, clen, "no connection within %d ms",
			    timeout_ms);
			close(fd);
			return -1;
		}
		sl = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1 ||
		    err != 0) {
			snprintf(cause, clen, "%s", strerror(err ? err : errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Splits the answer: status 200 and the body after the blank line. */
static int
http_split(char *buf, size_t n, char **body, size_t *len, char *cause,
    size_t clen)
{
	char *end, *p;
	int status;

	if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ') {
		snprintf(cause, clen, "the answer is not HTTP");
		return -1;
	}
	status = atoi(buf + 9);
	if ((end = strstr(buf, "\r\n\r\n")) == NULL) {
		snprintf(cause, clen, "the answer's header does not end");
		return -1;
	}
	if (status != 200) {
		snprintf(cause, clen, "answered HTTP %d", status);
		return -1;
	}
	*end = '\0';
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++) {
		if (strncasecmp(p + 1, "transfer-encoding:", 18) == 0 &&
		    strstr(p, "chunked") != NULL) {
			snprintf(cause, clen, "the answer is chunked (not "
			    "read)");
			return -1;
		}
	}
	*body = end + 4;
	*len = n - (size_t)(*body - buf);
	return 0;
}

int
filter_http_get(const char *host, int port, const char *path,
    const char *password, int timeout_ms, char **body, size_t *len,
    char *cause, size_t clen)
{
	long long deadline = http_now_ms() + timeout_ms;
	char req[512], *buf = NULL, *b;
	size_t n = 0, cap = 0, rl, sent = 0;
	ssize_t r;
	int fd;

	*body = NULL;
	*len = 0;
	if ((fd = http_connect(host, port, deadline, timeout_ms, cause,
	    clen)) == -1)
		return -1;
	rl = (size_t)snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n"
	    "Host: %s\r\nConnection: close\r\n%s%s%s\r\n", path, host,
	    password ? "Password: " : "", password ? password : "",
	    password ? "\r\n" : "");
	if (rl >= sizeof req) {
		snprintf(cause, clen, "the request is too long");
		close(fd);
		return -1;
	}
	while (sent < rl) {
		if (http_wait(fd, POLLOUT, deadline) == -1) {
			snprintf(cause, clen, "timed out after %d ms sending",
			    timeout_ms);
			goto fail;
		}
		r = send(fd, req + sent, rl - sent, MSG_NOSIGNAL);
		if (r == -1 && errno != EAGAIN && errno != EINTR) {
			snprintf(cause, clen, "%s", strerror(errno));
			goto fail;
		}
		if (r > 0)
			sent += (size_t)r;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		if (http_wait(fd, POLLIN, deadline) == -1) {
			snprintf(cause, clen, "timed out after %d ms (%zu bytes "
			    "read)", timeout_ms, n);
			goto fail;
		}
		r = recv(fd, buf + n, cap - n - 1, 0);
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(cause, clen, "%s", strerror(errno));
			goto fail;
		}
		n += (size_t)r;
		if (n > FILTER_HTTP_MAX) {
			snprintf(cause, clen, "the answer is over %u bytes",
			    FILTER_HTTP_MAX);
			goto fail;
		}
	}
	close(fd);
	if (buf == NULL)
		buf = xmalloc(1);
	buf[n] = '\0';
	if (http_split(buf, n, &b, len, cause, clen) == -1) {
		free(buf);
		return -1;
	}
	memmove(buf, b, *len + 1);
	*body = buf;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}
