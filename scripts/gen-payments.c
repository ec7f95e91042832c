/*
 * gen-payments: deterministic invoices and payments for reconcile-payments'
 * property test and benchmark.  Writes canonical invoices (the columns of
 * aging-normalize's output) to INVOICES and a payments file to PAYMENTS:
 * references in varied spellings, exact amounts, sums of two or three
 * invoices, short payments, round sums, other currencies, unknown and
 * empty customers, posted history.  Same arguments, same bytes.
 *
 *	gen-payments [-s seed] [-c customers] [-P permille-referenced]
 *	    invoices payments INVOICES PAYMENTS
 */
#include <err.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AS_OF	20513		/* 2026-03-01 as days since 1970-01-01 */

struct invoice {
	uint32_t	customer;
	uint8_t		currency;
	int64_t		balance;
	int32_t		due;
};

static const struct {
	const char	*code;
	int		 exponent;
} currencies[] = { { "USD", 2 }, { "EUR", 2 }, { "JPY", 0 }, { "KWD", 3 } };

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* splitmix64: small, fast, and the same on every platform */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t
below(uint64_t n)
{
	return n ? rng() % n : 0;
}

static void
format_date(char *buf, int32_t day)
{
	/* days since 1970-01-01 to civil date (H. Hinnant's algorithm) */
	int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (m <= 2);

	buf[0] = '0' + y / 1000 % 10;
	buf[1] = '0' + y / 100 % 10;
	buf[2] = '0' + y / 10 % 10;
	buf[3] = '0' + y % 10;
	buf[4] = buf[7] = '-';
	buf[5] = '0' + m / 10;
	buf[6] = '0' + m % 10;
	buf[8] = '0' + d / 10;
	buf[9] = '0' + d % 10;
	buf[10] = '\0';
}

static void
format_money(char *buf, int64_t minor, int exponent)
{
	int64_t unit = 1;
	int i;

	for (i = 0; i < exponent; i++)
		unit *= 10;
	if (exponent == 0)
		snprintf(buf, 32, "%" PRId64, minor);
	else
		snprintf(buf, 32, "%s%" PRId64 ".%0*" PRId64, minor < 0 ? "-" : "",
		    (minor < 0 ? -minor : minor) / unit, exponent,
		    (minor < 0 ? -minor : minor) % unit);
}

static const char *
bucket(int64_t balance, int dpd)
{
	if (balance == 0)
		return "paid";
	if (balance < 0)
		return "credit";
	if (dpd <= 0)
		return "current";
	return dpd <= 30 ? "1-30" : dpd <= 60 ? "31-60" : dpd <= 90 ? "61-90" :
	    dpd <= 120 ? "91-120" : "120+";
}

static int64_t
random_balance(int currency)
{
	int64_t major = 5 + below(below(10) == 0 ? 50000 : 3000);

	switch (currencies[currency].exponent) {
	case 0:
		return major * 100;	/* yen amounts are large */
	case 3:
		return major * 1000 / 3 + below(1000);
	default:
		return major * 100 + below(100);
	}
}

static void
write_invoices(FILE *fp, struct invoice *inv, size_t n, size_t customers)
{
	char due[11], issue[11], amount[32], balance[32];
	size_t i;
	int currency, dpd;

	fputs("invoice_id\tcustomer_id\tcurrency\tamount\tbalance\tissue_date\t"
	    "due_date\tdays_past_due\tbucket\tpo_number\n", fp);
	for (i = 0; i < n; i++) {
		inv[i].customer = below(customers);
		/* most customers bill in one currency; a few in a second */
		currency = inv[i].customer % 10 < 7 ? 0 :
		    inv[i].customer % 10 == 7 ? 1 :
		    inv[i].customer % 10 == 8 ? 2 : 3;
		if (below(20) == 0)
			currency = (currency + 1) % 4;
		inv[i].currency = currency;
		inv[i].due = AS_OF - 150 + below(180);
		inv[i].balance = below(25) == 0 ? 0 :
		    below(100) == 0 ? -random_balance(currency) :
		    random_balance(currency);
		dpd = AS_OF - inv[i].due;
		format_date(due, inv[i].due);
		format_date(issue, inv[i].due - 30);
		format_money(balance, inv[i].balance, currencies[currency].exponent);
		format_money(amount, inv[i].balance > 0 ? inv[i].balance +
		    inv[i].balance / 4 : random_balance(currency),
		    currencies[currency].exponent);
		fprintf(fp, "INV-%07zu\tC%06" PRIu32 "\t%s\t%s\t%s\t%s\t%s\t%d\t%s\tPO%zu\n",
		    i + 1, inv[i].customer, currencies[currency].code, amount,
		    balance, issue, due, dpd, bucket(inv[i].balance, dpd), i % 977);
	}
}

/* The spellings a remittance memo uses for INV-0001043. */
static void
reference(char *buf, size_t size, size_t id)
{
	static const char *const forms[] = {
		"INV-%07zu", "inv %07zu", "Inv#%07zu", "INV%07zu",
		"payment for invoice no. %07zu", "ref INV %07zu thanks",
		"Invoice: %07zu", "inv-%07zu / remittance",
	};

	snprintf(buf, size, forms[below(8)], id);
}

/* A second open invoice of the same customer and currency, or SIZE_MAX. */
static size_t
sibling(const struct invoice *inv, const size_t *order, const size_t *start,
    size_t i)
{
	size_t c = inv[i].customer, lo = start[c], n = start[c + 1] - lo, k, j;

	for (k = 0; k < 4 && n > 1; k++) {
		j = order[lo + below(n)];
		if (j != i && inv[j].currency == inv[i].currency &&
		    inv[j].balance > 0)
			return j;
	}
	return SIZE_MAX;
}

static void
write_payments(FILE *fp, const struct invoice *inv, size_t ninv,
    size_t npay, size_t customers, unsigned refs_permille)
{
	size_t *start = calloc(customers + 2, sizeof(size_t));
	size_t *order = malloc((ninv ? ninv : 1) * sizeof(size_t));
	size_t p, i, j, k, c;
	char amount[32], date[11], memo[96], customer[16];
	const char *status;
	int64_t value;
	int currency, kind;

	if (start == NULL || order == NULL)
		err(1, "calloc");
	for (i = 0; i < ninv; i++)
		start[inv[i].customer + 2]++;
	for (c = 0; c < customers; c++)
		start[c + 2] += start[c + 1];
	for (i = 0; i < ninv; i++)
		order[start[inv[i].customer + 1]++] = i;
	fputs("payment_id\tcustomer_id\tcurrency\tamount\treceived_date\tstatus\t"
	    "reference\n", fp);
	for (p = 0; p < npay && ninv > 0; p++) {
		i = below(ninv);
		c = inv[i].customer;
		currency = inv[i].currency;
		snprintf(customer, sizeof(customer), "C%06zu", c);
		memo[0] = '\0';
		value = inv[i].balance > 0 ? inv[i].balance : random_balance(currency);
		status = below(8) == 0 ? "posted" : "unposted";
		kind = below(1000) < refs_permille ? 0 : 1 + below(9);
		switch (kind) {
		case 0:		/* a reference, sometimes two, paying in part or more */
			reference(memo, sizeof(memo), i + 1);
			j = sibling(inv, order, start, i);
			if (below(3) == 0 && j != SIZE_MAX) {
				k = strlen(memo);
				snprintf(memo + k, sizeof(memo) - k, ", INV-%07zu", j + 1);
				value += inv[j].balance;
			}
			value += below(3) == 0 ? -(value / 3) : below(5) == 0 ? 1000 : 0;
			if (below(4) == 0)
				customer[0] = '\0';	/* the memo is all there is */
			break;
		case 1:		/* the sum of two invoices */
			if ((j = sibling(inv, order, start, i)) != SIZE_MAX)
				value += inv[j].balance;
			break;
		case 2:		/* a bank fee short */
			value -= value > 500 ? 250 : 0;
			break;
		case 3:		/* a round sum: FIFO */
			value = (1 + below(40)) * 100 * (currencies[currency].exponent == 0 ? 100 : 10);
			break;
		case 4:		/* unknown customer, or none given */
			if (below(2))
				snprintf(customer, sizeof(customer), "X%06zu", c);
			else
				customer[0] = '\0';
			break;
		case 5:		/* paid in another currency */
			currency = (currency + 1 + below(3)) % 4;
			value = random_balance(currency);
			break;
		default:	/* the exact balance */
			break;
		}
		if (value <= 0)
			value = 1;
		format_money(amount, value, currencies[currency].exponent);
		format_date(date, AS_OF - below(20));
		fprintf(fp, "P%08zu\t%s\t%s\t%s\t%s\t%s\t%s\n", p + 1, customer,
		    currencies[currency].code, amount, date, status, memo);
	}
	free(start);
	free(order);
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen-payments [-s seed] [-c customers] "
	    "[-P permille-referenced]\n"
	    "           invoices payments INVOICES PAYMENTS\n");
	exit(64);
}

int
main(int argc, char *argv[])
{
	unsigned long long seed = 1, customers = 0, ninv, npay;
	unsigned refs_permille = 250;
	struct invoice *inv;
	FILE *fi, *fp;
	int ch;

	while ((ch = getopt(argc, argv, "s:c:P:")) != -1)
		switch (ch) {
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'c': customers = strtoull(optarg, NULL, 10); break;
		case 'P': refs_permille = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	argc -= optind;
	argv += optind;
	if (argc != 4)
		usage();
	ninv = strtoull(argv[0], NULL, 10);
	npay = strtoull(argv[1], NULL, 10);
	if (customers == 0)
		customers = ninv / 8 + 1;
	rng_state = seed;
	if ((inv = calloc(ninv ? ninv : 1, sizeof(*inv))) == NULL)
		err(1, "calloc");
	if ((fi = fopen(argv[2], "w")) == NULL)
		err(1, "%s", argv[2]);
	if ((fp = fopen(argv[3], "w")) == NULL)
		err(1, "%s", argv[3]);
	write_invoices(fi, inv, ninv, customers);
	write_payments(fp, inv, ninv, npay, customers, refs_permille);
	if (fclose(fi) == EOF || fclose(fp) == EOF)
		err(1, "write");
	free(inv);
	return 0;
}
