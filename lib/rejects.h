/*
 * Rows a filter cannot process: to the --rejects file as TSV
 * (source line reason raw); without one, the filter says it on stderr as
 * "prog: file:line: reason".
 * The filter decides the exit code from rejects_count() and --max-rejects.
 */
#ifndef REJECTS_H
#define REJECTS_H
#include <stddef.h>
#include "out.h"

struct rejects {
	const char	*prog;
	struct out	*file;		/* NULL: reasons go to stderr */
	long long	 count;
};

/* path NULL: stderr only.  -1 with errno set if the file cannot be created. */
int	rejects_open(struct rejects *rj, const char *prog, const char *path);

/*
 * Count a rejected row and write it to the file.  Returns 0 when there is
 * no file: the caller then says the reason on stderr.  reason is
 * "column: what \"value\"" or a whole-row reason.  raw is the row as read.
 */
int	rejects_add(struct rejects *rj, const char *source, long line,
	    const char *reason, const char *raw, size_t raw_len);

/* -1 if writing the rejects file failed. */
int	rejects_close(struct rejects *rj);

#endif
