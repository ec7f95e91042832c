/*
 * dedupe-contacts' whole row path: the filter itself, compiled in with its
 * main renamed, on the input as a file, rows held in memory (the stream
 * and spill paths need input sorted by customer, which fuzzed input is
 * not: t-dedupe-spill.sh tests them).  Properties: every row read is
 * rejected or in --clusters exactly once (SPEC 1: nothing is lost); every
 * output row is a survivor named in --clusters, and every survivor has
 * one output row.  The first byte picks the region.  Inputs the filter
 * refuses whole (no header, no id columns: errx) are skipped.
 */
#define main dedupe_contacts_main
#include "../../filters/dedupe-contacts.c"
#undef main

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "fuzz.h"

static const char *out_path, *clusters_path;

/* A line of output: bytes may include NUL, so spans, not strings. */
struct span {
	const char	*s;
	size_t		 len;
};

/* The file's lines (without their newline); returns the count. */
static size_t
slurp_lines(const char *path, char **text, struct span **lines)
{
	struct stat sb;
	const char *p, *end, *nl;
	size_t n = 0, len;
	int fd;

	FUZZ_ASSERT(stat(path, &sb) == 0 && (fd = open(path, O_RDONLY)) >= 0);
	len = sb.st_size;
	FUZZ_ASSERT((*text = malloc(len + 1)) != NULL);
	FUZZ_ASSERT(read(fd, *text, len) == (ssize_t)len);
	close(fd);
	FUZZ_ASSERT(len > 0 && (*text)[len - 1] == '\n');
	FUZZ_ASSERT((*lines = calloc(len, sizeof(**lines))) != NULL);
	for (p = *text, end = p + len; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		(*lines)[n].s = p;
		(*lines)[n++].len = nl - p;
	}
	return n;
}

/* The nth tab-separated field of a line. */
static struct span
nth(struct span line, int n)
{
	const char *p = line.s, *end = line.s + line.len, *tab;
	struct span f;

	while (n-- > 0) {
		FUZZ_ASSERT((tab = memchr(p, '\t', end - p)) != NULL);
		p = tab + 1;
	}
	tab = memchr(p, '\t', end - p);
	f.s = p;
	f.len = (tab ? tab : end) - p;
	return f;
}

static int
by_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void
check_output(long long accepted)
{
	char *out_text, *cl_text;
	struct span *out, *cl, *survivors, key;
	size_t nout, ncl, i, distinct = 0;

	nout = slurp_lines(out_path, &out_text, &out);
	ncl = slurp_lines(clusters_path, &cl_text, &cl);
	FUZZ_ASSERT(ncl - 1 == (size_t)accepted);
	FUZZ_ASSERT((survivors = calloc(ncl, sizeof(*survivors))) != NULL);
	for (i = 1; i < ncl; i++)
		survivors[i - 1] = nth(cl[i], 1);
	qsort(survivors, ncl - 1, sizeof(*survivors), by_span);
	for (i = 0; i + 1 < ncl; i++)
		distinct += i == 0 || by_span(&survivors[i], &survivors[i - 1]) != 0;
	FUZZ_ASSERT(nout - 1 == distinct);
	for (i = 1; i < nout; i++) {
		key = nth(out[i], 0);
		FUZZ_ASSERT(bsearch(&key, survivors, ncl - 1, sizeof(*survivors),
		    by_span) != NULL);
	}
	free(survivors);
	free(out);
	free(cl);
	free(out_text);
	free(cl_text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const regions[] = { "US", "GB", "DE", "AU" };
	struct options opt = { .stale_days = 365 };
	struct state st = { .opt = &opt };
	unsigned pick = fuzz_take(&data, &size);
	const char *errstr;
	int fd;

	if (out_path == NULL) {
		out_path = fuzz_scratch();
		clusters_path = fuzz_scratch();
	}
	cli_init(&opt.cli);
	opt.cli.as_of = 20468;	/* 2026-01-15 */
	opt.cli.rejects_path = "/dev/null";
	opt.cli.max_rejects = LLONG_MAX;	/* no message per input */
	opt.region = regions[pick % 4];
	opt.run_bytes = RUN_BYTES;
	opt.clusters_path = clusters_path;
	/* open_files() on a file, without its errx */
	if ((st.rows = rows_open(fuzz_file(data, size), ROWS_AUTO, &errstr)) == NULL)
		return 0;
	if (rows_header(st.rows)->count == 0 ||
	    rows_column(st.rows, "contact_id") < 0 ||
	    rows_column(st.rows, "customer_id") < 0) {
		rows_close(st.rows);
		return 0;
	}
	FUZZ_ASSERT(rejects_open(&st.rejects, PROG, opt.cli.rejects_path) == 0);
	FUZZ_ASSERT((st.clusters = out_open_path(clusters_path, 0644)) != NULL);
	FUZZ_ASSERT((fd = open(out_path, O_WRONLY | O_TRUNC)) >= 0);
	st.out = out_open_fd(fd);
	map_columns(&st);
	st.seen_ids = strset_new();
	write_headers(&st);
	read_all(&st);
	FUZZ_ASSERT(finish(&st) == EX_OK);
	check_output(st.rows_in - st.rejects.count);
	free_state(&st);
	return 0;
}
