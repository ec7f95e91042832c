/*
 * stage-assign's readers: the customer master, yesterday's output, the
 * invoices (streamed, rolled up as they come) and the activity log.  A row
 * that cannot be read is rejected with its file, line and reason; the
 * caller turns the count into the exit status.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "money.h"
#include "rows.h"
#include "stage-assign.h"

#define REASON_MAX	256

/* A reader's state: the file, the row, scratch for unescaping. */
struct reader {
	struct rows	*rows;
	struct row	 row;
	struct rejects	*rj;
	char		*scratch[4];
	size_t		 scratch_size[4];
};

static void
open_reader(struct reader *r, const char *path, struct rejects *rj)
{
	const char *errstr;

	memset(r, 0, sizeof(*r));
	r->rj = rj;
	if ((r->rows = rows_open(path, ROWS_AUTO, &errstr)) == NULL)
		errx(EX_NOINPUT, "%s: %s", path ? path : "<stdin>", errstr);
}

static void
close_reader(struct reader *r)
{
	size_t i;

	if (rows_failed(r->rows))
		errx(EX_IOERR, "%s: read error", rows_name(r->rows));
	rows_close(r->rows);
	for (i = 0; i < 4; i++)
		free(r->scratch[i]);
}

static void
reject(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reject(struct reader *r, const char *fmt, ...)
{
	char reason[REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (rejects_add(r->rj, rows_name(r->rows), r->row.line, reason,
	    r->row.raw, r->row.raw_len) == 0)
		warnx("%s:%ld: %s", rows_name(r->rows), r->row.line, reason);
}

/* The next row with the header's field count; 0 at the end. */
static int
next_row(struct reader *r)
{
	const char *errstr;
	int got;

	while ((got = rows_next_whole(r->rows, &r->row, &errstr)) < 0) {
		if (rows_failed(r->rows))
			errx(EX_IOERR, "%s: %s", rows_name(r->rows), errstr);
		reject(r, "%s", errstr);
	}
	return got;
}

static int
column(struct reader *r, const char *name, int required)
{
	int i = rows_column(r->rows, name);

	if (i < 0 && required)
		errx(EX_DATAERR, "%s: missing column \"%s\"", rows_name(r->rows),
		    name);
	return i;
}

/* Field i unescaped (slot picks the scratch buffer); empty if i < 0. */
static struct field
value(struct reader *r, int i, int slot)
{
	struct field none = { "", 0 };

	if (i < 0)
		return none;
	return rows_value(&r->row, i, &r->scratch[slot], &r->scratch_size[slot]);
}


static char *
keep_field(struct sa_table *t, struct field f)
{
	return sa_strdup(t, f.s, f.len);
}

/* An optional date column: 0 and SA_NO_DATE when empty, -1 if invalid. */
static int
read_date(struct reader *r, int i, const char *name, int32_t *day)
{
	struct field f = value(r, i, 3);

	*day = SA_NO_DATE;
	if (f.len == 0)
		return 0;
	if (date_parse_iso(f.s, f.len, day) == 0)
		return 0;
	reject(r, "%s: invalid date \"%.*s\"", name, (int)f.len, f.s);
	return -1;
}

static const struct currency *
read_currency(struct reader *r, int i)
{
	struct field f = value(r, i, 1);
	const struct currency *cur = currency_find(f.s, f.len);

	if (cur == NULL || (f.len == 3 && memcmp(f.s, cur->code, 3) != 0))
		reject(r, "currency: unknown currency \"%.*s\"", (int)f.len, f.s);
	return cur && memcmp(f.s, cur->code, 3) == 0 ? cur : NULL;
}

static int
valid_retry(struct field f)
{
	return f.len == 0 || (f.len == 6 && memcmp(f.s, "active", 6) == 0) ||
	    (f.len == 6 && memcmp(f.s, "failed", 6) == 0) ||
	    (f.len == 4 && memcmp(f.s, "none", 4) == 0);
}

static void
take_master_row(struct reader *r, struct sa_table *t, const int *col)
{
	struct field id = value(r, col[0], 0), retry = value(r, col[6], 2);
	struct sa_customer *c;
	struct sa_master *m;
	int32_t promise, since, response;

	if (id.len == 0) {
		reject(r, "customer_id: empty");
		return;
	}
	if (!valid_retry(retry)) {
		reject(r, "retry_status: want active, failed or none \"%.*s\"",
		    (int)retry.len, retry.s);
		return;
	}
	if (read_date(r, col[4], "customer_since", &since) < 0 ||
	    read_date(r, col[5], "promise_to_pay_date", &promise) < 0 ||
	    read_date(r, col[7], "last_response_date", &response) < 0)
		return;
	c = sa_customer_get(t, id.s, id.len, 1);
	if (c->master) {
		reject(r, "customer_id: repeated \"%.*s\"", (int)id.len, id.s);
		return;
	}
	m = c->master = sa_alloc(t, sizeof(*m));
	m->name = keep_field(t, value(r, col[1], 1));
	m->manager = keep_field(t, value(r, col[2], 1));
	m->flags = keep_field(t, value(r, col[3], 1));
	m->retry = keep_field(t, retry);
	m->since = since;
	m->promise = promise;
	c->last_response = response;
}

void
sa_read_accounts(struct sa_table *t, const char *path, struct rejects *rj)
{
	static const char *const names[] = { "customer_id", "name",
	    "account_manager", "flags", "customer_since", "promise_to_pay_date",
	    "retry_status", "last_response_date" };
	struct reader r;
	int col[8];
	size_t i;

	open_reader(&r, path, rj);
	if (rows_header(r.rows)->count == 0) {
		close_reader(&r);	/* an empty master: every customer unknown */
		return;
	}
	for (i = 0; i < 8; i++)
		col[i] = column(&r, names[i], i == 0);
	while (next_row(&r))
		take_master_row(&r, t, col);
	close_reader(&r);
}

void
sa_read_previous(struct sa_table *t, const char *path, struct rejects *rj)
{
	struct reader r;
	const struct currency *cur;
	struct sa_customer *c;
	struct sa_account *a;
	struct field id, stage;
	int ci, cc, cs, css, cps;
	int32_t since;

	open_reader(&r, path, rj);
	if (rows_header(r.rows)->count == 0) {
		close_reader(&r);	/* an empty file: nothing staged before */
		return;
	}
	ci = column(&r, "customer_id", 1);
	cc = column(&r, "currency", 1);
	cs = column(&r, "stage", 1);
	css = column(&r, "stage_since", 0);
	cps = column(&r, "previous_stage", 0);
	while (next_row(&r)) {
		id = value(&r, ci, 0);
		stage = value(&r, cs, 2);
		if (id.len == 0 || stage.len == 0) {
			reject(&r, "%s: empty", id.len ? "stage" : "customer_id");
			continue;
		}
		if ((cur = read_currency(&r, cc)) == NULL ||
		    read_date(&r, css, "stage_since", &since) < 0)
			continue;
		c = sa_customer_get(t, id.s, id.len, 1);
		a = sa_account_get(t, c, cur->code, cur->exponent);
		if (a->prev != NULL) {
			reject(&r, "repeated account \"%.*s %s\"", (int)id.len,
			    id.s, cur->code);
			continue;
		}
		a->prev = sa_alloc(t, sizeof(*a->prev));
		a->prev->stage = sa_strdup(t, stage.s, stage.len);
		a->prev->previous = keep_field(t, value(&r, cps, 1));
		a->prev->since = since;
	}
	close_reader(&r);
}

void
sa_read_activity(struct sa_table *t, const char *path, struct rejects *rj)
{
	struct reader r;
	struct sa_customer *c;
	struct field id, direction;
	int ci, cd, cdir;
	int32_t day;

	open_reader(&r, path, rj);
	if (rows_header(r.rows)->count == 0) {
		close_reader(&r);
		return;
	}
	ci = column(&r, "customer_id", 1);
	cd = column(&r, "date", 1);
	cdir = column(&r, "direction", 1);
	while (next_row(&r)) {
		id = value(&r, ci, 0);
		direction = value(&r, cdir, 1);
		if (!(direction.len == 2 && memcmp(direction.s, "in", 2) == 0) &&
		    !(direction.len == 3 && memcmp(direction.s, "out", 3) == 0)) {
			reject(&r, "direction: want in or out \"%.*s\"",
			    (int)direction.len, direction.s);
			continue;
		}
		if (read_date(&r, cd, "date", &day) < 0)
			continue;
		if (day == SA_NO_DATE) {
			reject(&r, "date: empty");
			continue;
		}
		/* only what the customer said counts as a response */
		if (direction.len != 2 || (c = sa_customer_get(t, id.s, id.len, 0)) == NULL)
			continue;
		if (c->last_response == SA_NO_DATE || day > c->last_response)
			c->last_response = day;
	}
	close_reader(&r);
}

/* ---- invoices: the hot loop ---- */

struct invoice_columns {
	int	 customer_id, currency, balance, due_date;
	int	 flags, disputed, pending_payment, last_payment_date;
};

/* 1 when a comma-separated flags field holds the token "disputed". */
static int
flags_disputed(const char *s, size_t len)
{
	const char *end = s + len, *p = s, *tok, *stop;

	while (p < end) {
		stop = memchr(p, ',', end - p);
		if (stop == NULL)
			stop = end;
		for (tok = p; tok < stop && *tok == ' '; tok++)
			;
		while (stop > tok && stop[-1] == ' ')
			stop--;
		if (stop - tok == 8 && memcmp(tok, "disputed", 8) == 0)
			return 1;
		p = memchr(p, ',', end - p);
		p = p ? p + 1 : end;
	}
	return 0;
}

/* The exports' own yes/no column: 1, yes or true in any case. */
static int
yes(const char *s, size_t len)
{
	return (len == 1 && s[0] == '1') ||
	    (len == 3 && strncasecmp(s, "yes", 3) == 0) ||
	    (len == 4 && strncasecmp(s, "true", 4) == 0);
}

static int
invoice_disputed(const struct row *row, const struct invoice_columns *col)
{
	if (col->flags >= 0 && row->fields[col->flags].len &&
	    flags_disputed(row->fields[col->flags].s, row->fields[col->flags].len))
		return 1;
	return col->disputed >= 0 && yes(row->fields[col->disputed].s,
	    row->fields[col->disputed].len);
}

static int
bucket_of(int32_t dpd)
{
	return dpd <= 0 ? 0 : dpd <= 30 ? 1 : dpd <= 60 ? 2 : dpd <= 90 ? 3 :
	    dpd <= 120 ? 4 : 5;
}

/* Add one open invoice to its account; -1 if a sum would overflow. */
static int
add_open(struct sa_account *a, int64_t balance, int32_t due, int32_t dpd,
    int disputed)
{
	int b = bucket_of(dpd);

	if (disputed) {
		if (money_add(&a->disputed, balance) < 0)
			return -1;
		a->disputed_count++;
		return 0;
	}
	if (money_add(&a->open, balance) < 0)
		return -1;
	a->bucket[b] += balance;	/* a part of open: cannot overflow */
	a->invoices++;
	if (dpd > a->max_dpd)
		a->max_dpd = dpd;
	if (due < a->oldest_due)
		a->oldest_due = due;
	return 0;
}

/*
 * Invoice rows arrive in no order of customer, so each one lands on a
 * random part of a table of a million customers: two cache misses a row
 * if taken one by one.  Rows are parsed into a small ring instead; the
 * hash slot of a row is prefetched when it is parsed, its customer half a
 * ring later, and it is added to its account a whole ring later, when both
 * are in cache.  Sums do not care about the order.
 */
#ifndef RING
#define RING		64
#endif
#define RING_ID_MAX	48
#ifndef CUSTOMER_AHEAD
#define CUSTOMER_AHEAD	(RING / 2)
#endif

struct parsed {
	uint64_t		 hash;
	const struct currency	*currency;
	int64_t			 balance;
	int32_t			 due, paid;
	int			 disputed, pending;
	long			 line;
	size_t			 id_len;
	char			 id[RING_ID_MAX];
};

struct invoice_state {
	struct reader		 r;
	struct invoice_columns	 col;
	struct sa_table		*t;
	struct sa_totals	*tt;
	int32_t			 as_of;
	const struct currency	*last_currency;
	struct parsed		 ring[RING];
	unsigned long		 parsed, applied;
};

/* Parse the current row into p; -1 if it was rejected. */
static int
parse_invoice(struct invoice_state *st, struct parsed *p)
{
	struct reader *r = &st->r;
	const struct field *f = r->row.fields;
	const struct invoice_columns *col = &st->col;
	const struct currency *cur = st->last_currency;
	struct field id;
	const char *errstr;

	id = value(r, col->customer_id, 0);
	if (id.len == 0) {
		reject(r, "customer_id: empty");
		return -1;
	}
	if (cur == NULL || f[col->currency].len != 3 ||
	    memcmp(f[col->currency].s, cur->code, 3) != 0) {
		if ((cur = read_currency(r, col->currency)) == NULL)
			return -1;
		st->last_currency = cur;
	}
	if (money_parse_plain(f[col->balance].s, f[col->balance].len,
	    cur->exponent, &p->balance, &errstr) < 0) {
		reject(r, "balance: %s \"%.*s\"", errstr, (int)f[col->balance].len,
		    f[col->balance].s);
		return -1;
	}
	if (date_parse_iso(f[col->due_date].s, f[col->due_date].len, &p->due) < 0) {
		reject(r, "due_date: invalid date \"%.*s\"",
		    (int)f[col->due_date].len, f[col->due_date].s);
		return -1;
	}
	p->paid = SA_NO_DATE;
	if (col->last_payment_date >= 0 &&
	    read_date(r, col->last_payment_date, "last_payment_date", &p->paid) < 0)
		return -1;
	p->currency = cur;
	p->disputed = p->balance > 0 && invoice_disputed(&r->row, col);
	p->pending = col->pending_payment >= 0 &&
	    f[col->pending_payment].len == 1 && f[col->pending_payment].s[0] == '1';
	p->line = r->row.line;
	p->id_len = id.len;
	p->hash = sa_hash(id.s, id.len);
	if (id.len <= RING_ID_MAX)
		memcpy(p->id, id.s, id.len);
	return 0;
}

/* Add a parsed invoice to its account. */
static void
apply_invoice(struct invoice_state *st, const struct parsed *p, const char *id)
{
	struct sa_customer *c;
	struct sa_account *a;
	const struct currency *cur = p->currency;

	c = sa_customer_find(st->t, id, p->id_len, p->hash, 1);
	a = sa_account_get(st->t, c, cur->code, cur->exponent);
	if ((p->balance > 0 && add_open(a, p->balance, p->due,
	    st->as_of - p->due, p->disputed) < 0) ||
	    sa_totals_in(st->tt, cur->code, cur->exponent, p->balance) < 0) {
		/* 92 quadrillion of one currency: the row is long gone */
		reject(&st->r, "balance: account total out of range (line %ld)",
		    p->line);
		return;
	}
	a->invoice_rows++;
	if (p->pending)
		a->pending = 1;
	if (p->paid != SA_NO_DATE && (a->last_payment == SA_NO_DATE ||
	    p->paid > a->last_payment))
		a->last_payment = p->paid;
	st->tt->rows_in++;
}

/* Apply what is still in the ring, oldest first. */
static void
drain(struct invoice_state *st)
{
	const struct parsed *p;

	for (; st->applied < st->parsed; st->applied++) {
		p = &st->ring[st->applied % RING];
		apply_invoice(st, p, p->id);
	}
}

static void
take_invoice(struct invoice_state *st)
{
	struct parsed *p = &st->ring[st->parsed % RING];
	struct field id;

	if (parse_invoice(st, p) < 0)
		return;
	if (p->id_len > RING_ID_MAX) {
		/* too long to queue: take it now, in order */
		drain(st);
		id = value(&st->r, st->col.customer_id, 0);
		apply_invoice(st, p, id.s);
		return;
	}
	sa_prefetch_slot(st->t, p->hash);
	st->parsed++;
	if (st->parsed - st->applied > CUSTOMER_AHEAD)
		sa_prefetch_customer(st->t,
		    st->ring[(st->parsed - CUSTOMER_AHEAD - 1) % RING].hash);
	if (st->parsed - st->applied == RING) {
		p = &st->ring[st->applied++ % RING];
		apply_invoice(st, p, p->id);
	}
}

void
sa_read_invoices(struct sa_table *t, int32_t as_of, struct rejects *rj,
    struct sa_totals *tt)
{
	struct invoice_state *st = ecalloc(1, sizeof(*st));
	struct reader *r = &st->r;

	st->t = t;
	st->tt = tt;
	st->as_of = as_of;
	open_reader(r, NULL, rj);
	if (rows_header(r->rows)->count == 0) {
		close_reader(r);	/* no input at all: no invoices */
		free(st);
		return;
	}
	st->col.customer_id = column(r, "customer_id", 1);
	st->col.currency = column(r, "currency", 1);
	st->col.balance = column(r, "balance", 1);
	st->col.due_date = column(r, "due_date", 1);
	/* exports write these as they like: "Flags", "Disputed" */
	st->col.flags = rows_column_loose(r->rows, "flags");
	st->col.disputed = rows_column_loose(r->rows, "disputed");
	st->col.pending_payment = column(r, "pending_payment", 0);
	st->col.last_payment_date = column(r, "last_payment_date", 0);
	while (next_row(r))
		take_invoice(st);
	drain(st);
	close_reader(r);
	free(st);
}
