/*
 * Failure injection for tests/t-failinject.sh, loaded with LD_PRELOAD:
 * the Nth call of one function fails as the system would make it fail.
 *
 *	FAIL_CALL=read|write|open|close|fclose|rename|malloc|calloc|realloc
 *	FAIL_AT=N		the Nth call fails (1 is the first)
 *	FAIL_AFTER=1		and every call after it too
 *	FAIL_COUNT=FILE		at exit, write how many calls were made
 *	FAIL_COUNT_ALL=FILE	at exit, write "NAME COUNT" for every function
 *				(whatever FAIL_CALL says: one run counts all)
 *	FAIL_TRACE=1		print a backtrace of the failing call on stderr
 *
 * Only calls through the dynamic symbol are seen: stdio's own reads and
 * writes inside libc are not, which is what a filter's checked paths need
 * (out.c and rows.c call write and read themselves).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static const char *which;	/* the function that fails, or NULL */
static long fail_at, calls;
static int fail_after, ready, trace, tracing;
static const char *const names[] = { "read", "write", "open", "close",
	"fclose", "rename", "malloc", "calloc", "realloc" };
#define NNAMES	(sizeof(names) / sizeof(names[0]))
static long all_calls[NNAMES];	/* for FAIL_COUNT_ALL */

static void
setup(void)
{
	const char *at;

	if (ready)
		return;
	ready = 1;
	which = getenv("FAIL_CALL");
	at = getenv("FAIL_AT");
	fail_at = at ? atol(at) : 0;
	fail_after = getenv("FAIL_AFTER") != NULL;
	trace = getenv("FAIL_TRACE") != NULL;
}

/* backtrace() may itself allocate: no failing while it runs. */
static void
show_trace(void)
{
	void *frames[32];
	int n;

	tracing = 1;
	n = backtrace(frames, 32);
	backtrace_symbols_fd(frames, n, 2);
	tracing = 0;
}

/* 1 when this call of name is to fail. */
static int
fails(const char *name)
{
	size_t i;

	if (!ready || tracing)
		return 0;
	for (i = 0; i < NNAMES; i++)
		if (strcmp(names[i], name) == 0)
			all_calls[i]++;
	if (which == NULL || strcmp(which, name) != 0)
		return 0;
	calls++;
	if (fail_at > 0 && (calls == fail_at || (fail_after && calls > fail_at))) {
		if (trace)
			show_trace();
		return 1;
	}
	return 0;
}

__attribute__((constructor)) static void
init(void)
{
	setup();
}

/* FILE: what was counted, written with the real write(2). */
static void
write_count(const char *path, int all)
{
	ssize_t (*real_write)(int, const void *, size_t);
	char text[64];
	size_t i;
	int fd, n;

	real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return;
	if (!all) {
		n = snprintf(text, sizeof(text), "%ld\n", calls);
		(void)real_write(fd, text, n);
	} else
		for (i = 0; i < NNAMES; i++) {
			n = snprintf(text, sizeof(text), "%s %ld\n", names[i],
			    all_calls[i]);
			(void)real_write(fd, text, n);
		}
	close(fd);
}

__attribute__((destructor)) static void
report(void)
{
	const char *path = getenv("FAIL_COUNT"), *all = getenv("FAIL_COUNT_ALL");

	ready = 0;	/* count no more */
	if (path != NULL)
		write_count(path, 0);
	if (all != NULL)
		write_count(all, 1);
}

#define REAL(type, name, args) \
	static type (*real) args; \
	if (real == NULL) \
		real = (type (*) args)dlsym(RTLD_NEXT, name)

ssize_t
read(int fd, void *buf, size_t n)
{
	REAL(ssize_t, "read", (int, void *, size_t));
	if (fails("read")) {
		errno = EIO;
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(ssize_t, "write", (int, const void *, size_t));
	if (fails("write")) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n);
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	REAL(int, "open", (const char *, int, ...));
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (fails("open")) {
		errno = EMFILE;
		return -1;
	}
	return real(path, flags, mode);
}

/* The descriptor is closed all the same, as after an NFS write-back error. */
int
close(int fd)
{
	REAL(int, "close", (int));
	if (fails("close")) {
		real(fd);
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int
fclose(FILE *fp)
{
	REAL(int, "fclose", (FILE *));
	if (fails("fclose")) {
		real(fp);
		errno = EIO;
		return EOF;
	}
	return real(fp);
}

int
rename(const char *from, const char *to)
{
	REAL(int, "rename", (const char *, const char *));
	if (fails("rename")) {
		errno = EIO;
		return -1;
	}
	return real(from, to);
}

/* dlsym may allocate: malloc goes straight to glibc's, no lookup. */
void *
malloc(size_t size)
{
	if (fails("malloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(size);
}

/* Growing buffers and tables go through realloc, zeroed ones calloc. */
void *
calloc(size_t nmemb, size_t size)
{
	if (fails("calloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(nmemb, size);
}

void *
realloc(void *ptr, size_t size)
{
	if (fails("realloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(ptr, size);
}
