/*
 * Money as int64_t minor units.  Parsing accepts what billing exports write
 * (symbols, codes, thousands separators, accounting negatives); formatting
 * writes the one canonical form, which money_parse_plain reads back.
 * No floating point anywhere.
 */
#ifndef MONEY_H
#define MONEY_H
#include <stddef.h>
#include <stdint.h>

#define MONEY_MAX_EXPONENT	4
#define MONEY_TEXT_MAX		32	/* longest formatted amount, with NUL */

/* What money_scan found in a free-form amount, before scaling. */
struct money_scan {
	int		 negative;
	char		 integer[24];	/* digits only, leading zeros kept */
	size_t		 integer_len;
	char		 fraction[24];	/* digits after the decimal separator */
	size_t		 fraction_len;
	char		 marker[8];	/* currency symbol or code found ("$", "EUR"), or "" */
};

/*
 * Read a free-form amount: optional symbol or ISO code before or after,
 * thousands separators (',' or, with decimal_comma, '.'; also space, NBSP,
 * narrow NBSP and '\''), negatives as -1.00, (1.00), 1.00- or 1.00 CR.
 * Returns 0, or -1 with *errstr set to a short reason.
 */
int	money_scan(const char *s, size_t len, int decimal_comma,
	    struct money_scan *scan, const char **errstr);

/* Scale a scan to minor units of a currency with this many minor digits. */
int	money_scale(const struct money_scan *scan, int exponent,
	    int64_t *minor, const char **errstr);

/* The canonical form only: -?digits[.digits], exactly exponent decimals. */
int	money_parse_plain(const char *s, size_t len, int exponent,
	    int64_t *minor, const char **errstr);

/* Canonical text of an amount; returns its length.  buf has MONEY_TEXT_MAX. */
size_t	money_format(char *buf, int64_t minor, int exponent);

/* *sum += value; -1 (sum unchanged) on int64 overflow. */
int	money_add(int64_t *sum, int64_t value);

/* One major unit (10^exponent) in minor units. */
int64_t	money_unit(int exponent);

#endif
