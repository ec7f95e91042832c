/*
 * Interned byte strings for reconcile-payments' indexes (customer ids,
 * payment ids, memo keys): the texts in one arena, the table of 32-bit
 * indexes open-addressed with linear probing.  On big tables every visit
 * to memory is a cache miss, so a slot keeps hash bits and, for texts of
 * 8 bytes or less (customer ids mostly), the text itself: a lookup is one
 * visit.  A small filter answers most lookups of absent texts.  An entry
 * costs its text, 8 bytes of offset and 1.4 to 3 16-byte slots.
 */
#include <sys/mman.h>

#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ealloc.h"
#include "reconcile.h"
#include "strset.h"

struct slot {
	uint32_t index;		/* index + 1; 0 for an empty slot */
	uint32_t tag;		/* upper hash bits << 8 | length up to 255 */
	char	 text[8];	/* a text of 8 bytes or less, zero-padded */
};

struct names {
	char		*arena;
	size_t		 arena_len, arena_size;
	uint64_t	*offsets;	/* by index: offset << 24 | length */
	uint32_t	 count, offsets_size;
	struct slot	*slots;
	size_t		 mask;
	uint8_t		*filter;	/* 8 bits per slot, 2 per text; or NULL */
};

#define NAME_MAX_LEN	((1u << 24) - 1)
#define SLOT_TAG(h, len) ((uint32_t)((h) >> 40) << 8 | ((len) > 255 ? 255 : (len)))

struct names *
names_new(int filtered)
{
	struct names *nm = ecalloc(1, sizeof(*nm));

	nm->mask = 1023;
	nm->slots = ebigalloc((nm->mask + 1) * sizeof(*nm->slots));
	if (filtered)
		nm->filter = ebigalloc(nm->mask + 1);
	return nm;
}

const char *
names_text(const struct names *nm, uint32_t i, size_t *len)
{
	*len = nm->offsets[i] & NAME_MAX_LEN;
	return nm->arena + (nm->offsets[i] >> 24);
}

/*
 * A filter of two bits per text, from hash bits the table does not use
 * for its slot: most lookups of absent texts end here, in a table small
 * enough for the cache.
 */
static size_t
filter_bit(const struct names *nm, uint64_t hash, int which)
{
	uint64_t bits = (nm->mask + 1) * 8 - 1;

	return (which ? hash >> 20 : hash >> 40 ^ hash << 3) & bits;
}

static void
filter_add(struct names *nm, uint64_t hash)
{
	size_t a, b;

	if (nm->filter == NULL)
		return;
	a = filter_bit(nm, hash, 0);
	b = filter_bit(nm, hash, 1);
	nm->filter[a >> 3] |= 1 << (a & 7);
	nm->filter[b >> 3] |= 1 << (b & 7);
}

static int
filter_has(const struct names *nm, uint64_t hash)
{
	size_t a = filter_bit(nm, hash, 0), b = filter_bit(nm, hash, 1);

	return nm->filter == NULL || ((nm->filter[a >> 3] >> (a & 7) & 1) &&
	    (nm->filter[b >> 3] >> (b & 7) & 1));
}

static int
slot_holds(const struct names *nm, const struct slot *sl, const char *s,
    size_t len, uint32_t tag)
{
	const char *e;
	size_t elen;

	if (sl->tag != tag)
		return 0;
	if (len <= sizeof(sl->text)) {
		/* the text is in the slot, zero-padded: one word to compare */
		uint64_t a = 0, b;

		memcpy(&a, s, len);
		memcpy(&b, sl->text, sizeof(b));
		return a == b;
	}
	e = names_text(nm, sl->index - 1, &elen);
	return elen == len && memcmp(e, s, len) == 0;
}

static size_t
find_slot(const struct names *nm, const char *s, size_t len, uint64_t hash)
{
	size_t slot = hash & nm->mask;
	uint32_t tag = SLOT_TAG(hash, len);

	while (nm->slots[slot].index != 0 &&
	    !slot_holds(nm, &nm->slots[slot], s, len, tag))
		slot = (slot + 1) & nm->mask;
	return slot;
}

uint64_t
names_hash(const char *s, size_t len)
{
	return strset_hash(s, len);
}

void
names_prefetch(const struct names *nm, uint64_t hash, int slot_too)
{
#ifdef __GNUC__
	size_t a = filter_bit(nm, hash, 0), b = filter_bit(nm, hash, 1);

	if (nm->filter != NULL) {
		__builtin_prefetch(&nm->filter[a >> 3]);
		__builtin_prefetch(&nm->filter[b >> 3]);
	}
	if (slot_too)
		__builtin_prefetch(&nm->slots[hash & nm->mask]);
#else
	(void)nm;
	(void)hash;
	(void)slot_too;
#endif
}

int
names_may_hold(const struct names *nm, uint64_t hash)
{
	return filter_has(nm, hash);
}

uint32_t
names_find(const struct names *nm, const char *s, size_t len)
{
	return names_find_hash(nm, s, len, strset_hash(s, len));
}

uint32_t
names_find_hash(const struct names *nm, const char *s, size_t len,
    uint64_t hash)
{
	size_t slot;

	if (!filter_has(nm, hash))
		return NO_INDEX;
	slot = find_slot(nm, s, len, hash);
	return nm->slots[slot].index ? nm->slots[slot].index - 1 : NO_INDEX;
}

static void
fill_slot(struct slot *sl, uint32_t index, uint64_t hash, const char *s,
    size_t len)
{
	memset(sl, 0, sizeof(*sl));
	sl->index = index + 1;
	sl->tag = SLOT_TAG(hash, len);
	if (len <= sizeof(sl->text))
		memcpy(sl->text, s, len);
}

/*
 * A table of 2^k slots for at least n texts.  Big ones are mapped fresh
 * (zero already, huge pages): calloc'd memory would be faulted in twice.
 */
static void
new_table(struct names *nm, size_t mask)
{
	ebigfree(nm->slots, (nm->mask + 1) * sizeof(*nm->slots));
	if (nm->filter != NULL)
		ebigfree(nm->filter, nm->mask + 1);
	nm->mask = mask;
	nm->slots = ebigalloc((nm->mask + 1) * sizeof(*nm->slots));
	if (nm->filter != NULL)
		nm->filter = ebigalloc(nm->mask + 1);
}

/* Put the texts back in a new table of mask + 1 slots. */
static void
rehash(struct names *nm, size_t mask)
{
	uint64_t ring[16], hash;
	size_t i, slot, len;
	const char *s;

	new_table(nm, mask);
	/* hash 16 entries ahead and prefetch their slots: the writes are random */
	for (i = 0; i < nm->count + 16; i++) {
		if (i >= 16) {
			s = names_text(nm, i - 16, &len);
			hash = ring[i & 15];	/* entry i - 16's */
			slot = hash & nm->mask;
			while (nm->slots[slot].index != 0)
				slot = (slot + 1) & nm->mask;
			fill_slot(&nm->slots[slot], i - 16, hash, s, len);
			filter_add(nm, hash);
		}
		if (i < nm->count) {
			s = names_text(nm, i, &len);
			ring[i & 15] = hash = strset_hash(s, len);
#ifdef __GNUC__
			__builtin_prefetch(&nm->slots[hash & nm->mask], 1);
#endif
		}
	}
}

/*
 * At most 70% full: probes stay within a cache line or two (four slots
 * to a line), and a table of millions of texts, whose every page is a
 * fresh one the kernel must clear, is half the size of a half-full one.
 */
static int
too_full(size_t count, size_t mask)
{
	return count * 10 > (mask + 1) * 7;
}

static void
grow(struct names *nm)
{
	rehash(nm, nm->mask * 2 + 1);
}

/*
 * Huge pages under a reserved arena, before its pages are written: the
 * texts are read at random (payment ids, by the second pass), and with
 * small pages each read also misses the TLB.  Only the 2 MB-aligned
 * inside of the block is advised; a hint the kernel may refuse.
 */
static void
advise_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
	uintptr_t huge = 2 << 20, start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)p + size) & ~(huge - 1);

	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p;
	(void)size;
#endif
}

void
names_reserve(struct names *nm, size_t n, size_t text_bytes)
{
	size_t mask = nm->mask;

	if (n > NO_INDEX / 2)
		n = NO_INDEX / 2;
	while (too_full(n, mask))
		mask = mask * 2 + 1;
	if (mask != nm->mask)
		rehash(nm, mask);
	if (n > nm->offsets_size) {
		nm->offsets_size = n;
		nm->offsets = ereallocarray(nm->offsets, nm->offsets_size,
		    sizeof(*nm->offsets));
	}
	if (nm->arena_len + text_bytes > nm->arena_size) {
		nm->arena_size = nm->arena_len + text_bytes;
		nm->arena = ereallocarray(nm->arena, nm->arena_size, 1);
		advise_huge(nm->arena, nm->arena_size);
	}
}

uint32_t
names_add(struct names *nm, const char *s, size_t len, int *added)
{
	return names_add_hash(nm, s, len, strset_hash(s, len), added);
}

uint32_t
names_add_hash(struct names *nm, const char *s, size_t len, uint64_t hash,
    int *added)
{
	size_t slot = find_slot(nm, s, len, hash);

	*added = 0;
	if (nm->slots[slot].index != 0)
		return nm->slots[slot].index - 1;
	if (len > NAME_MAX_LEN || nm->count == NO_INDEX - 1)
		errx(EX_SOFTWARE, "id too long or too many ids");
	if (nm->arena_len + len > nm->arena_size) {
		nm->arena_size = (nm->arena_len + len) * 2 + 4096;
		nm->arena = ereallocarray(nm->arena, nm->arena_size, 1);
	}
	if (nm->count == nm->offsets_size) {
		nm->offsets_size = nm->offsets_size ? nm->offsets_size * 2 : 256;
		nm->offsets = ereallocarray(nm->offsets, nm->offsets_size,
		    sizeof(*nm->offsets));
	}
	memcpy(nm->arena + nm->arena_len, s, len);
	nm->offsets[nm->count] = (uint64_t)nm->arena_len << 24 | len;
	nm->arena_len += len;
	fill_slot(&nm->slots[slot], nm->count, hash, s, len);
	filter_add(nm, hash);
	*added = 1;
	if (too_full(++nm->count, nm->mask))
		grow(nm);
	return nm->count - 1;
}

uint64_t
names_ref(const struct names *nm, uint32_t i)
{
	return nm->offsets[i];
}

const char *
names_ref_text(const struct names *nm, uint64_t ref, size_t *len)
{
	*len = ref & NAME_MAX_LEN;
	return nm->arena + (ref >> 24);
}

void
names_prefetch_text(const struct names *nm, uint32_t i, int stage)
{
#ifdef __GNUC__
	if (stage == 0)
		__builtin_prefetch(&nm->offsets[i]);
	else
		__builtin_prefetch(nm->arena + (nm->offsets[i] >> 24));
#else
	(void)nm;
	(void)i;
	(void)stage;
#endif
}

void
names_drop_table(struct names *nm)
{
	ebigfree(nm->slots, (nm->mask + 1) * sizeof(*nm->slots));
	if (nm->filter != NULL)
		ebigfree(nm->filter, nm->mask + 1);
	nm->slots = NULL;
	nm->filter = NULL;
}

uint32_t
names_count(const struct names *nm)
{
	return nm->count;
}

size_t
names_bytes(const struct names *nm)
{
	return nm->arena_size + (size_t)nm->offsets_size * sizeof(uint64_t) +
	    (nm->mask + 1) * (sizeof(struct slot) + (nm->filter != NULL));
}

void
names_free(struct names *nm)
{
	if (nm == NULL)
		return;
	free(nm->arena);
	free(nm->offsets);
	if (nm->slots != NULL)
		ebigfree(nm->slots, (nm->mask + 1) * sizeof(*nm->slots));
	if (nm->filter != NULL)
		ebigfree(nm->filter, nm->mask + 1);
	free(nm);
}
