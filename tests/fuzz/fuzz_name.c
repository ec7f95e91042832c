/*
 * name: name_fold and name_compatible.  Properties: the key fits its
 * buffer and is NUL-terminated, holds no ASCII capitals, no doubled or
 * edge spaces; folding a key again gives the same key (when not cut at
 * NAME_FOLD_MAX); every key is compatible with itself and with the empty
 * key, and compatibility is symmetric.  Idempotence is asked of valid
 * UTF-8 only: dropping an apostrophe between two stray bytes of broken
 * UTF-8 can join them into a letter that the next fold takes an accent
 * off (found by this harness; harmless, since such names compare as
 * nothing real anyway).  The input is two names split at the first newline.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "name.h"

/* 1 when s is well-formed UTF-8 (overlongs and surrogates aside). */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, more, k;

	while (i < len) {
		if (s[i] < 0x80)
			more = 0;
		else if (s[i] >= 0xc2 && s[i] <= 0xdf)
			more = 1;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			more = 2;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			more = 3;
		else
			return 0;
		for (k = 1; k <= more; k++)
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return 0;
		i += more + 1;
	}
	return 1;
}

static size_t
fold_checked(const char *s, size_t len, char *key)
{
	char again[NAME_FOLD_MAX];
	size_t n, i;

	memset(key, 0x5a, NAME_FOLD_MAX);
	n = name_fold(s, len, key, NAME_FOLD_MAX);
	FUZZ_ASSERT(n < NAME_FOLD_MAX && key[n] == '\0' && strlen(key) == n);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(!(key[i] >= 'A' && key[i] <= 'Z'));
		FUZZ_ASSERT(key[i] != ' ' || (i > 0 && i + 1 < n &&
		    key[i + 1] != ' '));
	}
	if (n + 8 < NAME_FOLD_MAX && utf8_valid((const unsigned char *)s, len)) {
		FUZZ_ASSERT(name_fold(key, n, again, sizeof(again)) == n);
		FUZZ_ASSERT(memcmp(again, key, n) == 0);
	}
	FUZZ_ASSERT(name_compatible(key, key));
	FUZZ_ASSERT(name_compatible(key, ""));
	FUZZ_ASSERT(name_compatible("", key));
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[NAME_FOLD_MAX], b[NAME_FOLD_MAX];
	const char *s = (const char *)data, *nl;
	size_t alen;

	nl = memchr(s, '\n', size);
	alen = nl ? (size_t)(nl - s) : size;
	fold_checked(s, alen, a);
	if (nl == NULL)
		return 0;
	fold_checked(nl + 1, size - alen - 1, b);
	FUZZ_ASSERT(name_compatible(a, b) == name_compatible(b, a));
	return 0;
}
