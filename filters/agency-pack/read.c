/*
 * The inputs of agency-pack, read in the order the decisions need them:
 * the ledger (what is placed already), the staged accounts, the master,
 * then, for the customers placed tonight only, their invoices, contacts
 * and activity.  Rows of other customers are skipped unparsed.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "money.h"

#include "agency-pack.h"

static const struct field empty_field = { "", 0 };

void
reject(struct state *st, struct rows *r, const struct row *row,
    const char *reason)
{
	if (!rejects_add(&st->rejects, rows_name(r), row->line, reason,
	    row->raw, row->raw_len))
		warnx("%s:%ld: %s", rows_name(r), row->line, reason);
}

/* 1 when a comma-separated flags field holds token. */
int
flags_has(const char *s, size_t len, const char *token)
{
	size_t n = strlen(token);
	const char *end = s + len, *comma;

	while (s < end) {
		if ((comma = memchr(s, ',', end - s)) == NULL)
			comma = end;
		if ((size_t)(comma - s) == n && memcmp(s, token, n) == 0)
			return 1;
		s = comma + 1;
	}
	return 0;
}

static struct rows *
open_input(const char *path)
{
	struct rows *r;
	const char *errstr;

	if ((r = rows_open(path, ROWS_AUTO, &errstr)) == NULL)
		errx(EX_NOINPUT, "%s: %s", path && strcmp(path, "-") ? path :
		    "<stdin>", errstr);
	return r;
}

static int
column(struct rows *r, const char *name, int required)
{
	int c = rows_column(r, name);

	if (c < 0 && required)
		errx(EX_DATAERR, "%s: missing column %s", rows_name(r), name);
	return c;
}

/* The next row that has the header's width: 1, or 0 at the end. */
static int
next_row(struct state *st, struct rows *r, struct row *row)
{
	const char *errstr;
	char reason[REASON_MAX];
	int got;

	while ((got = rows_next(r, row, &errstr)) != 0) {
		if (got < 0 && rows_failed(r))
			errx(EX_IOERR, "%s: %s", rows_name(r), errstr);
		if (got < 0)
			reject(st, r, row, errstr);
		else if (row->count != rows_header(r)->count) {
			snprintf(reason, sizeof(reason), "%zu fields, header has %zu",
			    row->count, rows_header(r)->count);
			reject(st, r, row, reason);
		} else
			return 1;
	}
	return 0;
}

static struct field
value(struct state *st, const struct row *row, int col, int slot)
{
	if (col < 0)
		return empty_field;
	return rows_value(row, col, &st->scratch[slot], &st->scratch_size[slot]);
}

static struct text
keep(struct state *st, struct field f)
{
	return arena_add(&st->arena, f.s, f.len);
}

static int
bad_value(struct state *st, struct rows *r, const struct row *row,
    const char *column_name, const char *what, struct field f)
{
	char reason[REASON_MAX];

	snprintf(reason, sizeof(reason), "%s: %s \"%.*s\"", column_name, what,
	    (int)(f.len > 100 ? 100 : f.len), f.s);
	reject(st, r, row, reason);
	return -1;
}

static int
currency_of(struct field f, int *exponent)
{
	const struct currency *c = f.len == 3 ? currency_find(f.s, 3) : NULL;

	if (c == NULL)
		return -1;
	*exponent = c->exponent;
	return 0;
}

static int
money_of(struct field f, int exponent, int64_t *minor)
{
	const char *errstr;

	return money_parse_plain(f.s, f.len, exponent, minor, &errstr);
}

/* An optional date: empty is NO_DATE. */
static int
date_of(struct field f, int32_t *day)
{
	*day = NO_DATE;
	return f.len == 0 ? 0 : date_parse_iso(f.s, f.len, day);
}

/* --- the ledger ---------------------------------------------------- */

struct ledger_columns {
	int	 customer, currency, agency, placed_date, placed_balance,
		 last_balance;
};

static void
keep_foreign(struct state *st, const struct row *row,
    const struct ledger_columns *c)
{
	struct foreign *f;

	if (st->nforeign == st->foreign_size) {
		st->foreign_size = st->foreign_size ? st->foreign_size * 2 : 64;
		st->foreign = ereallocarray(st->foreign, st->foreign_size,
		    sizeof(*st->foreign));
	}
	f = &st->foreign[st->nforeign++];
	f->customer = keep(st, value(st, row, c->customer, 0));
	f->currency = keep(st, value(st, row, c->currency, 0));
	f->agency = keep(st, value(st, row, c->agency, 0));
	f->placed_date = keep(st, value(st, row, c->placed_date, 0));
	f->placed_balance = keep(st, value(st, row, c->placed_balance, 0));
	f->last_balance = keep(st, value(st, row, c->last_balance, 0));
}

static int
ledger_row(struct state *st, struct rows *r, const struct row *row,
    const struct ledger_columns *c)
{
	struct field customer = value(st, row, c->customer, 0),
	    currency = value(st, row, c->currency, 1),
	    agency = value(st, row, c->agency, 2),
	    date = value(st, row, c->placed_date, 3),
	    placed = value(st, row, c->placed_balance, 4),
	    last = value(st, row, c->last_balance, 5);
	int exponent, ours = strlen(st->opt->agency) == agency.len &&
	    memcmp(st->opt->agency, agency.s, agency.len) == 0;
	int32_t day;
	int64_t placed_minor, last_minor;
	size_t id;
	struct account *a;

	if (customer.len == 0)
		return bad_value(st, r, row, "customer_id", "empty", customer);
	if (currency_of(currency, &exponent) < 0)
		return bad_value(st, r, row, "currency", "unknown currency", currency);
	if (date_parse_iso(date.s, date.len, &day) < 0)
		return bad_value(st, r, row, "placed_date", "invalid date", date);
	if (money_of(placed, exponent, &placed_minor) < 0)
		return bad_value(st, r, row, "placed_balance", "invalid amount", placed);
	if (money_of(last, exponent, &last_minor) < 0)
		return bad_value(st, r, row, "last_balance", "invalid amount", last);
	id = account_find(st, customer.s, customer.len, currency.s, currency.len);
	if (id == NONE)
		id = account_add(st, customer.s, customer.len, currency.s,
		    currency.len);
	a = &st->accounts[id];
	if (ours && a->placed)
		return bad_value(st, r, row, "customer_id",
		    "placed twice with this agency", customer);
	if (!ours) {
		a->elsewhere = 1;
		keep_foreign(st, row, c);
		return 0;
	}
	a->placed = 1;
	a->exponent = exponent;
	a->placed_date = day;
	a->placed_balance = placed_minor;
	a->last_balance = last_minor;
	return 0;
}

void
read_ledger(struct state *st)
{
	const char *path = st->opt->placed_path;
	struct ledger_columns c;
	struct stat sb;
	struct rows *r;
	struct row row;

	/* the first night there is no ledger yet: none placed */
	if (path == NULL || (strcmp(path, "-") != 0 && stat(path, &sb) < 0 &&
	    errno == ENOENT))
		return;
	r = open_input(path);
	if (rows_header(r)->count > 0) {
		c.customer = column(r, "customer_id", 1);
		c.currency = column(r, "currency", 1);
		c.agency = column(r, "agency", 1);
		c.placed_date = column(r, "placed_date", 1);
		c.placed_balance = column(r, "placed_balance", 1);
		c.last_balance = column(r, "last_balance", 1);
		while (next_row(st, r, &row)) {
			st->ledger_in++;
			ledger_row(st, r, &row, &c);
		}
	}
	rows_close(r);
}

/* --- the staged accounts ------------------------------------------ */

struct staged_columns {
	int	 customer, currency, name, stage, notify, flags, open_balance,
		 disputed_balance;
};

static int
staged_row(struct state *st, struct rows *r, const struct row *row,
    const struct staged_columns *c)
{
	struct field customer = value(st, row, c->customer, 0),
	    currency = value(st, row, c->currency, 1),
	    stage = value(st, row, c->stage, 2),
	    open = value(st, row, c->open_balance, 3),
	    disputed = value(st, row, c->disputed_balance, 4);
	int exponent;
	int64_t open_minor, disputed_minor = 0;
	size_t id = account_find(st, customer.s, customer.len, currency.s,
	    currency.len);
	struct account *a;

	if (id == NONE && !(stage.len == 11 && memcmp(stage.s, "collections",
	    11) == 0))
		return 0;		/* neither placed nor to be placed */
	if (id != NONE)
		st->accounts[id].rejected = 1;	/* until the row is taken */
	if (customer.len == 0)
		return bad_value(st, r, row, "customer_id", "empty", customer);
	if (currency_of(currency, &exponent) < 0)
		return bad_value(st, r, row, "currency", "unknown currency", currency);
	if (money_of(open, exponent, &open_minor) < 0)
		return bad_value(st, r, row, "open_balance", "invalid amount", open);
	if (disputed.len > 0 && money_of(disputed, exponent, &disputed_minor) < 0)
		return bad_value(st, r, row, "disputed_balance", "invalid amount",
		    disputed);
	if (id == NONE)
		id = account_add(st, customer.s, customer.len, currency.s,
		    currency.len);
	a = &st->accounts[id];
	if (a->staged)
		return bad_value(st, r, row, "customer_id",
		    "staged twice in one currency", customer);
	a->staged = 1;
	a->rejected = 0;
	a->line = row->line;
	a->exponent = exponent;
	a->open_balance = open_minor;
	a->disputed_balance = disputed_minor;
	a->stage = keep(st, stage);
	a->name = keep(st, value(st, row, c->name, 5));
	a->notify = keep(st, value(st, row, c->notify, 6));
	a->flags = keep(st, value(st, row, c->flags, 7));
	a->raw = arena_add(&st->arena, row->raw, row->raw_len);
	return 0;
}

void
read_staged(struct state *st)
{
	struct staged_columns c;
	struct rows *r = open_input(NULL);
	struct row row;
	size_t i;

	if (rows_header(r)->count == 0)
		errx(EX_DATAERR, "<stdin>: empty input: no header line");
	c.customer = column(r, "customer_id", 1);
	c.currency = column(r, "currency", 1);
	c.stage = column(r, "stage", 1);
	c.open_balance = column(r, "open_balance", 1);
	c.name = column(r, "name", 0);
	c.notify = column(r, "notify", 0);
	c.flags = column(r, "flags", 0);
	c.disputed_balance = column(r, "disputed_balance", 0);
	while (next_row(st, r, &row)) {
		st->staged_in++;
		staged_row(st, r, &row, &c);
	}
	rows_close(r);
	for (i = 0; i < st->naccounts; i++)
		st->accounts[i].customer_index = customer_add(st,
		    T(st, st->accounts[i].customer), st->accounts[i].customer.len);
}

/* --- the master --------------------------------------------------- */

struct master_columns {
	int	 customer, name, flags, promise, retry_status, last_response;
};

static int
master_row(struct state *st, struct rows *r, const struct row *row,
    const struct master_columns *c)
{
	struct field customer = value(st, row, c->customer, 0),
	    promise = value(st, row, c->promise, 1),
	    response = value(st, row, c->last_response, 2);
	size_t id = customer_find(st, customer.s, customer.len);
	struct customer *cu;
	int32_t promise_day, response_day;

	if (id == NONE)
		return 0;
	if (date_of(promise, &promise_day) < 0)
		return bad_value(st, r, row, "promise_to_pay_date", "invalid date",
		    promise);
	if (date_of(response, &response_day) < 0)
		return bad_value(st, r, row, "last_response_date", "invalid date",
		    response);
	cu = &st->customers[id];
	if (cu->in_master)
		return bad_value(st, r, row, "customer_id", "twice in the master",
		    customer);
	cu->in_master = 1;
	cu->master_line = row->line;
	cu->promise = promise_day;
	cu->last_response = response_day;
	cu->master_name = keep(st, value(st, row, c->name, 3));
	cu->master_flags = keep(st, value(st, row, c->flags, 4));
	cu->retry_status = keep(st, value(st, row, c->retry_status, 5));
	return 0;
}

void
read_master(struct state *st)
{
	struct master_columns c;
	struct rows *r;
	struct row row;

	if (st->opt->accounts_path == NULL)
		return;
	r = open_input(st->opt->accounts_path);
	c.customer = column(r, "customer_id", 1);
	c.name = column(r, "name", 0);
	c.flags = column(r, "flags", 0);
	c.promise = column(r, "promise_to_pay_date", 0);
	c.retry_status = column(r, "retry_status", 0);
	c.last_response = column(r, "last_response_date", 0);
	while (next_row(st, r, &row))
		master_row(st, r, &row, &c);
	rows_close(r);
}

/* --- invoices ----------------------------------------------------- */

struct invoice_columns {
	int	 id, customer, currency, amount, balance, issue, due, flags,
		 disputed;
};

/* As stage-assign: the flags hold disputed, or disputed is 1/yes/true. */
static int
disputed(struct state *st, const struct row *row,
    const struct invoice_columns *c)
{
	struct field f = value(st, row, c->flags, 6), d = value(st, row,
	    c->disputed, 7);

	if (flags_has(f.s, f.len, "disputed"))
		return 1;
	return (d.len == 1 && d.s[0] == '1') ||
	    (d.len == 3 && strncasecmp(d.s, "yes", 3) == 0) ||
	    (d.len == 4 && strncasecmp(d.s, "true", 4) == 0);
}

/* An open invoice of an account placed tonight, held for its file. */
static int
hold_invoice(struct state *st, struct rows *r, const struct row *row,
    const struct invoice_columns *c, struct account *a, int64_t balance)
{
	struct field id = value(st, row, c->id, 2),
	    amount = value(st, row, c->amount, 3),
	    issue = value(st, row, c->issue, 4);
	struct invoice *inv;
	int64_t amount_minor = balance;
	int32_t issue_day;
	size_t n;

	if (c->amount >= 0 && money_of(amount, a->exponent, &amount_minor) < 0)
		return bad_value(st, r, row, "amount", "invalid amount", amount);
	if (date_of(issue, &issue_day) < 0)
		return bad_value(st, r, row, "issue_date", "invalid date", issue);
	n = invoice_add(st);	/* it may move the array */
	inv = &st->invoices[n];
	inv->id = keep(st, id);
	inv->amount = amount_minor;
	inv->balance = balance;
	inv->issue = issue_day;
	if (a->last_invoice == NONE)
		a->first_invoice = st->ninvoices - 1;
	else
		st->invoices[a->last_invoice].next = st->ninvoices - 1;
	a->last_invoice = st->ninvoices - 1;
	return 0;
}

static int
invoice_row(struct state *st, struct rows *r, const struct row *row,
    const struct invoice_columns *c)
{
	struct field customer = value(st, row, c->customer, 0),
	    currency = value(st, row, c->currency, 1), balance, due;
	size_t id = account_find(st, customer.s, customer.len, currency.s,
	    currency.len);
	struct account *a;
	int64_t minor;
	int32_t due_day;

	if (id == NONE)
		return 0;
	a = &st->accounts[id];
	if (a->fate != FATE_PLACE && !(a->placed && !a->staged))
		return 0;
	balance = value(st, row, c->balance, 2);
	if (money_of(balance, a->exponent, &minor) < 0)
		return bad_value(st, r, row, "balance", "invalid amount", balance);
	if (minor <= 0 || disputed(st, row, c))
		return 0;
	due = value(st, row, c->due, 2);
	if (date_parse_iso(due.s, due.len, &due_day) < 0)
		return bad_value(st, r, row, "due_date", "invalid date", due);
	if (a->fate == FATE_PLACE) {
		if (hold_invoice(st, r, row, c, a, minor) < 0)
			return 0;
		st->invoices[a->last_invoice].due = due_day;
	}
	if (money_add(&a->invoice_total, minor) < 0)
		return bad_value(st, r, row, "balance", "total overflows", balance);
	a->invoice_count++;
	if (a->oldest_due == NO_DATE || due_day < a->oldest_due)
		a->oldest_due = due_day;
	return 0;
}

void
read_invoices(struct state *st)
{
	struct invoice_columns c;
	struct rows *r = open_input(st->opt->invoices_path);
	struct row row;

	c.id = column(r, "invoice_id", 1);
	c.customer = column(r, "customer_id", 1);
	c.currency = column(r, "currency", 1);
	c.balance = column(r, "balance", 1);
	c.due = column(r, "due_date", 1);
	c.amount = column(r, "amount", 0);
	c.issue = column(r, "issue_date", 0);
	c.flags = column(r, "flags", 0);
	c.disputed = column(r, "disputed", 0);
	while (next_row(st, r, &row))
		invoice_row(st, r, &row, &c);
	rows_close(r);
}

/* --- contacts ----------------------------------------------------- */

struct contact_columns {
	int	 customer, name, email, phone, ext, address, language, channel,
		 verified, flags;
};

/* Personal before generic, fresh before stale, then the latest verified. */
static int
better(const struct contact *a, const struct contact *b)
{
	if (a->skip_trace != b->skip_trace)
		return a->skip_trace < b->skip_trace;
	if (a->generic != b->generic)
		return a->generic < b->generic;
	if (a->stale != b->stale)
		return a->stale < b->stale;
	return a->verified > b->verified;
}

static int
contact_row(struct state *st, struct rows *r, const struct row *row,
    const struct contact_columns *c)
{
	struct field customer = value(st, row, c->customer, 0),
	    flags = value(st, row, c->flags, 1),
	    verified = value(st, row, c->verified, 2);
	size_t id = customer_find(st, customer.s, customer.len);
	struct customer *cu;
	struct contact k;

	if (id == NONE || !st->customers[id].wanted)
		return 0;
	memset(&k, 0, sizeof(k));
	if (date_of(verified, &k.verified) < 0)
		return bad_value(st, r, row, "verified_date", "invalid date",
		    verified);
	k.skip_trace = flags_has(flags.s, flags.len, "skip_trace");
	k.generic = flags_has(flags.s, flags.len, "generic_email");
	k.stale = flags_has(flags.s, flags.len, "stale");
	cu = &st->customers[id];
	if (cu->has_contact && !better(&k, &cu->contact))
		return 0;		/* the first of equals stays */
	k.name = keep(st, value(st, row, c->name, 3));
	k.email = keep(st, value(st, row, c->email, 3));
	k.phone = keep(st, value(st, row, c->phone, 3));
	k.ext = keep(st, value(st, row, c->ext, 3));
	k.address = keep(st, value(st, row, c->address, 3));
	k.language = keep(st, value(st, row, c->language, 3));
	k.channel = keep(st, value(st, row, c->channel, 3));
	cu->contact = k;
	cu->has_contact = 1;
	return 0;
}

void
read_contacts(struct state *st)
{
	struct contact_columns c;
	struct rows *r = open_input(st->opt->contacts_path);
	struct row row;

	c.customer = column(r, "customer_id", 1);
	c.name = column(r, "name", 0);
	c.email = column(r, "email", 0);
	c.phone = column(r, "phone", 0);
	c.ext = column(r, "phone_ext", 0);
	c.address = column(r, "address", 0);
	c.language = column(r, "language", 0);
	c.channel = column(r, "preferred_channel", 0);
	c.verified = column(r, "verified_date", 0);
	c.flags = column(r, "flags", 0);
	while (next_row(st, r, &row))
		contact_row(st, r, &row, &c);
	rows_close(r);
}

/* --- activity ----------------------------------------------------- */

struct activity_columns {
	int	 customer, date, channel, direction, actor, outcome, note;
};

static int
is_call(struct field channel)
{
	return (channel.len == 5 && strncasecmp(channel.s, "phone", 5) == 0) ||
	    (channel.len == 4 && strncasecmp(channel.s, "call", 4) == 0);
}

static void
count_activity(struct customer *cu, struct field channel,
    struct field direction, int32_t day)
{
	if (direction.len == 3 && memcmp(direction.s, "out", 3) == 0) {
		if (is_call(channel))
			cu->calls++;
		else
			cu->reminders++;
		if (day > cu->last_out)
			cu->last_out = day;
	} else if (direction.len == 2 && memcmp(direction.s, "in", 2) == 0 &&
	    day > cu->last_in)
		cu->last_in = day;
}

static int
activity_row(struct state *st, struct rows *r, const struct row *row,
    const struct activity_columns *c)
{
	struct field customer = value(st, row, c->customer, 0),
	    date = value(st, row, c->date, 1),
	    channel = value(st, row, c->channel, 2),
	    direction = value(st, row, c->direction, 3);
	size_t id = customer_find(st, customer.s, customer.len), n;
	struct customer *cu;
	struct activity *act;
	int32_t day;

	if (id == NONE || !st->customers[id].wanted)
		return 0;
	if (date_parse_iso(date.s, date.len, &day) < 0)
		return bad_value(st, r, row, "date", "invalid date", date);
	cu = &st->customers[id];
	count_activity(cu, channel, direction, day);
	n = activity_add(st);	/* it may move the array */
	act = &st->activity[n];
	act->date = day;
	act->date_text = keep(st, date);
	act->channel = keep(st, channel);
	act->direction = keep(st, direction);
	act->actor = keep(st, value(st, row, c->actor, 4));
	act->outcome = keep(st, value(st, row, c->outcome, 5));
	act->note = keep(st, value(st, row, c->note, 6));
	if (cu->last_activity == NONE)
		cu->first_activity = n;
	else
		st->activity[cu->last_activity].next = n;
	cu->last_activity = n;
	return 0;
}

void
read_activity(struct state *st)
{
	struct activity_columns c;
	struct rows *r;
	struct row row;

	if (st->opt->activity_path == NULL)
		return;
	r = open_input(st->opt->activity_path);
	c.customer = column(r, "customer_id", 1);
	c.date = column(r, "date", 1);
	c.channel = column(r, "channel", 0);
	c.direction = column(r, "direction", 0);
	c.actor = column(r, "actor", 0);
	c.outcome = column(r, "outcome", 0);
	c.note = column(r, "note", 0);
	while (next_row(st, r, &row))
		activity_row(st, r, &row, &c);
	rows_close(r);
}
