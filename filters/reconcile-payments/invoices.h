/*
 * What reconcile-payments' passes over the invoices share among its
 * files: the layout of the input, the counts of the first pass, the
 * rows it parses and batches, the lines reader and the plan's cursors.
 * Private to the filter.
 */
#ifndef INVOICES_H
#define INVOICES_H
#include <sys/types.h>

#include <stdint.h>

#include "out.h"
#include "rows.h"
#include "reconcile.h"

/* What the filter writes into an input column, or appends. */
enum action { KEEP, SET_BALANCE, SET_BUCKET, SET_APPLIED, SET_PAYMENT_IDS,
	SET_PENDING, SET_LAST_PAYMENT };

/* Where the invoice columns are, and what the second pass does with each. */
struct layout {
	int		 invoice_id, customer_id, currency, balance, due_date;
	int		 bucket, days_past_due, applied;	/* -1: absent */
	size_t		 ncolumns;
	unsigned char	*actions;
	enum action	 appended[4];
	int		 nappended;
	int		 rewrites;	/* some column besides balance and bucket is set */
};

/* The invoice input, counted for --stats and for the second pass. */
struct input {
	struct rows	*rows;
	int		 regular;	/* stdin is a regular file: read it again */
	off_t		 start;
	struct out	*spill;		/* else a copy goes here */
	int		 spill_fd;	/* to read it back: it is unlinked */
	char		*spill_path;
	uint64_t	*rejected;	/* row numbers (all rows) rejected in pass 1 */
	size_t		 nrejected, rejected_size;
	uint64_t	 rows_in, kept, rows_out;
	int		 halves;	/* the first pass read it in two halves */
	/* where the second pass may start a stretch, as the halves found */
	struct checkpoint *checkpoints;
	size_t		 ncheckpoints;
	off_t		 end;		/* of the file, as the first pass read it */
};

/* A row that starts a stretch: where, and the plan's cursors there. */
struct checkpoint {
	off_t	 at;
	uint64_t kept;
	size_t	 held, dated, touched;
};

/* The fields of one invoice row that matter here, checked. */
struct invoice_row {
	int	 currency;
	int64_t	 balance;	/* before tonight: a rerun adds back "applied" */
	int32_t	 due;
	struct field id, customer;
};


/*
 * Rows of the first pass wait in a batch so that their two lookups (the
 * customer, the memo key of the invoice id) are prefetched together: on
 * tables of tens of megabytes each lookup is a cache miss, and done one
 * row at a time they would cost more than everything else in the pass.
 */
#define BATCH	32

struct batch {
	struct invoice_row rows[BATCH];
	uint64_t	 ordinal[BATCH];
	uint64_t	 customer_hash[BATCH], key_hash[BATCH];
	size_t		 id_at[BATCH], customer_at[BATCH], key_at[BATCH], key_len[BATCH];
	int		 n;
	char		*text;		/* the ids and keys of the batch */
	size_t		 text_len, text_size;
};

/* Where each of the second pass's plans is, as it walks the kept rows. */
struct plan_cursor {
	size_t	 held, dated, touched;
};

/*
 * Lines of a canonical TSV, read with pread(2) from a place to a place:
 * the second pass over most rows, and each half of the first pass.
 */
#define NO_STOP	((off_t)1 << 62)

struct lines {
	int	 fd;
	off_t	 at, stop;	/* the next byte to read; where to stop */
	char	*buf;
	size_t	 pos, end, size;
	int	 eof;
	struct field *fields;
	size_t	 fields_size;
};

/* reconcile-payments.c */
const char *parse_invoice(struct night *n, const struct layout *lay,
	    const struct row *row, struct invoice_row *ir, char *buf, size_t size);
void	batch_add(struct night *n, struct batch *b, const struct invoice_row *ir,
	    uint64_t ordinal);
void	batch_flush(struct night *n, struct batch *b);
uint32_t intern_late_customer(struct night *n, const struct field *id);
size_t	max_hint(void);
/* Write kept row KEPT, whose line is line: 0, or -1 if not a row as read. */
int	write_line(struct night *n, const struct layout *lay, struct lines *ls,
	    const char *line, size_t len, uint64_t kept, struct plan_cursor *c,
	    struct out *o);

/* lines.c */
void	lines_start(struct lines *ls, int fd);
void	lines_end(struct lines *ls);
/* The next line without its LF (and a CR before it); 0 at end, -1 on error. */
int	lines_next(struct lines *ls, const char **line, size_t *len);
/* A line as rows_next gives a TSV record; fields valid until the next. */
void	lines_split(struct lines *ls, const char *line, size_t len,
	    struct row *row);

/* halves.c */
struct half;
/*
 * The first pass in two halves at once, if the input is one to split:
 * 0 when done, -1 to do it the one way.
 */
int	first_pass_halves(struct night *n, struct input *in,
	    const struct layout *lay, off_t end);
/* What a half does where the one pass would change what is shared. */
void	half_give_up(struct half *h);
void	half_late_customer(struct half *h, const struct field *id,
	    size_t invoice);

/* stretches.c: the second pass from the halves' checkpoints */
void	second_pass_stretches(struct night *n, struct input *in,
	    const struct layout *lay, struct out *o, struct lines *ls);

#endif
