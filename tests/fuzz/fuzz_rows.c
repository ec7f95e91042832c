/*
 * rows: the record reader on a file, as TSV, CSV, SSV or sniffed; and the
 * TSV escapes.  Properties: a TSV row's fields lie end to end in its raw
 * line, tab between; lines only go forward; an unescaped value is never
 * longer than its field and escapes back to it; every CSV record split by
 * the fast path is the record libcsv gives (the file is read twice, with
 * csvin_fast on and off, and the two readings must be equal byte for
 * byte, errors and line numbers too).  Found so far: a CR-ended file's
 * line holding an LF split by the fast path, not as libcsv does (fixed).  The first byte picks the format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "fuzz.h"
#include "rows.h"
#include "tsv.h"

/* One reading of the file, serialized for comparison. */
struct reading {
	char	*text;
	size_t	 len, size;
};

static void
put(struct reading *rd, const void *s, size_t len)
{
	if (rd->len + len > rd->size) {
		rd->size = (rd->len + len) * 2 + 256;
		FUZZ_ASSERT((rd->text = realloc(rd->text, rd->size)) != NULL);
	}
	if (len)
		memcpy(rd->text + rd->len, s, len);
	rd->len += len;
}

static void
put_field(struct reading *rd, const char *s, size_t len)
{
	put(rd, &len, sizeof(len));
	put(rd, s, len);
}

static void
check_escapes(const char *s, size_t len)
{
	char *plain = malloc(len + 1), *back;
	size_t plen, blen;

	FUZZ_ASSERT(plain != NULL);
	plen = tsv_unescape(plain, s, len);
	FUZZ_ASSERT(plen <= len);
	blen = tsv_escaped_len(plain, plen);
	FUZZ_ASSERT((back = malloc(blen + 1)) != NULL);
	FUZZ_ASSERT(tsv_escape(back, plain, plen) == blen);
	/* escaping is undone exactly: unescape(escape(x)) == x */
	FUZZ_ASSERT(tsv_unescape(back, back, blen) == plen);
	FUZZ_ASSERT(memcmp(back, plain, plen) == 0);
	free(plain);
	free(back);
}

static void
check_tsv_row(const struct row *row)
{
	char *scratch = NULL;
	size_t scratch_size = 0, i;
	const char *at = row->raw;
	struct field v;

	FUZZ_ASSERT(row->escaped && row->count >= 1);
	for (i = 0; i < row->count; i++) {
		FUZZ_ASSERT(row->fields[i].s == at);
		at += row->fields[i].len;
		FUZZ_ASSERT(memchr(row->fields[i].s, '\t',
		    row->fields[i].len) == NULL);
		if (i + 1 < row->count) {
			FUZZ_ASSERT(*at == '\t');
			at++;
		}
		v = rows_value(row, i, &scratch, &scratch_size);
		FUZZ_ASSERT(v.len <= row->fields[i].len);
		if (!row->has_backslash)
			FUZZ_ASSERT(memchr(row->fields[i].s, '\\',
			    row->fields[i].len) == NULL);
	}
	FUZZ_ASSERT(at == row->raw + row->raw_len);
	free(scratch);
}

static void
read_all(const char *path, enum rows_format format, struct reading *rd)
{
	struct rows *r;
	struct row row;
	const char *errstr;
	const struct row *h;
	long last = 0;
	size_t i;
	int got, rows = 0;

	if ((r = rows_open(path, format, &errstr)) == NULL) {
		FUZZ_ASSERT(errstr != NULL);
		put(rd, "open failed", 11);
		put(rd, errstr, strlen(errstr));
		return;
	}
	h = rows_header(r);
	for (i = 0; i < h->count; i++) {
		FUZZ_ASSERT(strlen(h->fields[i].s) <= h->fields[i].len);
		put_field(rd, h->fields[i].s, h->fields[i].len);
	}
	while ((got = rows_next(r, &row, &errstr)) != 0) {
		FUZZ_ASSERT(++rows < 1000000);
		FUZZ_ASSERT(!rows_failed(r));
		FUZZ_ASSERT(row.line >= last);	/* a line may end several records */
		last = row.line;
		put(rd, &got, sizeof(got));
		put(rd, &row.line, sizeof(row.line));
		put_field(rd, row.raw, row.raw_len);
		if (got < 0) {
			FUZZ_ASSERT(errstr != NULL);
			put(rd, errstr, strlen(errstr));
			continue;
		}
		if (rows_format_of(r) == ROWS_TSV)
			check_tsv_row(&row);
		else
			FUZZ_ASSERT(!row.escaped && !row.has_backslash);
		put(rd, &row.count, sizeof(row.count));
		for (i = 0; i < row.count; i++)
			put_field(rd, row.fields[i].s, row.fields[i].len);
	}
	rows_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum rows_format formats[] = { ROWS_AUTO, ROWS_TSV,
	    ROWS_CSV, ROWS_SSV };
	struct reading fast = { 0 }, slow = { 0 };
	unsigned pick = fuzz_take(&data, &size);
	enum rows_format format = formats[pick % 4];
	const char *path;

	check_escapes((const char *)data, size);
	path = fuzz_file(data, size);
	csvin_fast = 1;
	read_all(path, format, &fast);
	csvin_fast = 0;
	read_all(path, format, &slow);
	csvin_fast = 1;
	FUZZ_ASSERT(fast.len == slow.len);
	FUZZ_ASSERT(fast.len == 0 || memcmp(fast.text, slow.text, fast.len) == 0);
	free(fast.text);
	free(slow.text);
	return 0;
}
