/*
 * alias: header folding, matching and --map files.  Properties: a folded
 * name holds only lowercase letters, digits and non-ASCII bytes and folds
 * to itself; a name matches as its folded form and its upper-cased form
 * do; after a map file loads, each of its source names matches the
 * canonical name of its first line.  The first byte says whether the rest
 * is a map file or header names, one a line.  The specs are aging-
 * normalize's, cut short: the harness tests the matcher, not the table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "fuzz.h"

static const struct alias_spec specs[] = {
	{ "invoice_id", "invoiceid|invoice|invoiceno|invoicenumber|invno|"
	    "documentnumber|docno", "" },
	{ "customer_id", "customerid|customer|custid|account|accountid|"
	    "accountnumber|clientid", "" },
	{ "currency", "currency|currencycode|ccy|cur|curr", "" },
	{ "amount", "amount|invoiceamount|originalamount|total|invoicetotal", "" },
	{ "balance", "balance|openbalance|amountdue|balancedue|outstanding", "" },
	{ "issue_date", "issuedate|invoicedate|date|docdate|postingdate", "" },
	{ "due_date", "duedate|due|paymentdue|netduedate", "" },
};
#define NSPECS	(sizeof(specs) / sizeof(specs[0]))

static void
check_name(const struct alias *a, const char *name, size_t len)
{
	char *folded = malloc(len + 1), *again = malloc(len + 1);
	char *upper = malloc(len + 1);
	size_t flen, i;
	int match;

	FUZZ_ASSERT(folded && again && upper);
	flen = alias_fold(folded, name, len);
	FUZZ_ASSERT(flen <= len && folded[flen] == '\0');
	for (i = 0; i < flen; i++) {
		unsigned char c = folded[i];

		FUZZ_ASSERT((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80);
	}
	FUZZ_ASSERT(alias_fold(again, folded, flen) == flen);
	FUZZ_ASSERT(memcmp(again, folded, flen) == 0);
	match = alias_match(a, name, len);
	FUZZ_ASSERT(match >= -1 && match < (int)NSPECS);
	FUZZ_ASSERT(alias_match(a, folded, flen) == match);
	for (i = 0; i < len; i++)
		upper[i] = name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i];
	FUZZ_ASSERT(alias_match(a, upper, len) == match);
	if (flen == 0)
		FUZZ_ASSERT(match == -1);
	free(folded);
	free(again);
	free(upper);
}

static int
spec_index(const char *name)
{
	size_t i;

	for (i = 0; i < NSPECS; i++)
		if (strcmp(specs[i].canonical, name) == 0)
			return (int)i;
	return -1;
}

/* The map file's lines again, as alias_load_map reads them. */
static void
check_map(const struct alias *a, const char *text, size_t size)
{
	char *copy = malloc(size + 1), *line, *next, *tab, *end;
	size_t len;

	FUZZ_ASSERT(copy != NULL);
	memcpy(copy, text, size);
	copy[size] = '\0';
	end = copy + size;
	for (line = copy; line < end; line = next) {
		next = memchr(line, '\n', end - line);
		next = next ? next + 1 : end;
		len = next - line;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if ((tab = strchr(line, '\t')) == NULL)
			continue;	/* the load would have failed */
		*tab = '\0';
		/* a source name folding like an earlier one: the first wins,
		 * so only a name whose match is its own line's can be asked */
		if (alias_match(a, line, strlen(line)) != spec_index(tab + 1)) {
			char *f = malloc(strlen(line) + 1), *g;
			char *earlier;
			int found = 0;

			FUZZ_ASSERT(f != NULL);
			alias_fold(f, line, strlen(line));
			for (earlier = copy; earlier < line; earlier +=
			    strlen(earlier) + 1) {
				g = malloc(strlen(earlier) + 1);
				FUZZ_ASSERT(g != NULL);
				alias_fold(g, earlier, strlen(earlier));
				found |= strcmp(f, g) == 0;
				free(g);
			}
			free(f);
			FUZZ_ASSERT(found);
		}
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *errstr, *text, *p, *end, *nl;
	unsigned pick = fuzz_take(&data, &size);
	struct alias *a;
	long line;

	static struct alias *plain;	/* no map: compiled once */

	if (plain == NULL && (plain = alias_new(specs, NSPECS, &errstr)) == NULL)
		abort();
	a = plain;
	text = (const char *)data;
	if (pick & 1) {
		if ((a = alias_new(specs, NSPECS, &errstr)) == NULL)
			abort();
		if (alias_load_map(a, fuzz_file(data, size), &line, &errstr) == 0)
			check_map(a, text, size);
		else
			FUZZ_ASSERT(line > 0 && errstr != NULL);
	}
	for (p = text, end = text + size; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		nl = nl ? nl : end;
		check_name(a, p, nl - p);
	}
	if (a != plain)
		alias_free(a);
	return 0;
}
