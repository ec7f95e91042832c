/* ISO 4217: active currency codes and their minor units. */
#ifndef CURRENCY_H
#define CURRENCY_H
#include <stddef.h>

struct currency {
	char	code[4];
	int	exponent;	/* minor digits: JPY 0, USD 2, KWD 3 */
};

/* The currency for a three-letter code, any case; NULL if not ISO 4217. */
const struct currency *currency_find(const char *code, size_t len);

/* The currency a marker names unambiguously ("€", "EUR", "£"); else NULL. */
const struct currency *currency_from_marker(const char *marker);

/*
 * Length of the currency marker that starts s (a known symbol such as "$",
 * "US$", "€", or three letters not followed by a letter); 0 if none.
 * Added for money_scan, so the symbols live in one table.
 */
size_t	currency_marker_span(const char *s, size_t len);

/* 1 when a marker ("$", "USD", "") is consistent with a currency code. */
int	currency_marker_fits(const char *marker, const char *code);

#endif
