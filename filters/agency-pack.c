/*
 * agency-pack: the batch the collections agency can act on, and the
 * ledger of what is placed with it.
 *
 * Reads the staged accounts of stage-assign on stdin, the ledger of
 * placed accounts (--placed), the invoices, the deduplicated contacts,
 * the activity log and the customer master.  Writes one batch directory
 * DIR/AGENCY/AS_OF/ with placements (accounts at stage collections not
 * yet placed, with their best contact, history and notes),
 * placement_invoices, activity (the timeline of internal efforts),
 * updates (balances changed since placed), recalls (placed accounts that
 * must come back: paid, disputed, legal, payment_pending, promise, other)
 * and manifest.tsv; and the new ledger on stdout.
 *
 * What keeps it safe: the master's blocking flags (a dispute, any legal
 * flag) are checked again here whatever stdin says; card numbers, SSNs
 * and IBANs are redacted from free text; a placement whose invoices do
 * not add up to its staged balance is rejected; and the batch is built
 * beside its place and renamed, so it is never seen half written.  The
 * parts are in agency-pack/.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ealloc.h"
#include "money.h"
#include "out.h"
#include "redact.h"
#include "rejects.h"

#include "agency-pack/agency-pack.h"

static char prog_name[] = PROG;

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: " PROG " --invoices FILE --contacts FILE [--activity FILE]\n"
"           [--accounts FILE] [--placed FILE] --out DIR [--agency NAME]\n"
"           [--format tsv|csv] [--replace] [--as-of DATE]\n"
"           [--rejects FILE] [--max-rejects N] [--stats]\n"
"           < staged.tsv > placed.tsv\n");
}

enum {
	OPT_INVOICES = CLI_FIRST_OWN, OPT_CONTACTS, OPT_ACTIVITY, OPT_ACCOUNTS,
	OPT_PLACED, OPT_OUT, OPT_AGENCY, OPT_FORMAT, OPT_REPLACE
};

static const struct option longopts[] = {
	CLI_COMMON_OPTIONS,
	{ "invoices",	required_argument, NULL, OPT_INVOICES },
	{ "contacts",	required_argument, NULL, OPT_CONTACTS },
	{ "activity",	required_argument, NULL, OPT_ACTIVITY },
	{ "accounts",	required_argument, NULL, OPT_ACCOUNTS },
	{ "placed",	required_argument, NULL, OPT_PLACED },
	{ "out",	required_argument, NULL, OPT_OUT },
	{ "agency",	required_argument, NULL, OPT_AGENCY },
	{ "format",	required_argument, NULL, OPT_FORMAT },
	{ "replace",	no_argument,	   NULL, OPT_REPLACE },
	{ NULL, 0, NULL, 0 }
};

static void
bad_usage(const char *fmt, const char *value)
{
	warnx(fmt, value);
	usage(stderr);
	exit(EX_USAGE);
}

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct options *opt = ctx;

	switch (ch) {
	case OPT_INVOICES: opt->invoices_path = arg; break;
	case OPT_CONTACTS: opt->contacts_path = arg; break;
	case OPT_ACTIVITY: opt->activity_path = arg; break;
	case OPT_ACCOUNTS: opt->accounts_path = arg; break;
	case OPT_PLACED: opt->placed_path = arg; break;
	case OPT_OUT: opt->out_dir = arg; break;
	case OPT_AGENCY: opt->agency = arg; break;
	case OPT_REPLACE: opt->replace = 1; break;
	case OPT_FORMAT:
		if (strcmp(arg, "tsv") != 0 && strcmp(arg, "csv") != 0)
			bad_usage("--format: want tsv or csv \"%s\"", arg);
		opt->csv = strcmp(arg, "csv") == 0;
		break;
	default:
		usage(stderr);
		exit(EX_USAGE);
	}
}

/* Stdin holds the staged accounts: no other input can come from it. */
static void
check_not_stdin(const char *option, const char *path)
{
	if (path != NULL && strcmp(path, "-") == 0)
		bad_usage("%s: stdin holds the staged accounts, want a file",
		    option);
}

/* The agency names a directory of its own: one path component. */
static void
check_arguments(const struct options *opt)
{
	const char *agency = opt->agency;

	check_not_stdin("--invoices", opt->invoices_path);
	check_not_stdin("--contacts", opt->contacts_path);
	check_not_stdin("--activity", opt->activity_path);
	check_not_stdin("--accounts", opt->accounts_path);
	check_not_stdin("--placed", opt->placed_path);

	if (opt->invoices_path == NULL)
		bad_usage("missing %s", "--invoices");
	if (opt->contacts_path == NULL)
		bad_usage("missing %s", "--contacts");
	if (opt->out_dir == NULL || opt->out_dir[0] == '\0')
		bad_usage("missing %s", "--out");
	if (agency[0] == '\0' || agency[0] == '.' || strchr(agency, '/') ||
	    strlen(agency) > 64)
		bad_usage("--agency: want a name of 1-64 characters, no '/', "
		    "not starting with '.' \"%s\"", agency);
}

static void
parse_options(struct options *opt, int argc, char *argv[])
{
	const char *errstr;

	cli_init(&opt->cli);
	cli_getopt(&opt->cli, argc, argv, longopts, PROG, usage, own_option,
	    opt);
	if (cli_finish(&opt->cli, &errstr) < 0)
		errx(EX_USAGE, "%s", errstr);
}

/*
 * Money per currency: the open balances of the staged accounts acted on
 * (at collections, or placed already; other rows are passed over), then
 * what the batch holds: the balances placed, the changes sent as updates
 * and the balances recalled (all 0 when no batch was written).
 */
static void
print_money(const struct state *st)
{
	static const int files[] = { FILE_PLACEMENTS, FILE_UPDATES,
	    FILE_RECALLS };
	static const char *const names[] = { "placed", "updated", "recalled" };
	static struct totals in;
	const struct account *a;
	const struct totals *t;
	char text[MONEY_TEXT_MAX];
	size_t i, k, at;
	int f;

	in.n = 0;
	for (i = 0; i < st->naccounts; i++) {
		a = &st->accounts[i];
		if (a->staged && !a->rejected)
			totals_add(&in, T(st, a->currency), a->exponent,
			    a->open_balance, "accounts in");
	}
	for (f = 0; f < 3; f++)	/* a currency only recalled: in at 0 */
		for (t = &st->files[files[f]].totals, k = 0; k < t->n; k++)
			totals_add(&in, t->cur[k].code, t->cur[k].exponent, 0,
			    "accounts in");
	for (i = 0; i < in.n; i++) {
		money_format(text, in.cur[i].sum, in.cur[i].exponent);
		fprintf(stderr, "; %s accounts in %s", in.cur[i].code, text);
		for (f = 0; f < 3; f++) {
			t = &st->files[files[f]].totals;
			at = totals_find(t, in.cur[i].code);
			money_format(text, at < t->n ? t->cur[at].sum : 0,
			    in.cur[i].exponent);
			fprintf(stderr, ", %s %s", names[f], text);
		}
	}
}

static void
print_stats(const struct state *st)
{
	fprintf(stderr, PROG ": staged rows in %lld, ledger rows in %lld, "
	    "placed %lld, updated %lld, kept %lld, recalled %lld, refused %lld, "
	    "placed elsewhere %lld, mismatched %lld, rejected %lld, "
	    "redactions %lld", st->staged_in, st->ledger_in, st->placed,
	    st->updated, st->kept, st->recalled, st->refused, st->elsewhere,
	    st->mismatched, st->rejects.count, st->redactions);
	print_money(st);
	fputc('\n', stderr);
}

static void
read_all(struct state *st)
{
	read_ledger(st);
	read_staged(st);
	read_master(st);
	decide_blocks(st);
	read_invoices(st);
	decide_totals(st);
	read_contacts(st);
	read_activity(st);
	decide_timeline(st);
}

/*
 * Too many rejects: nothing is written, since a batch with accounts
 * missing would be acted on.  Else the batch, then the ledger that
 * records it: a ledger is never ahead of the batch it describes.
 */
static int
write_all(struct state *st)
{
	struct out *out;
	int status = EX_OK;

	if (st->rejects.count > st->opt->cli.max_rejects) {
		warnx("%lld rows rejected (--max-rejects %lld): no batch written",
		    st->rejects.count, st->opt->cli.max_rejects);
		return EX_DATAERR;
	}
	batch_commit(st);
	out = out_open_fd(STDOUT_FILENO);
	write_ledger(st, out);
	if (out_close(out) < 0) {
		warn("stdout");
		status = EX_IOERR;
	}
	return status;
}

static int
finish(struct state *st, int status)
{
	if (rejects_close(&st->rejects) < 0) {
		warn("%s", st->opt->cli.rejects_path);
		if (status == EX_OK)
			status = EX_IOERR;
	}
	if (st->opt->cli.stats)
		print_stats(st);
	return status;
}

static void
free_state(struct state *st)
{
	int i;

	store_free(st);
	redact_free(st->redact);
	for (i = 0; i < 8; i++)
		free(st->scratch[i]);
	free(st->redacted);
	free(st->cell);
	free(st->notes);
}

int
main(int argc, char *argv[])
{
	struct options opt = { .agency = "agency" };
	struct state st = { .opt = &opt };
	const char *errstr;
	int status;

	argv[0] = prog_name;	/* getopt's messages name the program, not its path */
	parse_options(&opt, argc, argv);
	argc -= optind;
	argv += optind;
	if (argc > 0) {
		usage(stderr);
		return EX_USAGE;
	}
	check_arguments(&opt);
	if ((st.redact = redact_new(&errstr)) == NULL)
		errx(EX_SOFTWARE, "%s", errstr);
	if (rejects_open(&st.rejects, PROG, opt.cli.rejects_path) < 0)
		err(EX_CANTCREAT, "%s", opt.cli.rejects_path);
	read_all(&st);
	status = finish(&st, write_all(&st));
	free_state(&st);
	return status;
}
