/* A private directory for fuzz targets whose parser reads a file by path. */
#ifndef MAILNOC_FUZZ_TMP_H
#define MAILNOC_FUZZ_TMP_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_dir[64];

static void
fuzz_tmp_cleanup(void)
{
	rmdir(fuzz_dir);
}

/*
 * Returns the directory, made on the first call and removed at exit; each
 * target removes the files it made there after every input.
 */
static const char *
fuzz_tmp_dir(void)
{
	if (fuzz_dir[0] != '\0')
		return fuzz_dir;
	snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/mailnoc-fuzz.XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL)
		__builtin_trap();
	atexit(fuzz_tmp_cleanup);
	return fuzz_dir;
}

/* Writes the input to `path`, replacing what was there. */
static void
fuzz_tmp_write(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd == -1 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		__builtin_trap();
	close(fd);
}

#endif
