/*
 * dedupe-contacts: one clean, current contact per person.
 *
 * Reads contacts (TSV or CSV: contact_id customer_id source name email
 * phone address role language preferred_channel verified_date
 * updated_date, any but the two ids may be missing) on stdin and writes
 * one TSV row per person: the freshest usable name, email, phone and
 * address, the other emails and phones ranked after them, the sources and
 * ids merged, and flags for stale, generic, missing or impossible data.
 *
 * Rows are linked only within a customer, so memory need hold only one
 * customer, the way sort(1) works: rows are held until they pass the run
 * size (64 MiB); input that ends first is sorted and written from memory.
 * Beyond it, input grouped by customer_id so far is streamed, each customer
 * written as soon as the next begins; any other is sorted in runs on disk
 * and merged (spill.c).  The parts are in dedupe-contacts/.
 */
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ealloc.h"
#include "out.h"
#include "phone.h"
#include "rejects.h"
#include "rows.h"
#include "strset.h"

#include "dedupe-contacts/dedupe.h"

#define RUN_BYTES	((size_t)64 << 20)
#define STREAM_BYTES	((size_t)1 << 20)

/* Columns this filter writes: never passed through when read back. */
static const char *const own_columns[] = {
	"emails_other", "phones_other", "sources", "merged_ids", "flags", NULL
};

static const char output_header[] =
    "contact_id\tcustomer_id\tname\temail\temails_other\tphone\tphone_ext\t"
    "phones_other\taddress\trole\tlanguage\tpreferred_channel\t"
    "verified_date\tsources\tmerged_ids\tflags";

/* How the rows held are written: see the comment at the top. */
enum mode { MODE_HOLD, MODE_STREAM, MODE_SPILL };

static char prog_name[] = PROG;

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: " PROG " [--region CC] [--stale-days N] [--as-of DATE]\n"
"           [--clusters FILE] [--rejects FILE] [--max-rejects N] [--stats]\n"
"           < contacts > contacts.tsv\n");
}

/* --- reading -------------------------------------------------------- */

static void
reject(struct state *st, const struct row *row, const char *reason)
{
	if (!rejects_add(&st->rejects, rows_name(st->rows), row->line, reason,
	    row->raw, row->raw_len))
		warnx("%s:%ld: %s", rows_name(st->rows), row->line, reason);
}

/* The index of the first row held of the last row's customer. */
static size_t
last_customer_start(const struct state *st)
{
	const struct text last = st->contacts[st->ncontacts - 1].customer;
	size_t i = st->ncontacts - 1;

	while (i > 0 && text_eq(st, st->contacts[i - 1].customer, last))
		i--;
	return i;
}

/*
 * The row just read, in stream mode: a new customer means the ones before
 * are whole.  They are written some at a time (STREAM_BYTES, or the run
 * size if less), which keeps the code of reading and of linking in cache
 * longer than one customer at a time would.  A customer that sorts before
 * the last cannot be merged any more with what is written.
 */
static void
stream_row(struct state *st, const struct row *row)
{
	const struct contact *c = &st->contacts[st->ncontacts - 1];
	const struct contact *prev = c - 1;
	int order = text_cmp(st, prev->customer, c->customer);
	size_t held = st->opt->run_bytes < STREAM_BYTES ? st->opt->run_bytes :
	    STREAM_BYTES;

	if (order == 0 || (order < 0 && contact_bytes(st) < held))
		return;
	if (order > 0)
		errx(EX_DATAERR, "%s:%ld: customer_id: \"%.*s\" after \"%.*s\": "
		    "input longer than the run size was grouped by customer_id "
		    "up to here; sort it by customer_id first",
		    rows_name(st->rows), row->line, (int)c->customer.len,
		    T(st, c->customer), (int)prev->customer.len,
		    T(st, prev->customer));
	survive_batch(st, 0, st->ncontacts - 1);
	contact_keep_tail(st, st->ncontacts - 1);
}

static void
read_all(struct state *st)
{
	struct row row;
	char reason[REASON_MAX];
	const char *errstr;
	enum mode mode = MODE_HOLD;
	int grouped = 1, got;
	size_t first;

	while ((got = rows_next(st->rows, &row, &errstr)) != 0) {
		if (got < 0 && rows_failed(st->rows))
			errx(EX_IOERR, "%s: %s", rows_name(st->rows), errstr);
		st->rows_in++;
		if (got < 0) {
			reject(st, &row, errstr);
			continue;
		}
		if (contact_read(st, &row, reason) < 0) {
			reject(st, &row, reason);
			continue;
		}
		if (st->ncontacts < 2)
			;
		else if (mode == MODE_STREAM)
			stream_row(st, &row);
		else if (grouped && text_cmp(st, st->contacts[st->ncontacts - 2].
		    customer, st->contacts[st->ncontacts - 1].customer) > 0)
			grouped = 0;
		if (mode == MODE_STREAM || contact_bytes(st) < st->opt->run_bytes)
			continue;
		if (grouped) {
			mode = MODE_STREAM;
			first = last_customer_start(st);
			survive_batch(st, 0, first);
			contact_keep_tail(st, first);
		} else {
			mode = MODE_SPILL;
			spill_run(st);
		}
	}
	if (mode == MODE_SPILL)
		spill_finish(st);
	else
		survive_batch(st, 0, st->ncontacts);
}

/* --- options, columns, main ----------------------------------------- */

enum { OPT_REGION = CLI_FIRST_OWN, OPT_STALE_DAYS, OPT_CLUSTERS };

static const struct option longopts[] = {
	CLI_COMMON_OPTIONS,
	{ "region",	required_argument, NULL, OPT_REGION },
	{ "stale-days",	required_argument, NULL, OPT_STALE_DAYS },
	{ "clusters",	required_argument, NULL, OPT_CLUSTERS },
	{ NULL, 0, NULL, 0 }
};

static void
bad_option(const char *option, const char *value, const char *why)
{
	warnx("%s: %s \"%s\"", option, why, value);
	usage(stderr);
	exit(EX_USAGE);
}

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct options *opt = ctx;

	const char *errstr;

	switch (ch) {
	case OPT_REGION:
		if (!phone_region_known(arg))
			bad_option("--region", arg, "unknown region, want "
			    "US CA GB DE FR ES IT NL AU IE CH AT BE NZ MX");
		opt->region = arg;
		break;
	case OPT_STALE_DAYS:
		opt->stale_days = cli_number(arg, 0, 36500, &errstr);
		if (errstr)
			bad_option("--stale-days", arg, errstr);
		break;
	case OPT_CLUSTERS:
		opt->clusters_path = arg;
		break;
	default:
		usage(stderr);
		exit(EX_USAGE);
	}
}

/*
 * The run size, for tests: DEDUPE_CONTACTS_RUN_BYTES makes it small so a
 * small input takes the stream and spill paths.
 */
static void
run_bytes(struct options *opt)
{
	const char *v = getenv("DEDUPE_CONTACTS_RUN_BYTES"), *errstr;

	opt->run_bytes = RUN_BYTES;
	if (v == NULL || *v == '\0')
		return;
	opt->run_bytes = cli_number(v, 1, (long long)1 << 31, &errstr);
	if (errstr)
		errx(EX_USAGE, "DEDUPE_CONTACTS_RUN_BYTES: %s \"%s\"", errstr, v);
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
	run_bytes(opt);
}

static int
is_own_column(const struct field *f)
{
	size_t i;

	for (i = 0; own_columns[i]; i++)
		if (strlen(own_columns[i]) == f->len &&
		    memcmp(own_columns[i], f->s, f->len) == 0)
			return 1;
	return 0;
}

/* Name each input column: one of ours (first one wins) or passthrough. */
static void
map_columns(struct state *st)
{
	const struct row *header = rows_header(st->rows);
	const char *name = rows_name(st->rows);
	size_t i;
	int c;

	if (header->count == 0)
		errx(EX_DATAERR, "%s: empty input: no header line", name);
	for (c = 0; c < NCOLUMNS; c++)
		st->column_of[c] = -1;
	st->width = header->count;
	st->passthrough = ecalloc(header->count, sizeof(int));
	for (i = 0; i < header->count; i++) {
		const struct field *f = &header->fields[i];

		for (c = 0; c < NCOLUMNS; c++)
			if (strlen(contact_columns[c]) == f->len &&
			    memcmp(contact_columns[c], f->s, f->len) == 0)
				break;
		if (c < NCOLUMNS && st->column_of[c] < 0)
			st->column_of[c] = (int)i;
		else if (c == NCOLUMNS && !is_own_column(f))
			st->passthrough[st->npassthrough++] = (int)i;
	}
	for (c = COL_CONTACT_ID; c <= COL_CUSTOMER_ID; c++)
		if (st->column_of[c] < 0)
			errx(EX_DATAERR, "%s: missing column %s", name,
			    contact_columns[c]);
}

static void
write_headers(struct state *st)
{
	const struct row *header = rows_header(st->rows);
	size_t i;

	out_bytes(st->out, output_header, sizeof(output_header) - 1);
	for (i = 0; i < st->npassthrough; i++) {
		const struct field *f = &header->fields[st->passthrough[i]];

		out_tab(st->out);
		out_text(st->out, f->s, f->len);
	}
	out_nl(st->out);
	if (st->clusters)
		out_bytes(st->clusters, "contact_id\tsurvivor_id\tcustomer_id\n", 35);
}

static void
open_files(struct state *st)
{
	const char *errstr;
	const char *path = st->opt->clusters_path;

	if ((st->rows = rows_open(NULL, ROWS_AUTO, &errstr)) == NULL)
		errx(EX_NOINPUT, "<stdin>: %s", errstr);
	if (rejects_open(&st->rejects, PROG, st->opt->cli.rejects_path) < 0)
		err(EX_CANTCREAT, "%s", st->opt->cli.rejects_path);
	if (path && (st->clusters = out_open_whole(path, 0644)) == NULL)
		err(EX_CANTCREAT, "%s", path);
	st->out = out_open_fd(STDOUT_FILENO);
}

static void
print_stats(const struct state *st)
{
	fprintf(stderr, PROG ": rows in %lld, out %lld, rejected %lld, "
	    "merged %lld\n", st->rows_in, st->rows_out, st->rejects.count,
	    st->merged);
}

/* Flush everything; the exit status says whether every write landed. */
static int
finish(struct state *st)
{
	int status = EX_OK;

	if (out_close(st->out) < 0) {
		warn("stdout");
		status = EX_IOERR;
	}
	if (st->clusters && out_close(st->clusters) < 0) {
		warn("%s", st->opt->clusters_path);
		status = EX_IOERR;
	}
	if (rejects_close(&st->rejects) < 0) {
		warn("%s", st->opt->cli.rejects_path);
		status = EX_IOERR;
	}
	if (st->opt->cli.stats)
		print_stats(st);
	if (status == EX_OK && st->rejects.count > st->opt->cli.max_rejects) {
		warnx("%lld rows rejected (--max-rejects %lld)",
		    st->rejects.count, st->opt->cli.max_rejects);
		status = EX_DATAERR;
	}
	return status;
}

static void
free_state(struct state *st)
{
	int c;

	rows_close(st->rows);
	strset_free(st->seen_ids);
	free(st->passthrough);
	free(st->arena);
	free(st->contacts);
	free(st->recs);
	free(st->escape_buf);
	link_free(&st->w);
	for (c = 0; c < NCOLUMNS; c++)
		free(st->scratch[c]);
}

int
main(int argc, char *argv[])
{
	struct options opt = { .region = "US", .stale_days = 365 };
	struct state st = { .opt = &opt };
	int status;

	argv[0] = prog_name;	/* getopt's messages name the program, not its path */
	parse_options(&opt, argc, argv);
	argc -= optind;
	argv += optind;
	if (argc > 0) {
		usage(stderr);
		return EX_USAGE;
	}
	open_files(&st);
	map_columns(&st);
	st.seen_ids = strset_new();
	write_headers(&st);
	read_all(&st);
	status = finish(&st);
	free_state(&st);
	return status;
}
