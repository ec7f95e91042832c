/*
 * money: money_scan and money_scale on free-form amounts, money_parse_plain
 * on canonical ones, money_format and money_add.  Properties: whatever is
 * read formats to text that money_parse_plain and money_scan read back to
 * the same value; scan reads all canonical text; money_add
 * agrees with a checked addition.  The first byte picks the exponent and
 * decimal comma, the next eight make a raw amount for the format round trip.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "money.h"

static void
check_round_trip(int64_t minor, int exponent)
{
	char text[MONEY_TEXT_MAX];
	struct money_scan scan;
	const char *errstr;
	int64_t back;
	size_t len;

	len = money_format(text, minor, exponent);
	FUZZ_ASSERT(len > 0 && len < MONEY_TEXT_MAX && text[len] == '\0');
	FUZZ_ASSERT(money_parse_plain(text, len, exponent, &back, &errstr) == 0);
	FUZZ_ASSERT(back == minor);
	FUZZ_ASSERT(money_scan(text, len, 0, &scan, &errstr) == 0);
	FUZZ_ASSERT(money_scale(&scan, exponent, &back, &errstr) == 0);
	FUZZ_ASSERT(back == minor);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct money_scan scan;
	const char *errstr;
	unsigned pick = fuzz_take(&data, &size);
	int exponent = pick % (MONEY_MAX_EXPONENT + 1);
	int decimal_comma = (pick >> 4) & 1;
	int64_t raw = 0, minor, plain, sum, other;
	int scanned;

	if (size >= 8) {
		memcpy(&raw, data, 8);
		check_round_trip(raw, exponent);
		other = raw;
		sum = minor = (int64_t)(size * 7919) - (int64_t)(pick << 20);
		if (__builtin_add_overflow(minor, other, &plain))
			FUZZ_ASSERT(money_add(&sum, other) == -1 && sum == minor);
		else
			FUZZ_ASSERT(money_add(&sum, other) == 0 && sum == plain);
	}

	scanned = money_scan((const char *)data, size, decimal_comma, &scan,
	    &errstr) == 0;
	if (!scanned)
		FUZZ_ASSERT(errstr != NULL);
	else {
		FUZZ_ASSERT(scan.integer_len < sizeof(scan.integer));
		FUZZ_ASSERT(scan.fraction_len < sizeof(scan.fraction));
		FUZZ_ASSERT(memchr(scan.marker, '\0', sizeof(scan.marker)) != NULL);
		if (money_scale(&scan, exponent, &minor, &errstr) == 0)
			check_round_trip(minor, exponent);
	}

	if (money_parse_plain((const char *)data, size, exponent, &plain,
	    &errstr) == 0) {
		check_round_trip(plain, exponent);
		/* the canonical form is one of the forms scan reads (parse_plain
		 * takes any number of leading zeros, scan 23 digits at most) */
		char text[MONEY_TEXT_MAX];

		if (!decimal_comma && money_format(text, plain, exponent) == size &&
		    memcmp(text, data, size) == 0) {
			FUZZ_ASSERT(scanned);
			FUZZ_ASSERT(money_scale(&scan, exponent, &minor,
			    &errstr) == 0 && minor == plain);
		}
	}
	return 0;
}
