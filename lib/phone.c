/*
 * Telephone numbers to E.164.  The extension is found by one PCRE2 pattern
 * (compiled once, JIT when available) anchored at the end; what is left
 * must be digits and the usual separators.  National rules are a small
 * table: enough to tell a possible number from an impossible one, not a
 * full numbering plan (that is libphonenumber's job, and too big a
 * dependency for a night batch).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "phone.h"
#include "rx.h"

#define DIGITS_MAX	24

struct region {
	char		 name[3];
	const char	*cc;		/* country calling code */
	int		 nanp;		/* +1: NPA-NXX-XXXX rules */
	int		 trunk0;	/* national numbers begin with a 0 to drop */
	int		 min, max;	/* national significant number length */
	const char	*first;		/* digits such a number may begin with */
	const char	*intl;		/* international prefix besides "+" */
};

static const struct region regions[] = {
	{ "US", "1",   1, 0, 10, 10, "23456789", "011" },
	{ "CA", "1",   1, 0, 10, 10, "23456789", "011" },
	{ "GB", "44",  0, 1, 9, 10, "1235789", "00" },
	{ "DE", "49",  0, 1, 5, 13, "123456789", "00" },
	{ "FR", "33",  0, 1, 9, 9, "123456789", "00" },
	{ "ES", "34",  0, 0, 9, 9, "6789", "00" },
	{ "IT", "39",  0, 0, 6, 11, "0389", "00" },
	{ "NL", "31",  0, 1, 9, 9, "123456789", "00" },
	{ "AU", "61",  0, 1, 9, 9, "23478", "0011" },
	{ "IE", "353", 0, 1, 7, 9, "123456789", "00" },
	{ "CH", "41",  0, 1, 9, 9, "123456789", "00" },
	{ "AT", "43",  0, 1, 4, 13, "123456789", "00" },
	{ "BE", "32",  0, 1, 8, 9, "123456789", "00" },
	{ "NZ", "64",  0, 1, 8, 10, "23456789", "00" },
	{ "MX", "52",  0, 0, 10, 10, "123456789", "00" },
};
#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

/* Two-digit country codes; other codes are 1 (NANP), 7, or 3 digits. */
static const char two_digit_cc[] =
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 "
    "55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98";
/* The first two digits of the three-digit codes. */
static const char three_digit_cc[] =
    "21 22 23 24 25 26 29 35 37 38 42 50 59 67 68 69 80 85 87 88 96 97 99";

static pcre2_code *ext_re;
static pcre2_match_data *ext_md;

static const struct region *
find_region(const char *name)
{
	size_t i;

	if (name == NULL || strlen(name) != 2)
		return NULL;
	for (i = 0; i < NREGIONS; i++)
		if ((regions[i].name[0] | 0x20) == (name[0] | 0x20) &&
		    (regions[i].name[1] | 0x20) == (name[1] | 0x20))
			return &regions[i];
	return NULL;
}

int
phone_region_known(const char *region)
{
	return find_region(region) != NULL;
}

static int
ext_compile(void)
{
	if (ext_re != NULL)
		return 0;
	ext_re = rx_compile(
	    "(?i)\\s*[,;]?\\s*(?:extension|ext\\.?|ext=|x\\.?|\\#)\\s*:?\\s*"
	    "([0-9]{1,7})\\s*\\z", 0);
	if (ext_re == NULL)
		return -1;
	ext_md = rx_match_data(ext_re);
	return 0;
}

/* Cut the extension off the end of s: the new length of the main part. */
static size_t
split_ext(const char *s, size_t len, char *ext)
{
	PCRE2_SIZE *ov;
	size_t n;

	ext[0] = '\0';
	if (pcre2_match(ext_re, (PCRE2_SPTR)s, len, 0, 0, ext_md, NULL) < 2)
		return len;
	ov = pcre2_get_ovector_pointer(ext_md);
	n = ov[3] - ov[2];
	memcpy(ext, s + ov[2], n);
	ext[n] = '\0';
	return ov[0];
}

/* The digits of the main part; *plus when it began with "+". */
static int
collect_digits(const char *s, size_t len, char *digits, size_t *n, int *plus,
    const char **errstr)
{
	size_t i;

	*n = 0;
	*plus = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= '0' && c <= '9') {
			if (*n == DIGITS_MAX) {
				*errstr = "too long";
				return -1;
			}
			digits[(*n)++] = c;
		} else if (c == '+' && *n == 0 && !*plus)
			*plus = 1;
		else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] == 0xa0)
			i++;	/* NBSP */
		else if (strchr(" \t-.()/", c) == NULL || c == '\0') {
			*errstr = "not a phone number";
			return -1;
		}
	}
	if (*n == 0) {
		*errstr = "not a phone number";
		return -1;
	}
	return 0;
}

static int
nanp_check(const char *d, size_t n, const char **errstr)
{
	if (n != 10) {
		*errstr = n < 10 ? "too short" : "too long";
		return -1;
	}
	/* NPA: N not 0/1; N9X is reserved; N11 are service codes. */
	if (d[0] < '2' || d[1] == '9' || (d[1] == '1' && d[2] == '1')) {
		*errstr = "invalid area code";
		return -1;
	}
	if (d[3] < '2' || (d[4] == '1' && d[5] == '1')) {
		*errstr = "invalid exchange";
		return -1;
	}
	return 0;
}

/* A national significant number of a region (trunk prefix already gone). */
static int
nsn_check(const struct region *r, const char *d, size_t n, const char **errstr)
{
	if (r->nanp)
		return nanp_check(d, n, errstr);
	if (n < (size_t)r->min || n > (size_t)r->max) {
		*errstr = n < (size_t)r->min ? "too short" : "too long";
		return -1;
	}
	if (strchr(r->first, d[0]) == NULL) {
		*errstr = "invalid leading digit";
		return -1;
	}
	return 0;
}

static void
write_e164(struct phone *p, const char *cc, size_t cclen, const char *d,
    size_t n)
{
	p->e164[0] = '+';
	memcpy(p->e164 + 1, cc, cclen);
	memcpy(p->e164 + 1 + cclen, d, n);
	p->e164[1 + cclen + n] = '\0';
}

static int
in_list(const char *list, const char *d)
{
	const char *s;

	for (s = list; *s; s += s[2] ? 3 : 2)
		if (s[0] == d[0] && s[1] == d[1])
			return 1;
	return 0;
}

/* Length of the country code d begins with, or 0. */
static size_t
cc_length(const char *d, size_t n)
{
	if (n >= 1 && (d[0] == '1' || d[0] == '7'))
		return 1;
	if (n >= 2 && in_list(two_digit_cc, d))
		return 2;
	if (n >= 3 && in_list(three_digit_cc, d))
		return 3;
	return 0;
}

/* Digits after the international prefix: country code, then the number. */
static int
international(const char *d, size_t n, struct phone *p, const char **errstr)
{
	size_t cclen = cc_length(d, n), i;
	const struct region *r = NULL;
	const char *cc = d;

	if (cclen == 0) {
		*errstr = "unknown country code";
		return -1;
	}
	for (i = 0; i < NREGIONS && r == NULL; i++)
		if (strlen(regions[i].cc) == cclen &&
		    memcmp(regions[i].cc, d, cclen) == 0)
			r = &regions[i];
	d += cclen;
	n -= cclen;
	if (r != NULL) {
		/* "+44 (0)20 ...": the trunk 0 written out of habit */
		if (r->trunk0 && n > 0 && d[0] == '0') {
			d++;
			n--;
		}
		if (n == 0 || nsn_check(r, d, n, errstr) == -1) {
			if (n == 0)
				*errstr = "too short";
			return -1;
		}
	} else if (n < 4 || cclen + n > 15) {
		*errstr = n < 4 ? "too short" : "too long";
		return -1;
	}
	write_e164(p, cc, cclen, d, n);
	return 0;
}

static int
national(const struct region *r, const char *d, size_t n, struct phone *p,
    const char **errstr)
{
	const char *nd = d;
	size_t nn = n, cclen = strlen(r->cc);
	const char *why;

	if (r->nanp && nn == 11 && nd[0] == '1') {
		nd++;
		nn--;
	} else if (r->trunk0 && nn > 1 && nd[0] == '0') {
		nd++;
		nn--;
	}
	if (nsn_check(r, nd, nn, errstr) == 0) {
		write_e164(p, r->cc, cclen, nd, nn);
		return 0;
	}
	/* The country code written without its "+" ("44 20 7946 0958"). */
	why = *errstr;
	if (!r->nanp && n > cclen && memcmp(d, r->cc, cclen) == 0 &&
	    international(d, n, p, errstr) == 0)
		return 0;
	*errstr = why;
	return -1;
}

static int
parse_digits(const char *d, size_t n, int plus, const struct region *r,
    struct phone *p, const char **errstr)
{
	size_t il = strlen(r->intl);

	if (plus)
		return international(d, n, p, errstr);
	if (n > il && memcmp(d, r->intl, il) == 0)
		return international(d + il, n - il, p, errstr);
	if (n > 2 && d[0] == '0' && d[1] == '0')	/* 00 is understood everywhere */
		return international(d + 2, n - 2, p, errstr);
	return national(r, d, n, p, errstr);
}

int
phone_parse(const char *s, size_t len, const char *region, struct phone *p,
    const char **errstr)
{
	const struct region *r = find_region(region);
	char digits[DIGITS_MAX];
	size_t n;
	int plus;

	p->e164[0] = '\0';
	p->ext[0] = '\0';
	if (r == NULL) {
		*errstr = "unknown region";
		return -1;
	}
	if (ext_compile() == -1) {
		*errstr = "internal error: extension pattern";
		return -1;
	}
	len = split_ext(s, len, p->ext);
	if (collect_digits(s, len, digits, &n, &plus, errstr) == -1 ||
	    parse_digits(digits, n, plus, r, p, errstr) == -1) {
		p->e164[0] = '\0';
		p->ext[0] = '\0';
		return -1;
	}
	return 0;
}
