/* Allocators that never return NULL: on failure they print and exit 70. */
#ifndef EALLOC_H
#define EALLOC_H
#include <stddef.h>

void	*emalloc(size_t size);
void	*ecalloc(size_t nmemb, size_t size);
void	*ereallocarray(void *ptr, size_t nmemb, size_t size);
char	*estrdup(const char *s);
char	*estrndup(const char *s, size_t len);

/*
 * Zeroed memory for a big table probed at random (a hash set of millions
 * of ids): mapped with transparent huge pages where the kernel allows, so
 * each probe does not also miss the TLB.  Free with ebigfree.
 */
void	*ebigalloc(size_t size);
void	 ebigfree(void *p, size_t size);
/*
 * Grow an ebigalloc block of old_size bytes to size, keeping its contents
 * (the new bytes are zero); and give back the pages past its first keep
 * bytes, which stay as they are (the block keeps its size for ebigfree).
 */
void	*ebigrealloc(void *p, size_t old_size, size_t size);
void	 ebigtrim(void *p, size_t size, size_t keep);

/*
 * Room for more input in a read buffer of *size bytes: the bytes before
 * *pos are spent, so those up to *end move to the front; a full buffer
 * doubles.
 */
void	 ebufroom(char **buf, size_t *pos, size_t *end, size_t *size);

#endif
