/*
 * Table tests of the record reader (rows, csvin): the input text is written
 * to a file and read back.  Result: the format, then each record as
 * line:[field|field], the header first; "!reason" for a malformed record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvin.h"
#include "rows.h"
#include "table.h"

static void
append(char *result, size_t size, const char *s, size_t len)
{
	size_t used = strlen(result);

	if (used + len >= size)
		len = size - used - 1;
	memcpy(result + used, s, len);
	result[used + len] = '\0';
}

static void
render(const struct row *row, char *result, size_t size)
{
	char buf[32];
	size_t i;

	snprintf(buf, sizeof(buf), " %ld:[", row->line);
	append(result, size, buf, strlen(buf));
	for (i = 0; i < row->count; i++) {
		if (i > 0)
			append(result, size, "|", 1);
		append(result, size, row->fields[i].s, row->fields[i].len);
	}
	append(result, size, "]", 1);
}

static const char *const format_names[] = { "auto", "tsv", "csv", "ssv" };

static void
read_back(const char *text, char *result, size_t size);

/*
 * Each input is read twice: through the fast path for plain lines, and
 * with every line through libcsv.  The two must agree to the byte.
 */
void
table_csv(int argc, char **argv, char *result, size_t size)
{
	char *slow = malloc(size);

	(void)argc;
	csvin_fast = 0;
	read_back(argv[0], slow, size);
	csvin_fast = 1;
	read_back(argv[0], result, size);
	if (strcmp(slow, result) != 0) {
		size_t used = strlen(result);

		snprintf(result + used, size - used, " (libcsv alone: %s)", slow);
	}
	free(slow);
}

static void
read_back(const char *text, char *result, size_t size)
{
	char path[] = "/tmp/table_csv.XXXXXX";
	const char *errstr;
	struct rows *r;
	struct row row;
	int fd, got;

	result[0] = '\0';
	if ((fd = mkstemp(path)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		snprintf(result, size, "cannot write %s", path);
		return;
	}
	close(fd);
	if ((r = rows_open(path, ROWS_AUTO, &errstr)) == NULL) {
		snprintf(result, size, "error: %s", errstr);
		unlink(path);
		return;
	}
	append(result, size, format_names[rows_format_of(r)], 3);
	render(rows_header(r), result, size);
	while ((got = rows_next(r, &row, &errstr)) != 0) {
		if (got < 0) {
			append(result, size, " !", 2);
			append(result, size, errstr, strlen(errstr));
			continue;
		}
		render(&row, result, size);
	}
	rows_close(r);
	unlink(path);
}
