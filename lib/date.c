/*
 * Dates as day numbers since 1970-01-01, proleptic Gregorian.  date_parse
 * reads the forms billing exports write and refuses to guess: a date that
 * could be read two ways, or a two-digit year, is an error.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "date.h"

struct cursor {
	const char	*p;
	const char	*end;
};

/* A date as read, before it is checked. */
struct ymd {
	int	year;
	int	year_digits;
	int	month;
	int	mday;
};

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_letter(int c)
{
	return lower(c) >= 'a' && lower(c) <= 'z';
}

/* Between the numbers of "2026-01-15", "01/15/2026", "15.01.2026". */
static int
is_separator(int c)
{
	return c == '-' || c == '/' || c == '.';
}

static int
is_leap(int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int
date_valid(int year, int month, int mday)
{
	static const unsigned char month_days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (year < 1000 || year > 9999 || month < 1 || month > 12 || mday < 1)
		return 0;
	if (month == 2 && is_leap(year))
		return mday <= 29;
	return mday <= month_days[month - 1];
}

/*
 * Howard Hinnant's days_from_civil: counting years from March puts the
 * leap day last, so a day of the year is a formula, not a table.
 */
int32_t
date_from_ymd(int year, int month, int mday)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t year_of_era = y - era * 400;
	int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 +
	    mday - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 -
	    year_of_era / 100 + day_of_year;

	return (int32_t)(era * 146097 + day_of_era - 719468);
}

/* Hinnant's civil_from_days, the inverse of date_from_ymd. */
void
date_to_ymd(int32_t day, int *year, int *month, int *mday)
{
	int64_t z = (int64_t)day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t day_of_era = z - era * 146097;
	int64_t year_of_era = (day_of_era - day_of_era / 1460 +
	    day_of_era / 36524 - day_of_era / 146096) / 365;
	int64_t day_of_year = day_of_era -
	    (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	int64_t march_month = (5 * day_of_year + 2) / 153;

	*mday = (int)(day_of_year - (153 * march_month + 2) / 5 + 1);
	*month = (int)(march_month < 10 ? march_month + 3 : march_month - 9);
	*year = (int)(year_of_era + era * 400 + (*month <= 2));
}

static void
put_digits(char *buf, int value, int width)
{
	while (width-- > 0) {
		buf[width] = '0' + value % 10;
		value /= 10;
	}
}

size_t
date_format(char *buf, int32_t day)
{
	int year, month, mday;

	date_to_ymd(day, &year, &month, &mday);
	if (year < 0 || year > 9999)	/* no such date in ten bytes */
		year = month = mday = 0;
	put_digits(buf, year, 4);
	buf[4] = '-';
	put_digits(buf + 5, month, 2);
	buf[7] = '-';
	put_digits(buf + 8, mday, 2);
	buf[10] = '\0';
	return 10;
}

/* Digits at s, which are known to be there. */
static int
digits_value(const char *s, int count)
{
	int value = 0;

	while (count-- > 0)
		value = value * 10 + (*s++ - '0');
	return value;
}

int
date_parse_iso(const char *s, size_t len, int32_t *day)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned y0, y1, y2, y3, m0, m1, d0, d1;
	int year, month, mday;

	/* the hot path of every filter: no loop and no table (a non-digit
	 * wraps around to more than 9) */
	if (len != 10 || u[4] != '-' || u[7] != '-')
		return -1;
	y0 = u[0] - '0'; y1 = u[1] - '0'; y2 = u[2] - '0'; y3 = u[3] - '0';
	m0 = u[5] - '0'; m1 = u[6] - '0'; d0 = u[8] - '0'; d1 = u[9] - '0';
	if ((y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (m0 > 9) | (m1 > 9) |
	    (d0 > 9) | (d1 > 9))
		return -1;
	year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
	month = m0 * 10 + m1;
	mday = d0 * 10 + d1;
	if (!date_valid(year, month, mday))
		return -1;
	*day = date_from_ymd(year, month, mday);
	return 0;
}

/* Reads a run of digits; returns its length, the value in *value. */
static int
read_number(struct cursor *c, int *value)
{
	int count = 0;

	*value = 0;
	for (; c->p < c->end && is_digit(*c->p); c->p++, count++)
		if (count < 9)	/* longer runs are refused by their length */
			*value = *value * 10 + (*c->p - '0');
	return count;
}

static int
read_part(struct cursor *c, int *value)
{
	int count = read_number(c, value);

	return count == 1 || count == 2 ? 0 : -1;
}

static int
skip_char(struct cursor *c, char want)
{
	if (c->p == c->end || *c->p != want)
		return -1;
	c->p++;
	return 0;
}

static int
skip_spaces(struct cursor *c)
{
	const char *start = c->p;

	while (c->p < c->end && *c->p == ' ')
		c->p++;
	return c->p > start ? 0 : -1;
}

/* "Jan", "JANUARY", "sept": the month number, or 0. */
static int
read_month_name(struct cursor *c)
{
	const char *start = c->p;
	size_t len, i, j;

	while (c->p < c->end && is_letter(*c->p))
		c->p++;
	len = c->p - start;
	for (i = 0; i < 12; i++) {
		if (len != 3 && len != strlen(month_names[i]) &&
		    !(len == 4 && i == 8))
			continue;
		for (j = 0; j < len; j++)
			if (lower(start[j]) != month_names[i][j])
				break;
		if (j == len)
			return (int)i + 1;
	}
	return 0;
}

/* Exactly two digits, at most max: minutes, seconds, a zone's hours. */
static int
read_clock_part(struct cursor *c, int max)
{
	if (c->end - c->p < 2 || !is_digit(c->p[0]) || !is_digit(c->p[1]) ||
	    digits_value(c->p, 2) > max)
		return -1;
	c->p += 2;
	return 0;
}

/* "+01", "+0100", "+01:00", the sign already read, to the end. */
static int
skip_zone_offset(struct cursor *c)
{
	if (read_clock_part(c, 23) == -1)
		return -1;
	if (c->p == c->end)
		return 0;
	skip_char(c, ':');
	if (read_clock_part(c, 59) == -1)
		return -1;
	return c->p == c->end ? 0 : -1;
}

/*
 * A time of day after the date: "10:30", "00:00:00", "T10:30:00.5Z",
 * "10:30:00+01:00", "12:00:00 AM".  It is checked and ignored: the date is
 * taken as written, never moved to another time zone.
 */
static int
skip_time(struct cursor *c, int iso)
{
	int hour, fraction;

	if (c->p == c->end)
		return 0;
	if (iso && *c->p == 'T')
		c->p++;
	else if (skip_spaces(c) == -1)
		return -1;
	if (read_part(c, &hour) == -1 || hour > 23 || skip_char(c, ':') == -1 ||
	    read_clock_part(c, 59) == -1)
		return -1;
	if (skip_char(c, ':') == 0 && read_clock_part(c, 60) == -1)
		return -1;
	if (skip_char(c, '.') == 0 && read_number(c, &fraction) == 0)
		return -1;
	skip_spaces(c);
	if (c->end - c->p == 2 && lower(c->p[1]) == 'm' &&
	    (lower(c->p[0]) == 'a' || lower(c->p[0]) == 'p'))
		return 0;
	if (skip_char(c, 'Z') == 0)
		return c->p == c->end ? 0 : -1;
	if (skip_char(c, '+') == 0 || skip_char(c, '-') == 0)
		return skip_zone_offset(c);
	return c->p == c->end ? 0 : -1;
}

/* After the day: "Mon DD, YYYY" or "Month DD YYYY". */
static int
parse_month_first(struct cursor *c, struct ymd *date)
{
	if ((date->month = read_month_name(c)) == 0)
		return -1;
	skip_char(c, '.');		/* "Jan. 15, 2026" */
	if (skip_spaces(c) == -1 || read_part(c, &date->mday) == -1)
		return -1;
	if (skip_char(c, ',') == 0)
		skip_spaces(c);
	else if (skip_spaces(c) == -1)
		return -1;
	date->year_digits = read_number(c, &date->year);
	return skip_time(c, 0);
}

/* "DD-Mon-YYYY", "DD Mon YYYY", the day already read. */
static int
parse_day_first(struct cursor *c, struct ymd *date, char separator)
{
	if ((date->month = read_month_name(c)) == 0)
		return -1;
	if (skip_char(c, separator) == -1)
		return -1;
	date->year_digits = read_number(c, &date->year);
	return skip_time(c, 0);
}

/* "YYYY-MM-DD", "YYYY/MM/DD" (and "YYYY.MM.DD"), the year already read. */
static int
parse_year_first(struct cursor *c, struct ymd *date)
{
	char separator;

	if (c->p == c->end || !is_separator(*c->p))
		return -1;
	separator = *c->p++;
	if (read_part(c, &date->month) == -1 || skip_char(c, separator) == -1 ||
	    read_part(c, &date->mday) == -1)
		return -1;
	return skip_time(c, 1);
}

/* "NN/NN/YYYY", "NN-NN-YYYY", "NN.NN.YYYY": which is the month? */
static int
parse_numeric(struct cursor *c, struct ymd *date, int first,
    enum date_order order, const char **errstr)
{
	char separator = *c->p++;
	int second;

	if (read_part(c, &second) == -1 || skip_char(c, separator) == -1)
		goto invalid;
	date->year_digits = read_number(c, &date->year);
	if (skip_time(c, 0) == -1)
		goto invalid;
	if (date->year_digits == 2)
		return 0;	/* reported as a two-digit year */
	if (order == DATE_ORDER_MDY) {
		date->month = first;
		date->mday = second;
	} else if (order == DATE_ORDER_DMY || separator == '.') {
		/* dotted dates are European: day first */
		date->mday = first;
		date->month = second;
	} else {
		*errstr = "ambiguous date";
		return -1;
	}
	return 0;
invalid:
	*errstr = "invalid date";
	return -1;
}

/* Every form that starts with digits. */
static int
parse_digits_first(struct cursor *c, struct ymd *date, enum date_order order,
    const char **errstr)
{
	int first, count = read_number(c, &first);

	*errstr = "invalid date";
	if (count == 8 && c->p == c->end) {		/* YYYYMMDD */
		date->year = first / 10000;
		date->year_digits = 4;
		date->month = first / 100 % 100;
		date->mday = first % 100;
		return 0;
	}
	if (count == 4) {
		date->year = first;
		date->year_digits = 4;
		return parse_year_first(c, date);
	}
	if ((count != 1 && count != 2) || c->end - c->p < 2)
		return -1;
	date->mday = first;
	if ((*c->p == '-' || *c->p == ' ') && is_letter(c->p[1])) {
		c->p++;
		return parse_day_first(c, date, c->p[-1]);
	}
	if (!is_separator(*c->p) || !is_digit(c->p[1]))
		return -1;
	return parse_numeric(c, date, first, order, errstr);
}

int
date_parse(const char *s, size_t len, enum date_order order, int32_t *day,
    const char **errstr)
{
	struct cursor c = { s, s + len };
	struct ymd date = { 0, 0, 0, 0 };
	int rc;

	while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
		c.p++;
	while (c.end > c.p && (c.end[-1] == ' ' || c.end[-1] == '\t'))
		c.end--;
	/* the canonical form first: most dates of a file are already ISO */
	if (c.end - c.p == 10 && date_parse_iso(c.p, 10, day) == 0)
		return 0;
	*errstr = "invalid date";
	if (c.p == c.end)
		return -1;
	if (is_letter(*c.p))
		rc = parse_month_first(&c, &date);
	else if (is_digit(*c.p))
		rc = parse_digits_first(&c, &date, order, errstr);
	else
		rc = -1;
	if (rc == -1)
		return -1;
	if (date.year_digits == 2) {
		*errstr = "two-digit year";
		return -1;
	}
	if (date.year_digits != 4 || !date_valid(date.year, date.month, date.mday)) {
		*errstr = "invalid date";
		return -1;
	}
	*day = date_from_ymd(date.year, date.month, date.mday);
	return 0;
}

int32_t
date_today(void)
{
	struct tm local;
	time_t now = time(NULL);

	if (localtime_r(&now, &local) == NULL)
		return 0;
	return date_from_ymd(local.tm_year + 1900, local.tm_mon + 1,
	    local.tm_mday);
}

int
date_of_dir(const char *path, int32_t *day)
{
	size_t len = strlen(path), start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	for (start = len; start > 0 && path[start - 1] != '/'; start--)
		;
	return date_parse_iso(path + start, len - start, day);
}
