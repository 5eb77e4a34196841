/* notify_listen: stands in for systemd's NOTIFY_SOCKET in tests. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/clock.h"

/*
 * notify_listen PATH SECONDS: binds a datagram socket at PATH and prints
 * every notification received, one per line with its newlines shown as '|',
 * until one holds STOPPING=1 or SECONDS have passed. Exit status:
 * 0 STOPPING=1 seen, 1 timed out, 2 bad usage or socket error.
 */
int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	char buf[4096];
	long long end;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof sun.sun_path) {
		fprintf(stderr, "usage: notify_listen PATH SECONDS\n");
		return 2;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[1],
		    strerror(errno));
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	end = clock_mono_ms() + atoi(argv[2]) * 1000LL;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long long left = end - clock_mono_ms();
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof buf - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		for (char *p = buf; *p != '\0'; p++)
			if (*p == '\n')
				*p = '|';
		printf("%s\n", buf);
		if (strstr(buf, "STOPPING=1") != NULL) {
			unlink(argv[1]);
			return 0;
		}
	}
	unlink(argv[1]);
	return 1;
}
