/*
 * Invoice references in remittance memos: "INV-1043", "inv 1043",
 * "Inv#1043", "INV1043", "invoice no. 1043", several in one memo, and
 * lists that name the prefix once ("INV 1043, 1044 & 1045").  Ids are
 * compared by key: lowercase letters and digits only, so "INV-1043",
 * "inv 1043" and "Inv#1043" all have the key "inv1043".
 */
#ifndef MEMO_H
#define MEMO_H
#include <stddef.h>

#define MEMO_MAX_REFS	16	/* more in one memo are ignored */

/* One reference, as spans of the memo text. */
struct memo_ref {
	size_t	start, len;		/* the whole reference: "INV-1043" */
	size_t	number_start, number_len; /* its number: "1043" */
	int	prefixed;		/* 0 for the later items of a list */
};

struct memo;

/* Compile the patterns (PCRE2, JIT when available); NULL and *errstr on failure. */
struct memo *memo_new(const char **errstr);
void	memo_free(struct memo *m);

/*
 * Find up to max references in s, in memo order; returns how many.
 * A reference's key is memo_key of "inv" and its number for a list item.
 */
size_t	memo_refs(struct memo *m, const char *s, size_t len,
	    struct memo_ref *refs, size_t max);

/*
 * The comparison key of an id: ASCII letters lowercased, digits and bytes
 * >= 0x80 kept, spaces and punctuation dropped.  dst has room for len
 * bytes; returns the key's length.
 */
size_t	memo_key(char *dst, const char *s, size_t len);

/*
 * The key a reference names, "inv" + number key for every reference, so
 * a list item "1044" after "INV 1043" keys as "inv1044".  dst has room
 * for number_len + 3 bytes; returns the length.
 */
size_t	memo_ref_key(char *dst, const char *memo, const struct memo_ref *ref);

#endif
