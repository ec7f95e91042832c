/*
 * aging-normalize: a billing system's invoice export in, canonical aged
 * invoices out.
 *
 * Reads CSV, semicolon CSV or TSV (columns found by alias), and writes TSV:
 * invoice_id customer_id currency amount balance issue_date due_date
 * days_past_due bucket, then every other column as it came.  Dates become
 * ISO, amounts canonical minor-unit text, and each open invoice is aged
 * against the as-of date.  Rows that cannot be read exactly are rejected,
 * never guessed.  Its own output reads back to the same bytes.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alias.h"
#include "cli.h"
#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "money.h"
#include "out.h"
#include "rejects.h"
#include "rows.h"
#include "strset.h"

#define PROG		"aging-normalize"
#define MAX_BUCKETS	16
#define MAX_CURRENCIES	256
#define REASON_MAX	256
#define RECENT_CURRENCIES 8
#define SIZE_SAMPLE_ROWS 4096

/* The columns read, in output order; the two computed ones follow. */
enum column {
	COL_INVOICE_ID, COL_CUSTOMER_ID, COL_CURRENCY, COL_AMOUNT, COL_BALANCE,
	COL_ISSUE_DATE, COL_DUE_DATE, COL_DAYS_PAST_DUE, COL_BUCKET, NCOLUMNS
};

static const struct alias_spec specs[NCOLUMNS] = {
	{ "invoice_id", "invoiceid|invoice|invoiceno|invoicenumber|invoicenum|"
	    "invno|invnumber|invoicenbr|documentnumber|documentno|docno|"
	    "docnumber", "invoice, invoice #, invoice no, invoice number, "
	    "inv no, document number, doc no" },
	{ "customer_id", "customerid|customer|customerno|customernumber|custid|"
	    "custno|account|accountid|accountno|accountnumber|clientid",
	    "customer, customer #, cust id, account, account id, "
	    "account number, client id" },
	{ "currency", "currency|currencycode|ccy|cur|curr", "ccy, cur" },
	{ "amount", "amount|invoiceamount|originalamount|total|invoicetotal",
	    "invoice amount, original amount, total, invoice total" },
	{ "balance", "balance|openbalance|amountdue|balancedue|outstanding|"
	    "openamount|remaining|amountremaining", "open balance, amount due, "
	    "balance due, outstanding, open amount, remaining" },
	{ "issue_date", "issuedate|invoicedate|date|docdate|documentdate|"
	    "postingdate", "invoice date, date, doc date, posting date" },
	{ "due_date", "duedate|due|paymentdue|netduedate|paymentduedate",
	    "due, payment due, net due date" },
	{ "days_past_due", "dayspastdue", "" },
	{ "bucket", "bucket|agingbucket", "" },
};

struct options {
	struct cli	 cli;
	enum rows_format format;
	enum date_order	 date_order;
	int		 decimal_comma;
	const struct currency *currency;
	const char	*map_path;
	int		 thresholds[MAX_BUCKETS];
	int		 nthresholds;
	char		 bucket_names[MAX_BUCKETS + 1][24];
	int		 open_only;
};

#define DATE_MEMO_SLOTS	1024

struct date_memo {
	unsigned char	 len;		/* of text; 0 for an empty slot */
	unsigned char	 canonical;	/* text is already YYYY-MM-DD */
	char		 text[30];
	int32_t		 day;
	char		 iso[DATE_TEXT_MAX];
};

/* Money per currency for --stats. */
struct total {
	const struct currency *currency;
	int64_t		 in, out;
	int		 overflow;
};

struct state {
	struct options	*opt;
	struct rows	*rows;
	struct out	*out;
	struct rejects	 rejects;
	struct strset	*seen_ids;
	int		 column_of[NCOLUMNS];	/* input index, or -1 */
	int		*passthrough;		/* input indexes kept as they are */
	size_t		 npassthrough;
	size_t		 width;
	char		*scratch[NCOLUMNS];
	size_t		 scratch_size[NCOLUMNS];
	long long	 rows_in, rows_out, dropped;
	struct total	 totals[MAX_CURRENCIES];
	size_t		 ntotals;
	struct date_memo due_memo[DATE_MEMO_SLOTS];
	struct date_memo issue_memo[DATE_MEMO_SLOTS];
	const struct currency *recent[RECENT_CURRENCIES];
	size_t		 nrecent;
	size_t		*runs;		/* passthrough runs: first index, count */
	int		 canonical_layout;
	size_t		 nruns;
};

/*
 * One parsed row, ready to write.  A value already in canonical form keeps
 * its input text, copied out as it is: for a TSV that is already canonical
 * (the common nightly case, and our own output) nothing is reformatted.
 */
struct invoice {
	struct field	 invoice_id, customer_id;
	int		 ids_escaped;	/* the id texts are still TSV-escaped */
	struct field	 amount_text, balance_text, issue_text, due_text;
	const struct currency *currency;
	int64_t		 amount, balance;
	int32_t		 issue_date, due_date;
	int		 has_issue_date;
	int		 days_past_due;
	const char	*bucket;
};

static char prog_name[] = PROG;

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: " PROG " [--as-of DATE] [--input-format auto|csv|tsv|ssv]\n"
"           [--date-order ymd|mdy|dmy] [--decimal-comma] [--currency CODE]\n"
"           [--map FILE] [--buckets 30,60,90,120] [--open-only]\n"
"           [--rejects FILE] [--max-rejects N] [--stats] [FILE]\n");
}

static int
parse_buckets(struct options *opt, const char *text)
{
	char copy[256], *p, *token;
	const char *errstr;
	int n = 0, last = 0;

	if (strlen(text) >= sizeof(copy))
		return -1;
	strcpy(copy, text);
	for (p = copy; (token = strsep(&p, ",")) != NULL; n++) {
		if (n == MAX_BUCKETS)
			return -1;
		opt->thresholds[n] = cli_number(token, last + 1, 36500, &errstr);
		if (errstr)
			return -1;
		snprintf(opt->bucket_names[n], sizeof(opt->bucket_names[n]),
		    "%d-%d", last + 1, opt->thresholds[n]);
		last = opt->thresholds[n];
	}
	snprintf(opt->bucket_names[n], sizeof(opt->bucket_names[n]), "%d+", last);
	opt->nthresholds = n;
	return 0;
}

static int
parse_date_order(const char *text, enum date_order *order)
{
	if (strcmp(text, "ymd") == 0)
		*order = DATE_ORDER_YMD;
	else if (strcmp(text, "mdy") == 0)
		*order = DATE_ORDER_MDY;
	else if (strcmp(text, "dmy") == 0)
		*order = DATE_ORDER_DMY;
	else
		return -1;
	return 0;
}

enum {
	OPT_INPUT_FORMAT = CLI_FIRST_OWN, OPT_DATE_ORDER, OPT_DECIMAL_COMMA,
	OPT_CURRENCY, OPT_MAP, OPT_BUCKETS, OPT_OPEN_ONLY
};

static const struct option longopts[] = {
	CLI_COMMON_OPTIONS,
	{ "input-format",  required_argument, NULL, OPT_INPUT_FORMAT },
	{ "date-order",	   required_argument, NULL, OPT_DATE_ORDER },
	{ "decimal-comma", no_argument,	      NULL, OPT_DECIMAL_COMMA },
	{ "currency",	   required_argument, NULL, OPT_CURRENCY },
	{ "map",	   required_argument, NULL, OPT_MAP },
	{ "buckets",	   required_argument, NULL, OPT_BUCKETS },
	{ "open-only",	   no_argument,	      NULL, OPT_OPEN_ONLY },
	{ NULL, 0, NULL, 0 }
};

static void
bad_option(const char *option, const char *value, const char *why)
{
	warnx("%s: %s \"%s\"", option, why, value);
	usage(stderr);
	exit(EX_USAGE);
}

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct options *opt = ctx;

	switch (ch) {
	case OPT_INPUT_FORMAT:
		if (rows_parse_format(arg, &opt->format) < 0)
			bad_option("--input-format", arg,
			    "want auto, csv, tsv or ssv");
		break;
	case OPT_DATE_ORDER:
		if (parse_date_order(arg, &opt->date_order) < 0)
			bad_option("--date-order", arg, "want ymd, mdy or dmy");
		break;
	case OPT_DECIMAL_COMMA:
		opt->decimal_comma = 1;
		break;
	case OPT_CURRENCY:
		if ((opt->currency = currency_find(arg, strlen(arg))) == NULL)
			bad_option("--currency", arg, "not an ISO 4217 code");
		break;
	case OPT_MAP:
		opt->map_path = arg;
		break;
	case OPT_BUCKETS:
		if (parse_buckets(opt, arg) < 0)
			bad_option("--buckets", arg,
			    "want increasing day counts, as 30,60,90,120");
		break;
	case OPT_OPEN_ONLY:
		opt->open_only = 1;
		break;
	default:
		usage(stderr);
		exit(EX_USAGE);
	}
}

static void
parse_options(struct options *opt, int argc, char *argv[])
{
	const char *errstr;

	cli_init(&opt->cli);
	parse_buckets(opt, "30,60,90,120");
	cli_getopt(&opt->cli, argc, argv, longopts, PROG, usage, own_option,
	    opt);
	if (cli_finish(&opt->cli, &errstr) < 0)
		errx(EX_USAGE, "%s", errstr);
}

/* Name each input column: one of ours (first one wins) or passthrough. */
static void
map_columns(struct state *st, struct alias *alias)
{
	const struct row *header = rows_header(st->rows);
	size_t i;
	int c;

	for (c = 0; c < NCOLUMNS; c++)
		st->column_of[c] = -1;
	st->width = header->count;
	st->passthrough = ecalloc(header->count, sizeof(int));
	for (i = 0; i < header->count; i++) {
		c = alias_match(alias, header->fields[i].s, header->fields[i].len);
		if (c >= 0 && st->column_of[c] < 0)
			st->column_of[c] = (int)i;
		else
			st->passthrough[st->npassthrough++] = (int)i;
	}
}

static void
require_columns(const struct state *st)
{
	static const enum column required[] = { COL_INVOICE_ID, COL_CUSTOMER_ID,
	    COL_DUE_DATE };
	const char *name = rows_name(st->rows);
	size_t i;

	if (rows_header(st->rows)->count == 0)
		errx(EX_DATAERR, "%s: empty input: no header line", name);
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (st->column_of[required[i]] < 0)
			errx(EX_DATAERR, "%s: missing column %s (also accepted: %s)",
			    name, specs[required[i]].canonical,
			    specs[required[i]].listed);
	if (st->column_of[COL_AMOUNT] < 0 && st->column_of[COL_BALANCE] < 0)
		errx(EX_DATAERR, "%s: missing column amount or balance "
		    "(also accepted: %s; %s)", name, specs[COL_AMOUNT].listed,
		    specs[COL_BALANCE].listed);
}

static void
write_header(struct state *st)
{
	const struct row *header = rows_header(st->rows);
	size_t i;
	int c;

	for (c = 0; c < NCOLUMNS; c++) {
		if (c > 0)
			out_tab(st->out);
		out_str(st->out, specs[c].canonical);
	}
	for (i = 0; i < st->npassthrough; i++) {
		const struct field *f = &header->fields[st->passthrough[i]];

		out_tab(st->out);
		out_text(st->out, f->s, f->len);
	}
	out_nl(st->out);
}

/* The trimmed, unescaped value of one of our columns; empty if absent. */
static struct field
value(struct state *st, const struct row *row, enum column c)
{
	struct field none = { "", 0 };

	if (st->column_of[c] < 0)
		return none;
	return rows_trim(rows_value(row, st->column_of[c], &st->scratch[c],
	    &st->scratch_size[c]));
}

/* 1 when value() of this column returned the TSV field's own bytes. */
static int
still_escaped(const struct state *st, const struct row *row, enum column c,
    struct field v)
{
	return row->escaped && (v.len == 0 || st->scratch[c] == NULL ||
	    v.s < st->scratch[c] || v.s >= st->scratch[c] + st->scratch_size[c]);
}

/* Plain money text that money_format would write the same way. */
static int
canonical_money(struct field v, int exponent, int64_t minor)
{
	const char *p = v.s, *end = v.s + v.len;

	if (*p == '-') {
		if (minor == 0)
			return 0;	/* "-0.00" */
		p++;
	}
	if (*p == '0' && p + 1 < end && p[1] != '.')
		return 0;		/* leading zeros */
	return exponent == 0 || memchr(p, '.', end - p) != NULL;
}

static int
fail(char *reason, enum column c, const char *why, struct field v)
{
	int len = v.len > 64 ? 64 : (int)v.len;

	snprintf(reason, REASON_MAX, "%s: %s \"%.*s%s\"", specs[c].canonical,
	    why, len, v.s, v.len > 64 ? "..." : "");
	return -1;
}

/*
 * An export holds a few hundred distinct dates in millions of rows, so each
 * date column remembers the texts it has read, with their ISO form: a
 * "3/1/2026" is parsed and formatted once, not once per row, and even an
 * ISO date costs a hash and a compare.
 */
static struct date_memo *
memo_slot(struct state *st, enum column c, struct field v)
{
	struct date_memo *memo = c == COL_DUE_DATE ? st->due_memo : st->issue_memo;

	return &memo[strset_hash(v.s, v.len) & (DATE_MEMO_SLOTS - 1)];
}

static int
read_date(struct state *st, struct field v, enum column c, int32_t *day,
    struct field *text, char *reason)
{
	struct date_memo *m = NULL;
	const char *errstr;

	if (v.len < sizeof(m->text)) {
		m = memo_slot(st, c, v);
		if (m->len == v.len && memcmp(m->text, v.s, v.len) == 0) {
			*day = m->day;
			*text = m->canonical ? v : (struct field){ m->iso,
			    DATE_TEXT_MAX - 1 };
			return 0;
		}
	}
	if (date_parse_iso(v.s, v.len, day) == 0)
		*text = v;	/* already canonical */
	else if (date_parse(v.s, v.len, st->opt->date_order, day, &errstr) < 0)
		return fail(reason, c, errstr, v);
	else
		text->len = 0;
	if (m != NULL) {
		m->len = v.len;
		memcpy(m->text, v.s, v.len);
		m->day = *day;
		m->canonical = text->len > 0;
		date_format(m->iso, *day);
		if (!m->canonical)
			*text = (struct field){ m->iso, DATE_TEXT_MAX - 1 };
	}
	return 0;
}

/* An export holds a handful of currencies: look there before the table. */
static const struct currency *
recent_currency(const struct state *st, struct field v)
{
	size_t i;

	if (v.len != 3)
		return NULL;
	for (i = 0; i < st->nrecent; i++)
		if (v.s[0] == st->recent[i]->code[0] &&
		    v.s[1] == st->recent[i]->code[1] &&
		    v.s[2] == st->recent[i]->code[2])
			return st->recent[i];
	return NULL;
}

/* The currency: the column, else --currency, else the amount's own code. */
static int
read_currency(struct state *st, const struct row *row, struct invoice *inv,
    char *reason)
{
	struct field v = value(st, row, COL_CURRENCY), money;
	struct money_scan scan;
	const char *errstr;

	if (v.len > 0) {
		if ((inv->currency = recent_currency(st, v)) != NULL)
			return 0;
		if ((inv->currency = currency_find(v.s, v.len)) == NULL)
			return fail(reason, COL_CURRENCY, "unknown currency", v);
		if (st->nrecent < RECENT_CURRENCIES)
			st->recent[st->nrecent++] = inv->currency;
		return 0;
	}
	if ((inv->currency = st->opt->currency) != NULL)
		return 0;
	money = value(st, row, st->column_of[COL_AMOUNT] >= 0 ? COL_AMOUNT :
	    COL_BALANCE);
	if (money_scan(money.s, money.len, st->opt->decimal_comma, &scan,
	    &errstr) == 0 && (inv->currency = currency_from_marker(scan.marker)))
		return 0;
	return fail(reason, COL_CURRENCY,
	    "missing (no currency column value and no --currency)", v);
}

static int
read_money(struct state *st, const struct row *row, enum column c,
    const struct currency *cur, int64_t *minor, struct field *text,
    char *reason)
{
	struct field v = value(st, row, c);
	struct money_scan scan;
	const char *errstr;

	text->len = 0;
	if (v.len == 0)
		return fail(reason, c, "empty", v);
	if (money_parse_plain(v.s, v.len, cur->exponent, minor, &errstr) == 0) {
		if (canonical_money(v, cur->exponent, *minor))
			*text = v;
		return 0;
	}
	if (money_scan(v.s, v.len, st->opt->decimal_comma, &scan, &errstr) < 0)
		return fail(reason, c, errstr, v);
	if (!currency_marker_fits(scan.marker, cur->code)) {
		char why[64];

		snprintf(why, sizeof(why), "currency symbol contradicts %s",
		    cur->code);
		return fail(reason, c, why, v);
	}
	if (money_scale(&scan, cur->exponent, minor, &errstr) < 0)
		return fail(reason, c, errstr, v);
	return 0;
}

static const char *
bucket_of(const struct options *opt, const struct invoice *inv)
{
	int i;

	if (inv->balance == 0)
		return "paid";
	if (inv->balance < 0)
		return "credit";
	if (inv->days_past_due <= 0)
		return "current";
	for (i = 0; i < opt->nthresholds; i++)
		if (inv->days_past_due <= opt->thresholds[i])
			return opt->bucket_names[i];
	return opt->bucket_names[opt->nthresholds];
}

static int
read_ids(struct state *st, const struct row *row, struct invoice *inv,
    char *reason)
{
	inv->invoice_id = value(st, row, COL_INVOICE_ID);
	if (inv->invoice_id.len == 0)
		return fail(reason, COL_INVOICE_ID, "empty", inv->invoice_id);
	inv->customer_id = value(st, row, COL_CUSTOMER_ID);
	if (inv->customer_id.len == 0)
		return fail(reason, COL_CUSTOMER_ID, "empty", inv->customer_id);
	inv->ids_escaped = still_escaped(st, row, COL_INVOICE_ID, inv->invoice_id) &&
	    still_escaped(st, row, COL_CUSTOMER_ID, inv->customer_id);
	return 0;
}

static int
read_dates(struct state *st, const struct row *row, struct invoice *inv,
    char *reason)
{
	struct field v = value(st, row, COL_DUE_DATE);

	if (v.len == 0)
		return fail(reason, COL_DUE_DATE, "empty", v);
	if (read_date(st, v, COL_DUE_DATE, &inv->due_date, &inv->due_text,
	    reason) < 0)
		return -1;
	v = value(st, row, COL_ISSUE_DATE);
	inv->has_issue_date = v.len > 0;
	inv->issue_text.len = 0;
	if (inv->has_issue_date && read_date(st, v, COL_ISSUE_DATE,
	    &inv->issue_date, &inv->issue_text, reason) < 0)
		return -1;
	return 0;
}

/* Amount and balance: a missing column takes the other's value. */
static int
read_amounts(struct state *st, const struct row *row, struct invoice *inv,
    char *reason)
{
	int has_amount = st->column_of[COL_AMOUNT] >= 0;
	int has_balance = st->column_of[COL_BALANCE] >= 0;

	if (has_amount && read_money(st, row, COL_AMOUNT, inv->currency,
	    &inv->amount, &inv->amount_text, reason) < 0)
		return -1;
	if (has_balance && read_money(st, row, COL_BALANCE, inv->currency,
	    &inv->balance, &inv->balance_text, reason) < 0)
		return -1;
	if (!has_balance) {
		inv->balance = inv->amount;
		inv->balance_text = inv->amount_text;
	}
	if (!has_amount) {
		inv->amount = inv->balance;
		inv->amount_text = inv->balance_text;
	}
	return 0;
}

static int
read_invoice(struct state *st, const struct row *row, struct invoice *inv,
    char *reason)
{
	if (row->count != st->width) {
		snprintf(reason, REASON_MAX, "row has %zu fields, header has %zu",
		    row->count, st->width);
		return -1;
	}
	if (read_ids(st, row, inv, reason) < 0)
		return -1;
	strset_prefetch(st->seen_ids, inv->invoice_id.s, inv->invoice_id.len);
	if (read_currency(st, row, inv, reason) < 0 ||
	    read_amounts(st, row, inv, reason) < 0 ||
	    read_dates(st, row, inv, reason) < 0)
		return -1;
	if (!strset_add(st->seen_ids, inv->invoice_id.s, inv->invoice_id.len))
		return fail(reason, COL_INVOICE_ID, "duplicate invoice id",
		    inv->invoice_id);
	inv->days_past_due = st->opt->cli.as_of - inv->due_date;
	inv->bucket = bucket_of(st->opt, inv);
	return 0;
}

static struct total *
total_for(struct state *st, const struct currency *cur)
{
	size_t i;

	for (i = 0; i < st->ntotals; i++)
		if (st->totals[i].currency == cur)
			return &st->totals[i];
	if (st->ntotals == MAX_CURRENCIES)
		errx(EX_SOFTWARE, "more than %d currencies", MAX_CURRENCIES);
	st->totals[st->ntotals].currency = cur;
	return &st->totals[st->ntotals++];
}

static void
count_money(struct state *st, const struct invoice *inv, int written)
{
	struct total *t = total_for(st, inv->currency);

	if (money_add(&t->in, inv->balance) < 0 ||
	    (written && money_add(&t->out, inv->balance) < 0))
		t->overflow = 1;
}

/*
 * Passthrough columns that stand side by side in a TSV input are copied as
 * one span, tabs and all: they need no escaping and no field-by-field work.
 */
static void
plan_runs(struct state *st)
{
	size_t i;

	st->runs = ecalloc(2 * st->npassthrough + 2, sizeof(size_t));
	for (i = 0; i < st->npassthrough; i++) {
		if (st->nruns > 0 && st->passthrough[i] == st->passthrough[i - 1] + 1)
			st->runs[2 * st->nruns - 1]++;
		else {
			st->runs[2 * st->nruns] = st->passthrough[i];
			st->runs[2 * st->nruns + 1] = 1;
			st->nruns++;
		}
	}
}

static void
write_passthrough(struct state *st, const struct row *row)
{
	const struct field *first, *last;
	size_t i;

	if (!row->escaped) {
		for (i = 0; i < st->npassthrough; i++) {
			first = &row->fields[st->passthrough[i]];
			out_tab(st->out);
			out_text(st->out, first->s, first->len);
		}
		return;
	}
	for (i = 0; i < st->nruns; i++) {
		first = &row->fields[st->runs[2 * i]];
		last = first + st->runs[2 * i + 1] - 1;
		out_tab(st->out);
		out_bytes(st->out, first->s, last->s + last->len - first->s);
	}
}

static void
write_money(struct out *o, struct field text, int64_t minor, int exponent)
{
	if (text.len > 0)
		out_bytes(o, text.s, text.len);
	else
		out_money(o, minor, exponent);
	out_tab(o);
}

static void
write_date(struct out *o, struct field text, int32_t day)
{
	if (text.len > 0)
		out_bytes(o, text.s, text.len);
	else
		out_date(o, day);
	out_tab(o);
}

/* 1 when our nine columns lead the input in our order, as in our output. */
static int
canonical_layout(const struct state *st)
{
	int c;

	for (c = 0; c < NCOLUMNS; c++)
		if (st->column_of[c] != c)
			return 0;
	return 1;
}

/* The value is the raw field itself, not a reformatted copy. */
static int
same_text(struct field value, struct field raw)
{
	return value.len > 0 && value.s == raw.s && value.len == raw.len;
}

/* 1 when the first seven fields of a TSV row are exactly what we'd write. */
static int
canonical_row(const struct row *row, const struct invoice *inv)
{
	const struct field *f = row->fields;

	return row->escaped && !row->has_backslash &&
	    inv->invoice_id.len == f[0].len && inv->customer_id.len == f[1].len &&
	    f[2].len == 3 && memcmp(f[2].s, inv->currency->code, 3) == 0 &&
	    same_text(inv->amount_text, f[3]) &&
	    same_text(inv->balance_text, f[4]) &&
	    (inv->has_issue_date ? same_text(inv->issue_text, f[5]) :
	    f[5].len == 0) && same_text(inv->due_text, f[6]);
}

/*
 * The nightly common case, a canonical TSV (our own output, or a run
 * again): copy the row around the two computed fields in three spans.
 */
static void
write_copied(struct state *st, const struct row *row, const struct invoice *inv)
{
	const struct field *f = row->fields;
	const char *line_end = row->raw + row->raw_len;
	const char *rest = f[8].s + f[8].len;

	out_bytes(st->out, f[0].s, f[6].s + f[6].len - f[0].s);
	out_tab(st->out);
	out_i64(st->out, inv->days_past_due);
	out_tab(st->out);
	out_bytes(st->out, inv->bucket, strlen(inv->bucket));
	out_bytes(st->out, rest, line_end - rest);
	out_nl(st->out);
}

static void
write_invoice(struct state *st, const struct row *row, const struct invoice *inv)
{
	struct out *o = st->out;
	int exponent = inv->currency->exponent;

	if (st->canonical_layout && canonical_row(row, inv)) {
		write_copied(st, row, inv);
		return;
	}

	if (inv->ids_escaped) {
		out_bytes(o, inv->invoice_id.s, inv->invoice_id.len);
		out_tab(o);
		out_bytes(o, inv->customer_id.s, inv->customer_id.len);
	} else {
		out_text(o, inv->invoice_id.s, inv->invoice_id.len);
		out_tab(o);
		out_text(o, inv->customer_id.s, inv->customer_id.len);
	}
	out_tab(o);
	out_bytes(o, inv->currency->code, 3);
	out_tab(o);
	write_money(o, inv->amount_text, inv->amount, exponent);
	write_money(o, inv->balance_text, inv->balance, exponent);
	if (inv->has_issue_date)
		write_date(o, inv->issue_text, inv->issue_date);
	else
		out_tab(o);
	write_date(o, inv->due_text, inv->due_date);
	out_i64(o, inv->days_past_due);
	out_tab(o);
	out_bytes(o, inv->bucket, strlen(inv->bucket));	/* never needs escapes */
	write_passthrough(st, row);
	out_nl(o);
}

static void
reject(struct state *st, const struct row *row, const char *reason)
{
	if (!rejects_add(&st->rejects, rows_name(st->rows), row->line, reason,
	    row->raw, row->raw_len))
		warnx("%s:%ld: %s", rows_name(st->rows), row->line, reason);
}

/*
 * Size the id set for the whole file at once, from its size and the rows
 * seen so far: growing by doubling would rehash every id several times.
 * Only for a regular file; a pipe's length is unknown.
 */
static void
reserve_ids(struct state *st, long long sampled_bytes)
{
	struct stat sb;

	if (fstat(rows_fd(st->rows), &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sampled_bytes <= 0)
		return;
	strset_reserve(st->seen_ids, (size_t)(sb.st_size /
	    (sampled_bytes / SIZE_SAMPLE_ROWS + 1)));
}

static void
process(struct state *st)
{
	long long sampled_bytes = 0;
	struct row row;
	struct invoice inv;
	char reason[REASON_MAX];
	const char *errstr;
	int got, open;

	while ((got = rows_next(st->rows, &row, &errstr)) != 0 &&
	    !out_failed(st->out)) {
		if (got < 0 && rows_failed(st->rows))
			errx(EX_IOERR, "%s: %s", rows_name(st->rows), errstr);
		st->rows_in++;
		if (got < 0) {
			reject(st, &row, errstr);
			continue;
		}
		if (read_invoice(st, &row, &inv, reason) < 0) {
			reject(st, &row, reason);
			continue;
		}
		open = inv.balance > 0;
		count_money(st, &inv, open || !st->opt->open_only);
		if (!open && st->opt->open_only) {
			st->dropped++;
			continue;
		}
		write_invoice(st, &row, &inv);
		st->rows_out++;
		if (st->rows_in == SIZE_SAMPLE_ROWS)
			reserve_ids(st, sampled_bytes + row.raw_len + 1);
		else if (st->rows_in < SIZE_SAMPLE_ROWS)
			sampled_bytes += row.raw_len + 1;
	}
}

static void
print_stats(const struct state *st)
{
	char in[MONEY_TEXT_MAX], out[MONEY_TEXT_MAX];
	size_t i;

	fprintf(stderr, PROG ": rows in %lld, out %lld, rejected %lld, "
	    "dropped %lld (open-only)", st->rows_in, st->rows_out,
	    st->rejects.count, st->dropped);
	for (i = 0; i < st->ntotals; i++) {
		const struct total *t = &st->totals[i];

		money_format(in, t->in, t->currency->exponent);
		money_format(out, t->out, t->currency->exponent);
		fprintf(stderr, "; %s balance in %s, out %s%s", t->currency->code,
		    in, out, t->overflow ? " (overflow)" : "");
	}
	fputc('\n', stderr);
}

static struct alias *
load_aliases(const struct options *opt)
{
	struct alias *alias;
	const char *errstr;
	long line;

	if ((alias = alias_new(specs, NCOLUMNS, &errstr)) == NULL)
		errx(EX_SOFTWARE, "%s", errstr);
	if (opt->map_path && alias_load_map(alias, opt->map_path, &line, &errstr) < 0) {
		if (line == 0)
			errx(EX_NOINPUT, "%s: %s", opt->map_path, errstr);
		errx(EX_CONFIG, "%s:%ld: %s", opt->map_path, line, errstr);
	}
	return alias;
}

static void
open_input(struct state *st, const char *path)
{
	const char *errstr;

	if ((st->rows = rows_open(path, st->opt->format, &errstr)) == NULL)
		errx(EX_NOINPUT, "%s: %s", path && strcmp(path, "-") ? path :
		    "<stdin>", errstr);
	if (rejects_open(&st->rejects, PROG, st->opt->cli.rejects_path) < 0)
		err(EX_CANTCREAT, "%s", st->opt->cli.rejects_path);
}

/* Flush everything; the exit status says whether every write landed. */
static int
finish(struct state *st)
{
	int status = EX_OK;

	if (out_close(st->out) < 0) {
		warn("stdout");
		status = EX_IOERR;
	}
	if (rejects_close(&st->rejects) < 0) {
		warn("%s", st->opt->cli.rejects_path);
		status = EX_IOERR;
	}
	if (st->opt->cli.stats)
		print_stats(st);
	if (status == EX_OK && st->rejects.count > st->opt->cli.max_rejects) {
		warnx("%lld rows rejected (--max-rejects %lld)",
		    st->rejects.count, st->opt->cli.max_rejects);
		status = EX_DATAERR;
	}
	return status;
}

static void
free_state(struct state *st)
{
	int c;

	rows_close(st->rows);
	strset_free(st->seen_ids);
	free(st->passthrough);
	free(st->runs);
	for (c = 0; c < NCOLUMNS; c++)
		free(st->scratch[c]);
}

int
main(int argc, char *argv[])
{
	struct options opt = { .format = ROWS_AUTO };
	struct state st = { .opt = &opt };
	struct alias *alias;
	int status;

	argv[0] = prog_name;	/* getopt's messages name the program, not its path */
	parse_options(&opt, argc, argv);
	argc -= optind;
	argv += optind;
	if (argc > 1) {
		usage(stderr);
		return EX_USAGE;
	}
	open_input(&st, argc == 1 ? argv[0] : NULL);
	alias = load_aliases(&opt);
	map_columns(&st, alias);
	alias_free(alias);
	plan_runs(&st);
	st.canonical_layout = canonical_layout(&st);
	require_columns(&st);
	st.seen_ids = strset_new();
	st.out = out_open_fd(STDOUT_FILENO);
	write_header(&st);
	process(&st);
	status = finish(&st);
	free_state(&st);
	return status;
}
