/*
 * Money as int64_t minor units: reading what billing exports write, and
 * writing the one canonical form.  These run once or more per row, so they
 * allocate nothing, never measure the input with strlen, never call printf
 * and never touch floating point.
 */
#include <stdint.h>
#include <string.h>

#include "currency.h"
#include "money.h"

/* Where money_scan is in the text, and what it has seen so far. */
struct scanner {
	const char		*p;
	const char		*end;
	int			 decimal_comma;
	int			 signs;		/* '+', '-', "CR", or a pair of parentheses */
	int			 open_paren;
	int			 close_paren;
	struct money_scan	*scan;
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Bytes of white space at p: space, tab, NBSP or narrow NBSP; 0 if none. */
static size_t
space_len(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;

	if (p >= end)
		return 0;
	if (u[0] == ' ' || u[0] == '\t')
		return 1;
	if (u[0] == 0xc2 && end - p >= 2 && u[1] == 0xa0)
		return 2;
	if (u[0] == 0xe2 && end - p >= 3 && u[1] == 0x80 && u[2] == 0xaf)
		return 3;
	return 0;
}

static void
skip_space(struct scanner *sc)
{
	size_t n;

	while ((n = space_len(sc->p, sc->end)) != 0)
		sc->p += n;
}

static char
decimal_point(const struct scanner *sc)
{
	return sc->decimal_comma ? ',' : '.';
}

/*
 * Bytes of a thousands separator at p, 0 if none.  *kind tells separators
 * apart so that "1,234 567" is refused; all the spaces count as one kind.
 */
static size_t
separator_len(const struct scanner *sc, const char *p, int *kind)
{
	size_t n;

	if (p >= sc->end)
		return 0;
	if ((n = space_len(p, sc->end)) != 0) {
		*kind = ' ';
		return n;
	}
	if (*p == '\'' || *p == (sc->decimal_comma ? '.' : ',')) {
		*kind = *p;
		return 1;
	}
	return 0;
}

static int
add_sign(struct scanner *sc, int negative, const char **errstr)
{
	if (sc->signs++ > 0) {
		*errstr = "two signs";
		return -1;
	}
	sc->scan->negative = negative;
	return 0;
}

/* "CR" (any case) standing alone: a credit, so a negative amount. */
static int
at_credit(const struct scanner *sc)
{
	const char *p = sc->p;

	return sc->end - p >= 2 && (p[0] == 'C' || p[0] == 'c') &&
	    (p[1] == 'R' || p[1] == 'r') &&
	    (sc->end - p == 2 || !is_letter(p[2]));
}

/* Take the currency symbol or code at sc->p, if there is one. */
static int
take_marker(struct scanner *sc, size_t len, const char **errstr)
{
	char *marker = sc->scan->marker;
	size_t i;

	if (marker[0] != '\0') {
		*errstr = "two currency markers";
		return -1;
	}
	memcpy(marker, sc->p, len);
	marker[len] = '\0';
	if (len == 3 && is_letter(marker[0]) && is_letter(marker[1]) &&
	    is_letter(marker[2])) {
		if (currency_find(marker, 3) == NULL) {
			*errstr = "unknown currency";
			return -1;
		}
		for (i = 0; i < 3; i++)
			marker[i] &= ~0x20;	/* codes are kept in capitals */
	}
	sc->p += len;
	return 0;
}

/* One sign, parenthesis or marker before the digits. */
static int
take_prefix(struct scanner *sc, const char **errstr)
{
	size_t len;

	switch (*sc->p) {
	case '+':
		sc->p++;
		return add_sign(sc, 0, errstr);
	case '-':
		sc->p++;
		return add_sign(sc, 1, errstr);
	case '(':
		sc->p++;
		if (sc->open_paren++ > 0) {
			*errstr = "unbalanced parenthesis";
			return -1;
		}
		return add_sign(sc, 1, errstr);
	}
	if ((len = currency_marker_span(sc->p, sc->end - sc->p)) != 0)
		return take_marker(sc, len, errstr);
	*errstr = "invalid amount";
	return -1;
}

/* One sign, parenthesis, "CR" or marker after the digits. */
static int
take_suffix(struct scanner *sc, const char **errstr)
{
	size_t len;

	switch (*sc->p) {
	case '-':
		sc->p++;
		return add_sign(sc, 1, errstr);
	case ')':
		sc->p++;
		if (++sc->close_paren > sc->open_paren) {
			*errstr = "unbalanced parenthesis";
			return -1;
		}
		return 0;
	}
	if (at_credit(sc)) {
		sc->p += 2;
		return add_sign(sc, 1, errstr);
	}
	if ((len = currency_marker_span(sc->p, sc->end - sc->p)) != 0)
		return take_marker(sc, len, errstr);
	*errstr = "invalid amount";
	return -1;
}

static int
append_digit(char *buf, size_t *len, char digit)
{
	if (*len + 1 >= 24)	/* the size of the buffers in struct money_scan */
		return -1;
	buf[(*len)++] = digit;
	buf[*len] = '\0';
	return 0;
}

/*
 * The integer part, with its thousands groups: 1-3 digits, then groups of
 * exactly three.  "12,34" is refused: it is most likely a European amount
 * read without --decimal-comma, and guessing would move money.
 */
static int
scan_integer(struct scanner *sc, const char **errstr)
{
	struct money_scan *scan = sc->scan;
	size_t group = 0, n;
	int kind, first_kind = 0;

	for (; sc->p < sc->end; sc->p++) {
		if (is_digit(*sc->p)) {
			if (append_digit(scan->integer, &scan->integer_len,
			    *sc->p) == -1) {
				*errstr = "amount out of range";
				return -1;
			}
			group++;
			continue;
		}
		if ((n = separator_len(sc, sc->p, &kind)) == 0)
			break;
		if (sc->p + n >= sc->end || !is_digit(sc->p[n])) {
			if (kind == ' ')
				break;	/* a space before a suffix */
			goto misplaced;
		}
		if (group == 0 || group > 3 ||
		    (first_kind != 0 && (group != 3 || kind != first_kind)))
			goto misplaced;
		first_kind = kind;
		group = 0;
		sc->p += n - 1;
	}
	if (first_kind != 0 && group != 3)
		goto misplaced;
	return 0;
misplaced:
	*errstr = "misplaced thousands separator";
	return -1;
}

static int
scan_fraction(struct scanner *sc, const char **errstr)
{
	struct money_scan *scan = sc->scan;
	int kind;
	size_t n;

	if (sc->p == sc->end || *sc->p != decimal_point(sc))
		return 0;
	for (sc->p++; sc->p < sc->end && is_digit(*sc->p); sc->p++)
		if (append_digit(scan->fraction, &scan->fraction_len,
		    *sc->p) == -1) {
			*errstr = "too many decimals";
			return -1;
		}
	/* "1.234,56" without --decimal-comma lands here */
	n = separator_len(sc, sc->p, &kind);
	if (n != 0 && sc->p + n < sc->end && is_digit(sc->p[n])) {
		*errstr = "misplaced thousands separator";
		return -1;
	}
	return 0;
}

int
money_scan(const char *s, size_t len, int decimal_comma,
    struct money_scan *scan, const char **errstr)
{
	struct scanner sc = { s, s + len, decimal_comma, 0, 0, 0, scan };

	memset(scan, 0, sizeof(*scan));
	skip_space(&sc);
	if (sc.p == sc.end) {
		*errstr = "empty amount";
		return -1;
	}
	while (sc.p < sc.end && !is_digit(*sc.p) && *sc.p != decimal_point(&sc)) {
		if (take_prefix(&sc, errstr) == -1)
			return -1;
		skip_space(&sc);
	}
	if (scan_integer(&sc, errstr) == -1 || scan_fraction(&sc, errstr) == -1)
		return -1;
	if (scan->integer_len == 0 && scan->fraction_len == 0) {
		*errstr = "invalid amount";
		return -1;
	}
	for (skip_space(&sc); sc.p < sc.end; skip_space(&sc))
		if (take_suffix(&sc, errstr) == -1)
			return -1;
	if (sc.open_paren != sc.close_paren) {
		*errstr = "unbalanced parenthesis";
		return -1;
	}
	return 0;
}

/* value = value * 10 ± digit; negatives grow downwards to reach INT64_MIN. */
static int
push_digit(int64_t *value, int digit, int negative)
{
	if (__builtin_mul_overflow(*value, 10, value))
		return -1;
	if (negative)
		return __builtin_sub_overflow(*value, digit, value) ? -1 : 0;
	return __builtin_add_overflow(*value, digit, value) ? -1 : 0;
}

int
money_scale(const struct money_scan *scan, int exponent, int64_t *minor,
    const char **errstr)
{
	int64_t value = 0;
	size_t i;
	int digit;

	if (exponent < 0 || exponent > MONEY_MAX_EXPONENT) {
		*errstr = "invalid exponent";
		return -1;
	}
	if (scan->integer_len == 0 && scan->fraction_len == 0) {
		*errstr = "invalid amount";
		return -1;
	}
	for (i = exponent; i < scan->fraction_len; i++)
		if (scan->fraction[i] != '0') {
			*errstr = "too many decimals";
			return -1;
		}
	for (i = 0; i < scan->integer_len; i++)
		if (push_digit(&value, scan->integer[i] - '0',
		    scan->negative) == -1)
			goto range;
	for (i = 0; i < (size_t)exponent; i++) {
		digit = i < scan->fraction_len ? scan->fraction[i] - '0' : 0;
		if (push_digit(&value, digit, scan->negative) == -1)
			goto range;
	}
	*minor = value;
	return 0;
range:
	*errstr = "amount out of range";
	return -1;
}

/*
 * money_parse_plain for amounts of at most 18 digits once scaled, which
 * cannot overflow: the path almost every amount of a canonical file takes,
 * without per-digit overflow checks.  Returns 1 for a longer amount.
 */
static int
parse_short(const char *p, const char *end, int exponent, int negative,
    int64_t *minor, const char **errstr)
{
	const char *start = p, *dot = NULL;
	uint64_t value = 0;	/* 19 digits fit; the count is checked below */
	unsigned digit;
	int decimals, digits;

	for (; p < end; p++) {
		if ((digit = (unsigned char)*p - '0') <= 9)
			value = value * 10 + digit;
		else if (*p == '.' && dot == NULL && exponent > 0)
			dot = p;
		else
			goto invalid;
	}
	decimals = dot ? (int)(end - dot - 1) : 0;
	if (dot && decimals != exponent)
		goto invalid;	/* "1.5" is not 1.50, nor is "1." */
	digits = (int)(end - start) - (dot != NULL);
	if (digits + exponent - decimals > 18)
		return 1;
	for (; decimals < exponent; decimals++)
		value *= 10;
	*minor = negative ? -(int64_t)value : (int64_t)value;
	return 0;
invalid:
	*errstr = "invalid amount";
	return -1;
}

int
money_parse_plain(const char *s, size_t len, int exponent, int64_t *minor,
    const char **errstr)
{
	const char *p = s, *end = s + len;
	int64_t value = 0;
	int negative = 0, i;

	if (p < end && *p == '-') {
		negative = 1;
		p++;
	}
	if (p == end || !is_digit(*p) ||
	    exponent < 0 || exponent > MONEY_MAX_EXPONENT)
		goto invalid;
	if (end - p <= 19 &&
	    (i = parse_short(p, end, exponent, negative, minor, errstr)) <= 0)
		return i;
	for (; p < end && is_digit(*p); p++)
		if (push_digit(&value, *p - '0', negative) == -1)
			goto range;
	if (p < end) {
		/* exactly the currency's decimals, so "1.5" is not 1.50 */
		if (exponent == 0 || *p != '.' || end - p != exponent + 1)
			goto invalid;
		p++;
	}
	for (i = 0; i < exponent; i++) {
		if (p < end && !is_digit(*p))
			goto invalid;
		if (push_digit(&value, p < end ? *p++ - '0' : 0, negative) == -1)
			goto range;
	}
	*minor = value;
	return 0;
invalid:
	*errstr = "invalid amount";
	return -1;
range:
	*errstr = "amount out of range";
	return -1;
}

size_t
money_format(char *buf, int64_t minor, int exponent)
{
	char digits[24];	/* reversed; 19 digits at most, padded to 5 */
	uint64_t magnitude;
	size_t n = 0, len = 0;

	/* callers pass a currency's exponent; clamp rather than overrun */
	if (exponent < 0)
		exponent = 0;
	if (exponent > MONEY_MAX_EXPONENT)
		exponent = MONEY_MAX_EXPONENT;
	/* unsigned negation: INT64_MIN has no positive int64_t */
	magnitude = minor < 0 ? 0 - (uint64_t)minor : (uint64_t)minor;
	do {
		digits[n++] = '0' + magnitude % 10;
		magnitude /= 10;
	} while (magnitude != 0);
	while (n <= (size_t)exponent)
		digits[n++] = '0';
	if (minor < 0)
		buf[len++] = '-';
	while (n > 0) {
		if (n == (size_t)exponent)
			buf[len++] = '.';
		buf[len++] = digits[--n];
	}
	buf[len] = '\0';
	return len;
}

int
money_add(int64_t *sum, int64_t value)
{
	int64_t result;

	if (__builtin_add_overflow(*sum, value, &result))
		return -1;
	*sum = result;
	return 0;
}

int64_t
money_unit(int exponent)
{
	static const int64_t units[] = { 1, 10, 100, 1000, 10000 };

	if (exponent < 0 || exponent > MONEY_MAX_EXPONENT)
		return 0;
	return units[exponent];
}
