/*
 * gen-testdata: deterministic, realistic test data for the collections
 * pipeline, fast enough to write 10 million invoices in a few seconds.
 *
 *	gen-testdata invoices --rows N [--customers N] [--seed S]
 *	    [--format tsv|csv-us|csv-eu] [--currency CODE] [--as-of DATE]
 *	gen-testdata payments --rows N [--invoices N] [--customers N]
 *	    [--seed S] [--format tsv|csv] [--currency CODE] [--as-of DATE]
 *	gen-testdata accounts --customers N [--seed S] [--as-of DATE]
 *	gen-testdata activity --rows N [--customers N] [--seed S] [--as-of DATE]
 *
 * Same arguments, same bytes: the output depends on the arguments alone
 * (no clock, no environment, no locale, no rand()).  Defaults: --seed 1,
 * --as-of 2026-11-23, --customers = invoices / 10 (at least 1); for
 * payments --invoices = 10 * rows.
 *
 * invoices
 *   tsv: canonical TSV as aging-normalize writes it: invoice_id customer_id
 *   currency amount balance issue_date due_date days_past_due bucket, then
 *   the passthrough columns po_number flags memo.  Currencies per customer
 *   (mostly USD, EUR, GBP, some CAD, JPY, KWD; --currency forces one),
 *   balances paid, partial, open, a few credits; days_past_due and bucket
 *   by SPEC 2 with the default buckets; memos with commas, quotes, UTF-8
 *   and, rarely, TSV escapes (\n \t \\).
 *   csv-us: a messy US billing export of the same rows in USD: UTF-8 BOM,
 *   CRLF, aliased headers, M/D/YYYY dates, "$1,234.56", "1234.5", "(12.00)",
 *   quoted notes with commas, quotes and embedded newlines, a few rows
 *   quoted throughout, a few empty Currency cells.  Needs
 *   aging-normalize --date-order mdy --currency USD.
 *   csv-eu: semicolons, DD.MM.YYYY, "1.234,56 €", EUR, LF line ends.
 *   Needs aging-normalize --decimal-comma.
 *   The row model does not depend on the format: after aging-normalize,
 *   csv-us gives the same rows as `--format tsv --currency USD` and csv-eu
 *   the same as `--format tsv --currency EUR` (all but the header line).
 *
 * payments: payment_id customer_id currency amount received_date status
 *   reference.  Payment j draws an invoice k of the invoices that
 *   `invoices` with the same --customers, --seed, --currency and --as-of
 *   writes (k <= --invoices) and rebuilds it: paid and partly paid
 *   invoices get the posted payment already in their balance; open ones
 *   get unposted cash tonight: exact, two invoices at once, short by a
 *   bank fee, partial, overpaid, unknown customer, wrong currency (in
 *   the next of the mixed currencies, --currency or not), lump sum.  A quarter of references name the invoice (INV-0001043,
 *   inv 0001043, Inv#0001043, INV0001043, ...).
 * accounts: the customer master, one row per customer: customer_id name
 *   account_manager flags customer_since promise_to_pay_date retry_status
 *   last_response_date.
 * activity: the log of internal efforts, oldest first: customer_id date
 *   channel direction actor outcome note (a few notes carry card numbers,
 *   SSNs and IBANs for redaction tests).
 *
 * Ids: invoice k is INV-%07k, customer c is C%06c, payment j is PAY-%07j.
 * Invoice k belongs to customer perm((k - 1) mod customers) + 1, perm a
 * bijection fixed by the seed, so the invoices of k's customer are
 * k, k +- customers, k +- 2 * customers, ...
 *
 * Self-contained (libc only) so it builds before the library does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define PROG		"gen-testdata"
#define VERSION		"0.1.0"
#define ROW_MAX		4096		/* longest row any writer emits */
#define OUT_SIZE	(1 << 20)
#define MAX_COUNT	10000000000ULL	/* rows */
#define MAX_CUSTOMERS	1000000000ULL
#define DATE_BEFORE	6000		/* days cached before as-of */
#define DATE_AFTER	1000		/* and after */

enum command { CMD_INVOICES, CMD_PAYMENTS, CMD_ACCOUNTS, CMD_ACTIVITY };
enum format { FMT_TSV, FMT_CSV_US, FMT_CSV_EU, FMT_CSV };
enum date_style { DS_ISO, DS_US, DS_EU, DS_COUNT };
enum stream {
	ST_INVOICE = 1, ST_STYLE, ST_CUSTOMER_CCY, ST_PAYMENT, ST_ACCOUNT,
	ST_ACTIVITY, ST_PERM
};

struct ccy {
	const char	*code;
	int		 exponent;
	const char	*symbol;	/* "" when exports write the code */
};

static const struct ccy ccys[] = {
	{ "USD", 2, "$" }, { "EUR", 2, "\xe2\x82\xac" }, { "GBP", 2, "\xc2\xa3" },
	{ "CAD", 2, "" }, { "JPY", 0, "\xc2\xa5" }, { "KWD", 3, "" },
	/* only through --currency */
	{ "CHF", 2, "" }, { "AUD", 2, "" }, { "SEK", 2, "" }, { "MXN", 2, "" },
	{ "BHD", 3, "" }, { "OMR", 3, "" }, { "JOD", 3, "" }, { "TND", 3, "" },
	{ "KRW", 0, "" }, { "CLP", 0, "" },
};
#define CCY_MIXED	6	/* the first six are drawn for customers */

struct params {
	enum command	 command;
	enum format	 format;
	uint64_t	 rows;
	uint64_t	 customers;
	uint64_t	 invoices;
	uint64_t	 seed;
	int32_t		 as_of;
	const struct ccy *forced;
	uint64_t	 perm_mult;
	uint64_t	 perm_add;
};

struct invoice {
	uint64_t	 number;
	uint64_t	 customer;
	const struct ccy *ccy;
	int64_t		 amount;
	int64_t		 balance;
	int32_t		 issue;
	int32_t		 due;
	int		 po_style;	/* 0 none, 1 PO-nnnnnn, 2 45nnnnnnnn */
	uint32_t	 po;
	int		 disputed;
	int		 memo;		/* index into memos, -1 none */
};

struct payment {
	uint64_t	 customer;	/* 0: unknown */
	const struct ccy *ccy;
	int64_t		 amount;
	int32_t		 received;
	int		 posted;
	char		 reference[64];
	size_t		 reference_len;
};

/* ---- output: one big buffer, rows written in place, write(2) checked */

static char	 outbuf[OUT_SIZE];
static size_t	 outlen;

static void
die(int code, const char *what)
{
	fprintf(stderr, "%s: %s\n", PROG, what);
	exit(code);
}

static void
out_flush(void)
{
	size_t done = 0;

	while (done < outlen) {
		ssize_t n = write(STDOUT_FILENO, outbuf + done, outlen - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "%s: write error: %s\n", PROG,
			    n < 0 ? strerror(errno) : "short write");
			exit(EX_IOERR);
		}
		done += (size_t)n;
	}
	outlen = 0;
}

/* Room for one row; the writer fills it and hands the end to out_commit. */
static char *
out_row(void)
{
	if (sizeof outbuf - outlen < ROW_MAX)
		out_flush();
	return outbuf + outlen;
}

static void
out_commit(char *end)
{
	outlen = (size_t)(end - outbuf);
}

/* ---- formatting by hand: each put_* writes at w and returns the end */

static char *
put_mem(char *w, const char *s, size_t len)
{
	memcpy(w, s, len);
	return w + len;
}

static char *
put_str(char *w, const char *s)
{
	return put_mem(w, s, strlen(s));
}

/* v in decimal, zero-padded to at least width digits. */
static char *
put_pad(char *w, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n < width)
		tmp[n++] = '0';
	while (n > 0)
		*w++ = tmp[--n];
	return w;
}

static char *
put_u64(char *w, uint64_t v)
{
	return put_pad(w, v, 1);
}

static char *
put_i64(char *w, int64_t v)
{
	if (v < 0) {
		*w++ = '-';
		return put_u64(w, (uint64_t)0 - (uint64_t)v);
	}
	return put_u64(w, (uint64_t)v);
}

static uint64_t
pow10u(int exponent)
{
	uint64_t unit = 1;

	while (exponent-- > 0)
		unit *= 10;
	return unit;
}

/*
 * The magnitude of minor units: integer part (thousands separated when
 * thousands is not 0), decimal mark, exactly exponent digits, or fewer
 * with trim (trailing zeros and a bare mark dropped).
 */
static char *
put_magnitude(char *w, uint64_t minor, int exponent, char thousands,
    char decimal, int trim)
{
	uint64_t unit = pow10u(exponent), major = minor / unit;
	char tmp[32];
	int n = 0, digits = 0;

	do {
		if (thousands && digits > 0 && digits % 3 == 0)
			tmp[n++] = thousands;
		tmp[n++] = (char)('0' + major % 10);
		major /= 10;
		digits++;
	} while (major != 0);
	while (n > 0)
		*w++ = tmp[--n];
	if (exponent == 0)
		return w;
	char *mark = w;
	*w++ = decimal;
	w = put_pad(w, minor % unit, exponent);
	if (trim) {
		while (w[-1] == '0')
			w--;
		if (w - 1 == mark)
			w--;
	}
	return w;
}

/* The canonical form of SPEC 1: -?digits[.digits]. */
static char *
put_money(char *w, int64_t minor, int exponent)
{
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;

	if (minor < 0)
		*w++ = '-';
	return put_magnitude(w, mag, exponent, 0, '.', 0);
}

/* TSV escapes of SPEC 1. */
static char *
put_tsv(char *w, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '\t': *w++ = '\\'; *w++ = 't'; break;
		case '\n': *w++ = '\\'; *w++ = 'n'; break;
		case '\r': *w++ = '\\'; *w++ = 'r'; break;
		case '\\': *w++ = '\\'; *w++ = '\\'; break;
		default: *w++ = s[i]; break;
		}
	}
	return w;
}

/* RFC 4180: quoted when it must be (or force), quotes doubled. */
static char *
put_csv(char *w, const char *s, size_t len, char sep, int force)
{
	int quote = force;

	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == sep || s[i] == '"' || s[i] == '\n' ||
		    s[i] == '\r';
	if (!quote)
		return put_mem(w, s, len);
	*w++ = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			*w++ = '"';
		*w++ = s[i];
	}
	*w++ = '"';
	return w;
}

/* ---- dates: day numbers (days since 1970-01-01), Hinnant's algorithms */

static int32_t
days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int32_t)doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)yoe + era * 400 + (*m <= 2);
}

static char *
put_date_slow(char *w, int32_t day, enum date_style style)
{
	int y;
	unsigned m, d;

	civil_from_days(day, &y, &m, &d);
	switch (style) {
	case DS_US:
		w = put_u64(w, m);
		*w++ = '/';
		w = put_u64(w, d);
		*w++ = '/';
		return put_pad(w, (uint64_t)y, 4);
	case DS_EU:
		w = put_pad(w, d, 2);
		*w++ = '.';
		w = put_pad(w, m, 2);
		*w++ = '.';
		return put_pad(w, (uint64_t)y, 4);
	default:
		w = put_pad(w, (uint64_t)y, 4);
		*w++ = '-';
		w = put_pad(w, m, 2);
		*w++ = '-';
		return put_pad(w, d, 2);
	}
}

struct date_text {
	char		 text[11];
	unsigned char	 len;
};
static struct date_text date_cache[DS_COUNT][DATE_BEFORE + DATE_AFTER];
static int32_t	 date_first;

static void
date_cache_fill(int32_t as_of)
{
	date_first = as_of - DATE_BEFORE;
	for (int s = 0; s < DS_COUNT; s++)
		for (int i = 0; i < DATE_BEFORE + DATE_AFTER; i++) {
			struct date_text *t = &date_cache[s][i];
			char *end = put_date_slow(t->text, date_first + i,
			    (enum date_style)s);
			t->len = (unsigned char)(end - t->text);
		}
}

static char *
put_date(char *w, int32_t day, enum date_style style)
{
	int64_t i = (int64_t)day - date_first;

	if (i < 0 || i >= DATE_BEFORE + DATE_AFTER)
		return put_date_slow(w, day, style);
	return put_mem(w, date_cache[style][i].text, date_cache[style][i].len);
}

/* Strict YYYY-MM-DD, years 1100-9990 so the cache window stays valid. */
static int
parse_date(const char *s, int32_t *day)
{
	static const unsigned char mdays[] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y;
	unsigned m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = atoi(s);
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1100 || y > 9990 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*day = days_from_civil(y, m, d);
	return 0;
}

/* ---- the PRNG: splitmix64, one independent stream per row */

struct rng {
	uint64_t	 state;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_init(struct rng *r, uint64_t seed, enum stream stream, uint64_t index)
{
	r->state = mix64(seed ^ mix64(((uint64_t)stream << 56) ^ index));
}

static uint64_t
rng_next(struct rng *r)
{
	r->state += 0x9e3779b97f4a7c15ULL;
	return mix64(r->state);
}

/* Uniform enough in [0, n): n is tiny beside 2^64 (Lemire, no division). */
static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	__extension__ typedef unsigned __int128 u128;

	return (uint64_t)(((u128)rng_next(r) * n) >> 64);
}

static uint64_t
rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

static int
rng_permille(struct rng *r, unsigned permille)
{
	return rng_below(r, 1000) < permille;
}

static const char *
rng_pick(struct rng *r, const char *const *list, size_t n)
{
	return list[rng_below(r, n)];
}
#define PICK(r, list)	rng_pick((r), (list), sizeof(list) / sizeof((list)[0]))

/* ---- the invoice model: a pure function of (params, k) */

static const char *const memos[] = {
	"Net 30",
	"Net 45, per contract",
	"Ship to: 12 Harbor Rd, Unit 4",
	"Customer says \"check is in the mail\"",
	"Partial delivery; balance backordered",
	"Rebilled after price correction",
	"Caf\xc3\xa9 supplies \xe2\x80\x93 Q3 order",
	"Contact: ap@example.com",
	"Attn: \"Accounts Payable\", 2nd floor",
	"50% deposit received",
	"=1+2 imported from spreadsheet",
	"-10% volume discount applied",
	"PO missing, see email from J. O'Brien",
	/* rare: the escapes and the embedded newline */
	"Line 1 of note\nLine 2 of note",
	"Tab\tseparated remark",
	"Path C:\\exports\\2026",
};
#define MEMO_COMMON	13

static uint64_t
customer_of(const struct params *p, uint64_t k)
{
	return ((k - 1) % p->customers * p->perm_mult + p->perm_add) %
	    p->customers + 1;
}

static const struct ccy *
customer_ccy(const struct params *p, uint64_t customer)
{
	static const unsigned cumulative[CCY_MIXED] =
	    { 520, 760, 880, 920, 970, 1000 };
	struct rng r;
	uint64_t x;
	int i = 0;

	if (p->forced)
		return p->forced;
	rng_init(&r, p->seed, ST_CUSTOMER_CCY, customer);
	x = rng_below(&r, 1000);
	while (x >= cumulative[i])
		i++;
	return &ccys[i];
}

/* Mostly hundreds to thousands, a long tail to millions. */
static int64_t
make_amount(struct rng *r, const struct ccy *ccy)
{
	uint64_t cls = rng_below(r, 1000), major, unit = pow10u(ccy->exponent);

	if (cls < 550)
		major = rng_range(r, 20, 1999);
	else if (cls < 880)
		major = rng_range(r, 2000, 19999);
	else if (cls < 985)
		major = rng_range(r, 20000, 199999);
	else
		major = rng_range(r, 200000, 1999999);
	if (ccy->exponent == 0)
		major *= 100;
	else if (ccy->exponent >= 3)
		major = major / 3 + 1;
	uint64_t round = rng_permille(r, 350);
	uint64_t minor = rng_below(r, unit);
	return (int64_t)(major * unit + (round ? 0 : minor));
}

/* Older invoices are more often paid; a few credits. */
static int64_t
make_balance(struct rng *r, int64_t *amount, int32_t dpd)
{
	uint64_t kind = rng_below(r, 1000), x = rng_below(r, 1000);
	uint64_t pct = rng_range(r, 10, 90), extra = rng_next(r);
	unsigned paid, partial;

	if (kind < 10) {		/* credit memo */
		*amount = -(*amount / 5 + 1);
		return *amount;
	}
	if (kind < 15)			/* overpaid */
		return -(int64_t)(extra % (uint64_t)(*amount / 20 + 1)) - 1;
	if (dpd < 0)
		paid = 100, partial = 30;
	else if (dpd <= 30)
		paid = 450, partial = 80;
	else if (dpd <= 90)
		paid = 550, partial = 100;
	else
		paid = 700, partial = 80;
	if (x < paid)
		return 0;
	if (x < paid + partial && *amount > 1) {
		int64_t part = *amount * (int64_t)pct / 100;
		return part < 1 ? 1 : part;
	}
	return *amount;
}

static int32_t
make_age(struct rng *r)
{
	uint64_t x = rng_below(r, 1000);

	if (x < 450)
		return (int32_t)rng_range(r, 0, 45);
	if (x < 750)
		return (int32_t)rng_range(r, 46, 120);
	if (x < 950)
		return (int32_t)rng_range(r, 121, 365);
	return (int32_t)rng_range(r, 366, 1100);
}

static int32_t
make_terms(struct rng *r)
{
	static const int32_t terms[20] = { 30, 30, 30, 30, 30, 30, 30, 30, 30,
	    30, 15, 15, 15, 45, 45, 45, 60, 60, 0, 90 };

	return terms[rng_below(r, 20)];
}

static int
make_memo(struct rng *r)
{
	uint64_t x = rng_below(r, 1000);

	if (x < 550)
		return -1;
	if (x < 991)
		return (int)(x % MEMO_COMMON);
	return MEMO_COMMON + (int)(x % 3);
}

static void
invoice_make(struct invoice *inv, uint64_t k, const struct params *p)
{
	struct rng r;

	rng_init(&r, p->seed, ST_INVOICE, k);
	inv->number = k;
	inv->customer = customer_of(p, k);
	inv->ccy = customer_ccy(p, inv->customer);
	uint64_t other = rng_below(&r, 1000), which = rng_below(&r, CCY_MIXED);
	if (!p->forced && other < 20)
		inv->ccy = &ccys[which];
	inv->amount = make_amount(&r, inv->ccy);
	inv->issue = p->as_of - make_age(&r);
	inv->due = inv->issue + make_terms(&r);
	inv->balance = make_balance(&r, &inv->amount, p->as_of - inv->due);
	uint64_t po = rng_below(&r, 1000);
	inv->po_style = po < 650 ? 1 : po < 750 ? 2 : 0;
	inv->po = (uint32_t)rng_below(&r, 100000000);
	inv->disputed = rng_permille(&r, 30);
	inv->memo = make_memo(&r);
}

/* SPEC 2 with the default --buckets 30,60,90,120. */
static const char *
bucket_of(int64_t balance, int32_t dpd)
{
	if (balance == 0)
		return "paid";
	if (balance < 0)
		return "credit";
	if (dpd <= 0)
		return "current";
	if (dpd <= 30)
		return "1-30";
	if (dpd <= 60)
		return "31-60";
	if (dpd <= 90)
		return "61-90";
	if (dpd <= 120)
		return "91-120";
	return "120+";
}

static char *
put_invoice_id(char *w, uint64_t k)
{
	return put_pad(put_mem(w, "INV-", 4), k, 7);
}

static char *
put_customer_id(char *w, uint64_t c)
{
	*w++ = 'C';
	return put_pad(w, c, 6);
}

static size_t
format_po(char *buf, const struct invoice *inv)
{
	char *w = buf;

	if (inv->po_style == 1)
		w = put_pad(put_mem(w, "PO-", 3), inv->po % 1000000, 6);
	else if (inv->po_style == 2)
		w = put_pad(put_mem(w, "45", 2), inv->po, 8);
	return (size_t)(w - buf);
}

/* ---- invoice writers */

static void
invoice_header(enum format format)
{
	static const char tsv[] = "invoice_id\tcustomer_id\tcurrency\tamount"
	    "\tbalance\tissue_date\tdue_date\tdays_past_due\tbucket"
	    "\tpo_number\tflags\tmemo\n";
	static const char csv_us[] = "\xef\xbb\xbfInvoice #,Customer ID,"
	    "Currency,Invoice Amount,Amount Due,Invoice Date,Due Date,"
	    "PO Number,Flags,Notes\r\n";
	static const char csv_eu[] = "Invoice No;Customer;Currency;Total;"
	    "Open Amount;Doc Date;Due;PO Number;Flags;Notes\n";
	const char *header = format == FMT_CSV_US ? csv_us :
	    format == FMT_CSV_EU ? csv_eu : tsv;

	out_commit(put_str(out_row(), header));
}

static void
invoice_tsv(const struct invoice *inv, int32_t as_of)
{
	char *w = out_row();
	int e = inv->ccy->exponent;
	int32_t dpd = as_of - inv->due;

	w = put_invoice_id(w, inv->number);
	*w++ = '\t';
	w = put_customer_id(w, inv->customer);
	*w++ = '\t';
	w = put_str(w, inv->ccy->code);
	*w++ = '\t';
	w = put_money(w, inv->amount, e);
	*w++ = '\t';
	w = put_money(w, inv->balance, e);
	*w++ = '\t';
	w = put_date(w, inv->issue, DS_ISO);
	*w++ = '\t';
	w = put_date(w, inv->due, DS_ISO);
	*w++ = '\t';
	w = put_i64(w, dpd);
	*w++ = '\t';
	w = put_str(w, bucket_of(inv->balance, dpd));
	*w++ = '\t';
	w += format_po(w, inv);
	*w++ = '\t';
	if (inv->disputed)
		w = put_mem(w, "disputed", 8);
	*w++ = '\t';
	if (inv->memo >= 0)
		w = put_tsv(w, memos[inv->memo], strlen(memos[inv->memo]));
	*w++ = '\n';
	out_commit(w);
}

/* "$1,234.56", "1234.56", "1234.5", "1,234.56"; "(12.00)" or "-12.00". */
static size_t
format_us_amount(char *buf, int64_t minor, const struct ccy *ccy,
    struct rng *style)
{
	uint64_t kind = rng_below(style, 4), paren = rng_permille(style, 600);
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	char *w = buf;

	if (minor < 0)
		*w++ = paren ? '(' : '-';
	else if (kind == 0)
		w = put_str(w, ccy->symbol);
	w = put_magnitude(w, mag, ccy->exponent,
	    kind == 0 || kind == 3 ? ',' : 0, '.', kind == 2);
	if (minor < 0 && paren)
		*w++ = ')';
	return (size_t)(w - buf);
}

/* "1.234,56 €", "1234,56", "1.234,56"; negatives "-1.234,56 €". */
static size_t
format_eu_amount(char *buf, int64_t minor, const struct ccy *ccy,
    struct rng *style)
{
	uint64_t kind = rng_below(style, 3);
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	char *w = buf;

	if (minor < 0)
		*w++ = '-';
	w = put_magnitude(w, mag, ccy->exponent, kind == 1 ? 0 : '.', ',', 0);
	if (kind == 0) {
		*w++ = ' ';
		w = put_str(w, *ccy->symbol ? ccy->symbol : ccy->code);
	}
	return (size_t)(w - buf);
}

static void
invoice_csv(const struct invoice *inv, const struct params *p)
{
	int us = p->format == FMT_CSV_US;
	char sep = us ? ',' : ';', tmp[64], *w = out_row();
	enum date_style ds = us ? DS_US : DS_EU;
	struct rng style;
	size_t n;

	rng_init(&style, p->seed, ST_STYLE, inv->number);
	int all = rng_permille(&style, 30);	/* some rows quote every cell */
	int blank_ccy = us && rng_permille(&style, 50);

	n = (size_t)(put_invoice_id(tmp, inv->number) - tmp);
	w = put_csv(w, tmp, n, sep, all);
	*w++ = sep;
	n = (size_t)(put_customer_id(tmp, inv->customer) - tmp);
	w = put_csv(w, tmp, n, sep, all);
	*w++ = sep;
	w = put_csv(w, inv->ccy->code, blank_ccy ? 0 : 3, sep, all);
	for (int i = 0; i < 2; i++) {
		int64_t v = i == 0 ? inv->amount : inv->balance;
		*w++ = sep;
		n = us ? format_us_amount(tmp, v, inv->ccy, &style) :
		    format_eu_amount(tmp, v, inv->ccy, &style);
		w = put_csv(w, tmp, n, sep, all);
	}
	for (int i = 0; i < 2; i++) {
		*w++ = sep;
		n = (size_t)(put_date(tmp, i == 0 ? inv->issue : inv->due, ds) -
		    tmp);
		w = put_csv(w, tmp, n, sep, all);
	}
	*w++ = sep;
	w = put_csv(w, tmp, format_po(tmp, inv), sep, all);
	*w++ = sep;
	w = put_csv(w, "disputed", inv->disputed ? 8 : 0, sep, all);
	*w++ = sep;
	if (inv->memo >= 0)
		w = put_csv(w, memos[inv->memo], strlen(memos[inv->memo]),
		    sep, all);
	else
		w = put_csv(w, "", 0, sep, all);
	w = us ? put_mem(w, "\r\n", 2) : put_mem(w, "\n", 1);
	out_commit(w);
}

static void
gen_invoices(const struct params *p)
{
	struct invoice inv;

	invoice_header(p->format);
	for (uint64_t k = 1; k <= p->rows; k++) {
		invoice_make(&inv, k, p);
		if (p->format == FMT_TSV)
			invoice_tsv(&inv, p->as_of);
		else
			invoice_csv(&inv, p);
	}
}

/* ---- payments */

static size_t
invoice_reference(char *buf, struct rng *r, uint64_t k)
{
	static const char *const spellings[][2] = {
		{ "INV-", "" }, { "inv ", "" }, { "Inv#", "" }, { "INV", "" },
		{ "Payment for INV-", "" }, { "remit inv ", " thank you" },
		{ "INV ", ", ACH 20261120" },
	};
	const char *const *s = spellings[rng_below(r, 7)];
	char *w = put_pad(put_str(buf, s[0]), k, 7);

	return (size_t)(put_str(w, s[1]) - buf);
}

static size_t
bank_reference(char *buf, struct rng *r)
{
	uint64_t x = rng_below(r, 5), n = rng_next(r);
	char *w = buf;

	if (x == 0)
		w = put_pad(put_str(w, "ACH "), n % 100000000, 8);
	else if (x == 1)
		w = put_u64(put_str(w, "CHK "), 1000 + n % 90000);
	else if (x == 2)
		w = put_pad(put_str(w, "WIRE REF "), n % 10000000000ULL, 10);
	else if (x == 3)
		w = put_str(w, "Lockbox deposit");
	return (size_t)(w - buf);
}

/* Cash that arrived tonight against an open invoice. */
static void
payment_unposted(struct payment *pay, struct rng *r, const struct invoice *inv,
    const struct params *p, int *names_invoice)
{
	uint64_t kind = rng_below(r, 1000), pct = rng_range(r, 20, 80);
	int64_t unit = (int64_t)pow10u(inv->ccy->exponent);
	int64_t fee = (int64_t)rng_range(r, 1, 25) * unit;
	int64_t over = (int64_t)rng_range(r, 1, 50) * unit;
	struct invoice sibling;

	pay->posted = 0;
	pay->received = p->as_of - (int32_t)(rng_permille(r, 950) ?
	    rng_below(r, 10) : rng_range(r, 10, 30));
	pay->amount = inv->balance;
	if (kind < 400)
		return;
	if (kind < 520) {		/* two invoices of the customer */
		if (inv->number + p->customers > p->invoices)
			return;
		invoice_make(&sibling, inv->number + p->customers, p);
		if (sibling.balance > 0 && sibling.ccy == inv->ccy)
			pay->amount += sibling.balance;
		*names_invoice = 0;
	} else if (kind < 620) {	/* short by a bank fee */
		if (fee < inv->balance)
			pay->amount -= fee;
	} else if (kind < 750) {	/* partial */
		pay->amount = inv->balance * (int64_t)pct / 100;
		if (pay->amount < 1)
			pay->amount = 1;
	} else if (kind < 800) {	/* overpaid */
		pay->amount += over;
	} else if (kind < 880) {	/* unknown payer */
		pay->customer = 0;
		*names_invoice = rng_permille(r, 500);
	} else if (kind < 930) {	/* wrong currency */
		pay->ccy = &ccys[(size_t)(inv->ccy - ccys + 1) % CCY_MIXED];
	} else {			/* lump sum, spread oldest first */
		pay->amount = (inv->balance / (100 * unit) + 1) * 100 * unit;
	}
}

static void
payment_make(struct payment *pay, uint64_t j, const struct params *p)
{
	struct rng r;
	struct invoice inv;

	rng_init(&r, p->seed, ST_PAYMENT, j);
	for (int tries = 0; tries < 8; tries++) {
		invoice_make(&inv, rng_range(&r, 1, p->invoices), p);
		if (inv.amount > 0)
			break;
	}
	int names_invoice = rng_permille(&r, 250);
	pay->customer = inv.customer;
	pay->ccy = inv.ccy;
	if (inv.balance <= 0 || (inv.balance < inv.amount &&
	    rng_permille(&r, 500))) {
		/* history: the payment the balance already reflects */
		pay->posted = 1;
		pay->amount = inv.amount - inv.balance;
		pay->received = inv.issue +
		    (int32_t)rng_below(&r, (uint64_t)(p->as_of - inv.issue) + 1);
	} else
		payment_unposted(pay, &r, &inv, p, &names_invoice);
	pay->reference_len = names_invoice ?
	    invoice_reference(pay->reference, &r, inv.number) :
	    bank_reference(pay->reference, &r);
}

static void
payment_write(const struct payment *pay, uint64_t j, const struct params *p)
{
	int csv = p->format == FMT_CSV;
	char sep = csv ? ',' : '\t', *w = out_row();

	w = put_pad(put_mem(w, "PAY-", 4), j, 7);
	*w++ = sep;
	if (pay->customer)
		w = put_customer_id(w, pay->customer);
	*w++ = sep;
	w = put_str(w, pay->ccy->code);
	*w++ = sep;
	w = put_money(w, pay->amount, pay->ccy->exponent);
	*w++ = sep;
	w = put_date(w, pay->received, DS_ISO);
	*w++ = sep;
	w = put_str(w, pay->posted ? "posted" : "unposted");
	*w++ = sep;
	w = csv ? put_csv(w, pay->reference, pay->reference_len, sep, 0) :
	    put_tsv(w, pay->reference, pay->reference_len);
	*w++ = '\n';
	out_commit(w);
}

static void
gen_payments(const struct params *p)
{
	struct payment pay;
	const char *header = "payment_id\tcustomer_id\tcurrency\tamount"
	    "\treceived_date\tstatus\treference\n";
	char *w = out_row(), *start = w;

	w = put_str(w, header);
	if (p->format == FMT_CSV)
		for (; start < w; start++)
			if (*start == '\t')
				*start = ',';
	out_commit(w);
	for (uint64_t j = 1; j <= p->rows; j++) {
		payment_make(&pay, j, p);
		payment_write(&pay, j, p);
	}
}

/* ---- accounts: the customer master */

static const char *const name_words[] = {
	"Acme", "Northwind", "Harbor", "Summit", "Blue Ridge", "Keller",
	"M\xc3\xbcller", "O'Neil", "Pacific", "Granite", "Lakeside", "Redwood",
	"Sterling", "Orion", "Maple", "Atlas", "Bright", "Crescent", "Delta",
	"Evergreen", "Falcon", "Garcia", "Hughes", "Ibarra", "Jensen",
};
static const char *const name_trades[] = {
	"Widgets", "Logistics", "Dental", "Hardware", "Foods", "Consulting",
	"Maschinenbau", "Print & Copy", "Builders", "Software", "Medical",
	"Auto Parts", "Textiles", "Florists", "Electric",
};
static const char *const name_suffixes[] = {
	"LLC", "Inc.", "Ltd", "GmbH", "Co.", "S.A.", "", "Corp.",
};
static const char *const managers[] = {
	"Dana Whitfield", "Luis Moreno", "Priya Natarajan", "Tom Becker",
	"Aiko Tanaka", "Sam O'Connor", "Fatima Haddad", "Jonas Berg",
};
static const char *const account_flags[] = {
	"key_account", "disputed", "legal_hold", "bankruptcy", "cease_contact",
	"attorney", "deceased", "regulatory_hold", "key_account,disputed",
};
static const unsigned account_flag_permille[] = {
	30, 10, 3, 3, 2, 2, 1, 1, 2,
};

static size_t
account_name(char *buf, struct rng *r)
{
	char *w = buf;

	if (rng_permille(r, 100)) {	/* "Garcia, Jensen & Partners" */
		w = put_str(w, PICK(r, name_words));
		w = put_str(w, ", ");
		w = put_str(w, PICK(r, name_words));
		return (size_t)(put_str(w, " & Partners") - buf);
	}
	w = put_str(w, PICK(r, name_words));
	*w++ = ' ';
	w = put_str(w, PICK(r, name_trades));
	const char *suffix = PICK(r, name_suffixes);
	if (*suffix) {
		*w++ = ' ';
		w = put_str(w, suffix);
	}
	return (size_t)(w - buf);
}

static const char *
account_flag(struct rng *r)
{
	uint64_t x = rng_below(r, 1000);

	for (size_t i = 0; i < sizeof account_flag_permille /
	    sizeof account_flag_permille[0]; i++) {
		if (x < account_flag_permille[i])
			return account_flags[i];
		x -= account_flag_permille[i];
	}
	return "";
}

static char *
put_maybe_date(char *w, int set, int32_t day)
{
	return set ? put_date(w, day, DS_ISO) : w;
}

static void
account_write(uint64_t c, const struct params *p)
{
	static const char *const retry[] = { "active", "failed", "none", "" };
	static const unsigned retry_cut[] = { 100, 150, 550, 1000 };
	char name[128], *w = out_row();
	struct rng r;

	rng_init(&r, p->seed, ST_ACCOUNT, c);
	size_t name_len = account_name(name, &r);
	int has_manager = rng_permille(&r, 600);
	const char *manager = PICK(&r, managers);
	const char *flags = account_flag(&r);
	int32_t since = p->as_of - (int32_t)rng_range(&r, 30, 4000);
	int has_promise = rng_permille(&r, 50);
	int32_t promise = p->as_of + (int32_t)rng_range(&r, 0, 30) - 10;
	uint64_t x = rng_below(&r, 1000);
	int ri = 0;
	while (x >= retry_cut[ri])
		ri++;
	int has_response = rng_permille(&r, 500);
	int32_t response = p->as_of - (int32_t)rng_range(&r, 0, 200);

	w = put_customer_id(w, c);
	*w++ = '\t';
	w = put_tsv(w, name, name_len);
	*w++ = '\t';
	if (has_manager)
		w = put_str(w, manager);
	*w++ = '\t';
	w = put_str(w, flags);
	*w++ = '\t';
	w = put_date(w, since, DS_ISO);
	*w++ = '\t';
	w = put_maybe_date(w, has_promise, promise);
	*w++ = '\t';
	w = put_str(w, retry[ri]);
	*w++ = '\t';
	w = put_maybe_date(w, has_response, response);
	*w++ = '\n';
	out_commit(w);
}

static void
gen_accounts(const struct params *p)
{
	out_commit(put_str(out_row(), "customer_id\tname\taccount_manager\tflags"
	    "\tcustomer_since\tpromise_to_pay_date\tretry_status"
	    "\tlast_response_date\n"));
	for (uint64_t c = 1; c <= p->customers; c++)
		account_write(c, p);
}

/* ---- activity: the log of internal efforts */

struct effort {
	const char	*channel;
	const char	*direction;
	const char	*outcome;
};

static const struct effort efforts[] = {
	{ "email", "out", "sent" }, { "email", "out", "sent" },
	{ "email", "out", "sent" }, { "email", "out", "opened" },
	{ "email", "out", "bounced" }, { "phone", "out", "no_answer" },
	{ "phone", "out", "left_voicemail" }, { "phone", "out", "spoke" },
	{ "phone", "out", "promise_to_pay" }, { "phone", "out", "wrong_number" },
	{ "letter", "out", "sent" }, { "sms", "out", "sent" },
	{ "email", "in", "replied" }, { "phone", "in", "called_back" },
	{ "email", "in", "dispute_raised" },
	{ "portal", "in", "payment_plan_requested" },
};
static const char *const actors[] = {
	"support", "billing", "finance", "system", "Dana Whitfield",
	"Luis Moreno", "Priya Natarajan",
};
static const char *const activity_notes[] = {
	"", "", "", "", "Reminder 1 sent", "Reminder 2 sent, final notice",
	"Spoke to AP clerk; invoice not received, resent",
	"Customer promised payment by Friday",
	"Offered 5% discount for payment in full",
	"Payment plan: 3 monthly installments",
	"Prefers Spanish; call after 2pm",
	"Says \"we never ordered this\", disputes INV",
	"Mailbox full",
	/* for redaction: a test card number (Luhn-valid), an SSN, an IBAN */
	"Paid by card 4111 1111 1111 1111 over the phone",
	"Verified identity with SSN 219-09-9999",
	"Refund to IBAN DE89 3704 0044 0532 0130 00",
};

static void
activity_write(uint64_t i, const struct params *p)
{
	char *w = out_row();
	struct rng r;

	rng_init(&r, p->seed, ST_ACTIVITY, i);
	uint64_t c = rng_range(&r, 1, p->customers);
	const struct effort *e = &efforts[rng_below(&r, sizeof efforts /
	    sizeof efforts[0])];
	const char *actor = PICK(&r, actors);
	uint64_t x = rng_below(&r, 1000);
	size_t ni = x < 990 ? x % 13 : 13 + x % 3;
	/* oldest first: 180 days spread evenly over the rows */
	int32_t date = p->as_of - 180 + (int32_t)((i - 1) * 181 / p->rows);

	w = put_customer_id(w, c);
	*w++ = '\t';
	w = put_date(w, date, DS_ISO);
	*w++ = '\t';
	w = put_str(w, e->channel);
	*w++ = '\t';
	w = put_str(w, e->direction);
	*w++ = '\t';
	w = put_str(w, strcmp(e->direction, "in") == 0 ? "customer" : actor);
	*w++ = '\t';
	w = put_str(w, e->outcome);
	*w++ = '\t';
	w = put_tsv(w, activity_notes[ni], strlen(activity_notes[ni]));
	*w++ = '\n';
	out_commit(w);
}

static void
gen_activity(const struct params *p)
{
	out_commit(put_str(out_row(), "customer_id\tdate\tchannel\tdirection"
	    "\tactor\toutcome\tnote\n"));
	for (uint64_t i = 1; i <= p->rows; i++)
		activity_write(i, p);
}

/* ---- command line */

static void
synopsis(FILE *f)
{
	fputs(
"usage: gen-testdata invoices --rows N [--customers N] [--seed S]\n"
"           [--format tsv|csv-us|csv-eu] [--currency CODE] [--as-of DATE]\n"
"       gen-testdata payments --rows N [--invoices N] [--customers N]\n"
"           [--seed S] [--format tsv|csv] [--currency CODE] [--as-of DATE]\n"
"       gen-testdata accounts --customers N [--seed S] [--as-of DATE]\n"
"       gen-testdata activity --rows N [--customers N] [--seed S]\n"
"           [--as-of DATE]\n",
	    f);
}

static void
usage(FILE *f)
{
	synopsis(f);
	fputs(
"\n"
"Writes deterministic, realistic test data to stdout: same arguments,\n"
"same bytes.  Defaults: --seed 1, --as-of 2026-11-23, --customers =\n"
"invoices / 10, --invoices (payments) = 10 * rows, --format tsv.\n"
"\n"
"  invoices  tsv: canonical TSV as aging-normalize writes it, with\n"
"            passthrough po_number, flags, memo.  csv-us: a messy US\n"
"            export (BOM, CRLF, M/D/YYYY, \"$1,234.56\", \"(12.00)\"; read it\n"
"            with --date-order mdy --currency USD).  csv-eu: semicolons,\n"
"            DD.MM.YYYY, \"1.234,56 \xe2\x82\xac\" (read it with --decimal-comma).\n"
"  payments  receipts against the invoices the same --customers, --seed,\n"
"            --currency and --as-of produce; a quarter name the invoice.\n"
"            About one unposted payment in twenty is in another currency\n"
"            than its invoice, --currency or not: a customer paying in the\n"
"            wrong currency is a case the night must leave unapplied.\n"
"  accounts  the customer master.\n"
"  activity  the log of reminders and calls, oldest first.\n"
"\n"
"Invoice k is INV-%07k and belongs to customer C%06c with\n"
"c = perm((k - 1) mod customers) + 1: k's customer also owns k +- customers.\n",
	    f);
}

static void
usage_error(const char *what)
{
	fprintf(stderr, "%s: %s\n", PROG, what);
	synopsis(stderr);
	exit(EX_USAGE);
}

static uint64_t
parse_count(const char *s, uint64_t min, uint64_t max, const char *option)
{
	char *end, msg[128];
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		snprintf(msg, sizeof msg, "--%s: invalid number \"%.40s\"",
		    option, s);
		usage_error(msg);
	}
	return v;
}

static const struct ccy *
parse_currency(const char *s)
{
	for (size_t i = 0; i < sizeof ccys / sizeof ccys[0]; i++)
		if (strcmp(s, ccys[i].code) == 0)
			return &ccys[i];
	usage_error("--currency: unsupported currency code");
	return NULL;
}

static enum format
parse_format(const char *s, enum command cmd)
{
	if (strcmp(s, "tsv") == 0)
		return FMT_TSV;
	if (cmd == CMD_INVOICES && strcmp(s, "csv-us") == 0)
		return FMT_CSV_US;
	if (cmd == CMD_INVOICES && strcmp(s, "csv-eu") == 0)
		return FMT_CSV_EU;
	if (cmd == CMD_PAYMENTS && strcmp(s, "csv") == 0)
		return FMT_CSV;
	usage_error("--format: not a format of this command");
	return FMT_TSV;
}

static enum command
parse_command(const char *s)
{
	static const char *const names[] =
	    { "invoices", "payments", "accounts", "activity" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum command)i;
	usage_error("unknown command");
	return CMD_INVOICES;
}

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* The customer permutation x -> (x * mult + add) mod customers. */
static void
params_permutation(struct params *p)
{
	uint64_t c = p->customers;

	p->perm_mult = 1;
	p->perm_add = 0;
	if (c < 3)
		return;
	p->perm_mult = mix64(p->seed ^ ST_PERM) % (c - 1) + 1;
	while (gcd(p->perm_mult, c) != 1)
		p->perm_mult = p->perm_mult % (c - 1) + 1;
	p->perm_add = mix64(p->seed + ST_PERM) % c;
}

/* Defaults and the checks that need every option. */
static void
params_finish(struct params *p, int have_rows, int have_customers,
    int have_invoices)
{
	if (p->command != CMD_ACCOUNTS && !have_rows)
		usage_error("--rows is required");
	if (p->command == CMD_ACCOUNTS && !have_customers)
		usage_error("--customers is required");
	if (p->command != CMD_PAYMENTS && have_invoices)
		usage_error("--invoices is for payments only");
	if (p->command == CMD_PAYMENTS && !have_invoices)
		p->invoices = p->rows > MAX_COUNT / 10 ? MAX_COUNT : p->rows * 10;
	if (p->command == CMD_INVOICES)
		p->invoices = p->rows;
	if (!have_customers)
		p->customers = p->command == CMD_ACTIVITY ?
		    p->rows / 5 : p->invoices / 10;
	if (p->customers == 0)
		p->customers = 1;
	if (p->format == FMT_CSV_US && !p->forced)
		p->forced = &ccys[0];
	if (p->format == FMT_CSV_EU && !p->forced)
		p->forced = &ccys[1];
	params_permutation(p);
}

static void
parse_args(int argc, char **argv, struct params *p)
{
	enum { O_ROWS = 256, O_CUSTOMERS, O_INVOICES, O_SEED, O_FORMAT,
	    O_CURRENCY, O_AS_OF, O_HELP, O_VERSION };
	static const struct option options[] = {
		{ "rows", required_argument, NULL, O_ROWS },
		{ "customers", required_argument, NULL, O_CUSTOMERS },
		{ "invoices", required_argument, NULL, O_INVOICES },
		{ "seed", required_argument, NULL, O_SEED },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "currency", required_argument, NULL, O_CURRENCY },
		{ "as-of", required_argument, NULL, O_AS_OF },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int have_rows = 0, have_customers = 0, have_invoices = 0, ch;
	const char *format = NULL;

	memset(p, 0, sizeof *p);
	p->seed = 1;
	p->as_of = days_from_civil(2026, 11, 23);
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		puts(PROG " " VERSION);
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	}
	if (argc < 2 || argv[1][0] == '-')
		usage_error("missing command");
	p->command = parse_command(argv[1]);
	argc--;
	argv++;
	argv[0] = argv[-1];	/* getopt_long names the program */
	while ((ch = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (ch) {
		case O_ROWS:
			p->rows = parse_count(optarg, 0, MAX_COUNT, "rows");
			have_rows = 1;
			break;
		case O_CUSTOMERS:
			p->customers = parse_count(optarg, 1, MAX_CUSTOMERS,
			    "customers");
			have_customers = 1;
			break;
		case O_INVOICES:
			p->invoices = parse_count(optarg, 1, MAX_COUNT,
			    "invoices");
			have_invoices = 1;
			break;
		case O_SEED:
			p->seed = parse_count(optarg, 0, UINT64_MAX, "seed");
			break;
		case O_FORMAT:
			format = optarg;
			break;
		case O_CURRENCY:
			p->forced = parse_currency(optarg);
			break;
		case O_AS_OF:
			if (parse_date(optarg, &p->as_of) != 0)
				usage_error("--as-of: invalid date, want "
				    "YYYY-MM-DD");
			break;
		case O_HELP:
			usage(stdout);
			exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
		case O_VERSION:
			puts(PROG " " VERSION);
			exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
		default:
			synopsis(stderr);
			exit(EX_USAGE);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument");
	if (format)
		p->format = parse_format(format, p->command);
	params_finish(p, have_rows, have_customers, have_invoices);
}

int
main(int argc, char **argv)
{
	struct params p;

	parse_args(argc, argv, &p);
	date_cache_fill(p.as_of);
	switch (p.command) {
	case CMD_INVOICES:
		gen_invoices(&p);
		break;
	case CMD_PAYMENTS:
		gen_payments(&p);
		break;
	case CMD_ACCOUNTS:
		gen_accounts(&p);
		break;
	case CMD_ACTIVITY:
		gen_activity(&p);
		break;
	}
	out_flush();
	if (close(STDOUT_FILENO) != 0 && errno != EINTR)
		die(EX_IOERR, "close error on stdout");
	return 0;
}
