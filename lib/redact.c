/*
 * Card numbers, SSNs and IBANs out of free text, with one PCRE2 pattern
 * (JIT compiled).  The checksums run as callouts inside the match: a
 * candidate that fails Luhn or mod 97 makes the engine backtrack, so it
 * goes on to try shorter runs and later starts, and a card number written
 * right after an unrelated number is still found.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "redact.h"

enum { CALLOUT_LUHN = 1, CALLOUT_IBAN = 2 };

/*
 * Alternatives, tried in this order at each start:
 *  - a card: 13-19 digits, one optional space or dash between any two;
 *  - an SSN with its groups separated alike (never area 000, group 00,
 *    serial 0000);
 *  - nine bare digits after the words that announce an SSN (\K keeps
 *    the words);
 *  - an IBAN: two letters, two check digits, 11-30 letters or digits,
 *    optionally grouped by single spaces.
 */
static const char pattern[] =
    "(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])(?C1)"
    "|(?<![0-9])(?!000)[0-9]{3}([- ])(?!00)[0-9]{2}\\1(?!0000)[0-9]{4}(?![0-9])"
    "|(?i:\\bssn|\\bss\\#|\\bsocial\\s+security(?:\\s+(?:number|no\\.?|\\#))?)"
    "[\\s:#.=-]*\\K(?!000)[0-9]{9}(?![0-9])"
    "|(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:\\ ?[A-Za-z0-9]){11,30}"
    "(?![A-Za-z0-9])(?C2)";

struct redact {
	pcre2_code		*code;
	pcre2_match_data	*match;
	pcre2_match_context	*context;
	char			*again;		/* the next pass's output */
	size_t			 again_size;
};

int
redact_luhn(const char *s, size_t len)
{
	int sum = 0, digits = 0, d;
	size_t i = len;

	while (i-- > 0) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		d = s[i] - '0';
		if (digits++ % 2 == 1 && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	return digits > 0 && sum % 10 == 0;
}

/* ISO 13616: move the first four characters to the end, letters to 10..35. */
int
redact_iban_ok(const char *s, size_t len)
{
	char alnum[40];
	size_t i, n = 0;
	unsigned remainder = 0, c;

	for (i = 0; i < len; i++)
		if (s[i] != ' ') {
			if (n == sizeof(alnum))
				return 0;
			alnum[n++] = s[i];
		}
	if (n < 15 || n > 34)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)alnum[(i + 4) % n];
		if (c >= '0' && c <= '9')
			remainder = (remainder * 10 + (c - '0')) % 97;
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			remainder = (remainder * 100 + ((c | 0x20) - 'a' + 10)) % 97;
		else
			return 0;
	}
	return remainder == 1;
}

/* 0 lets the match go on; 1 fails it here, so the engine backtracks. */
static int
check(pcre2_callout_block *cb, void *data)
{
	const char *s = (const char *)cb->subject + cb->start_match;
	size_t len = cb->current_position - cb->start_match;

	(void)data;
	if (cb->callout_number == CALLOUT_LUHN)
		return redact_luhn(s, len) ? 0 : 1;
	if (cb->callout_number == CALLOUT_IBAN)
		return redact_iban_ok(s, len) ? 0 : 1;
	return 0;
}

struct redact *
redact_new(const char **errstr)
{
	struct redact *r;
	pcre2_code *code;
	PCRE2_SIZE offset;
	int error;

	code = pcre2_compile((PCRE2_SPTR)pattern, sizeof(pattern) - 1, 0,
	    &error, &offset, NULL);
	if (code == NULL) {
		*errstr = "redaction pattern does not compile";
		return NULL;
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);	/* else interpreted */
	r = ecalloc(1, sizeof(*r));
	r->code = code;
	r->match = pcre2_match_data_create_from_pattern(code, NULL);
	r->context = pcre2_match_context_create(NULL);
	if (r->match == NULL || r->context == NULL) {
		redact_free(r);
		*errstr = "out of memory";
		return NULL;
	}
	pcre2_set_callout(r->context, check, NULL);
	return r;
}

/* Most notes hold no long number at all: no need to run the pattern. */
static int
may_hold_number(const char *s, size_t len)
{
	size_t i;
	int digits = 0;

	for (i = 0; i < len; i++)
		if (s[i] >= '0' && s[i] <= '9' && ++digits == 4)
			return 1;
	return 0;
}

static void
append(char **buf, size_t *size, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > *size) {
		*size = (*len + n + 1) * 2;
		*buf = ereallocarray(*buf, *size, 1);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static int
redact_pass(struct redact *r, const char *s, size_t len, char **buf,
    size_t *buf_size, size_t *out_len)
{
	PCRE2_SIZE *ov, at = 0, copied = 0;
	int count = 0;

	if (!may_hold_number(s, len))
		return 0;
	*out_len = 0;
	while (at <= len && pcre2_match(r->code, (PCRE2_SPTR)s, len, at, 0,
	    r->match, r->context) > 0) {
		ov = pcre2_get_ovector_pointer(r->match);
		append(buf, buf_size, out_len, s + copied, ov[0] - copied);
		append(buf, buf_size, out_len, REDACT_MARK, sizeof(REDACT_MARK) - 1);
		copied = ov[1];
		at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
		count++;
	}
	if (count > 0)
		append(buf, buf_size, out_len, s + copied, len - copied);
	return count;
}

/*
 * Pass after pass until nothing changes: a number glued to another
 * ("GB17...4130hank8 0000-111...") can hide one match inside another's
 * digits, to surface once the first is gone.  Each pass removes digits
 * and adds none, so this ends.
 */
int
redact_text(struct redact *r, const char *s, size_t len, char **buf,
    size_t *buf_size, size_t *out_len)
{
	int count = redact_pass(r, s, len, buf, buf_size, out_len), more;
	size_t again_len, size;
	char *swap;

	while (count > 0 && (more = redact_pass(r, *buf, *out_len, &r->again,
	    &r->again_size, &again_len)) > 0) {
		swap = *buf;
		*buf = r->again;
		r->again = swap;
		size = *buf_size;
		*buf_size = r->again_size;
		r->again_size = size;
		*out_len = again_len;
		count += more;
	}
	return count;
}

void
redact_free(struct redact *r)
{
	if (r == NULL)
		return;
	free(r->again);
	pcre2_match_context_free(r->context);
	pcre2_match_data_free(r->match);
	pcre2_code_free(r->code);
	free(r);
}
