/*
 * Rules from a file or built in: stage-assign stages by them and
 * stage-outcomes reads their thresholds, so both load them the same way.
 * The built-in rules are rules/default.rules, made a C string literal by
 * the Makefile (build/default-rules.inc).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "rules.h"

static const char default_rules[] =
#include "default-rules.inc"
;

/* The whole file: it is small, and the parser wants it in one piece. */
static char *
slurp(FILE *fp, size_t *len)
{
	size_t size = 8192, n;
	char *text = emalloc(size);

	*len = 0;
	while ((n = fread(text + *len, 1, size - *len, fp)) > 0)
		if ((*len += n) == size)
			text = ereallocarray(text, size *= 2, 1);
	if (ferror(fp)) {
		free(text);
		return NULL;
	}
	return text;
}

struct rules *
rules_load(const char *path, struct rules_error *error)
{
	struct rules *rs;
	FILE *fp;
	char *text;
	size_t len;
	int saved;

	if (path == NULL) {
		rs = rules_parse(default_rules, sizeof(default_rules) - 1,
		    error);
		error->path = "<built-in rules>";
		return rs;
	}
	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	text = fp ? slurp(fp, &len) : NULL;
	saved = errno;
	if (fp != NULL && fp != stdin)
		fclose(fp);
	if (text == NULL) {
		memset(error, 0, sizeof(*error));
		error->path = path;
		errno = saved;
		return NULL;
	}
	rs = rules_parse(text, len, error);
	error->path = path;
	free(text);
	return rs;
}
