/*
 * Person names folded for comparison: "Dr. SMITH,  José Jr." and
 * "jose smith" fold alike.  The folded form is only a key; the name a
 * filter writes out is the one it read.
 */
#ifndef NAME_H
#define NAME_H
#include <stddef.h>

#define NAME_FOLD_MAX	128	/* longest folded key kept, with NUL */

/*
 * Fold s into dst (size bytes, NUL-terminated): lowercase, accents of
 * Latin-1 and Latin Extended-A taken off (é e, ß ss, ł l), apostrophes
 * dropped, other punctuation and runs of space made one space, "Last,
 * First" turned to "first last", honorifics (Mr Mrs Ms Miss Dr Prof ...)
 * and suffixes (Jr Sr II III IV PhD Esq ...) removed.  Returns the length.
 */
size_t	name_fold(const char *s, size_t len, char *dst, size_t size);

/*
 * 1 when two folded names may belong to one person: either is empty, they
 * are equal, they are the same two names swapped, or they share the
 * surname (the last word of one is a later word of the other) and their
 * first names are equal or one is the other's initial.
 */
int	name_compatible(const char *a, const char *b);

#endif
