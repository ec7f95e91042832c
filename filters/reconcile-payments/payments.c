/*
 * The payments file of reconcile-payments: read whole, first, since it is
 * the small file.  Rows are checked (amount, date, currency, status, a
 * repeated payment_id) and rejected per SPEC 1; posted payments only date
 * their customers; unposted ones are kept, with the invoice references
 * their memos name, for match_all().
 */
#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>

#include "alias.h"
#include "cli.h"
#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "memo.h"
#include "money.h"
#include "rejects.h"
#include "rows.h"
#include "reconcile.h"

enum { PAY_ID, PAY_CUSTOMER, PAY_CURRENCY, PAY_AMOUNT, PAY_RECEIVED,
	PAY_STATUS, PAY_REFERENCE, PAY_NCOLUMNS };

static const struct alias_spec payment_columns[PAY_NCOLUMNS] = {
	{ "payment_id", "paymentid|payment|paymentno|paymentnumber|receiptid|"
	    "receipt|receiptno|receiptnumber|transactionid|txnid",
	    "payment, payment #, payment no, receipt, receipt no, transaction id" },
	{ "customer_id", "customerid|customer|customerno|customernumber|custid|"
	    "account|accountid|accountno|accountnumber|clientid",
	    "customer, customer #, cust id, account, account id, account number, "
	    "client id" },
	{ "currency", "currency|ccy|cur", "ccy, cur" },
	{ "amount", "amount|paymentamount|amountpaid|amountreceived|"
	    "receivedamount|paid",
	    "payment amount, amount paid, amount received" },
	{ "received_date", "receiveddate|received|receivedon|date|paymentdate|"
	    "receiptdate|valuedate|depositdate",
	    "received, date, payment date, receipt date, value date" },
	{ "status", "status|paymentstatus|postingstatus",
	    "payment status, posting status" },
	{ "reference", "reference|ref|memo|remittance|remittanceinfo|"
	    "remittanceinformation|paymentreference|description|note|notes",
	    "ref, memo, remittance, remittance info, description, note" },
};


static void
payment_columns_of(struct rows *r, int *col)
{
	const struct row *h = rows_header(r);
	struct alias *a;
	const char *errstr;
	size_t i;
	int k;

	if ((a = alias_new(payment_columns, PAY_NCOLUMNS, &errstr)) == NULL)
		errx(EX_SOFTWARE, "%s", errstr);
	for (k = 0; k < PAY_NCOLUMNS; k++)
		col[k] = -1;
	for (i = 0; i < h->count; i++) {
		k = alias_match(a, h->fields[i].s, h->fields[i].len);
		if (k >= 0 && col[k] < 0)
			col[k] = (int)i;
	}
	alias_free(a);
	for (k = 0; k <= PAY_RECEIVED; k++)
		if (k != PAY_CUSTOMER && col[k] < 0)
			errx(EX_DATAERR, "%s: missing column %s (also accepted: %s)",
			    rows_name(r), payment_columns[k].canonical,
			    payment_columns[k].listed);
}

/* Parse one payment row into *p; NULL, or the reason it is rejected. */
static const char *
parse_payment(struct night *n, const struct row *row, const int *col,
    struct payment *p, char *buf, size_t size)
{
	struct money_scan scan;
	const char *errstr;
	struct field f;
	int c;

	f = night_value(n, row, col[PAY_CURRENCY]);
	if ((c = night_currency(n, f.s, f.len)) < 0)
		return night_reason(buf, size, "currency", "unknown currency", f);
	p->currency = c;
	f = night_value(n, row, col[PAY_AMOUNT]);
	if (money_scan(f.s, f.len, 0, &scan, &errstr) < 0 ||
	    money_scale(&scan, n->currencies[c].exponent, &p->amount, &errstr) < 0)
		return night_reason(buf, size, "amount", errstr, f);
	if (!currency_marker_fits(scan.marker, n->currencies[c].code))
		return night_reason(buf, size, "amount",
		    "currency symbol contradicts currency", f);
	if (p->amount <= 0)
		return night_reason(buf, size, "amount", "not a positive amount", f);
	f = night_value(n, row, col[PAY_RECEIVED]);
	if (date_parse(f.s, f.len, DATE_ORDER_NONE, &p->received, &errstr) < 0)
		return night_reason(buf, size, "received_date", errstr, f);
	f = night_value(n, row, col[PAY_STATUS]);
	if (f.len == 0 || (f.len == 8 && strncasecmp(f.s, "unposted", 8) == 0))
		p->posted = 0;
	else if (f.len == 6 && strncasecmp(f.s, "posted", 6) == 0)
		p->posted = 1;
	else
		return night_reason(buf, size, "status",
		    "unknown status, want posted or unposted", f);
	if (night_value(n, row, col[PAY_ID]).len == 0)
		return "payment_id: missing";
	return NULL;
}

/*
 * Payments are read first and their customers and memo keys interned
 * after, in loops that prefetch the table slots a few texts ahead: the
 * tables are big, and one lookup at a time each would be a cache miss.
 * Until then the texts wait here.  With enough payments a thread interns
 * the customers of what is read so far while reading goes on (publish());
 * the memo keys follow once the file is read.
 */
struct deferred {
	char		*text;
	size_t		 text_len, text_size;
	struct later {
		uint64_t text;		/* where in text << 24 | length (0: none) */
		int32_t	 received;
		uint32_t payment;	/* in n->payments, or NO_INDEX when posted */
		uint32_t customer;	/* once interned */
		uint8_t	 posted;
	} *customers;
	size_t		 ncustomers, customers_size;
	uint64_t	*keys;		/* one per ref: its key, as later.text */

	/* the interning thread's share: customers and keys below published */
	pthread_mutex_t	 lock;
	pthread_cond_t	 changed;
	int		 threaded, done;
	size_t		 published, interned, keys_published, keys_interned;
	pthread_t	 thread;
	size_t		 rows_hint;	/* rows the file holds, about; or 0 */
};

#define TEXT_LEN(t)	((size_t)((t) & 0xFFFFFF))
#define TEXT_AT(t)	((size_t)((t) >> 24))
#define PUBLISH_EVERY	4096

/*
 * Before the reader moves what the thread reads or writes (the texts, the
 * customer list, the payments, the keys and refs), it waits until the
 * thread has interned all it was given, and so stopped touching them.
 */
static void
hold_still(struct deferred *d)
{
	if (!d->threaded)
		return;
	pthread_mutex_lock(&d->lock);
	while (d->interned != d->published ||
	    d->keys_interned != d->keys_published)
		pthread_cond_wait(&d->changed, &d->lock);
	pthread_mutex_unlock(&d->lock);
}

static uint64_t
defer_text(struct deferred *d, const char *s, size_t len)
{
	size_t at;

	if (len > 0xFFFFFF)
		errx(EX_SOFTWARE, "id too long or too many ids");	/* as names_add */
	if (d->text == NULL || d->text_len + len > d->text_size)
		hold_still(d);
	at = night_append(&d->text, &d->text_len, &d->text_size, s, len);
	return (uint64_t)at << 24 | len;
}

static void
add_refs(struct night *n, struct deferred *d, struct memo *memo,
    const struct row *row, const int *col, struct payment *p)
{
	struct memo_ref found[MEMO_MAX_REFS];
	static char *key;
	static size_t key_size;
	struct field f = night_value(n, row, col[PAY_REFERENCE]);
	size_t k, nfound, len;

	p->first_ref = n->nrefs;
	p->nrefs = 0;
	if (f.len == 0 || (nfound = memo_refs(memo, f.s, f.len, found,
	    MEMO_MAX_REFS)) == 0)
		return;
	for (k = 0; k < nfound; k++) {
		if (found[k].number_len + 3 > key_size) {
			key_size = found[k].number_len * 2 + 64;
			key = ereallocarray(key, key_size, 1);
		}
		if (n->nrefs == n->refs_size) {
			hold_still(d);
			n->refs_size = n->refs_size * 2 + 1024;
			n->refs = ereallocarray(n->refs, n->refs_size,
			    sizeof(*n->refs));
			d->keys = ereallocarray(d->keys, n->refs_size,
			    sizeof(*d->keys));
		}
		len = memo_ref_key(key, f.s, &found[k]);
		d->keys[n->nrefs++] = defer_text(d, key, len);
		p->nrefs++;
	}
}

static void
keep_payment(struct night *n, struct deferred *d, struct memo *memo,
    const struct row *row, const int *col, struct payment *p)
{
	struct field f = night_value(n, row, col[PAY_CUSTOMER]);
	struct later *later;

	if (d->ncustomers == d->customers_size) {
		hold_still(d);
		d->customers_size = d->customers_size * 2 + 1024;
		d->customers = ereallocarray(d->customers, d->customers_size,
		    sizeof(*d->customers));
	}
	later = &d->customers[d->ncustomers++];
	later->text = defer_text(d, f.s, f.len);
	later->received = p->received;
	later->posted = p->posted;
	later->payment = NO_INDEX;
	if (p->posted)
		return;	/* history: it sets last_payment_date, applies nothing */
	add_refs(n, d, memo, row, col, p);
	if (n->npayments == n->payments_size) {
		hold_still(d);
		n->payments_size = n->payments_size * 2 + 1024;
		n->payments = ereallocarray(n->payments, n->payments_size,
		    sizeof(*n->payments));
	}
	later->payment = n->npayments;
	n->payments[n->npayments++] = *p;
}

#define AHEAD	16

/* Intern the customers of deferred payments from to to, and date them. */
static void
intern_customers(struct night *n, struct deferred *d, size_t from, size_t to)
{
	struct later *c;
	struct customer *cust;
	uint64_t ring[AHEAD], t;
	uint32_t i;
	size_t k;

	/* customer k - AHEAD, whose slot was fetched; then hash customer k */
	for (k = from; k < to + AHEAD; k++) {
		if (k >= from + AHEAD) {
			c = &d->customers[k - AHEAD];
			i = TEXT_LEN(c->text) == 0 ? NO_INDEX :
			    night_customer_hash(n, d->text + TEXT_AT(c->text),
			    TEXT_LEN(c->text), ring[k % AHEAD]);
			if (c->payment != NO_INDEX)
				n->payments[c->payment].customer = i;
			c->customer = i;
		}
		if (k < to) {
			t = d->customers[k].text;
			ring[k % AHEAD] = names_hash(d->text + TEXT_AT(t),
			    TEXT_LEN(t));
			names_prefetch(n->customer_ids, ring[k % AHEAD], 1);
		}
	}
	/* then their dates: the customers too are met at random */
	for (k = from; k < to; k++) {
#ifdef __GNUC__
		if (k + AHEAD < to && d->customers[k + AHEAD].customer != NO_INDEX)
			__builtin_prefetch(
			    &n->customers[d->customers[k + AHEAD].customer], 1);
#endif
		c = &d->customers[k];
		if ((i = c->customer) == NO_INDEX)
			continue;
		cust = &n->customers[i];
		if (cust->last_payment == NO_DATE || cust->last_payment < c->received)
			cust->last_payment = c->received;
		if (!c->posted)
			n->customer_marks[i] |= CUSTOMER_UNPOSTED;
	}
}

/* Intern the memo keys of refs from to to. */
static void
intern_keys(struct night *n, struct deferred *d, size_t from, size_t to)
{
	uint64_t ring[AHEAD], t;
	size_t k;
	int added;

	for (k = from; k < to + AHEAD; k++) {
		if (k >= from + AHEAD) {
			t = d->keys[k - AHEAD];
			n->refs[k - AHEAD].key = names_add_hash(n->refkeys,
			    d->text + TEXT_AT(t), TEXT_LEN(t), ring[k % AHEAD],
			    &added);
			/* "INV 1043" may stand for an invoice whose id is "1043" */
			n->refs[k - AHEAD].number_key = names_add(n->refkeys,
			    d->text + TEXT_AT(t) + 3, TEXT_LEN(t) - 3, &added);
		}
		if (k < to) {
			t = d->keys[k];
			ring[k % AHEAD] = names_hash(d->text + TEXT_AT(t),
			    TEXT_LEN(t));
			names_prefetch(n->refkeys, ring[k % AHEAD], 1);
		}
	}
}

struct interning {
	struct night	*n;
	struct deferred	*d;
};

static void *
intern_run(void *arg)
{
	struct interning *in = arg;
	struct deferred *d = in->d;
	size_t from, to, keys_from, keys_to;

	for (;;) {
		pthread_mutex_lock(&d->lock);
		while (!d->done && d->interned == d->published &&
		    d->keys_interned == d->keys_published)
			pthread_cond_wait(&d->changed, &d->lock);
		from = d->interned;
		to = d->published;
		keys_from = d->keys_interned;
		keys_to = d->keys_published;
		pthread_mutex_unlock(&d->lock);
		if (from == to && keys_from == keys_to)
			return NULL;	/* done, and all interned */
		intern_customers(in->n, d, from, to);
		intern_keys(in->n, d, keys_from, keys_to);
		pthread_mutex_lock(&d->lock);
		d->interned = to;
		d->keys_interned = keys_to;
		pthread_cond_broadcast(&d->changed);
		pthread_mutex_unlock(&d->lock);
	}
}

/*
 * Give the thread the customers read so far, starting it once there are
 * enough of them to be worth one; done: the last of them.
 */
static void
publish(struct interning *in, int done)
{
	struct deferred *d = in->d;

	if (!d->threaded) {
		if (done || d->ncustomers < PUBLISH_EVERY)
			return;
		/* room for the keys of the whole file, as those so far foretell */
		if (d->rows_hint > d->ncustomers)
			names_reserve(in->n->refkeys, in->n->nrefs * 2 *
			    (d->rows_hint / d->ncustomers + 1), d->text_len *
			    (d->rows_hint / d->ncustomers + 1));
		pthread_mutex_init(&d->lock, NULL);
		pthread_cond_init(&d->changed, NULL);
		d->threaded = pthread_create(&d->thread, NULL, intern_run,
		    in) == 0;
		if (!d->threaded) {
			pthread_cond_destroy(&d->changed);
			pthread_mutex_destroy(&d->lock);
			return;
		}
	} else if (!done && d->ncustomers - d->published < PUBLISH_EVERY)
		return;
	pthread_mutex_lock(&d->lock);
	d->published = d->ncustomers;
	d->keys_published = in->n->nrefs;
	d->done = done;
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
}

/* Whatever the thread has not interned yet, or all, without a thread. */
static void
intern_deferred(struct night *n, struct interning *in)
{
	struct deferred *d = in->d;

	PHASE("payments read");
	if (d->threaded) {
		publish(in, 1);
		pthread_join(d->thread, NULL);
		pthread_cond_destroy(&d->changed);
		pthread_mutex_destroy(&d->lock);
	} else {
		intern_customers(n, d, 0, d->ncustomers);
		/* each reference adds at most two keys, one a suffix of the other */
		names_reserve(n->refkeys, n->nrefs * 2, d->text_len);
		intern_keys(n, d, 0, n->nrefs);
	}
	free(d->text);
	free(d->customers);
	free(d->keys);
}

#define SIZE_SAMPLE_ROWS	256

/*
 * Size the payment id table for the whole file at once, from its size and
 * the first rows: growing by doubling would rehash every id several times
 * and fault in twice the memory.  Only for a regular file.
 */
static size_t
reserve_ids(struct night *n, struct rows *r, size_t sampled)
{
	struct stat sb;
	size_t rows;

	if (fstat(rows_fd(r), &sb) < 0 || !S_ISREG(sb.st_mode) || sampled == 0)
		return 0;
	rows = (size_t)sb.st_size / (sampled / SIZE_SAMPLE_ROWS + 1) + 1;
	names_reserve(n->payment_ids, rows, rows * 12);
	return rows;
}

/*
 * Rows wait in a batch so that the lookups of their payment ids, in a
 * table of a hundred megabytes, are prefetched together: one at a time,
 * each would be a cache miss.  A row is copied (its raw text and fields)
 * since rows_next() reuses its buffer; rows are handled in file order.
 */
#define PAY_BATCH	16

struct pay_batch {
	struct row	 rows[PAY_BATCH];
	struct payment	 parsed[PAY_BATCH];
	const char	*reason[PAY_BATCH];
	char		 why[PAY_BATCH][256];
	uint64_t	 hash[PAY_BATCH];
	size_t		 raw_at[PAY_BATCH], fields_at[PAY_BATCH];
	int		 n;
	char		*text;
	size_t		 text_len, text_size;
	struct field	*fields;
	size_t		 nfields, fields_size;
};

static size_t
batch_text(struct pay_batch *b, const char *s, size_t len)
{
	return night_append(&b->text, &b->text_len, &b->text_size, s, len);
}

/* Keep a copy of row; field texts hold their offsets until batch_rows(). */
static void
batch_keep(struct pay_batch *b, const struct row *row)
{
	int k = b->n++;
	size_t i;

	b->rows[k] = *row;
	b->raw_at[k] = batch_text(b, row->raw, row->raw_len);
	if (b->nfields + row->count > b->fields_size) {
		b->fields_size = (b->nfields + row->count) * 2 + 64;
		b->fields = ereallocarray(b->fields, b->fields_size,
		    sizeof(*b->fields));
	}
	b->fields_at[k] = b->nfields;
	for (i = 0; i < row->count; i++) {
		b->fields[b->nfields].len = row->fields[i].len;
		b->fields[b->nfields++].s = (const char *)(uintptr_t)
		    batch_text(b, row->fields[i].s, row->fields[i].len);
	}
}

/* The copies' pointers, now that the text no longer moves. */
static void
batch_rows(struct pay_batch *b)
{
	size_t i;
	int k;

	for (i = 0; i < b->nfields; i++)
		b->fields[i].s = b->text + (uintptr_t)b->fields[i].s;
	for (k = 0; k < b->n; k++) {
		b->rows[k].raw = b->text + b->raw_at[k];
		b->rows[k].fields = b->fields + b->fields_at[k];
	}
}

static void
batch_flush(struct night *n, struct pay_batch *b, struct rejects *rj,
    const char *name, size_t ncolumns, const int *col, struct deferred *d,
    struct memo *memo, long long *posted)
{
	struct row *row;
	struct payment *p;
	struct field id;
	int k, added;

	batch_rows(b);
	for (k = 0; k < b->n; k++) {
		row = &b->rows[k];
		p = &b->parsed[k];
		memset(p, 0, sizeof(*p));
		if (row->count != ncolumns) {
			snprintf(b->why[k], sizeof(b->why[k]), "wrong number of "
			    "fields: %zu, header has %zu", row->count, ncolumns);
			b->reason[k] = b->why[k];
			continue;
		}
		b->reason[k] = parse_payment(n, row, col, p, b->why[k],
		    sizeof(b->why[k]));
		if (b->reason[k] != NULL)
			continue;
		id = night_value(n, row, col[PAY_ID]);
		b->hash[k] = names_hash(id.s, id.len);
		names_prefetch(n->payment_ids, b->hash[k], 1);
	}
	for (k = 0; k < b->n; k++) {
		row = &b->rows[k];
		p = &b->parsed[k];
		if (b->reason[k] != NULL) {
			night_reject(rj, name, row, b->reason[k]);
			continue;
		}
		id = night_value(n, row, col[PAY_ID]);
		p->id = names_add_hash(n->payment_ids, id.s, id.len, b->hash[k],
		    &added);
		if (!added) {
			night_reject(rj, name, row, night_reason(b->why[k],
			    sizeof(b->why[k]), "payment_id",
			    "duplicate payment_id", id));
			continue;
		}
		keep_payment(n, d, memo, row, col, p);
		*posted += p->posted;
	}
	b->n = 0;
	b->text_len = 0;
	b->nfields = 0;
}

void
payments_read(struct night *n, const char *path, struct rejects *rj,
    long long *posted)
{
	static struct pay_batch batch;
	struct rows *r;
	struct row row;
	struct memo *memo;
	const char *errstr, *name;
	int col[PAY_NCOLUMNS], got;
	struct deferred deferred;
	struct interning interning;
	size_t nread = 0, sampled = 0, ncolumns;

	memset(&deferred, 0, sizeof(deferred));
	interning.n = n;
	interning.d = &deferred;
	memset(&batch, 0, sizeof(batch));	/* main may run again */
	if ((r = rows_open(path, ROWS_AUTO, &errstr)) == NULL)
		errx(EX_NOINPUT, "%s: %s", path, errstr);
	name = rows_name(r);
	ncolumns = rows_header(r)->count;
	payment_columns_of(r, col);
	if ((memo = memo_new(&errstr)) == NULL)
		errx(EX_SOFTWARE, "memo patterns: %s", errstr);
	while ((got = rows_next(r, &row, &errstr)) != 0) {
		if (++nread <= SIZE_SAMPLE_ROWS) {
			sampled += row.raw_len + 1;
			if (nread == SIZE_SAMPLE_ROWS)
				deferred.rows_hint = reserve_ids(n, r, sampled);
		}
		if (got < 0) {
			if (rows_failed(r))
				errx(EX_IOERR, "%s: %s", name, errstr);
			/* in its place among the rejects: the batch goes first */
			batch_flush(n, &batch, rj, name, ncolumns, col, &deferred,
			    memo, posted);
			night_reject(rj, name, &row, errstr);
			continue;
		}
		batch_keep(&batch, &row);
		if (batch.n == PAY_BATCH) {
			batch_flush(n, &batch, rj, name, ncolumns, col, &deferred,
			    memo, posted);
			publish(&interning, 0);
		}
	}
	batch_flush(n, &batch, rj, name, ncolumns, col, &deferred, memo, posted);
	free(batch.text);
	free(batch.fields);
	memo_free(memo);
	rows_close(r);
	intern_deferred(n, &interning);
}
