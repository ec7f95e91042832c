/*
 * Month-end roll rates (--rolls): where the accounts open at one month's
 * end stand at the next one's, by aging bucket of max_dpd.  A month's
 * snapshot is the staged.tsv of its latest night.  Each snapshot is read
 * once, streamed: its open accounts go into a map (the next pair's
 * "from"), and each of its rows looks up the previous month's map to
 * count the move.  So at most two months of open accounts are held.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "currency.h"
#include "ealloc.h"
#include "money.h"
#include "outcomes.h"

enum { B_CURRENT, B_1_30, B_31_60, B_61_90, B_91_120, B_120_PLUS, B_CLOSED,
	NBUCKETS };

static const char *const bucket_name[NBUCKETS] = { "current", "1_30",
	"31_60", "61_90", "91_120", "120_plus", "closed" };

struct snap_row {
	int64_t		 balance;
	char		 currency[4];
	signed char	 exponent;
	signed char	 bucket;
	char		 matched;
};

struct snapshot {
	struct so_map	*index;		/* "customer_id\tcurrency" to row */
	struct snap_row	*row;
	size_t		 n, size;
	int		 month;
};

/* One currency's cells of one pair of months. */
struct roll_cells {
	char		 currency[4];
	int		 exponent;
	long		 accounts[NBUCKETS][NBUCKETS];
	int64_t		 balance[NBUCKETS][NBUCKETS];
};

struct rolls {
	struct roll_cells *cur;
	size_t		 ncur;
};

static int
bucket_of(int32_t max_dpd)
{
	if (max_dpd == SO_NO_DPD || max_dpd <= 0)
		return B_CURRENT;
	if (max_dpd <= 120)
		return B_1_30 + (max_dpd - 1) / 30;
	return B_120_PLUS;
}

static struct roll_cells *
cells_for(struct rolls *t, const char *currency, int exponent)
{
	size_t i;

	for (i = 0; i < t->ncur; i++)
		if (memcmp(t->cur[i].currency, currency, 4) == 0)
			return &t->cur[i];
	t->cur = ereallocarray(t->cur, t->ncur + 1, sizeof(*t->cur));
	memset(&t->cur[t->ncur], 0, sizeof(*t->cur));
	memcpy(t->cur[t->ncur].currency, currency, 4);
	t->cur[t->ncur].exponent = exponent;
	return &t->cur[t->ncur++];
}

static void
count_move(struct rolls *t, struct snap_row *from, int to)
{
	struct roll_cells *c = cells_for(t, from->currency, from->exponent);

	from->matched = 1;
	c->accounts[from->bucket][to]++;
	so_add(&c->balance[from->bucket][to], from->balance, "rolls balance");
}

static void
keep_row(struct so_reader *r, struct snapshot *s, const char *key, size_t len,
    const struct currency *cur, int64_t open, int32_t max_dpd)
{
	struct snap_row *row;
	int added;

	so_map_put(s->index, key, len, (uint32_t)s->n, &added);
	if (!added) {
		so_reject(r, "customer_id: repeated \"%.*s\"", (int)(len - 4), key);
		return;
	}
	if (s->n == s->size) {
		s->size = s->size ? s->size * 2 : 1024;
		s->row = ereallocarray(s->row, s->size, sizeof(*s->row));
	}
	row = &s->row[s->n++];
	row->balance = open;
	memcpy(row->currency, cur->code, 4);
	row->exponent = (signed char)cur->exponent;
	row->bucket = (signed char)bucket_of(max_dpd);
	row->matched = 0;
}

struct snap_columns {
	int	 customer_id, currency, open_balance, max_dpd;
};

/*
 * One row of the snapshot: kept when open, and counted against from (the
 * previous month-end) when there is one.  Returns -1 on a rejected row.
 */
static int
snapshot_row(struct so_reader *r, const struct snap_columns *c,
    struct snapshot *s, struct snapshot *from, struct rolls *t)
{
	const struct currency *cur;
	struct field id = so_value(r, c->customer_id, 0);
	char key[1024];
	int64_t open;
	int32_t max_dpd;
	long prev;

	if (id.len == 0 || id.len + 4 > sizeof(key)) {
		so_reject(r, "customer_id: %s", id.len ? "too long" : "empty");
		return -1;
	}
	if (so_read_currency(r, c->currency, &cur) < 0 ||
	    so_read_money(r, c->open_balance, "open_balance", cur->exponent,
	    &open) < 0 || so_read_days(r, c->max_dpd, "max_dpd", &max_dpd) < 0)
		return -1;
	memcpy(key, id.s, id.len);
	key[id.len] = '\t';
	memcpy(key + id.len + 1, cur->code, 3);
	if (open > 0)
		keep_row(r, s, key, id.len + 4, cur, open, max_dpd);
	if (from && (prev = so_map_find(from->index, key, id.len + 4)) >= 0 &&
	    !from->row[prev].matched)
		count_move(t, &from->row[prev], open > 0 ? bucket_of(max_dpd) :
		    B_CLOSED);
	return 0;
}

static long
read_snapshot(const struct so_night *night, struct snapshot *s,
    struct snapshot *from, struct rolls *t, struct rejects *rj)
{
	struct so_reader r;
	struct snap_columns c;
	char path[4096];
	long rows = 0;

	so_night_file(path, sizeof(path), night->dir, "staged.tsv");
	so_reader_open(&r, path, rj);
	c.customer_id = so_column(&r, "customer_id");
	c.currency = so_column(&r, "currency");
	c.open_balance = so_column(&r, "open_balance");
	c.max_dpd = so_column(&r, "max_dpd");
	while (so_reader_next(&r))
		if (snapshot_row(&r, &c, s, from, t) == 0)
			rows++;
	so_reader_close(&r);
	return rows;
}

static int
by_currency(const void *a, const void *b)
{
	return memcmp(((const struct roll_cells *)a)->currency,
	    ((const struct roll_cells *)b)->currency, 4);
}

static void
write_pair(struct out *o, int from_month, struct rolls *t)
{
	size_t i;
	int f, to;

	so_sort(t->cur, t->ncur, sizeof(*t->cur), by_currency);
	for (i = 0; i < t->ncur; i++) {
		const struct roll_cells *c = &t->cur[i];

		for (f = 0; f < NBUCKETS; f++) {
			long from_total = 0;

			for (to = 0; to < NBUCKETS; to++)
				from_total += c->accounts[f][to];
			for (to = 0; to < NBUCKETS; to++) {
				if (c->accounts[f][to] == 0)
					continue;
				so_out_month(o, from_month);
				out_tab(o);
				so_out_month(o, from_month + 1);
				out_tab(o);
				out_str(o, c->currency);
				out_tab(o);
				out_str(o, bucket_name[f]);
				out_tab(o);
				out_str(o, bucket_name[to]);
				out_tab(o);
				out_i64(o, c->accounts[f][to]);
				out_tab(o);
				out_money(o, c->balance[f][to], c->exponent);
				out_tab(o);
				so_out_share(o, c->accounts[f][to], from_total);
				out_nl(o);
			}
		}
	}
	t->ncur = 0;
}

/* The open accounts of from that are not in the next snapshot: closed. */
static void
close_unmatched(struct snapshot *from, struct rolls *t)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		if (!from->row[i].matched)
			count_move(t, &from->row[i], B_CLOSED);
}

static void
snapshot_free(struct snapshot *s)
{
	so_map_free(s->index);
	free(s->row);
	memset(s, 0, sizeof(*s));
}

/*
 * Night i has the month's snapshot: the latest night of it that has one,
 * in a month over by the as-of date (a month in progress has no end yet).
 */
static int
month_end(const struct so_night *nights, size_t n, size_t i, int32_t as_of)
{
	size_t j;

	if (!nights[i].has_staged ||
	    so_month_last_day(so_month(nights[i].day)) > as_of)
		return 0;
	for (j = i + 1; j < n && so_month(nights[j].day) == so_month(nights[i].day);
	    j++)
		if (nights[j].has_staged)
			return 0;
	return 1;
}

long
so_rolls(struct out *o, const struct so_night *nights, size_t n,
    int32_t as_of, struct rejects *rj, long *accounts)
{
	static const char header[] = "from_month\tto_month\tcurrency\t"
	    "from_bucket\tto_bucket\taccounts\tbalance\tshare\n";
	struct snapshot from, to;
	struct rolls t = { NULL, 0 };
	size_t i;
	long pairs = 0;
	int pair;

	out_bytes(o, header, sizeof(header) - 1);
	memset(&from, 0, sizeof(from));
	for (i = 0; i < n; i++) {
		if (!month_end(nights, n, i, as_of))
			continue;
		memset(&to, 0, sizeof(to));
		to.index = so_map_new();
		to.month = so_month(nights[i].day);
		pair = from.index != NULL && from.month + 1 == to.month;
		*accounts += read_snapshot(&nights[i], &to, pair ? &from : NULL,
		    &t, rj);
		if (pair) {
			close_unmatched(&from, &t);
			write_pair(o, from.month, &t);
			pairs++;
		}
		snapshot_free(&from);
		from = to;
	}
	snapshot_free(&from);
	free(t.cur);
	return pairs;
}
