/*
 * The parts of stage-assign: the account table (table.c) and the readers
 * of its four inputs (read.c).  Customers are hashed by customer_id; each
 * holds its accounts, one per currency, in a short list.
 */
#ifndef STAGE_ASSIGN_H
#define STAGE_ASSIGN_H
#include <stddef.h>
#include <stdint.h>

#include "rejects.h"

#define SA_NO_DATE	INT32_MIN
#define SA_BUCKETS	6	/* current, 1-30, 31-60, 61-90, 91-120, 120+ */
#define SA_CURRENCIES	200

struct sa_customer;

/* What --previous said of an account. */
struct sa_history {
	char			*stage;
	char			*previous;	/* the stage before it, or NULL */
	int32_t			 since;
};

/* What the customer master says; NULL when it lacks the customer. */
struct sa_master {
	char			*name, *manager, *flags, *retry;	/* or NULL */
	int32_t			 promise, since;
};

/* One customer's invoices in one currency; the hot fields first. */
struct sa_account {
	char			 currency[4];
	signed char		 exponent;
	char			 pending;	/* a payment not yet posted */
	uint32_t		 invoices;	/* open and undisputed */
	uint32_t		 disputed_count;
	uint32_t		 invoice_rows;	/* any balance, today */
	int32_t			 max_dpd, oldest_due, last_payment;
	int64_t			 open;		/* undisputed positive balances */
	int64_t			 disputed;	/* disputed positive balances */
	int64_t			 bucket[SA_BUCKETS];
	struct sa_account	*next;		/* the customer's next currency */
	struct sa_customer	*customer;
	struct sa_history	*prev;		/* or NULL */
};

/*
 * A customer and its first account live in one block, with a short id
 * inside it, so the lookup of an invoice row touches one slot and three
 * cache lines.
 */
struct sa_customer {
	char			*id;		/* unescaped: short_id or behind */
	uint32_t		 id_len;
	int32_t			 last_response;
	struct sa_account	*accounts;
	char			 short_id[24];
	struct sa_account	 first;
	struct sa_master	*master;
};

struct sa_slot {
	uint64_t		 hash;
	struct sa_customer	*customer;
};

/* Everything is carved from big chunks, freed together at the end. */
struct sa_table {
	struct sa_slot		*slots;
	size_t			 size, count, accounts;
	char			**chunks;
	size_t			 nchunks;
	size_t			 used, room;	/* in the last chunk */
};

/* Money in and out per currency, for --stats. */
struct sa_totals {
	struct {
		char	 code[4];
		int	 exponent;
		int64_t	 in, open, disputed, credit;
	} cur[SA_CURRENCIES];
	size_t	 n;
	long	 rows_in;
};

struct sa_table	*sa_table_new(void);
/* A copy of s in the table's memory; NULL when len is 0. */
char	*sa_strdup(struct sa_table *t, const char *s, size_t len);
/* Zeroed memory in the table, aligned for any struct. */
void	*sa_alloc(struct sa_table *t, size_t size);
void	sa_table_free(struct sa_table *t);
/* The customer with this id; created (not in the master) when create. */
struct sa_customer *sa_customer_get(struct sa_table *t, const char *id,
	    size_t len, int create);
/* The same with the id's hash already known (sa_hash). */
struct sa_customer *sa_customer_find(struct sa_table *t, const char *id,
	    size_t len, uint64_t hash, int create);
uint64_t sa_hash(const char *id, size_t len);
/* Ask for the memory a later sa_customer_find of this hash will read. */
void	sa_prefetch_slot(const struct sa_table *t, uint64_t hash);
void	sa_prefetch_customer(const struct sa_table *t, uint64_t hash);
struct sa_account *sa_account_get(struct sa_table *t, struct sa_customer *c,
	    const char *code, int exponent);
/* Every account, sorted by customer_id then currency; free the array. */
struct sa_account **sa_sorted_accounts(struct sa_table *t, size_t *n);

void	sa_totals_init(struct sa_totals *tt);
int	sa_totals_in(struct sa_totals *tt, const char *code, int exponent,
	    int64_t balance);
void	sa_totals_out(struct sa_totals *tt, const struct sa_account *a);
void	sa_totals_print(const struct sa_totals *tt, long written, long long rejected);

void	sa_read_accounts(struct sa_table *t, const char *path, struct rejects *rj);
void	sa_read_previous(struct sa_table *t, const char *path, struct rejects *rj);
void	sa_read_invoices(struct sa_table *t, int32_t as_of, struct rejects *rj,
	    struct sa_totals *tt);
void	sa_read_activity(struct sa_table *t, const char *path, struct rejects *rj);

#endif
