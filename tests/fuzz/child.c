/*
 * fuzz_child: see child.h.  The counters are the inline 8-bit counters of
 * -fsanitize=fuzzer (section __sancov_cntrs); without them (the plain
 * replay build) there is nothing to copy.  exit, err and errx are wrapped
 * (ld --wrap) so that in the child they end it with _exit: libc's exit
 * would run libFuzzer's handler, which takes any exit for a finding.  So
 * is atexit: what the filter registers in the child runs at its end, as
 * exit would run it (agency-pack removes its temporary batch so).
 */
#define _GNU_SOURCE
#include <err.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

extern unsigned char __start___sancov_cntrs[] __attribute__((weak));
extern unsigned char __stop___sancov_cntrs[] __attribute__((weak));

void	__real_exit(int) __attribute__((noreturn));
int	__real_atexit(void (*)(void));
int	__wrap_atexit(void (*)(void));
void	__wrap_exit(int) __attribute__((noreturn));
void	__wrap_err(int, const char *, ...) __attribute__((noreturn));
void	__wrap_errx(int, const char *, ...) __attribute__((noreturn));

static unsigned char *shared;	/* the child's counters, for the parent */
static int in_child;
static int stderr_fd = -1;	/* the child's stderr, kept */
static void (*handlers[32])(void);	/* atexit in the child */
static int nhandlers;

static size_t
counters_len(void)
{
	return (uintptr_t)__stop___sancov_cntrs - (uintptr_t)__start___sancov_cntrs;
}

static void
child_exit(int status)
{
	while (nhandlers > 0)
		handlers[--nhandlers]();
	fflush(NULL);
	if (shared != NULL)
		memcpy(shared, __start___sancov_cntrs, counters_len());
	_exit(status);
}

void
__wrap_exit(int status)
{
	if (in_child)
		child_exit(status);
	__real_exit(status);
}

int
__wrap_atexit(void (*fn)(void))
{
	if (!in_child)
		return __real_atexit(fn);
	if (nhandlers == 32)
		return -1;
	handlers[nhandlers++] = fn;
	return 0;
}

void
__wrap_err(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	__wrap_exit(status);
}

void
__wrap_errx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	__wrap_exit(status);
}

void
fuzz_child_stderr(void)
{
	char buf[4096];
	ssize_t n;
	off_t at = 0;

	while ((n = pread(stderr_fd, buf, sizeof(buf), at)) > 0) {
		if (write(2, buf, n) != n)
			break;
		at += n;
	}
}

int
fuzz_child(void (*fn)(void *), void *arg)
{
	size_t i, len = counters_len();
	pid_t pid;
	int status;

	if (shared == NULL && len > 0 && (shared = mmap(NULL, len,
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		abort();
	if (shared != NULL)
		memset(shared, 0, len);
	if (stderr_fd < 0 && (stderr_fd = memfd_create("stderr", 0)) < 0)
		abort();
	if (ftruncate(stderr_fd, 0) < 0)
		abort();
	fflush(NULL);
	if ((pid = fork()) < 0)
		abort();
	if (pid == 0) {
		in_child = 1;
		if (dup2(stderr_fd, 2) < 0)
			abort();
		fn(arg);
		child_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	/* the child began with the parent's counts: keep the higher */
	for (i = 0; shared != NULL && i < len; i++)
		if (shared[i] > __start___sancov_cntrs[i])
			__start___sancov_cntrs[i] = shared[i];
	if (WIFSIGNALED(status)) {
		fuzz_child_stderr();
		fprintf(stderr, "fuzz_child: killed by signal %d\n",
		    WTERMSIG(status));
		abort();
	}
	return WEXITSTATUS(status);
}
