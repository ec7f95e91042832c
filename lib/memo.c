/*
 * Invoice references in remittance memos, found with two PCRE2 patterns:
 * one for a prefixed reference ("INV-1043", "invoice no. 1043") and one,
 * anchored where the last reference ended, for the further numbers of a
 * list ("INV 1043, 1044 & 1045").  Both are JIT-compiled once; the match
 * data is reused, so a memo costs no allocation.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "memo.h"

/*
 * The number: a digit, then letters and digits, then more such groups
 * joined by '-' or '_' ("2024-0012").  Possessive so that "1043.50" is
 * rejected whole rather than read as "104"; a decimal part means money.
 */
#define MEMO_NUMBER \
	"([0-9][0-9a-z]*+(?:[-_][0-9][0-9a-z]*+)*+)(?![.,][0-9])"

static const char memo_prefixed[] =
	"\\binv(?:oices?)?\\.?\\s*"
	"(?:(?:no|nr|num(?:ber)?)\\b\\.?\\s*)?"
	"[-#:]*\\s*" MEMO_NUMBER;

static const char memo_list_item[] =
	"\\s*(?:,|;|&|\\+|/|and\\b)\\s*(?:#\\s*)?" MEMO_NUMBER;

struct memo {
	pcre2_code		*prefixed;
	pcre2_code		*list_item;
	pcre2_match_data	*match;
};

static pcre2_code *
compile(const char *pattern, const char **errstr)
{
	static char message[128];
	pcre2_code *code;
	PCRE2_SIZE offset;
	int error;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS, &error, &offset, NULL);
	if (code == NULL) {
		pcre2_get_error_message(error, (PCRE2_UCHAR *)message,
		    sizeof(message));
		*errstr = message;
		return NULL;
	}
	/* Without JIT (some platforms) pcre2_match interprets: slower, same result. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	return code;
}

struct memo *
memo_new(const char **errstr)
{
	struct memo *m = ecalloc(1, sizeof(*m));

	if ((m->prefixed = compile(memo_prefixed, errstr)) == NULL ||
	    (m->list_item = compile(memo_list_item, errstr)) == NULL) {
		memo_free(m);
		return NULL;
	}
	m->match = pcre2_match_data_create_from_pattern(m->prefixed, NULL);
	if (m->match == NULL) {
		*errstr = "out of memory";
		memo_free(m);
		return NULL;
	}
	return m;
}

void
memo_free(struct memo *m)
{
	if (m == NULL)
		return;
	pcre2_code_free(m->prefixed);
	pcre2_code_free(m->list_item);
	pcre2_match_data_free(m->match);
	free(m);
}

/* Match code at offset; on success fill *ref and return 1. */
static int
match_at(struct memo *m, pcre2_code *code, const char *s, size_t len,
    size_t offset, uint32_t options, struct memo_ref *ref)
{
	PCRE2_SIZE *ov;

	if (pcre2_match(code, (PCRE2_SPTR)s, len, offset, options, m->match,
	    NULL) < 2)
		return 0;
	ov = pcre2_get_ovector_pointer(m->match);
	ref->start = ov[0];
	ref->len = ov[1] - ov[0];
	ref->number_start = ov[2];
	ref->number_len = ov[3] - ov[2];
	ref->prefixed = code == m->prefixed;
	return 1;
}

size_t
memo_refs(struct memo *m, const char *s, size_t len, struct memo_ref *refs,
    size_t max)
{
	size_t n = 0, offset = 0;

	while (n < max &&
	    match_at(m, m->prefixed, s, len, offset, 0, &refs[n])) {
		offset = refs[n].start + refs[n].len;
		n++;
		while (n < max && match_at(m, m->list_item, s, len, offset,
		    PCRE2_ANCHORED, &refs[n])) {
			offset = refs[n].start + refs[n].len;
			n++;
		}
	}
	return n;
}

/*
 * Each byte's key byte, or 0 for a byte the key drops (spaces and
 * punctuation): a table look-up per byte, since this runs for every open
 * invoice of the night.
 */
static unsigned char key_byte[256];

static void
key_table(void)
{
	int c;

	for (c = 0; c < 256; c++)
		key_byte[c] = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' :
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80 ? c : 0;
}

size_t
memo_key(char *dst, const char *s, size_t len)
{
	size_t i, n = 0;
	unsigned char k;

	if (key_byte['0'] == 0)
		key_table();
	for (i = 0; i < len; i++) {
		k = key_byte[(unsigned char)s[i]];
		dst[n] = k;
		n += k != 0;
	}
	return n;
}

size_t
memo_ref_key(char *dst, const char *memo, const struct memo_ref *ref)
{
	memcpy(dst, "inv", 3);
	return 3 + memo_key(dst + 3, memo + ref->number_start, ref->number_len);
}
