/*
 * Table tests for lib/money.c and lib/currency.c.  The first argument is
 * the mode:
 *	scan CODE FLAGS TEXT	money_scan, money_scale by CODE's exponent,
 *				then the marker checked against CODE; gives
 *				"AMOUNT" or "AMOUNT MARKER".  FLAGS: "-" or "dc"
 *				(--decimal-comma).
 *	raw FLAGS TEXT		money_scan alone: "- int.frac [marker]"
 *	plain EXPONENT TEXT	money_parse_plain
 *	format EXPONENT MINOR	money_format
 *	add A B			money_add of two minor amounts
 *	unit EXPONENT		money_unit
 *	find CODE		currency_find: "CODE EXPONENT" or "none"
 *	marker MARKER		currency_from_marker: "CODE" or "none"
 *	fits MARKER CODE	currency_marker_fits: "1" or "0"
 * Failures give "error: REASON".  In TEXT, <NBSP> and <NNBSP> stand for
 * U+00A0 and U+202F, which would be invisible in the table.  The text is
 * handed over without a NUL after it, as the filters hand over fields.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "currency.h"
#include "money.h"
#include "table.h"

static void
expand_spaces(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	while (*src && n + 4 < size) {
		if (strncmp(src, "<NBSP>", 6) == 0) {
			memcpy(dst + n, "\xc2\xa0", 2);
			n += 2;
			src += 6;
		} else if (strncmp(src, "<NNBSP>", 7) == 0) {
			memcpy(dst + n, "\xe2\x80\xaf", 3);
			n += 3;
			src += 7;
		} else
			dst[n++] = *src++;
	}
	dst[n] = '\0';
}

/*
 * A copy of s without its NUL, in a block of exactly its length, so that
 * under AddressSanitizer a parser reading one byte too far fails the test.
 */
static char *
unterminated(const char *s, size_t *len)
{
	char *copy;

	*len = strlen(s);
	if ((copy = malloc(*len ? *len : 1)) == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(copy, s, *len);
	return copy;
}

static int
scan_text(const char *flags, const char *raw, struct money_scan *scan,
    char *result, size_t size)
{
	char text[512], *exact;
	const char *errstr;
	size_t len;
	int rc;

	expand_spaces(text, sizeof(text), raw);
	exact = unterminated(text, &len);
	rc = money_scan(exact, len, strcmp(flags, "dc") == 0, scan, &errstr);
	free(exact);
	if (rc == -1)
		snprintf(result, size, "error: %s", errstr);
	return rc;
}

static void
mode_scan(char **argv, char *result, size_t size)
{
	const struct currency *currency = currency_find(argv[1], strlen(argv[1]));
	struct money_scan scan;
	char amount[MONEY_TEXT_MAX];
	const char *errstr;
	int64_t minor;

	if (currency == NULL) {
		snprintf(result, size, "error: test names no currency");
		return;
	}
	if (scan_text(argv[2], argv[3], &scan, result, size) == -1)
		return;
	if (money_scale(&scan, currency->exponent, &minor, &errstr) == -1) {
		snprintf(result, size, "error: %s", errstr);
		return;
	}
	if (!currency_marker_fits(scan.marker, currency->code)) {
		snprintf(result, size, "error: symbol contradicts currency");
		return;
	}
	money_format(amount, minor, currency->exponent);
	snprintf(result, size, "%s%s%s", amount, scan.marker[0] ? " " : "",
	    scan.marker);
}

static void
mode_raw(char **argv, char *result, size_t size)
{
	struct money_scan scan;

	if (scan_text(argv[1], argv[2], &scan, result, size) == -1)
		return;
	if (strlen(scan.integer) != scan.integer_len ||
	    strlen(scan.fraction) != scan.fraction_len) {
		snprintf(result, size, "error: lengths disagree");
		return;
	}
	snprintf(result, size, "%s %s.%s%s%s", scan.negative ? "-" : "+",
	    scan.integer, scan.fraction, scan.marker[0] ? " " : "", scan.marker);
}

static void
mode_plain(char **argv, char *result, size_t size)
{
	const char *errstr;
	int64_t minor;
	size_t len;
	char *exact = unterminated(argv[2], &len);

	if (money_parse_plain(exact, len, atoi(argv[1]), &minor, &errstr) == -1)
		snprintf(result, size, "error: %s", errstr);
	else
		snprintf(result, size, "%" PRId64, minor);
	free(exact);
}

static void
mode_format(char **argv, char *result, size_t size)
{
	char text[MONEY_TEXT_MAX];
	size_t len;

	len = money_format(text, strtoll(argv[2], NULL, 10), atoi(argv[1]));
	if (len != strlen(text))
		snprintf(result, size, "error: length %zu", len);
	else
		snprintf(result, size, "%s", text);
}

static void
mode_add(char **argv, char *result, size_t size)
{
	int64_t sum = strtoll(argv[1], NULL, 10);
	int64_t before = sum;

	if (money_add(&sum, strtoll(argv[2], NULL, 10)) == -1)
		snprintf(result, size, "error: overflow%s",
		    sum == before ? "" : ", sum changed");
	else
		snprintf(result, size, "%" PRId64, sum);
}

static void
mode_find(char **argv, char *result, size_t size)
{
	const struct currency *currency;

	currency = currency_find(argv[1], strlen(argv[1]));
	if (currency == NULL)
		snprintf(result, size, "none");
	else
		snprintf(result, size, "%s %d", currency->code,
		    currency->exponent);
}

void
table_money(int argc, char **argv, char *result, size_t size)
{
	static const struct {
		const char	*mode;
		int		 argc;
		void		(*fn)(char **, char *, size_t);
	} modes[] = {
		{ "scan", 4, mode_scan },
		{ "raw", 3, mode_raw },
		{ "plain", 3, mode_plain },
		{ "format", 3, mode_format },
		{ "add", 3, mode_add },
		{ "find", 2, mode_find },
	};
	const struct currency *currency;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[0], modes[i].mode) == 0 && argc == modes[i].argc) {
			modes[i].fn(argv, result, size);
			return;
		}
	if (strcmp(argv[0], "unit") == 0 && argc == 2)
		snprintf(result, size, "%" PRId64, money_unit(atoi(argv[1])));
	else if (strcmp(argv[0], "marker") == 0 && argc == 2) {
		currency = currency_from_marker(argv[1]);
		snprintf(result, size, "%s", currency ? currency->code : "none");
	} else if (strcmp(argv[0], "fits") == 0 && argc == 3)
		snprintf(result, size, "%d",
		    currency_marker_fits(argv[1], argv[2]));
	else
		snprintf(result, size, "error: bad test line");
}
