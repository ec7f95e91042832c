/*
 * With two cores or more, a big regular TSV is read in two halves at
 * once, the second in a thread of its own.  Each half works on a copy of
 * the night: the tables the payments built (customers, their marks, memo
 * keys) are shared and only read; what the pass builds, each half builds
 * apart: held invoices (the second half's past where the first's can
 * reach, in the same blocks), dated rows, row bitmaps, memo-key lists,
 * currency totals, currencies new to the night.  merge_halves() joins
 * them in row order, as one pass would have built them.  A half that meets
 * anything but a clean row gives up, and the pass is done again the plain
 * way, which rejects rows in order with their line numbers.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ealloc.h"
#include "memo.h"
#include "money.h"
#include "invoices.h"

#define HALVES_MIN	((off_t)64 << 20)	/* smaller: not worth a thread */
#define ROW_MIN		20	/* bytes of the shortest row an invoice is held from */

struct half {
	struct night	 n;		/* the copy */
	const struct layout *lay;
	off_t		 from, to;
	uint64_t	 kept;		/* its rows: all kept, or it gave up */
	int		 failed;
	size_t		 first_place;	/* of its first invoice */
	off_t		 stretch;
	struct checkpoint *marks;	/* a row every stretch bytes */
	size_t		 nmarks, marks_size;
	/* invoices named by a memo, of customers without payments */
	struct late_hold {
		size_t	 invoice, at, len;
	}		*late;
	size_t		 nlate, late_size;
	char		*late_text;
	size_t		 late_text_len, late_text_size;
};

void
half_give_up(struct half *h)
{
	h->failed = 1;
}

/* Interning the customer would change the shared table: merge_halves does. */
void
half_late_customer(struct half *h, const struct field *id, size_t invoice)
{
	if (h->nlate == h->late_size) {
		h->late_size = h->late_size * 2 + 64;
		h->late = ereallocarray(h->late, h->late_size, sizeof(*h->late));
	}
	h->late[h->nlate].invoice = invoice;
	h->late[h->nlate].at = night_append(&h->late_text, &h->late_text_len,
	    &h->late_text_size, id->s, id->len);
	h->late[h->nlate++].len = id->len;
}

/*
 * Every so many bytes (a 256th of the file, from 4 KiB to 4 MiB) a half
 * notes where a row starts and the plan's cursors there, so that the
 * second pass can write stretches of rows two at a time, in two threads,
 * and put them out in order.
 */
static off_t
stretch_of(off_t bytes)
{
	off_t s = bytes / 256;

	return s < 4096 ? 4096 : s > (4 << 20) ? 4 << 20 : s;
}

static void
half_mark(struct half *h, struct batch *b, off_t at)
{
	struct checkpoint *cp;

	batch_flush(&h->n, b);	/* the counts must be up to date */
	if (h->nmarks == h->marks_size) {
		h->marks_size = h->marks_size * 2 + 64;
		h->marks = ereallocarray(h->marks, h->marks_size,
		    sizeof(*h->marks));
	}
	cp = &h->marks[h->nmarks++];
	cp->at = at;
	cp->kept = h->kept;
	cp->held = h->n.ninvoices - h->first_place;
	cp->dated = h->n.ndated;
	cp->touched = 0;	/* known once matched: second_pass_stretches */
}

static void *
half_run(void *arg)
{
	struct half *h = arg;
	struct night *n = &h->n;
	struct batch *b = ecalloc(1, sizeof(*b));
	struct invoice_row ir;
	struct lines ls;
	struct row row;
	const char *line;
	char buf[256];
	size_t len;
	off_t here, next_mark = h->from;
	int got = 1;

	lines_start(&ls, 0);
	ls.at = h->from;
	ls.stop = h->to;
	for (;;) {
		here = ls.at - (off_t)(ls.end - ls.pos);
		if (here >= next_mark && here < h->to) {
			half_mark(h, b, here);
			next_mark = here + h->stretch;
		}
		if (h->failed || (got = lines_next(&ls, &line, &len)) == 0)
			break;
		if (got < 0)
			break;	/* the plain pass reports it */
		if (len == 0)
			continue;	/* a blank line carries no row */
		lines_split(&ls, line, len, &row);
		if (parse_invoice(n, h->lay, &row, &ir, buf, sizeof(buf)) != NULL)
			break;
		if (money_add(&n->currencies[ir.currency].balance_in,
		    ir.balance) < 0)
			n->currencies[ir.currency].overflow = 1;
		batch_add(n, b, &ir, h->kept++);
		if (b->n == BATCH)
			batch_flush(n, b);
	}
	if (got != 0)
		h->failed = 1;
	else
		batch_flush(n, b);
	free(b->text);
	free(b);
	lines_end(&ls);
	return NULL;
}

/* The first byte past the line that starts at or after at; -1 if none near. */
static off_t
line_after(off_t at, off_t end)
{
	char buf[65536];
	ssize_t got;
	char *nl;

	do
		got = pread(0, buf, sizeof(buf), at);
	while (got < 0 && errno == EINTR);
	if (got <= 0 || (nl = memchr(buf, '\n', got)) == NULL ||
	    at + (nl - buf) + 1 >= end)
		return -1;
	return at + (nl - buf) + 1;
}

/*
 * No byte order mark and no CR in the header: rows_next then reads lines
 * as lines_next does (a CR in the first line could make it take CR for
 * the line end).
 */
static int
plain_header(off_t start, off_t data)
{
	char buf[65536];
	ssize_t got;

	if (data - start > (off_t)sizeof(buf))
		return 0;
	do
		got = pread(0, buf, data - start, start);
	while (got < 0 && errno == EINTR);
	return got == data - start && memchr(buf, '\r', got) == NULL &&
	    (got < 3 || memcmp(buf, "\xEF\xBB\xBF", 3) != 0);
}

static void
half_start(struct half *h, const struct night *n, const struct layout *lay,
    off_t from, off_t to)
{
	memset(h, 0, sizeof(*h));
	h->n = *n;
	h->n.half = h;
	h->n.scratch = NULL;
	h->n.scratch_size = 0;
	h->n.key_hits = NULL;
	h->n.nkey_hits = h->n.key_hits_size = 0;
	night_zero_totals(&h->n);
	h->lay = lay;
	h->from = from;
	h->to = to;
	h->stretch = stretch_of(to - from) * 2;
}

static void
half_free(struct half *h)
{
	free(h->n.scratch);
	free(h->n.key_hits);
	free(h->n.dated);
	free(h->n.held_rows);
	free(h->n.dated_rows);
	free(h->late);
	free(h->late_text);
	free(h->marks);
}

/* Row bits of a half into the night's, its rows after first rows. */
static void
merge_bits(uint64_t *to, const uint64_t *from, uint64_t rows, uint64_t first)
{
	uint64_t r, w;

	for (r = 0; r < rows; r += 64) {
		w = from[r / 64];
		if (rows - r < 64)
			w &= ((uint64_t)1 << (rows - r)) - 1;
		if (w == 0)
			continue;
		to[(first + r) / 64] |= w << ((first + r) % 64);
		if ((first + r) % 64 != 0)
			to[(first + r) / 64 + 1] |= w >> (64 - (first + r) % 64);
	}
}

static void
merge_halves(struct night *n, struct input *in, struct half *h)
{
	struct night *a = &h[0].n, *b = &h[1].n;
	size_t base = a->invoices_size, nb = b->ninvoices - base, k, i;
	uint32_t map[MAX_CURRENCIES];
	struct late_hold *late;
	struct field id;
	int half, c, known, remap = 0;

	n->ninvoices = a->ninvoices + nb;
	n->gap_from = a->ninvoices;
	n->gap_len = base - a->ninvoices;
	n->ids_len = b->ids_len;
	/* memo-key hits in row order: the first half's, then the second's */
	n->nkey_hits = n->key_hits_size = a->nkey_hits + b->nkey_hits;
	n->key_hits = ereallocarray(NULL, n->nkey_hits + 1, sizeof(*n->key_hits));
	if (a->nkey_hits > 0)
		memcpy(n->key_hits, a->key_hits, a->nkey_hits *
		    sizeof(*n->key_hits));
	if (b->nkey_hits > 0)
		memcpy(n->key_hits + a->nkey_hits, b->key_hits, b->nkey_hits *
		    sizeof(*n->key_hits));
	/* currencies new to the night, in row order, and the totals */
	known = n->ncurrencies;
	for (half = 0; half < 2; half++) {
		struct night *x = &h[half].n;

		for (c = 0; c < x->ncurrencies; c++) {
			map[c] = c < known ? (uint32_t)c :
			    (uint32_t)night_currency(n, x->currencies[c].code, 3);
			remap |= map[c] != (uint32_t)c;
		}
		night_add_totals(n, x, map);
	}
	if (remap)	/* only the second half's can differ */
		for (k = base; k < base + nb; k++)
			n->invoices[k].currency = map[n->invoices[k].currency];
	/* customers first met through a memo, in row order */
	for (half = 0; half < 2; half++)
		for (i = 0; i < h[half].nlate; i++) {
			late = &h[half].late[i];
			id.s = h[half].late_text + late->at;
			id.len = late->len;
			n->invoices[late->invoice].customer =
			    intern_late_customer(n, &id);
		}
	n->ndated = a->ndated + b->ndated;
	n->dated_size = n->ndated + 1;
	n->dated = ereallocarray(NULL, n->dated_size, sizeof(*n->dated));
	if (a->ndated > 0)
		memcpy(n->dated, a->dated, a->ndated * sizeof(*n->dated));
	if (b->ndated > 0)
		memcpy(n->dated + a->ndated, b->dated,
		    b->ndated * sizeof(*n->dated));
	n->row_words = (h[0].kept + h[1].kept) / 64 + 2;
	n->held_rows = ecalloc(n->row_words, sizeof(uint64_t));
	n->dated_rows = ecalloc(n->row_words, sizeof(uint64_t));
	if (a->held_rows != NULL) {
		merge_bits(n->held_rows, a->held_rows, h[0].kept, 0);
		merge_bits(n->dated_rows, a->dated_rows, h[0].kept, 0);
	}
	if (b->held_rows != NULL) {
		merge_bits(n->held_rows, b->held_rows, h[1].kept, h[0].kept);
		merge_bits(n->dated_rows, b->dated_rows, h[1].kept, h[0].kept);
	}
	PHASE("merge");
	in->rows_in = in->kept = h[0].kept + h[1].kept;
	in->ncheckpoints = h[0].nmarks + h[1].nmarks;
	in->checkpoints = ereallocarray(NULL, in->ncheckpoints,
	    sizeof(*in->checkpoints));
	memcpy(in->checkpoints, h[0].marks, h[0].nmarks * sizeof(*h[0].marks));
	for (i = 0; i < h[1].nmarks; i++) {
		struct checkpoint *cp = &in->checkpoints[h[0].nmarks + i];

		*cp = h[1].marks[i];
		cp->kept += h[0].kept;
		cp->held += a->ninvoices;
		cp->dated += a->ndated;
	}
	in->end = h[1].to;
}

/*
 * The first pass in two halves, if the input is one to split: 0 when done,
 * -1 to do it the plain way (nothing of the night changed but blocks
 * reserved and customers marked seen, as the plain pass will mark them).
 */
int
first_pass_halves(struct night *n, struct input *in, const struct layout *lay,
    off_t end)
{
	static struct half h[2];
	const char *min = getenv("RECONCILE_PAYMENTS_HALVES");
	pthread_t thread;
	off_t data, split, least = HALVES_MIN;
	size_t places[2], bytes;
	char key[8];
	int threaded, i;

	if (min != NULL && *min != '\0')
		least = strcmp(min, "never") == 0 ? NO_STOP :
		    (off_t)strtoll(min, NULL, 10);
	if (end - in->start < least || sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    rows_format_of(in->rows) != ROWS_TSV)
		return -1;
	/* past the header, which must read as lines_next reads it */
	if ((data = line_after(in->start, end)) < 0 ||
	    (split = line_after(data + (end - data) / 2 - 1, end)) < 0 ||
	    !plain_header(in->start, data))
		return -1;
	places[0] = (split - data) / ROW_MIN + 1;
	places[1] = (end - split) / ROW_MIN + 1;
	bytes = end - data + 1;
	if ((places[0] + places[1]) > max_hint() / sizeof(*n->invoices) ||
	    bytes > max_hint() || bytes > UINT32_MAX)
		return -1;
	n->invoices_size = places[0] + places[1];
	n->invoices = ebigalloc(n->invoices_size * sizeof(*n->invoices));
	n->ids_size = bytes;
	n->ids = ebigalloc(n->ids_size);
	(void)memo_key(key, "0", 1);	/* its table, before two threads read it */
	half_start(&h[0], n, lay, data, split);
	h[0].n.invoices_size = places[0];
	h[0].n.ids_size = split - data;
	half_start(&h[1], n, lay, split, end);
	h[1].first_place = places[0];
	h[1].n.ninvoices = places[0];
	h[1].n.ids_len = split - data;
	threaded = pthread_create(&thread, NULL, half_run, &h[1]) == 0;
	half_run(&h[0]);
	PHASE("first half");
	if (threaded)
		pthread_join(thread, NULL);
	else
		half_run(&h[1]);
	i = h[0].failed || h[1].failed ? -1 : 0;
	if (i == 0)
		merge_halves(n, in, h);
	in->halves = i == 0;
	half_free(&h[0]);
	half_free(&h[1]);
	return i;
}

