/*
 * memo: invoice references in remittance memos (reconcile-payments).
 * Properties: at most max references, in memo order, not overlapping,
 * each inside the memo with its number inside it and starting with a
 * digit; the first one is prefixed; keys are "inv" and lowercase letters
 * and digits; memo_key is idempotent; a prefixed reference cut out of the
 * memo alone is found again with the same key.  The first byte picks max.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "memo.h"

static struct memo *memo;

static void
check_key(const char *key, size_t len)
{
	char again[256];
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = key[i];

		FUZZ_ASSERT((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80);
	}
	if (len <= sizeof(again)) {
		FUZZ_ASSERT(memo_key(again, key, len) == len);
		FUZZ_ASSERT(memcmp(again, key, len) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memo_ref refs[MEMO_MAX_REFS], alone[1];
	const char *s, *errstr;
	unsigned pick = fuzz_take(&data, &size);
	size_t max = 1 + pick % MEMO_MAX_REFS, n, i, end = 0, klen, klen2;
	char *key, *key2;

	if (memo == NULL && (memo = memo_new(&errstr)) == NULL)
		abort();
	s = (const char *)data;
	FUZZ_ASSERT((key = malloc(size + 4)) != NULL);
	FUZZ_ASSERT((key2 = malloc(size + 4)) != NULL);
	klen = memo_key(key, s, size);
	FUZZ_ASSERT(klen <= size);
	check_key(key, klen);

	n = memo_refs(memo, s, size, refs, max);
	FUZZ_ASSERT(n <= max);
	for (i = 0; i < n; i++) {
		const struct memo_ref *r = &refs[i];

		FUZZ_ASSERT(r->start >= end && r->len > 0);
		FUZZ_ASSERT(r->start + r->len <= size);
		FUZZ_ASSERT(r->number_start >= r->start && r->number_len > 0);
		FUZZ_ASSERT(r->number_start + r->number_len == r->start + r->len);
		FUZZ_ASSERT(s[r->number_start] >= '0' && s[r->number_start] <= '9');
		FUZZ_ASSERT(i > 0 || r->prefixed);
		end = r->start + r->len;
		klen = memo_ref_key(key, s, r);
		FUZZ_ASSERT(klen > 3 && klen <= r->number_len + 3);
		FUZZ_ASSERT(memcmp(key, "inv", 3) == 0);
		check_key(key, klen);
		if (!r->prefixed)
			continue;
		FUZZ_ASSERT(memo_refs(memo, s + r->start, r->len, alone, 1) == 1);
		alone[0].number_start += r->start;
		klen2 = memo_ref_key(key2, s, &alone[0]);
		FUZZ_ASSERT(klen2 == klen && memcmp(key, key2, klen) == 0);
	}
	free(key);
	free(key2);
	return 0;
}
