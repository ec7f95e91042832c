/*
 * name.tsv: "fold", a name, and its folded key; or "compat", two names
 * (folded first), and "yes" or "no".
 */
#include <stdio.h>
#include <string.h>

#include "name.h"
#include "table.h"

void
table_name(int argc, char **argv, char *result, size_t size)
{
	char a[NAME_FOLD_MAX], b[NAME_FOLD_MAX];

	if (argc == 2 && strcmp(argv[0], "fold") == 0) {
		name_fold(argv[1], strlen(argv[1]), a, sizeof(a));
		snprintf(result, size, "%s", a);
	} else if (argc == 3 && strcmp(argv[0], "compat") == 0) {
		name_fold(argv[1], strlen(argv[1]), a, sizeof(a));
		name_fold(argv[2], strlen(argv[2]), b, sizeof(b));
		snprintf(result, size, "%s", name_compatible(a, b) ? "yes" : "no");
	} else
		snprintf(result, size, "usage: fold NAME | compat NAME NAME");
}
