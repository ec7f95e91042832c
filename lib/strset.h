/*
 * A set of byte strings that only grows: the "seen before?" check for
 * invoice and payment ids.  Strings live in one arena; the table holds
 * 8-byte slots, so memory is about 30 bytes per id.
 */
#ifndef STRSET_H
#define STRSET_H
#include <stddef.h>
#include <stdint.h>

struct strset;

struct strset *strset_new(void);
/* 1 if s was added, 0 if it was already there. */
int	strset_add(struct strset *set, const char *s, size_t len);
/* Make room for n strings at once, sparing the rehashes of growing. */
void	strset_reserve(struct strset *set, size_t n);

/*
 * Start fetching the slot s would take: called early in a row's work, it
 * lets the later strset_add find the table's cache line already loaded
 * (over millions of ids that miss is most of the add's cost).
 */
void	strset_prefetch(const struct strset *set, const char *s, size_t len);
int	strset_has(const struct strset *set, const char *s, size_t len);
size_t	strset_count(const struct strset *set);
void	strset_free(struct strset *set);

/* The hash every table in the project uses (64-bit FNV-1a variant). */
uint64_t strset_hash(const char *s, size_t len);

#endif
