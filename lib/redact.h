/*
 * Redaction of what must never leave in free text: payment card numbers
 * (13-19 digits, single spaces or dashes between them, passing the Luhn
 * check), US social security numbers (123-45-6789, 123 45 6789, or nine
 * bare digits right after "SSN" or "social security") and IBANs (country,
 * check digits, 11-30 letters or digits, optionally in groups of four,
 * passing ISO 7064 mod 97).  Each becomes "[REDACTED]".  Digit runs that
 * look like cards but fail Luhn stay: they are order and reference numbers.
 */
#ifndef REDACT_H
#define REDACT_H
#include <stddef.h>

#define REDACT_MARK	"[REDACTED]"

struct redact;

/* Compile the patterns (JIT when available); NULL with *errstr if not. */
struct redact *redact_new(const char **errstr);

/*
 * Redact s[0..len).  Returns the number of redactions; when it is not 0,
 * the redacted text is in *buf (grown as needed) with its length in *out_len.
 * When it is 0, the text needs no change and *buf is untouched.
 */
int	redact_text(struct redact *r, const char *s, size_t len, char **buf,
	    size_t *buf_size, size_t *out_len);

void	redact_free(struct redact *r);

/* The checks, for the table tests: 1 when the digits pass. */
int	redact_luhn(const char *s, size_t len);
int	redact_iban_ok(const char *s, size_t len);

#endif
