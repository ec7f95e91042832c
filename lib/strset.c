/*
 * A grow-only string set for duplicate-id checks over millions of rows.
 * Strings are packed into fixed 64 MiB arena chunks (never moved, so no
 * copy when the arena grows), each behind a one-byte length (four bytes
 * for the rare id of 255 bytes or more); the open-addressing table stores
 * 8-byte slots, a 24-bit hash tag and a 40-bit arena offset, and is let
 * fill to three quarters.  About 27 bytes per 11-byte id.
 */
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "strset.h"

#define CHUNK_BITS	26
#define CHUNK_SIZE	((size_t)1 << CHUNK_BITS)
#define OFFSET_BITS	40
#define OFFSET_MASK	(((uint64_t)1 << OFFSET_BITS) - 1)

struct strset {
	uint64_t	*slots;		/* 0 = empty */
	size_t		 mask;
	size_t		 count;
	char		**chunks;
	size_t		 nchunks;
	size_t		 used;		/* bytes used in the last chunk */
};

static inline uint64_t
mix(uint64_t h)
{
	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ULL;
	return h ^ (h >> 32);
}

uint64_t
strset_hash(const char *s, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ len, w = 0, w2 = 0;

	/* ids are short: two (perhaps overlapping) words cover up to 16 */
	if (len >= 8 && len <= 16) {
		memcpy(&w, s, 8);
		memcpy(&w2, s + len - 8, 8);
		return mix((h ^ w) * 0x94D049BB133111EBULL ^ w2);
	}
	while (len >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
		h ^= h >> 29;
		s += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, s, len);
	return mix((h ^ w) * 0x94D049BB133111EBULL);
}

struct strset *
strset_new(void)
{
	struct strset *set = ecalloc(1, sizeof(*set));

	set->mask = 1023;
	set->slots = ebigalloc((set->mask + 1) * sizeof(uint64_t));
	return set;
}

/*
 * Entry layout: a length byte, then the bytes; a length byte of 255 is
 * followed by the real length in four bytes.  Offsets start at 1.
 */
static const char *
entry_at(const struct strset *set, uint64_t off, size_t *len)
{
	const unsigned char *p = (const unsigned char *)set->chunks[(off - 1) >>
	    CHUNK_BITS] + ((off - 1) & (CHUNK_SIZE - 1));
	uint32_t n;

	if (p[0] < 255) {
		*len = p[0];
		return (const char *)p + 1;
	}
	memcpy(&n, p + 1, 4);
	*len = n;
	return (const char *)p + 5;
}

static uint64_t
store(struct strset *set, const char *s, size_t len)
{
	size_t head = len < 255 ? 1 : 5, need = len + head;
	uint32_t n = (uint32_t)len;
	char *p;

	if (set->nchunks == 0 || set->used + need > CHUNK_SIZE) {
		set->chunks = ereallocarray(set->chunks, set->nchunks + 1,
		    sizeof(char *));
		set->chunks[set->nchunks++] = ebigalloc(CHUNK_SIZE);
		set->used = 0;
	}
	p = set->chunks[set->nchunks - 1] + set->used;
	if (head == 1)
		p[0] = (char)len;
	else {
		p[0] = (char)255;
		memcpy(p + 1, &n, 4);
	}
	memcpy(p + head, s, len);
	set->used += need;
	return ((uint64_t)(set->nchunks - 1) << CHUNK_BITS) + (p - set->chunks[set->nchunks - 1]) + 1;
}

static size_t
find_slot(const struct strset *set, const char *s, size_t len, uint64_t h,
    int *found)
{
	uint64_t tag = (h >> OFFSET_BITS) << OFFSET_BITS;
	size_t i = h & set->mask, elen;
	const char *e;

	for (;; i = (i + 1) & set->mask) {
		uint64_t slot = set->slots[i];

		if (slot == 0) {
			*found = 0;
			return i;
		}
		if ((slot & ~OFFSET_MASK) != tag)
			continue;
		e = entry_at(set, slot & OFFSET_MASK, &elen);
		if (elen == len && memcmp(e, s, len) == 0) {
			*found = 1;
			return i;
		}
	}
}

static void
resize(struct strset *set, size_t newsize)
{
	uint64_t *old = set->slots;
	size_t oldsize = set->mask + 1, i, j, len;
	const char *e;

	set->mask = newsize - 1;
	set->slots = ebigalloc((set->mask + 1) * sizeof(uint64_t));
	for (i = 0; i < oldsize; i++) {
		if (old[i] == 0)
			continue;
		e = entry_at(set, old[i] & OFFSET_MASK, &len);
		for (j = strset_hash(e, len) & set->mask; set->slots[j];
		    j = (j + 1) & set->mask)
			;
		set->slots[j] = old[i];
	}
	ebigfree(old, oldsize * sizeof(uint64_t));
}

int
strset_add(struct strset *set, const char *s, size_t len)
{
	uint64_t h = strset_hash(s, len);
	int found;
	size_t i = find_slot(set, s, len, h, &found);

	if (found)
		return 0;
	if (len > CHUNK_SIZE - 5)
		len = CHUNK_SIZE - 5;	/* no id is this long; keep the prefix */
	set->slots[i] = ((h >> OFFSET_BITS) << OFFSET_BITS) | store(set, s, len);
	if (++set->count * 4 > set->mask * 3)
		resize(set, (set->mask + 1) * 2);
	return 1;
}

void
strset_reserve(struct strset *set, size_t n)
{
	size_t size = set->mask + 1;

	while (n > size / 4 * 3)
		size *= 2;
	if (size > set->mask + 1)
		resize(set, size);
}

void
strset_prefetch(const struct strset *set, const char *s, size_t len)
{
	__builtin_prefetch(&set->slots[strset_hash(s, len) & set->mask]);
}

int
strset_has(const struct strset *set, const char *s, size_t len)
{
	int found;

	find_slot(set, s, len, strset_hash(s, len), &found);
	return found;
}

size_t
strset_count(const struct strset *set)
{
	return set->count;
}

void
strset_free(struct strset *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nchunks; i++)
		ebigfree(set->chunks[i], CHUNK_SIZE);
	free(set->chunks);
	ebigfree(set->slots, (set->mask + 1) * sizeof(uint64_t));
	free(set);
}
