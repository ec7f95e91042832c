/*
 * night-report: the nightly report a finance lead looks at, as one
 * self-contained HTML file on stdout.
 *
 * Reads the night directories pipeline.sh keeps (STATE/nights/DATE/, the
 * basename being the night's date), in any order.  Tonight is the latest
 * night up to --as-of; its staged.tsv, events.tsv, agency.tsv and
 * payments.tsv give the headline figures, the open balance by aging bucket
 * and stage, the stage funnel and tonight's movements; the summary.tsv of
 * the last --trend nights gives the trend; stage-outcomes' files
 * (--outcomes, --delays, --rolls, --agency) give recovery by stage and the
 * tables after it.  Charts are inline SVG, each followed by its table; the
 * page has no script and fetches nothing, prints, and fits a phone.  Same
 * inputs and as-of date, same bytes.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "date.h"
#include "ealloc.h"
#include "out.h"
#include "rejects.h"

#include "night-report/night-report.h"

#define PROG	NR_PROG

enum {
	OPT_TITLE = CLI_FIRST_OWN, OPT_TREND, OPT_OUTCOMES, OPT_DELAYS,
	OPT_ROLLS, OPT_AGENCY
};

struct options {
	struct cli	 cli;
	const char	*title;
	long		 trend;
	const char	*outcomes, *delays, *rolls, *agency;
	struct nr_night	*nights;
	size_t		 nnights;	/* up to --as-of, oldest first */
	size_t		 ignored;	/* after --as-of */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s [--title TEXT] [--trend N] [--outcomes FILE]\n"
	    "    [--delays FILE] [--rolls FILE] [--agency FILE]\n"
	    "    [--as-of DATE] [--rejects FILE] [--max-rejects N] [--stats]\n"
	    "    NIGHT_DIR... > report.html\n", PROG);
}

/* A night's date is its directory's name: "nights/2026-03-04/" too. */
static void
night_of(const char *dir, struct nr_night *n)
{
	n->dir = dir;
	if (date_of_dir(dir, &n->day) < 0)
		cli_usage_error(usage, "%s: not a night directory (its name is "
		    "not a date YYYY-MM-DD)", dir);
}

static int
night_cmp(const void *a, const void *b)
{
	const struct nr_night *x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
}

/* The nights up to --as-of, sorted; each must have its events.tsv. */
static void
take_nights(struct options *opt, int argc, char *argv[])
{
	char path[4096];
	size_t i;
	int k;

	opt->nights = ecalloc(argc, sizeof(*opt->nights));
	for (k = 0; k < argc; k++) {
		night_of(argv[k], &opt->nights[opt->nnights]);
		if (opt->nights[opt->nnights].day > opt->cli.as_of)
			opt->ignored++;
		else
			opt->nnights++;
	}
	qsort(opt->nights, opt->nnights, sizeof(*opt->nights), night_cmp);
	for (i = 0; i < opt->nnights; i++) {
		if (i > 0 && opt->nights[i].day == opt->nights[i - 1].day)
			cli_usage_error(usage,
			    "%s: a second directory for the same night",
			    opt->nights[i].dir);
		snprintf(path, sizeof(path), "%s/events.tsv",
		    opt->nights[i].dir);
		if (access(path, R_OK) != 0)
			err(EX_NOINPUT, "%s", path);
	}
	if (opt->nnights == 0)
		errx(EX_NOINPUT, "no night directory dated up to the as-of "
		    "date");
}

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct options *opt = ctx;
	const char *errstr;

	switch (ch) {
	case OPT_TITLE: opt->title = arg; break;
	case OPT_TREND:
		opt->trend = (long)cli_number(arg, 1, 3660, &errstr);
		if (errstr != NULL)
			cli_usage_error(usage, "--trend: %s", errstr);
		break;
	case OPT_OUTCOMES: opt->outcomes = arg; break;
	case OPT_DELAYS: opt->delays = arg; break;
	case OPT_ROLLS: opt->rolls = arg; break;
	case OPT_AGENCY: opt->agency = arg; break;
	default: cli_usage_error(usage, NULL, NULL);
	}
}

static void
parse_options(int argc, char *argv[], struct options *opt)
{
	static const struct option longopts[] = {
		CLI_COMMON_OPTIONS,
		{ "title",	required_argument, NULL, OPT_TITLE },
		{ "trend",	required_argument, NULL, OPT_TREND },
		{ "outcomes",	required_argument, NULL, OPT_OUTCOMES },
		{ "delays",	required_argument, NULL, OPT_DELAYS },
		{ "rolls",	required_argument, NULL, OPT_ROLLS },
		{ "agency",	required_argument, NULL, OPT_AGENCY },
		{ NULL, 0, NULL, 0 }
	};
	const char *errstr;

	memset(opt, 0, sizeof(*opt));
	cli_init(&opt->cli);
	opt->title = "Collections night report";
	opt->trend = 30;
	cli_getopt(&opt->cli, argc, argv, longopts, PROG, usage, own_option,
	    opt);
	if (optind == argc)
		cli_usage_error(usage, "%s", "no NIGHT_DIR given");
	if (cli_finish(&opt->cli, &errstr) < 0)
		cli_usage_error(usage, "%s", errstr);
	take_nights(opt, argc - optind, argv + optind);
}

static void
write_report(struct out *o, struct nr_report *r, const struct options *opt)
{
	char date[DATE_TEXT_MAX];

	h_head(o, r->title, r->tonight.day);
	nr_headline(o, r);
	nr_buckets(o, r);
	nr_funnel(o, r);
	nr_movements(o, r);
	nr_trend(o, r);
	nr_recovery(o, r);
	nr_optional_tables(o, r);
	date_format(date, opt->cli.as_of);
	h_fmt(o, "<footer><p class=\"note\">%s %s, as of %s, from %zu "
	    "night%s.</p></footer>\n", PROG, PACKAGE_VERSION, date,
	    opt->nnights, opt->nnights == 1 ? "" : "s");
	h_tail(o);
}

static void
print_stats(const struct nr_report *r, const struct options *opt)
{
	char date[DATE_TEXT_MAX];
	long moved = 0, accounts = 0;
	size_t i;

	for (i = 0; i < r->nmoves; i++)
		moved += r->moves[i].accounts;
	for (i = 0; i < r->ncells; i++)
		accounts += r->cells[i].accounts;
	date_format(date, r->tonight.day);
	fprintf(stderr, "%s: nights %zu, ignored %zu (after as-of), "
	    "tonight %s, trend nights %zu, accounts %ld, stage changes %ld, "
	    "rejected %lld\n",
	    PROG, opt->nnights, opt->ignored, date, r->ntrend, accounts, moved,
	    r->rj->count);
}

int
main(int argc, char *argv[])
{
	struct options opt;
	struct nr_report r;
	struct rejects rj;
	struct out *o;
	int status = EX_OK;

	parse_options(argc, argv, &opt);
	if (rejects_open(&rj, PROG, opt.cli.rejects_path) < 0)
		err(EX_CANTCREAT, "%s", opt.cli.rejects_path);
	memset(&r, 0, sizeof(r));
	r.title = opt.title;
	r.as_of = opt.cli.as_of;
	r.tonight = opt.nights[opt.nnights - 1];
	r.trend_wanted = opt.trend;
	r.outcomes = opt.outcomes;
	r.delays = opt.delays;
	r.rolls = opt.rolls;
	r.agency = opt.agency;
	r.rj = &rj;
	nr_check_inputs(&r);	/* a bad file stops us before the page starts */
	nr_read_tonight(&r);
	nr_read_trend(&r, opt.nights, opt.nnights);
	o = out_open_fd(1);
	write_report(o, &r, &opt);
	if (opt.cli.stats)
		print_stats(&r, &opt);
	if (rejects_close(&rj) < 0) {
		warn("%s", opt.cli.rejects_path);
		status = EX_IOERR;
	}
	if (out_close(o) < 0) {
		warn("stdout");
		status = EX_IOERR;
	}
	if (status == EX_OK && rj.count > opt.cli.max_rejects)
		status = EX_DATAERR;
	nr_free(&r);
	free(opt.nights);
	return status;
}
