/*
 * dedupe-contacts' spill path: runs sorted to temporary files and merged
 * (filters/dedupe-contacts/spill.c).  The filter is compiled in with its
 * main renamed.  The run size (opt.run_bytes, what the test knob
 * DEDUPE_CONTACTS_RUN_BYTES sets) is made tiny, from the first byte, so
 * every input spills a run every few rows and the merge (in several
 * levels past 64 runs) does the whole night.  Spilling needs input not
 * grouped by customer from the start (grouped input takes the stream
 * path, which refuses a customer out of order later): two rows of two
 * customers out of order go in after the header, built for the input's
 * own columns and separator.  Property: the output and --clusters are the
 * same bytes, and the same rows are rejected, as with the whole input in
 * memory (t-dedupe-spill.sh checks the same on generated data).  Inputs
 * the filter refuses whole (no header, no id columns) are skipped.
 */
#define main dedupe_contacts_main
#include "../../filters/dedupe-contacts.c"
#undef main

#include <fcntl.h>
#include <limits.h>

#include "fuzz.h"
#include "records.h"

/* What one run wrote. */
struct result {
	char		*out, *clusters;
	size_t		 out_len, clusters_len;
	long long	 rows_in, rejected;
};

static const char *out_path, *clusters_path, *input_path;
static size_t width;	/* of the input's header */

static void
night(const char *region, size_t run, struct result *res)
{
	struct options opt = { .stale_days = 365 };
	struct state st = { .opt = &opt };
	const char *errstr;
	int fd;

	cli_init(&opt.cli);
	opt.cli.as_of = 20468;	/* 2026-01-15 */
	opt.cli.rejects_path = "/dev/null";
	opt.cli.max_rejects = LLONG_MAX;
	opt.region = region;
	opt.run_bytes = run;
	opt.clusters_path = clusters_path;
	FUZZ_ASSERT((st.rows = rows_open(input_path, ROWS_AUTO, &errstr)) != NULL);
	FUZZ_ASSERT(rejects_open(&st.rejects, PROG, opt.cli.rejects_path) == 0);
	FUZZ_ASSERT((st.clusters = out_open_path(clusters_path, 0644)) != NULL);
	FUZZ_ASSERT((fd = open(out_path, O_WRONLY | O_TRUNC)) >= 0);
	st.out = out_open_fd(fd);
	map_columns(&st);
	st.seen_ids = strset_new();
	write_headers(&st);
	read_all(&st);
	FUZZ_ASSERT(finish(&st) == EX_OK);
	res->rows_in = st.rows_in;
	res->rejected = st.rejects.count;
	free_state(&st);
	res->out = fuzz_slurp(out_path, &res->out_len);
	res->clusters = fuzz_slurp(clusters_path, &res->clusters_len);
}

/* A row of the header's width: the two ids, every other field empty. */
static size_t
put_row(char *p, size_t width, int sep, int id_col, const char *id,
    int customer_col, const char *customer, const char *eol)
{
	char *start = p;
	size_t i;

	for (i = 0; i < width; i++) {
		if (i > 0)
			*p++ = sep;
		if ((int)i == id_col)
			p = stpcpy(p, id);
		else if ((int)i == customer_col)
			p = stpcpy(p, customer);
	}
	p = stpcpy(p, eol);
	return p - start;
}

/*
 * The input with the two rows after its header, as the file input_path;
 * 0 when it has no usable header or the rows do not read back as built.
 */
static int
make_input(const uint8_t *data, size_t size)
{
	static const char *const sep_of[] = { "", "\t", ",", ";" };
	const uint8_t *nl = memchr(data, '\n', size);
	const char *errstr, *eol;
	struct rows *r;
	struct row row;
	size_t head, len, k;
	char *text;
	int id, customer, sep, ok;

	if (nl == NULL ||
	    (r = rows_open(fuzz_file(data, size), ROWS_AUTO, &errstr)) == NULL)
		return 0;
	width = rows_header(r)->count;
	id = rows_column(r, "contact_id");
	customer = rows_column(r, "customer_id");
	sep = sep_of[rows_format_of(r)][0];
	rows_close(r);
	if (width == 0 || width > 1000 || id < 0 || customer < 0 || sep == 0)
		return 0;
	head = nl + 1 - data;
	eol = head >= 2 && nl[-1] == '\r' ? "\r\n" : "\n";
	FUZZ_ASSERT((text = malloc(size + 2 * (width + 40))) != NULL);
	memcpy(text, data, head);
	len = head;
	len += put_row(text + len, width, sep, id, "zz-spill-1", customer,
	    "~~spill", eol);
	len += put_row(text + len, width, sep, id, "zz-spill-2", customer,
	    "!!spill", eol);
	memcpy(text + len, data + head, size - head);
	len += size - head;
	input_path = fuzz_file((uint8_t *)text, len);
	free(text);
	/* the header is one line and the rows are read as built */
	FUZZ_ASSERT((r = rows_open(input_path, ROWS_AUTO, &errstr)) != NULL);
	ok = rows_header(r)->count == width;
	for (k = 1; ok && k <= 2; k++) {
		ok = rows_next(r, &row, &errstr) > 0 && row.count == width &&
		    row.fields[customer].len == 7 &&
		    memcmp(row.fields[customer].s, k == 1 ? "~~spill" : "!!spill",
		    7) == 0;
	}
	rows_close(r);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const regions[] = { "US", "GB", "DE", "AU" };
	struct result mem, spilled;
	unsigned pick = fuzz_take(&data, &size);

	if (out_path == NULL) {
		out_path = fuzz_scratch();
		clusters_path = fuzz_scratch();
		/* the runs: in memory too, where there is a tmpfs */
		if (access("/dev/shm", W_OK) == 0)
			setenv("TMPDIR", "/dev/shm", 1);
	}
	if (!make_input(data, size))
		return 0;
	night(regions[pick % 4], RUN_BYTES, &mem);
	/*
	 * A run every row or every few rows: more than the first row holds
	 * (else the input looks grouped and streams), less than the first two.
	 */
	night(regions[pick % 4], sizeof(struct contact) + 2 * width + 128 +
	    (pick >> 2) * 8, &spilled);
	FUZZ_ASSERT(spilled.rows_in == mem.rows_in);
	FUZZ_ASSERT(spilled.rejected == mem.rejected);
	FUZZ_ASSERT(spilled.out_len == mem.out_len &&
	    memcmp(spilled.out, mem.out, mem.out_len) == 0);
	FUZZ_ASSERT(spilled.clusters_len == mem.clusters_len &&
	    memcmp(spilled.clusters, mem.clusters, mem.clusters_len) == 0);
	free(mem.out);
	free(mem.clusters);
	free(spilled.out);
	free(spilled.clusters);
	return 0;
}
