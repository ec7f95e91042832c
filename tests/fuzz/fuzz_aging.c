/*
 * aging-normalize's whole row path: the filter itself, compiled in with
 * its main renamed, run on the input as a file, then on its own output.
 * Properties: every row read is written, rejected or dropped (SPEC 1:
 * nothing is lost); the output is canonical, so a second run over it
 * rejects nothing and writes the same bytes (SPEC 2).  The first byte picks
 * the options (decimal comma, date order, input format, default currency,
 * open-only).  Inputs that the filter refuses whole (a header that is not
 * CSV, no header, a missing column: errx) are skipped before it would exit.
 */
#define main aging_normalize_main
#include "../../filters/aging-normalize.c"
#undef main

#include <fcntl.h>
#include <sys/stat.h>

#include "fuzz.h"

static const char *out_path;

static void
set_options(struct options *opt, unsigned pick)
{
	static const char *const orders[] = { NULL, "ymd", "mdy", "dmy" };
	static const char *const formats[] = { "auto", "tsv", "csv", "ssv" };
	char *argv[16];
	int argc = 0;

	memset(opt, 0, sizeof(*opt));
	argv[argc++] = prog_name;
	argv[argc++] = (char *)"--as-of=2026-03-01";
	argv[argc++] = (char *)"--rejects=/dev/null";
	if (pick & 1)
		argv[argc++] = (char *)"--decimal-comma";
	if (orders[(pick >> 1) & 3]) {
		argv[argc++] = (char *)"--date-order";
		argv[argc++] = (char *)orders[(pick >> 1) & 3];
	}
	argv[argc++] = (char *)"--input-format";
	argv[argc++] = (char *)formats[(pick >> 3) & 3];
	if (pick & 0x20)
		argv[argc++] = (char *)"--currency=EUR";
	if (pick & 0x40)
		argv[argc++] = (char *)"--open-only";
	argv[argc] = NULL;
	optind = 0;	/* glibc: start getopt afresh */
	parse_options(opt, argc, argv);
}

/* One run of the filter over path; its output into *text.  -1: refused. */
static int
run(struct options *opt, const char *path, char **text, size_t *len,
    long long *rejected)
{
	struct state st = { .opt = opt };
	struct alias *alias = load_aliases(opt);
	struct stat sb;
	const char *errstr;
	int fd, c, usable;
	ssize_t n;

	/* open_input() without its errx: a header that is not CSV is refused */
	if ((st.rows = rows_open(path, opt->format, &errstr)) == NULL) {
		alias_free(alias);
		return -1;
	}
	FUZZ_ASSERT(rejects_open(&st.rejects, PROG, opt->cli.rejects_path) == 0);
	map_columns(&st, alias);
	alias_free(alias);
	usable = rows_header(st.rows)->count > 0;
	for (c = COL_INVOICE_ID; c <= COL_DUE_DATE; c++)
		if (c != COL_CURRENCY && c != COL_AMOUNT && c != COL_BALANCE &&
		    c != COL_ISSUE_DATE && st.column_of[c] < 0)
			usable = 0;
	if (st.column_of[COL_AMOUNT] < 0 && st.column_of[COL_BALANCE] < 0)
		usable = 0;
	if (!usable) {
		rejects_close(&st.rejects);
		free_state(&st);
		return -1;
	}
	plan_runs(&st);
	st.canonical_layout = canonical_layout(&st);
	require_columns(&st);
	st.seen_ids = strset_new();
	/* value() has still_escaped() compute scratch + scratch_size, which
	 * is NULL + 0 (undefined; clang's UBSan says so) until a scratch
	 * buffer exists: give every column one, to fuzz past it */
	for (c = 0; c < NCOLUMNS; c++) {
		st.scratch_size[c] = 64;
		st.scratch[c] = emalloc(64);
	}
	if ((fd = open(out_path, O_RDWR | O_TRUNC)) < 0)
		err(1, "%s", out_path);
	st.out = out_open_fd(fd);
	write_header(&st);
	process(&st);
	FUZZ_ASSERT(st.rows_in == st.rows_out + st.rejects.count + st.dropped);
	FUZZ_ASSERT(out_close(st.out) == 0);
	FUZZ_ASSERT(rejects_close(&st.rejects) == 0);
	*rejected = st.rejects.count;
	free_state(&st);
	FUZZ_ASSERT(stat(out_path, &sb) == 0);
	*len = sb.st_size;
	FUZZ_ASSERT((*text = malloc(*len + 1)) != NULL);
	FUZZ_ASSERT((fd = open(out_path, O_RDONLY)) >= 0);
	FUZZ_ASSERT((n = read(fd, *text, *len)) >= 0 && (size_t)n == *len);
	close(fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options opt;
	unsigned pick = fuzz_take(&data, &size);
	char *first, *second;
	size_t first_len, second_len;
	long long rejected;

	if (out_path == NULL)
		out_path = fuzz_scratch();
	set_options(&opt, pick);
	if (run(&opt, fuzz_file(data, size), &first, &first_len, &rejected) < 0)
		return 0;
	/* canonical in, the same out: no options but the as-of date */
	set_options(&opt, pick & 0x40);
	FUZZ_ASSERT(run(&opt, fuzz_file((const uint8_t *)first, first_len),
	    &second, &second_len, &rejected) == 0);
	FUZZ_ASSERT(rejected == 0);
	FUZZ_ASSERT(second_len == first_len);
	FUZZ_ASSERT(memcmp(first, second, first_len) == 0);
	free(first);
	free(second);
	return 0;
}
