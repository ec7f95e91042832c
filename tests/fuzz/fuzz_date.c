/*
 * date: date_parse in every order, date_parse_iso, date_format and the
 * day-number conversions.  Properties: a parsed date is a valid day of
 * years 1000-9999; it formats to YYYY-MM-DD, which every parser reads back
 * to the same day; strict ISO text is its own formatted form; any day in
 * range survives format and parse.  The first byte picks the order, the
 * next four a raw day number.
 */
#include <stdint.h>
#include <string.h>

#include "date.h"
#include "fuzz.h"

static int32_t first_day, last_day;

static void
check_day(int32_t day)
{
	char text[DATE_TEXT_MAX];
	const char *errstr;
	int32_t back;
	int year, month, mday, order;

	FUZZ_ASSERT(day >= first_day && day <= last_day);
	date_to_ymd(day, &year, &month, &mday);
	FUZZ_ASSERT(year >= 1000 && year <= 9999);
	FUZZ_ASSERT(date_valid(year, month, mday));
	FUZZ_ASSERT(date_from_ymd(year, month, mday) == day);
	FUZZ_ASSERT(date_format(text, day) == 10 && text[10] == '\0');
	FUZZ_ASSERT(date_parse_iso(text, 10, &back) == 0 && back == day);
	for (order = DATE_ORDER_NONE; order <= DATE_ORDER_DMY; order++)
		FUZZ_ASSERT(date_parse(text, 10, order, &back, &errstr) == 0 &&
		    back == day);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s, *errstr;
	char text[DATE_TEXT_MAX];
	unsigned pick = fuzz_take(&data, &size);
	enum date_order order = pick % 4;
	int32_t day, iso, raw;

	if (first_day == 0) {
		first_day = date_from_ymd(1000, 1, 1);
		last_day = date_from_ymd(9999, 12, 31);
	}
	if (size >= 4) {
		memcpy(&raw, data, 4);
		raw = first_day + (int32_t)((uint32_t)raw %
		    (uint32_t)(last_day - first_day + 1));
		check_day(raw);
	}
	s = (const char *)data;
	if (date_parse(s, size, order, &day, &errstr) == 0)
		check_day(day);
	else
		FUZZ_ASSERT(errstr != NULL);
	if (date_parse_iso(s, size, &iso) == 0) {
		check_day(iso);
		FUZZ_ASSERT(size == 10);
		date_format(text, iso);
		FUZZ_ASSERT(memcmp(text, s, 10) == 0);
		FUZZ_ASSERT(date_parse(s, size, order, &day, &errstr) == 0 &&
		    day == iso);
	}
	return 0;
}
