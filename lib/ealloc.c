/* Allocators that exit on failure, so callers never test for NULL. */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "ealloc.h"

void *
emalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		err(EX_SOFTWARE, "malloc");
	return p;
}

void *
ecalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		err(EX_SOFTWARE, "calloc");
	return p;
}

void *
ereallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size && nmemb > SIZE_MAX / size)
		errx(EX_SOFTWARE, "reallocarray: size overflow");
	p = realloc(ptr, nmemb && size ? nmemb * size : 1);
	if (p == NULL)
		err(EX_SOFTWARE, "realloc");
	return p;
}

char *
estrndup(const char *s, size_t len)
{
	char *p = emalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
estrdup(const char *s)
{
	return estrndup(s, strlen(s));
}

#define BIG_TABLE	(2 * 1024 * 1024)

void *
ebigalloc(size_t size)
{
	void *p;

	if (size < BIG_TABLE)
		return ecalloc(1, size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		err(EX_SOFTWARE, "mmap");
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);	/* a hint: fine if refused */
#endif
	return p;
}

void
ebigfree(void *p, size_t size)
{
	if (p == NULL)
		return;
	if (size < BIG_TABLE)
		free(p);
	else
		munmap(p, size);
}

void *
ebigrealloc(void *p, size_t old_size, size_t size)
{
	void *q;

	if (size <= old_size)
		return p;
	q = ebigalloc(size);
	if (p != NULL) {
		memcpy(q, p, old_size);
		ebigfree(p, old_size);
	}
	return q;
}

void
ebigtrim(void *p, size_t size, size_t keep)
{
#ifdef MADV_DONTNEED
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)p + keep + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + size) & ~(page - 1);

	/* only a mapping of its own: a calloc'd block shares its pages */
	if (p != NULL && size >= BIG_TABLE && end > from)
		(void)madvise((void *)from, end - from, MADV_DONTNEED);
#else
	(void)p;
	(void)size;
	(void)keep;
#endif
}

void
ebufroom(char **buf, size_t *pos, size_t *end, size_t *size)
{
	if (*pos > 0) {
		memmove(*buf, *buf + *pos, *end - *pos);
		*end -= *pos;
		*pos = 0;
	}
	if (*end == *size) {
		*size *= 2;
		*buf = ereallocarray(*buf, *size, 1);
	}
}
