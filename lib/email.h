/*
 * Email addresses: cleaned for comparison (trimmed, "mailto:" and
 * "Name <...>" unwrapped, lowercased), checked for syntax, and role
 * mailboxes (info@, billing@, accounts@ ...) told from personal ones.
 */
#ifndef EMAIL_H
#define EMAIL_H
#include <stddef.h>

#define EMAIL_MAX	254	/* RFC 5321 path limit, without NUL */

/*
 * Clean s into dst (EMAIL_MAX + 1 bytes, NUL-terminated), *dstlen its
 * length (0: no address at all).  Returns 0 when the result is a valid
 * address, -1 with *errstr set ("empty", "too long", "missing @",
 * "invalid syntax") when not; dst then holds the cleaned text.
 */
int	email_normalize(const char *s, size_t len, char *dst, size_t *dstlen,
	    const char **errstr);

/*
 * 1 when a cleaned address is a role mailbox: its local part, ignoring a
 * "+tag", dots, dashes, underscores and trailing digits, is one of the
 * shared names (info, billing, accounts, ap, admin, office, sales,
 * support, noreply, contact, hello ...).
 */
int	email_is_role(const char *email, size_t len);

#endif
