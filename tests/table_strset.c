/*
 * Table tests of the string set: each argument is added in turn; the
 * result is one digit per add, 1 when new, 0 when seen before.  "LONG:N:c"
 * stands for N copies of c, to reach the long-length entries.
 */
#include <stdlib.h>
#include <string.h>

#include "strset.h"
#include "table.h"

static char *
expand(const char *arg, size_t *len)
{
	char *s;

	if (strncmp(arg, "LONG:", 5) != 0) {
		*len = strlen(arg);
		return strdup(arg);
	}
	*len = strtoul(arg + 5, NULL, 10);
	s = malloc(*len + 1);
	memset(s, strchr(arg + 5, ':')[1], *len);
	return s;
}

void
table_strset(int argc, char **argv, char *result, size_t size)
{
	struct strset *set = strset_new();
	size_t len;
	int i;
	char *s;

	for (i = 0; i < argc && (size_t)i + 1 < size; i++) {
		s = expand(argv[i], &len);
		result[i] = '0' + strset_add(set, s, len);
		free(s);
	}
	result[i] = '\0';
	strset_free(set);
}
