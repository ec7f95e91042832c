/*
 * email: email_normalize and email_is_role.  Properties: the cleaned text
 * is NUL-terminated and at most EMAIL_MAX bytes; a valid address has one
 * "@", no ASCII capitals and no spaces, and cleans to itself (valid
 * again); role mailboxes are told the same before and after cleaning.
 */
#include <stdint.h>
#include <string.h>

#include "email.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dst[EMAIL_MAX + 1], again[EMAIL_MAX + 1];
	const char *errstr, *at;
	size_t len, len2, i;

	memset(dst, 0x5a, sizeof(dst));
	if (email_normalize((const char *)data, size, dst, &len, &errstr) < 0) {
		FUZZ_ASSERT(errstr != NULL);
		FUZZ_ASSERT(len <= EMAIL_MAX && dst[len] == '\0');
		(void)email_is_role(dst, len);
		return 0;
	}
	FUZZ_ASSERT(len > 0 && len <= EMAIL_MAX && dst[len] == '\0');
	FUZZ_ASSERT(strlen(dst) == len);
	FUZZ_ASSERT((at = memchr(dst, '@', len)) != NULL);
	FUZZ_ASSERT(memchr(at + 1, '@', len - (at + 1 - dst)) == NULL);
	for (i = 0; i < len; i++)
		FUZZ_ASSERT(!(dst[i] >= 'A' && dst[i] <= 'Z') && dst[i] != ' ');
	FUZZ_ASSERT(email_normalize(dst, len, again, &len2, &errstr) == 0);
	FUZZ_ASSERT(len2 == len && memcmp(again, dst, len) == 0);
	FUZZ_ASSERT(email_is_role(again, len2) == email_is_role(dst, len));
	return 0;
}
