/*
 * The matcher of reconcile-payments: each unposted payment, in received
 * then payment_id order, goes to open invoices by the first method of
 * SPEC 3 that fits (reference, exact, combination, tolerance, fifo);
 * what is left is unapplied with a reason.  Never across currencies, never
 * below a zero balance.
 */
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "reconcile.h"

static const char *const method_names[] = {
	"reference", "exact", "combination", "tolerance", "fifo"
};

static void
add_total(struct currency_night *c, int64_t *total, int64_t value)
{
	if (money_add(total, value) < 0)
		c->overflow = 1;
}

static void
out_name(struct out *o, const struct names *nm, uint32_t i)
{
	const char *s;
	size_t len;

	if (i == NO_INDEX)
		return;
	s = names_text(nm, i, &len);
	out_text(o, s, len);
}

static void
apply(struct night *n, uint32_t p, uint32_t i, int64_t amount,
    enum method method)
{
	struct payment *pay = &n->payments[p];
	struct invoice *inv = &n->invoices[i];
	struct customer *cust = &n->customers[inv->customer];
	struct currency_night *c = &n->currencies[pay->currency];
	struct application *a;

	inv->balance -= amount;
	add_total(c, &c->applied, amount);
	if (n->as_of - pay->received <= n->pending_days)
		inv->pending = 1;
	if (cust->last_payment == NO_DATE || cust->last_payment < pay->received)
		cust->last_payment = pay->received;
	if (n->napplications == n->applications_size) {
		/* huge pages: the second pass fetches them at random */
		size_t size = n->applications_size * 2 + n->npayments * 2 + 1024;

		n->applications = ebigrealloc(n->applications,
		    n->applications_size * sizeof(*n->applications),
		    size * sizeof(*n->applications));
		n->applications_size = size;
	}
	a = &n->applications[n->napplications];
	a->id_ref = names_ref(n->payment_ids, pay->id);
	a->amount = amount;
	a->next = inv->last_application;
	inv->last_application = n->napplications++;
	if (n->matches == NULL)
		return;
	out_name(n->matches, n->payment_ids, pay->id);
	out_tab(n->matches);
	out_text(n->matches, n->ids + inv->id_off, inv->id_len);
	out_tab(n->matches);
	out_name(n->matches, n->customer_ids, inv->customer);
	out_tab(n->matches);
	out_str(n->matches, c->code);
	out_tab(n->matches);
	out_money(n->matches, amount, c->exponent);
	out_tab(n->matches);
	out_str(n->matches, method_names[method]);
	out_nl(n->matches);
}

static void
unapplied(struct night *n, uint32_t p, int64_t amount, const char *reason)
{
	struct payment *pay = &n->payments[p];
	struct currency_night *c = &n->currencies[pay->currency];

	add_total(c, &c->unapplied, amount);
	if (n->unapplied == NULL)
		return;
	out_name(n->unapplied, n->payment_ids, pay->id);
	out_tab(n->unapplied);
	out_name(n->unapplied, n->customer_ids, pay->customer);
	out_tab(n->unapplied);
	out_str(n->unapplied, c->code);
	out_tab(n->unapplied);
	out_money(n->unapplied, amount, c->exponent);
	out_tab(n->unapplied);
	out_str(n->unapplied, reason);
	out_nl(n->unapplied);
}

/* Order of invoices: due date, then invoice_id bytes, then customer. */
static int
invoice_before(const struct night *n, uint32_t a, uint32_t b)
{
	const struct invoice *x = &n->invoices[a], *y = &n->invoices[b];
	size_t len = x->id_len < y->id_len ? x->id_len : y->id_len;
	int cmp;

	if (x->due != y->due)
		return x->due < y->due;
	cmp = memcmp(n->ids + x->id_off, n->ids + y->id_off, len);
	if (cmp != 0 || x->id_len != y->id_len)
		return cmp != 0 ? cmp < 0 : x->id_len < y->id_len;
	return x->customer < y->customer;
}

/*
 * The open invoice a memo key names for this payment: same currency, the
 * payment's customer when it names one; among several, the oldest.
 * *named says whether the key named any invoice at all.
 */
static uint32_t
referenced(const struct night *n, const struct payment *pay, uint32_t key,
    int *named)
{
	uint32_t i, best = NO_INDEX;
	const struct invoice *inv;

	if (key == NO_INDEX)
		return NO_INDEX;
	for (i = n->refkey_first[key]; i != NO_INDEX; i = inv->next_same_key) {
		inv = &n->invoices[i];
		*named = 1;
		if (inv->currency != pay->currency || inv->balance <= 0 ||
		    (pay->customer != NO_INDEX && pay->customer != inv->customer))
			continue;
		if (best == NO_INDEX || invoice_before(n, i, best))
			best = i;
	}
	return best;
}

/* Reference matching: returns the amount left. */
static int64_t
by_reference(struct night *n, uint32_t p, int64_t left)
{
	const struct payment *pay = &n->payments[p];
	const struct ref *ref;
	uint32_t r, i;
	int named;

	for (r = 0; r < pay->nrefs && left > 0; r++) {
		ref = &n->refs[pay->first_ref + r];
		named = 0;
		i = referenced(n, pay, ref->key, &named);
		/* "INV 1043" may stand for an invoice whose id is just "1043" */
		if (i == NO_INDEX && !named)
			i = referenced(n, pay, ref->number_key, &named);
		if (i == NO_INDEX)
			continue;
		int64_t take = n->invoices[i].balance < left ?
		    n->invoices[i].balance : left;
		apply(n, p, i, take, METHOD_REFERENCE);
		left -= take;
	}
	return left;
}

static struct group *
find_group(struct night *n, const struct payment *pay)
{
	const struct customer *cust;
	uint32_t g;

	if (pay->customer == NO_INDEX)
		return NULL;
	cust = &n->customers[pay->customer];
	for (g = cust->first_group; g < cust->first_group + cust->ngroups; g++)
		if (n->groups[g].currency == pay->currency)
			return &n->groups[g];
	return NULL;
}

/* Move open_from past invoices paid off, which stay paid all night. */
static void
skip_paid(struct night *n, struct group *g)
{
	while (g->open_from < g->count &&
	    n->invoices[g->first + g->open_from].balance <= 0)
		g->open_from++;
}

static int
by_exact(struct night *n, uint32_t p, struct group *g, int64_t amount)
{
	uint32_t k, i;

	for (k = g->open_from; k < g->count; k++) {
		i = g->first + k;
		if (n->invoices[i].balance == amount) {
			apply(n, p, i, amount, METHOD_EXACT);
			return 1;
		}
	}
	return 0;
}

/*
 * Depth-first over the oldest candidates in order, so the first sum found
 * of a size is the one with the oldest invoices.  Balances are positive,
 * so a partial sum above the amount ends that branch.
 */
static int
find_sum(const int64_t *bal, int ncand, int start, int need, int64_t left,
    int *pick, int depth)
{
	int k;

	if (need == 0)
		return left == 0;
	for (k = start; k <= ncand - need; k++) {
		if (bal[k] > left)
			continue;
		pick[depth] = k;
		if (find_sum(bal, ncand, k + 1, need - 1, left - bal[k], pick,
		    depth + 1))
			return 1;
	}
	return 0;
}

static int
by_combination(struct night *n, uint32_t p, struct group *g, int64_t amount)
{
	uint32_t cand[COMBINATION_CANDIDATES], k;
	int64_t bal[COMBINATION_CANDIDATES];
	int ncand = 0, size, pick[4], j;

	for (k = g->open_from; k < g->count && ncand < COMBINATION_CANDIDATES; k++) {
		uint32_t i = g->first + k;

		if (n->invoices[i].balance > 0 && n->invoices[i].balance < amount) {
			cand[ncand] = i;
			bal[ncand++] = n->invoices[i].balance;
		}
	}
	for (size = 2; size <= 4 && size <= ncand; size++)
		if (find_sum(bal, ncand, 0, size, amount, pick, 0)) {
			for (j = 0; j < size; j++)
				apply(n, p, cand[pick[j]], bal[pick[j]],
				    METHOD_COMBINATION);
			return 1;
		}
	return 0;
}

static int
by_tolerance(struct night *n, uint32_t p, struct group *g, int64_t amount)
{
	int64_t tolerance = n->currencies[n->payments[p].currency].tolerance;
	uint32_t k, i;

	if (tolerance <= 0)
		return 0;
	for (k = g->open_from; k < g->count; k++) {
		i = g->first + k;
		if (n->invoices[i].balance > amount &&
		    n->invoices[i].balance - amount <= tolerance) {
			apply(n, p, i, amount, METHOD_TOLERANCE);
			return 1;
		}
	}
	return 0;
}

static int64_t
by_fifo(struct night *n, uint32_t p, struct group *g, int64_t left)
{
	uint32_t k, i;
	int64_t take;

	for (k = g->open_from; k < g->count && left > 0; k++) {
		i = g->first + k;
		if (n->invoices[i].balance <= 0)
			continue;
		take = n->invoices[i].balance < left ? n->invoices[i].balance : left;
		apply(n, p, i, take, METHOD_FIFO);
		left -= take;
	}
	return left;
}

static void
match_payment(struct night *n, uint32_t p)
{
	const struct payment *pay = &n->payments[p];
	struct group *g;
	int64_t left = pay->amount;

	left = by_reference(n, p, left);
	if (left != pay->amount) {
		if (left > 0)
			unapplied(n, p, left, "overpayment");
		return;
	}
	if (pay->customer == NO_INDEX || !(n->customer_marks[pay->customer] & CUSTOMER_SEEN)) {
		unapplied(n, p, left, "unknown_customer");
		return;
	}
	if ((g = find_group(n, pay)) == NULL) {
		unapplied(n, p, left, "currency");
		return;
	}
	skip_paid(n, g);
	if (by_exact(n, p, g, left) || by_combination(n, p, g, left) ||
	    by_tolerance(n, p, g, left))
		return;
	left = by_fifo(n, p, g, left);
	if (left > 0)
		unapplied(n, p, left, "overpayment");
}

/*
 * The sort key of a payment, with the start of its id inline: comparing
 * ids in the arena would cost two cache misses per comparison.
 */
struct payment_key {
	int32_t	 received;
	uint32_t payment;
	uint8_t	 len;		/* of the inline part */
	uint8_t	 cut;		/* the id is longer than the inline part */
	char	 id[22];
};

static const struct night *sort_night;

static int
payment_order(const void *a, const void *b)
{
	const struct payment_key *x = a, *y = b;
	const char *xs, *ys;
	size_t xl, yl;
	int cmp;

	if (x->received != y->received)
		return x->received < y->received ? -1 : 1;
	cmp = memcmp(x->id, y->id, x->len < y->len ? x->len : y->len);
	if (cmp != 0 || !x->cut || !y->cut)
		return cmp != 0 ? cmp : (x->len + x->cut > y->len + y->cut) -
		    (x->len + x->cut < y->len + y->cut);
	xs = names_text(sort_night->payment_ids,
	    sort_night->payments[x->payment].id, &xl);
	ys = names_text(sort_night->payment_ids,
	    sort_night->payments[y->payment].id, &yl);
	cmp = memcmp(xs, ys, xl < yl ? xl : yl);
	return cmp != 0 ? cmp : (xl > yl) - (xl < yl);
}

/*
 * In received_date then payment_id order.  Payment files come nearly in id
 * order and span few days: a stable counting sort by day leaves each day's
 * payments in file order, and a day needs sorting only if that order is
 * not already the id order.  A general sort was most of the matching.
 */
static void
sort_payments(struct payment_key *order, size_t count)
{
	struct payment_key *tmp;
	uint32_t *start;
	int32_t lo, hi;
	size_t k, i, range, at;

	if (count < 2)
		return;
	lo = hi = order[0].received;
	for (k = 1; k < count; k++) {
		if (order[k].received < lo)
			lo = order[k].received;
		if (order[k].received > hi)
			hi = order[k].received;
	}
	range = (size_t)((int64_t)hi - lo) + 1;
	if (range > count * 4 + 1024) {
		qsort(order, count, sizeof(*order), payment_order);
		return;
	}
	start = ecalloc(range + 1, sizeof(*start));
	for (k = 0; k < count; k++)
		start[order[k].received - lo + 1]++;
	for (i = 0; i < range; i++)
		start[i + 1] += start[i];
	tmp = ereallocarray(NULL, count, sizeof(*tmp));
	for (k = 0; k < count; k++)
		tmp[start[order[k].received - lo]++] = order[k];
	memcpy(order, tmp, count * sizeof(*order));
	free(tmp);
	/* start[i] now ends day i */
	for (i = 0, at = 0; i < range; at = start[i++])
		for (k = at + 1; k < start[i]; k++)
			if (payment_order(&order[k - 1], &order[k]) > 0) {
				qsort(order + at, start[i] - at, sizeof(*order),
				    payment_order);
				break;
			}
	free(start);
}

/*
 * Payments come in date order, customers at random: each payment's
 * customer, group and invoices are cache misses.  Start them payments
 * ahead, one stage per distance, so that they overlap.
 */
static void
prefetch_ahead(const struct night *n, const struct payment_key *order,
    size_t k, size_t count)
{
#ifdef __GNUC__
	const struct payment *pay;
	const struct customer *cust;

	if (k + 24 < count)
		__builtin_prefetch(&n->payments[order[k + 24].payment]);
	if (k + 16 < count) {
		pay = &n->payments[order[k + 16].payment];
		names_prefetch_text(n->payment_ids, pay->id, 0);
		if (pay->customer != NO_INDEX) {
			__builtin_prefetch(&n->customers[pay->customer]);
			names_prefetch_text(n->customer_ids, pay->customer, 0);
		}
	}
	if (k + 6 < count) {
		pay = &n->payments[order[k + 6].payment];
		names_prefetch_text(n->payment_ids, pay->id, 1);
		if (pay->customer != NO_INDEX)
			names_prefetch_text(n->customer_ids, pay->customer, 1);
	}
	if (k + 8 < count &&
	    (pay = &n->payments[order[k + 8].payment])->customer != NO_INDEX &&
	    (cust = &n->customers[pay->customer])->ngroups > 0)
		__builtin_prefetch(&n->groups[cust->first_group]);
	if (k + 4 < count &&
	    (pay = &n->payments[order[k + 4].payment])->customer != NO_INDEX &&
	    (cust = &n->customers[pay->customer])->ngroups > 0)
		__builtin_prefetch(&n->invoices[n->groups[cust->first_group].first]);
#else
	(void)n;
	(void)order;
	(void)k;
	(void)count;
#endif
}

void
match_all(struct night *n)
{
	struct payment_key *order;
	struct prefault prefault = { .started = 0 };
	const struct payment *pay;
	const char *id;
	size_t k, count = 0, len;

	order = ereallocarray(NULL, n->npayments + 1, sizeof(*order));
	for (k = 0; k < n->npayments; k++) {
		pay = &n->payments[k];
		if (pay->posted)
			continue;
		id = names_text(n->payment_ids, pay->id, &len);
		order[count].received = pay->received;
		order[count].payment = k;
		order[count].cut = len > sizeof(order[count].id);
		order[count].len = order[count].cut ? sizeof(order[count].id) : len;
		memcpy(order[count].id, id, order[count].len);
		count++;
	}
	sort_night = n;
	sort_payments(order, count);
	/* room for the applications (as apply() would first make), faulted
	 * in meanwhile: about one a payment */
	if (n->applications == NULL && count > 0) {
		n->applications_size = n->npayments * 2 + 1024;
		n->applications = ebigalloc(n->applications_size *
		    sizeof(*n->applications));
		night_prefault(&prefault, n->applications,
		    n->applications_size * sizeof(*n->applications),
		    count * sizeof(*n->applications));
	}
	for (k = 0; k < count; k++) {
		prefetch_ahead(n, order, k, count);
		pay = &n->payments[order[k].payment];
		struct currency_night *c = &n->currencies[pay->currency];

		add_total(c, &c->payments_in, pay->amount);
		match_payment(n, order[k].payment);
	}
	night_prefault_wait(&prefault);
	free(order);
}
