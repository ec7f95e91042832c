/*
 * CSV records through libcsv, fed one physical line at a time so that the
 * caller knows where each record starts.  Fields come out unquoted, with
 * spaces kept (libcsv would trim them) and records queued, since one line
 * may end several records (a lone CR) or none (a quoted newline).
 */
#ifndef CSVIN_H
#define CSVIN_H
#include <csv.h>
#include <stddef.h>

#include "rows.h"

struct csvin {
	struct csv_parser parser;
	unsigned char	 delim;
	char		*text;		/* field bytes of queued records */
	size_t		 text_len, text_size;
	size_t		*starts;	/* per field: offset into text */
	size_t		*lens;
	size_t		 nfields, fields_size;
	size_t		*record_ends;	/* per record: index past its last field */
	size_t		 nrecords, records_size;
	size_t		 next_record;	/* first record not yet popped */
	size_t		 next_field;
	int		 open_record;	/* a field has begun since the last record end */
	char		*unquoted;	/* csvin_split: fields with doubled quotes */
	size_t		 unquoted_size;
};

/* 0 sends every line through libcsv (the tests compare both ways). */
extern int csvin_fast;

void	csvin_init(struct csvin *c, unsigned char delim);
/* Feed one line with its terminator.  -1 on malformed CSV (the partial
 * record is dropped and the parser starts afresh on the next line). */
int	csvin_feed(struct csvin *c, const char *s, size_t len);
/* End of input: -1 if a quoted field was left open. */
int	csvin_finish(struct csvin *c);
/*
 * The fast path: a line (without its terminator) that holds one whole
 * record of plain RFC 4180, split here at memchr speed.  Fields point into
 * the line, or into c->unquoted for quoted fields holding "" pairs.
 * Returns 0, leaving the line to libcsv, for anything else: a quoted field
 * that goes on past the line, a quote inside an unquoted field, a stray CR,
 * text after a closing quote.  So libcsv stays the judge of every record
 * that is not plain, and of every error.
 */
int	csvin_split(struct csvin *c, const char *line, size_t len,
	    struct field **fields, size_t *fields_size, size_t *count);

/* Pop the next complete record into fields (grown as needed). */
int	csvin_pop(struct csvin *c, struct field **fields, size_t *fields_size,
	    size_t *count);
/* 1 while a record has begun but not ended. */
int	csvin_in_record(const struct csvin *c);
void	csvin_free(struct csvin *c);

#endif
