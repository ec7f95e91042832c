/* fuzz_load and the rest: see records.h. */
#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "records.h"

void
fuzz_load(struct fuzz_table *t, const char *path, int ncols, const int *cols)
{
	const char *errstr;
	struct rows *r;
	struct row row;
	struct field v;
	char *scratch = NULL, *copy;
	size_t size = 0, cap = 0;
	int got, k;

	FUZZ_ASSERT(ncols <= FUZZ_REC_MAX);
	FUZZ_ASSERT((r = rows_open(path, ROWS_AUTO, &errstr)) != NULL);
	t->r = NULL;
	t->n = 0;
	t->ncols = ncols;
	t->width = rows_header(r)->count;
	while ((got = rows_next(r, &row, &errstr)) != 0) {
		struct fuzz_rec *rc;

		if (t->n == cap) {
			cap = cap * 2 + 16;
			FUZZ_ASSERT((t->r = realloc(t->r, cap * sizeof(*t->r))) != NULL);
		}
		rc = &t->r[t->n++];
		memset(rc, 0, sizeof(*rc));
		rc->line = row.line;
		rc->bad = got < 0;
		rc->count = got < 0 ? 0 : row.count;
		for (k = 0; k < ncols; k++) {
			v.s = "";
			v.len = 0;
			if (got > 0 && cols[k] >= 0 && (size_t)cols[k] < row.count)
				v = rows_value(&row, cols[k], &scratch, &size);
			FUZZ_ASSERT((copy = malloc(v.len + 1)) != NULL);
			memcpy(copy, v.s, v.len);
			copy[v.len] = '\0';
			rc->f[k].s = copy;
			rc->f[k].len = v.len;
		}
	}
	rows_close(r);
	free(scratch);
}

void
fuzz_load_named(struct fuzz_table *t, const char *path, int ncols,
    const char *const *names)
{
	const char *errstr;
	struct rows *r;
	int cols[FUZZ_REC_MAX], k;

	FUZZ_ASSERT(ncols <= FUZZ_REC_MAX);
	FUZZ_ASSERT((r = rows_open(path, ROWS_AUTO, &errstr)) != NULL);
	for (k = 0; k < ncols; k++) {
		cols[k] = names[k] == NULL ? -1 : rows_column(r, names[k]);
		FUZZ_ASSERT(names[k] == NULL || cols[k] >= 0);
	}
	rows_close(r);
	fuzz_load(t, path, ncols, cols);
}

void
fuzz_unload(struct fuzz_table *t)
{
	size_t i;
	int k;

	for (i = 0; i < t->n; i++)
		for (k = 0; k < t->ncols; k++)
			free((char *)t->r[i].f[k].s);
	free(t->r);
	t->r = NULL;
	t->n = 0;
}

char *
fuzz_slurp(const char *path, size_t *len)
{
	struct stat sb;
	char *text;
	int fd;

	FUZZ_ASSERT((fd = open(path, O_RDONLY)) >= 0 && fstat(fd, &sb) == 0);
	*len = sb.st_size;
	FUZZ_ASSERT((text = malloc(*len + 1)) != NULL);
	FUZZ_ASSERT(read(fd, text, *len) == (ssize_t)*len);
	text[*len] = '\0';
	close(fd);
	return text;
}

const char *
fuzz_scratch_with(const char *text, size_t len)
{
	const char *path = fuzz_scratch();
	int fd;

	if ((fd = open(path, O_WRONLY)) < 0 ||
	    write(fd, text, len) != (ssize_t)len)
		err(1, "%s", path);
	close(fd);
	return path;
}
