/*
 * stage-assign's whole row path: the filter itself, compiled in with its
 * main renamed, reading the input as tonight's invoices (with a fixed
 * small customer master) and staging every account by the built-in rules.
 * Properties: money per currency is conserved, every balance read ending
 * up open, disputed or a credit (in = open + disputed + credits; SPEC 1);
 * every row read is taken or rejected (the stats' "invoices in" counts
 * the rows taken: found by this harness, which first took it for rows read).  Inputs the filter refuses whole (a
 * missing column: errx) are skipped.
 */
#define main stage_assign_main
#include "../../filters/stage-assign.c"
#undef main

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "fuzz.h"

static const char accounts[] =
    "customer_id\tname\taccount_manager\tflags\tcustomer_since\t"
    "promise_to_pay_date\tretry_status\tlast_response_date\n"
    "C1\tOne\tAnn\t\t2020-01-01\t\tnone\t\n"
    "C2\tTwo\t\tkey_account\t2020-01-01\t2026-03-10\tactive\t2026-02-20\n"
    "C3\tThree\t\tlegal_hold\t\t\tfailed\t\n";

static const char *accounts_path;

static void
write_accounts(void)
{
	int fd;

	accounts_path = fuzz_scratch();
	if ((fd = open(accounts_path, O_WRONLY)) < 0 ||
	    write(fd, accounts, sizeof(accounts) - 1) != sizeof(accounts) - 1)
		err(1, "%s", accounts_path);
	close(fd);
}

/* The columns sa_read_invoices requires, else it exits. */
static int
usable(const char *path)
{
	static const char *const required[] = { "customer_id", "currency",
	    "balance", "due_date" };
	const char *errstr;
	struct rows *r;
	size_t i;
	int ok;

	if ((r = rows_open(path, ROWS_AUTO, &errstr)) == NULL)
		return 0;
	ok = 1;
	if (rows_header(r)->count > 0)	/* else no input: no invoices */
		for (i = 0; i < 4; i++)
			ok &= rows_column(r, required[i]) >= 0;
	rows_close(r);
	return ok;
}

/* Records in the file past its header, bad ones too. */
static long
count_rows(const char *path)
{
	const char *errstr;
	struct rows *r;
	struct row row;
	long n = 0;

	FUZZ_ASSERT((r = rows_open(path, ROWS_AUTO, &errstr)) != NULL);
	while (rows_next(r, &row, &errstr) != 0)
		n++;
	rows_close(r);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rules *rs;
	struct options opt;
	struct sa_table *table;
	struct sa_totals totals;
	struct rejects rj;
	struct out *o;
	const char *path;
	size_t i;
	int fd;

	if (rs == NULL) {
		struct rules_error error;

		write_accounts();
		if ((rs = rules_load(NULL, &error)) == NULL)
			errx(1, "built-in rules: %s", error.message);
	}
	path = fuzz_file(data, size);
	if (!usable(path))
		return 0;
	memset(&opt, 0, sizeof(opt));
	cli_init(&opt.cli);
	opt.cli.as_of = 20513;	/* 2026-03-01 */
	opt.cli.max_rejects = LLONG_MAX;
	opt.accounts_path = accounts_path;
	FUZZ_ASSERT(rejects_open(&rj, PROG, "/dev/null") == 0);
	table = sa_table_new();
	sa_totals_init(&totals);
	sa_read_accounts(table, opt.accounts_path, &rj);
	FUZZ_ASSERT(rj.count == 0);
	/* sa_read_invoices reads stdin */
	FUZZ_ASSERT((fd = open(path, O_RDONLY)) >= 0 && dup2(fd, 0) == 0);
	close(fd);
	sa_read_invoices(table, opt.cli.as_of, &rj, &totals);
	FUZZ_ASSERT((fd = open("/dev/null", O_WRONLY)) >= 0);
	o = out_open_fd(fd);
	write_header(o);
	stage_all(table, rs, &opt, o, NULL, &totals);
	/* rows_in counts the invoices taken, not the rows read */
	FUZZ_ASSERT(totals.rows_in + rj.count == count_rows(path));
	for (i = 0; i < totals.n; i++) {
		int64_t sum = totals.cur[i].open;

		FUZZ_ASSERT(money_add(&sum, totals.cur[i].disputed) == 0);
		FUZZ_ASSERT(money_add(&sum, totals.cur[i].credit) == 0);
		FUZZ_ASSERT(sum == totals.cur[i].in);
	}
	FUZZ_ASSERT(finish(o, NULL, &rj, &opt) == EX_OK);
	sa_table_free(table);
	return 0;
}
