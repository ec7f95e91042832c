/*
 * Lines of a canonical TSV, read with pread(2) from a place to a place:
 * the second pass over most rows, and each half of the first pass.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ealloc.h"
#include "invoices.h"

void
lines_start(struct lines *ls, int fd)
{
	memset(ls, 0, sizeof(*ls));
	ls->fd = fd;
	ls->stop = NO_STOP;
	ls->size = 1 << 20;
	ls->buf = emalloc(ls->size);
}

void
lines_end(struct lines *ls)
{
	free(ls->buf);
	free(ls->fields);
}

/* The next line without its LF (and a CR before it); 0 at end, -1 on error. */
int
lines_next(struct lines *ls, const char **line, size_t *len)
{
	char *nl;
	size_t scanned = 0, want;
	ssize_t got;

	for (;;) {
		nl = memchr(ls->buf + ls->pos + scanned, '\n',
		    ls->end - ls->pos - scanned);
		if (nl != NULL)
			break;
		scanned = ls->end - ls->pos;
		if (ls->eof) {
			if (ls->pos == ls->end)
				return 0;
			nl = ls->buf + ls->end;
			break;
		}
		ebufroom(&ls->buf, &ls->pos, &ls->end, &ls->size);
		want = ls->size - ls->end;
		if ((off_t)want > ls->stop - ls->at)
			want = ls->stop - ls->at;
		got = 0;
		if (want > 0)
			do
				got = pread(ls->fd, ls->buf + ls->end, want,
				    ls->at);
			while (got < 0 && errno == EINTR);
		if (got < 0)
			return -1;
		if (got == 0)
			ls->eof = 1;
		ls->at += got;
		ls->end += got;
	}
	*line = ls->buf + ls->pos;
	*len = nl - *line;
	ls->pos += *len + (nl < ls->buf + ls->end);
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	return 1;
}

static void
add_line_field(struct lines *ls, size_t n, const char *s, const char *end)
{
	if (n == ls->fields_size) {
		ls->fields_size = ls->fields_size * 2 + 16;
		ls->fields = ereallocarray(ls->fields, ls->fields_size,
		    sizeof(*ls->fields));
	}
	ls->fields[n].s = s;
	ls->fields[n].len = end - s;
}

/*
 * A line as rows_next gives a TSV record.  Sixteen bytes at a time, the
 * tabs and any backslash found in one pass: a memchr per field cost more
 * than the rest of the first pass's parsing.
 */
void
lines_split(struct lines *ls, const char *line, size_t len, struct row *row)
{
	const char *p = line, *end = line + len, *field = line;
	size_t n = 0;
	int backslash = 0;
#ifdef __SSE2__
	const __m128i tab = _mm_set1_epi8('\t'), bs = _mm_set1_epi8('\\');
	unsigned tabs;

	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);

		tabs = _mm_movemask_epi8(_mm_cmpeq_epi8(v, tab));
		backslash |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, bs));
		for (; tabs; tabs &= tabs - 1) {
			add_line_field(ls, n++, field, p + __builtin_ctz(tabs));
			field = p + __builtin_ctz(tabs) + 1;
		}
	}
#endif
	for (; p < end; p++) {
		if (*p == '\t') {
			add_line_field(ls, n++, field, p);
			field = p + 1;
		} else if (*p == '\\')
			backslash = 1;
	}
	add_line_field(ls, n++, field, end);
	row->fields = ls->fields;
	row->count = n;
	row->line = 0;
	row->raw = line;
	row->raw_len = len;
	row->escaped = 1;
	row->has_backslash = backslash != 0;
}

