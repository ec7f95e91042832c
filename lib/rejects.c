/*
 * The rejects file of SPEC 1: source, line, reason, raw.  Without a file
 * the caller reports the reason on stderr; the count is kept either way.
 */
#include <string.h>

#include "out.h"
#include "rejects.h"

int
rejects_open(struct rejects *rj, const char *prog, const char *path)
{
	rj->prog = prog;
	rj->count = 0;
	rj->file = NULL;
	if (path == NULL)
		return 0;
	if ((rj->file = out_open_path(path, 0644)) == NULL)
		return -1;
	out_bytes(rj->file, "source\tline\treason\traw\n", 23);
	return 0;
}

int
rejects_add(struct rejects *rj, const char *source, long line,
    const char *reason, const char *raw, size_t raw_len)
{
	rj->count++;
	if (rj->file == NULL)
		return 0;
	out_text(rj->file, source, strlen(source));
	out_tab(rj->file);
	out_i64(rj->file, line);
	out_tab(rj->file);
	out_text(rj->file, reason, strlen(reason));
	out_tab(rj->file);
	out_text(rj->file, raw, raw_len);
	out_nl(rj->file);
	return 1;
}

int
rejects_close(struct rejects *rj)
{
	int failed = 0;

	if (rj->file != NULL)
		failed = out_close(rj->file);
	rj->file = NULL;
	return failed;
}
