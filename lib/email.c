/*
 * Email addresses.  The syntax check is the dot-atom form of RFC 5322 that
 * real mail systems accept (no quoted local parts, no IP literals), with
 * UTF-8 allowed for internationalized addresses; one PCRE2 pattern compiled
 * once with JIT.  Case is folded for ASCII only: comparing addresses is
 * what it is for, and no mail system in practice tells Bob@ from bob@.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "email.h"
#include "rx.h"

#define LOCAL_MAX	64

/* Sorted: bsearch.  Folded as email_is_role folds (no . - _ or digits). */
static const char *const roles[] = {
	"abuse", "account", "accounting", "accounts", "accountspayable",
	"accountsreceivable", "admin", "administration", "administrator",
	"all", "ap", "ar", "billing", "bills", "bookings", "care", "careers",
	"collections", "compliance", "contact", "contactus", "credit",
	"customercare", "customerservice", "customerservices", "donotreply",
	"dontreply", "email", "enquiries", "enquiry", "feedback", "finance",
	"frontdesk", "general", "hello", "help", "helpdesk", "hi", "hr",
	"info", "information", "inquiries", "inquiry", "invoice", "invoices",
	"invoicing", "jobs", "legal", "mail", "marketing", "media", "noreply",
	"office", "operations", "ops", "orders", "payables", "payment",
	"payments", "payroll", "postmaster", "press", "privacy", "procurement",
	"purchasing", "receivables", "reception", "remittance", "remittances",
	"reservations", "sales", "security", "service", "services", "staff",
	"support", "team", "treasury", "webmaster",
};

static pcre2_code *syntax_re;
static pcre2_match_data *syntax_md;

static int
syntax_compile(void)
{
	if (syntax_re != NULL)
		return 0;
#define ATOM "[a-z0-9!#$%&'*+/=?^_`{|}~\\x80-\\xff-]+"
#define LABEL "[a-z0-9\\x80-\\xff](?:[a-z0-9\\x80-\\xff-]{0,61}[a-z0-9\\x80-\\xff])?"
	syntax_re = rx_compile(
	    "\\A" ATOM "(?:\\." ATOM ")*@(?:" LABEL "\\.)+"
	    "(?:[a-z\\x80-\\xff]{2,63}|xn--[a-z0-9-]{1,59})\\z", 0);
#undef ATOM
#undef LABEL
	if (syntax_re == NULL)
		return -1;
	syntax_md = rx_match_data(syntax_re);
	return 0;
}

/* Bytes of white space (ASCII or NBSP) beginning at s, or 0. */
static size_t
space_at(const char *s, const char *end)
{
	if (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		return 1;
	if (end - s >= 2 && (unsigned char)s[0] == 0xc2 &&
	    (unsigned char)s[1] == 0xa0)
		return 2;
	return 0;
}

/* Bytes of white space ending at end, or 0. */
static size_t
space_before(const char *s, const char *end)
{
	if (end > s && space_at(end - 1, end) == 1)
		return 1;
	if (end - s >= 2 && space_at(end - 2, end) == 2)
		return 2;
	return 0;
}

static void
trim(const char **sp, const char **endp)
{
	size_t n;

	while ((n = space_at(*sp, *endp)) > 0)
		*sp += n;
	while ((n = space_before(*sp, *endp)) > 0)
		*endp -= n;
}

/*
 * Trim, unwrap "Name <addr>" and "mailto:"; returns the new bounds.
 * Trimmed again inside: "Bob < bob@x.com >" is bob@x.com, and cleaning
 * a cleaned address changes nothing.
 */
static void
unwrap(const char **sp, const char **endp)
{
	const char *s = *sp, *end = *endp, *lt, *gt;

	trim(&s, &end);
	lt = memchr(s, '<', end - s);
	gt = lt ? memchr(lt, '>', end - lt) : NULL;
	if (lt && gt) {
		s = lt + 1;
		end = gt;
		trim(&s, &end);
	}
	if (end - s > 7 && strncasecmp(s, "mailto:", 7) == 0) {
		s += 7;
		trim(&s, &end);
	}
	*sp = s;
	*endp = end;
}

int
email_normalize(const char *s, size_t len, char *dst, size_t *dstlen,
    const char **errstr)
{
	const char *end = s + len, *at;
	size_t n, i;

	unwrap(&s, &end);
	n = end - s;
	if (n > EMAIL_MAX)
		n = EMAIL_MAX;
	for (i = 0; i < n; i++)
		dst[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] | 0x20 : s[i];
	dst[n] = '\0';
	*dstlen = n;
	if (n == 0) {
		*errstr = "empty";
		return -1;
	}
	if ((size_t)(end - s) > EMAIL_MAX) {
		*errstr = "too long";
		return -1;
	}
	if ((at = memchr(dst, '@', n)) == NULL) {
		*errstr = "missing @";
		return -1;
	}
	if (at - dst > LOCAL_MAX) {
		*errstr = "too long";
		return -1;
	}
	if (syntax_compile() == -1) {
		*errstr = "internal error: email pattern";
		return -1;
	}
	if (pcre2_match(syntax_re, (PCRE2_SPTR)dst, n, 0, 0, syntax_md,
	    NULL) < 0) {
		*errstr = "invalid syntax";
		return -1;
	}
	return 0;
}

static int
compare_role(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

int
email_is_role(const char *email, size_t len)
{
	char local[LOCAL_MAX + 1];
	size_t i, n = 0;

	for (i = 0; i < len && email[i] != '@' && email[i] != '+'; i++) {
		if (email[i] == '.' || email[i] == '-' || email[i] == '_')
			continue;
		if (n == LOCAL_MAX)
			return 0;
		local[n++] = email[i];
	}
	while (n > 0 && local[n - 1] >= '0' && local[n - 1] <= '9')
		n--;
	local[n] = '\0';
	return bsearch(local, roles, sizeof(roles) / sizeof(roles[0]),
	    sizeof(roles[0]), compare_role) != NULL;
}
