/*
 * What agency-pack holds: strings in one arena (by offset, so it may
 * grow), the accounts by (customer_id, currency) and the customers by
 * customer_id in open-addressing tables, and the invoices and activity
 * rows in arrays linked per account and per customer.
 */
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "strset.h"

#include "agency-pack.h"

struct text
arena_add(struct arena *a, const char *s, size_t len)
{
	struct text t = { a->len, len };
	size_t inside = NONE;

	if (a->len + len + 1 > a->size) {
		/* s may be a text of this arena, which is about to move */
		if (a->buf != NULL && s >= a->buf && s < a->buf + a->len)
			inside = s - a->buf;
		a->size = a->size ? a->size : 4096;
		while (a->len + len + 1 > a->size)
			a->size *= 2;
		a->buf = ereallocarray(a->buf, a->size, 1);
		if (inside != NONE)
			s = a->buf + inside;
	}
	if (len > 0)
		memcpy(a->buf + a->len, s, len);
	a->buf[a->len + len] = '\0';	/* so a text may go to printf */
	a->len += len + 1;
	return t;
}

/* customer_id NUL currency: an unescaped id holds no NUL. */
struct text
arena_key(struct arena *a, const char *customer, size_t customer_len,
    const char *currency, size_t currency_len)
{
	struct text t = arena_add(a, customer, customer_len + 1 + currency_len);

	a->buf[t.off + customer_len] = '\0';
	memcpy(a->buf + t.off + customer_len + 1, currency, currency_len);
	return t;
}

size_t
index_find(const struct index *ix, const struct arena *a, const char *s,
    size_t len)
{
	uint64_t hash;
	size_t i;
	const struct slot *slot;

	if (ix->size == 0)
		return NONE;
	hash = strset_hash(s, len);
	for (i = hash & (ix->size - 1);; i = (i + 1) & (ix->size - 1)) {
		slot = &ix->slots[i];
		if (slot->id == 0)
			return NONE;
		if (slot->hash == hash && slot->key.len == len &&
		    memcmp(a->buf + slot->key.off, s, len) == 0)
			return slot->id - 1;
	}
}

static void
index_grow(struct index *ix)
{
	struct slot *old = ix->slots;
	size_t i, j, old_size = ix->size;

	ix->size = old_size ? old_size * 2 : 1024;
	ix->slots = ecalloc(ix->size, sizeof(*ix->slots));
	for (i = 0; i < old_size; i++) {
		if (old[i].id == 0)
			continue;
		for (j = old[i].hash & (ix->size - 1); ix->slots[j].id != 0;
		    j = (j + 1) & (ix->size - 1))
			;
		ix->slots[j] = old[i];
	}
	free(old);
}

void
index_add(struct index *ix, const struct arena *a, struct text key, size_t id)
{
	uint64_t hash = strset_hash(a->buf + key.off, key.len);
	size_t i;

	if ((ix->count + 1) * 2 > ix->size)
		index_grow(ix);
	for (i = hash & (ix->size - 1); ix->slots[i].id != 0;
	    i = (i + 1) & (ix->size - 1))
		;
	ix->slots[i].hash = hash;
	ix->slots[i].key = key;
	ix->slots[i].id = id + 1;
	ix->count++;
}

/* The lookup key is built on the stack for short ids, as most are. */
size_t
account_find(const struct state *st, const char *customer, size_t customer_len,
    const char *currency, size_t currency_len)
{
	char small[128], *key = small;
	size_t len = customer_len + 1 + currency_len, found;

	if (len > sizeof(small))
		key = emalloc(len);
	memcpy(key, customer, customer_len);
	key[customer_len] = '\0';
	memcpy(key + customer_len + 1, currency, currency_len);
	found = index_find(&st->account_index, &st->arena, key, len);
	if (key != small)
		free(key);
	return found;
}

size_t
account_add(struct state *st, const char *customer, size_t customer_len,
    const char *currency, size_t currency_len)
{
	struct account *a;
	size_t id = st->naccounts;

	if (st->naccounts == st->accounts_size) {
		st->accounts_size = st->accounts_size ? st->accounts_size * 2 : 256;
		st->accounts = ereallocarray(st->accounts, st->accounts_size,
		    sizeof(*st->accounts));
	}
	a = &st->accounts[st->naccounts++];
	memset(a, 0, sizeof(*a));
	a->key = arena_key(&st->arena, customer, customer_len, currency,
	    currency_len);
	a->customer = (struct text){ a->key.off, customer_len };
	a->currency = (struct text){ a->key.off + customer_len + 1, currency_len };
	a->first_invoice = a->last_invoice = NONE;
	a->oldest_due = NO_DATE;
	a->customer_index = NONE;
	index_add(&st->account_index, &st->arena, a->key, id);
	return id;
}

size_t
customer_find(const struct state *st, const char *id, size_t len)
{
	return index_find(&st->customer_index, &st->arena, id, len);
}

size_t
customer_add(struct state *st, const char *id, size_t len)
{
	struct customer *c;
	size_t found = customer_find(st, id, len);

	if (found != NONE)
		return found;
	if (st->ncustomers == st->customers_size) {
		st->customers_size = st->customers_size ?
		    st->customers_size * 2 : 256;
		st->customers = ereallocarray(st->customers, st->customers_size,
		    sizeof(*st->customers));
	}
	c = &st->customers[st->ncustomers];
	memset(c, 0, sizeof(*c));
	c->id = arena_add(&st->arena, id, len);
	c->promise = c->last_response = c->last_out = c->last_in = NO_DATE;
	c->first_activity = c->last_activity = NONE;
	index_add(&st->customer_index, &st->arena, c->id, st->ncustomers);
	return st->ncustomers++;
}

size_t
invoice_add(struct state *st)
{
	if (st->ninvoices == st->invoices_size) {
		st->invoices_size = st->invoices_size ? st->invoices_size * 2 : 256;
		st->invoices = ereallocarray(st->invoices, st->invoices_size,
		    sizeof(*st->invoices));
	}
	memset(&st->invoices[st->ninvoices], 0, sizeof(struct invoice));
	st->invoices[st->ninvoices].next = NONE;
	return st->ninvoices++;
}

size_t
activity_add(struct state *st)
{
	if (st->nactivity == st->activity_size) {
		st->activity_size = st->activity_size ? st->activity_size * 2 : 256;
		st->activity = ereallocarray(st->activity, st->activity_size,
		    sizeof(*st->activity));
	}
	memset(&st->activity[st->nactivity], 0, sizeof(struct activity));
	st->activity[st->nactivity].next = NONE;
	st->activity[st->nactivity].seq = st->nactivity;
	return st->nactivity++;
}

void
store_free(struct state *st)
{
	free(st->arena.buf);
	free(st->account_index.slots);
	free(st->customer_index.slots);
	free(st->accounts);
	free(st->customers);
	free(st->invoices);
	free(st->activity);
	free(st->foreign);
}
