/*
 * The record reader every filter uses.  Input is read in big blocks and
 * split in place: a TSV row costs no allocation and no copy.  CSV goes line
 * by line through csvin (libcsv), so a record's first line is known for
 * error messages even when quoted fields hold newlines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "csvin.h"
#include "ealloc.h"
#include "scan.h"
#include "rows.h"
#include "tsv.h"

#define ROWS_BLOCK	(1 << 20)

struct rows {
	int		 fd;
	const char	*name;
	enum rows_format format;
	char		*buf;
	size_t		 size, pos, end;
	int		 eof, failed;
	char		 eol;		/* '\n', or '\r' for old Mac exports */
	long		 line;		/* physical lines consumed */
	struct row	 header;
	char		*header_text;
	struct field	*fields;
	size_t		 fields_size;
	struct csvin	 csv;
	char		*raw;		/* CSV: the lines of the current record */
	size_t		 raw_len, raw_size;
	long		 record_line;
	int		 csv_done;
	char		 count_error[64];	/* rows_next_whole's */
};

/* Read more input behind what is left unconsumed; 0 at end, -1 on error. */
static int
fill(struct rows *r)
{
	ssize_t n;

	ebufroom(&r->buf, &r->pos, &r->end, &r->size);
	do
		n = read(r->fd, r->buf + r->end, r->size - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->failed = 1;
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += n;
	return 1;
}

/*
 * The next physical line, without its terminator (a CR before LF is cut
 * too, so CRLF files read as LF ones).  *term gets the terminator bytes for
 * feeding libcsv.  Returns 1, 0 at end of input, -1 on a read error.
 */
static int
next_line(struct rows *r, const char **line, size_t *len, size_t *termlen)
{
	char *nl;
	size_t scanned = 0;

	for (;;) {
		nl = memchr(r->buf + r->pos + scanned, r->eol,
		    r->end - r->pos - scanned);
		if (nl != NULL)
			break;
		scanned = r->end - r->pos;
		if (r->eof) {
			if (r->pos == r->end)
				return 0;
			nl = r->buf + r->end;	/* last line, no terminator */
			break;
		}
		if (fill(r) < 0)
			return -1;
	}
	*line = r->buf + r->pos;
	*len = nl - *line;
	*termlen = nl < r->buf + r->end;
	r->pos += *len + *termlen;
	if (r->eol == '\n' && *len > 0 && (*line)[*len - 1] == '\r') {
		(*len)--;
		(*termlen)++;
	}
	r->line++;
	return 1;
}

static void
split_tsv(struct rows *r, const char *s, size_t len, struct row *row)
{
	const char *p = s, *end = s + len;
	size_t n = 0;

	for (;;) {
		if (n == r->fields_size) {
			r->fields_size = r->fields_size ? r->fields_size * 2 : 64;
			r->fields = ereallocarray(r->fields, r->fields_size,
			    sizeof(*r->fields));
		}
		p = scan_byte(p, end, '\t');
		r->fields[n].s = s;
		r->fields[n].len = p - s;
		n++;
		if (p == end)
			break;
		s = ++p;
	}
	row->fields = r->fields;
	row->count = n;
	row->escaped = 1;
}

static void
add_field(struct rows *r, size_t n, const char *s, size_t len)
{
	if (n == r->fields_size) {
		r->fields_size = r->fields_size ? r->fields_size * 2 : 64;
		r->fields = ereallocarray(r->fields, r->fields_size,
		    sizeof(*r->fields));
	}
	r->fields[n].s = s;
	r->fields[n].len = len;
}

static void
finish_line(struct rows *r, struct row *row, const char *line,
    const char *nl, size_t n, int backslash)
{
	row->fields = r->fields;
	row->count = n;
	row->escaped = 1;
	row->has_backslash = backslash;
	row->line = ++r->line;
	row->raw = line;
	row->raw_len = nl - line;
	r->pos = nl + 1 - r->buf;
}

#ifdef __SSE2__
/*
 * The TSV hot path: one pass over sixteen bytes at a time finds the tabs,
 * the line end and any backslash together.  Returns 0, having consumed
 * nothing, when the line does not end inside the buffer (or ends in CR):
 * next_line then refills and splits it the plain way.
 */
static int
split_sse2(struct rows *r, struct row *row)
{
	const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n');
	const __m128i bs = _mm_set1_epi8('\\');
	const char *line = r->buf + r->pos, *p = line, *end = r->buf + r->end;
	const char *field = line;
	unsigned tabs, nls, at;
	size_t n = 0;
	int backslash = 0;

	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);

		tabs = _mm_movemask_epi8(_mm_cmpeq_epi8(v, tab));
		nls = _mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
		if (nls)
			tabs &= (1u << __builtin_ctz(nls)) - 1;
		backslash |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) &
		    (nls ? (1u << __builtin_ctz(nls)) - 1 : 0xFFFF);
		for (; tabs; tabs &= tabs - 1) {
			at = __builtin_ctz(tabs);
			add_field(r, n++, field, p + at - field);
			field = p + at + 1;
		}
		if (nls) {
			const char *nl = p + __builtin_ctz(nls);

			if (nl == line || nl[-1] == '\r')
				return 0;	/* blank, or CRLF: the plain way */
			add_field(r, n++, field, nl - field);
			finish_line(r, row, line, nl, n, backslash != 0);
			return 1;
		}
	}
	return 0;
}
#endif

static int
next_tsv(struct rows *r, struct row *row, const char **errstr)
{
	const char *line;
	size_t len, termlen;
	int got;

#ifdef __SSE2__
	if (r->eol == '\n' && split_sse2(r, row))
		return 1;
#endif
	do
		if ((got = next_line(r, &line, &len, &termlen)) <= 0)
			return got;
	while (len == 0);	/* a blank line carries no row */
	split_tsv(r, line, len, row);
	/* one scan of the line spares every field its own */
	row->has_backslash = memchr(line, '\\', len) != NULL;
	row->line = r->line;
	row->raw = line;
	row->raw_len = len;
	/* a field is TSV-escaped text, copied out as it is: an LF in it
	 * (possible only when lines end in CR) would split the output row */
	if (r->eol == '\r' && memchr(line, '\n', len) != NULL) {
		*errstr = "line feed inside a row of a file whose lines end in CR";
		row->count = 0;
		return -1;
	}
	return 1;
}

static void
append_raw(struct rows *r, const char *s, size_t len)
{
	if (r->raw_len + len + 1 > r->raw_size) {
		r->raw_size = (r->raw_len + len + 1) * 2;
		r->raw = ereallocarray(r->raw, r->raw_size, 1);
	}
	if (r->raw_len > 0)
		r->raw[r->raw_len++] = '\n';
	memcpy(r->raw + r->raw_len, s, len);
	r->raw_len += len;
}

static void
pop_csv(struct rows *r, struct row *row)
{
	row->fields = r->fields;
	row->escaped = 0;
	row->has_backslash = 0;
	row->line = r->record_line;
	row->raw = r->raw;
	row->raw_len = r->raw_len;
}

static void
pop_plain(struct rows *r, struct row *row, const char *line, size_t len)
{
	row->fields = r->fields;
	row->escaped = 0;
	row->has_backslash = 0;
	row->line = r->line;
	row->raw = line;
	row->raw_len = len;
}

static int
next_csv(struct rows *r, struct row *row, const char **errstr)
{
	const char *line;
	size_t len, termlen;
	int got;

	for (;;) {
		if (csvin_pop(&r->csv, &r->fields, &r->fields_size, &row->count)) {
			pop_csv(r, row);
			return 1;
		}
		if (r->csv_done)
			return 0;
		if ((got = next_line(r, &line, &len, &termlen)) < 0)
			return -1;
		if (got == 0) {
			r->csv_done = 1;
			if (csvin_finish(&r->csv) < 0)
				goto malformed;
			continue;
		}
		if (!csvin_in_record(&r->csv)) {
			if (len == 0)
				continue;	/* a blank line between records */
			/* a CR-ended file's lines may hold an LF, which
			 * libcsv ends a record at: leave them all to it */
			if (r->eol == '\n' && csvin_split(&r->csv, line, len,
			    &r->fields, &r->fields_size, &row->count)) {
				pop_plain(r, row, line, len);
				return 1;
			}
			r->record_line = r->line;
			r->raw_len = 0;
		}
		append_raw(r, line, len);
		/* the terminator goes in too: it ends the record or, inside
		 * quotes, is part of the field */
		if (csvin_feed(&r->csv, line, len + termlen) < 0)
			goto malformed;
	}
malformed:
	*errstr = r->csv_done ? "unterminated quoted field" : "malformed CSV quoting";
	row->count = 0;
	pop_csv(r, row);
	return -1;
}

int
rows_next(struct rows *r, struct row *row, const char **errstr)
{
	int got;

	*errstr = NULL;
	got = r->format == ROWS_TSV ? next_tsv(r, row, errstr) :
	    next_csv(r, row, errstr);
	if (got < 0 && r->failed)
		*errstr = strerror(errno);
	return got;
}

/* Look at the first line to pick TSV, CSV or SSV, and CR line ends. */
static void
sniff(struct rows *r)
{
	const char *p = r->buf + r->pos, *end = r->buf + r->end;
	const char *lf = memchr(p, '\n', end - p), *cr = memchr(p, '\r', end - p);
	size_t commas = 0, semis = 0, tabs = 0;

	if (cr && (!lf || cr < lf) && cr + 1 < end && cr[1] != '\n')
		r->eol = '\r';
	if (!lf || (cr && cr < lf))
		lf = cr ? cr : end;
	for (; p < lf; p++) {
		commas += *p == ',';
		semis += *p == ';';
		tabs += *p == '\t';
	}
	if (r->format == ROWS_AUTO)
		r->format = tabs || (!commas && !semis) ? ROWS_TSV :
		    semis > commas ? ROWS_SSV : ROWS_CSV;
}

/* Keep a copy of the header: its fields must outlive the read buffer. */
static int
read_header(struct rows *r, const char **errstr)
{
	struct row row;
	size_t i, total = 0;
	char *p;

	switch (rows_next(r, &row, errstr)) {
	case 0:
		return 0;	/* empty input: no columns, no rows */
	case -1:
		return -1;
	}
	for (i = 0; i < row.count; i++)
		total += row.fields[i].len + 1;
	p = r->header_text = emalloc(total);
	r->header.fields = ecalloc(row.count, sizeof(struct field));
	r->header.count = row.count;
	r->header.line = row.line;
	for (i = 0; i < row.count; i++) {
		size_t len = row.fields[i].len;

		memcpy(p, row.fields[i].s, len);
		if (row.escaped)
			len = tsv_unescape(p, p, len);
		p[len] = '\0';
		r->header.fields[i].s = p;
		r->header.fields[i].len = len;
		p += len + 1;
	}
	return 0;
}

struct rows *
rows_open(const char *path, enum rows_format format, const char **errstr)
{
	struct rows *r = ecalloc(1, sizeof(*r));
	int fd = 0;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = open(path, O_RDONLY)) < 0) {
		*errstr = strerror(errno);
		free(r);
		return NULL;
	}
	r->fd = fd;
	r->name = fd == 0 ? "<stdin>" : path;
	r->format = format;
	r->eol = '\n';
	r->size = ROWS_BLOCK;
	r->buf = emalloc(r->size);
	while (!r->eof && memchr(r->buf, '\n', r->end) == NULL &&
	    memchr(r->buf, '\r', r->end) == NULL)
		if (fill(r) < 0)
			break;
	if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;	/* a UTF-8 byte order mark is no part of a name */
	sniff(r);
	if (r->format != ROWS_TSV)
		csvin_init(&r->csv, r->format == ROWS_SSV ? ';' : ',');
	if (r->failed || read_header(r, errstr) < 0) {
		if (r->failed)
			*errstr = strerror(errno);
		rows_close(r);
		return NULL;
	}
	return r;
}

const struct row *
rows_header(const struct rows *r)
{
	return &r->header;
}

const char *
rows_name(const struct rows *r)
{
	return r->name;
}

enum rows_format
rows_format_of(const struct rows *r)
{
	return r->format;
}

int
rows_fd(const struct rows *r)
{
	return r->fd;
}

int
rows_next_whole(struct rows *r, struct row *row, const char **errstr)
{
	int got;

	if ((got = rows_next(r, row, errstr)) <= 0 ||
	    row->count == r->header.count)
		return got;
	snprintf(r->count_error, sizeof(r->count_error),
	    "row has %zu fields, the header %zu", row->count, r->header.count);
	*errstr = r->count_error;
	return -1;
}

int
rows_failed(const struct rows *r)
{
	return r->failed;
}

int
rows_column(const struct rows *r, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < r->header.count; i++)
		if (r->header.fields[i].len == len &&
		    memcmp(r->header.fields[i].s, name, len) == 0)
			return (int)i;
	return -1;
}

/* Next letter or digit of a name, lowercased, from *i on; 0 at the end. */
static int
next_alnum(const char *s, size_t len, size_t *i)
{
	unsigned char c;

	while (*i < len) {
		c = (unsigned char)s[(*i)++];
		if (c >= 'A' && c <= 'Z')
			return c - 'A' + 'a';
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
			return c;
	}
	return 0;
}

static int
loose_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;
	int ca, cb;

	do {
		ca = next_alnum(a, alen, &i);
		cb = next_alnum(b, blen, &j);
		if (ca != cb)
			return 0;
	} while (ca != 0);
	return 1;
}

int
rows_column_loose(const struct rows *r, const char *name)
{
	size_t i;
	int exact = rows_column(r, name);

	if (exact >= 0)
		return exact;
	for (i = 0; i < r->header.count; i++)
		if (loose_equal(r->header.fields[i].s, r->header.fields[i].len,
		    name, strlen(name)))
			return (int)i;
	return -1;
}

struct field
rows_unescape(const struct row *row, size_t i, char **scratch, size_t *scratch_size)
{
	struct field f = row->fields[i];

	if (!row->escaped || f.len == 0 || memchr(f.s, '\\', f.len) == NULL)
		return f;
	if (*scratch_size < f.len + 1) {
		*scratch_size = f.len * 2 + 64;
		*scratch = ereallocarray(*scratch, *scratch_size, 1);
	}
	f.len = tsv_unescape(*scratch, f.s, f.len);
	(*scratch)[f.len] = '\0';
	f.s = *scratch;
	return f;
}

int
rows_parse_format(const char *name, enum rows_format *format)
{
	static const char *const names[] = { "auto", "tsv", "csv", "ssv" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*format = (enum rows_format)i;
			return 0;
		}
	return -1;
}

void
rows_close(struct rows *r)
{
	if (r == NULL)
		return;
	if (r->format != ROWS_TSV && r->format != ROWS_AUTO)
		csvin_free(&r->csv);
	if (r->fd > 0)
		close(r->fd);
	free(r->buf);
	free(r->fields);
	free(r->raw);
	free(r->header_text);
	free(r->header.fields);
	free(r);
}
