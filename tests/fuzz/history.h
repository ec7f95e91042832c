/*
 * A scratch history of night directories (STATE/nights/DATE/ as
 * pipeline.sh keeps them) for the harnesses of the programs that read
 * one: stage-outcomes and night-report.  Each night holds fixed valid
 * files; a harness swaps one for the fuzz input, then puts it back.
 */
#ifndef HISTORY_H
#define HISTORY_H
#include <limits.h>
#include <stddef.h>

#define HISTORY_NIGHTS_MAX	4

/* One file of the fixed history; one absent from the list is absent. */
struct history_file {
	int		 night, file;
	const char	*text;
};

struct history {
	const char		 *prefix;	/* the directory: /dev/shm/PREFIX.PID */
	const char *const	 *nights;	/* their names: dates */
	int			  nnights;
	const char *const	 *files;	/* the names of a night's files */
	int			  nfiles;
	const struct history_file *fixed;
	size_t			  nfixed;
	char			  root[PATH_MAX];
	char			  dir[HISTORY_NIGHTS_MAX][PATH_MAX];
};

/* Made once per process, removed at exit (and those of processes gone). */
void	history_make(struct history *h);
/* The night's file: TEXT (LEN bytes), or none when TEXT is NULL. */
void	history_put(struct history *h, int night, int file, const char *text,
	    size_t len);
/* The night's file back as the fixed history has it. */
void	history_put_fixed(struct history *h, int night, int file);
/* A file written whole. */
void	history_fill(const char *path, const char *text, size_t len);

#endif
