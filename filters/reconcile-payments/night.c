/*
 * What reconcile-payments' parts share: the night's currency table, the
 * interning of customers, field values and reasons for rejected rows.
 */
#include <sys/mman.h>

#include <err.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "currency.h"
#include "ealloc.h"
#include "reconcile.h"

/* --tolerance in a currency's minor units; digits past them are dropped. */
static int64_t
tolerance_in(const struct money_scan *t, int exponent)
{
	int64_t v = 0;
	size_t i;
	int e;

	for (i = 0; i < t->integer_len; i++)
		v = v * 10 + (t->integer[i] - '0');
	for (e = 0; e < exponent; e++)
		v = v * 10 + ((size_t)e < t->fraction_len ? t->fraction[e] - '0' : 0);
	return v;
}

int
night_currency(struct night *n, const char *code, size_t len)
{
	const struct currency *cur;
	int i;

	for (i = 0; i < n->ncurrencies; i++)
		if (len == 3 && memcmp(n->currencies[i].code, code, 3) == 0)
			return i;
	if ((cur = currency_find(code, len)) == NULL)
		return -1;
	/* a lowercase code names the same currency as its uppercase one */
	for (i = 0; i < n->ncurrencies; i++)
		if (memcmp(n->currencies[i].code, cur->code, 3) == 0)
			return i;
	if (n->ncurrencies == MAX_CURRENCIES)
		return -1;
	memset(&n->currencies[i], 0, sizeof(n->currencies[i]));
	memcpy(n->currencies[i].code, cur->code, 4);
	n->currencies[i].exponent = cur->exponent;
	n->currencies[i].tolerance = tolerance_in(&n->tolerance, cur->exponent);
	return n->ncurrencies++;
}

/* A rejected row: to the rejects file, else its reason on stderr. */
void
night_reject(struct rejects *rj, const char *source, const struct row *row,
    const char *reason)
{
	if (!rejects_add(rj, source, row->line, reason, row->raw, row->raw_len))
		warnx("%s:%ld: %s", source, row->line, reason);
}

const char *
night_reason(char *buf, size_t size, const char *column, const char *what,
    struct field f)
{
	snprintf(buf, size, "%s: %s \"%.*s\"", column, what,
	    (int)(f.len > 80 ? 80 : f.len), f.s);
	return buf;
}

size_t
night_append(char **text, size_t *len, size_t *size, const char *s, size_t n)
{
	size_t at = *len;

	/* allocated even for an empty text: *text + at is never NULL + 0 */
	if (*text == NULL || *len + n > *size) {
		*size = (*len + n) * 2 + 4096;
		*text = ereallocarray(*text, *size, 1);
	}
	if (n > 0)
		memcpy(*text + at, s, n);
	*len += n;
	return at;
}

uint32_t
night_customer(struct night *n, const char *s, size_t len)
{
	return night_customer_hash(n, s, len, names_hash(s, len));
}

uint32_t
night_customer_hash(struct night *n, const char *s, size_t len, uint64_t hash)
{
	uint32_t c;
	int added;

	c = names_add_hash(n->customer_ids, s, len, hash, &added);
	if (added) {
		if (c >= n->customers_size) {
			n->customers_size = n->customers_size * 2 + 1024;
			n->customers = ereallocarray(n->customers,
			    n->customers_size, sizeof(*n->customers));
			n->customer_marks = ereallocarray(n->customer_marks,
			    n->customers_size, 1);
		}
		n->customer_marks[c] = 0;
		memset(&n->customers[c], 0, sizeof(n->customers[c]));
		n->customers[c].last_payment = NO_DATE;
	}
	return c;
}

struct field
night_value(struct night *n, const struct row *row, int col)
{
	struct field none = { "", 0 };

	return col < 0 ? none : rows_value(row, col, &n->scratch,
	    &n->scratch_size);
}

void
night_zero_totals(struct night *copy)
{
	struct currency_night *c;
	int i;

	for (i = 0; i < copy->ncurrencies; i++) {
		c = &copy->currencies[i];
		c->balance_in = c->balance_out = c->payments_in = 0;
		c->applied = c->unapplied = 0;
		c->overflow = 0;
	}
}

void
night_add_totals(struct night *n, const struct night *x, const uint32_t *map)
{
	const struct currency_night *from;
	struct currency_night *to;
	int i;

	for (i = 0; i < x->ncurrencies; i++) {
		from = &x->currencies[i];
		to = &n->currencies[map != NULL ? map[i] : (uint32_t)i];
		if (money_add(&to->balance_in, from->balance_in) < 0 ||
		    money_add(&to->payments_in, from->payments_in) < 0 ||
		    money_add(&to->applied, from->applied) < 0 ||
		    money_add(&to->unapplied, from->unapplied) < 0 ||
		    from->overflow)
			to->overflow = 1;
	}
}

struct part {
	void	(*job)(void *, size_t, size_t);
	void	*arg;
	size_t	 from, to;
};

static void *
part_run(void *arg)
{
	struct part *p = arg;

	p->job(p->arg, p->from, p->to);
	return NULL;
}

void
night_twice(void (*job)(void *, size_t, size_t), void *arg, size_t split,
    size_t count)
{
	struct part second = { job, arg, split, count };
	pthread_t thread;

	if (count < TWICE_MIN ||
	    pthread_create(&thread, NULL, part_run, &second) != 0) {
		job(arg, 0, count);
		return;
	}
	job(arg, 0, split);
	pthread_join(thread, NULL);
}

static void *
prefault_run(void *arg)
{
	struct prefault *pf = arg;
#ifdef MADV_POPULATE_WRITE
	size_t at, step = 2 << 20;

	/* in steps, so that the pages come in the order they are used */
	for (at = 0; at < pf->bytes; at += step)
		if (madvise(pf->p + at, pf->bytes - at < step ?
		    pf->bytes - at : step, MADV_POPULATE_WRITE) < 0)
			break;	/* an older kernel: the faults stay where they were */
#endif
	return NULL;
}

void
night_prefault(struct prefault *pf, void *p, size_t block, size_t bytes)
{
	pf->started = 0;
	pf->p = p;
	pf->bytes = bytes < block ? bytes : block;
	/* only blocks of their own mapping (ebigalloc's big ones), whole pages */
	if (block < (2 << 20) || pf->bytes < (2 << 20) ||
	    (uintptr_t)p % 4096 != 0)
		return;
	pf->bytes &= ~(size_t)4095;
	pf->started = pthread_create(&pf->thread, NULL, prefault_run, pf) == 0;
}

void
night_prefault_wait(struct prefault *pf)
{
	if (pf->started)
		pthread_join(pf->thread, NULL);
	pf->started = 0;
}
