/*
 * The parts of agency-pack: what is held and found by key (store.c), the
 * input files read into it (read.c), tonight's fate of each account and
 * the notes of a placement (decide.c), the batch files and the ledger
 * written (write.c), and the batch directory built beside its place,
 * hashed, compared and renamed (batch.c).
 *
 * Only what the batch needs is held: the accounts staged at collections
 * or in the ledger, and the invoices, contacts and activity of the
 * customers placed tonight.  Strings live in one arena, by offset.
 */
#ifndef AGENCY_PACK_H
#define AGENCY_PACK_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "out.h"
#include "redact.h"
#include "rejects.h"
#include "rows.h"

#define PROG		"agency-pack"
#define REASON_MAX	256
#define NO_DATE		INT32_MIN
#define NONE		SIZE_MAX
#define MAX_CURRENCIES	64

struct text {
	size_t		 off;
	size_t		 len;
};

struct arena {
	char		*buf;
	size_t		 len, size;
};

/* Open addressing from a key in the arena to an index; 0 is an empty slot. */
struct index {
	struct slot {
		uint64_t	 hash;
		struct text	 key;
		size_t		 id;	/* id + 1 */
	}		*slots;
	size_t		 size, count;
};

enum fate {
	FATE_NONE,	/* nothing for the agency tonight */
	FATE_PLACE,	/* a new placement */
	FATE_KEEP,	/* placed, still at collections, balance unchanged */
	FATE_UPDATE,	/* placed, still at collections, balance changed */
	FATE_RECALL,
	FATE_REFUSE,	/* at collections, but a blocking flag forbids it */
	FATE_MISMATCH,	/* at collections, but the invoices disagree */
	FATE_ELSEWHERE	/* placed with another agency */
};

enum recall_reason {
	RECALL_PAID, RECALL_DISPUTED, RECALL_LEGAL, RECALL_PAYMENT_PENDING,
	RECALL_PROMISE, RECALL_OTHER
};

extern const char *const recall_reasons[];

/* One (customer_id, currency): staged on stdin, in the ledger, or both. */
struct account {
	struct text	 key;		/* customer_id NUL currency */
	struct text	 customer, currency;
	struct text	 name, stage, notify, flags, raw;	/* from stdin */
	int		 exponent;
	int		 staged;	/* its row was read on stdin */
	int		 rejected;	/* its row on stdin was rejected */
	long		 line;		/* of stdin */
	int64_t		 open_balance, disputed_balance;
	/* the ledger */
	int		 placed;	/* with this agency */
	int		 elsewhere;	/* with another agency */
	int32_t		 placed_date;
	int64_t		 placed_balance, last_balance;
	/* tonight */
	enum fate	 fate;
	enum recall_reason reason;
	const char	*block;		/* the blocking flag, when refused */
	size_t		 customer_index;
	/* its open undisputed invoices, from --invoices */
	int64_t		 invoice_total;
	size_t		 invoice_count, first_invoice, last_invoice;
	int32_t		 oldest_due;
};

struct contact {
	struct text	 name, email, phone, ext, address, language, channel;
	int		 skip_trace, generic, stale;
	int32_t		 verified;
};

struct customer {
	struct text	 id;
	int		 wanted;	/* has an account placed tonight */
	/* the master */
	int		 in_master;
	long		 master_line;
	struct text	 master_name, master_flags, retry_status;
	int32_t		 promise, last_response;
	/* the best contact */
	int		 has_contact;
	struct contact	 contact;
	/* the activity log */
	size_t		 first_activity, last_activity;
	long		 reminders, calls;
	int32_t		 last_out, last_in;
};

struct invoice {
	struct text	 id;
	int64_t		 amount, balance;
	int32_t		 issue, due;
	size_t		 next;
};

struct activity {
	int32_t		 date;
	struct text	 date_text, channel, direction, actor, outcome, note;
	size_t		 seq;		/* input order, for a stable sort */
	size_t		 next;
};

struct options {
	struct cli	 cli;
	const char	*invoices_path, *contacts_path, *activity_path;
	const char	*accounts_path, *placed_path, *out_dir, *agency;
	int		 csv;
	int		 replace;
};

/* Per-currency money of one batch file, for its manifest line. */
struct totals {
	struct total {
		char	 code[4];
		int	 exponent;
		int64_t	 sum;
	}		 cur[MAX_CURRENCIES];
	size_t		 n;
};

struct batch_file {
	const char	*name;		/* "placements" ... */
	char		 file[32];	/* "placements.tsv" */
	long long	 rows;
	struct totals	 totals;
	int		 has_money;
};

enum { FILE_PLACEMENTS, FILE_INVOICES, FILE_ACTIVITY, FILE_UPDATES,
	FILE_RECALLS, NFILES };

struct state {
	struct options	*opt;
	struct arena	 arena;
	struct index	 account_index, customer_index;
	struct account	*accounts;
	size_t		 naccounts, accounts_size;
	struct customer	*customers;
	size_t		 ncustomers, customers_size;
	struct invoice	*invoices;
	size_t		 ninvoices, invoices_size;
	struct activity	*activity;
	size_t		 nactivity, activity_size;
	struct rejects	 rejects;
	struct redact	*redact;
	char		*scratch[8];	/* rows_value, one per field in use */
	size_t		 scratch_size[8];
	char		*redacted;	/* redact_text */
	size_t		 redacted_size;
	char		*cell;		/* a CSV cell with its formula guard */
	size_t		 cell_size;
	char		*notes;		/* decide_notes */
	size_t		 notes_len, notes_size;
	char		 failed_path[4096];	/* the batch file a write failed on */
	struct batch_file files[NFILES];
	/* the ledger rows of other agencies, passed through */
	struct foreign {
		struct text	 customer, currency, agency, placed_date,
				 placed_balance, last_balance;
	}		*foreign;
	size_t		 nforeign, foreign_size;
	long long	 staged_in, ledger_in, placed, refused, mismatched,
			 kept, updated, recalled, elsewhere, redactions;
};

static inline const char *
T(const struct state *st, struct text t)
{
	return st->arena.buf + t.off;
}

static inline int
text_is(const struct state *st, struct text t, const char *s)
{
	return t.len == strlen(s) && memcmp(T(st, t), s, t.len) == 0;
}

/* store.c */
struct text arena_add(struct arena *, const char *, size_t);
struct text arena_key(struct arena *, const char *, size_t, const char *,
	    size_t);
size_t	index_find(const struct index *, const struct arena *, const char *,
	    size_t);
void	index_add(struct index *, const struct arena *, struct text, size_t);
size_t	account_find(const struct state *, const char *customer, size_t,
	    const char *currency, size_t);
size_t	account_add(struct state *, const char *customer, size_t,
	    const char *currency, size_t);
size_t	customer_find(const struct state *, const char *, size_t);
size_t	customer_add(struct state *, const char *, size_t);
size_t	invoice_add(struct state *);
size_t	activity_add(struct state *);
void	store_free(struct state *);

/* read.c */
void	read_ledger(struct state *);
void	read_staged(struct state *);
void	read_master(struct state *);
void	read_invoices(struct state *);
void	read_contacts(struct state *);
void	read_activity(struct state *);
int	flags_has(const char *s, size_t len, const char *token);
void	reject(struct state *, struct rows *, const struct row *,
	    const char *reason);

/* decide.c */
void	decide_blocks(struct state *);
void	decide_totals(struct state *);
void	decide_timeline(struct state *);
void	decide_notes(struct state *, const struct account *);
int	blocking_flag(const char *s, size_t len, const char **flag);

/* write.c */
int	write_batch_files(struct state *, const char *dir);
void	totals_add(struct totals *, const char *code, int exponent,
	    int64_t amount, const char *what);
size_t	totals_find(const struct totals *, const char *code);
int	write_manifest(struct state *, const char *dir);
void	write_ledger(struct state *, struct out *);

/* batch.c */
int	batch_commit(struct state *);

#endif
