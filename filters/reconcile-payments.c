/*
 * reconcile-payments: apply cash received but not yet posted to the open
 * invoices, so that nobody is chased for money that already arrived.
 *
 * Reads the payments file (--payments, TSV or CSV) whole first: it is the
 * small file.  Then reads the invoices (aging-normalize's output) on stdin
 * twice.  The first pass holds an index of the open invoices that a payment
 * may reach (those of customers with unposted payments, and those a memo
 * names), never the text of the input; then every unposted payment is
 * matched, in received_date then payment_id order.  The second pass writes
 * the rows in input order with balance and bucket updated and applied,
 * payment_ids, pending_payment and last_payment_date appended (or
 * overwritten in place); on plain TSV it reads lines, and copies each row
 * nobody paid whole.  A regular-file stdin is read again from where it
 * started; a pipe is copied to an unlinked temporary file on the way.
 * Writes the --matches ledger and the --unapplied list as it matches.
 * Its parts: reconcile-payments/payments.c reads the payments, groups.c
 * lays out the index, match.c matches, names.c interns ids, night.c holds
 * what they share.
 */
#include <err.h>
#include <fcntl.h>
#include <pthread.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cli.h"
#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "memo.h"
#include "money.h"
#include "out.h"
#include "rejects.h"
#include "rows.h"
#include "reconcile-payments/reconcile.h"
#include "reconcile-payments/invoices.h"

static const char *prog = "reconcile-payments";

#ifdef PHASE_TIMES
#include <sys/resource.h>
#include <time.h>
/* Development aid (cc -DPHASE_TIMES): CPU and wall seconds per phase. */
void
phase(const char *name)
{
	static struct timespec cpu0, wall0;
	struct timespec cpu, wall;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	clock_gettime(CLOCK_MONOTONIC, &wall);
	if (name != NULL) {
		static double sys0;
		struct rusage ru;
		double sys;

		long pages = 0, resident = 0;
		FILE *statm = fopen("/proc/self/statm", "r");

		if (statm != NULL) {
			if (fscanf(statm, "%ld %ld", &pages, &resident) != 2)
				resident = 0;
			fclose(statm);
		}
		getrusage(RUSAGE_SELF, &ru);
		sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		fprintf(stderr, "phase %-12s cpu %.3f (sys %.3f) wall %.3f "
		    "rss %ld maxrss %ld MB\n", name,
		    (cpu.tv_sec - cpu0.tv_sec) + (cpu.tv_nsec - cpu0.tv_nsec) / 1e9,
		    sys - sys0,
		    (wall.tv_sec - wall0.tv_sec) + (wall.tv_nsec - wall0.tv_nsec) / 1e9,
		    resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024,
		    ru.ru_maxrss / 1024);
		sys0 = sys;
	}
	cpu0 = cpu;
	wall0 = wall;
}
#endif

static const char *const new_columns[] = {
	"applied", "payment_ids", "pending_payment", "last_payment_date"
};

struct options {
	const char	*payments, *matches, *unapplied;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: reconcile-payments --payments FILE [--matches FILE] "
	    "[--unapplied FILE]\n"
	    "           [--tolerance MONEY] [--pending-days N] [--as-of DATE]\n"
	    "           [--rejects FILE] [--max-rejects N] [--stats]\n"
	    "           < invoices.tsv > invoices.tsv\n");
}

/* ---- the invoices, first pass: hold what a payment may reach ---- */

static int
invoice_column(struct rows *r, const char *name, int required)
{
	int i = rows_column(r, name);

	if (i < 0 && required)
		errx(EX_DATAERR, "%s: missing column %s", rows_name(r), name);
	return i;
}

/* By length and bytes, as rows_column() finds a column: a NUL may be in it. */
static enum action
action_of(const struct field *name)
{
	int k;

	for (k = 0; k < 4; k++)
		if (name->len == strlen(new_columns[k]) &&
		    memcmp(name->s, new_columns[k], name->len) == 0)
			return SET_APPLIED + k;
	return KEEP;
}

static void
plan_layout(struct rows *r, struct layout *lay)
{
	const struct row *h = rows_header(r);
	size_t i;
	int k, present[4] = { 0, 0, 0, 0 };

	lay->invoice_id = invoice_column(r, "invoice_id", 1);
	lay->customer_id = invoice_column(r, "customer_id", 1);
	lay->currency = invoice_column(r, "currency", 1);
	lay->balance = invoice_column(r, "balance", 1);
	lay->due_date = invoice_column(r, "due_date", 1);
	lay->bucket = invoice_column(r, "bucket", 0);
	lay->days_past_due = invoice_column(r, "days_past_due", 0);
	lay->applied = invoice_column(r, "applied", 0);
	lay->ncolumns = h->count;
	lay->actions = ecalloc(h->count ? h->count : 1, 1);
	lay->rewrites = 0;
	for (i = 0; i < h->count; i++) {
		lay->actions[i] = action_of(&h->fields[i]);
		if (lay->actions[i] != KEEP) {
			present[lay->actions[i] - SET_APPLIED] = 1;
			lay->rewrites = 1;
		}
	}
	lay->actions[lay->balance] = SET_BALANCE;
	if (lay->bucket >= 0)
		lay->actions[lay->bucket] = SET_BUCKET;
	lay->nappended = 0;
	for (k = 0; k < 4; k++)
		if (!present[k])
			lay->appended[lay->nappended++] = SET_APPLIED + k;
}

static void
note_rejected(struct input *in, uint64_t row_number)
{
	if (in->nrejected == in->rejected_size) {
		in->rejected_size = in->rejected_size * 2 + 64;
		in->rejected = ereallocarray(in->rejected, in->rejected_size,
		    sizeof(*in->rejected));
	}
	in->rejected[in->nrejected++] = row_number;
}

/*
 * Due dates repeat row after row: remember the day of each text seen, so
 * most rows cost a compare of ten bytes, not a parse.
 */
static int
parse_due(const char *s, size_t len, int32_t *day)
{
	static _Thread_local struct {
		char	text[10];
		char	used;
		int32_t	day;
	} cache[1024];
	uint64_t w;
	uint16_t t;
	unsigned slot;

	if (len != 10)
		return date_parse_iso(s, len, day);
	memcpy(&w, s, 8);
	memcpy(&t, s + 8, 2);
	slot = (unsigned)((w ^ (uint64_t)t << 48) * 0x9E3779B97F4A7C15ULL >> 54);
	if (cache[slot].used && memcmp(cache[slot].text, s, 10) == 0) {
		*day = cache[slot].day;
		return 0;
	}
	if (date_parse_iso(s, len, day) < 0)
		return -1;
	memcpy(cache[slot].text, s, 10);
	cache[slot].used = 1;
	cache[slot].day = *day;
	return 0;
}

const char *
parse_invoice(struct night *n, const struct layout *lay, const struct row *row,
    struct invoice_row *ir, char *buf, size_t size)
{
	const char *errstr;
	struct field f;
	int64_t applied = 0;
	int exponent;

	if (row->count != lay->ncolumns) {
		snprintf(buf, size, "wrong number of fields: %zu, header has %zu",
		    row->count, lay->ncolumns);
		return buf;
	}
	f = row->fields[lay->currency];
	if ((ir->currency = night_currency(n, f.s, f.len)) < 0)
		return night_reason(buf, size, "currency", "unknown currency", f);
	exponent = n->currencies[ir->currency].exponent;
	f = row->fields[lay->balance];
	if (money_parse_plain(f.s, f.len, exponent, &ir->balance, &errstr) < 0)
		return night_reason(buf, size, "balance", errstr, f);
	if (lay->applied >= 0 && (f = row->fields[lay->applied]).len > 0 &&
	    (money_parse_plain(f.s, f.len, exponent, &applied, &errstr) < 0 ||
	    money_add(&ir->balance, applied) < 0))
		return night_reason(buf, size, "applied", "invalid amount", f);
	f = row->fields[lay->due_date];
	if (parse_due(f.s, f.len, &ir->due) < 0)
		return night_reason(buf, size, "due_date", "invalid date", f);
	ir->id = night_value(n, row, lay->invoice_id);
	if (ir->id.len == 0)
		return "invoice_id: missing";
	if (ir->id.len > 0xffff)	/* see ID_ROOM */
		return "invoice_id: longer than 65535 bytes";
	ir->customer = night_value(n, row, lay->customer_id);
	if (ir->customer.len == 0)
		return "customer_id: missing";
	return NULL;
}

/* Mark data row ordinal in a row bitmap, growing both by halves. */
static void
mark_row(struct night *n, uint64_t **bits, uint64_t ordinal)
{
	size_t words, old = n->row_words;

	if (ordinal / 64 >= old) {
		words = ordinal / 64 + old / 2 + 1024;
		n->held_rows = ereallocarray(n->held_rows, words, sizeof(uint64_t));
		n->dated_rows = ereallocarray(n->dated_rows, words,
		    sizeof(uint64_t));
		memset(n->held_rows + old, 0, (words - old) * sizeof(uint64_t));
		memset(n->dated_rows + old, 0, (words - old) * sizeof(uint64_t));
		n->row_words = words;
	}
	(*bits)[ordinal / 64] |= (uint64_t)1 << (ordinal % 64);
}

static int
row_marked(const struct night *n, const uint64_t *bits, uint64_t ordinal)
{
	return ordinal / 64 < n->row_words &&
	    (bits[ordinal / 64] >> (ordinal % 64) & 1);
}

/*
 * Mark a customer seen in the invoices; its marks, as they were.  The two
 * halves of the first pass may mark one customer at once: its other marks
 * do not change during the pass, so both store the same byte.
 */
static uint8_t
mark_seen(uint8_t *marks)
{
	uint8_t m = __atomic_load_n(marks, __ATOMIC_RELAXED);

	if (!(m & CUSTOMER_SEEN))
		__atomic_store_n(marks, m | CUSTOMER_SEEN, __ATOMIC_RELAXED);
	return m;
}

static void
hold_invoice(struct night *n, const struct invoice_row *ir, uint32_t customer,
    uint32_t key, uint64_t ordinal)
{
	struct invoice *inv;
	size_t size, room = ID_ROOM(ir->id.len);
	unsigned char *at;

	if (n->half != NULL && (n->ninvoices == n->invoices_size ||
	    n->ids_len + room > n->ids_size)) {
		half_give_up(n->half);	/* its room is shared: see halves */
		return;
	}
	/* big blocks of their own, grown seldom: see first_pass() */
	if (n->ninvoices == n->invoices_size) {
		size = n->invoices_size * 2 + n->invoices_hint;
		n->invoices = ebigrealloc(n->invoices,
		    n->invoices_size * sizeof(*n->invoices),
		    size * sizeof(*n->invoices));
		n->invoices_size = size;
	}
	if (n->ids_len + room > n->ids_size) {
		size = (n->ids_len + room) * 2 + n->ids_hint;
		if (n->ids_len + room > UINT32_MAX)
			errx(EX_SOFTWARE, "too many open invoices to index");
		n->ids = ebigrealloc(n->ids, n->ids_size, size);
		n->ids_size = size;
	}
	mark_row(n, &n->held_rows, ordinal);
	inv = &n->invoices[n->ninvoices];
	inv->balance = ir->balance;
	inv->customer = customer;
	inv->id_at = n->ids_len;
	inv->due = ir->due;
	inv->currency = ir->currency;
	inv->last_application = NO_INDEX;
	at = (unsigned char *)n->ids + n->ids_len;
	if (ir->id.len < ID_LONG)
		*at++ = ir->id.len;
	else {
		*at++ = ID_LONG;
		*at++ = ir->id.len & 0xff;
		*at++ = ir->id.len >> 8;
	}
	memcpy(at, ir->id.s, ir->id.len);
	n->ids_len += room;
	if (key != NO_INDEX) {
		if (n->nkey_hits == n->key_hits_size) {
			n->key_hits_size = n->key_hits_size * 2 + 1024;
			n->key_hits = ereallocarray(n->key_hits,
			    n->key_hits_size, sizeof(*n->key_hits));
		}
		n->key_hits[n->nkey_hits].key = key;
		n->key_hits[n->nkey_hits++].invoice = n->ninvoices;
	}
	n->ninvoices++;
}

static void
note_dated(struct night *n, uint64_t ordinal, uint32_t customer)
{
	if (n->ndated == n->dated_size) {
		n->dated_size = n->dated_size * 2 + 4096;
		n->dated = ereallocarray(n->dated, n->dated_size,
		    sizeof(*n->dated));
	}
	mark_row(n, &n->dated_rows, ordinal);
	n->dated[n->ndated++].customer = customer;
}

uint32_t
intern_late_customer(struct night *n, const struct field *id)
{
	uint32_t customer = night_customer(n, id->s, id->len), k;
	int added;

	n->customer_marks[customer] |= CUSTOMER_SEEN;
	k = names_add(n->late_ids, id->s, id->len, &added);
	if (k >= n->late_size) {
		n->late_size = n->late_size * 2 + 256;
		n->late_customers = ereallocarray(n->late_customers,
		    n->late_size, sizeof(*n->late_customers));
	}
	n->late_customers[k] = customer;
	return customer;
}

static size_t
batch_copy(struct batch *b, const char *s, size_t len)
{
	return night_append(&b->text, &b->text_len, &b->text_size, s, len);
}

void
batch_add(struct night *n, struct batch *b, const struct invoice_row *ir,
    uint64_t ordinal)
{
	int k = b->n++;
	size_t at;

	b->rows[k] = *ir;
	b->ordinal[k] = ordinal;
	b->id_at[k] = batch_copy(b, ir->id.s, ir->id.len);
	b->customer_at[k] = batch_copy(b, ir->customer.s, ir->customer.len);
	b->customer_hash[k] = names_hash(ir->customer.s, ir->customer.len);
	names_prefetch(n->customer_ids, b->customer_hash[k], 1);
	b->key_len[k] = 0;
	if (ir->balance > 0 && names_count(n->refkeys) > 0) {
		at = batch_copy(b, ir->id.s, ir->id.len);	/* room for the key */
		b->key_at[k] = at;
		b->key_len[k] = memo_key(b->text + at, ir->id.s, ir->id.len);
		b->key_hash[k] = names_hash(b->text + at, b->key_len[k]);
		names_prefetch(n->refkeys, b->key_hash[k], 0);
	}
}

/*
 * Index each invoice of the batch if a payment may reach it: an open one
 * of a customer with unposted payments, or one a memo names.  Remember
 * the other rows of customers with payments, for their last_payment_date.
 */
void
batch_flush(struct night *n, struct batch *b)
{
	struct invoice_row *ir;
	uint32_t customer, key, found[BATCH];
	uint8_t marks;
	int k;

	/* the lookups first, their cache misses overlapped */
	for (k = 0; k < b->n; k++) {
		ir = &b->rows[k];
		ir->id.s = b->text + b->id_at[k];
		ir->customer.s = b->text + b->customer_at[k];
		found[k] = names_count(n->customer_ids) == 0 ? NO_INDEX :
		    names_find_hash(n->customer_ids, ir->customer.s,
		    ir->customer.len, b->customer_hash[k]);
#ifdef __GNUC__
		/* a small table, yet the input streaming by evicts it */
		if (found[k] != NO_INDEX)
			__builtin_prefetch(&n->customer_marks[found[k]], 1);
#endif
		/* the few memo keys the filter lets by: their slots too */
		if (b->key_len[k] != 0 && names_may_hold(n->refkeys,
		    b->key_hash[k]))
			names_prefetch(n->refkeys, b->key_hash[k], 1);
	}
	for (k = 0; k < b->n; k++) {
		ir = &b->rows[k];
		customer = found[k];
		marks = customer == NO_INDEX ? 0 :
		    mark_seen(&n->customer_marks[customer]);
		key = b->key_len[k] == 0 ? NO_INDEX : names_find_hash(n->refkeys,
		    b->text + b->key_at[k], b->key_len[k], b->key_hash[k]);
		if (ir->balance > 0 && (key != NO_INDEX ||
		    (marks & CUSTOMER_UNPOSTED))) {
			/* a half leaves the shared table be: merge_halves() interns */
			if (customer == NO_INDEX && n->half != NULL)
				half_late_customer(n->half, &ir->customer,
				    n->ninvoices);
			else if (customer == NO_INDEX)
				customer = intern_late_customer(n, &ir->customer);
			hold_invoice(n, ir, customer, key, b->ordinal[k]);
		} else if (customer != NO_INDEX)
			note_dated(n, b->ordinal[k], customer);
	}
	b->n = 0;
	b->text_len = 0;
}

/* A copy of a piped stdin, as TSV, for the second pass. */
static void
spill_open(struct input *in, const struct row *header)
{
	const char *dir = getenv("TMPDIR");
	size_t i, size;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	size = strlen(dir) + 32;
	in->spill_path = emalloc(size);
	snprintf(in->spill_path, size, "%s/reconcile-payments.XXXXXX", dir);
	if ((fd = mkstemp(in->spill_path)) < 0)
		err(EX_CANTCREAT, "%s", in->spill_path);
	/* unlinked at once, so that no exit leaves it behind */
	in->spill_fd = open(in->spill_path, O_RDONLY);
	unlink(in->spill_path);
	if (in->spill_fd < 0)
		err(EX_CANTCREAT, "%s", in->spill_path);
	in->spill = out_open_fd(fd);
	for (i = 0; i < header->count; i++) {
		if (i > 0)
			out_tab(in->spill);
		out_text(in->spill, header->fields[i].s, header->fields[i].len);
	}
	out_nl(in->spill);
}

static void
spill_row(struct input *in, const struct row *row)
{
	size_t i;

	if (row->escaped) {
		out_bytes(in->spill, row->raw, row->raw_len);
	} else {
		for (i = 0; i < row->count; i++) {
			if (i > 0)
				out_tab(in->spill);
			out_text(in->spill, row->fields[i].s, row->fields[i].len);
		}
	}
	out_nl(in->spill);
}

/*
 * The most address space reserved ahead for one table: 2 GB, and no more
 * than a quarter of the memory, lest a kernel that checks what a mapping
 * might need refuse it.
 */
size_t
max_hint(void)
{
	size_t most = (size_t)1 << 31;
#ifdef _SC_PHYS_PAGES
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	if (pages > 0 && page > 0 && (size_t)pages / 4 < most / (size_t)page)
		most = (size_t)pages / 4 * (size_t)page;
#endif
	return most;
}

static void
first_pass(struct night *n, struct input *in, struct layout *lay,
    struct rejects *rj)
{
	static struct batch batch;
	struct invoice_row ir;
	struct row row;
	struct stat st;
	const char *errstr, *reason, *name;
	char buf[256];
	int got;

	memset(&batch, 0, sizeof(batch));	/* main may run again */
	in->regular = fstat(0, &st) == 0 && S_ISREG(st.st_mode) &&
	    (in->start = lseek(0, 0, SEEK_CUR)) >= 0;
	/*
	 * Room for the index at once, as address space: pages are only
	 * taken as they are written, and growing would copy it.  A row is
	 * at least 24 bytes; an invoice_id is less than half of its row.
	 */
	n->invoices_hint = 4096;
	n->ids_hint = 65536;
	if (in->regular && st.st_size > in->start) {
		n->invoices_hint += (st.st_size - in->start) / 24;
		n->ids_hint += (st.st_size - in->start) / 2;
	}
	if (n->invoices_hint > max_hint() / sizeof(*n->invoices))
		n->invoices_hint = max_hint() / sizeof(*n->invoices);
	if (n->ids_hint > max_hint())
		n->ids_hint = max_hint();
	if ((in->rows = rows_open("-", ROWS_AUTO, &errstr)) == NULL)
		errx(EX_NOINPUT, "<stdin>: %s", errstr);
	name = rows_name(in->rows);
	plan_layout(in->rows, lay);
	if (!in->regular)
		spill_open(in, rows_header(in->rows));
	else if (first_pass_halves(n, in, lay, st.st_size) == 0) {
		PHASE("first pass (halves)");
		return;
	}
	while ((got = rows_next(in->rows, &row, &errstr)) != 0) {
		in->rows_in++;
		if (got < 0) {
			if (rows_failed(in->rows))
				errx(EX_IOERR, "%s: %s", name, errstr);
			reason = errstr;
		} else
			reason = parse_invoice(n, lay, &row, &ir, buf, sizeof(buf));
		if (reason != NULL) {
			night_reject(rj, name, &row, reason);
			note_rejected(in, in->rows_in - 1);
			continue;
		}
		if (money_add(&n->currencies[ir.currency].balance_in, ir.balance) < 0)
			n->currencies[ir.currency].overflow = 1;
		batch_add(n, &batch, &ir, in->kept++);
		if (batch.n == BATCH)
			batch_flush(n, &batch);
		if (in->spill)
			spill_row(in, &row);
	}
	batch_flush(n, &batch);
	free(batch.text);
}

/* ---- the invoices, second pass: write them ---- */

static void
second_open(struct input *in, enum rows_format format)
{
	const char *errstr;

	rows_close(in->rows);
	if (in->regular) {
		if (lseek(0, in->start, SEEK_SET) < 0)
			err(EX_IOERR, "<stdin>: seek");
		in->rows = rows_open("-", format, &errstr);
	} else {
		if (out_close(in->spill) < 0)
			errx(EX_IOERR, "%s: %s", in->spill_path, strerror(errno));
		in->spill = NULL;
		/* the pipe is spent: the copy takes its place as stdin */
		if (dup2(in->spill_fd, 0) < 0)
			err(EX_IOERR, "%s", in->spill_path);
		close(in->spill_fd);
		in->rows = rows_open("-", ROWS_TSV, &errstr);
	}
	if (in->rows == NULL)
		errx(EX_IOERR, "<stdin>: reading again: %s", errstr);
}

static const char *
bucket_of(long long dpd)
{
	if (dpd <= 0)
		return "current";
	return dpd <= 30 ? "1-30" : dpd <= 60 ? "31-60" : dpd <= 90 ? "61-90" :
	    dpd <= 120 ? "91-120" : "120+";
}

/* What the second pass writes for one row. */
struct update {
	const struct invoice *inv;	/* NULL: not held */
	int		 exponent;
	int64_t		 balance;
	int64_t		 applied;	/* tonight, to the invoice held */
	int		 balance_changed;
	const char	*bucket;	/* NULL: keep */
	int32_t		 last_payment;
};

/* Whether a payment applied to an invoice was received but lately. */
static int
pending(const struct night *n, uint32_t newest)
{
	uint32_t k;

	for (k = newest; k != NO_INDEX; k = n->applications[k].next)
		if (n->applications[k].pending)
			return 1;
	return 0;
}

/* The payments applied to an invoice, comma-separated, oldest first. */
static void
out_payment_ids(struct night *n, struct out *o, uint32_t newest)
{
	uint64_t few[64], *stack = few;
	size_t depth = 0, stack_size = 64, len;
	const char *id;
	uint32_t k;

	for (k = newest; k != NO_INDEX; k = n->applications[k].next) {
		if (depth == stack_size) {
			stack_size *= 2;
			stack = stack == few ? memcpy(ereallocarray(NULL,
			    stack_size, sizeof(*stack)), few, sizeof(few)) :
			    ereallocarray(stack, stack_size, sizeof(*stack));
		}
		stack[depth++] = n->applications[k].id_ref;
	}
	while (depth > 0) {
		id = names_ref_text(n->payment_ids, stack[--depth], &len);
		out_text(o, id, len);
		if (depth > 0)
			out_char(o, ',');
	}
	if (stack != few)
		free(stack);
}

/* Money and dates repeat row after row: format each once (a profile says so). */
static void
out_amount(struct out *o, int64_t minor, int exponent)
{
	static _Thread_local char zero[MONEY_MAX_EXPONENT + 1][MONEY_TEXT_MAX];
	static _Thread_local size_t zero_len[MONEY_MAX_EXPONENT + 1];

	if (minor != 0 || exponent < 0 || exponent > MONEY_MAX_EXPONENT) {
		out_money(o, minor, exponent);
		return;
	}
	if (zero_len[exponent] == 0)
		zero_len[exponent] = money_format(zero[exponent], 0, exponent);
	out_bytes(o, zero[exponent], zero_len[exponent]);
}

static void
out_day(struct out *o, int32_t day)
{
	static _Thread_local struct {
		int32_t	day;
		char	text[DATE_TEXT_MAX];
	} cache[64];
	unsigned slot = (uint32_t)day & 63;

	if (cache[slot].text[0] == '\0' || cache[slot].day != day) {
		date_format(cache[slot].text, day);
		cache[slot].day = day;
	}
	out_bytes(o, cache[slot].text, 10);
}

static void
write_value(struct night *n, struct out *o, const struct row *row, size_t i,
    enum action action, const struct update *u)
{
	switch (action) {
	case KEEP:
	case SET_BALANCE:
	case SET_BUCKET:
		if (action == SET_BALANCE && u->balance_changed)
			out_money(o, u->balance, u->exponent);
		else if (action == SET_BUCKET && u->bucket)
			out_bytes(o, u->bucket, strlen(u->bucket));
		else if (row->escaped)
			out_bytes(o, row->fields[i].s, row->fields[i].len);
		else
			out_text(o, row->fields[i].s, row->fields[i].len);
		break;
	case SET_APPLIED:
		out_amount(o, u->applied, u->exponent);
		break;
	case SET_PAYMENT_IDS:
		if (u->inv != NULL)
			out_payment_ids(n, o, u->inv->last_application);
		break;
	case SET_PENDING:
		out_char(o, u->inv != NULL &&
		    pending(n, u->inv->last_application) ? '1' : '0');
		break;
	case SET_LAST_PAYMENT:
		if (u->last_payment != NO_DATE)
			out_day(o, u->last_payment);
		break;
	}
}

/* The second pass wrote kept rows: as many as the first pass kept? */
static void
second_pass_done(struct input *in, struct out *o, uint64_t kept)
{
	in->rows_out = kept;
	if (!out_failed(o) && kept != in->kept)
		errx(EX_SOFTWARE, "<stdin>: changed while being read");
}

static int
is_rejected(struct input *in, uint64_t row_number, size_t *next)
{
	if (*next < in->nrejected && in->rejected[*next] == row_number) {
		(*next)++;
		return 1;
	}
	return 0;
}

/* Balance and bucket to write for a row that is not held. */
static void
unheld_update(struct night *n, const struct layout *lay, const struct row *row,
    struct update *u)
{
	struct invoice_row ir;
	char buf[256];

	/* a rerun: the balance written is the one before last night's cash */
	if (lay->applied >= 0 && parse_invoice(n, lay, row, &ir, buf,
	    sizeof(buf)) == NULL) {
		u->balance = ir.balance;
		u->balance_changed = 1;
	}
}

/* What tonight's payments applied to an invoice, from its applications. */
static int64_t
applied_to(const struct night *n, const struct invoice *inv)
{
	int64_t sum = 0;
	uint32_t k;

	for (k = inv->last_application; k != NO_INDEX;
	    k = n->applications[k].next)
		sum += n->applications[k].amount;
	return sum;
}

static void
plan_update(struct night *n, const struct layout *lay, const struct row *row,
    const struct invoice *inv, int32_t last_payment, struct update *u)
{
	struct field f = row->fields[lay->currency];
	const char *errstr;
	long long dpd;
	int k;

	memset(u, 0, sizeof(*u));
	u->inv = inv;
	k = inv ? inv->currency : night_currency(n, f.s, f.len);
	u->exponent = k >= 0 ? n->currencies[k].exponent : 2;
	if (inv) {
		u->balance = inv->balance;
		u->applied = applied_to(n, inv);
		u->balance_changed = u->applied > 0 || lay->applied >= 0;
	} else
		unheld_update(n, lay, row, u);
	if (u->balance_changed && lay->bucket >= 0) {
		f = row->fields[lay->bucket];
		if (u->balance == 0)
			u->bucket = "paid";
		else if (u->balance > 0 && f.len == 4 && memcmp(f.s, "paid", 4) == 0 &&
		    lay->days_past_due >= 0) {
			/* a rerun undoing last night's payment: age it again */
			f = night_value(n, row, lay->days_past_due);
			if (f.len < 16) {
				char text[16];

				memcpy(text, f.s, f.len);
				text[f.len] = '\0';
				dpd = cli_number(text, -3000000, 3000000, &errstr);
				if (errstr == NULL)
					u->bucket = bucket_of(dpd);
			}
		}
	}
	u->last_payment = last_payment;
}

/*
 * A canonical TSV row whose only changes are balance and bucket: copied
 * around those two fields in spans, like aging-normalize's write_copied,
 * rather than field by field.
 */
static void
write_spliced(struct out *o, const struct layout *lay, const struct row *row,
    const struct update *u)
{
	const struct field *f = row->fields;
	const char *at = row->raw, *end = row->raw + row->raw_len;
	int first = lay->balance, second = -1;

	if (u->bucket != NULL)
		second = lay->bucket;
	if (second >= 0 && second < first) {
		first = second;
		second = lay->balance;
	}
	out_bytes(o, at, f[first].s - at);
	if (first == lay->balance)
		out_money(o, u->balance, u->exponent);
	else
		out_bytes(o, u->bucket, strlen(u->bucket));
	at = f[first].s + f[first].len;
	if (second >= 0) {
		out_bytes(o, at, f[second].s - at);
		if (second == lay->balance)
			out_money(o, u->balance, u->exponent);
		else
			out_bytes(o, u->bucket, strlen(u->bucket));
		at = f[second].s + f[second].len;
	}
	out_bytes(o, at, end - at);
}

static void
write_row(struct night *n, struct out *o, const struct layout *lay,
    const struct row *row, const struct update *u)
{
	size_t i;
	int k;

	if (!lay->rewrites && row->escaped) {
		if (!u->balance_changed)
			out_bytes(o, row->raw, row->raw_len);
		else
			write_spliced(o, lay, row, u);
	} else {
		for (i = 0; i < row->count; i++) {
			if (i > 0)
				out_tab(o);
			write_value(n, o, row, i, lay->actions[i], u);
		}
	}
	if (lay->nappended == 4 && u->inv == NULL) {
		/* the common row, untouched tonight: "\t0.00\t\t0\t" and a date */
		out_tab(o);
		out_amount(o, 0, u->exponent);
		out_bytes(o, "\t\t0\t", 4);
		if (u->last_payment != NO_DATE)
			out_day(o, u->last_payment);
	} else
		for (k = 0; k < lay->nappended; k++) {
			out_tab(o);
			write_value(n, o, row, 0, lay->appended[k], u);
		}
	out_nl(o);
}

static void
write_header(struct out *o, const struct rows *r, const struct layout *lay)
{
	const struct row *h = rows_header(r);
	size_t i;
	int k;

	for (i = 0; i < h->count; i++) {
		if (i > 0)
			out_tab(o);
		out_text(o, h->fields[i].s, h->fields[i].len);
	}
	for (k = 0; k < lay->nappended; k++) {
		if (h->count > 0 || k > 0)
			out_tab(o);
		out_str(o, new_columns[lay->appended[k] - SET_APPLIED]);
	}
	out_nl(o);
}

/*
 * The rows that changed need their invoice, its newest application and
 * that payment's id: three dependent cache misses.  Start each one rows
 * that changed ahead (touched lists them), one stage per distance, so
 * that they overlap with the writing.
 */
static void
prefetch_ahead(const struct night *n, size_t touched)
{
#ifdef __GNUC__
	const struct invoice *inv;
	size_t len;

	if (touched + 16 < n->ntouched)
		__builtin_prefetch(&n->invoices[n->touched[touched + 16]]);
	if (touched + 8 < n->ntouched)
		__builtin_prefetch(&n->applications[
		    n->invoices[n->touched[touched + 8]].last_application]);
	if (touched + 3 < n->ntouched) {
		inv = &n->invoices[n->touched[touched + 3]];
		__builtin_prefetch(names_ref_text(n->payment_ids,
		    n->applications[inv->last_application].id_ref, &len));
	}
#else
	(void)n;
	(void)touched;
#endif
}

/*
 * What the plan says of kept row KEPT: the invoice cash was applied to (or
 * NULL) and its customer's last payment date.  1 when the row is in no
 * plan and its customer may have paid late in the night: look it up
 * (late_payment).
 */
static inline int
planned_row(const struct night *n, uint64_t kept, struct plan_cursor *c,
    const struct invoice **inv, int32_t *last_payment)
{
	*inv = NULL;
	*last_payment = NO_DATE;
	if (row_marked(n, n->held_rows, kept)) {
		if (n->planned[c->held].invoice != NO_INDEX) {
			prefetch_ahead(n, c->touched++);
			*inv = &n->invoices[n->planned[c->held].invoice];
		}
		*last_payment = n->planned[c->held++].last_payment;
	} else if (row_marked(n, n->dated_rows, kept))
		*last_payment = n->dated[c->dated++].last_payment;
	else
		return names_count(n->late_ids) > 0;
	return 0;
}

/* The last payment date of the row's customer when it paid late, else none. */
static int32_t
late_payment(struct night *n, const struct row *row, const struct layout *lay)
{
	struct field id = night_value(n, row, lay->customer_id);
	uint32_t customer = names_find(n->late_ids, id.s, id.len);

	return customer == NO_INDEX ? NO_DATE :
	    n->customers[n->late_customers[customer]].last_payment;
}

static void
second_pass(struct night *n, struct input *in, const struct layout *lay,
    struct out *o)
{
	struct row row;
	struct update u;
	struct plan_cursor c = { 0, 0, 0 };
	const struct invoice *inv;
	const char *errstr;
	uint64_t row_number = 0, kept = 0;
	size_t next_rejected = 0;
	int32_t last_payment;
	int got;

	write_header(o, in->rows, lay);
	while ((got = rows_next(in->rows, &row, &errstr)) != 0) {
		if (got < 0 && rows_failed(in->rows))
			errx(EX_IOERR, "<stdin>: %s", errstr);
		if (in->regular && is_rejected(in, row_number++, &next_rejected))
			continue;
		if (got < 0 || row.count != lay->ncolumns || kept == in->kept)
			errx(EX_SOFTWARE, "<stdin>: changed while being read");
		if (planned_row(n, kept, &c, &inv, &last_payment))
			last_payment = late_payment(n, &row, lay);
		plan_update(n, lay, &row, inv, last_payment, &u);
		write_row(n, o, lay, &row, &u);
		kept++;
		if (out_failed(o))
			break;	/* out_close reports it */
	}
	second_pass_done(in, o, kept);
	rows_close(in->rows);
}

/*
 * Open the invoices again for lines_next, past the header: 0, or -1 when
 * the input is not one that it reads as rows_next would (CSV, a CR in the
 * header, a byte order mark), for second_pass to do.
 */
static int
lines_open(struct input *in, struct lines *ls)
{
	const char *line;
	size_t len;

	if (in->regular) {
		if (rows_format_of(in->rows) != ROWS_TSV)
			return -1;
		lines_start(ls, 0);
		ls->at = in->start;
	} else {
		if (out_close(in->spill) < 0)
			errx(EX_IOERR, "%s: %s", in->spill_path, strerror(errno));
		in->spill = NULL;
		lines_start(ls, in->spill_fd);
	}
	if (lines_next(ls, &line, &len) < 0)
		err(EX_IOERR, "<stdin>: reading again");
	if ((len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) ||
	    memchr(ls->buf, '\r', ls->pos) != NULL) {
		/* rows_next's work: start over with it */
		if (!in->regular)
			errx(EX_SOFTWARE, "%s: not as written", in->spill_path);
		lines_end(ls);
		return -1;
	}
	return 0;
}

/* The exponent of a row's currency, from its text: rows repeat a few. */
/* -1 when the row has too few fields. */
static int
row_exponent(struct night *n, const char *line, size_t len, int column)
{
	static _Thread_local char last[3];
	static _Thread_local int last_exponent = -1;
	const char *s = line, *end = line + len, *tab;
	int k;

	for (k = 0; k < column; k++) {
		if ((tab = memchr(s, '\t', end - s)) == NULL)
			return -1;	/* not the row the first pass read */
		s = tab + 1;
	}
	tab = memchr(s, '\t', end - s);
	if (tab == NULL)
		tab = end;
	if (tab - s == 3 && last_exponent >= 0 && memcmp(s, last, 3) == 0)
		return last_exponent;
	k = night_currency(n, s, tab - s);
	if (k < 0)
		return 2;
	if (tab - s == 3) {
		memcpy(last, s, 3);
		last_exponent = n->currencies[k].exponent;
	}
	return n->currencies[k].exponent;
}

/*
 * Write kept row KEPT, whose line is line: 0, or -1 when it is not a row
 * as the first pass read it.
 */
int
write_line(struct night *n, const struct layout *lay, struct lines *ls,
    const char *line, size_t len, uint64_t kept, struct plan_cursor *c,
    struct out *o)
{
	const struct invoice *inv;
	struct update u;
	struct row row;
	int32_t last_payment;
	int exponent;

	if (planned_row(n, kept, c, &inv, &last_payment)) {
		lines_split(ls, line, len, &row);
		if (row.count != lay->ncolumns)
			return -1;
		last_payment = late_payment(n, &row, lay);
	}
	if (inv == NULL) {
		/* untouched: the line, then "\t0.00\t\t0\t" and a date */
		if ((exponent = row_exponent(n, line, len, lay->currency)) < 0)
			return -1;
		out_bytes(o, line, len);
		out_tab(o);
		out_amount(o, 0, exponent);
		out_bytes(o, "\t\t0\t", 4);
		if (last_payment != NO_DATE)
			out_day(o, last_payment);
		out_nl(o);
		return 0;
	}
	lines_split(ls, line, len, &row);
	if (row.count != lay->ncolumns)
		return -1;
	plan_update(n, lay, &row, inv, last_payment, &u);
	write_row(n, o, lay, &row, &u);
	return 0;
}

/*
 * The second pass over a canonical TSV, line by line.  Most rows are not
 * touched tonight: they are copied whole, with the four appended fields,
 * without splitting them into fields (rows_next's split was the biggest
 * part of the pass).  A touched row is split here and written as above.
 */
static void
second_pass_lines(struct night *n, struct input *in, const struct layout *lay,
    struct out *o, struct lines *ls)
{
	struct plan_cursor c = { 0, 0, 0 };
	const char *line;
	uint64_t row_number = 0, kept = 0;
	size_t len, next_rejected = 0;
	int got;

	write_header(o, in->rows, lay);
	rows_close(in->rows);
	in->rows = NULL;
	if (in->ncheckpoints > 1) {
		second_pass_stretches(n, in, lay, o, ls);
		lines_end(ls);
		return;
	}
	while ((got = lines_next(ls, &line, &len)) != 0) {
		if (got < 0)
			err(EX_IOERR, "<stdin>");
		if (len == 0)
			continue;	/* a blank line carries no row */
		if (in->regular && is_rejected(in, row_number++, &next_rejected))
			continue;
		if (kept == in->kept || write_line(n, lay, ls, line, len,
		    kept, &c, o) < 0)
			errx(EX_SOFTWARE, "<stdin>: changed while being read");
		kept++;
		if (out_failed(o))
			break;	/* out_close reports it */
	}
	second_pass_done(in, o, kept);
	if (!in->regular)
		close(ls->fd);	/* the spill, unlinked already */
	lines_end(ls);
}

/* ---- totals ---- */

static void
print_money(const struct currency_night *c, const char *label, int64_t v)
{
	char buf[MONEY_TEXT_MAX];

	money_format(buf, v, c->exponent);
	fprintf(stderr, " %s %s", label, buf);
}

static void
print_stats(struct night *n, const struct input *in, long long payments_read,
    long long posted, long long payments_rejected, long long invoices_rejected)
{
	uint8_t rank[MAX_CURRENCIES];
	int r, i;

	night_currency_ranks(n, rank);
	if (in->halves)
		fprintf(stderr, "%s: invoices read in two halves at once\n",
		    prog);
	if (n->two_matchers)
		fprintf(stderr, "%s: payments matched in two threads\n", prog);
	fprintf(stderr, "%s: invoices in %llu, out %llu, rejected %lld; "
	    "payments in %lld, posted %lld, unposted %zu, rejected %lld",
	    prog, (unsigned long long)in->rows_in,
	    (unsigned long long)in->rows_out, invoices_rejected,
	    payments_read, posted, n->npayments, payments_rejected);
	for (r = 0; r < n->ncurrencies; r++)
		for (i = 0; i < n->ncurrencies; i++) {
			const struct currency_night *c = &n->currencies[i];

			if (rank[i] != r)
				continue;
			fprintf(stderr, "; %s", c->code);
			if (c->overflow) {
				fprintf(stderr, " totals overflow");
				continue;
			}
			print_money(c, "balance in", c->balance_in);
			print_money(c, "out", c->balance_out);
			print_money(c, "payments", c->payments_in);
			print_money(c, "applied", c->applied);
			print_money(c, "unapplied", c->unapplied);
		}
	fputc('\n', stderr);
}

static struct out *
open_output(const char *path, const char *header)
{
	struct out *o;

	if (path == NULL)
		return NULL;
	if ((o = out_open_whole(path, 0644)) == NULL)
		err(EX_CANTCREAT, "%s", path);
	out_bytes(o, header, strlen(header));
	return o;
}

static void
close_output(struct out *o, const char *name)
{
	if (o != NULL && out_close(o) < 0)
		err(EX_IOERR, "%s", name);
}

static void
parse_tolerance(struct money_scan *tolerance, const char *text)
{
	const char *errstr;

	if (money_scan(text, strlen(text), 0, tolerance, &errstr) < 0 ||
	    tolerance->negative || tolerance->marker[0] != '\0' ||
	    tolerance->integer_len > 15) {
		cli_usage_error(usage, "--tolerance: invalid amount \"%s\"", text);
	}
}

enum { OPT_PAYMENTS = CLI_FIRST_OWN, OPT_MATCHES, OPT_UNAPPLIED,
	OPT_TOLERANCE, OPT_PENDING_DAYS };

static const struct option longopts[] = {
	{ "payments",	  required_argument, NULL, OPT_PAYMENTS },
	{ "matches",	  required_argument, NULL, OPT_MATCHES },
	{ "unapplied",	  required_argument, NULL, OPT_UNAPPLIED },
	{ "tolerance",	  required_argument, NULL, OPT_TOLERANCE },
	{ "pending-days", required_argument, NULL, OPT_PENDING_DAYS },
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 }
};

/* What the options set: the filter's, and the night's matching rules. */
struct parsing {
	struct options	*opt;
	struct night	*n;
};

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct parsing *p = ctx;
	const char *errstr;

	switch (ch) {
	case OPT_PAYMENTS:	p->opt->payments = arg; break;
	case OPT_MATCHES:	p->opt->matches = arg; break;
	case OPT_UNAPPLIED:	p->opt->unapplied = arg; break;
	case OPT_TOLERANCE:
		parse_tolerance(&p->n->tolerance, arg);
		break;
	case OPT_PENDING_DAYS:
		p->n->pending_days = cli_number(arg, 0, 36500, &errstr);
		if (errstr) {
			warnx("--pending-days: %s \"%s\"", errstr, arg);
			cli_usage_error(usage, NULL, NULL);
		}
		break;
	default:
		cli_usage_error(usage, NULL, NULL);
	}
}

int
main(int argc, char *argv[])
{
	static struct night n;
	struct options opt = { NULL, NULL, NULL };
	struct input in;
	struct lines lines;
	struct layout lay;
	struct rejects rj;
	struct cli cli;
	struct out *o;
	struct parsing parsing;
	const char *errstr;
	long long payments_rejected, posted = 0;
	int i;

	memset(&n, 0, sizeof(n));	/* main may run again */
	cli_init(&cli);
	n.pending_days = 7;
	parsing.opt = &opt;
	parsing.n = &n;
	cli_getopt(&cli, argc, argv, longopts, prog, usage, own_option,
	    &parsing);
	argc -= optind;
	argv += optind;
	if (argc > 0)
		cli_usage_error(usage,
		    "unexpected argument \"%s\": invoices come on stdin", argv[0]);
	if (opt.payments == NULL)
		cli_usage_error(usage, "%s", "--payments is required");
	if (strcmp(opt.payments, "-") == 0)
		cli_usage_error(usage, "%s",
		    "--payments -: standard input carries the invoices");
	if (cli_finish(&cli, &errstr) < 0)
		cli_usage_error(usage, "%s", errstr);
	n.as_of = cli.as_of;
	if (rejects_open(&rj, prog, cli.rejects_path) < 0)
		err(EX_CANTCREAT, "%s", cli.rejects_path);
	/* most customers looked up are there; most memo keys are not */
	n.customer_ids = names_new(0);
	n.payment_ids = names_new(0);
	n.refkeys = names_new(1);
	n.late_ids = names_new(1);
	n.matches = open_output(opt.matches,
	    "payment_id\tinvoice_id\tcustomer_id\tcurrency\tapplied\tmethod\n");
	n.unapplied = open_output(opt.unapplied,
	    "payment_id\tcustomer_id\tcurrency\tunapplied\treason\n");

	PHASE(NULL);
	payments_read(&n, opt.payments, &rj, &posted);
	PHASE("payments");
	payments_rejected = rj.count;
	/* no payment id is looked up again: only their texts are written */
	names_drop_table(n.payment_ids);
	PHASE("ids dropped");
	memset(&in, 0, sizeof(in));
	first_pass(&n, &in, &lay, &rj);
	key_lists(&n);
	PHASE("first pass");
	/* nor a customer id or a memo key after the first pass */
	names_drop_table(n.customer_ids);
	names_drop_table(n.refkeys);
	PHASE("tables dropped");
	groups_build(&n);
	PHASE("groups");
	match_all(&n);
	PHASE("match");
	groups_plan_rows(&n);
	PHASE("plan");
	for (i = 0; i < n.ncurrencies; i++) {
		n.currencies[i].balance_out = n.currencies[i].balance_in;
		if (money_add(&n.currencies[i].balance_out,
		    -n.currencies[i].applied) < 0)
			n.currencies[i].overflow = 1;
	}
	o = out_open_fd(1);
	if (lay.applied < 0 && !lay.rewrites && lay.nappended == 4 &&
	    lines_open(&in, &lines) == 0)
		second_pass_lines(&n, &in, &lay, o, &lines);
	else {
		second_open(&in, rows_format_of(in.rows));
		second_pass(&n, &in, &lay, o);
	}
	PHASE("second pass");
	close_output(n.matches, opt.matches);
	close_output(n.unapplied, opt.unapplied);
	if (rejects_close(&rj) < 0)
		err(EX_IOERR, "%s", cli.rejects_path);
	if (out_close(o) < 0)
		err(EX_IOERR, "stdout");
	if (cli.stats)
		print_stats(&n, &in, n.npayments + posted + payments_rejected,
		    posted, payments_rejected, rj.count - payments_rejected);

	free(in.rejected);
	free(in.checkpoints);
	free(in.spill_path);
	free(lay.actions);
	ebigfree(n.invoices, (n.ninvoices + 1) * sizeof(*n.invoices));
	ebigfree(n.ids, n.ids_size);
	ebigfree(n.planned, n.planned_bytes);
	free(n.groups);
	free(n.payments);
	free(n.refs);
	free(n.key_start);
	free(n.key_invoices);
	free(n.customers);
	free(n.customer_marks);
	ebigfree(n.applications, n.applications_size * sizeof(*n.applications));
	free(n.scratch);
	names_free(n.customer_ids);
	names_free(n.payment_ids);
	names_free(n.refkeys);
	names_free(n.late_ids);
	free(n.late_customers);
	free(n.dated);
	free(n.held_rows);
	free(n.dated_rows);
	free(n.touched);
	if (rj.count > cli.max_rejects) {
		if (cli.rejects_path != NULL)
			warnx("%lld rows rejected, see %s", rj.count,
			    cli.rejects_path);
		return EX_DATAERR;
	}
	return EX_OK;
}
