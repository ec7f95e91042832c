/* The options every filter shares, and the as-of date they resolve to. */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"

void
cli_init(struct cli *c)
{
	memset(c, 0, sizeof(*c));
	c->max_rejects = 0;
}

long long
cli_number(const char *s, long long min, long long max, const char **errstr)
{
	char *end;
	long long v;

	*errstr = NULL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || s[0] == ' ' || s[0] == '+')
		*errstr = "not a whole number";
	else if (errno == ERANGE || v < min)
		*errstr = v < min ? "too small" : "too large";
	else if (v > max)
		*errstr = "too large";
	return *errstr ? 0 : v;
}

int
cli_option(struct cli *c, int opt, const char *arg, const char **errstr)
{
	*errstr = NULL;
	switch (opt) {
	case CLI_AS_OF:
		c->as_of_text = arg;
		return 1;
	case CLI_REJECTS:
		c->rejects_path = arg;
		return 1;
	case CLI_MAX_REJECTS:
		c->max_rejects = cli_number(arg, 0, LLONG_MAX, errstr);
		return *errstr ? -1 : 1;
	case CLI_STATS:
		c->stats = 1;
		return 1;
	case CLI_HELP:
		c->help = 1;
		return 1;
	case CLI_VERSION:
		c->version = 1;
		return 1;
	}
	return 0;
}

int
cli_finish(struct cli *c, const char **errstr)
{
	const char *text = c->as_of_text;

	*errstr = NULL;
	if (text == NULL && (text = getenv("AS_OF")) != NULL && *text == '\0')
		text = NULL;
	if (text == NULL) {
		c->as_of = date_today();
		return 0;
	}
	if (date_parse_iso(text, strlen(text), &c->as_of) < 0) {
		*errstr = c->as_of_text ? "--as-of: invalid date, want YYYY-MM-DD" :
		    "AS_OF: invalid date, want YYYY-MM-DD";
		return -1;
	}
	return 0;
}

int
cli_flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		return -1;
	return 0;
}

int
cli_answer(const struct cli *c, const char *prog, void (*usage)(FILE *))
{
	if (!c->help && !c->version)
		return -1;
	if (c->help)
		usage(stdout);
	else
		printf("%s %s\n", prog, PACKAGE_VERSION);
	return cli_flush_stdout() < 0 ? EX_IOERR : EX_OK;
}

void
cli_usage_error(void (*usage)(FILE *), const char *fmt, const char *arg)
{
	if (fmt != NULL)
		warnx(fmt, arg);
	usage(stderr);
	exit(EX_USAGE);
}

void
cli_getopt(struct cli *c, int argc, char *argv[],
    const struct option *longopts, const char *prog, void (*usage)(FILE *),
    void (*own)(int ch, const char *optarg, void *arg), void *arg)
{
	const char *errstr;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == '?' || ch == ':') {	/* getopt_long said why */
			usage(stderr);
			exit(EX_USAGE);
		}
		switch (cli_option(c, ch, optarg, &errstr)) {
		case 0:
			own(ch, optarg, arg);
			break;
		case -1:
			fprintf(stderr, "%s: --max-rejects: %s \"%s\"\n", prog,
			    errstr, optarg);
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	switch (cli_answer(c, prog, usage)) {
	case EX_IOERR:
		fprintf(stderr, "%s: stdout: %s\n", prog, strerror(errno));
		exit(EX_IOERR);
	case EX_OK:
		exit(EX_OK);
	}
}
