/* phone.tsv: input, region, and "+E164", "+E164;ext=N" or "error: reason". */
#include <stdio.h>
#include <string.h>

#include "phone.h"
#include "table.h"

void
table_phone(int argc, char **argv, char *result, size_t size)
{
	struct phone p;
	const char *errstr;

	if (argc < 2) {
		snprintf(result, size, "needs input and region");
		return;
	}
	if (phone_parse(argv[0], strlen(argv[0]), argv[1], &p, &errstr) == -1)
		snprintf(result, size, "error: %s", errstr);
	else if (p.ext[0] != '\0')
		snprintf(result, size, "%s;ext=%s", p.e164, p.ext);
	else
		snprintf(result, size, "%s", p.e164);
}
