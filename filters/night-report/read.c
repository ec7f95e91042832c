/*
 * night-report's readers.  Tonight's staged.tsv gives the headline, the
 * buckets and the funnel; events.tsv the movements; agency.tsv and
 * payments.tsv (optional) what was placed, recalled and paid; each trend
 * night's summary.tsv (optional) the trend.  Every file is read by column
 * name, so columns added later do not matter.  A bad row is rejected with
 * file, line and column; the caller turns the count into the exit status.
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "currency.h"
#include "ealloc.h"
#include "money.h"

#include "night-report.h"

const char *const nr_bucket_names[NR_BUCKETS] = {
	"current", "1-30", "31-60", "61-90", "91-120", "120+"
};
const char *const nr_bucket_columns[NR_BUCKETS] = {
	"bal_current", "bal_1_30", "bal_31_60", "bal_61_90", "bal_91_120",
	"bal_120_plus"
};

/* The stages in the order the report shows them: the ladder, then beside. */
static const char *const stage_order[] = {
	"current", "support", "billing", "finance_review", "collections",
	"payment_pending", "promise", "dispute", "legal"
};

const char *
nr_intern(struct nr_report *r, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < r->nstrings; i++)
		if (strlen(r->strings[i]) == len &&
		    memcmp(r->strings[i], s, len) == 0)
			return r->strings[i];
	r->strings = ereallocarray(r->strings, r->nstrings + 1, sizeof(char *));
	return r->strings[r->nstrings++] = estrndup(s, len);
}

/* Tonight's figures of a currency, added in code order when new. */
struct nr_currency *
nr_currency(struct nr_report *r, const char *code)
{
	const struct currency *c;
	size_t i;
	int cmp = 1;

	for (i = 0; i < r->ncurrencies; i++)
		if ((cmp = strcmp(r->currencies[i].code, code)) >= 0)
			break;
	if (cmp == 0)
		return &r->currencies[i];
	c = currency_find(code, 3);
	r->currencies = ereallocarray(r->currencies, r->ncurrencies + 1,
	    sizeof(*r->currencies));
	memmove(&r->currencies[i + 1], &r->currencies[i],
	    (r->ncurrencies - i) * sizeof(*r->currencies));
	r->ncurrencies++;
	memset(&r->currencies[i], 0, sizeof(r->currencies[i]));
	memcpy(r->currencies[i].code, c->code, 4);
	r->currencies[i].exponent = c->exponent;
	return &r->currencies[i];
}

int
nr_exponent(const struct nr_report *r, const char *code)
{
	size_t i;

	for (i = 0; i < r->ncurrencies; i++)
		if (strcmp(r->currencies[i].code, code) == 0)
			return r->currencies[i].exponent;
	return currency_find(code, 3)->exponent;
}

int
nr_stage_rank(const char *stage)
{
	size_t i;

	for (i = 0; i < sizeof(stage_order) / sizeof(stage_order[0]); i++)
		if (strcmp(stage, stage_order[i]) == 0)
			return (int)i;
	return (int)i;	/* an unknown stage: after the known, by name */
}

int
nr_stage_cmp(const char *a, const char *b)
{
	int ra = nr_stage_rank(a), rb = nr_stage_rank(b);

	return ra != rb ? ra - rb : strcmp(a, b);
}

/* A total of tonight's money; beyond int64 is bad data, not a wrap. */
static void
add(int64_t *sum, int64_t value, const char *what, const char *currency)
{
	if (money_add(sum, value) < 0)
		errx(EX_DATAERR, "%s: the %s total overflows", what, currency);
}

static char *
night_file(const struct nr_night *n, const char *name)
{
	size_t len = strlen(n->dir) + strlen(name) + 2;
	char *path = emalloc(len);

	snprintf(path, len, "%s/%s", n->dir, name);
	return path;
}

static struct nr_cell *
find_cell(struct nr_report *r, const char *stage, const char *code)
{
	size_t i;

	for (i = 0; i < r->ncells; i++)
		if (r->cells[i].stage == stage &&
		    strcmp(r->cells[i].currency, code) == 0)
			return &r->cells[i];
	r->cells = ereallocarray(r->cells, r->ncells + 1, sizeof(*r->cells));
	memset(&r->cells[r->ncells], 0, sizeof(*r->cells));
	r->cells[r->ncells].stage = stage;
	memcpy(r->cells[r->ncells].currency, code, 4);
	return &r->cells[r->ncells++];
}

/* Shown events: by currency, the biggest balance first, then id. */
static int
event_before(const struct nr_event *a, const struct nr_event *b)
{
	int cmp = strcmp(a->currency, b->currency);

	if (cmp != 0)
		return cmp < 0;
	if (a->balance != b->balance)
		return a->balance > b->balance;
	return strcmp(a->customer_id, b->customer_id) < 0;
}

/*
 * Keep the first NR_MOVED_SHOWN events in that order: memory bounded, and
 * an event's id (in the reader's buffer) is copied only when it is kept.
 */
static void
keep_event(struct nr_report *r, struct nr_event *e)
{
	size_t i;

	if (r->nevents == NR_MOVED_SHOWN) {
		if (!event_before(e, &r->events[NR_MOVED_SHOWN - 1]))
			return;
		free(r->events[--r->nevents].customer_id);
	}
	for (i = r->nevents; i > 0 && event_before(e, &r->events[i - 1]); i--)
		r->events[i] = r->events[i - 1];
	r->events[i] = *e;
	r->events[i].customer_id = estrdup(e->customer_id);
	r->nevents++;
}

static void
count_move(struct nr_report *r, const struct nr_event *e)
{
	struct nr_move *m;
	size_t i;

	nr_currency(r, e->currency)->moved++;
	for (i = 0; i < r->nmoves; i++) {
		m = &r->moves[i];
		if (m->from == e->from && m->to == e->to &&
		    strcmp(m->currency, e->currency) == 0)
			break;
	}
	if (i == r->nmoves) {
		r->moves = ereallocarray(r->moves, r->nmoves + 1, sizeof(*m));
		m = &r->moves[r->nmoves++];
		memset(m, 0, sizeof(*m));
		m->from = e->from;
		m->to = e->to;
		memcpy(m->currency, e->currency, 4);
	}
	m = &r->moves[i];
	m->accounts++;
	add(&m->balance, e->balance, "events.tsv", e->currency);
}

static void
read_events(struct nr_report *r)
{
	char *path = night_file(&r->tonight, "events.tsv");
	struct nr_reader *rd = nr_open(path, r->rj);
	int c_id = nr_column(rd, "customer_id", 1);
	int c_cur = nr_column(rd, "currency", 1);
	int c_from = nr_column(rd, "from_stage", 1);
	int c_to = nr_column(rd, "to_stage", 1);
	int c_rule = nr_column(rd, "rule", 0);
	int c_bal = nr_column(rd, "open_balance", 1);
	struct nr_event e;
	const char *s;
	char *id = NULL;
	size_t len, id_size = 0;
	int exponent;

	r->events = ecalloc(NR_MOVED_SHOWN, sizeof(*r->events));
	while (nr_next(rd)) {
		memset(&e, 0, sizeof(e));
		if (nr_read_currency(rd, c_cur, e.currency, &exponent) < 0 ||
		    nr_read_money(rd, c_bal, "open_balance", exponent,
		    &e.balance) < 0)
			continue;
		s = nr_value(rd, c_from, &len);
		e.from = nr_intern(r, s, len);
		s = nr_value(rd, c_to, &len);
		e.to = nr_intern(r, s, len);
		s = nr_value(rd, c_rule, &len);
		e.rule = nr_intern(r, s, len);
		s = nr_value(rd, c_id, &len);
		if (len + 1 > id_size)	/* grows to the longest id, once */
			id = ereallocarray(id, id_size = len + 64, 1);
		memcpy(id, s, len);
		id[len] = '\0';
		e.customer_id = id;
		e.max_dpd = LONG_MIN;
		count_move(r, &e);
		keep_event(r, &e);
	}
	nr_close(rd);
	free(id);
	free(path);
}

/* The shown event of (customer_id, currency), or NULL. */
static struct nr_event *
shown_event(struct nr_report *r, const char *id, size_t len, const char *code)
{
	size_t i;

	for (i = 0; i < r->nevents; i++)
		if (strlen(r->events[i].customer_id) == len &&
		    memcmp(r->events[i].customer_id, id, len) == 0 &&
		    strcmp(r->events[i].currency, code) == 0)
			return &r->events[i];
	return NULL;
}

struct staged_columns {
	int	id, name, cur, stage, open, dpd, bucket[NR_BUCKETS];
};

static void
staged_row(struct nr_report *r, struct nr_reader *rd,
    const struct staged_columns *c)
{
	struct nr_currency *cur;
	struct nr_cell *cell;
	struct nr_event *e;
	int64_t open, bucket[NR_BUCKETS];
	char code[4];
	const char *s;
	size_t len;
	int exponent, i;
	long dpd = LONG_MIN;

	if (nr_read_currency(rd, c->cur, code, &exponent) < 0 ||
	    nr_read_money(rd, c->open, "open_balance", exponent, &open) < 0)
		return;
	for (i = 0; i < NR_BUCKETS; i++)
		if (nr_read_money(rd, c->bucket[i], nr_bucket_columns[i],
		    exponent, &bucket[i]) < 0)
			return;
	nr_value(rd, c->dpd, &len);
	if (len > 0 && nr_count(rd, c->dpd, "max_dpd", -(1L << 30), &dpd) < 0)
		return;
	s = nr_value(rd, c->stage, &len);
	cell = find_cell(r, nr_intern(r, s, len), code);
	cur = nr_currency(r, code);
	cell->accounts++;
	cur->accounts += open > 0;
	add(&cell->open, open, "staged.tsv", code);
	add(&cur->open, open, "staged.tsv", code);
	for (i = 0; i < NR_BUCKETS; i++)
		add(&cell->bucket[i], bucket[i], "staged.tsv", code);
	if (strcmp(cell->stage, "collections") == 0) {
		cur->collections++;
		add(&cur->collections_balance, open, "staged.tsv", code);
	}
	s = nr_value(rd, c->id, &len);
	if (r->nevents > 0 && (e = shown_event(r, s, len, code)) != NULL) {
		e->max_dpd = dpd;
		s = nr_value(rd, c->name, &len);
		free(e->name);
		e->name = estrndup(s, len);
	}
}

static void
read_staged(struct nr_report *r)
{
	char *path = night_file(&r->tonight, "staged.tsv");
	struct nr_reader *rd;
	struct staged_columns c;
	int i;

	if (access(path, F_OK) != 0)
		errx(EX_NOINPUT, "%s: tonight (the latest night up to --as-of) "
		    "has no staged.tsv", path);
	rd = nr_open(path, r->rj);
	c.id = nr_column(rd, "customer_id", 1);
	c.name = nr_column(rd, "name", 0);
	c.cur = nr_column(rd, "currency", 1);
	c.stage = nr_column(rd, "stage", 1);
	c.open = nr_column(rd, "open_balance", 1);
	c.dpd = nr_column(rd, "max_dpd", 0);
	for (i = 0; i < NR_BUCKETS; i++)
		c.bucket[i] = nr_column(rd, nr_bucket_columns[i], 1);
	while (nr_next(rd))
		staged_row(r, rd, &c);
	nr_close(rd);
	free(path);
}

static void
agency_row(struct nr_report *r, struct nr_reader *rd, const int *c,
    const char *path)
{
	struct nr_currency *cur;
	int64_t balance;
	char code[4];
	const char *action;
	size_t len;
	int exponent;

	if (nr_read_currency(rd, c[0], code, &exponent) < 0 ||
	    nr_read_money(rd, c[2], "balance", exponent, &balance) < 0)
		return;
	action = nr_value(rd, c[1], &len);
	cur = nr_currency(r, code);
	if (len == 6 && memcmp(action, "placed", 6) == 0) {
		cur->placed++;
		add(&cur->placed_balance, balance, path, code);
	} else if (len == 8 && memcmp(action, "recalled", 8) == 0) {
		cur->recalled++;
		add(&cur->recalled_balance, balance, path, code);
	} else if (len == 7 && memcmp(action, "updated", 7) == 0)
		cur->updated++;
	else
		nr_reject(rd, "action", "unknown action", action, len);
}

/* agency.tsv: what was placed, updated and recalled tonight. */
static void
read_agency(struct nr_report *r)
{
	char *path = night_file(&r->tonight, "agency.tsv");
	struct nr_reader *rd;
	int c[3];

	if (access(path, F_OK) == 0) {
		rd = nr_open(path, r->rj);
		c[0] = nr_column(rd, "currency", 1);
		c[1] = nr_column(rd, "action", 1);
		c[2] = nr_column(rd, "balance", 1);
		while (nr_next(rd))
			agency_row(r, rd, c, path);
		nr_close(rd);
	}
	free(path);
}

/* payments.tsv: money applied tonight. */
static void
read_payments(struct nr_report *r)
{
	char *path = night_file(&r->tonight, "payments.tsv");
	struct nr_reader *rd;
	struct nr_currency *cur;
	int c_cur, c_applied, exponent;
	int64_t applied;
	char code[4];

	if (access(path, F_OK) == 0) {
		rd = nr_open(path, r->rj);
		c_cur = nr_column(rd, "currency", 1);
		c_applied = nr_column(rd, "applied", 1);
		while (nr_next(rd)) {
			if (nr_read_currency(rd, c_cur, code, &exponent) < 0 ||
			    nr_read_money(rd, c_applied, "applied", exponent,
			    &applied) < 0)
				continue;
			cur = nr_currency(r, code);
			cur->paid += applied > 0;
			add(&cur->applied, applied, path, code);
		}
		nr_close(rd);
	}
	free(path);
}

void
nr_read_tonight(struct nr_report *r)
{
	read_events(r);
	read_staged(r);
	read_agency(r);
	read_payments(r);
}

static void
summary_row(struct nr_report *r, struct nr_reader *rd, int32_t day,
    const int *c)
{
	struct nr_point p;
	const char *section, *name;
	size_t slen, nlen;
	int exponent;

	section = nr_value(rd, c[0], &slen);
	name = nr_value(rd, c[1], &nlen);
	memset(&p, 0, sizeof(p));
	p.day = day;
	if (slen == 5 && memcmp(section, "stage", 5) == 0)
		p.stage = nr_intern(r, name, nlen);
	else if (!(slen == 5 && memcmp(section, "total", 5) == 0 &&
	    nlen == 12 && memcmp(name, "open_balance", 12) == 0))
		return;		/* the other sections are not charted */
	if (nr_read_currency(rd, c[2], p.currency, &exponent) < 0 ||
	    nr_count(rd, c[3], "count", 0, &p.count) < 0 ||
	    nr_read_money(rd, c[4], "amount", exponent, &p.amount) < 0)
		return;
	nr_currency(r, p.currency);
	r->points = ereallocarray(r->points, r->npoints + 1, sizeof(p));
	r->points[r->npoints++] = p;
}

/* The last --trend nights (sorted, up to as-of) that kept a summary. */
void
nr_read_trend(struct nr_report *r, const struct nr_night *nights, size_t n)
{
	static const char *const names[] = {
		"section", "name", "currency", "count", "amount"
	};
	struct nr_reader *rd;
	size_t i, first = n > (size_t)r->trend_wanted ? n - r->trend_wanted : 0;
	int c[5], j;
	char *path;

	r->trend_days = ecalloc(n + 1, sizeof(int32_t));
	for (i = first; i < n; i++) {
		path = night_file(&nights[i], "summary.tsv");
		if (access(path, F_OK) == 0) {
			rd = nr_open(path, r->rj);
			for (j = 0; j < 5; j++)
				c[j] = nr_column(rd, names[j], 1);
			while (nr_next(rd))
				summary_row(r, rd, nights[i].day, c);
			nr_close(rd);
			r->trend_days[r->ntrend++] = nights[i].day;
		}
		free(path);
	}
}

void
nr_free(struct nr_report *r)
{
	size_t i;

	for (i = 0; i < r->nevents; i++) {
		free(r->events[i].customer_id);
		free(r->events[i].name);
	}
	for (i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r->events);
	free(r->moves);
	free(r->cells);
	free(r->points);
	free(r->trend_days);
	free(r->currencies);
}
