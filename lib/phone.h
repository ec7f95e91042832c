/*
 * Telephone numbers to E.164 ("+15551234567"), with the extension split
 * off.  Numbers written with "+", "00" (or "011" in NANP regions, "0011" in
 * AU) carry their country code; others are read as national numbers of a
 * region.  NANP numbers (+1) follow the NANP rules; the other known regions
 * have their trunk prefix and lengths checked; unknown country codes only
 * the lengths E.164 allows.
 */
#ifndef PHONE_H
#define PHONE_H
#include <stddef.h>

#define PHONE_E164_MAX	17	/* '+', at most 15 digits, NUL */
#define PHONE_EXT_MAX	8	/* at most 7 digits, NUL */

struct phone {
	char	e164[PHONE_E164_MAX];
	char	ext[PHONE_EXT_MAX];	/* digits, or "" */
};

/*
 * Normalize s.  region is a two-letter code (any case) for numbers
 * without a country code.  Extensions: "x12", "ext. 12", "extension 12",
 * "#12", ";ext=12".  Returns 0, or -1 with *errstr set ("not a phone
 * number", "too short", "too long", "unknown country code", "invalid area
 * code", "invalid exchange" ...).
 */
int	phone_parse(const char *s, size_t len, const char *region,
	    struct phone *p, const char **errstr);

/* 1 when phone_parse knows the national numbering of region. */
int	phone_region_known(const char *region);

#endif
