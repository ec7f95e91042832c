/*
 * Column names as exports write them ("Invoice #", "Amount Due",
 * "customerID") matched to canonical names.  Names are folded (ASCII case,
 * spaces and punctuation dropped) and matched against one PCRE2 pattern per
 * canonical name; a --map file adds exact names that win over the patterns.
 */
#ifndef ALIAS_H
#define ALIAS_H
#include <stddef.h>

struct alias_spec {
	const char	*canonical;	/* "invoice_id" */
	const char	*pattern;	/* over folded names: "invoice(id|no)?|invno" */
	const char	*listed;	/* the aliases in words, for messages */
};

struct alias;

/* Compile the patterns; NULL with *errstr if one does not compile. */
struct alias *alias_new(const struct alias_spec *specs, size_t nspecs,
	    const char **errstr);

/*
 * Read a map file: lines "source name<TAB>canonical name", '#' comments
 * and blank lines allowed.  -1 with *line and *errstr on a bad line, or
 * with *line 0 when the file cannot be read (errno kept).
 */
int	alias_load_map(struct alias *a, const char *path, long *line,
	    const char **errstr);

/* Index into specs of the canonical name a header name stands for, or -1. */
int	alias_match(const struct alias *a, const char *name, size_t len);

/* Fold a name: ASCII letters lowercased, digits and non-ASCII bytes kept,
 * everything else dropped.  out has room for len + 1; returns the length. */
size_t	alias_fold(char *out, const char *name, size_t len);

void	alias_free(struct alias *a);

#endif
