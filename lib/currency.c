/*
 * ISO 4217 codes with their minor units, and the currency symbols billing
 * exports put beside amounts.  Funds, metals and codes without minor units
 * (XAU, XDR, XTS ...) are left out: no invoice is written in them.
 */
#include <string.h>

#include "currency.h"

/* Sorted by code for the binary search; List One of ISO 4217 (2025). */
static const struct currency currencies[] = {
	{ "AED", 2 }, { "AFN", 2 }, { "ALL", 2 }, { "AMD", 2 },
	{ "ANG", 2 },	/* being replaced by XCG; exports still carry it */
	{ "AOA", 2 }, { "ARS", 2 }, { "AUD", 2 }, { "AWG", 2 }, { "AZN", 2 },
	{ "BAM", 2 }, { "BBD", 2 }, { "BDT", 2 }, { "BGN", 2 }, { "BHD", 3 },
	{ "BIF", 0 }, { "BMD", 2 }, { "BND", 2 }, { "BOB", 2 }, { "BOV", 2 },
	{ "BRL", 2 }, { "BSD", 2 }, { "BTN", 2 }, { "BWP", 2 }, { "BYN", 2 },
	{ "BZD", 2 }, { "CAD", 2 }, { "CDF", 2 }, { "CHE", 2 }, { "CHF", 2 },
	{ "CHW", 2 }, { "CLF", 4 }, { "CLP", 0 }, { "CNY", 2 }, { "COP", 2 },
	{ "COU", 2 }, { "CRC", 2 }, { "CUC", 2 }, { "CUP", 2 }, { "CVE", 2 },
	{ "CZK", 2 }, { "DJF", 0 }, { "DKK", 2 }, { "DOP", 2 }, { "DZD", 2 },
	{ "EGP", 2 }, { "ERN", 2 }, { "ETB", 2 }, { "EUR", 2 }, { "FJD", 2 },
	{ "FKP", 2 }, { "GBP", 2 }, { "GEL", 2 }, { "GHS", 2 }, { "GIP", 2 },
	{ "GMD", 2 }, { "GNF", 0 }, { "GTQ", 2 }, { "GYD", 2 }, { "HKD", 2 },
	{ "HNL", 2 }, { "HTG", 2 }, { "HUF", 2 }, { "IDR", 2 }, { "ILS", 2 },
	{ "INR", 2 }, { "IQD", 3 }, { "IRR", 2 }, { "ISK", 0 }, { "JMD", 2 },
	{ "JOD", 3 }, { "JPY", 0 }, { "KES", 2 }, { "KGS", 2 }, { "KHR", 2 },
	{ "KMF", 0 }, { "KPW", 2 }, { "KRW", 0 }, { "KWD", 3 }, { "KYD", 2 },
	{ "KZT", 2 }, { "LAK", 2 }, { "LBP", 2 }, { "LKR", 2 }, { "LRD", 2 },
	{ "LSL", 2 }, { "LYD", 3 }, { "MAD", 2 }, { "MDL", 2 }, { "MGA", 2 },
	{ "MKD", 2 }, { "MMK", 2 }, { "MNT", 2 }, { "MOP", 2 }, { "MRU", 2 },
	{ "MUR", 2 }, { "MVR", 2 }, { "MWK", 2 }, { "MXN", 2 }, { "MXV", 2 },
	{ "MYR", 2 }, { "MZN", 2 }, { "NAD", 2 }, { "NGN", 2 }, { "NIO", 2 },
	{ "NOK", 2 }, { "NPR", 2 }, { "NZD", 2 }, { "OMR", 3 }, { "PAB", 2 },
	{ "PEN", 2 }, { "PGK", 2 }, { "PHP", 2 }, { "PKR", 2 }, { "PLN", 2 },
	{ "PYG", 0 }, { "QAR", 2 }, { "RON", 2 }, { "RSD", 2 }, { "RUB", 2 },
	{ "RWF", 0 }, { "SAR", 2 }, { "SBD", 2 }, { "SCR", 2 }, { "SDG", 2 },
	{ "SEK", 2 }, { "SGD", 2 }, { "SHP", 2 }, { "SLE", 2 },
	{ "SLL", 2 },	/* replaced by SLE; still in List One */
	{ "SOS", 2 }, { "SRD", 2 }, { "SSP", 2 }, { "STN", 2 }, { "SVC", 2 },
	{ "SYP", 2 }, { "SZL", 2 }, { "THB", 2 }, { "TJS", 2 }, { "TMT", 2 },
	{ "TND", 3 }, { "TOP", 2 }, { "TRY", 2 }, { "TTD", 2 }, { "TWD", 2 },
	{ "TZS", 2 }, { "UAH", 2 }, { "UGX", 0 }, { "USD", 2 }, { "USN", 2 },
	{ "UYI", 0 }, { "UYU", 2 }, { "UYW", 4 }, { "UZS", 2 }, { "VED", 2 },
	{ "VES", 2 }, { "VND", 0 }, { "VUV", 0 }, { "WST", 2 }, { "XAF", 0 },
	{ "XCD", 2 }, { "XCG", 2 }, { "XOF", 0 }, { "XPF", 0 }, { "YER", 2 },
	{ "ZAR", 2 }, { "ZMW", 2 }, { "ZWG", 2 },
	{ "ZWL", 2 },	/* replaced by ZWG in 2024 */
};

/*
 * Symbols seen in exports.  "names" is the one currency the symbol stands
 * for when read alone, or NULL when it is shared by big currencies ($, ¥);
 * "fits" lists every currency it may sit beside without contradiction.
 * Longer symbols come before their prefixes so the scan takes the longest.
 */
#define SYM(s)	s, sizeof(s) - 1

static const struct marker {
	const char	*symbol;
	size_t		 len;
	const char	*names;
	const char	*fits;
} markers[] = {
	{ SYM("US$"), "USD", "USD" },
	{ SYM("CA$"), "CAD", "CAD" },
	{ SYM("C$"),  NULL,  "CAD NIO" },
	{ SYM("AU$"), "AUD", "AUD" },
	{ SYM("A$"),  "AUD", "AUD" },
	{ SYM("NZ$"), "NZD", "NZD" },
	{ SYM("HK$"), "HKD", "HKD" },
	{ SYM("S$"),  "SGD", "SGD" },
	{ SYM("NT$"), "TWD", "TWD" },
	{ SYM("MX$"), "MXN", "MXN" },
	{ SYM("R$"),  "BRL", "BRL" },
	{ SYM("$"),   NULL,
	    "USD CAD AUD NZD SGD HKD MXN TWD BSD BBD BZD BMD BND KYD XCD FJD "
	    "GYD JMD LRD NAD SBD SRD TTD CLP COP ARS CUP CUC DOP UYU MOP TOP "
	    "WST NIO BRL USN" },
	{ SYM("\xe2\x82\xac"), "EUR", "EUR" },			/* € */
	{ SYM("\xc2\xa3"), "GBP", "GBP GIP FKP SHP EGP SSP" },	/* £ */
	{ SYM("\xc2\xa5"), NULL,  "JPY CNY" },			/* ¥ */
	{ SYM("\xef\xbf\xa5"), NULL, "JPY CNY" },			/* fullwidth ¥ */
	{ SYM("\xe5\x86\x86"), "JPY", "JPY" },			/* 円 */
	{ SYM("\xe5\x85\x83"), "CNY", "CNY" },			/* 元 */
	{ SYM("\xe2\x82\xb9"), "INR", "INR" },			/* ₹ */
	{ SYM("\xe2\x82\xa9"), "KRW", "KRW KPW" },			/* ₩ */
	{ SYM("\xe2\x82\xbd"), "RUB", "RUB" },			/* ₽ */
	{ SYM("\xe2\x82\xba"), "TRY", "TRY" },			/* ₺ */
	{ SYM("\xe2\x82\xaa"), "ILS", "ILS" },			/* ₪ */
	{ SYM("\xe2\x82\xb1"), "PHP", "PHP CUP" },			/* ₱ */
	{ SYM("\xe2\x82\xab"), "VND", "VND" },			/* ₫ */
	{ SYM("\xe2\x82\xa6"), "NGN", "NGN" },			/* ₦ */
	{ SYM("\xe2\x82\xb4"), "UAH", "UAH" },			/* ₴ */
	{ SYM("\xe2\x82\xb8"), "KZT", "KZT" },			/* ₸ */
	{ SYM("\xe2\x82\xa1"), "CRC", "CRC SVC" },			/* ₡ */
	{ SYM("\xe2\x82\xb2"), "PYG", "PYG" },			/* ₲ */
	{ SYM("\xe2\x82\xb5"), "GHS", "GHS" },			/* ₵ */
	{ SYM("\xe2\x82\xad"), "LAK", "LAK" },			/* ₭ */
	{ SYM("\xe2\x82\xae"), "MNT", "MNT" },			/* ₮ */
	{ SYM("\xe0\xb8\xbf"), "THB", "THB" },			/* ฿ */
	{ SYM("\xe2\x82\xbc"), "AZN", "AZN" },			/* ₼ */
	{ SYM("\xe2\x82\xbe"), "GEL", "GEL" },			/* ₾ */
	{ SYM("\xe0\xa7\xb3"), "BDT", "BDT" },			/* ৳ */
	{ SYM("\xe2\x82\xa8"), NULL, "INR PKR LKR NPR MUR SCR" },	/* ₨ */
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int
is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Three ASCII letters at s (which has at least three bytes). */
static int
is_code(const char *s)
{
	return is_letter((unsigned char)s[0]) &&
	    is_letter((unsigned char)s[1]) && is_letter((unsigned char)s[2]);
}

const struct currency *
currency_find(const char *code, size_t len)
{
	char key[3];
	size_t lo = 0, hi = NELEM(currencies), mid, i;
	int cmp;

	if (len != 3)
		return NULL;
	for (i = 0; i < 3; i++) {
		if (!is_letter((unsigned char)code[i]))
			return NULL;
		key[i] = upper((unsigned char)code[i]);
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = memcmp(key, currencies[mid].code, 3);
		if (cmp == 0)
			return &currencies[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct marker *
find_symbol(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < NELEM(markers); i++)
		if (markers[i].len <= len && s[0] == markers[i].symbol[0] &&
		    memcmp(s, markers[i].symbol, markers[i].len) == 0)
			return &markers[i];
	return NULL;
}

size_t
currency_marker_span(const char *s, size_t len)
{
	const struct marker *m;

	if ((m = find_symbol(s, len)) != NULL)
		return m->len;
	/* A code is three letters standing alone: "EUR1.00", not "EURO". */
	if (len >= 3 && is_code(s) &&
	    (len == 3 || !is_letter((unsigned char)s[3])))
		return 3;
	return 0;
}

/* The symbol table entry a whole marker names, or NULL. */
static const struct marker *
whole_symbol(const char *marker)
{
	const struct marker *m;
	size_t len = strlen(marker);

	m = find_symbol(marker, len);
	return m && m->len == len ? m : NULL;
}

const struct currency *
currency_from_marker(const char *marker)
{
	const struct marker *m;
	size_t len = strlen(marker);

	if (len == 3 && is_code(marker))
		return currency_find(marker, len);
	if ((m = whole_symbol(marker)) == NULL || m->names == NULL)
		return NULL;
	return currency_find(m->names, 3);
}

static int
same_code(const char *a, const char *b)
{
	return upper((unsigned char)a[0]) == upper((unsigned char)b[0]) &&
	    upper((unsigned char)a[1]) == upper((unsigned char)b[1]) &&
	    upper((unsigned char)a[2]) == upper((unsigned char)b[2]);
}

int
currency_marker_fits(const char *marker, const char *code)
{
	const struct marker *m;
	const char *p;

	if (marker[0] == '\0')
		return 1;
	if (strlen(code) != 3)
		return 0;
	if (strlen(marker) == 3 && is_code(marker))
		return same_code(marker, code);
	if ((m = whole_symbol(marker)) == NULL)
		return 0;
	/* fits is "AAA BBB CCC": a code every four bytes */
	for (p = m->fits; ; p += 4) {
		if (same_code(p, code))
			return 1;
		if (p[3] == '\0')
			return 0;
	}
}
