/*
 * The options every filter shares, parsed in one place so they mean the
 * same thing everywhere: --as-of (else $AS_OF, else today), --rejects,
 * --max-rejects, --stats, --help, --version.
 */
#ifndef CLI_H
#define CLI_H
#include <getopt.h>
#include <stdio.h>
#include <stdint.h>

/* sysexits, as SPEC 1 uses them */
#define EX_OK		0
#define EX_USAGE	64
#define EX_DATAERR	65
#define EX_NOINPUT	66
#define EX_SOFTWARE	70
#define EX_CANTCREAT	73
#define EX_IOERR	74
#define EX_CONFIG	78

enum {
	CLI_AS_OF = 1000, CLI_REJECTS, CLI_MAX_REJECTS, CLI_STATS,
	CLI_HELP, CLI_VERSION, CLI_FIRST_OWN	/* filters number theirs from here */
};

#define CLI_COMMON_OPTIONS \
	{ "as-of",	 required_argument, NULL, CLI_AS_OF }, \
	{ "rejects",	 required_argument, NULL, CLI_REJECTS }, \
	{ "max-rejects", required_argument, NULL, CLI_MAX_REJECTS }, \
	{ "stats",	 no_argument,	    NULL, CLI_STATS }, \
	{ "help",	 no_argument,	    NULL, CLI_HELP }, \
	{ "version",	 no_argument,	    NULL, CLI_VERSION }

struct cli {
	const char	*as_of_text;	/* as given, or NULL */
	int32_t		 as_of;		/* day number, set by cli_finish */
	const char	*rejects_path;
	long long	 max_rejects;
	int		 stats;
	int		 help;
	int		 version;
};

void	cli_init(struct cli *c);
/*
 * Take one of the shared options.  Returns 1 if opt was one of them,
 * 0 if not, -1 on a bad value (*errstr says why).
 */
int	cli_option(struct cli *c, int opt, const char *arg, const char **errstr);
/* Resolve the as-of date (option, $AS_OF, today); -1 if invalid. */
int	cli_finish(struct cli *c, const char **errstr);

/* A whole number in [min, max], as strtonum(3). */
long long cli_number(const char *s, long long min, long long max,
	    const char **errstr);

/* Flush stdio's stdout (usage, version); -1 with errno if it failed. */
int	cli_flush_stdout(void);

/*
 * --help or --version: print the usage (through the filter's own usage())
 * or "prog version" on stdout and return the exit status, EX_IOERR when
 * stdout could not take it (errno set).  -1 when neither was asked.  The
 * one place the library writes: what the user asked to see.
 */
int	cli_answer(const struct cli *c, const char *prog, void (*usage)(FILE *));
/* A usage error: why (fmt taking arg; none if NULL), usage(stderr), exit 64. */
void	cli_usage_error(void (*usage)(FILE *), const char *fmt,
	    const char *arg);
/*
 * The option loop every filter runs: getopt_long(3) over longopts, the
 * shared options into c, any other given to own(ch, optarg, arg), which
 * ends the program itself on a bad value.  A bad --max-rejects, or an
 * option getopt_long refuses: the reason, usage(stderr), exit 64.  Then
 * --help or --version is answered (exit 0; 74 if stdout failed).  The
 * operands start at optind; the as-of date is cli_finish's.
 */
void	cli_getopt(struct cli *c, int argc, char *argv[],
	    const struct option *longopts, const char *prog,
	    void (*usage)(FILE *), void (*own)(int ch, const char *optarg,
	    void *arg), void *arg);

#define PACKAGE_VERSION	"0.1.0"

#endif
