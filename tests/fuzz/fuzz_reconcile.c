/*
 * reconcile-payments' whole row path: the filter itself, compiled in with
 * its main renamed and run as a command (in a child process: its main
 * keeps its night in statics, and exits on input it refuses).  The input:
 * a first byte of options (the payments file's header, of four: TSV with
 * every column, TSV with the required ones only, CSV with alias names, TSV
 * reordered with alias names; --tolerance 0.05; --pending-days 0; the
 * invoices read in two halves however small, RECONCILE_PAYMENTS_HALVES=0), then
 * the invoices (stdin, header included) up to the first form feed, then
 * the payments' rows.  Properties, from the --matches, --unapplied and
 * --rejects files and the output, never from the filter's own structs:
 * every row read is output or rejected; a payment not rejected has a
 * known currency, a positive amount, a date and a status; for every
 * unposted payment, amount = applied + unapplied, never across currencies,
 * and a posted one applies nothing; for every invoice, new balance = old
 * balance (plus a rerun's applied) - applied, never below zero when
 * anything was applied; applied per invoice id and per currency agrees
 * with the matches.  A refusal of the whole input (exit 65 or 66: a
 * missing column) is an outcome like any other.
 */
#define main reconcile_payments_main
#include "../../filters/reconcile-payments.c"
#undef main

#include <sys/stat.h>

#include "child.h"
#include "fuzz.h"
#include "records.h"

static const struct {
	const char	*header;
	/* id, customer, currency, amount, received_date, status */
	int		 col[6];
} variants[4] = {
	{ "payment_id\tcustomer_id\tcurrency\tamount\treceived_date\tstatus\t"
	    "reference\n", { 0, 1, 2, 3, 4, 5 } },
	{ "payment_id\tcurrency\tamount\treceived_date\n", { 0, -1, 1, 2, 3, -1 } },
	{ "Payment #,Account,CCY,Amount Paid,Date,Status,Memo\n",
	    { 0, 1, 2, 3, 4, 5 } },
	{ "memo\tpaid\tccy\tstatus\tdate\tcustomer\treceipt\n",
	    { 6, 5, 2, 1, 4, 3 } },
};
enum { P_ID, P_CUSTOMER, P_CURRENCY, P_AMOUNT, P_RECEIVED, P_STATUS };

static const char *invoices_path, *payments_path, *out_path, *matches_path,
    *unapplied_path, *rejects_path;

static const struct currency *
currency_of(struct field f)
{
	return currency_find(f.s, f.len);
}

static int64_t
amount_of(struct field f, const struct currency *c)
{
	const char *errstr;
	int64_t v;

	FUZZ_ASSERT(money_parse_plain(f.s, f.len, c->exponent, &v, &errstr) == 0);
	return v;
}

/* Was line of this source rejected? */
static int
rejected(const struct fuzz_table *rj, int payments, long line)
{
	size_t i;

	for (i = 0; i < rj->n; i++)
		if (rj->r[i].line == line && fuzz_is(rj->r[i].f[0], payments ?
		    payments_path : "<stdin>"))
			return 1;
	return 0;
}

/* Money per currency: a short list. */
struct sums {
	const struct currency *c[64];
	int64_t		 v[64];
	int		 n;
};

static void
sums_add(struct sums *s, const struct currency *c, int64_t v)
{
	int i;

	for (i = 0; i < s->n && s->c[i] != c; i++)
		;
	if (i == s->n) {
		FUZZ_ASSERT(s->n < 64);
		s->c[s->n] = c;
		s->v[s->n++] = 0;
	}
	FUZZ_ASSERT(money_add(&s->v[i], v) == 0);
}

static int
sums_equal(const struct sums *a, const struct sums *b)
{
	int i, j;

	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n && b->c[j] != a->c[i]; j++)
			;
		if (a->v[i] != (j < b->n ? b->v[j] : 0))
			return 0;
	}
	for (j = 0; j < b->n; j++) {
		for (i = 0; i < a->n && a->c[i] != b->c[j]; i++)
			;
		if (i == a->n && b->v[j] != 0)
			return 0;
	}
	return 1;
}

static void
check_payments(int variant, const struct fuzz_table *rj, const struct fuzz_table *m,
    const struct fuzz_table *u, struct sums *applied)
{
	static const char *const methods[] = { "reference", "exact",
	    "combination", "tolerance", "fifo" };
	struct fuzz_table p;
	const struct currency *c;
	struct money_scan scan;
	const char *errstr;
	int64_t amount, got, v;
	int32_t day;
	size_t i, j, mentioned;
	int posted, k, known;

	fuzz_load(&p, payments_path, 6, variants[variant].col);
	mentioned = 0;
	for (i = 0; i < p.n; i++) {
		struct fuzz_rec *r = &p.r[i];

		if (rejected(rj, 1, r->line))
			continue;
		/* not rejected: every check the filter makes holds */
		FUZZ_ASSERT(!r->bad && r->count == p.width);
		FUZZ_ASSERT(r->f[P_ID].len > 0);
		FUZZ_ASSERT((c = currency_of(r->f[P_CURRENCY])) != NULL);
		FUZZ_ASSERT(money_scan(r->f[P_AMOUNT].s, r->f[P_AMOUNT].len, 0,
		    &scan, &errstr) == 0 &&
		    money_scale(&scan, c->exponent, &amount, &errstr) == 0);
		FUZZ_ASSERT(amount > 0);
		FUZZ_ASSERT(date_parse(r->f[P_RECEIVED].s, r->f[P_RECEIVED].len,
		    DATE_ORDER_NONE, &day, &errstr) == 0);
		posted = r->f[P_STATUS].len == 6 &&
		    strncasecmp(r->f[P_STATUS].s, "posted", 6) == 0;
		FUZZ_ASSERT(posted || r->f[P_STATUS].len == 0 ||
		    (r->f[P_STATUS].len == 8 &&
		    strncasecmp(r->f[P_STATUS].s, "unposted", 8) == 0));
		for (j = 0; j < i; j++)	/* a repeated id is rejected */
			FUZZ_ASSERT(rejected(rj, 1, p.r[j].line) ||
			    !fuzz_same(p.r[j].f[P_ID], r->f[P_ID]));
		/* amount = applied + unapplied, in its own currency */
		got = 0;
		for (j = 0; j < m->n; j++) {
			if (!fuzz_same(m->r[j].f[0], r->f[P_ID]))
				continue;
			FUZZ_ASSERT(!posted);
			FUZZ_ASSERT(currency_of(m->r[j].f[3]) == c);
			v = amount_of(m->r[j].f[4], c);
			FUZZ_ASSERT(v > 0);
			for (k = 0, known = 0; k < 5; k++)
				known |= fuzz_is(m->r[j].f[5], methods[k]);
			FUZZ_ASSERT(known);
			FUZZ_ASSERT(money_add(&got, v) == 0);
			sums_add(applied, c, v);
			mentioned++;
		}
		for (j = 0; j < u->n; j++) {
			if (!fuzz_same(u->r[j].f[0], r->f[P_ID]))
				continue;
			FUZZ_ASSERT(!posted);
			FUZZ_ASSERT(currency_of(u->r[j].f[2]) == c);
			v = amount_of(u->r[j].f[3], c);
			FUZZ_ASSERT(v > 0);
			FUZZ_ASSERT(money_add(&got, v) == 0);
			mentioned++;
		}
		FUZZ_ASSERT(got == (posted ? 0 : amount));
	}
	/* no match nor remainder of a payment not read */
	FUZZ_ASSERT(mentioned == m->n + u->n);
	fuzz_unload(&p);
}

static void
check_invoices(const struct fuzz_table *rj, const struct fuzz_table *m,
    const struct sums *applied_matches)
{
	static const char *const in_names[] = { "invoice_id", "currency",
	    "balance", "applied" };
	static const char *const out_names[] = { "invoice_id", "currency",
	    "balance", "applied" };
	struct fuzz_table in, out;
	struct sums applied = { .n = 0 };
	const struct currency *c;
	const char *errstr;
	struct rows *r;
	int64_t old, applied_in, balance, v, by_id;
	size_t i, o, j, k;
	int has_applied;

	FUZZ_ASSERT((r = rows_open(invoices_path, ROWS_AUTO, &errstr)) != NULL);
	has_applied = rows_column(r, "applied") >= 0;
	rows_close(r);
	{
		const char *names[4] = { in_names[0], in_names[1], in_names[2],
		    has_applied ? in_names[3] : NULL };

		fuzz_load_named(&in, invoices_path, 4, names);
	}
	fuzz_load_named(&out, out_path, 4, out_names);
	for (i = 0, o = 0; i < in.n; i++) {
		struct fuzz_rec *ri = &in.r[i], *ro;

		if (rejected(rj, 0, ri->line))
			continue;
		FUZZ_ASSERT(!ri->bad && ri->count == in.width);
		FUZZ_ASSERT(o < out.n);
		ro = &out.r[o++];
		FUZZ_ASSERT(fuzz_same(ri->f[0], ro->f[0]) && fuzz_same(ri->f[1], ro->f[1]));
		FUZZ_ASSERT((c = currency_of(ri->f[1])) != NULL);
		old = amount_of(ri->f[2], c);
		if (ri->f[3].len > 0) {
			applied_in = amount_of(ri->f[3], c);
			FUZZ_ASSERT(money_add(&old, applied_in) == 0);
		}
		balance = amount_of(ro->f[2], c);
		v = amount_of(ro->f[3], c);
		FUZZ_ASSERT(v >= 0);
		FUZZ_ASSERT(v == 0 || balance >= 0);
		FUZZ_ASSERT(money_add(&balance, v) == 0 && balance == old);
		sums_add(&applied, c, v);
	}
	FUZZ_ASSERT(o == out.n);	/* every row out was read */
	FUZZ_ASSERT(sums_equal(&applied, applied_matches));
	/* applied per invoice id: the matches naming it */
	for (o = 0; o < out.n; o++) {
		for (k = 0; k < o && !fuzz_same(out.r[k].f[0], out.r[o].f[0]); k++)
			;
		if (k < o)
			continue;	/* a repeated id: counted with the first */
		c = currency_of(out.r[o].f[1]);
		by_id = 0;
		for (k = o; k < out.n; k++)
			if (fuzz_same(out.r[k].f[0], out.r[o].f[0]) &&
			    currency_of(out.r[k].f[1]) == c)
				FUZZ_ASSERT(money_add(&by_id,
				    -amount_of(out.r[k].f[3], c)) == 0);
		for (j = 0; j < m->n; j++)
			if (fuzz_same(m->r[j].f[1], out.r[o].f[0]) &&
			    currency_of(m->r[j].f[3]) == c)
				FUZZ_ASSERT(money_add(&by_id,
				    amount_of(m->r[j].f[4], c)) == 0);
		FUZZ_ASSERT(by_id == 0);
	}
	fuzz_unload(&in);
	fuzz_unload(&out);
}

static void
check(int variant)
{
	static const char *const rj_names[] = { "source", "line" };
	static const char *const m_names[] = { "payment_id", "invoice_id",
	    "customer_id", "currency", "applied", "method" };
	static const char *const u_names[] = { "payment_id", "customer_id",
	    "currency", "unapplied", "reason" };
	struct fuzz_table rj, m, u;
	struct sums applied = { .n = 0 };
	size_t i;

	fuzz_load_named(&rj, rejects_path, 2, rj_names);
	for (i = 0; i < rj.n; i++) {
		char *end;

		rj.r[i].line = strtol(rj.r[i].f[1].s, &end, 10);
		FUZZ_ASSERT(*end == '\0' && rj.r[i].line > 0);
		FUZZ_ASSERT(fuzz_is(rj.r[i].f[0], payments_path) ||
		    fuzz_is(rj.r[i].f[0], "<stdin>"));
	}
	fuzz_load_named(&m, matches_path, 6, m_names);
	fuzz_load_named(&u, unapplied_path, 5, u_names);
	check_payments(variant, &rj, &m, &u, &applied);
	check_invoices(&rj, &m, &applied);
	fuzz_unload(&rj);
	fuzz_unload(&m);
	fuzz_unload(&u);
}

static unsigned options;

/* The child: the filter's main on the files, then the checks. */
static void
run(void *unused)
{
	char *argv[20];
	int argc = 0, fd;

	(void)unused;
	argv[argc++] = "reconcile-payments";
	argv[argc++] = "--payments";
	argv[argc++] = (char *)payments_path;
	argv[argc++] = "--matches";
	argv[argc++] = (char *)matches_path;
	argv[argc++] = "--unapplied";
	argv[argc++] = (char *)unapplied_path;
	argv[argc++] = "--rejects";
	argv[argc++] = (char *)rejects_path;
	argv[argc++] = "--max-rejects";
	argv[argc++] = "1000000000";
	argv[argc++] = "--as-of";
	argv[argc++] = "2026-03-01";
	if (options & 4) {
		argv[argc++] = "--tolerance";
		argv[argc++] = "0.05";
	}
	if (options & 8) {
		argv[argc++] = "--pending-days";
		argv[argc++] = "0";
	}
	argv[argc] = NULL;
	if (options & 16)
		setenv("RECONCILE_PAYMENTS_HALVES", "0", 1);
	else
		unsetenv("RECONCILE_PAYMENTS_HALVES");
	FUZZ_ASSERT((fd = open(invoices_path, O_RDONLY)) >= 0 && dup2(fd, 0) == 0);
	close(fd);
	FUZZ_ASSERT((fd = open(out_path, O_WRONLY | O_TRUNC)) >= 0 &&
	    dup2(fd, 1) == 1);
	close(fd);
	FUZZ_ASSERT(reconcile_payments_main(argc, argv) == EX_OK);
	check(options & 3);
}

/* The scratch file path holding a then b. */
static void
fill(const char *path, const char *a, size_t alen, const char *b, size_t blen)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_TRUNC)) < 0 ||
	    write(fd, a, alen) != (ssize_t)alen ||
	    write(fd, b, blen) != (ssize_t)blen)
		err(1, "%s", path);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff;
	const char *header;
	size_t inv_len;
	int status;

	if (invoices_path == NULL) {
		invoices_path = fuzz_scratch();
		payments_path = fuzz_scratch();
		out_path = fuzz_scratch();
		matches_path = fuzz_scratch();
		unapplied_path = fuzz_scratch();
		rejects_path = fuzz_scratch();
	}
	options = fuzz_take(&data, &size);
	ff = memchr(data, '\f', size);
	inv_len = ff != NULL ? (size_t)(ff - data) : size;
	fill(invoices_path, (const char *)data, inv_len, "", 0);
	header = variants[options & 3].header;
	fill(payments_path, header, strlen(header),
	    ff != NULL ? (const char *)ff + 1 : "",
	    ff != NULL ? size - inv_len - 1 : 0);
	fill(out_path, "", 0, "", 0);
	fill(matches_path, "", 0, "", 0);
	fill(unapplied_path, "", 0, "", 0);
	fill(rejects_path, "", 0, "", 0);
	status = fuzz_child(run, NULL);
	if (status != 0 && status != EX_DATAERR && status != EX_NOINPUT)
		fuzz_child_stderr();
	FUZZ_ASSERT(status == 0 || status == EX_DATAERR || status == EX_NOINPUT);
	return 0;
}
