/*
 * The parts of stage-outcomes: a byte-keyed hash map (map.c), the readers
 * of the night files (read.c) and the month-end roll rates (rolls.c).  The
 * per-night files are small and are held whole, as arrays of records keyed
 * by account index; a month-end snapshot is streamed.
 */
#ifndef OUTCOMES_H
#define OUTCOMES_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "out.h"
#include "rows.h"
#include "rejects.h"

#define SO_NO_DPD	INT32_MIN

/* Keys (any bytes) to indexes the caller hands out; keys live in an arena. */
struct so_map;

struct so_map *so_map_new(void);
void	so_map_free(struct so_map *m);
/* The value of key, or -1. */
long	so_map_find(const struct so_map *m, const void *key, size_t len);
/* The value of key; when absent, key is added with value and *added set. */
uint32_t so_map_put(struct so_map *m, const void *key, size_t len,
	    uint32_t value, int *added);
size_t	so_map_count(const struct so_map *m);

/* A TSV file read row by row, with scratch for unescaped fields. */
#define SO_SCRATCH	3
struct so_reader {
	struct rows	*rows;
	struct row	 row;
	struct rejects	*rj;
	char		*scratch[SO_SCRATCH];
	size_t		 scratch_size[SO_SCRATCH];
};

struct currency;

/* Open path (exit 66 if it cannot be); its header must name the columns. */
void	so_reader_open(struct so_reader *r, const char *path, struct rejects *rj);
void	so_reader_close(struct so_reader *r);
/* The next row with the header's field count; 0 at the end. */
int	so_reader_next(struct so_reader *r);
/* The index of a required column; exit 65 when it is missing. */
int	so_column(struct so_reader *r, const char *name);
/* Field col unescaped into scratch buffer slot. */
struct field so_value(struct so_reader *r, int col, int slot);
void	so_reject(struct so_reader *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Typed fields: 0, or -1 with the row rejected. */
int	so_read_currency(struct so_reader *r, int col,
	    const struct currency **cur);
int	so_read_money(struct so_reader *r, int col, const char *name,
	    int exponent, int64_t *minor);
int	so_read_days(struct so_reader *r, int col, const char *name,
	    int32_t *days);
/* DIR/NAME into buf; exit 66 when it does not fit. */
void	so_night_file(char *buf, size_t size, const char *dir, const char *name);

/* A night directory: its date from its name, and what it holds. */
struct so_night {
	const char	*dir;
	int32_t		 day;
	int		 has_staged;
};

/* An account (customer_id, currency). */
struct so_account {
	char		 currency[4];
	int		 exponent;
	long		 night_event;	/* its event on the night being read, or -1 */
};

struct so_event {
	uint32_t	 account;
	int32_t		 day;
	uint32_t	 seq;		/* order read, for a stable sort */
	uint32_t	 stage;		/* to_stage, an index into the names */
	uint32_t	 rule;
	int32_t		 max_dpd;	/* from moved.tsv, or SO_NO_DPD */
	int64_t		 balance;	/* open_balance */
};

struct so_payment {
	uint32_t	 account;
	int32_t		 day;
	uint32_t	 seq;
	int64_t		 amount;
};

enum so_action { SO_PLACED, SO_UPDATED, SO_RECALLED };
enum so_reason { SO_PAID, SO_DISPUTED, SO_LEGAL, SO_PAYMENT_PENDING,
	SO_PROMISE, SO_OTHER, SO_REASONS };

struct so_agency {
	uint32_t	 account;
	int32_t		 day;
	uint32_t	 seq;
	enum so_action	 action;
	enum so_reason	 reason;
	int64_t		 balance;
};

/* Everything read from the nights, and the counts --stats prints. */
struct so_history {
	struct so_map		*account_index;	/* "customer_id\tcurrency" */
	struct so_account	*account;
	size_t			 naccounts;
	struct so_map		*name_index;	/* stage and rule names */
	char			**name;
	size_t			 nnames;
	struct so_event		*event;
	size_t			 nevents;
	struct so_payment	*payment;
	size_t			 npayments;
	struct so_agency	*agency;
	size_t			 nagency;
	struct rejects		*rj;
	long			 moved_unmatched;	/* moved rows with no event */
};

void	so_history_init(struct so_history *h, struct rejects *rj);
void	so_history_free(struct so_history *h);
/* Read one night's events.tsv, moved.tsv, payments.tsv and agency.tsv. */
void	so_read_night(struct so_history *h, const struct so_night *night);
const char *so_name(const struct so_history *h, uint32_t index);

/* qsort, which must not see the NULL of an array never grown. */
static inline void
so_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* Month numbers: year * 12 + month - 1. */
int	so_month(int32_t day);
int32_t	so_month_last_day(int month);
void	so_out_month(struct out *o, int month);
/* Percent with one decimal, rounded half up: 45.7 */
void	so_out_share(struct out *o, int64_t part, int64_t whole);
/* *sum += value, or exit 65 naming what overflowed. */
void	so_add(int64_t *sum, int64_t value, const char *what);

/* Events timed against their rule's threshold, and those that were not. */
struct so_delay_counts {
	long	 timed, no_bound, no_max_dpd;
};

struct rules;

/* Sort the records by account, then night, then the order read. */
void	so_sort_history(struct so_history *h);
/* The outcomes by stage to o; returns the number of spells. */
long	so_outcomes(struct out *o, const struct so_history *h, int32_t as_of);
void	so_delays(struct out *o, const struct so_history *h,
	    const struct rules *rs, struct so_delay_counts *counts);
void	so_agency(struct out *o, const struct so_history *h, int32_t as_of);

/*
 * The --rolls file over the month-end snapshots of nights[0..n), oldest
 * first; returns the pairs of months done, adds the rows read to *accounts.
 */
long	so_rolls(struct out *o, const struct so_night *nights, size_t n,
	    int32_t as_of, struct rejects *rj, long *accounts);

#endif
