/*
 * redact.tsv: free text, and the text as it may leave (card numbers, SSNs
 * and IBANs as [REDACTED]).  The pattern is compiled once for the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "table.h"

void
table_redact(int argc, char **argv, char *result, size_t size)
{
	static struct redact *r;
	const char *errstr;
	char *buf = NULL;
	size_t buf_size = 0, len;

	(void)argc;
	if (r == NULL && (r = redact_new(&errstr)) == NULL) {
		snprintf(result, size, "error: %s", errstr);
		return;
	}
	if (redact_text(r, argv[0], strlen(argv[0]), &buf, &buf_size, &len) == 0)
		snprintf(result, size, "%s", argv[0]);
	else
		snprintf(result, size, "%.*s", (int)len, buf);
	free(buf);
}
