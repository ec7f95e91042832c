/*
 * Survivorship: a customer's clusters ranked, freshest first, and one row
 * written per person (SPEC 5): the name, email, phone and address of the
 * most recently verified, then updated, member that has them, the other
 * emails and phones after, sources and merged ids sorted, and the flags.
 * Everything depends on the rows and never on their order: a customer's
 * rows are taken in contact_id order, and ties go to the lower id.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "out.h"

#include "dedupe.h"

static const struct state *sort_state;	/* qsort has no context argument */

static int
compare_contacts(const void *a, const void *b)
{
	const struct contact *ca = &sort_state->contacts[*(const uint32_t *)a];
	const struct contact *cb = &sort_state->contacts[*(const uint32_t *)b];
	int c;

	if (ca->customer_key != cb->customer_key)
		return ca->customer_key < cb->customer_key ? -1 : 1;
	c = text_cmp(sort_state, ca->customer, cb->customer);

	return c ? c : text_cmp(sort_state, ca->id, cb->id);
}

/* A contact's text to o: copied when it has nothing to escape. */
static inline void
put_text(const struct state *st, struct out *o, const struct contact *c,
    struct text t)
{
	if (c->plain)
		out_bytes(o, T(st, t), t.len);
	else
		out_text(o, T(st, t), t.len);
}

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Small arrays (a customer's clusters) by insertion sort, else qsort. */
static void
sort_u64(uint64_t *v, size_t n)
{
	size_t i, j;

	if (n > 32) {
		qsort(v, n, sizeof(*v), compare_u64);
		return;
	}
	for (i = 1; i < n; i++) {
		uint64_t x = v[i];

		for (j = i; j > 0 && x < v[j - 1]; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Freshest first: verified, then updated, descending; dates as unsigned. */
static uint64_t
freshness(const struct contact *c)
{
	uint32_t v = (uint32_t)c->verified ^ 0x80000000u;
	uint32_t u = (uint32_t)c->updated ^ 0x80000000u;

	return (uint64_t)~v << 32 | (uint32_t)~u;
}

static const uint32_t *sort_recs;

static int
compare_rank(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t fx = freshness(&sort_state->contacts[sort_recs[x]]);
	uint64_t fy = freshness(&sort_state->contacts[sort_recs[y]]);

	if (fx != fy)
		return fx < fy ? -1 : 1;
	return (x > y) - (x < y);
}

#define FIELD(f)	offsetof(struct contact, f)
#define FIELD_OF(c, f)	(*(const struct text *)((const char *)(c) + (f)))

/*
 * The customer's local indexes, freshest first, ties in contact_id order,
 * into byrank.  A few rows are sorted by insertion on their freshness kept
 * in order[] (free until the clusters are gathered), more by qsort.
 */
static void
rank(const struct state *st, const uint32_t *recs, size_t n)
{
	const struct work *w = &st->w;
	uint64_t *fresh = w->order;
	size_t i, j;

	for (i = 0; i < n; i++)
		w->byrank[i] = i;
	if (n > 32) {
		sort_recs = recs;
		qsort(w->byrank, n, sizeof(*w->byrank), compare_rank);
		return;
	}
	for (i = 0; i < n; i++)
		fresh[i] = freshness(&st->contacts[recs[i]]);
	for (i = 1; i < n; i++) {
		uint32_t x = w->byrank[i];

		/* x is the highest index yet: it goes after equals */
		for (j = i; j > 0 && fresh[x] < fresh[w->byrank[j - 1]]; j--)
			w->byrank[j] = w->byrank[j - 1];
		w->byrank[j] = x;
	}
}

/* One cluster: its members in rank order, freshest first. */
struct cluster {
	const uint32_t	*recs;		/* the customer's rows */
	const uint32_t	*members;	/* local indexes, ranked */
	size_t		 n;
};

static const struct contact *
member(const struct state *st, const struct cluster *cl, size_t i)
{
	return &st->contacts[cl->recs[cl->members[i]]];
}

/* The first member, in rank order, whose email is valid (and personal). */
static const struct contact *
best_email(const struct state *st, const struct cluster *cl)
{
	const struct contact *generic = NULL, *c;
	size_t i;

	for (i = 0; i < cl->n; i++) {
		c = member(st, cl, i);
		if (c->email_state != VALUE_VALID)
			continue;
		if (!c->email_role)
			return c;
		if (generic == NULL)
			generic = c;
	}
	return generic;
}

static const struct contact *
first_with(const struct state *st, const struct cluster *cl, size_t field)
{
	size_t i;

	for (i = 0; i < cl->n; i++) {
		const struct contact *c = member(st, cl, i);
		if (FIELD_OF(c, field).len > 0 && (field != FIELD(phone) ||
		    c->phone_state == VALUE_VALID))
			return c;
	}
	return NULL;
}

static void
out_field(struct state *st, const struct contact *c, size_t field)
{
	out_tab(st->out);
	if (c != NULL)
		put_text(st, st->out, c, FIELD_OF(c, field));
}

static void
out_list_item(struct state *st, int *n, const struct contact *c,
    struct text t)
{
	if ((*n)++ > 0)
		out_char(st->out, ',');
	put_text(st, st->out, c, t);
}

/* The other valid emails, personal ones first, each once. */
static void
write_emails_other(struct state *st, const struct cluster *cl,
    const struct contact *best)
{
	size_t i, k;
	int pass, n = 0;

	out_tab(st->out);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < cl->n; i++) {
			const struct contact *c = member(st, cl, i);

			if (c->email_state != VALUE_VALID || c->email_role != pass ||
			    (best && text_eq(st, c->email, best->email)))
				continue;
			for (k = 0; k < i && !(member(st, cl, k)->email_state ==
			    VALUE_VALID && text_eq(st, member(st, cl, k)->email,
			    c->email)); k++)
				;
			if (k == i)
				out_list_item(st, &n, c, c->email);
		}
}

static int
same_phone(const struct state *st, const struct contact *a,
    const struct contact *b)
{
	return a->phone_state == VALUE_VALID && b->phone_state == VALUE_VALID &&
	    text_eq(st, a->phone, b->phone) && text_eq(st, a->ext, b->ext);
}

/* The other valid phones, as +E164 or +E164;ext=N, each once. */
static void
write_phones_other(struct state *st, const struct cluster *cl,
    const struct contact *best)
{
	size_t i, k;
	int n = 0;

	out_tab(st->out);
	for (i = 0; i < cl->n; i++) {
		const struct contact *c = member(st, cl, i);

		if (c->phone_state != VALUE_VALID || (best && same_phone(st, c, best)))
			continue;
		for (k = 0; k < i && !same_phone(st, member(st, cl, k), c); k++)
			;
		if (k < i)
			continue;
		out_list_item(st, &n, c, c->phone);
		if (c->ext.len > 0) {
			out_bytes(st->out, ";ext=", 5);
			put_text(st, st->out, c, c->ext);
		}
	}
}

static size_t sort_field;

static int
compare_field(const void *a, const void *b)
{
	return text_cmp(sort_state, FIELD_OF(*(const struct contact *const *)a,
	    sort_field), FIELD_OF(*(const struct contact *const *)b, sort_field));
}

/* Distinct sources, sorted; or the contact ids merged, in id order. */
static void
write_sorted(struct state *st, const struct cluster *cl, size_t field,
    const struct contact *skip)
{
	const struct contact **v = st->w.sorted;
	size_t i, n = 0;
	int out = 0;

	out_tab(st->out);
	for (i = 0; i < cl->n; i++) {
		const struct contact *c = member(st, cl, i);

		if (c != skip && FIELD_OF(c, field).len > 0)
			v[n++] = c;
	}
	sort_field = field;
	if (n > 1)
		qsort(v, n, sizeof(*v), compare_field);
	for (i = 0; i < n; i++) {
		if (i > 0 && text_eq(st, FIELD_OF(v[i], field),
		    FIELD_OF(v[i - 1], field)))
			continue;
		out_list_item(st, &out, v[i], FIELD_OF(v[i], field));
	}
}

static int
any_invalid(const struct state *st, const struct cluster *cl, int email)
{
	size_t i;

	for (i = 0; i < cl->n; i++)
		if ((email ? member(st, cl, i)->email_state :
		    member(st, cl, i)->phone_state) == VALUE_INVALID)
			return 1;
	return 0;
}

static void
write_flags(struct state *st, const struct cluster *cl,
    const struct contact *email, const struct contact *phone,
    const struct contact *address)
{
	const struct contact *top = member(st, cl, 0);
	const char *flags[8];
	size_t i, n = 0;

	if (top->verified == NO_DATE ||
	    (int64_t)st->opt->cli.as_of - top->verified > st->opt->stale_days)
		flags[n++] = "stale";
	if (email && email->email_role)
		flags[n++] = "generic_email";
	if (!email)
		flags[n++] = "no_email";
	if (!phone)
		flags[n++] = "no_phone";
	if (!email && any_invalid(st, cl, 1))
		flags[n++] = "invalid_email";
	if (!phone && any_invalid(st, cl, 0))
		flags[n++] = "invalid_phone";
	if (!phone && (!email || email->email_role) && !address)
		flags[n++] = "skip_trace";
	out_tab(st->out);
	for (i = 0; i < n; i++) {
		if (i > 0)
			out_char(st->out, ',');
		out_bytes(st->out, flags[i], strlen(flags[i]));
	}
}

static void
write_cluster(struct state *st, const struct cluster *cl)
{
	const struct contact *top = member(st, cl, 0);
	const struct contact *email = best_email(st, cl);
	const struct contact *phone = first_with(st, cl, FIELD(phone));
	const struct contact *address = first_with(st, cl, FIELD(address));

	put_text(st, st->out, top, top->id);
	out_field(st, top, FIELD(customer));
	out_field(st, first_with(st, cl, FIELD(name)), FIELD(name));
	out_field(st, email, FIELD(email));
	write_emails_other(st, cl, email);
	out_field(st, phone, FIELD(phone));
	out_field(st, phone, FIELD(ext));
	write_phones_other(st, cl, phone);
	out_field(st, address, FIELD(address));
	out_field(st, first_with(st, cl, FIELD(role)), FIELD(role));
	out_field(st, first_with(st, cl, FIELD(language)), FIELD(language));
	out_field(st, first_with(st, cl, FIELD(channel)), FIELD(channel));
	out_tab(st->out);
	if (top->verified != NO_DATE)
		out_date(st->out, top->verified);
	write_sorted(st, cl, FIELD(source), NULL);
	write_sorted(st, cl, FIELD(id), top);
	write_flags(st, cl, email, phone, address);
	out_bytes(st->out, T(st, top->pass), top->pass.len);
	out_nl(st->out);
	st->rows_out++;
	st->merged += cl->n - 1;
}

/* --clusters: every member, in contact_id order, to its survivor. */
static void
write_members(struct state *st, const struct cluster *cl)
{
	const struct contact *top = member(st, cl, 0);
	const struct contact **v = st->w.sorted;
	size_t i;

	if (st->clusters == NULL)
		return;
	for (i = 0; i < cl->n; i++)
		v[i] = member(st, cl, i);
	sort_field = FIELD(id);
	qsort(v, cl->n, sizeof(*v), compare_field);
	for (i = 0; i < cl->n; i++) {
		put_text(st, st->clusters, v[i], v[i]->id);
		out_tab(st->clusters);
		put_text(st, st->clusters, top, top->id);
		out_tab(st->clusters);
		put_text(st, st->clusters, v[i], v[i]->customer);
		out_nl(st->clusters);
	}
}

/* Rank the customer's rows, gather clusters, write them in id order. */
static void
emit_customer(struct state *st, const uint32_t *recs, size_t n)
{
	struct work *w = &st->w;
	struct cluster cl = { recs, w->members, 0 };
	size_t i, j, nclusters = 0;

	rank(st, recs, n);
	for (i = 0; i < n; i++)
		w->order[i] = (uint64_t)link_find(w, w->byrank[i]) << 32 | i;
	sort_u64(w->order, n);
	for (i = 0; i < n; i++) {
		w->members[i] = w->byrank[(uint32_t)w->order[i]];
		if (i == 0 || w->order[i] >> 32 != w->order[i - 1] >> 32)
			w->clusters[nclusters++] = (uint64_t)w->members[i] << 32 | i;
	}
	/* the survivor's local index orders the clusters by contact_id */
	sort_u64(w->clusters, nclusters);
	for (i = 0; i < nclusters; i++) {
		size_t start = (uint32_t)w->clusters[i];

		for (j = start + 1; j < n && w->order[j] >> 32 ==
		    w->order[start] >> 32; j++)
			;
		cl.members = w->members + start;
		cl.n = j - start;
		write_cluster(st, &cl);
		write_members(st, &cl);
	}
}

/* The batch's contacts first to end, in customer_id, contact_id order. */
uint32_t *
survive_order(struct state *st, size_t first, size_t end)
{
	size_t i, n = end - first;

	if (n > st->recs_size) {
		st->recs_size = n * 2;
		st->recs = ereallocarray(st->recs, st->recs_size,
		    sizeof(*st->recs));
	}
	for (i = 0; i < n; i++)
		st->recs[i] = first + i;
	sort_state = st;
	/* input in order (an export, or a run merged) need not be sorted */
	for (i = 1; i < n && compare_contacts(&st->recs[i - 1],
	    &st->recs[i]) < 0; i++)
		;
	if (i < n)
		qsort(st->recs, n, sizeof(*st->recs), compare_contacts);
	return st->recs;
}

/* The batch's contacts first to end written, one customer at a time. */
void
survive_batch(struct state *st, size_t first, size_t end)
{
	size_t i, j, n = end - first;
	const uint32_t *recs;

	if (n == 0)
		return;
	recs = survive_order(st, first, end);
	for (i = 0; i < n && !out_failed(st->out); i = j) {
		const struct contact *c = &st->contacts[recs[i]];

		for (j = i + 1; j < n && text_eq(st, c->customer,
		    st->contacts[recs[j]].customer); j++)
			;
		link_reserve(&st->w, j - i);
		link_customer(st, recs + i, j - i);
		emit_customer(st, recs + i, j - i);
	}
}
