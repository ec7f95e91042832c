/*
 * Rows from a TSV or CSV file, one record at a time, fields by position.
 * TSV fields point into the read buffer and keep their escapes (so a
 * passthrough column is copied out untouched); CSV fields come from libcsv
 * already unquoted.  Both stay valid until the next rows_next().
 */
#ifndef ROWS_H
#define ROWS_H
#include <stddef.h>
#include <stdio.h>

enum rows_format { ROWS_AUTO, ROWS_TSV, ROWS_CSV, ROWS_SSV };

struct field {
	const char	*s;
	size_t		 len;
};

struct row {
	struct field	*fields;
	size_t		 count;
	long		 line;		/* first physical line of the record */
	const char	*raw;		/* the record as read, without line end */
	size_t		 raw_len;
	int		 escaped;	/* fields are in TSV-escaped form */
	int		 has_backslash;	/* escaped, and some field holds an escape */
};

struct rows;

/*
 * Open path ("-" or NULL: stdin) and read its header.  Returns NULL with
 * *errstr set when the file cannot be opened or read, or its header line is
 * malformed CSV.  An empty input has a header of no columns and no rows.
 */
struct rows *rows_open(const char *path, enum rows_format format,
	    const char **errstr);

/* The header row (unescaped names). */
const struct row *rows_header(const struct rows *r);

/* Name for messages: the path, or "<stdin>". */
const char *rows_name(const struct rows *r);
enum rows_format rows_format_of(const struct rows *r);
/* The file descriptor read, for fstat(2). */
int	rows_fd(const struct rows *r);

/*
 * Next record into *row: 1, 0 at end of input, -1 on a read error or a
 * malformed CSV record (*errstr says which; row->line and row->raw describe
 * the bad record, and reading may go on after a malformed record).
 */
int	rows_next(struct rows *r, struct row *row, const char **errstr);

/*
 * rows_next for readers that take only whole rows: a record whose field
 * count is not the header's is -1 too, *errstr "row has N fields, the
 * header M" (valid until the next call), and reading goes on.
 */
int	rows_next_whole(struct rows *r, struct row *row, const char **errstr);

/* 1 after a read error that ends the input (as opposed to a bad record). */
int	rows_failed(const struct rows *r);

void	rows_close(struct rows *r);

/* Index of the header column named exactly name, or -1. */
int	rows_column(const struct rows *r, const char *name);

/*
 * The same, else the first column whose name matches ignoring ASCII case,
 * spaces and punctuation ("Flags", "Disputed?"), as exports write them.
 */
int	rows_column_loose(const struct rows *r, const char *name);

/*
 * A field's value unescaped when the row is TSV and it holds a backslash;
 * otherwise the field itself.  An unescaped value lives in *scratch, valid
 * until the next call with the same scratch.
 */
struct field rows_unescape(const struct row *row, size_t i, char **scratch,
	    size_t *scratch_size);

static inline struct field
rows_value(const struct row *row, size_t i, char **scratch, size_t *scratch_size)
{
	if (!row->has_backslash)
		return row->fields[i];
	return rows_unescape(row, i, scratch, scratch_size);
}

/* A value without the spaces and tabs around it. */
static inline struct field
rows_trim(struct field f)
{
	while (f.len > 0 && (f.s[0] == ' ' || f.s[0] == '\t'))
		f.s++, f.len--;
	while (f.len > 0 && (f.s[f.len - 1] == ' ' || f.s[f.len - 1] == '\t'))
		f.len--;
	return f;
}

/* "csv", "tsv", "ssv" or "auto" to a format; -1 if unknown. */
int	rows_parse_format(const char *name, enum rows_format *format);

#endif
