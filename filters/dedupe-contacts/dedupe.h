/*
 * The parts of dedupe-contacts: a row made a contact (contact.c), the
 * rows of one customer linked into persons (link.c), one survivor written
 * per person (survive.c), and runs of rows sorted on disk and merged when
 * the input is neither small nor grouped by customer (spill.c).
 *
 * Rows held in memory live in one batch: their strings in an arena (offsets,
 * so the arena may move), their fields in an array of struct contact.  The
 * batch holds one customer when the input is grouped, else one run.
 */
#ifndef DEDUPE_H
#define DEDUPE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "out.h"
#include "rejects.h"
#include "rows.h"
#include "strset.h"

#define PROG		"dedupe-contacts"
#define REASON_MAX	256
#define NO_DATE		INT32_MIN

enum column {
	COL_CONTACT_ID, COL_CUSTOMER_ID, COL_SOURCE, COL_NAME, COL_EMAIL,
	COL_PHONE, COL_PHONE_EXT, COL_ADDRESS, COL_ROLE, COL_LANGUAGE,
	COL_CHANNEL, COL_VERIFIED, COL_UPDATED, NCOLUMNS
};

extern const char *const contact_columns[NCOLUMNS];

enum { VALUE_NONE, VALUE_VALID, VALUE_INVALID };

/* A string in the arena: offsets survive the arena moving. */
struct text {
	uint32_t	 off, len;
};

/*
 * Every string of a contact lies in one stretch of the arena, id first and
 * pass last, so a contact moves (to a run file, to the front of the batch)
 * as one block.
 */
struct contact {
	struct text	 id, customer, source, name, name_key, email, phone,
			 ext, address, role, language, channel, pass;
	uint64_t	 addr_hash;	/* folded address, 0 if none */
	uint64_t	 name_hash;	/* of name_key, 0 if none */
	uint64_t	 customer_key;	/* first 8 bytes of customer, big-endian */
	int32_t		 verified, updated;	/* NO_DATE if empty */
	uint8_t		 email_state, phone_state, email_role, name_words;
	uint8_t		 plain;		/* no text needs a TSV escape */
};

#define CONTACT_TEXTS	13	/* the struct text members, id to pass */

/* Link keys of one customer's rows, sorted so equal keys are neighbours. */
struct link {
	uint64_t	 hash;
	uint32_t	 rec;		/* index in the customer's rows */
	uint32_t	 kind;
};

/* The per-customer work areas, grown as needed and reused. */
struct work {
	uint32_t	*parent, *next;	/* union-find; circular member lists */
	uint8_t		*named;		/* cluster has a member with a name */
	struct link	*links;
	uint32_t	*roots, *groups;	/* clusters on one phone number */
	uint32_t	*byrank;	/* local indexes, freshest first */
	uint64_t	*order;		/* root << 32 | rank position */
	uint32_t	*members;	/* ranked local indexes, cluster by cluster */
	uint64_t	*clusters;	/* survivor << 32 | first member */
	const struct contact **sorted;	/* scratch for sorted lists */
	size_t		 size, links_size;
};

struct options {
	struct cli	 cli;
	const char	*region;
	long long	 stale_days;
	const char	*clusters_path;
	size_t		 run_bytes;	/* rows held before a run is spilled */
};

struct run;

struct state {
	struct options	*opt;
	struct rows	*rows;
	struct out	*out, *clusters;
	struct rejects	 rejects;
	struct strset	*seen_ids;
	int		 column_of[NCOLUMNS];
	int		*passthrough;
	size_t		 npassthrough, width;
	char		*scratch[NCOLUMNS];
	size_t		 scratch_size[NCOLUMNS];
	char		*escape_buf;	/* a CSV passthrough field, escaped */
	size_t		 escape_size;
	/* the batch */
	char		*arena;
	size_t		 arena_len, arena_size;
	struct contact	*contacts;
	size_t		 ncontacts, contacts_size;
	uint32_t	*recs;		/* batch indexes, customer-sorted */
	size_t		 recs_size;
	struct work	 w;
	/* the runs on disk */
	struct run	*runs;
	size_t		 nruns, runs_size;
	long long	 rows_in, rows_out, merged;
};

static inline const char *
T(const struct state *st, struct text t)
{
	return st->arena + t.off;
}

static inline int
text_eq(const struct state *st, struct text a, struct text b)
{
	return a.len == b.len && memcmp(T(st, a), T(st, b), a.len) == 0;
}

int	text_cmp(const struct state *, struct text, struct text);

/* contact.c: the batch, and a row made a contact in it */
int	contact_read(struct state *, const struct row *, char *reason);
uint64_t contact_key(const char *, size_t);
size_t	contact_bytes(const struct state *);
void	contact_keep_tail(struct state *, size_t first);
void	contact_clear(struct state *);
void	contact_reserve(struct state *, size_t text_len, size_t n);
struct text *contact_texts(struct contact *);

/* link.c */
void	link_customer(struct state *, const uint32_t *recs, size_t n);
uint32_t link_find(struct work *, uint32_t);
void	link_reserve(struct work *, size_t n);
void	link_free(struct work *);

/* survive.c: the batch's customers, linked, one row per person */
uint32_t *survive_order(struct state *, size_t first, size_t end);
void	survive_batch(struct state *, size_t first, size_t end);

/* spill.c */
void	spill_run(struct state *);
void	spill_finish(struct state *);

#endif
