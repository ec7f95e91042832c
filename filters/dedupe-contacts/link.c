/*
 * The rows of one customer linked into persons by SPEC 5's rules, with
 * union-find: a personal email links at once; the same folded name links
 * through an email, phone or address; a shared phone (and extension) links
 * names that do not conflict, and a number several people share (a
 * switchboard) never joins two different names.  Links are found by
 * sorting hashed keys so rows sharing one are neighbours, and checked on
 * the text itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "name.h"

#include "dedupe.h"

/* A number shared by more separate named clusters is a switchboard. */
#define SWITCHBOARD_MAX	64

enum link_kind {
	LINK_EMAIL,		/* personal email: always the same person */
	LINK_NAME_EMAIL,	/* same name and any email */
	LINK_NAME_PHONE,	/* same name and phone */
	LINK_NAME_ADDRESS,	/* same name and address */
	LINK_PHONE		/* phone and extension: if names do not conflict */
};

static int
compare_links(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->rec > y->rec) - (x->rec < y->rec);
}

void
link_reserve(struct work *w, size_t n)
{
	if (n <= w->size)
		return;
	w->size = n * 2;
	w->parent = ereallocarray(w->parent, w->size, sizeof(uint32_t));
	w->next = ereallocarray(w->next, w->size, sizeof(uint32_t));
	w->named = ereallocarray(w->named, w->size, 1);
	w->roots = ereallocarray(w->roots, w->size, sizeof(uint32_t));
	w->groups = ereallocarray(w->groups, w->size, sizeof(uint32_t));
	w->byrank = ereallocarray(w->byrank, w->size, sizeof(uint32_t));
	w->order = ereallocarray(w->order, w->size, sizeof(uint64_t));
	w->members = ereallocarray(w->members, w->size, sizeof(uint32_t));
	w->clusters = ereallocarray(w->clusters, w->size, sizeof(uint64_t));
	w->sorted = ereallocarray(w->sorted, w->size, sizeof(*w->sorted));
}

void
link_free(struct work *w)
{
	free(w->parent);
	free(w->next);
	free(w->named);
	free(w->links);
	free(w->roots);
	free(w->groups);
	free(w->byrank);
	free(w->order);
	free(w->members);
	free(w->clusters);
	free(w->sorted);
}

uint32_t
link_find(struct work *w, uint32_t x)
{
	while (w->parent[x] != x) {
		w->parent[x] = w->parent[w->parent[x]];
		x = w->parent[x];
	}
	return x;
}

/* Join two clusters; the lower index stays root.  Returns the root. */
static uint32_t
unite(struct work *w, uint32_t a, uint32_t b)
{
	uint32_t t;

	a = link_find(w, a);
	b = link_find(w, b);
	if (a == b)
		return a;
	if (b < a) {
		t = a;
		a = b;
		b = t;
	}
	w->parent[b] = a;
	w->named[a] |= w->named[b];
	t = w->next[a];		/* splice the two member cycles */
	w->next[a] = w->next[b];
	w->next[b] = t;
	return a;
}

/*
 * A customer has a few rows, so a few links: insertion sort, without
 * qsort's calls through a pointer, for the usual handful.
 */
static void
sort_links(struct link *links, size_t n)
{
	size_t i, j;

	if (n > 32) {
		qsort(links, n, sizeof(*links), compare_links);
		return;
	}
	for (i = 1; i < n; i++) {
		struct link l = links[i];

		for (j = i; j > 0 && compare_links(&l, &links[j - 1]) < 0; j--)
			links[j] = links[j - 1];
		links[j] = l;
	}
}

static uint64_t
mix(uint64_t h, uint64_t k)
{
	h ^= k + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
	return h * 0xBF58476D1CE4E5B9ULL;
}

static void
add_link(struct work *w, size_t *n, enum link_kind kind, uint64_t hash,
    uint32_t rec)
{
	w->links[*n].hash = mix(hash, kind);
	w->links[*n].kind = kind;
	w->links[(*n)++].rec = rec;
}

static uint64_t
text_hash(const struct state *st, struct text t)
{
	return strset_hash(T(st, t), t.len);
}

static size_t
collect_links(struct state *st, const uint32_t *recs, size_t n)
{
	struct work *w = &st->w;
	size_t i, nlinks = 0;

	/* five links a row at most: the room once, not per link */
	if (n * 5 > w->links_size) {
		w->links_size = n * 5 < 1024 ? 1024 : n * 5;
		w->links = ereallocarray(w->links, w->links_size,
		    sizeof(*w->links));
	}
	for (i = 0; i < n; i++) {
		const struct contact *c = &st->contacts[recs[i]];
		uint64_t email = 0, phone = 0;

		if (c->email_state == VALUE_VALID) {
			email = text_hash(st, c->email);
			if (!c->email_role)
				add_link(w, &nlinks, LINK_EMAIL, email, i);
		}
		if (c->phone_state == VALUE_VALID) {
			phone = text_hash(st, c->phone);
			add_link(w, &nlinks, LINK_PHONE,
			    mix(phone, text_hash(st, c->ext)), i);
		}
		/* one word ("smith") is too little of a name to link on */
		if (c->name_words < 2)
			continue;
		if (c->email_state == VALUE_VALID)
			add_link(w, &nlinks, LINK_NAME_EMAIL,
			    mix(c->name_hash, email), i);
		if (c->phone_state == VALUE_VALID)
			add_link(w, &nlinks, LINK_NAME_PHONE,
			    mix(c->name_hash, phone), i);
		if (c->addr_hash)
			add_link(w, &nlinks, LINK_NAME_ADDRESS,
			    mix(c->name_hash, c->addr_hash), i);
	}
	sort_links(w->links, nlinks);
	return nlinks;
}

/* Do two rows really share the key (not just its hash)? */
static int
same_key(const struct state *st, enum link_kind kind,
    const struct contact *a, const struct contact *b)
{
	switch (kind) {
	case LINK_EMAIL:
		return text_eq(st, a->email, b->email);
	case LINK_PHONE:
		return text_eq(st, a->phone, b->phone) && text_eq(st, a->ext, b->ext);
	case LINK_NAME_EMAIL:
		return text_eq(st, a->name_key, b->name_key) &&
		    text_eq(st, a->email, b->email);
	case LINK_NAME_PHONE:
		return text_eq(st, a->name_key, b->name_key) &&
		    text_eq(st, a->phone, b->phone);
	case LINK_NAME_ADDRESS:
		return text_eq(st, a->name_key, b->name_key) &&
		    a->addr_hash == b->addr_hash;
	}
	return 0;
}

/* Every name in one cluster fits every name in the other. */
static int
clusters_compatible(struct state *st, const uint32_t *recs, uint32_t x,
    uint32_t y)
{
	struct work *w = &st->w;
	uint32_t i = x, j;

	do {
		const struct contact *a = &st->contacts[recs[i]];

		if (a->name_key.len == 0)
			continue;
		j = y;
		do {
			const struct contact *b = &st->contacts[recs[j]];

			if (b->name_key.len > 0 && !text_eq(st, a->name_key,
			    b->name_key) && !name_compatible(T(st, a->name_key),
			    T(st, b->name_key)))
				return 0;
		} while ((j = w->next[j]) != y);
	} while ((i = w->next[i]) != x);
	return 1;
}

/*
 * Named clusters join a group whose names all fit theirs, when exactly one
 * does (one that fits two people stays apart).  Returns the group count.
 */
static size_t
group_named(struct state *st, const uint32_t *recs, const uint32_t *roots,
    size_t nroots)
{
	struct work *w = &st->w;
	size_t i, g, ngroups = 0, fits, which = 0;

	for (i = 0; i < nroots; i++) {
		if (!w->named[roots[i]])
			continue;
		for (g = 0, fits = 0; g < ngroups; g++)
			if (clusters_compatible(st, recs, w->groups[g], roots[i])) {
				fits++;
				which = g;
			}
		if (fits == 1)
			w->groups[which] = unite(w, w->groups[which], roots[i]);
		else
			w->groups[ngroups++] = roots[i];
	}
	return ngroups;
}

/*
 * Rows sharing a phone and extension.  Names that do not conflict join;
 * rows without a name join the one person on the number, or, on a
 * switchboard of several people, only each other.
 */
static void
link_phone(struct state *st, const uint32_t *recs, const struct link *run,
    size_t n)
{
	struct work *w = &st->w;
	size_t i, j, nroots = 0, named = 0, ngroups;
	uint32_t r, anchor = UINT32_MAX;

	for (i = 0; i < n; i++) {
		if (!same_key(st, LINK_PHONE, &st->contacts[recs[run[0].rec]],
		    &st->contacts[recs[run[i].rec]]))
			continue;	/* a hash collision, not a shared number */
		r = link_find(w, run[i].rec);
		for (j = 0; j < nroots && w->roots[j] != r; j++)
			;
		if (j == nroots) {
			w->roots[nroots++] = r;
			named += w->named[r];
		}
	}
	if (nroots < 2)
		return;
	ngroups = named > SWITCHBOARD_MAX ? 2 : group_named(st, recs, w->roots,
	    nroots);
	if (ngroups == 1)
		anchor = w->groups[0];
	for (i = 0; i < nroots; i++) {
		if (w->named[link_find(w, w->roots[i])])
			continue;
		anchor = anchor == UINT32_MAX ? w->roots[i] :
		    unite(w, anchor, w->roots[i]);
	}
}

void
link_customer(struct state *st, const uint32_t *recs, size_t n)
{
	struct work *w = &st->w;
	size_t i, j, nlinks;
	int pass;

	for (i = 0; i < n; i++) {
		w->parent[i] = w->next[i] = i;
		w->named[i] = st->contacts[recs[i]].name_key.len > 0;
	}
	if (n < 2)
		return;
	nlinks = collect_links(st, recs, n);
	/* the sure links first, so phone links see whole clusters */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nlinks; i = j) {
			const struct link *l = &w->links[i];
			const struct contact *first = &st->contacts[recs[l->rec]];

			for (j = i + 1; j < nlinks && w->links[j].hash == l->hash &&
			    w->links[j].kind == l->kind; j++)
				;
			if ((l->kind == LINK_PHONE) != pass)
				continue;
			if (pass == 1) {
				link_phone(st, recs, l, j - i);
				continue;
			}
			for (size_t k = i + 1; k < j; k++)
				if (same_key(st, l->kind, first,
				    &st->contacts[recs[w->links[k].rec]]))
					unite(w, l->rec, w->links[k].rec);
		}
}

