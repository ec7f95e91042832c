/*
 * The files of the batch, in TSV or CSV, and the new ledger.  In CSV a
 * text cell that a spreadsheet would run as a formula (it begins with
 * = + - @, a tab or a CR) gets a leading quote; amounts, dates and counts
 * are never text.  Free text is redacted on its way out.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "money.h"

#include "agency-pack.h"

static const char *const headers[NFILES][24] = {
	{ "customer_id", "currency", "name", "total_due", "invoice_count",
	  "oldest_due_date", "max_dpd", "contact_name", "email", "phone",
	  "phone_ext", "address", "language", "preferred_channel",
	  "placement_type", "reminders_sent", "calls_made",
	  "last_contact_date", "last_response_date", "notes", "high_value",
	  NULL },
	{ "customer_id", "invoice_id", "currency", "amount", "balance",
	  "issue_date", "due_date", "days_past_due", NULL },
	{ "customer_id", "date", "channel", "direction", "actor", "outcome",
	  "note", NULL },
	{ "customer_id", "currency", "previous_balance", "open_balance",
	  "change", NULL },
	{ "customer_id", "currency", "reason", "open_balance", NULL },
};

static const char *const names[NFILES] = {
	"placements", "placement_invoices", "activity", "updates", "recalls"
};

/* --- cells -------------------------------------------------------- */

static void
cell_text(struct state *st, struct out *o, const char *s, size_t len)
{
	if (!o->csv || len == 0 || strchr("=+-@\t\r", s[0]) == NULL) {
		out_text(o, s, len);
		return;
	}
	if (len + 1 > st->cell_size) {
		st->cell_size = (len + 1) * 2;
		st->cell = ereallocarray(st->cell, st->cell_size, 1);
	}
	st->cell[0] = '\'';
	memcpy(st->cell + 1, s, len);
	out_text(o, st->cell, len + 1);
}

static void
cell(struct state *st, struct out *o, struct text t)
{
	cell_text(st, o, T(st, t), t.len);
}

/* Free text that leaves: card numbers, SSNs and IBANs become [REDACTED]. */
static void
cell_free(struct state *st, struct out *o, const char *s, size_t len)
{
	size_t redacted_len;
	int n = redact_text(st->redact, s, len, &st->redacted,
	    &st->redacted_size, &redacted_len);

	if (n == 0) {
		cell_text(st, o, s, len);
		return;
	}
	st->redactions += n;
	cell_text(st, o, st->redacted, redacted_len);
}

static void
cell_date(struct out *o, int32_t day)
{
	if (day != NO_DATE)
		out_date(o, day);
}

static void
row_end(struct out *o)
{
	if (o->csv)
		out_char(o, '\r');	/* RFC 4180 ends records with CRLF */
	out_nl(o);
}

static void
header(struct state *st, struct out *o, int file)
{
	int i;

	for (i = 0; headers[file][i]; i++) {
		if (i > 0)
			out_tab(o);
		cell_text(st, o, headers[file][i], strlen(headers[file][i]));
	}
	row_end(o);
}

/* Add amount to currency code's sum in t; what names it if it overflows. */
void
totals_add(struct totals *t, const char *code, int exponent, int64_t amount,
    const char *what)
{
	size_t i = totals_find(t, code);

	if (i == t->n) {
		if (t->n == MAX_CURRENCIES)
			errx(EX_SOFTWARE, "more than %d currencies", MAX_CURRENCIES);
		memcpy(t->cur[i].code, code, 3);
		t->cur[i].code[3] = '\0';
		t->cur[i].exponent = exponent;
		t->cur[i].sum = 0;
		t->n++;
	}
	if (money_add(&t->cur[i].sum, amount) < 0)
		errx(EX_DATAERR, "%s: %s total overflows", what, t->cur[i].code);
}

/* Where currency code is in t: t->n when it is not. */
size_t
totals_find(const struct totals *t, const char *code)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (memcmp(t->cur[i].code, code, 3) == 0)
			break;
	return i;
}

static void
total_add(struct batch_file *f, const struct state *st,
    const struct account *a, int64_t amount)
{
	totals_add(&f->totals, T(st, a->currency), a->exponent, amount,
	    f->file);
}

/* --- the accounts in order ---------------------------------------- */

static const struct state *sort_state;

static int
by_key(const void *a, const void *b)
{
	const struct account *x = &sort_state->accounts[*(const size_t *)a],
	    *y = &sort_state->accounts[*(const size_t *)b];
	size_t n = x->customer.len < y->customer.len ? x->customer.len :
	    y->customer.len;
	int c = memcmp(T(sort_state, x->customer), T(sort_state, y->customer), n);

	if (c != 0)
		return c;
	if (x->customer.len != y->customer.len)
		return x->customer.len < y->customer.len ? -1 : 1;
	return memcmp(T(sort_state, x->currency), T(sort_state, y->currency), 3);
}

static size_t *
sorted_accounts(const struct state *st)
{
	size_t *order = ereallocarray(NULL, st->naccounts + 1, sizeof(*order));
	size_t i;

	for (i = 0; i < st->naccounts; i++)
		order[i] = i;
	sort_state = st;
	qsort(order, st->naccounts, sizeof(*order), by_key);
	return order;
}

/* --- placements --------------------------------------------------- */

static void
placement_contact(struct state *st, struct out *o, const struct customer *cu)
{
	const struct contact *k = &cu->contact;

	if (!cu->has_contact) {
		out_bytes(o, o->csv ? ",,,,,,," : "\t\t\t\t\t\t\t", 7);
		return;
	}
	out_tab(o); cell(st, o, k->name);
	out_tab(o); cell(st, o, k->email);
	out_tab(o); cell(st, o, k->phone);
	out_tab(o); cell(st, o, k->ext);
	out_tab(o); cell(st, o, k->address);
	out_tab(o); cell(st, o, k->language);
	out_tab(o); cell(st, o, k->channel);
}

static void
placement_row(struct state *st, struct out *o, const struct account *a)
{
	const struct customer *cu = &st->customers[a->customer_index];
	int32_t dpd = st->opt->cli.as_of - a->oldest_due;
	int32_t response = cu->last_response > cu->last_in ?
	    cu->last_response : cu->last_in;
	int skip = !cu->has_contact || cu->contact.skip_trace;

	cell(st, o, a->customer);
	out_tab(o); cell(st, o, a->currency);
	out_tab(o); cell(st, o, a->name.len > 0 ? a->name : cu->master_name);
	out_tab(o); out_money(o, a->invoice_total, a->exponent);
	out_tab(o); out_i64(o, (int64_t)a->invoice_count);
	out_tab(o); cell_date(o, a->oldest_due);
	out_tab(o); out_i64(o, dpd);
	placement_contact(st, o, cu);
	out_tab(o); out_str(o, skip || dpd > 180 ? "third_party" : "first_party");
	out_tab(o); out_i64(o, cu->reminders);
	out_tab(o); out_i64(o, cu->calls);
	out_tab(o); cell_date(o, cu->last_out);
	out_tab(o); cell_date(o, response);
	decide_notes(st, a);
	out_tab(o); cell_free(st, o, st->notes, st->notes_len);
	out_tab(o); out_char(o, flags_has(T(st, a->notify), a->notify.len,
	    "account_manager") ? '1' : '0');
	row_end(o);
}

/* --- placement_invoices ------------------------------------------- */

static int
by_due(const void *a, const void *b)
{
	const struct invoice *x = &sort_state->invoices[*(const size_t *)a],
	    *y = &sort_state->invoices[*(const size_t *)b];
	size_t n = x->id.len < y->id.len ? x->id.len : y->id.len;
	int c;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	if ((c = memcmp(T(sort_state, x->id), T(sort_state, y->id), n)) != 0)
		return c;
	return x->id.len < y->id.len ? -1 : x->id.len > y->id.len;
}

static void
invoice_rows(struct state *st, struct out *o, const struct account *a,
    size_t **order, size_t *size)
{
	const struct invoice *inv;
	size_t n = 0, i;

	for (i = a->first_invoice; i != NONE; i = st->invoices[i].next) {
		if (n == *size) {
			*size = *size ? *size * 2 : 64;
			*order = ereallocarray(*order, *size, sizeof(**order));
		}
		(*order)[n++] = i;
	}
	sort_state = st;
	qsort(*order, n, sizeof(**order), by_due);
	for (i = 0; i < n; i++) {
		inv = &st->invoices[(*order)[i]];
		cell(st, o, a->customer);
		out_tab(o); cell(st, o, inv->id);
		out_tab(o); cell(st, o, a->currency);
		out_tab(o); out_money(o, inv->amount, a->exponent);
		out_tab(o); out_money(o, inv->balance, a->exponent);
		out_tab(o); cell_date(o, inv->issue);
		out_tab(o); cell_date(o, inv->due);
		out_tab(o); out_i64(o, st->opt->cli.as_of - inv->due);
		row_end(o);
		st->files[FILE_INVOICES].rows++;
		total_add(&st->files[FILE_INVOICES], st, a, inv->balance);
	}
}

/* --- activity ----------------------------------------------------- */

static void
activity_rows(struct state *st, struct out *o, struct customer *cu)
{
	const struct activity *act;
	size_t i;

	for (i = cu->first_activity; i != NONE; i = act->next) {
		act = &st->activity[i];
		cell(st, o, cu->id);
		out_tab(o); out_date(o, act->date);
		out_tab(o); cell(st, o, act->channel);
		out_tab(o); cell(st, o, act->direction);
		out_tab(o); cell_free(st, o, T(st, act->actor), act->actor.len);
		out_tab(o); cell_free(st, o, T(st, act->outcome), act->outcome.len);
		out_tab(o); cell_free(st, o, T(st, act->note), act->note.len);
		row_end(o);
		st->files[FILE_ACTIVITY].rows++;
	}
	cu->wanted = 0;		/* once per customer, whatever its currencies */
}

/* --- updates and recalls ------------------------------------------ */

static void
update_row(struct state *st, struct out *o, const struct account *a)
{
	int64_t change = a->open_balance - a->last_balance;

	cell(st, o, a->customer);
	out_tab(o); cell(st, o, a->currency);
	out_tab(o); out_money(o, a->last_balance, a->exponent);
	out_tab(o); out_money(o, a->open_balance, a->exponent);
	out_tab(o); out_money(o, change, a->exponent);
	row_end(o);
	st->files[FILE_UPDATES].rows++;
	total_add(&st->files[FILE_UPDATES], st, a, change);
}

static void
recall_row(struct state *st, struct out *o, const struct account *a)
{
	cell(st, o, a->customer);
	out_tab(o); cell(st, o, a->currency);
	out_tab(o); out_str(o, recall_reasons[a->reason]);
	out_tab(o); out_money(o, a->open_balance, a->exponent);
	row_end(o);
	st->files[FILE_RECALLS].rows++;
	total_add(&st->files[FILE_RECALLS], st, a, a->open_balance);
}

/* --- the files ---------------------------------------------------- */

static struct out *
open_file(struct state *st, const char *dir, int file)
{
	struct batch_file *f = &st->files[file];
	struct out *o;

	f->name = names[file];
	snprintf(f->file, sizeof(f->file), "%s.%s", names[file],
	    st->opt->csv ? "csv" : "tsv");
	f->has_money = file != FILE_ACTIVITY;
	snprintf(st->failed_path, sizeof(st->failed_path), "%s/%s", dir,
	    f->file);
	if ((o = out_open_path(st->failed_path, 0600)) == NULL)
		return NULL;
	fchmod(o->fd, 0600);	/* whatever the umask: 0600, not less */
	if (st->opt->csv) {
		o->csv = 1;
		o->sep = ',';
	}
	header(st, o, file);
	return o;
}

/* Flush, make it durable, close: -1 with errno if any of it failed. */
static int
close_file(struct out *o)
{
	int failed = out_flush(o) < 0, saved = o->error;

	if (!failed && fsync(o->fd) < 0) {
		failed = 1;
		saved = errno;
	}
	if (out_close(o) < 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	errno = saved;
	return failed ? -1 : 0;
}

static void
account_rows(struct state *st, struct out *out[NFILES], const size_t *order)
{
	struct account *a;
	size_t i, *inv_order = NULL, inv_size = 0;

	for (i = 0; i < st->naccounts; i++) {
		a = &st->accounts[order[i]];
		switch (a->fate) {
		case FATE_PLACE:
			placement_row(st, out[FILE_PLACEMENTS], a);
			st->files[FILE_PLACEMENTS].rows++;
			total_add(&st->files[FILE_PLACEMENTS], st, a,
			    a->invoice_total);
			invoice_rows(st, out[FILE_INVOICES], a, &inv_order,
			    &inv_size);
			if (st->customers[a->customer_index].wanted)
				activity_rows(st, out[FILE_ACTIVITY],
				    &st->customers[a->customer_index]);
			break;
		case FATE_UPDATE:
			update_row(st, out[FILE_UPDATES], a);
			break;
		case FATE_RECALL:
			recall_row(st, out[FILE_RECALLS], a);
			break;
		default:
			break;
		}
	}
	free(inv_order);
}

int
write_batch_files(struct state *st, const char *dir)
{
	struct out *out[NFILES];
	size_t *order = sorted_accounts(st);
	int file, failed = 0;

	for (file = 0; file < NFILES; file++)
		if ((out[file] = open_file(st, dir, file)) == NULL) {
			while (file-- > 0)
				out_close(out[file]);
			free(order);
			return -1;
		}
	account_rows(st, out, order);
	free(order);
	for (file = 0; file < NFILES; file++)
		if (close_file(out[file]) < 0 && !failed) {
			failed = errno;	/* the first failure is the one told */
			snprintf(st->failed_path, sizeof(st->failed_path),
			    "%s/%s", dir, st->files[file].file);
		}
	errno = failed;
	return failed ? -1 : 0;
}

/* --- the ledger --------------------------------------------------- */

static const char ledger_header[] =
    "customer_id\tcurrency\tagency\tplaced_date\tplaced_balance\t"
    "last_balance\n";

struct ledger_row {
	struct text	 customer, currency, agency;
	size_t		 account;	/* or NONE: a foreign row */
	size_t		 foreign;
};

static int
text_cmp(const struct state *st, struct text a, struct text b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = memcmp(T(st, a), T(st, b), n);

	if (c != 0)
		return c;
	return a.len < b.len ? -1 : a.len > b.len;
}

static int
by_ledger_key(const void *a, const void *b)
{
	const struct ledger_row *x = a, *y = b;
	int c;

	if ((c = text_cmp(sort_state, x->customer, y->customer)) != 0)
		return c;
	if ((c = text_cmp(sort_state, x->currency, y->currency)) != 0)
		return c;
	return text_cmp(sort_state, x->agency, y->agency);
}

static void
ledger_line(struct state *st, struct out *o, const struct ledger_row *r)
{
	const struct account *a;
	const struct foreign *f;

	out_text(o, T(st, r->customer), r->customer.len);
	out_tab(o); out_text(o, T(st, r->currency), r->currency.len);
	out_tab(o); out_text(o, T(st, r->agency), r->agency.len);
	out_tab(o);
	if (r->account == NONE) {
		f = &st->foreign[r->foreign];
		out_text(o, T(st, f->placed_date), f->placed_date.len);
		out_tab(o); out_text(o, T(st, f->placed_balance),
		    f->placed_balance.len);
		out_tab(o); out_text(o, T(st, f->last_balance),
		    f->last_balance.len);
	} else if ((a = &st->accounts[r->account])->fate == FATE_PLACE) {
		out_date(o, st->opt->cli.as_of);
		out_tab(o); out_money(o, a->invoice_total, a->exponent);
		out_tab(o); out_money(o, a->invoice_total, a->exponent);
	} else {
		out_date(o, a->placed_date);
		out_tab(o); out_money(o, a->placed_balance, a->exponent);
		out_tab(o); out_money(o, a->fate == FATE_UPDATE ?
		    a->open_balance : a->last_balance, a->exponent);
	}
	out_nl(o);
}

void
write_ledger(struct state *st, struct out *o)
{
	struct ledger_row *rows = ereallocarray(NULL, st->naccounts +
	    st->nforeign + 1, sizeof(*rows));
	struct text agency = arena_add(&st->arena, st->opt->agency,
	    strlen(st->opt->agency));
	size_t n = 0, i;
	const struct account *a;

	for (i = 0; i < st->naccounts; i++) {
		a = &st->accounts[i];
		if (!(a->fate == FATE_PLACE || (a->placed &&
		    a->fate != FATE_RECALL)))
			continue;
		rows[n++] = (struct ledger_row){ a->customer, a->currency,
		    agency, i, 0 };
	}
	for (i = 0; i < st->nforeign; i++)
		rows[n++] = (struct ledger_row){ st->foreign[i].customer,
		    st->foreign[i].currency, st->foreign[i].agency, NONE, i };
	sort_state = st;
	qsort(rows, n, sizeof(*rows), by_ledger_key);
	out_bytes(o, ledger_header, sizeof(ledger_header) - 1);
	for (i = 0; i < n; i++)
		ledger_line(st, o, &rows[i]);
	free(rows);
}
