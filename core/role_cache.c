/* The Redis user's role as last confirmed, kept on disk for when Redis is away. */
#include "core/role_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/*
 * The directory: $MAILNOC_STATE_DIR, $XDG_STATE_HOME/mailnoc or
 * ~/.local/state/mailnoc. Not the audit spool's: a spool on a full or
 * read-only disk must not also lose the role.
 */
static int
role_cache_dir(char *buf, size_t len)
{
	const char *d = getenv("MAILNOC_STATE_DIR"), *home;
	struct passwd pw, *res = NULL;
	char pwbuf[4096];

	if (d != NULL && d[0] == '/') {
		snprintf(buf, len, "%s", d);
		return 0;
	}
	if ((d = getenv("XDG_STATE_HOME")) != NULL && d[0] == '/') {
		snprintf(buf, len, "%s/mailnoc", d);
		return 0;
	}
	home = getenv("HOME");
	if (home == NULL || home[0] != '/') {
		if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &res) != 0 ||
		    res == NULL || res->pw_dir[0] != '/')
			return -1;
		home = res->pw_dir;
	}
	snprintf(buf, len, "%s/.local/state/mailnoc", home);
	return 0;
}

/* PATH of the file for `user`; -1 if there is no place for it. */
static int
role_cache_path(const char *user, char *buf, size_t len)
{
	char dir[4096];
	const char *u = user != NULL ? user : "default";
	size_t off, i;

	if (role_cache_dir(dir, sizeof dir) == -1)
		return -1;
	off = (size_t)snprintf(buf, len, "%s/role-", dir);
	/* ACL user names are free text to Redis: keep the file name plain. */
	for (i = 0; u[i] != '\0' && off + 1 < len && i < 64; i++)
		buf[off++] = (u[i] >= 'a' && u[i] <= 'z') ||
		    (u[i] >= 'A' && u[i] <= 'Z') || (u[i] >= '0' &&
		    u[i] <= '9') || u[i] == '-' || u[i] == '.' ? u[i] : '_';
	if (off + 1 >= len)
		return -1;
	buf[off] = '\0';
	return 0;
}

int
role_cache_get(const char *user, long long now)
{
	char path[4200], text[64], word[16];
	long long at;
	ssize_t n;
	int fd;

	if (role_cache_path(user, path, sizeof path) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (sscanf(text, "%15s %lld", word, &at) != 2 || at > now ||
	    now - at > ROLE_CACHE_MAX_AGE_S)
		return -1;
	if (strcmp(word, "write") == 0)
		return 1;
	if (strcmp(word, "read") == 0)
		return 0;
	return -1;
}

void
role_cache_put(const char *user, bool may_write, long long now)
{
	char path[4200], tmp[4300], text[64], dir[4200], *slash;
	int fd, n;

	if (role_cache_path(user, path, sizeof path) == -1)
		return;
	/* The directories above it, as the audit spool makes them: 0700. */
	snprintf(dir, sizeof dir, "%s", path);
	for (slash = strchr(dir + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return;
		*slash = '/';
	}
	n = snprintf(text, sizeof text, "%s %lld\n", may_write ? "write" :
	    "read", now);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return;
	if (write(fd, text, (size_t)n) != n) {
		close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	if (rename(tmp, path) == -1)
		unlink(tmp);
}
