/*
 * phone: phone_parse in every known region and an unknown one.
 * Properties: a parsed number is "+" and 5 to 15 digits (E.164 allows no
 * more; the shortest: a one-digit country code and four digits), the
 * extension is at most 7 digits, and the E.164 text parses back to itself,
 * in its region and in another, with no extension.  The first byte picks
 * the region.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "phone.h"

static const char *const regions[] = {
	"US", "CA", "GB", "DE", "FR", "ES", "IT", "NL", "AU", "IE", "CH",
	"AT", "BE", "NZ", "MX", "us", "ZZ", "",
};
#define NREGIONS	(sizeof(regions) / sizeof(regions[0]))

static void
check_digits(const char *s, size_t min, size_t max)
{
	size_t len = strlen(s), i;

	FUZZ_ASSERT(len >= min && len <= max);
	for (i = 0; i < len; i++)
		FUZZ_ASSERT(s[i] >= '0' && s[i] <= '9');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *region, *errstr;
	unsigned pick = fuzz_take(&data, &size);
	struct phone p, again;

	region = regions[pick % NREGIONS];
	memset(&p, 0x5a, sizeof(p));
	if (phone_parse((const char *)data, size, region, &p, &errstr) < 0) {
		FUZZ_ASSERT(errstr != NULL);
		return 0;
	}
	FUZZ_ASSERT(memchr(p.e164, '\0', sizeof(p.e164)) != NULL);
	FUZZ_ASSERT(memchr(p.ext, '\0', sizeof(p.ext)) != NULL);
	FUZZ_ASSERT(p.e164[0] == '+');
	check_digits(p.e164 + 1, 5, 15);
	check_digits(p.ext, 0, 7);
	FUZZ_ASSERT(phone_parse(p.e164, strlen(p.e164), region, &again,
	    &errstr) == 0);
	FUZZ_ASSERT(strcmp(again.e164, p.e164) == 0 && again.ext[0] == '\0');
	FUZZ_ASSERT(phone_parse(p.e164, strlen(p.e164), "DE", &again,
	    &errstr) == 0);
	FUZZ_ASSERT(strcmp(again.e164, p.e164) == 0);
	return 0;
}
