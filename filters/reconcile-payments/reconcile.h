/*
 * reconcile-payments' own parts: the night's state (payments, the index of
 * open invoices, per-currency totals), the intern table its indexes use,
 * and the matcher.  Private to the filter, so not in lib/.
 */
#ifndef RECONCILE_H
#define RECONCILE_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "money.h"
#include "out.h"
#include "rejects.h"
#include "rows.h"

#define NO_INDEX	UINT32_MAX
#define NO_DATE		INT32_MIN
#define MAX_CURRENCIES	256
#define COMBINATION_CANDIDATES	12	/* oldest open invoices tried in sums */

/* Interned byte strings: an arena and an open-addressing table. */
struct names;
/* filtered: keep a filter that answers most lookups of absent texts. */
struct names *names_new(int filtered);
uint32_t names_find(const struct names *nm, const char *s, size_t len);
/*
 * The same in two steps, so that a loop can hash and prefetch a batch of
 * lookups, then do them with their cache misses overlapped.
 */
uint64_t names_hash(const char *s, size_t len);
void	names_prefetch(const struct names *nm, uint64_t hash, int slot_too);
/* 0 when the filter says the text is absent; else 1 (the table must say). */
int	names_may_hold(const struct names *nm, uint64_t hash);
uint32_t names_find_hash(const struct names *nm, const char *s, size_t len,
	    uint64_t hash);
/* Room for n texts of text_bytes in all, sparing the rehashes of growing. */
void	names_reserve(struct names *nm, size_t n, size_t text_bytes);
/* The index of s, adding it if new (*added says which). */
uint32_t names_add(struct names *nm, const char *s, size_t len, int *added);
uint32_t names_add_hash(struct names *nm, const char *s, size_t len,
	    uint64_t hash, int *added);
const char *names_text(const struct names *nm, uint32_t i, size_t *len);
uint32_t names_count(const struct names *nm);
/* Where a text lies in the arena, and the text from that, in one visit. */
uint64_t names_ref(const struct names *nm, uint32_t i);
const char *names_ref_text(const struct names *nm, uint64_t ref, size_t *len);
/* Prefetch where text i lies (stage 0), then the text itself (stage 1). */
void	names_prefetch_text(const struct names *nm, uint32_t i, int stage);
size_t	names_bytes(const struct names *nm);
/*
 * Give back the lookup table, the biggest part, once no more texts are
 * looked up or added: names_text, names_ref and names_count still work.
 */
void	names_drop_table(struct names *nm);
void	names_free(struct names *nm);


enum method { METHOD_REFERENCE, METHOD_EXACT, METHOD_COMBINATION,
	METHOD_TOLERANCE, METHOD_FIFO };

struct currency_night {
	char	 code[4];
	int	 exponent;
	int64_t	 tolerance;		/* --tolerance in this currency's minor units */
	int64_t	 balance_in, balance_out, payments_in, applied, unapplied;
	int	 overflow;		/* a total passed int64: shown as such */
};

struct customer {
	int32_t	 last_payment;		/* latest payment received, or NO_DATE */
	uint32_t first_group;		/* its groups, one per currency */
	uint16_t ngroups;
};

/*
 * What the first pass asks of a customer on every row, apart from the
 * customers so that it stays in the cache: a byte per customer.
 */
#define CUSTOMER_UNPOSTED	1	/* has unposted payments: hold its invoices */
#define CUSTOMER_SEEN		2	/* appears in the invoices */

/* A customer's open invoices in one currency: a range of invoices. */
struct group {
	uint32_t first, count;
	uint32_t open_from;		/* invoices before it are paid off */
	uint8_t	 currency;
};

/*
 * One held open invoice: what matching needs, 24 bytes plus its id text.
 * Where its row is, the held-rows bitmap says (the n-th bit set is the
 * n-th invoice held); what was applied, its applications; which memo
 * keys name it, the night's key lists.  The index is held twice while
 * grouping (see regroup()), so each byte here is two at the peak.
 */
struct invoice {
	int64_t	 balance;		/* tonight's, going down as cash applies */
	uint32_t customer;
	uint32_t id_at;			/* its invoice_id: invoice_id() */
	signed int due : 24;		/* a day: years 1000 to 9999 fit */
	unsigned int currency : 8;
	uint32_t last_application;	/* newest payment applied, a list */
};

/*
 * An invoice_id in the id arena: its length in a byte, or for 255 bytes
 * or more (up to 65535) 255 and two bytes, then the text.
 */
#define ID_LONG		255
#define ID_ROOM(len)	((len) + ((len) < ID_LONG ? 1 : 3))

static inline const char *
invoice_id(const char *ids, const struct invoice *inv, size_t *len)
{
	const unsigned char *at = (const unsigned char *)ids + inv->id_at;

	if (at[0] < ID_LONG) {
		*len = at[0];
		return (const char *)at + 1;
	}
	*len = (size_t)at[1] | (size_t)at[2] << 8;
	return (const char *)at + 3;
}

/* The order of two invoices' ids: as memcmp, the shorter first on a tie. */
static inline int
invoice_id_cmp(const char *ids, const struct invoice *x,
    const struct invoice *y)
{
	size_t xlen, ylen;
	const char *xs = invoice_id(ids, x, &xlen), *ys = invoice_id(ids, y, &ylen);
	int cmp = memcmp(xs, ys, xlen < ylen ? xlen : ylen);

	return cmp != 0 ? cmp : (xlen > ylen) - (xlen < ylen);
}

/* A memo key naming a held invoice, as the first pass meets them. */
struct key_hit {
	uint32_t key, invoice;
};

struct payment {
	int64_t	 amount;
	int32_t	 received;
	uint32_t id;			/* in payment_ids */
	uint32_t customer;		/* NO_INDEX when empty */
	uint32_t first_ref;
	uint8_t	 nrefs;
	uint8_t	 currency;
	uint8_t	 posted;
};

/* A memo reference: its key ("inv1043") and its number's key ("1043"). */
struct ref {
	uint32_t key, number_key;	/* in refkeys */
};

/* A row not held whose customer has payments: for last_payment_date. */
union dated {
	uint32_t customer;
	int32_t	 last_payment;		/* the customer's, once matched */
};

/* A held invoice's row, for the second pass, in row order. */
struct planned {
	int32_t	 last_payment;
	uint32_t invoice;		/* NO_INDEX: nothing applied */
};

/* Payments applied to an invoice, newest first, for payment_ids. */
struct application {
	uint64_t id_ref;		/* the payment id: names_ref() */
	int64_t	 amount;
	uint32_t next;
	uint8_t	 pending;		/* received within --pending-days */
};

struct night {
	int32_t	 as_of;
	struct money_scan tolerance;	/* --tolerance as given */
	char	*scratch;		/* for night_value */
	size_t	 scratch_size;
	long long pending_days;
	struct currency_night currencies[MAX_CURRENCIES];
	int	 ncurrencies;

	struct names	*customer_ids;
	struct customer	*customers;	/* by customer_ids index */
	uint8_t		*customer_marks;	/* the same: CUSTOMER_* bits */
	size_t		 customers_size;

	struct names	*payment_ids;
	struct payment	*payments;
	size_t		 npayments, payments_size;
	struct ref	*refs;
	size_t		 nrefs, refs_size;

	struct names	*refkeys;	/* memo keys named by some payment */
	/*
	 * The invoices each memo key names, in row order: key k's are
	 * key_invoices[key_start[k]] up to key_start[k + 1].  The first
	 * pass notes its hits, in row order; key_lists() sorts them by key.
	 */
	struct key_hit	*key_hits;
	size_t		 nkey_hits, key_hits_size;
	uint32_t	*key_start, *key_invoices;

	struct invoice	*invoices;	/* ebigalloc'd, as are ids and planned */
	size_t		 ninvoices, invoices_size, invoices_hint;
	/*
	 * Read in halves (halves.c), the second half's invoices start past
	 * where the first's could reach: gap_len unused places after the
	 * first gap_from invoices, until regroup() closes the gap.
	 */
	size_t		 gap_from, gap_len;
	struct half	*half;		/* in a half's copy of the night */
	char		*ids;		/* invoice_id texts */
	size_t		 ids_len, ids_size, ids_hint;
	/*
	 * Invoice indexes grouped and sorted, until regroup() lays the
	 * invoices out in that order; then the invoices in row order.
	 */
	uint32_t	*by_group;
	struct group	*groups;
	size_t		 ngroups;

	struct planned	*planned;	/* one per held invoice, in row order */
	size_t		 planned_bytes;	/* of its block: the invoices' first */
	/*
	 * Until the plan is made, match_all() may put its payment keys at
	 * the start of that block, pages the first index already took:
	 * spare_bytes of them (0: not there).
	 */
	size_t		 spare_bytes;
#define PAYMENT_KEY_BYTES	32	/* match.c's struct payment_key */
	uint32_t	*touched;	/* the invoices paid, in row order */
	size_t		 ntouched;
	union dated	*dated;		/* in row order */
	size_t		 ndated, dated_size;
	/*
	 * A bit per data row (rejected rows left out): held, or dated.  The
	 * second pass finds its rows' plans by them, without row numbers.
	 */
	uint64_t	*held_rows, *dated_rows;
	size_t		 row_words;
	/*
	 * Customers first met through a memo, after some of their rows went
	 * by unlooked-at: the second pass looks their rows up in this small
	 * table rather than every row in the big one.
	 */
	struct names	*late_ids;
	uint32_t	*late_customers;	/* by late_ids index */
	size_t		 late_size;

	struct application *applications;
	size_t		 napplications, applications_size;
	uint32_t	 application_tag;	/* match.c: a second matcher's */
	int		 two_matchers;		/* matched in two threads */
	/*
	 * A matcher's ledgers in memory: the bytes each payment added to
	 * matches, then to unapplied, in the order it matched them.
	 */
	size_t		*written;
	size_t		 nwritten;
	/*
	 * --matches lines waiting, oldest first, while the invoice ids they
	 * name are fetched: see apply() in match.c.
	 */
#define LINES_AHEAD	8
	struct waiting_line {
		int64_t	 amount;
		uint32_t payment, invoice;
		size_t	 slot;		/* its payment's in written, or 0 */
		int	 method;
	}		 waiting[LINES_AHEAD];	/* a ring */
	unsigned	 first_waiting, nwaiting;

	struct out	*matches, *unapplied;	/* NULL when not asked for */
};

#ifdef PHASE_TIMES
/* Development aid (cc -DPHASE_TIMES): CPU and wall seconds per phase. */
void	phase(const char *name);
#define PHASE(name)	phase(name)
#else
#define PHASE(name)	((void)0)
#endif

/* night.c */
/* Index of a currency in the night's table, adding it; -1 if not ISO 4217. */
int	night_currency(struct night *n, const char *code, size_t len);
/* Ranks of the currencies by code: indexes follow row order, output must not. */
void	night_currency_ranks(const struct night *n, uint8_t *rank);
/* Append n bytes to a growing text; where they start in it. */
size_t	night_append(char **text, size_t *len, size_t *size, const char *s,
	    size_t n);
/* The index of a customer id, adding it. */
uint32_t night_customer(struct night *n, const char *s, size_t len);
/* The same, its names_hash() known. */
uint32_t night_customer_hash(struct night *n, const char *s, size_t len,
	    uint64_t hash);
/* A field's unescaped value, or "" for an absent column (col < 0). */
struct field night_value(struct night *n, const struct row *row, int col);
/*
 * A copy of the night that a thread works on counts its totals from
 * zero; night_add_totals adds them to the night's after, the copy's
 * currency i being map[i] there (map NULL: i).
 */
void	night_zero_totals(struct night *copy);
void	night_add_totals(struct night *n, const struct night *x,
	    const uint32_t *map);
/*
 * job(arg, 0, split) and job(arg, split, count) at once, the second in a
 * thread of its own; job(arg, 0, count) when count is below TWICE_MIN or
 * no thread starts.  The two parts must touch apart what they write.
 */
#define TWICE_MIN	4096
void	night_twice(void (*job)(void *, size_t, size_t), void *arg,
	    size_t split, size_t count);
/*
 * Have the first bytes of an ebigalloc'd block of block bytes faulted in
 * by a thread of its own while this one goes on, on a core that would be
 * idle: a page written for the first time costs the kernel a clearing
 * (and a virtual machine's host a fault) that need not hold up the work.
 * The thread asks the kernel to make the pages present; it never writes
 * them.  Wait for it before the block is freed or moved.
 */
struct prefault {
	pthread_t thread;
	char	*p;
	size_t	 bytes;
	int	 started;
};
void	night_prefault(struct prefault *pf, void *p, size_t block, size_t bytes);
void	night_prefault_wait(struct prefault *pf);
/* "column: what \"value\"" into buf. */
const char *night_reason(char *buf, size_t size, const char *column,
	    const char *what, struct field f);
/* A rejected row: to the rejects file, else its reason on stderr. */
void	night_reject(struct rejects *rj, const char *source,
	    const struct row *row, const char *reason);

/* payments.c: read and check the payments file; *posted counts history. */
void	payments_read(struct night *n, const char *path, struct rejects *rj,
	    long long *posted);

/* groups.c */
/* Group and sort the held invoices per customer and currency. */
void	groups_build(struct night *n);
/* After the first pass: the key lists from the hits. */
void	key_lists(struct night *n);
/* After matching: the held invoices in row order, for the second pass. */
void	groups_plan_rows(struct night *n);

/* match.c: apply every unposted payment, in received_date then payment_id order. */
void	match_all(struct night *n);

#endif
