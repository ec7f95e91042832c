/* The libcsv wrapper: strict RFC 4180, spaces kept, records queued. */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "ealloc.h"

#define CSVIN_OPTIONS	(CSV_STRICT | CSV_STRICT_FINI)

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
	if (c->text_len + len > c->text_size) {
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

void
csvin_free(struct csvin *c)
{
	csv_free(&c->parser);
	free(c->text);
	free(c->starts);
	free(c->lens);
	free(c->record_ends);
}
