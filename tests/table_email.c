/* email.tsv: input, and "address", "address role" or "error: reason". */
#include <stdio.h>
#include <string.h>

#include "email.h"
#include "table.h"

void
table_email(int argc, char **argv, char *result, size_t size)
{
	char email[EMAIL_MAX + 1];
	const char *errstr;
	size_t len;

	(void)argc;
	if (email_normalize(argv[0], strlen(argv[0]), email, &len, &errstr) == -1)
		snprintf(result, size, "error: %s", errstr);
	else
		snprintf(result, size, "%s%s", email,
		    email_is_role(email, len) ? " role" : "");
}
