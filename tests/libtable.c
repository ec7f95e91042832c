/*
 * libtable: runs the table tests of lib/ parsers.  Each argument is a
 * testdata/lib/NAME.tsv file; NAME picks the function.  Prints one line per
 * mismatch and "N passed, N failed"; exits 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "tsv.h"

#define MAX_ARGS 16

static const struct {
	const char	*name;
	table_fn	*fn;
} tables[] = {
	{ "money", table_money },
	{ "csv", table_csv },
	{ "strset", table_strset },
	{ "date", table_date },
	{ "memo", table_memo },
	{ "phone", table_phone },
	{ "email", table_email },
	{ "name", table_name },
	{ "rules", table_rules },
	{ "redact", table_redact },
};

static table_fn *
find_table(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t i, len;

	base = base ? base + 1 : path;
	len = strcspn(base, ".");
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strlen(tables[i].name) == len &&
		    strncmp(tables[i].name, base, len) == 0)
			return tables[i].fn;	/* NULL when not linked in */
	return NULL;
}

/* Split line in place at tabs, unescaping each column. */
static int
split_columns(char *line, char **cols)
{
	int n = 0;
	char *p = line, *tab;

	for (;;) {
		tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		if (n < MAX_ARGS)
			cols[n++] = p;
		p[tsv_unescape(p, p, strlen(p))] = '\0';
		if (!tab)
			return n;
		p = tab + 1;
	}
}

static void
run_file(const char *path, long *passed, long *failed)
{
	table_fn *fn = find_table(path);
	FILE *fp = fopen(path, "r");
	char line[4096], result[1024], *cols[MAX_ARGS];
	long lineno = 0;
	int n;

	if (!fn || !fp) {
		printf("%s: %s\n", path, fn ? "cannot open" : "no such table");
		(*failed)++;
		if (fp)
			fclose(fp);
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n = split_columns(line, cols);
		if (n < 2) {
			printf("%s:%ld: needs args and an expected value\n", path, lineno);
			(*failed)++;
			continue;
		}
		fn(n - 1, cols, result, sizeof(result));
		if (strcmp(result, cols[n - 1]) == 0)
			(*passed)++;
		else {
			printf("%s:%ld: %s: got \"%s\", want \"%s\"\n", path, lineno,
			    cols[0], result, cols[n - 1]);
			(*failed)++;
		}
	}
	fclose(fp);
}

int
main(int argc, char *argv[])
{
	long passed = 0, failed = 0;
	int i;

	for (i = 1; i < argc; i++)
		run_file(argv[i], &passed, &failed);
	printf("%ld passed, %ld failed\n", passed, failed);
	return failed != 0;
}
