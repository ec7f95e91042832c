/* The libcsv wrapper: strict RFC 4180, spaces kept, records queued. */
#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "ealloc.h"
#include "scan.h"

#define CSVIN_OPTIONS	(CSV_STRICT | CSV_STRICT_FINI)

int csvin_fast = 1;

/* libcsv trims spaces and tabs around unquoted fields unless told not to:
 * an export's " 12.00" is data, and trimming is the filter's decision. */
static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void
start_parser(struct csvin *c)
{
	csv_init(&c->parser, CSVIN_OPTIONS);
	csv_set_delim(&c->parser, c->delim);
	csv_set_space_func(&c->parser, no_space);
}

void
csvin_init(struct csvin *c, unsigned char delim)
{
	memset(c, 0, sizeof(*c));
	c->delim = delim;
	start_parser(c);
}

static void
on_field(void *s, size_t len, void *data)
{
	struct csvin *c = data;

	if (c->nfields == c->fields_size) {
		c->fields_size = c->fields_size ? c->fields_size * 2 : 64;
		c->starts = ereallocarray(c->starts, c->fields_size, sizeof(size_t));
		c->lens = ereallocarray(c->lens, c->fields_size, sizeof(size_t));
	}
	/* allocated even for a record of empty fields: csvin_pop's
	 * text + offset must not be NULL + 0 */
	if (c->text == NULL || c->text_len + len > c->text_size) {
		c->text_size = (c->text_len + len) * 2 + 4096;
		c->text = ereallocarray(c->text, c->text_size, 1);
	}
	if (len)
		memcpy(c->text + c->text_len, s, len);
	c->starts[c->nfields] = c->text_len;
	c->lens[c->nfields] = len;
	c->text_len += len;
	c->nfields++;
	c->open_record = 1;
}

static void
on_record(int term, void *data)
{
	struct csvin *c = data;

	(void)term;
	if (c->nrecords == c->records_size) {
		c->records_size = c->records_size ? c->records_size * 2 : 16;
		c->record_ends = ereallocarray(c->record_ends, c->records_size,
		    sizeof(size_t));
	}
	c->record_ends[c->nrecords++] = c->nfields;
	c->open_record = 0;
}

/* Forget the fields of a record that failed, and restart libcsv: after a
 * parse error its state is undefined until csv_free and csv_init. */
static void
drop_partial(struct csvin *c)
{
	size_t keep = c->nrecords ? c->record_ends[c->nrecords - 1] : 0;

	c->nfields = keep;
	c->text_len = keep ? c->starts[keep - 1] + c->lens[keep - 1] : 0;
	c->open_record = 0;
	csv_free(&c->parser);
	start_parser(c);
}

/* Once every queued record is popped, reuse the buffers from the start. */
static void
compact(struct csvin *c)
{
	if (c->next_record < c->nrecords || c->open_record)
		return;
	c->nrecords = c->next_record = 0;
	c->nfields = c->next_field = 0;
	c->text_len = 0;
}

int
csvin_feed(struct csvin *c, const char *s, size_t len)
{
	compact(c);
	if (csv_parse(&c->parser, s, len, on_field, on_record, c) == len)
		return 0;
	drop_partial(c);
	return -1;
}

int
csvin_finish(struct csvin *c)
{
	compact(c);
	if (csv_fini(&c->parser, on_field, on_record, c) == 0)
		return 0;
	drop_partial(c);
	return -1;
}

int
csvin_in_record(const struct csvin *c)
{
	return c->open_record || c->parser.pstate != 0 || c->parser.entry_pos != 0;
}

int
csvin_pop(struct csvin *c, struct field **fields, size_t *fields_size,
    size_t *count)
{
	size_t end, i, n;

	if (c->next_record == c->nrecords)
		return 0;
	end = c->record_ends[c->next_record++];
	n = end - c->next_field;
	if (n > *fields_size) {
		*fields_size = n * 2;
		*fields = ereallocarray(*fields, *fields_size, sizeof(**fields));
	}
	for (i = 0; i < n; i++) {
		(*fields)[i].s = c->text + c->starts[c->next_field + i];
		(*fields)[i].len = c->lens[c->next_field + i];
	}
	c->next_field = end;
	*count = n;
	return 1;
}

static void
add_field(struct field **fields, size_t *fields_size, size_t n,
    const char *s, size_t len)
{
	if (n == *fields_size) {
		*fields_size = *fields_size ? *fields_size * 2 : 64;
		*fields = ereallocarray(*fields, *fields_size, sizeof(**fields));
	}
	(*fields)[n].s = s;
	(*fields)[n].len = len;
}

/*
 * A quoted field starting at p (after its opening quote): its end, just
 * past the closing quote, or NULL when the line does not close it plainly.
 * Doubled quotes are undone into c->unquoted at *used.
 */
static const char *
quoted_field(struct csvin *c, const char *p, const char *end, size_t *used,
    const char **text, size_t *len)
{
	const char *q = memchr(p, '"', end - p), *start = p;
	size_t at;

	if (q == NULL)
		return NULL;		/* goes on to the next line */
	if (q + 1 == end || q[1] == c->delim) {
		*text = p;		/* the common case: nothing to undo */
		*len = q - p;
		return q + 1;
	}
	if (q[1] != '"')
		return NULL;
	at = *used;
	for (;;) {
		if (at + (q - start) + 1 > c->unquoted_size)
			return NULL;	/* bigger than the line: cannot be */
		memcpy(c->unquoted + at, start, q - start);
		at += q - start;
		if (q + 1 < end && q[1] == '"') {
			c->unquoted[at++] = '"';
			start = q + 2;
		} else if (q + 1 == end || q[1] == c->delim)
			break;
		else
			return NULL;
		if ((q = memchr(start, '"', end - start)) == NULL)
			return NULL;
	}
	*text = c->unquoted + *used;
	*len = at - *used;
	*used = at;
	return q + 1;
}

/* A line with no quote at all: fields are what lies between delimiters. */
static int
split_unquoted(struct csvin *c, const char *line, size_t len,
    struct field **fields, size_t *fields_size, size_t *count)
{
	const char *p = line, *end = line + len, *next;
	size_t n = 0;

	for (;;) {
		next = scan_byte(p, end, c->delim);
		add_field(fields, fields_size, n++, p, next - p);
		if (next == end)
			break;
		p = next + 1;
	}
	*count = n;
	return 1;
}

int
csvin_split(struct csvin *c, const char *line, size_t len,
    struct field **fields, size_t *fields_size, size_t *count)
{
	const char *p = line, *end = line + len, *next, *text;
	size_t n = 0, used = 0, flen;

	if (!csvin_fast || memchr(line, '\r', len) != NULL)
		return 0;
	if (memchr(line, '"', len) == NULL)
		return split_unquoted(c, line, len, fields, fields_size, count);
	if (c->unquoted_size < len) {
		c->unquoted_size = len * 2;
		c->unquoted = ereallocarray(c->unquoted, c->unquoted_size, 1);
	}
	for (;;) {
		if (p < end && *p == '"') {
			if ((next = quoted_field(c, p + 1, end, &used, &text,
			    &flen)) == NULL)
				return 0;
		} else {
			next = scan_either(p, end, c->delim, '"');
			if (next < end && *next == '"')
				return 0;	/* libcsv's strict error */
			text = p;
			flen = next - p;
		}
		add_field(fields, fields_size, n++, text, flen);
		if (next == end)
			break;
		p = next + 1;
	}
	*count = n;
	return 1;
}

void
csvin_free(struct csvin *c)
{
	free(c->unquoted);
	csv_free(&c->parser);
	free(c->text);
	free(c->starts);
	free(c->lens);
	free(c->record_ends);
}
