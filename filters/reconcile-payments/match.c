/*
 * The matcher of reconcile-payments: each unposted payment, in received
 * then payment_id order, goes to open invoices by the first method of
 * SPEC 3 that fits (reference, exact, combination, tolerance, fifo);
 * what is left is unapplied with a reason.  Never across currencies, never
 * below a zero balance.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * Write the oldest of the --matches lines waiting, or all of them; each
 * adds its bytes to its payment's count when the threads keep counts.
 */
static void
write_waiting(struct night *n, int oldest)
{
	const struct waiting_line *w;
	const struct invoice *inv;
	const struct currency_night *c;
	const char *id;
	size_t len, before;
	unsigned k, count = oldest ? 1 : n->nwaiting;

	for (k = 0; k < count; k++) {
		w = &n->waiting[(n->first_waiting + k) % LINES_AHEAD];
		inv = &n->invoices[w->invoice];
		c = &n->currencies[n->payments[w->payment].currency];
		before = n->matches->len;
		out_name(n->matches, n->payment_ids, n->payments[w->payment].id);
		out_tab(n->matches);
		id = invoice_id(n->ids, inv, &len);
		out_text(n->matches, id, len);
		out_tab(n->matches);
		out_name(n->matches, n->customer_ids, inv->customer);
		out_tab(n->matches);
		out_str(n->matches, c->code);
		out_tab(n->matches);
		out_money(n->matches, w->amount, c->exponent);
		out_tab(n->matches);
		out_str(n->matches, method_names[w->method]);
		out_nl(n->matches);
		if (n->written != NULL)
			n->written[w->slot] += n->matches->len - before;
	}
	n->first_waiting = (n->first_waiting + count) % LINES_AHEAD;
	n->nwaiting -= count;
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
	struct waiting_line *w;

	inv->balance -= amount;
	add_total(c, &c->applied, amount);
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
	a->pending = n->as_of - pay->received <= n->pending_days;
	a->next = inv->last_application;
	inv->last_application = (uint32_t)n->napplications++ | n->application_tag;
	if (n->matches == NULL)
		return;
	/* its line waits while the invoice id, a cache miss, comes in */
	if (n->nwaiting == LINES_AHEAD)
		write_waiting(n, 1);
	w = &n->waiting[(n->first_waiting + n->nwaiting++) % LINES_AHEAD];
	w->payment = p;
	w->invoice = i;
	w->amount = amount;
	w->method = method;
	w->slot = n->written != NULL ? n->nwritten - 2 : 0;
#ifdef __GNUC__
	__builtin_prefetch(n->ids + inv->id_at);
#endif
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
	int cmp;

	if (x->due != y->due)
		return x->due < y->due;
	if ((cmp = invoice_id_cmp(n->ids, x, y)) != 0)
		return cmp < 0;
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
	uint32_t i, j, best = NO_INDEX;
	const struct invoice *inv;

	if (key == NO_INDEX)
		return NO_INDEX;
	for (j = n->key_start[key]; j < n->key_start[key + 1]; j++) {
		i = n->key_invoices[j];
		inv = &n->invoices[i];
		*named = 1;
		/* the balance last: another matcher may own the others */
		if (inv->currency != pay->currency ||
		    (pay->customer != NO_INDEX && pay->customer != inv->customer) ||
		    inv->balance <= 0)
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
	uint8_t	 owner;		/* which matcher: see match_two() */
	char	 id[21];
};
_Static_assert(sizeof(struct payment_key) == PAYMENT_KEY_BYTES,
    "regroup() keeps room for the payment keys");

static const struct night *sort_night;

static int	owner_of(const struct night *n, const struct payment *pay);

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

/* Payment k's sort key, its id inline as far as it fits. */
static void
payment_key(const struct night *n, size_t k, struct payment_key *key)
{
	const struct payment *pay = &n->payments[k];
	const char *id;
	size_t len;

	id = names_text(n->payment_ids, pay->id, &len);
	key->received = pay->received;
	key->payment = k;
	key->owner = owner_of(n, pay);
	key->cut = len > sizeof(key->id);
	key->len = key->cut ? sizeof(key->id) : len;
	memcpy(key->id, id, key->len);
}

/*
 * The unposted payments' keys in received_date then payment_id order;
 * returns how many.  Payment files come nearly in id order and span few
 * days: a counting sort by day puts each key in its day's place at once
 * (no second copy to fault in), each day's payments in file order, and a
 * day needs sorting only if that order is not already the id order.  A
 * general sort was most of the matching.
 */
static size_t
sort_payments(const struct night *n, struct payment_key *order)
{
	uint32_t *start;
	int32_t lo = INT32_MAX, hi = INT32_MIN, day;
	size_t k, i, range, at, count = 0;

	for (k = 0; k < n->npayments; k++) {
		if (n->payments[k].posted)
			continue;
		day = n->payments[k].received;
		lo = day < lo ? day : lo;
		hi = day > hi ? day : hi;
		count++;
	}
	range = count == 0 ? 0 : (size_t)((int64_t)hi - lo) + 1;
	if (range > count * 4 + 1024) {
		for (k = 0, at = 0; k < n->npayments; k++)
			if (!n->payments[k].posted)
				payment_key(n, k, &order[at++]);
		qsort(order, count, sizeof(*order), payment_order);
		return count;
	}
	start = ecalloc(range + 1, sizeof(*start));
	for (k = 0; k < n->npayments; k++)
		if (!n->payments[k].posted)
			start[n->payments[k].received - lo + 1]++;
	for (i = 0; i < range; i++)
		start[i + 1] += start[i];
	for (k = 0; k < n->npayments; k++)
		if (!n->payments[k].posted)
			payment_key(n, k,
			    &order[start[n->payments[k].received - lo]++]);
	/* start[i] now ends day i */
	for (i = 0, at = 0; i < range; at = start[i++])
		for (k = at + 1; k < start[i]; k++)
			if (payment_order(&order[k - 1], &order[k]) > 0) {
				qsort(order + at, start[i] - at, sizeof(*order),
				    payment_order);
				break;
			}
	free(start);
	return count;
}

/*
 * Payments come in date order, customers at random: each payment's
 * customer, group and invoices are cache misses.  Start them payments
 * ahead, one stage per distance, so that they overlap.
 */
static void
prefetch_ahead(const struct night *n, const uint32_t *order,
    size_t k, size_t count)
{
#ifdef __GNUC__
	const struct payment *pay;
	const struct customer *cust;

	if (k + 24 < count)
		__builtin_prefetch(&n->payments[order[k + 24]]);
	if (k + 16 < count) {
		pay = &n->payments[order[k + 16]];
		names_prefetch_text(n->payment_ids, pay->id, 0);
		if (pay->customer != NO_INDEX) {
			__builtin_prefetch(&n->customers[pay->customer]);
			names_prefetch_text(n->customer_ids, pay->customer, 0);
		}
	}
	if (k + 6 < count) {
		pay = &n->payments[order[k + 6]];
		names_prefetch_text(n->payment_ids, pay->id, 1);
		if (pay->customer != NO_INDEX)
			names_prefetch_text(n->customer_ids, pay->customer, 1);
	}
	if (k + 8 < count &&
	    (pay = &n->payments[order[k + 8]])->customer != NO_INDEX &&
	    (cust = &n->customers[pay->customer])->ngroups > 0)
		__builtin_prefetch(&n->groups[cust->first_group]);
	if (k + 4 < count &&
	    (pay = &n->payments[order[k + 4]])->customer != NO_INDEX &&
	    (cust = &n->customers[pay->customer])->ngroups > 0)
		__builtin_prefetch(&n->invoices[n->groups[cust->first_group].first]);
#else
	(void)n;
	(void)order;
	(void)k;
	(void)count;
#endif
}

/* Match the payments of list, in its order. */
static void
match_list(struct night *n, const uint32_t *list, size_t count)
{
	const struct payment *pay;
	struct currency_night *c;
	size_t k, before = 0;

	for (k = 0; k < count; k++) {
		prefetch_ahead(n, list, k, count);
		pay = &n->payments[list[k]];
		c = &n->currencies[pay->currency];
		add_total(c, &c->payments_in, pay->amount);
		/* --matches bytes come as its lines are written */
		if (n->written != NULL) {
			n->written[n->nwritten++] = 0;
			n->written[n->nwritten++] = 0;
			before = n->unapplied != NULL ? n->unapplied->len : 0;
		}
		match_payment(n, list[k]);
		if (n->written != NULL && n->unapplied != NULL)
			n->written[n->nwritten - 1] = n->unapplied->len - before;
	}
	if (n->nwaiting > 0)
		write_waiting(n, 0);
}

/*
 * Matching in two threads.  A payment with a customer touches only that
 * customer's invoices, groups and date; one without touches only the
 * invoices its memo names.  So the customers are split by the parity of
 * their index: each thread matches, in order, the payments of its
 * customers and those whose named invoices (in the payment's currency)
 * are all its customers'; each invoice and customer is changed by one
 * thread only, in the order one thread would have.  A payment naming
 * invoices of both kinds is a barrier: both threads stop before it and
 * it is matched alone.  Each thread works on a copy of the night with its
 * own applications (the second's tagged, joined after) and totals.  The
 * ledgers come in payment order: each thread writes its lines to memory,
 * noting how many bytes each payment wrote, and the threads stop every
 * stretch of payments for their lines to be written out in order.
 */
#define TWO_MATCHERS_MIN	4096	/* payments */
#define MOST_BARRIERS		256
#define LEDGER_STRETCH_MIN	4096	/* payments between stops, ledgers on */
#define LEDGER_STRETCH_MAX	65536
#define SECOND_TAG		0x80000000u
#define BARRIER			2

static int
owner_of(const struct night *n, const struct payment *pay)
{
	const struct ref *ref;
	uint32_t r, i, j, key;
	unsigned seen = 0;
	int k;

	if (pay->customer != NO_INDEX)
		return pay->customer & 1;
	for (r = 0; r < pay->nrefs; r++) {
		ref = &n->refs[pay->first_ref + r];
		for (k = 0; k < 2; k++) {
			key = k == 0 ? ref->key : ref->number_key;
			if (key == NO_INDEX)
				continue;
			for (j = n->key_start[key]; j < n->key_start[key + 1];
			    j++)
				if (n->invoices[i = n->key_invoices[j]].currency ==
				    pay->currency)
					seen |= 1u << (n->invoices[i].customer & 1);
		}
	}
	return seen == 3 ? BARRIER : seen == 2 ? 1 : 0;
}

struct matcher {
	struct night		 n;	/* the copy */
	uint32_t		*list;	/* its payments, in order */
	size_t			 count, done, until;
};

static void *
matcher_run(void *arg)
{
	struct matcher *m = arg;

	match_list(&m->n, m->list + m->done, m->until - m->done);
	m->done = m->until;
	return NULL;
}

/* A tagged application index of the second matcher, as joined. */
static void
untag(uint32_t *k, size_t base)
{
	if (*k != NO_INDEX && (*k & SECOND_TAG))
		*k = (*k & ~SECOND_TAG) + base;
}

/* Join the matchers' applications and totals into the night. */
static void
join_matchers(struct night *n, struct matcher *m)
{
	size_t base = m[0].n.napplications, k;

	n->napplications = base + m[1].n.napplications;
	n->applications_size = m[0].n.applications_size;
	n->applications = m[0].n.applications;
	if (n->napplications + 1 > n->applications_size) {
		n->applications = ebigrealloc(n->applications,
		    n->applications_size * sizeof(*n->applications),
		    (n->napplications + 1) * sizeof(*n->applications));
		n->applications_size = n->napplications + 1;
	}
	if (m[1].n.napplications > 0)
		memcpy(n->applications + base, m[1].n.applications,
		    m[1].n.napplications * sizeof(*n->applications));
	ebigfree(m[1].n.applications,
	    m[1].n.applications_size * sizeof(*n->applications));
	for (k = base; k < n->napplications; k++)
		untag(&n->applications[k].next, base);
	for (k = 0; k < n->ninvoices; k++)
		untag(&n->invoices[k].last_application, base);
	night_add_totals(n, &m[0].n, NULL);
	night_add_totals(n, &m[1].n, NULL);
}

static void
matcher_start(struct matcher *m, const struct night *n, int second,
    size_t count, size_t stretch)
{
	memset(m, 0, sizeof(*m));
	m->n = *n;
	m->n.applications = NULL;
	m->n.napplications = m->n.applications_size = 0;
	m->n.application_tag = second ? SECOND_TAG : 0;
	night_zero_totals(&m->n);
	m->list = ereallocarray(NULL, count + 1, sizeof(*m->list));
	if (n->matches != NULL)
		m->n.matches = out_open_memory();
	if (n->unapplied != NULL)
		m->n.unapplied = out_open_memory();
	if (n->matches != NULL || n->unapplied != NULL)	/* a barrier too */
		m->n.written = ereallocarray(NULL, 2 * (stretch + 1),
		    sizeof(*m->n.written));
}

static void
matcher_end(struct matcher *m)
{
	free(m->list);
	free(m->n.written);
	if (m->n.matches != NULL)
		(void)out_close(m->n.matches);	/* in memory: nothing to fail */
	if (m->n.unapplied != NULL)
		(void)out_close(m->n.unapplied);
}

/* Take bytes of a matcher's ledger in memory, from *at on. */
static void
take(struct out *to, struct out *from, size_t *at, size_t len)
{
	if (to != NULL && len > 0)
		out_bytes(to, from->buf + *at, len);
	*at += len;
}

/*
 * The ledgers' lines of the payments in order from to to, from the
 * matchers' memory (a barrier's are the first matcher's); then the
 * memory is empty again.
 */
static void
write_ledgers(struct night *n, struct matcher *m, const unsigned char *owner,
    size_t from, size_t to)
{
	size_t k, w[2] = { 0, 0 }, at[2][2] = { { 0, 0 }, { 0, 0 } };
	struct night *x;
	int t;

	for (k = from; k < to; k++) {
		t = owner[k] == 1;
		x = &m[t].n;
		take(n->matches, x->matches, &at[t][0], x->written[w[t]++]);
		take(n->unapplied, x->unapplied, &at[t][1], x->written[w[t]++]);
	}
	for (t = 0; t < 2; t++) {
		if (m[t].n.matches != NULL)
			m[t].n.matches->len = 0;
		if (m[t].n.unapplied != NULL)
			m[t].n.unapplied->len = 0;
		m[t].n.nwritten = 0;
	}
}

/* 0 when matched in two threads; -1 to match in one. */
static int
match_two(struct night *n, const struct payment_key *order, size_t count)
{
	static struct matcher m[2];
	const char *one = getenv("RECONCILE_PAYMENTS_MATCHERS");
	int ledgers = n->matches != NULL || n->unapplied != NULL, t, threaded;
	size_t k, nbarriers = 0, at, end, stretch = count;
	unsigned char *owner;
	pthread_t thread;

	if ((one != NULL && strcmp(one, "1") == 0) ||
	    count < TWO_MATCHERS_MIN || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return -1;
	owner = emalloc(count);
	for (k = 0; k < count; k++) {
		owner[k] = order[k].owner;
		nbarriers += owner[k] == BARRIER;
	}
	if (nbarriers > MOST_BARRIERS) {
		free(owner);
		return -1;
	}
	/* a stretch short enough that the lines waiting stay few */
	if (ledgers) {
		stretch = count / 16;
		stretch = stretch < LEDGER_STRETCH_MIN ? LEDGER_STRETCH_MIN :
		    stretch > LEDGER_STRETCH_MAX ? LEDGER_STRETCH_MAX : stretch;
	}
	for (t = 0; t < 2; t++)
		matcher_start(&m[t], n, t, count, stretch);
	for (k = 0; k < count; k++)
		if (owner[k] != BARRIER)
			m[owner[k]].list[m[owner[k]].count++] = order[k].payment;
	for (at = 0; at < count; at = end) {
		/* up to the next barrier or stretch's end in two threads */
		for (end = at; end < count && owner[end] != BARRIER &&
		    end - at < stretch; end++)
			m[owner[end]].until++;
		threaded = pthread_create(&thread, NULL, matcher_run, &m[1]) == 0;
		matcher_run(&m[0]);
		if (threaded)
			pthread_join(thread, NULL);
		else
			matcher_run(&m[1]);
		/* then the barrier alone */
		if (end < count && owner[end] == BARRIER)
			match_list(&m[0].n, &order[end++].payment, 1);
		if (ledgers)
			write_ledgers(n, m, owner, at, end);
	}
	join_matchers(n, m);
	n->two_matchers = 1;
	for (t = 0; t < 2; t++)
		matcher_end(&m[t]);
	free(owner);
	return 0;
}

void
match_all(struct night *n)
{
	struct payment_key *order;
	struct prefault prefault = { .started = 0 };
	size_t k, count;

	/* where the first index was: pages already taken (see regroup) */
	order = n->spare_bytes > 0 ? (struct payment_key *)n->planned :
	    ereallocarray(NULL, n->npayments + 1, sizeof(*order));
	sort_night = n;
	count = sort_payments(n, order);
	if (match_two(n, order, count) == 0) {
		if (n->spare_bytes == 0)
			free(order);
		return;
	}
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
	/* the payments in order, over the keys' room */
	for (k = 0; k < count; k++)
		((uint32_t *)order)[k] = order[k].payment;
	match_list(n, (uint32_t *)order, count);
	night_prefault_wait(&prefault);
	if (n->spare_bytes == 0)
		free(order);
}
