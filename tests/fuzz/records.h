/*
 * A filter's files for a harness's checks: chosen fields of every record
 * of a file (read with lib/rows.c, unescaped), copied; a file's bytes; a
 * scratch file made with a fixed text.
 */
#ifndef FUZZ_RECORDS_H
#define FUZZ_RECORDS_H
#include <stddef.h>

#include "rows.h"

#define FUZZ_REC_MAX	8

struct fuzz_rec {
	long		 line;
	int		 bad;		/* rows_next refused it */
	size_t		 count;		/* its fields */
	struct field	 f[FUZZ_REC_MAX];	/* NUL-terminated copies */
};

struct fuzz_table {
	struct fuzz_rec	*r;
	size_t		 n;
	size_t		 width;		/* the header's fields */
	int		 ncols;
};

/* The fields at cols (-1: absent, read as empty) of every record. */
void	fuzz_load(struct fuzz_table *t, const char *path, int ncols,
	    const int *cols);
/* The same by column names, each in the header (else a failed property) or NULL. */
void	fuzz_load_named(struct fuzz_table *t, const char *path, int ncols,
	    const char *const *names);
void	fuzz_unload(struct fuzz_table *t);
/* The file's bytes (malloc'd, a NUL after them); *len their count. */
char	*fuzz_slurp(const char *path, size_t *len);
/* A new scratch file (fuzz_scratch) holding text; its path. */
const char *fuzz_scratch_with(const char *text, size_t len);

static inline int
fuzz_same(struct field a, struct field b)
{
	return a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}

static inline int
fuzz_is(struct field a, const char *s)
{
	return a.len == strlen(s) && memcmp(a.s, s, a.len) == 0;
}

#endif
