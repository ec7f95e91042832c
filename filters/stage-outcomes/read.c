/*
 * stage-outcomes' readers of one night: events.tsv (required), moved.tsv,
 * payments.tsv and agency.tsv (optional).  They are small, a night's
 * changes and money, so their rows are kept whole as records keyed by
 * account; the dates are the night's, from its directory's name.  A row
 * that cannot be read is rejected with its file, line, column and value.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "money.h"
#include "rows.h"
#include "outcomes.h"

#define PATH_MAX_LEN	4096

void
so_reader_open(struct so_reader *r, const char *path, struct rejects *rj)
{
	const char *errstr;

	memset(r, 0, sizeof(*r));
	r->rj = rj;
	if ((r->rows = rows_open(path, ROWS_TSV, &errstr)) == NULL)
		errx(EX_NOINPUT, "%s: %s", path, errstr);
}

void
so_reader_close(struct so_reader *r)
{
	size_t i;

	if (rows_failed(r->rows))
		errx(EX_IOERR, "%s: read error", rows_name(r->rows));
	rows_close(r->rows);
	for (i = 0; i < SO_SCRATCH; i++)
		free(r->scratch[i]);
}

void
so_reject(struct so_reader *r, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (rejects_add(r->rj, rows_name(r->rows), r->row.line, reason,
	    r->row.raw, r->row.raw_len) == 0)
		warnx("%s:%ld: %s", rows_name(r->rows), r->row.line, reason);
}

/* The next row with the header's field count; 0 at the end. */
int
so_reader_next(struct so_reader *r)
{
	const char *errstr;
	int got;

	while ((got = rows_next_whole(r->rows, &r->row, &errstr)) < 0) {
		if (rows_failed(r->rows))
			errx(EX_IOERR, "%s: %s", rows_name(r->rows), errstr);
		so_reject(r, "%s", errstr);
	}
	return got;
}

int
so_column(struct so_reader *r, const char *name)
{
	int i = rows_column(r->rows, name);

	if (i < 0)
		errx(EX_DATAERR, "%s: missing column \"%s\"", rows_name(r->rows),
		    name);
	return i;
}

struct field
so_value(struct so_reader *r, int i, int slot)
{
	return rows_value(&r->row, i, &r->scratch[slot], &r->scratch_size[slot]);
}

int
so_read_currency(struct so_reader *r, int col, const struct currency **cur)
{
	struct field f = so_value(r, col, 1);

	if ((*cur = currency_find(f.s, f.len)) != NULL && f.len == 3)
		return 0;
	so_reject(r, "currency: unknown currency \"%.*s\"", (int)f.len, f.s);
	return -1;
}

int
so_read_money(struct so_reader *r, int col, const char *name, int exponent,
    int64_t *minor)
{
	struct field f = rows_trim(so_value(r, col, 2));
	const char *errstr;

	if (money_parse_plain(f.s, f.len, exponent, minor, &errstr) == 0)
		return 0;
	so_reject(r, "%s: %s \"%.*s\"", name, errstr, (int)f.len, f.s);
	return -1;
}

/* A whole number of days, or empty (SO_NO_DPD). */
int
so_read_days(struct so_reader *r, int col, const char *name, int32_t *days)
{
	struct field f = rows_trim(so_value(r, col, 2));
	size_t i = f.len > 0 && f.s[0] == '-';
	int32_t n = 0;

	*days = SO_NO_DPD;
	if (f.len == 0)
		return 0;
	if (f.len > i && f.len - i <= 7) {
		for (; i < f.len && f.s[i] >= '0' && f.s[i] <= '9'; i++)
			n = n * 10 + (f.s[i] - '0');
		if (i == f.len) {
			*days = f.s[0] == '-' ? -n : n;
			return 0;
		}
	}
	so_reject(r, "%s: invalid number of days \"%.*s\"", name, (int)f.len, f.s);
	return -1;
}

/* ---- the history ---- */

void
so_history_init(struct so_history *h, struct rejects *rj)
{
	memset(h, 0, sizeof(*h));
	h->account_index = so_map_new();
	h->name_index = so_map_new();
	h->rj = rj;
}

void
so_history_free(struct so_history *h)
{
	size_t i;

	for (i = 0; i < h->nnames; i++)
		free(h->name[i]);
	free(h->name);
	free(h->account);
	free(h->event);
	free(h->payment);
	free(h->agency);
	so_map_free(h->account_index);
	so_map_free(h->name_index);
}

const char *
so_name(const struct so_history *h, uint32_t index)
{
	return h->name[index];
}

/* Room for one more of n elements of size in *array (doubling). */
static void *
room(void *array, size_t n, size_t size)
{
	if (n == 0 || (n & (n - 1)) == 0)
		array = ereallocarray(array, n ? n * 2 : 64, size);
	return array;
}

static uint32_t
intern(struct so_history *h, struct field f)
{
	uint32_t index;
	int added;

	index = so_map_put(h->name_index, f.s, f.len, (uint32_t)h->nnames,
	    &added);
	if (added) {
		h->name = room(h->name, h->nnames, sizeof(*h->name));
		h->name[h->nnames++] = estrndup(f.s, f.len);
	}
	return index;
}

/* Columns every night file has. */
struct account_columns {
	int	 customer_id, currency;
};

static void
account_columns(struct so_reader *r, struct account_columns *c)
{
	c->customer_id = so_column(r, "customer_id");
	c->currency = so_column(r, "currency");
}

/*
 * The row's account, added when new (create) or looked up; -1 when the
 * row was rejected or (looking up) the account is unknown.
 */
static long
row_account(struct so_history *h, struct so_reader *r,
    const struct account_columns *c, int create)
{
	const struct currency *cur;
	struct field id = so_value(r, c->customer_id, 0);
	char key[PATH_MAX_LEN];
	uint32_t index;
	int added;

	if (id.len == 0 || id.len + 4 > sizeof(key)) {
		so_reject(r, "customer_id: %s", id.len ? "too long" : "empty");
		return -1;
	}
	if (so_read_currency(r, c->currency, &cur) < 0)
		return -1;
	memcpy(key, id.s, id.len);
	key[id.len] = '\t';
	memcpy(key + id.len + 1, cur->code, 3);
	if (!create)
		return so_map_find(h->account_index, key, id.len + 4);
	index = so_map_put(h->account_index, key, id.len + 4,
	    (uint32_t)h->naccounts, &added);
	if (added) {
		struct so_account *a;

		h->account = room(h->account, h->naccounts, sizeof(*h->account));
		a = &h->account[h->naccounts++];
		memcpy(a->currency, cur->code, 4);
		a->exponent = cur->exponent;
		a->night_event = -1;
	}
	return index;
}

static void
read_events(struct so_history *h, const char *path, int32_t day)
{
	struct so_reader r;
	struct account_columns c;
	struct so_event *e;
	int date, to_stage, rule, balance;
	int32_t event_day;
	int64_t open;
	long account;

	so_reader_open(&r, path, h->rj);
	account_columns(&r, &c);
	date = so_column(&r, "date");
	to_stage = so_column(&r, "to_stage");
	rule = so_column(&r, "rule");
	balance = so_column(&r, "open_balance");
	while (so_reader_next(&r)) {
		struct field d = rows_trim(so_value(&r, date, 0));

		if (date_parse_iso(d.s, d.len, &event_day) < 0) {
			so_reject(&r, "date: invalid date \"%.*s\"", (int)d.len, d.s);
			continue;
		}
		if ((account = row_account(h, &r, &c, 1)) < 0 ||
		    so_read_money(&r, balance, "open_balance",
		    h->account[account].exponent, &open) < 0)
			continue;
		h->event = room(h->event, h->nevents, sizeof(*h->event));
		e = &h->event[h->nevents];
		e->account = (uint32_t)account;
		e->day = day;
		e->seq = (uint32_t)h->nevents;
		e->stage = intern(h, rows_trim(so_value(&r, to_stage, 0)));
		e->rule = intern(h, rows_trim(so_value(&r, rule, 0)));
		e->max_dpd = SO_NO_DPD;
		e->balance = open;
		h->account[account].night_event = (long)h->nevents++;
	}
	so_reader_close(&r);
}

/* moved.tsv: max_dpd at the moment of each of the night's changes. */
static void
read_moved(struct so_history *h, const char *path, int32_t day)
{
	struct so_reader r;
	struct account_columns c;
	int max_dpd;
	int32_t days;
	long account, event;

	so_reader_open(&r, path, h->rj);
	account_columns(&r, &c);
	max_dpd = so_column(&r, "max_dpd");
	while (so_reader_next(&r)) {
		if (so_read_days(&r, max_dpd, "max_dpd", &days) < 0)
			continue;
		account = row_account(h, &r, &c, 0);
		event = account >= 0 ? h->account[account].night_event : -1;
		if (event < 0 || h->event[event].day != day)
			h->moved_unmatched++;	/* no change tonight: nothing to time */
		else
			h->event[event].max_dpd = days;
	}
	so_reader_close(&r);
}

static void
read_payments(struct so_history *h, const char *path, int32_t day)
{
	struct so_reader r;
	struct account_columns c;
	struct so_payment *p;
	int applied;
	int64_t amount;
	long account;

	so_reader_open(&r, path, h->rj);
	account_columns(&r, &c);
	applied = so_column(&r, "applied");
	while (so_reader_next(&r)) {
		if ((account = row_account(h, &r, &c, 1)) < 0 ||
		    so_read_money(&r, applied, "applied",
		    h->account[account].exponent, &amount) < 0)
			continue;
		h->payment = room(h->payment, h->npayments, sizeof(*h->payment));
		p = &h->payment[h->npayments];
		p->account = (uint32_t)account;
		p->day = day;
		p->seq = (uint32_t)h->npayments++;
		p->amount = amount;
	}
	so_reader_close(&r);
}

static int
field_is(struct field f, const char *s)
{
	return f.len == strlen(s) && memcmp(f.s, s, f.len) == 0;
}

/* A recall's reason; one agency-pack does not write counts as other. */
static enum so_reason
recall_reason(struct field f)
{
	static const char *const names[] = { "paid", "disputed", "legal",
	    "payment_pending", "promise" };
	int i;

	for (i = 0; i < SO_OTHER; i++)
		if (field_is(f, names[i]))
			return i;
	return SO_OTHER;
}

static int
read_action(struct so_reader *r, int col, enum so_action *action)
{
	struct field f = rows_trim(so_value(r, col, 0));

	if (field_is(f, "placed"))
		*action = SO_PLACED;
	else if (field_is(f, "updated"))
		*action = SO_UPDATED;
	else if (field_is(f, "recalled"))
		*action = SO_RECALLED;
	else {
		so_reject(r, "action: want placed, updated or recalled \"%.*s\"",
		    (int)f.len, f.s);
		return -1;
	}
	return 0;
}

static void
read_agency(struct so_history *h, const char *path, int32_t day)
{
	struct so_reader r;
	struct account_columns c;
	struct so_agency *a;
	enum so_action action;
	int action_col, reason, balance;
	int64_t amount;
	long account;

	so_reader_open(&r, path, h->rj);
	account_columns(&r, &c);
	action_col = so_column(&r, "action");
	reason = so_column(&r, "reason");
	balance = so_column(&r, "balance");
	while (so_reader_next(&r)) {
		if (read_action(&r, action_col, &action) < 0 ||
		    (account = row_account(h, &r, &c, 1)) < 0 ||
		    so_read_money(&r, balance, "balance",
		    h->account[account].exponent, &amount) < 0)
			continue;
		h->agency = room(h->agency, h->nagency, sizeof(*h->agency));
		a = &h->agency[h->nagency];
		a->account = (uint32_t)account;
		a->day = day;
		a->seq = (uint32_t)h->nagency++;
		a->action = action;
		a->reason = recall_reason(rows_trim(so_value(&r, reason, 0)));
		a->balance = amount;
	}
	so_reader_close(&r);
}

/* DIR/NAME into buf; exit 66 when it does not fit. */
void
so_night_file(char *buf, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
		errx(EX_NOINPUT, "%s/%s: path too long", dir, name);
}

void
so_read_night(struct so_history *h, const struct so_night *night)
{
	static const struct {
		const char	*name;
		void		(*read)(struct so_history *, const char *, int32_t);
	} optional[] = {
		{ "moved.tsv", read_moved },
		{ "payments.tsv", read_payments },
		{ "agency.tsv", read_agency },
	};
	char path[PATH_MAX_LEN];
	size_t i;

	so_night_file(path, sizeof(path), night->dir, "events.tsv");
	read_events(h, path, night->day);
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		so_night_file(path, sizeof(path), night->dir, optional[i].name);
		if (access(path, F_OK) == 0)
			optional[i].read(h, path, night->day);
	}
}
