/*
 * stage-assign's account table: customers in an open-addressing hash by
 * customer_id (the hash every table in the project uses), each with its
 * accounts per currency.  One lookup per invoice row, none allocated
 * except for a customer or currency seen the first time.
 */
#include <sys/mman.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "money.h"
#include "strset.h"
#include "stage-assign.h"

#define SA_CHUNK	(32 << 20)

/*
 * Zeroed memory straight from the kernel, in huge pages where it allows:
 * an invoice row lands on a random customer, and with 4 KiB pages a
 * million customers cost a TLB miss on every row.
 */
static void *
big_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		err(70, "mmap");
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);	/* a hint: fine if refused */
#endif
	return p;
}

struct sa_table *
sa_table_new(void)
{
	struct sa_table *t = ecalloc(1, sizeof(*t));

	t->size = 1024;
	t->slots = big_alloc(t->size * sizeof(*t->slots));
	return t;
}

void
sa_table_free(struct sa_table *t)
{
	size_t i;

	for (i = 0; i < t->nchunks; i++)
		munmap(t->chunks[i], SA_CHUNK);
	free(t->chunks);
	munmap(t->slots, t->size * sizeof(*t->slots));
	free(t);
}

/* size bytes, zeroed, at a multiple of align (a power of 2). */
static void *
carve(struct sa_table *t, size_t size, size_t align)
{
	void *p;

	t->used = (t->used + align - 1) & ~(align - 1);
	if (t->used > t->room)
		t->used = t->room;
	if (size > SA_CHUNK)
		errx(70, "%zu bytes: too big for the account table", size);
	if (size > t->room - t->used || t->nchunks == 0) {
		t->chunks = ereallocarray(t->chunks, t->nchunks + 1,
		    sizeof(*t->chunks));
		t->room = SA_CHUNK;
		t->chunks[t->nchunks++] = big_alloc(t->room);
		t->used = 0;
	}
	p = t->chunks[t->nchunks - 1] + t->used;
	t->used += size;
	return p;
}

char *
sa_strdup(struct sa_table *t, const char *s, size_t len)
{
	char *p;

	if (len == 0)
		return NULL;
	p = carve(t, len + 1, 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *
sa_alloc(struct sa_table *t, size_t size)
{
	return carve(t, size, 16);
}

static void
grow(struct sa_table *t)
{
	struct sa_slot *old = t->slots;
	size_t i, j, old_size = t->size;

	t->size *= 2;
	t->slots = big_alloc(t->size * sizeof(*t->slots));
	for (i = 0; i < old_size; i++) {
		if (old[i].customer == NULL)
			continue;
		for (j = old[i].hash & (t->size - 1); t->slots[j].customer;
		    j = (j + 1) & (t->size - 1))
			;
		t->slots[j] = old[i];
	}
	munmap(old, old_size * sizeof(*old));
}

static void
account_init(struct sa_account *a, struct sa_customer *c, const char *code,
    int exponent)
{
	a->customer = c;
	memcpy(a->currency, code, 3);
	a->exponent = exponent;
	a->max_dpd = INT32_MIN;
	a->oldest_due = INT32_MAX;
	a->last_payment = SA_NO_DATE;
}

uint64_t
sa_hash(const char *id, size_t len)
{
	return strset_hash(id, len);
}

void
sa_prefetch_slot(const struct sa_table *t, uint64_t hash)
{
	__builtin_prefetch(&t->slots[hash & (t->size - 1)]);
}

/* Only the first slot: a longer probe is rare at half load. */
void
sa_prefetch_customer(const struct sa_table *t, uint64_t hash)
{
	const struct sa_customer *c = t->slots[hash & (t->size - 1)].customer;

	if (c != NULL) {
		__builtin_prefetch(c);
		__builtin_prefetch((const char *)c + 64);
		__builtin_prefetch((const char *)c + 128);
	}
}

struct sa_customer *
sa_customer_get(struct sa_table *t, const char *id, size_t len, int create)
{
	return sa_customer_find(t, id, len, strset_hash(id, len), create);
}

struct sa_customer *
sa_customer_find(struct sa_table *t, const char *id, size_t len, uint64_t h,
    int create)
{
	struct sa_customer *c;
	size_t i;

	for (i = h & (t->size - 1); (c = t->slots[i].customer) != NULL;
	    i = (i + 1) & (t->size - 1))
		if (t->slots[i].hash == h && c->id_len == len &&
		    memcmp(c->id, id, len) == 0)
			return c;
	if (!create)
		return NULL;
	if (len > UINT32_MAX)
		errx(70, "customer_id of %zu bytes", len);
	c = carve(t, sizeof(*c) + (len < sizeof(c->short_id) ? 0 : len + 1), 64);
	c->id = len < sizeof(c->short_id) ? c->short_id : (char *)(c + 1);
	memcpy(c->id, id, len);
	c->id_len = len;
	c->last_response = SA_NO_DATE;
	t->slots[i].hash = h;
	t->slots[i].customer = c;
	if (++t->count * 2 > t->size)
		grow(t);
	return c;
}

struct sa_account *
sa_account_get(struct sa_table *t, struct sa_customer *c, const char *code,
    int exponent)
{
	struct sa_account *a;

	for (a = c->accounts; a; a = a->next)
		if (memcmp(a->currency, code, 3) == 0)
			return a;
	a = c->accounts == NULL ? &c->first : carve(t, sizeof(*a), 16);
	account_init(a, c, code, exponent);
	a->next = c->accounts;
	c->accounts = a;
	t->accounts++;
	return a;
}

/* An account and the first 8 bytes of its id, big-endian, to sort by. */
struct sort_key {
	uint64_t		 prefix;
	struct sa_account	*account;
};

static uint64_t
id_prefix(const struct sa_customer *c)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v = v << 8 | (i < c->id_len ? (unsigned char)c->id[i] : 0);
	return v;
}

/* Bytes, then length: the order of sort(1) with LC_ALL=C. */
static int
by_customer_currency(const void *x, const void *y)
{
	const struct sort_key *ka = x, *kb = y;
	const struct sa_account *a = ka->account, *b = kb->account;
	size_t la, lb;
	int cmp;

	if (ka->prefix != kb->prefix)
		return ka->prefix < kb->prefix ? -1 : 1;
	la = a->customer->id_len;
	lb = b->customer->id_len;
	cmp = memcmp(a->customer->id, b->customer->id, la < lb ? la : lb);
	if (cmp == 0 && la != lb)
		cmp = la < lb ? -1 : 1;
	return cmp ? cmp : memcmp(a->currency, b->currency, 3);
}

/*
 * Least significant byte first over the 8-byte prefixes: linear, where a
 * comparison sort of a million accounts costs a third of a second.  A pass
 * whose byte is the same in every key ("C000...") is skipped.
 */
static void
radix_sort(struct sort_key *keys, size_t n)
{
	struct sort_key *tmp = ereallocarray(NULL, n, sizeof(*tmp)), *from = keys,
	    *to = tmp, *swap;
	size_t count[256], i, sum, b;
	int shift;

	for (shift = 0; shift < 64; shift += 8) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[from[i].prefix >> shift & 0xff]++;
		if (n == 0 || count[from[0].prefix >> shift & 0xff] == n)
			continue;
		for (b = 0, sum = 0; b < 256; b++) {
			size_t c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[from[i].prefix >> shift & 0xff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	if (from != keys)
		memcpy(keys, from, n * sizeof(*keys));
	free(tmp);
}

struct sa_account **
sa_sorted_accounts(struct sa_table *t, size_t *n)
{
	struct sort_key *keys;
	struct sa_account **list, *a;
	size_t i, run;

	keys = ereallocarray(NULL, t->accounts, sizeof(*keys));
	*n = 0;
	for (i = 0; i < t->size; i++) {
		if (i + 16 < t->size && t->slots[i + 16].customer)
			__builtin_prefetch(t->slots[i + 16].customer);
		if (t->slots[i].customer == NULL)
			continue;
		for (a = t->slots[i].customer->accounts; a; a = a->next) {
			keys[*n].prefix = id_prefix(a->customer);
			keys[(*n)++].account = a;
		}
	}
	radix_sort(keys, *n);
	/* keys that share a prefix (long ids, several currencies) */
	for (i = 0; i < *n; i = run) {
		for (run = i + 1; run < *n && keys[run].prefix == keys[i].prefix; run++)
			;
		if (run - i > 1)
			qsort(keys + i, run - i, sizeof(*keys), by_customer_currency);
	}
	list = ereallocarray(NULL, *n, sizeof(*list));
	for (i = 0; i < *n; i++)
		list[i] = keys[i].account;
	free(keys);
	return list;
}

void
sa_totals_init(struct sa_totals *tt)
{
	memset(tt, 0, sizeof(*tt));
}

static size_t
totals_slot(struct sa_totals *tt, const char *code, int exponent)
{
	size_t i;

	for (i = 0; i < tt->n; i++)
		if (memcmp(tt->cur[i].code, code, 3) == 0)
			return i;
	if (tt->n == SA_CURRENCIES)
		errx(70, "more than %d currencies", SA_CURRENCIES);
	memcpy(tt->cur[tt->n].code, code, 3);
	tt->cur[tt->n].exponent = exponent;
	return tt->n++;
}

/* -1 if the currency's total would overflow: the caller rejects the row. */
int
sa_totals_in(struct sa_totals *tt, const char *code, int exponent,
    int64_t balance)
{
	size_t i = totals_slot(tt, code, exponent);

	if (money_add(&tt->cur[i].in, balance) < 0)
		return -1;
	if (balance < 0)
		tt->cur[i].credit += balance;
	return 0;
}

void
sa_totals_out(struct sa_totals *tt, const struct sa_account *a)
{
	size_t i = totals_slot(tt, a->currency, a->exponent);

	tt->cur[i].open += a->open;
	tt->cur[i].disputed += a->disputed;
}

static int
by_code(const void *x, const void *y)
{
	return memcmp(x, y, 3);
}

void
sa_totals_print(const struct sa_totals *tt, long written, long long rejected)
{
	struct sa_totals sorted = *tt;
	char in[MONEY_TEXT_MAX], open[MONEY_TEXT_MAX], disputed[MONEY_TEXT_MAX],
	    credit[MONEY_TEXT_MAX];
	size_t i;

	qsort(sorted.cur, sorted.n, sizeof(sorted.cur[0]), by_code);
	fprintf(stderr, "stage-assign: invoices in %ld, rejected %lld; accounts "
	    "out %ld", tt->rows_in, rejected, written);
	for (i = 0; i < sorted.n; i++) {
		money_format(in, sorted.cur[i].in, sorted.cur[i].exponent);
		money_format(open, sorted.cur[i].open, sorted.cur[i].exponent);
		money_format(disputed, sorted.cur[i].disputed,
		    sorted.cur[i].exponent);
		money_format(credit, sorted.cur[i].credit, sorted.cur[i].exponent);
		fprintf(stderr, "; %s in %s, out open %s disputed %s, credits %s",
		    sorted.cur[i].code, in, open, disputed, credit);
	}
	fputc('\n', stderr);
}
