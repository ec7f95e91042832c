/*
 * night-report's TSV reader: rows of one file, fields by column name,
 * unescaped; currency, money and count fields parsed or the row rejected
 * with file, line and column ("staged.tsv:3: open_balance: invalid amount
 * \"12.345\""), to --rejects or stderr.  The caller turns the count of
 * rejects into the exit status.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "currency.h"
#include "ealloc.h"
#include "money.h"
#include "rows.h"

#include "night-report.h"

#define REASON_MAX	256
#define SLOTS		4	/* field values alive at once */

struct nr_reader {
	struct rows	*rows;
	struct row	 row;
	struct rejects	*rj;
	char		*scratch[SLOTS];
	size_t		 scratch_size[SLOTS];
	int		 slot;
};

struct nr_reader *
nr_open(const char *path, struct rejects *rj)
{
	struct nr_reader *rd = ecalloc(1, sizeof(*rd));
	const char *errstr;

	rd->rj = rj;
	if ((rd->rows = rows_open(path, ROWS_TSV, &errstr)) == NULL)
		errx(EX_NOINPUT, "%s: %s", path, errstr);
	return rd;
}

void
nr_close(struct nr_reader *rd)
{
	int i;

	if (rows_failed(rd->rows))
		errx(EX_IOERR, "%s: read error", rows_name(rd->rows));
	rows_close(rd->rows);
	for (i = 0; i < SLOTS; i++)
		free(rd->scratch[i]);
	free(rd);
}

static void
reject_row(struct nr_reader *rd, const char *reason)
{
	if (rejects_add(rd->rj, rows_name(rd->rows), rd->row.line, reason,
	    rd->row.raw, rd->row.raw_len) == 0)
		warnx("%s:%ld: %s", rows_name(rd->rows), rd->row.line, reason);
}

void
nr_reject(struct nr_reader *rd, const char *column, const char *reason,
    const char *s, size_t len)
{
	char text[REASON_MAX];

	snprintf(text, sizeof(text), "%s: %s \"%.*s\"", column, reason,
	    (int)(len > 64 ? 64 : len), s);
	reject_row(rd, text);
}

/* The next row with the header's field count; 0 at the end. */
int
nr_next(struct nr_reader *rd)
{
	const char *errstr;
	int got;

	while ((got = rows_next_whole(rd->rows, &rd->row, &errstr)) < 0) {
		if (rows_failed(rd->rows))
			errx(EX_IOERR, "%s: %s", rows_name(rd->rows), errstr);
		reject_row(rd, errstr);
	}
	return got;
}

int
nr_column(struct nr_reader *rd, const char *name, int required)
{
	int i = rows_column(rd->rows, name);

	if (i < 0 && required)
		errx(EX_DATAERR, "%s: missing column \"%s\"",
		    rows_name(rd->rows), name);
	return i;
}

/* Each call takes the next scratch buffer, so SLOTS values live at once. */
const char *
nr_value(struct nr_reader *rd, int i, size_t *len)
{
	struct field f;
	int slot = rd->slot;

	if (i < 0) {
		*len = 0;
		return "";
	}
	rd->slot = (rd->slot + 1) % SLOTS;
	f = rows_value(&rd->row, i, &rd->scratch[slot],
	    &rd->scratch_size[slot]);
	*len = f.len;
	return f.s;
}

/* The currency column: a known ISO code into code[4]; -1 if rejected. */
int
nr_read_currency(struct nr_reader *rd, int col, char code[4], int *exponent)
{
	const struct currency *c;
	const char *s;
	size_t len;

	s = nr_value(rd, col, &len);
	if (len != 3 || (c = currency_find(s, len)) == NULL) {
		nr_reject(rd, "currency", "unknown currency", s, len);
		return -1;
	}
	memcpy(code, c->code, 4);
	*exponent = c->exponent;
	return 0;
}

int
nr_read_money(struct nr_reader *rd, int col, const char *name, int exponent,
    int64_t *minor)
{
	const char *s, *errstr;
	size_t len;

	s = nr_value(rd, col, &len);
	if (money_parse_plain(s, len, exponent, minor, &errstr) == 0)
		return 0;
	nr_reject(rd, name, errstr, s, len);
	return -1;
}

int
nr_count(struct nr_reader *rd, int col, const char *name, long min, long *n)
{
	const char *s, *errstr;
	char text[32];
	size_t len;

	s = nr_value(rd, col, &len);
	if (len > 0 && len < sizeof(text)) {
		memcpy(text, s, len);
		text[len] = '\0';
		*n = (long)cli_number(text, min, 1L << 48, &errstr);
		if (errstr == NULL)
			return 0;
	}
	nr_reject(rd, name, "invalid count", s, len);
	return -1;
}
