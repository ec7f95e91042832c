/*
 * The scratch files of fuzz.h: memory files (memfd), named by their
 * /proc/self/fd path so that code which opens a path can read and write
 * them.  A disk file, truncated and rewritten for every input, made the
 * harnesses wait on the disk: a few runs a second instead of thousands.
 */
#define _GNU_SOURCE
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

const char *
fuzz_scratch(void)
{
	char *path;
	int fd;

	if ((fd = memfd_create("fuzz", 0)) < 0)
		err(1, "memfd_create");
	if (asprintf(&path, "/proc/self/fd/%d", fd) < 0)
		err(1, NULL);
	return path;
}

const char *
fuzz_file(const uint8_t *data, size_t size)
{
	static const char *path;
	static int fd = -1;
	size_t done = 0;
	ssize_t n;

	if (path == NULL) {
		path = fuzz_scratch();
		fd = atoi(path + sizeof("/proc/self/fd/") - 1);
	}
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		err(1, "%s", path);
	while (done < size) {
		if ((n = write(fd, data + done, size - done)) <= 0)
			err(1, "%s", path);
		done += n;
	}
	return path;
}
