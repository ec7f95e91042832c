/*
 * stage-assign's other readers: the input (after its first byte) is the
 * --accounts, --previous or --activity file (the byte picks which; the
 * others are fixed small files), tonight's invoices are fixed.  The filter
 * itself is compiled in with its main renamed.  Properties: whatever the
 * master, history or activity say, money per currency is conserved (in =
 * open + disputed + credits, SPEC 1) and is the same money as read with
 * the fixed files alone; every invoice row is taken or rejected; a second
 * run writes the same bytes.  Inputs the filter refuses whole (a missing
 * column: errx) are skipped.
 */
#define main stage_assign_main
#include "../../filters/stage-assign.c"
#undef main

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "fuzz.h"
#include "records.h"

static const char invoices[] =
    "invoice_id\tcustomer_id\tcurrency\tamount\tbalance\tissue_date\t"
    "due_date\tdays_past_due\tbucket\tflags\tdisputed\tpending_payment\t"
    "last_payment_date\n"
    "I101\tB14\tUSD\t100.00\t100.00\t2025-11-01\t2026-02-15\t14\t1-30\t\t\t0\t\n"
    "I102\tB61\tUSD\t100.00\t100.00\t2025-11-01\t2025-12-30\t61\t61-90\t\t\t0\t\n"
    "I103\tB61\tEUR\t250.00\t250.00\t2025-10-01\t2025-10-31\t121\t120+\t\t\t0\t\n"
    "I104\tD1\tUSD\t300.00\t300.00\t2025-11-01\t2025-12-01\t90\t61-90\t\tyes\t0\t\n"
    "I105\tD3\tUSD\t40.00\t40.00\t2025-11-01\t2025-12-01\t90\t61-90\tdisputed\t\t0\t\n"
    "I106\tD3\tUSD\t60.00\t60.00\t2025-11-01\t2025-12-01\t90\t61-90\t\t\t1\t2026-02-27\n"
    "I107\tH1\tUSD\t-15.00\t-15.00\t2025-11-01\t2025-12-01\t90\tcredit\t\t\t0\t\n"
    "I108\tH1\tUSD\t500.00\t500.00\t2025-09-01\t2025-10-01\t151\t120+\t\t\t0\t\n"
    "I109\tE30\tJPY\t15000\t15000\t2025-12-01\t2026-01-01\t59\t31-60\t\t\t0\t\n"
    "I110\tE30\tKWD\t1.250\t1.250\t2025-12-01\t2026-01-01\t59\t31-60\t\t\t0\t\n"
    "I111\tZZ9\tUSD\t70.00\t0.00\t2025-12-01\t2026-01-01\t59\tpaid\t\t\t0\t\n"
    "I112\tN1\tUSD\t100.00\t100.00\t2025-11-01\t2026-03-31\t-30\tcurrent\t\t\t0\t\n";

static const char accounts[] =
    "customer_id\tname\taccount_manager\tflags\tcustomer_since\t"
    "promise_to_pay_date\tretry_status\tlast_response_date\n"
    "B14\tFourteen\tAnn\t\t2020-01-01\t\tnone\t\n"
    "B61\tSixty-one\t\tkey_account\t2020-01-01\t2026-03-10\tactive\t2026-02-20\n"
    "D1\tDisputing\t\tdisputed\t\t\t\t\n"
    "H1\tHold\t\tlegal_hold\t\t\tfailed\t\n";

/* Each reader, with its required columns (else it exits). */
static const struct {
	const char	*required[4];
} readers[3] = {
	{ { "customer_id" } },				/* --accounts */
	{ { "customer_id", "currency", "stage" } },	/* --previous */
	{ { "customer_id", "date", "direction" } },	/* --activity */
};

static const char *invoices_path, *accounts_path, *out_path;

static int
usable(const char *path, int reader)
{
	const char *errstr;
	struct rows *r;
	int i, ok = 1;

	if ((r = rows_open(path, ROWS_AUTO, &errstr)) == NULL)
		return 0;
	for (i = 0; i < 4 && readers[reader].required[i] != NULL; i++)
		ok &= rows_column(r, readers[reader].required[i]) >= 0;
	rows_close(r);
	return ok;
}

/* One night with the given files; its totals in *totals. */
static void
night(const struct rules *rs, const char *accounts_file, const char *previous,
    const char *activity, struct sa_totals *totals)
{
	struct options opt;
	struct sa_table *table;
	struct fuzz_table rows;
	struct rejects rj;
	struct out *o;
	long long before;
	size_t i;
	int fd;

	memset(&opt, 0, sizeof(opt));
	cli_init(&opt.cli);
	opt.cli.as_of = 20513;	/* 2026-03-01 */
	opt.cli.max_rejects = LLONG_MAX;
	opt.accounts_path = accounts_file;
	FUZZ_ASSERT(rejects_open(&rj, PROG, "/dev/null") == 0);
	table = sa_table_new();
	sa_totals_init(totals);
	sa_read_accounts(table, accounts_file, &rj);
	if (previous != NULL)
		sa_read_previous(table, previous, &rj);
	FUZZ_ASSERT((fd = open(invoices_path, O_RDONLY)) >= 0 && dup2(fd, 0) == 0);
	close(fd);
	before = rj.count;
	sa_read_invoices(table, opt.cli.as_of, &rj, totals);
	fuzz_load(&rows, invoices_path, 0, NULL);
	FUZZ_ASSERT(totals->rows_in + (rj.count - before) == (long long)rows.n);
	fuzz_unload(&rows);
	if (activity != NULL)
		sa_read_activity(table, activity, &rj);
	FUZZ_ASSERT((fd = open(out_path, O_WRONLY | O_TRUNC)) >= 0);
	o = out_open_fd(fd);
	write_header(o);
	stage_all(table, rs, &opt, o, NULL, totals);
	for (i = 0; i < totals->n; i++) {
		int64_t sum = totals->cur[i].open;

		FUZZ_ASSERT(money_add(&sum, totals->cur[i].disputed) == 0);
		FUZZ_ASSERT(money_add(&sum, totals->cur[i].credit) == 0);
		FUZZ_ASSERT(sum == totals->cur[i].in);
	}
	FUZZ_ASSERT(finish(o, NULL, &rj, &opt) == EX_OK);
	sa_table_free(table);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rules *rs;
	static struct sa_totals fixed;
	struct sa_totals totals;
	const char *path, *files[3];
	char *first, *second;
	size_t len1, len2, i;
	int reader = fuzz_take(&data, &size) % 3;

	if (rs == NULL) {
		struct rules_error error;

		invoices_path = fuzz_scratch_with(invoices, sizeof(invoices) - 1);
		accounts_path = fuzz_scratch_with(accounts, sizeof(accounts) - 1);
		out_path = fuzz_scratch();
		if ((rs = rules_load(NULL, &error)) == NULL)
			errx(1, "built-in rules: %s", error.message);
		night(rs, accounts_path, NULL, NULL, &fixed);
		FUZZ_ASSERT(fixed.n == 4);	/* USD EUR JPY KWD */
	}
	path = fuzz_file(data, size);
	if (!usable(path, reader))
		return 0;
	files[0] = accounts_path;
	files[1] = files[2] = NULL;
	files[reader] = path;
	night(rs, files[0], files[1], files[2], &totals);
	first = fuzz_slurp(out_path, &len1);
	/* the same money in, whatever the other files say */
	FUZZ_ASSERT(totals.n == fixed.n);
	for (i = 0; i < fixed.n; i++) {
		FUZZ_ASSERT(strcmp(totals.cur[i].code, fixed.cur[i].code) == 0);
		FUZZ_ASSERT(totals.cur[i].in == fixed.cur[i].in);
	}
	night(rs, files[0], files[1], files[2], &totals);
	second = fuzz_slurp(out_path, &len2);
	FUZZ_ASSERT(len1 == len2 && memcmp(first, second, len1) == 0);
	free(first);
	free(second);
	return 0;
}
