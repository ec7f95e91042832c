/*
 * Table tests for lib/date.c.  The first argument is the mode:
 *	parse ORDER TEXT	date_parse (ORDER none, ymd, mdy or dmy),
 *				written back as YYYY-MM-DD
 *	iso TEXT		date_parse_iso: the day number
 *	ymd Y M D		date_from_ymd: the day number
 *	civil DAY		date_to_ymd: "Y M D"
 *	format DAY		date_format
 *	valid Y M D		date_valid: "1" or "0"
 *	roundtrip FROM TO	every day number in [FROM, TO] through
 *				date_to_ymd, date_from_ymd, date_format and
 *				date_parse_iso, one day after the other: "ok"
 * Failures give "error: REASON".  Texts are handed over without a NUL
 * after them, as the filters hand over fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "table.h"

static enum date_order
order_named(const char *name)
{
	if (strcmp(name, "ymd") == 0)
		return DATE_ORDER_YMD;
	if (strcmp(name, "mdy") == 0)
		return DATE_ORDER_MDY;
	if (strcmp(name, "dmy") == 0)
		return DATE_ORDER_DMY;
	return DATE_ORDER_NONE;
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

static void
mode_parse(char **argv, char *result, size_t size)
{
	const char *errstr;
	int32_t day;
	char text[DATE_TEXT_MAX];
	size_t len;
	char *exact = unterminated(argv[2], &len);
	int rc = date_parse(exact, len, order_named(argv[1]), &day, &errstr);

	free(exact);
	if (rc == -1) {
		snprintf(result, size, "error: %s", errstr);
		return;
	}
	date_format(text, day);
	snprintf(result, size, "%s", text);
}

static void
mode_iso(char **argv, char *result, size_t size)
{
	int32_t day;
	size_t len;
	char *exact = unterminated(argv[1], &len);

	if (date_parse_iso(exact, len, &day) == -1)
		snprintf(result, size, "error");
	else
		snprintf(result, size, "%ld", (long)day);
	free(exact);
}

/* The day after year-month-mday, by the calendar rules, not by day numbers. */
static void
next_day(int *year, int *month, int *mday)
{
	if (date_valid(*year, *month, *mday + 1))
		(*mday)++;
	else if (*month < 12) {
		(*month)++;
		*mday = 1;
	} else {
		(*year)++;
		*month = 1;
		*mday = 1;
	}
}

static void
mode_roundtrip(char **argv, char *result, size_t size)
{
	long from = atol(argv[1]), to = atol(argv[2]), day;
	int year, month, mday, want_year, want_month, want_mday;
	char text[DATE_TEXT_MAX];
	int32_t back;

	date_to_ymd(from, &want_year, &want_month, &want_mday);
	for (day = from; day <= to; day++) {
		date_to_ymd(day, &year, &month, &mday);
		if (year != want_year || month != want_month || mday != want_mday ||
		    date_from_ymd(year, month, mday) != day ||
		    date_format(text, day) != 10 ||
		    date_parse_iso(text, 10, &back) == -1 || back != day) {
			snprintf(result, size, "error: day %ld", day);
			return;
		}
		next_day(&want_year, &want_month, &want_mday);
	}
	snprintf(result, size, "ok");
}

void
table_date(int argc, char **argv, char *result, size_t size)
{
	char text[DATE_TEXT_MAX];
	int year, month, mday;

	if (strcmp(argv[0], "parse") == 0 && argc == 3)
		mode_parse(argv, result, size);
	else if (strcmp(argv[0], "iso") == 0 && argc == 2)
		mode_iso(argv, result, size);
	else if (strcmp(argv[0], "ymd") == 0 && argc == 4)
		snprintf(result, size, "%ld", (long)date_from_ymd(atoi(argv[1]),
		    atoi(argv[2]), atoi(argv[3])));
	else if (strcmp(argv[0], "civil") == 0 && argc == 2) {
		date_to_ymd(atol(argv[1]), &year, &month, &mday);
		snprintf(result, size, "%d %d %d", year, month, mday);
	} else if (strcmp(argv[0], "format") == 0 && argc == 2) {
		date_format(text, atol(argv[1]));
		snprintf(result, size, "%s", text);
	} else if (strcmp(argv[0], "valid") == 0 && argc == 4)
		snprintf(result, size, "%d", date_valid(atoi(argv[1]),
		    atoi(argv[2]), atoi(argv[3])));
	else if (strcmp(argv[0], "roundtrip") == 0 && argc == 3)
		mode_roundtrip(argv, result, size);
	else
		snprintf(result, size, "error: bad test line");
}
