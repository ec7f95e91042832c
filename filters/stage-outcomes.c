/*
 * stage-outcomes: where accounts recover, and what hand-off delays cost.
 *
 * Reads the history pipeline.sh keeps, night directories named by their
 * date (STATE/nights/YYYY-MM-DD/), given in any order: each night's
 * events.tsv (the hand-off log), moved.tsv (the staged rows of the accounts
 * that changed), payments.tsv (money applied per account) and agency.tsv
 * (placed, updated, recalled), all small and held whole; and the month-end
 * staged.tsv snapshots, streamed.  Writes, per stage, month of entry and
 * currency, how the spells in that stage ended: recovered (reached current
 * with money applied) within 30, 60, 90 days, moved on unpaid, still in.
 * --delays: how many days past a rule's max_dpd threshold the stage change
 * came; --rolls: month-end roll rates between aging buckets; --agency:
 * placements, recalls by reason, money paid while placed.  Output depends
 * on the nights' contents and the as-of date only, never on argument order.
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
#include "rules.h"

#include "stage-outcomes/outcomes.h"

#define PROG	"stage-outcomes"

enum { OPT_RULES = CLI_FIRST_OWN, OPT_DELAYS, OPT_ROLLS, OPT_AGENCY };

struct options {
	struct cli	 cli;
	const char	*rules_path;
	const char	*delays_path;
	const char	*rolls_path;
	const char	*agency_path;
	char		**dirs;
	int		 ndirs;
};

struct stats {
	long	 nights, ignored, events, spells, payments, agency, pairs,
		 snapshot_rows, moved_unmatched;
	struct so_delay_counts delays;
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s [--rules FILE] [--delays FILE] [--rolls FILE]\n"
	    "    [--agency FILE] [--as-of DATE] [--rejects FILE]\n"
	    "    [--max-rejects N] [--stats] NIGHT_DIR... > outcomes.tsv\n", PROG);
}

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct options *opt = ctx;

	switch (ch) {
	case OPT_RULES: opt->rules_path = arg; break;
	case OPT_DELAYS: opt->delays_path = arg; break;
	case OPT_ROLLS: opt->rolls_path = arg; break;
	case OPT_AGENCY: opt->agency_path = arg; break;
	default: usage(stderr); exit(EX_USAGE);
	}
}

static void
parse_options(int argc, char *argv[], struct options *opt)
{
	static const struct option longopts[] = {
		CLI_COMMON_OPTIONS,
		{ "rules",	required_argument, NULL, OPT_RULES },
		{ "delays",	required_argument, NULL, OPT_DELAYS },
		{ "rolls",	required_argument, NULL, OPT_ROLLS },
		{ "agency",	required_argument, NULL, OPT_AGENCY },
		{ NULL, 0, NULL, 0 }
	};
	const char *errstr;

	memset(opt, 0, sizeof(*opt));
	cli_init(&opt->cli);
	cli_getopt(&opt->cli, argc, argv, longopts, PROG, usage, own_option,
	    opt);
	if (optind == argc)
		cli_usage_error(usage, "%s", "no night directory given");
	if (cli_finish(&opt->cli, &errstr) < 0)
		cli_usage_error(usage, "%s", errstr);
	opt->dirs = argv + optind;
	opt->ndirs = argc - optind;
}

/* The night a directory holds: its name, without trailing slashes, is a date. */
static void
night_of(const char *dir, struct so_night *night)
{
	if (date_of_dir(dir, &night->day) < 0)
		cli_usage_error(usage, "%s: a night directory is named by its "
		    "date YYYY-MM-DD", dir);
	night->dir = dir;
}

static int
by_day(const void *a, const void *b)
{
	const struct so_night *x = a, *y = b;

	return (x->day > y->day) - (x->day < y->day);
}

/* The nights up to the as-of date, oldest first. */
static struct so_night *
list_nights(const struct options *opt, size_t *n, struct stats *st)
{
	struct so_night *nights = ecalloc(opt->ndirs, sizeof(*nights));
	char path[4096], date[DATE_TEXT_MAX];
	int i;

	*n = 0;
	for (i = 0; i < opt->ndirs; i++) {
		night_of(opt->dirs[i], &nights[*n]);
		if (nights[*n].day > opt->cli.as_of) {
			st->ignored++;
			continue;
		}
		so_night_file(path, sizeof(path), nights[*n].dir, "staged.tsv");
		nights[(*n)++].has_staged = access(path, F_OK) == 0;
	}
	qsort(nights, *n, sizeof(*nights), by_day);
	for (i = 1; i < (int)*n; i++)
		if (nights[i].day == nights[i - 1].day) {
			date_format(date, nights[i].day);
			warnx("two night directories for %s: %s and %s", date,
			    nights[i - 1].dir, nights[i].dir);
			usage(stderr);
			exit(EX_USAGE);
		}
	st->nights = (long)*n;
	return nights;
}

static struct out *
open_output(const char *path)
{
	struct out *o;

	if (path == NULL)
		return NULL;
	if ((o = out_open_whole(path, 0644)) == NULL)
		err(EX_CANTCREAT, "%s", path);
	return o;
}

/* Close an output; 0, or EX_IOERR with the reason said. */
static int
close_output(struct out *o, const char *name)
{
	if (o == NULL || out_close(o) == 0)
		return EX_OK;
	warn("%s", name);	/* out_close leaves the write's errno */
	return EX_IOERR;
}

static void
print_stats(const struct stats *st, long long rejected)
{
	fprintf(stderr, "%s: nights %ld, ignored after as-of %ld, events %ld, "
	    "spells %ld, payments %ld, agency %ld, delays timed %ld, "
	    "no max_dpd bound %ld, no max_dpd %ld, moved without event %ld, "
	    "month pairs %ld, snapshot rows %ld, rejected %lld\n", PROG,
	    st->nights, st->ignored, st->events, st->spells, st->payments,
	    st->agency, st->delays.timed, st->delays.no_bound,
	    st->delays.no_max_dpd, st->moved_unmatched, st->pairs,
	    st->snapshot_rows, rejected);
}

int
main(int argc, char *argv[])
{
	struct options opt;
	struct stats st;
	struct so_history h;
	struct so_night *nights;
	struct rejects rj;
	struct rules_error rules_error;
	struct rules *rs;
	struct out *o, *delays, *rolls, *agency;
	size_t n, i;
	int status = EX_OK, s;

	memset(&st, 0, sizeof(st));
	parse_options(argc, argv, &opt);
	nights = list_nights(&opt, &n, &st);
	if ((rs = rules_load(opt.rules_path, &rules_error)) == NULL &&
	    rules_error.line == 0)
		err(EX_NOINPUT, "%s", rules_error.path);
	if (rs == NULL)
		errx(EX_CONFIG, "%s:%d: %d: %s", rules_error.path,
		    rules_error.line, rules_error.column, rules_error.message);
	if (rejects_open(&rj, PROG, opt.cli.rejects_path) < 0)
		err(EX_CANTCREAT, "%s", opt.cli.rejects_path);
	so_history_init(&h, &rj);
	for (i = 0; i < n; i++)
		so_read_night(&h, &nights[i]);
	so_sort_history(&h);
	/* created once the nights are read: a bad night leaves no empty files */
	o = out_open_fd(1);
	delays = open_output(opt.delays_path);
	rolls = open_output(opt.rolls_path);
	agency = open_output(opt.agency_path);
	st.events = (long)h.nevents;
	st.payments = (long)h.npayments;
	st.agency = (long)h.nagency;
	st.moved_unmatched = h.moved_unmatched;
	st.spells = so_outcomes(o, &h, opt.cli.as_of);
	if (delays)
		so_delays(delays, &h, rs, &st.delays);
	if (agency)
		so_agency(agency, &h, opt.cli.as_of);
	if (rolls)
		st.pairs = so_rolls(rolls, nights, n, opt.cli.as_of, &rj, &st.snapshot_rows);
	if (opt.cli.stats)
		print_stats(&st, rj.count);

	if ((s = close_output(delays, opt.delays_path)) != EX_OK)
		status = s;
	if ((s = close_output(rolls, opt.rolls_path)) != EX_OK)
		status = s;
	if ((s = close_output(agency, opt.agency_path)) != EX_OK)
		status = s;
	if (rejects_close(&rj) < 0) {
		warn("%s", opt.cli.rejects_path);
		status = EX_IOERR;
	}
	if (close_output(o, "stdout") != EX_OK)
		status = EX_IOERR;
	if (status == EX_OK && rj.count > opt.cli.max_rejects)
		status = EX_DATAERR;
	so_history_free(&h);
	rules_free(rs);
	free(nights);
	return status;
}
