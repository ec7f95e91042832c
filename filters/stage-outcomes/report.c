/*
 * The reports of stage-outcomes over the history read from the nights:
 * outcomes by stage and month of entry (stdout), hand-off delays
 * (--delays) and agency results (--agency).  Records are sorted by account
 * and night, so one pass over each account's events, payments and agency
 * rows gives its spells; the figures add up in cells keyed by stage, rule,
 * month and currency, sorted by their names at the end.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "ealloc.h"
#include "money.h"
#include "rules.h"
#include "outcomes.h"

#define NO_NAME	UINT32_MAX

/* The figures of one output row; v[] holds a report's columns. */
struct cell {
	uint32_t	 stage, rule;	/* name indexes, NO_NAME outside the key */
	int32_t		 month;
	char		 currency[4];
	int		 exponent;
	int		 has_median;
	int64_t		 median;
	int64_t		 v[16];
};

struct cells {
	struct so_map	*index;
	struct cell	*cell;
	size_t		 n;
	struct sample	*sample;	/* values whose median a cell reports */
	size_t		 nsamples;
};

struct sample {
	uint32_t	 cell;
	int32_t		 value;
};

/* Outcomes columns in v[] */
enum { O_ENTERED, O_ENTERED_BALANCE, O_RECOVERED_30, O_RECOVERED_60,
	O_RECOVERED_90, O_RECOVERED_BALANCE, O_MOVED_ON_UNPAID, O_STILL_IN };
/* Delays */
enum { D_CHANGES, D_MAX_DELAY, D_LATE, D_LATE_BALANCE };
/* Agency: placed .. recalled_other follow the reasons' order */
enum { A_PLACED, A_PLACED_BALANCE, A_UPDATED, A_RECALLED, A_RECALLED_BALANCE,
	A_RECALLED_REASON, A_PAID_WHILE_PLACED = A_RECALLED_REASON + SO_REASONS,
	A_PAID_WHILE_PLACED_BALANCE };

static const int recovery_days[] = { 30, 60, 90 };

/* ---- small things the reports share ---- */

int
so_month(int32_t day)
{
	int year, month, mday;

	date_to_ymd(day, &year, &month, &mday);
	return year * 12 + month - 1;
}

int32_t
so_month_last_day(int month)
{
	return date_from_ymd((month + 1) / 12, (month + 1) % 12 + 1, 1) - 1;
}

void
so_out_month(struct out *o, int month)
{
	char text[DATE_TEXT_MAX];

	date_format(text, date_from_ymd(month / 12, month % 12 + 1, 1));
	out_bytes(o, text, 7);
}

void
so_out_share(struct out *o, int64_t part, int64_t whole)
{
	int64_t tenths = (part * 2000 + whole) / (whole * 2);

	out_i64(o, tenths / 10);
	out_char(o, '.');
	out_char(o, (char)('0' + tenths % 10));
}

void
so_add(int64_t *sum, int64_t value, const char *what)
{
	if (money_add(sum, value) < 0)
		errx(EX_DATAERR, "%s: sum out of range", what);
}

/* ---- cells ---- */

static void
cells_init(struct cells *c)
{
	memset(c, 0, sizeof(*c));
	c->index = so_map_new();
}

static void
cells_free(struct cells *c)
{
	so_map_free(c->index);
	free(c->cell);
	free(c->sample);
}

static struct cell *
cell_for(struct cells *c, uint32_t stage, uint32_t rule, int32_t month,
    const struct so_account *a)
{
	struct { uint32_t stage, rule; int32_t month; char currency[4]; } key;
	uint32_t i;
	int added;

	key.stage = stage;
	key.rule = rule;
	key.month = month;
	memcpy(key.currency, a->currency, 4);
	i = so_map_put(c->index, &key, sizeof(key), (uint32_t)c->n, &added);
	if (added) {
		if ((c->n & (c->n - 1)) == 0)
			c->cell = ereallocarray(c->cell, c->n ? c->n * 2 : 16,
			    sizeof(*c->cell));
		memset(&c->cell[i], 0, sizeof(c->cell[i]));
		c->cell[i].stage = stage;
		c->cell[i].rule = rule;
		c->cell[i].month = month;
		memcpy(c->cell[i].currency, a->currency, 4);
		c->cell[i].exponent = a->exponent;
		c->n++;
	}
	return &c->cell[i];
}

static void
add_sample(struct cells *c, const struct cell *cell, int64_t value)
{
	if ((c->nsamples & (c->nsamples - 1)) == 0)
		c->sample = ereallocarray(c->sample, c->nsamples ?
		    c->nsamples * 2 : 64, sizeof(*c->sample));
	c->sample[c->nsamples].cell = (uint32_t)(cell - c->cell);
	c->sample[c->nsamples++].value = (int32_t)value;
}

static int
by_cell_value(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->cell != y->cell)
		return x->cell < y->cell ? -1 : 1;
	return (x->value > y->value) - (x->value < y->value);
}

/* Each cell's median sample; the lower one of an even count. */
static void
set_medians(struct cells *c)
{
	size_t i, j;

	so_sort(c->sample, c->nsamples, sizeof(*c->sample), by_cell_value);
	for (i = 0; i < c->nsamples; i = j) {
		for (j = i; j < c->nsamples && c->sample[j].cell == c->sample[i].cell;
		    j++)
			;
		c->cell[c->sample[i].cell].has_median = 1;
		c->cell[c->sample[i].cell].median = c->sample[i + (j - i - 1) / 2].value;
	}
}

/* Each name's place in byte order, so cells sort by name. */
static uint32_t *name_rank;

struct ranked {
	const char	*name;
	uint32_t	 index;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct ranked *)a)->name,
	    ((const struct ranked *)b)->name);
}

static void
rank_names(const struct so_history *h)
{
	struct ranked *r = ereallocarray(NULL, h->nnames + 1, sizeof(*r));
	size_t i;

	for (i = 0; i < h->nnames; i++) {
		r[i].name = h->name[i];
		r[i].index = (uint32_t)i;
	}
	so_sort(r, h->nnames, sizeof(*r), by_name);
	name_rank = ereallocarray(NULL, h->nnames + 1, sizeof(*name_rank));
	for (i = 0; i < h->nnames; i++)
		name_rank[r[i].index] = (uint32_t)i;
	free(r);
}

static int
by_key(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	if (x->stage != y->stage)
		return name_rank[x->stage] < name_rank[y->stage] ? -1 : 1;
	if (x->rule != y->rule)
		return name_rank[x->rule] < name_rank[y->rule] ? -1 : 1;
	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	return memcmp(x->currency, y->currency, 4);
}

static void
cells_sort(struct cells *c, const struct so_history *h)
{
	set_medians(c);
	rank_names(h);
	so_sort(c->cell, c->n, sizeof(*c->cell), by_key);
	free(name_rank);
	name_rank = NULL;
}

static void
out_key(struct out *o, const struct so_history *h, const struct cell *c)
{
	if (c->stage != NO_NAME) {
		out_str(o, so_name(h, c->stage));
		out_tab(o);
	}
	if (c->rule != NO_NAME) {
		out_str(o, so_name(h, c->rule));
		out_tab(o);
	}
	so_out_month(o, c->month);
	out_tab(o);
	out_str(o, c->currency);
}

static void
out_median(struct out *o, const struct cell *c)
{
	out_tab(o);
	if (c->has_median)
		out_i64(o, c->median);
}

/* ---- records in account order ---- */

#define BY_ACCOUNT_DAY(name, type)					\
static int								\
name(const void *a, const void *b)					\
{									\
	const type *x = a, *y = b;					\
									\
	if (x->account != y->account)					\
		return x->account < y->account ? -1 : 1;		\
	if (x->day != y->day)						\
		return x->day < y->day ? -1 : 1;			\
	return (x->seq > y->seq) - (x->seq < y->seq);			\
}
BY_ACCOUNT_DAY(event_order, struct so_event)
BY_ACCOUNT_DAY(payment_order, struct so_payment)
BY_ACCOUNT_DAY(agency_order, struct so_agency)

void
so_sort_history(struct so_history *h)
{
	so_sort(h->event, h->nevents, sizeof(*h->event), event_order);
	so_sort(h->payment, h->npayments, sizeof(*h->payment), payment_order);
	so_sort(h->agency, h->nagency, sizeof(*h->agency), agency_order);
}

/*
 * The end of the run of one account's records that starts at i.  Records
 * of every kind (so_event, so_payment, so_agency) begin with the account.
 */
static size_t
account_run(const void *records, size_t n, size_t size, size_t i)
{
	const char *base = records;
	uint32_t first, account;
	size_t j;

	memcpy(&first, base + i * size, sizeof(first));
	for (j = i + 1; j < n; j++) {
		memcpy(&account, base + j * size, sizeof(account));
		if (account != first)
			break;
	}
	return j;
}

/* A scratch array of at least n elements, grown as accounts need. */
static void *
scratch_for(void *array, size_t *room, size_t n, size_t size)
{
	if (n <= *room)
		return array;
	*room = n;
	return ereallocarray(array, n, size);
}

/* One account's payments: [*first, end) of h->payment. */
struct paid {
	const struct so_payment	*p;
	size_t			 n;
};

static struct paid
payments_of(const struct so_history *h, uint32_t account, size_t *cursor)
{
	struct paid paid;

	while (*cursor < h->npayments && h->payment[*cursor].account < account)
		(*cursor)++;
	paid.p = h->payment + *cursor;
	paid.n = 0;
	if (*cursor < h->npayments && paid.p->account == account)
		paid.n = account_run(h->payment, h->npayments, sizeof(*h->payment),
		    *cursor) - *cursor;
	return paid;
}

/* Money applied on nights in (after, upto]; 1 when any came in. */
static int
paid_between(struct paid paid, int32_t after, int32_t upto, int64_t *sum)
{
	size_t i;
	int any = 0;

	*sum = 0;
	for (i = 0; i < paid.n; i++)
		if (paid.p[i].day > after && paid.p[i].day <= upto &&
		    paid.p[i].amount > 0) {
			so_add(sum, paid.p[i].amount, "applied");
			any = 1;
		}
	return any;
}

/* ---- outcomes ---- */

static int
is_stage(const struct so_history *h, uint32_t name, const char *stage)
{
	return strcmp(so_name(h, name), stage) == 0;
}

/* The spell that begins at events[i], which is not the last one. */
static void
spell(const struct so_history *h, struct cells *c, const struct so_event *ev,
    size_t i, size_t n, long next_current, struct paid paid, int32_t as_of)
{
	const struct so_account *a = &h->account[ev[i].account];
	struct cell *cell = cell_for(c, ev[i].stage, NO_NAME, so_month(ev[i].day), a);
	int32_t d = ev[i].day, e = i + 1 < n ? ev[i + 1].day : as_of;
	int64_t sum;
	int paid_in, k;

	cell->v[O_ENTERED]++;
	so_add(&cell->v[O_ENTERED_BALANCE], ev[i].balance, "entered_balance");
	paid_in = paid_between(paid, d, e, &sum);
	so_add(&cell->v[O_RECOVERED_BALANCE], sum, "recovered_balance");
	if (i + 1 == n)
		cell->v[O_STILL_IN]++;
	else {
		add_sample(c, cell, e - d);
		if (!paid_in && !is_stage(h, ev[i + 1].stage, "current"))
			cell->v[O_MOVED_ON_UNPAID]++;
	}
	if (next_current < 0 || !paid_between(paid, d, ev[next_current].day, &sum))
		return;
	for (k = 0; k < 3; k++)
		if (ev[next_current].day - d <= recovery_days[k])
			cell->v[O_RECOVERED_30 + k]++;
}

/* The spells of one account's events ev[0..n). */
static long
account_spells(const struct so_history *h, struct cells *c,
    const struct so_event *ev, size_t n, struct paid paid, int32_t as_of,
    long *next_current)
{
	long nc = -1, spells = 0;
	size_t i;

	for (i = n; i-- > 0;) {
		next_current[i] = nc;
		if (is_stage(h, ev[i].stage, "current"))
			nc = (long)i;
	}
	for (i = 0; i < n; i++) {
		if (is_stage(h, ev[i].stage, "current") ||
		    is_stage(h, ev[i].stage, ""))
			continue;
		spell(h, c, ev, i, n, next_current[i], paid, as_of);
		spells++;
	}
	return spells;
}

static void
write_outcomes(struct out *o, const struct so_history *h, struct cells *c,
    int32_t as_of)
{
	static const char header[] = "stage\tmonth\tcurrency\tentered\t"
	    "entered_balance\trecovered_30\trecovered_60\trecovered_90\t"
	    "share_30\tshare_60\tshare_90\trecovered_balance\tmedian_days\t"
	    "moved_on_unpaid\tstill_in\n";
	size_t i;
	int k;

	out_bytes(o, header, sizeof(header) - 1);
	for (i = 0; i < c->n; i++) {
		const struct cell *cell = &c->cell[i];
		int32_t age = as_of - so_month_last_day(cell->month);

		out_key(o, h, cell);
		out_tab(o);
		out_i64(o, cell->v[O_ENTERED]);
		out_tab(o);
		out_money(o, cell->v[O_ENTERED_BALANCE], cell->exponent);
		for (k = 0; k < 3; k++) {
			out_tab(o);
			out_i64(o, cell->v[O_RECOVERED_30 + k]);
		}
		for (k = 0; k < 3; k++) {
			out_tab(o);
			if (age >= recovery_days[k])
				so_out_share(o, cell->v[O_RECOVERED_30 + k],
				    cell->v[O_ENTERED]);
		}
		out_tab(o);
		out_money(o, cell->v[O_RECOVERED_BALANCE], cell->exponent);
		out_median(o, cell);
		out_tab(o);
		out_i64(o, cell->v[O_MOVED_ON_UNPAID]);
		out_tab(o);
		out_i64(o, cell->v[O_STILL_IN]);
		out_nl(o);
	}
}

long
so_outcomes(struct out *o, const struct so_history *h, int32_t as_of)
{
	struct cells c;
	long *next_current = NULL, spells = 0;
	size_t i, j, cursor = 0, longest = 0;

	cells_init(&c);
	for (i = 0; i < h->nevents; i = j) {
		j = account_run(h->event, h->nevents, sizeof(*h->event), i);
		next_current = scratch_for(next_current, &longest, j - i,
		    sizeof(*next_current));
		spells += account_spells(h, &c, h->event + i, j - i,
		    payments_of(h, h->event[i].account, &cursor), as_of,
		    next_current);
	}
	cells_sort(&c, h);
	write_outcomes(o, h, &c, as_of);
	free(next_current);
	cells_free(&c);
	return spells;
}

/* ---- delays ---- */

/* Per name: 0 not looked up, 1 a rule with a bound on max_dpd, 2 none. */
struct bounds {
	unsigned char	*state;
	int64_t		*bound;
};

static int
rule_bound(const struct rules *rs, const struct so_history *h,
    struct bounds *b, uint32_t rule, int64_t *bound)
{
	if (b->state[rule] == 0)
		b->state[rule] = rules_lower_bound(rs, so_name(h, rule),
		    RULES_MAX_DPD, &b->bound[rule]) ? 1 : 2;
	*bound = b->bound[rule];
	return b->state[rule] == 1;
}

static void
write_delays(struct out *o, const struct so_history *h, struct cells *c)
{
	static const char header[] = "stage\trule\tmonth\tcurrency\tchanges\t"
	    "median_delay\tmax_delay\tlate\tlate_balance\n";
	size_t i;

	out_bytes(o, header, sizeof(header) - 1);
	for (i = 0; i < c->n; i++) {
		const struct cell *cell = &c->cell[i];

		out_key(o, h, cell);
		out_tab(o);
		out_i64(o, cell->v[D_CHANGES]);
		out_median(o, cell);
		out_tab(o);
		out_i64(o, cell->v[D_MAX_DELAY]);
		out_tab(o);
		out_i64(o, cell->v[D_LATE]);
		out_tab(o);
		out_money(o, cell->v[D_LATE_BALANCE], cell->exponent);
		out_nl(o);
	}
}

void
so_delays(struct out *o, const struct so_history *h, const struct rules *rs,
    struct so_delay_counts *counts)
{
	struct bounds b;
	struct cells c;
	struct cell *cell;
	size_t i;
	int64_t bound, delay;

	b.state = ecalloc(h->nnames + 1, 1);
	b.bound = ecalloc(h->nnames + 1, sizeof(*b.bound));
	cells_init(&c);
	for (i = 0; i < h->nevents; i++) {
		const struct so_event *e = &h->event[i];

		if (!rule_bound(rs, h, &b, e->rule, &bound)) {
			counts->no_bound++;
			continue;
		}
		if (e->max_dpd == SO_NO_DPD) {
			counts->no_max_dpd++;
			continue;
		}
		delay = e->max_dpd - bound;
		cell = cell_for(&c, e->stage, e->rule, so_month(e->day),
		    &h->account[e->account]);
		if (cell->v[D_CHANGES]++ == 0 || delay > cell->v[D_MAX_DELAY])
			cell->v[D_MAX_DELAY] = delay;
		add_sample(&c, cell, delay);
		if (delay > 0) {
			cell->v[D_LATE]++;
			so_add(&cell->v[D_LATE_BALANCE], e->balance, "late_balance");
		}
		counts->timed++;
	}
	cells_sort(&c, h);
	write_delays(o, h, &c);
	cells_free(&c);
	free(b.state);
	free(b.bound);
}

/* ---- agency ---- */

/* The nights an account was placed: (from, to]. */
struct window {
	int32_t	 from, to;
};

static size_t
placed_windows(const struct so_agency *ag, size_t n, int32_t as_of,
    struct window *w)
{
	int32_t placed = 0;
	int is_placed = 0;
	size_t i, nw = 0;

	for (i = 0; i < n; i++) {
		if (ag[i].action == SO_PLACED && !is_placed) {
			placed = ag[i].day;
			is_placed = 1;
		} else if (ag[i].action == SO_RECALLED && is_placed) {
			w[nw].from = placed;
			w[nw++].to = ag[i].day;
			is_placed = 0;
		}
	}
	if (is_placed) {
		w[nw].from = placed;
		w[nw++].to = as_of;
	}
	return nw;
}

static void
count_actions(const struct so_history *h, struct cells *c,
    const struct so_agency *ag, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct cell *cell = cell_for(c, NO_NAME, NO_NAME,
		    so_month(ag[i].day), &h->account[ag[i].account]);

		switch (ag[i].action) {
		case SO_PLACED:
			cell->v[A_PLACED]++;
			so_add(&cell->v[A_PLACED_BALANCE], ag[i].balance,
			    "placed_balance");
			break;
		case SO_UPDATED:
			cell->v[A_UPDATED]++;
			break;
		case SO_RECALLED:
			cell->v[A_RECALLED]++;
			cell->v[A_RECALLED_REASON + ag[i].reason]++;
			so_add(&cell->v[A_RECALLED_BALANCE], ag[i].balance,
			    "recalled_balance");
			break;
		}
	}
}

/* Money the account paid while placed, by month of the payment night. */
static void
count_paid_while_placed(const struct so_history *h, struct cells *c,
    const struct window *w, size_t nw, struct paid paid)
{
	size_t i, k;
	int last_month = -1;

	for (i = 0; i < paid.n; i++) {
		const struct so_payment *p = &paid.p[i];
		struct cell *cell;

		for (k = 0; k < nw && !(p->day > w[k].from && p->day <= w[k].to);
		    k++)
			;
		if (k == nw || p->amount <= 0)
			continue;
		cell = cell_for(c, NO_NAME, NO_NAME, so_month(p->day),
		    &h->account[p->account]);
		if (so_month(p->day) != last_month)
			cell->v[A_PAID_WHILE_PLACED]++;
		last_month = so_month(p->day);
		so_add(&cell->v[A_PAID_WHILE_PLACED_BALANCE], p->amount,
		    "paid_while_placed_balance");
	}
}

static void
write_agency(struct out *o, const struct so_history *h, struct cells *c)
{
	static const char header[] = "month\tcurrency\tplaced\tplaced_balance\t"
	    "updated\trecalled\trecalled_balance\trecalled_paid\t"
	    "recalled_disputed\trecalled_legal\trecalled_payment_pending\t"
	    "recalled_promise\trecalled_other\tpaid_while_placed\t"
	    "paid_while_placed_balance\n";
	static const int money[] = { [A_PLACED_BALANCE] = 1,
	    [A_RECALLED_BALANCE] = 1, [A_PAID_WHILE_PLACED_BALANCE] = 1 };
	size_t i;
	int k;

	out_bytes(o, header, sizeof(header) - 1);
	for (i = 0; i < c->n; i++) {
		const struct cell *cell = &c->cell[i];

		out_key(o, h, cell);
		for (k = 0; k <= A_PAID_WHILE_PLACED_BALANCE; k++) {
			out_tab(o);
			if (money[k])
				out_money(o, cell->v[k], cell->exponent);
			else
				out_i64(o, cell->v[k]);
		}
		out_nl(o);
	}
}

void
so_agency(struct out *o, const struct so_history *h, int32_t as_of)
{
	struct window *w = NULL;
	struct cells c;
	size_t i, j, cursor = 0, longest = 0;

	cells_init(&c);
	for (i = 0; i < h->nagency; i = j) {
		j = account_run(h->agency, h->nagency, sizeof(*h->agency), i);
		w = scratch_for(w, &longest, j - i + 1, sizeof(*w));
		count_actions(h, &c, h->agency + i, j - i);
		count_paid_while_placed(h, &c, w, placed_windows(h->agency + i,
		    j - i, as_of, w), payments_of(h, h->agency[i].account, &cursor));
	}
	cells_sort(&c, h);
	write_agency(o, h, &c);
	free(w);
	cells_free(&c);
}
