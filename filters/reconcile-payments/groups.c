/*
 * Between reconcile-payments' two passes: each customer's held invoices
 * are grouped by currency and sorted by due date then invoice_id, and laid
 * out in that order for the matcher; after matching, the held invoices are
 * listed in row order for the second pass.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "reconcile.h"

static const struct night *sort_night;

/* Where the invoice of row rank r is, across the gap of halves.c. */
static size_t
place_of(const struct night *n, size_t r)
{
	return r < n->gap_from ? r : r + n->gap_len;
}

static size_t
rank_of(const struct night *n, size_t place)
{
	return place < n->gap_from ? place : place - n->gap_len;
}
/* Currency indexes follow row order; the order of groups follows codes. */
static uint8_t sort_rank[MAX_CURRENCIES];

static int
invoice_order(const void *a, const void *b)
{
	const struct invoice *x = &sort_night->invoices[*(const uint32_t *)a];
	const struct invoice *y = &sort_night->invoices[*(const uint32_t *)b];

	if (x->currency != y->currency)
		return sort_rank[x->currency] < sort_rank[y->currency] ? -1 : 1;
	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return invoice_id_cmp(sort_night->ids, x, y);
}

static int
key_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Most runs of ties are a few invoices: qsort's setup would cost more. */
static void
sort_small(uint32_t *v, size_t count)
{
	size_t i, j;
	uint32_t x;

	if (count > 16) {
		qsort(v, count, sizeof(*v), invoice_order);
		return;
	}
	for (i = 1; i < count; i++) {
		x = v[i];
		for (j = i; j > 0 && invoice_order(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/*
 * A customer's invoices by currency rank, due date, then invoice_id.  The
 * first two go into one 64-bit key with the invoice's place, so that the
 * sort compares keys in a local array instead of chasing each invoice
 * and its id through memory at every comparison; only runs that tie on
 * both are sorted again by id.  keys has room for count; due days are
 * counted from min_due, below 2^24 (groups_build checks).
 */
static void
sort_invoices(const struct night *n, uint32_t *v, size_t count,
    uint64_t *keys, int32_t min_due)
{
	const struct invoice *inv;
	size_t i, j;

	if (count < 2)
		return;
	for (i = 0; i < count; i++) {
		inv = &n->invoices[v[i]];
		keys[i] = (uint64_t)sort_rank[inv->currency] << 56 |
		    (uint64_t)(uint32_t)(inv->due - min_due) << 32 | v[i];
	}
	if (count <= 16) {
		uint64_t x;

		for (i = 1; i < count; i++) {
			x = keys[i];
			for (j = i; j > 0 && keys[j - 1] > x; j--)
				keys[j] = keys[j - 1];
			keys[j] = x;
		}
	} else
		qsort(keys, count, sizeof(*keys), key_order);
	for (i = 0; i < count; i++)
		v[i] = (uint32_t)keys[i];
	for (i = 0; i < count; i = j) {
		for (j = i + 1; j < count && keys[j] >> 32 == keys[i] >> 32; j++)
			;
		if (j - i > 1)
			sort_small(v + i, j - i);
	}
}

/*
 * Currency indexes follow first appearance, which depends on row order;
 * the order of groups must not, so sort by currency code, not index.
 */
void
night_currency_ranks(const struct night *n, uint8_t *rank)
{
	int i, j;

	for (i = 0; i < n->ncurrencies; i++) {
		rank[i] = 0;
		for (j = 0; j < n->ncurrencies; j++)
			rank[i] += memcmp(n->currencies[j].code,
			    n->currencies[i].code, 3) < 0;
	}
}

/* What the parts of groups_build share, for night_twice. */
struct grouping {
	struct night	*n;
	const size_t	*start;		/* start[c] ends customer c */
	size_t		 most;		/* invoices of the customer with most */
	int32_t		 min_due;
	int		 keyed;		/* due days fit the sort keys */
	struct invoice	*grouped;
	uint32_t	*row_order;
};

/* Sort the invoices of customers from to to. */
static void
sort_customers(void *arg, size_t from, size_t to)
{
	struct grouping *g = arg;
	struct night *n = g->n;
	uint64_t *keys;
	size_t c, k, at, ahead;

	if (from == to)
		return;
	keys = g->keyed ? ereallocarray(NULL, g->most + 1, sizeof(*keys)) :
	    NULL;
	at = from > 0 ? g->start[from - 1] : 0;
	ahead = at;
	for (c = from; c < to; c++) {
		k = at;
		at = g->start[c];
#ifdef __GNUC__
		/* the invoices of a customer lie anywhere: fetch ahead */
		for (; ahead < at + 32 && ahead < g->start[to - 1]; ahead++)
			__builtin_prefetch(&n->invoices[n->by_group[ahead]]);
#endif
		if (keys != NULL)
			sort_invoices(n, n->by_group + k, at - k, keys, g->min_due);
		else
			sort_small(n->by_group + k, at - k);
	}
	free(keys);
}

static void
gather(void *arg, size_t from, size_t to)
{
	struct grouping *g = arg;
	const struct night *n = g->n;
	size_t i;

	for (i = from; i < to; i++) {
#ifdef __GNUC__
		if (i + 16 < to)
			__builtin_prefetch(&n->invoices[n->by_group[i + 16]]);
#endif
		g->grouped[i] = n->invoices[n->by_group[i]];
	}
}

static void
rank_rows(void *arg, size_t from, size_t to)
{
	struct grouping *g = arg;
	size_t i;

	for (i = from; i < to; i++)
		g->row_order[g->n->by_group[i]] = i;
}

static void
relink_keys(void *arg, size_t from, size_t to)
{
	struct grouping *g = arg;
	size_t j;

	for (j = from; j < to; j++)
		g->n->key_invoices[j] = g->row_order[g->n->key_invoices[j]];
}

/*
 * Lay the invoices out in group order, so that matching a payment reads
 * one stretch of memory rather than an invoice per cache miss.  by_group,
 * which gave the row rank of each grouped invoice, stays for groups_plan_rows().
 * Briefly holds the index twice: moving the invoices in place, cycle by
 * cycle of the permutation, saves that memory but is one dependent cache
 * miss per invoice, and measured twice as slow as this copy, whose reads
 * are prefetched ahead.  The old copy's memory is not given back: fresh
 * pages cost more than anything else here (the kernel zeroes them, and a
 * virtual machine's host may fault them in), so it holds the row ranks a
 * moment, then the row plan.  Each loop runs in two halves at once.
 */
static void
regroup(struct night *n, struct grouping *g)
{
	size_t half = n->ninvoices / 2, hits = n->key_start[names_count(n->refkeys)];
	size_t written, keys, plan_bytes;

	g->grouped = ebigalloc((n->ninvoices + 1) * sizeof(*g->grouped));
	night_twice(gather, g, half, n->ninvoices);
	PHASE("gathered");
	/* the old invoices are dead: their memory holds the row ranks */
	g->row_order = (uint32_t *)n->invoices;
	night_twice(rank_rows, g, half, n->ninvoices);
	night_twice(relink_keys, g, hits / 2, hits);
	/*
	 * Then match_all()'s payment keys, if they fit in the pages written
	 * from the start (up to the gap), and the row plan, a third of their
	 * size: the rest goes.
	 */
	written = (n->gap_len > 0 ? n->gap_from : n->ninvoices) *
	    sizeof(*n->invoices);
	keys = (n->npayments + 1) * PAYMENT_KEY_BYTES;
	n->spare_bytes = keys <= written ? keys : 0;
	n->planned = (struct planned *)n->invoices;
	n->planned_bytes = n->invoices_size * sizeof(*n->invoices);
	plan_bytes = n->ninvoices * sizeof(*n->planned);
	ebigtrim(n->planned, n->planned_bytes,
	    n->spare_bytes > plan_bytes ? n->spare_bytes : plan_bytes);
	n->invoices = g->grouped;
}

/*
 * The memo keys' lists of invoices, from the first pass's hits (in row
 * order): counted by key, then placed, so each list keeps row order.
 */
void
key_lists(struct night *n)
{
	size_t nkeys = names_count(n->refkeys), k, sum;
	uint32_t *at;

	n->key_start = ecalloc(nkeys + 2, sizeof(*n->key_start));
	n->key_invoices = ereallocarray(NULL, n->nkey_hits + 1,
	    sizeof(*n->key_invoices));
	for (k = 0; k < n->nkey_hits; k++)
		n->key_start[n->key_hits[k].key + 2]++;
	for (k = 2, sum = 0; k < nkeys + 2; k++)
		n->key_start[k] = sum += n->key_start[k];
	/* key_start[k + 1] runs through key k's places, then ends them */
	at = n->key_start + 1;
	for (k = 0; k < n->nkey_hits; k++)
		n->key_invoices[at[n->key_hits[k].key]++] =
		    n->key_hits[k].invoice;
	free(n->key_hits);
	n->key_hits = NULL;
	n->nkey_hits = n->key_hits_size = 0;
}

/* Each customer's groups, one per currency, from the invoices in order. */
static void
list_groups(struct night *n, const size_t *start)
{
	size_t ncust = names_count(n->customer_ids), c, i, at = 0;
	struct customer *cust;
	uint8_t cur;

	n->groups = ereallocarray(NULL, n->ninvoices + 1, sizeof(*n->groups));
	n->ngroups = 0;
	for (c = 0; c < ncust; c++) {
		cust = &n->customers[c];
		cust->first_group = n->ngroups;
		cust->ngroups = 0;
		for (i = at, at = start[c]; i < at; i++) {
			cur = n->invoices[i].currency;
			if (cust->ngroups == 0 ||
			    cur != n->groups[n->ngroups - 1].currency) {
				n->groups[n->ngroups].first = i;
				n->groups[n->ngroups].count = 0;
				n->groups[n->ngroups].open_from = 0;
				n->groups[n->ngroups++].currency = cur;
				cust->ngroups++;
			}
			n->groups[n->ngroups - 1].count++;
		}
	}
}

/*
 * Counting the invoices of each customer and placing them in customer
 * order, two halves of the rows at once: each half counts its own, the
 * first half's invoices of a customer go before the second's (the order
 * stays the row order), and each half places its own.
 */
struct placing {
	struct night	*n;
	uint32_t	*at[2];		/* by customer: a count, then a position */
	int32_t		 min_due[2], max_due[2];
};

static void
count_customers(void *arg, size_t from, size_t to)
{
	struct placing *pl = arg;
	const struct invoice *inv;
	int half = from != 0;
	size_t r;

	for (r = from; r < to; r++) {
		inv = &pl->n->invoices[place_of(pl->n, r)];
		pl->at[half][inv->customer]++;
		if (inv->due < pl->min_due[half])
			pl->min_due[half] = inv->due;
		if (inv->due > pl->max_due[half])
			pl->max_due[half] = inv->due;
	}
}

static void
place_customers(void *arg, size_t from, size_t to)
{
	struct placing *pl = arg;
	struct night *n = pl->n;
	int half = from != 0;
	size_t r, i;

	for (r = from; r < to; r++) {
		i = place_of(n, r);
		n->by_group[pl->at[half][n->invoices[i].customer]++] = i;
	}
}

void
groups_build(struct night *n)
{
	size_t ncust = names_count(n->customer_ids), c, split, sum, half;
	size_t *start = ecalloc(ncust + 1, sizeof(*start));
	struct placing pl;
	struct grouping g;
	uint32_t first, second;

	memset(&pl, 0, sizeof(pl));
	pl.n = n;
	pl.at[0] = ecalloc(ncust + 1, sizeof(*pl.at[0]));
	pl.at[1] = ecalloc(ncust + 1, sizeof(*pl.at[1]));
	pl.min_due[0] = pl.min_due[1] = INT32_MAX;
	pl.max_due[0] = pl.max_due[1] = INT32_MIN;
	half = n->ninvoices / 2;
	night_twice(count_customers, &pl, half, n->ninvoices);
	for (c = 0, sum = 0; c < ncust; c++) {
		first = pl.at[0][c];
		second = pl.at[1][c];
		pl.at[0][c] = sum;
		pl.at[1][c] = sum + first;
		sum += first + second;
	}
	n->by_group = ebigalloc((n->ninvoices + 1) * sizeof(*n->by_group));
	night_twice(place_customers, &pl, half, n->ninvoices);
	PHASE("placed");
	for (c = 0; c < ncust; c++)
		start[c] = pl.at[1][c];	/* now where customer c ends */
	free(pl.at[0]);
	free(pl.at[1]);
	night_currency_ranks(n, sort_rank);
	sort_night = n;
	memset(&g, 0, sizeof(g));
	g.n = n;
	g.start = start;
	g.min_due = pl.min_due[0] < pl.min_due[1] ? pl.min_due[0] : pl.min_due[1];
	/* the sort keys: the most invoices of one customer, due days in 24 bits */
	g.keyed = n->ninvoices > 0 && (int64_t)(pl.max_due[0] > pl.max_due[1] ?
	    pl.max_due[0] : pl.max_due[1]) - g.min_due < 1 << 24;
	for (c = 0; c < ncust; c++)
		if (start[c] - (c > 0 ? start[c - 1] : 0) > g.most)
			g.most = start[c] - (c > 0 ? start[c - 1] : 0);
	/* the customers in two parts of about as many invoices */
	for (split = 0; split < ncust && start[split] < n->ninvoices / 2; split++)
		;
	if (ncust > 0)
		night_twice(sort_customers, &g, split, ncust);
	PHASE("sorted");
	regroup(n, &g);
	list_groups(n, start);
	free(start);
}

/*
 * Matching is over.  The second pass walks the rows in order; give it the
 * held invoices in that order with what it needs (the customer's
 * last_payment_date, the invoice if cash was applied), so that it reads
 * memory in order and visits only the invoices that changed.  Scattering
 * from group order reads the invoices and customers nearly in order.
 */
static void
plan(void *arg, size_t from, size_t to)
{
	struct night *n = arg;
	struct planned *p;
	size_t k;

	for (k = from; k < to; k++) {
		p = &n->planned[rank_of(n, n->by_group[k])];
		p->last_payment = n->customers[n->invoices[k].customer].last_payment;
		p->invoice = n->invoices[k].last_application != NO_INDEX ? k :
		    NO_INDEX;
	}
}

void
groups_plan_rows(struct night *n)
{
	size_t k;

	if (n->spare_bytes > n->ninvoices * sizeof(*n->planned))
		ebigtrim(n->planned, n->planned_bytes,
		    n->ninvoices * sizeof(*n->planned));
	n->spare_bytes = 0;
	night_twice(plan, n, n->ninvoices / 2, n->ninvoices);
	ebigfree(n->by_group, (n->ninvoices + 1) * sizeof(*n->by_group));
	n->by_group = NULL;
	/* the second pass fetches these ahead of their rows */
	for (k = 0, n->ntouched = 0; k < n->ninvoices; k++)
		n->ntouched += n->planned[k].invoice != NO_INDEX;
	n->touched = ereallocarray(NULL, n->ntouched + 1, sizeof(*n->touched));
	for (k = 0, n->ntouched = 0; k < n->ninvoices; k++)
		if (n->planned[k].invoice != NO_INDEX)
			n->touched[n->ntouched++] = n->planned[k].invoice;
	for (k = 0; k < n->ndated; k++) {
#ifdef __GNUC__
		if (k + 32 < n->ndated)
			__builtin_prefetch(&n->customers[n->dated[k + 32].customer]);
#endif
		n->dated[k].last_payment =
		    n->customers[n->dated[k].customer].last_payment;
	}
}
