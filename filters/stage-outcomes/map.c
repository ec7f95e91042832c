/*
 * A hash map from byte keys to the indexes of the caller's arrays: the
 * accounts, the names, the report cells, an account's row in a month-end
 * snapshot.  Keys are packed behind a four-byte length into one arena that
 * doubles when full (so a million snapshot rows cost a few dozen
 * reallocations, never one per row); slots hold the arena offset, the value
 * and 32 bits of the hash, and the table is let fill to three quarters.
 */
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "strset.h"
#include "outcomes.h"

struct slot {
	uint64_t	 offset;	/* of the key in the arena, plus 1; 0 = empty */
	uint32_t	 tag;
	uint32_t	 value;
};

struct so_map {
	struct slot	*slots;
	size_t		 mask, count;
	char		*arena;
	size_t		 used, size;
};

struct so_map *
so_map_new(void)
{
	struct so_map *m = ecalloc(1, sizeof(*m));

	m->mask = 255;
	m->slots = ecalloc(m->mask + 1, sizeof(*m->slots));
	return m;
}

void
so_map_free(struct so_map *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m->arena);
	free(m);
}

size_t
so_map_count(const struct so_map *m)
{
	return m->count;
}

static int
same_key(const struct so_map *m, uint64_t offset, const void *key, size_t len)
{
	uint32_t klen;

	memcpy(&klen, m->arena + offset - 1, 4);
	return klen == len && memcmp(m->arena + offset - 1 + 4, key, len) == 0;
}

/* The slot holding key, or the empty one it would take. */
static struct slot *
find_slot(const struct so_map *m, const void *key, size_t len, uint64_t hash)
{
	size_t i = hash & m->mask;
	uint32_t tag = (uint32_t)(hash >> 32);

	for (;; i = (i + 1) & m->mask) {
		struct slot *s = &m->slots[i];

		if (s->offset == 0 || (s->tag == tag &&
		    same_key(m, s->offset, key, len)))
			return s;
	}
}

long
so_map_find(const struct so_map *m, const void *key, size_t len)
{
	const struct slot *s = find_slot(m, key, len, strset_hash(key, len));

	return s->offset ? (long)s->value : -1;
}

static void
grow(struct so_map *m)
{
	struct slot *old = m->slots;
	size_t i, n = m->mask + 1;

	m->mask = n * 2 - 1;
	m->slots = ecalloc(n * 2, sizeof(*m->slots));
	for (i = 0; i < n; i++) {
		uint32_t klen;
		const char *k;

		if (old[i].offset == 0)
			continue;
		k = m->arena + old[i].offset - 1;
		memcpy(&klen, k, 4);
		*find_slot(m, k + 4, klen, strset_hash(k + 4, klen)) = old[i];
	}
	free(old);
}

static uint64_t
store(struct so_map *m, const void *key, size_t len)
{
	uint32_t klen = (uint32_t)len;
	uint64_t offset = m->used + 1;

	while (m->used + 4 + len > m->size) {
		m->size = m->size ? m->size * 2 : 4096;
		m->arena = ereallocarray(m->arena, m->size, 1);
	}
	memcpy(m->arena + m->used, &klen, 4);
	memcpy(m->arena + m->used + 4, key, len);
	m->used += 4 + len;
	return offset;
}

uint32_t
so_map_put(struct so_map *m, const void *key, size_t len, uint32_t value,
    int *added)
{
	uint64_t hash = strset_hash(key, len);
	struct slot *s = find_slot(m, key, len, hash);

	*added = s->offset == 0;
	if (!*added)
		return s->value;
	if ((m->count + 1) * 4 > (m->mask + 1) * 3) {
		grow(m);
		s = find_slot(m, key, len, hash);
	}
	s->offset = store(m, key, len);
	s->tag = (uint32_t)(hash >> 32);
	s->value = value;
	m->count++;
	return value;
}
