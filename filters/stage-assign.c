/*
 * stage-assign: who owns each overdue account today.
 *
 * Reads canonical invoices (aging-normalize's TSV, perhaps with
 * reconcile-payments' columns) on stdin and rolls them up, as they stream
 * by, to one account per (customer_id, currency) in a hash table: memory
 * grows with the accounts, not the invoices.  Joins the customer master
 * (--accounts), the last inbound contact of the activity log (--activity)
 * and yesterday's output (--previous), judges every account by the rules
 * (lib/rules.c; built in from rules/default.rules unless --rules), and
 * writes one row per account, sorted by customer_id then currency.
 * --events writes the hand-off log of every stage change; --explain shows
 * every rule tried for one customer on stderr.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "money.h"
#include "out.h"
#include "rejects.h"
#include "rows.h"
#include "rules.h"
#include "strset.h"

#include "stage-assign/stage-assign.h"

#define PROG	"stage-assign"

static const char *const output_columns[] = {
	"customer_id", "currency", "name", "stage", "owner", "action",
	"outreach", "notify", "notify_to", "rule", "reason", "open_balance",
	"invoice_count", "oldest_due_date", "max_dpd", "bal_current", "bal_1_30",
	"bal_31_60", "bal_61_90", "bal_91_120", "bal_120_plus", "silent_days",
	"stage_since", "previous_stage", "flags", "disputed_balance",
};

enum {
	OPT_ACCOUNTS = CLI_FIRST_OWN, OPT_RULES, OPT_ACTIVITY, OPT_PREVIOUS,
	OPT_EVENTS, OPT_EXPLAIN
};

struct options {
	struct cli	 cli;
	const char	*accounts_path;
	const char	*rules_path;
	const char	*activity_path;
	const char	*previous_path;
	const char	*events_path;
	const char	*explain_id;
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s --accounts FILE [--rules FILE] [--activity FILE]\n"
	    "    [--previous FILE] [--events FILE] [--explain CUSTOMER_ID]\n"
	    "    [--as-of DATE] [--rejects FILE] [--max-rejects N] [--stats]\n"
	    "    < invoices.tsv > staged.tsv\n", PROG);
}

static void
write_header(struct out *o)
{
	size_t i;

	for (i = 0; i < sizeof(output_columns) / sizeof(output_columns[0]); i++) {
		if (i)
			out_tab(o);
		out_str(o, output_columns[i]);
	}
	out_nl(o);
}

static void
write_events_header(struct out *o)
{
	static const char header[] = "date\tcustomer_id\tcurrency\tfrom_stage\t"
	    "to_stage\trule\treason\topen_balance\n";

	out_bytes(o, header, sizeof(header) - 1);
}

static void
out_cstr(struct out *o, const char *s)
{
	if (s != NULL)
		out_text(o, s, strlen(s));
}

/* The flags column: the master's, and no_master for a stranger. */
static size_t
account_flags(const struct sa_account *a, char *buf, size_t size)
{
	const struct sa_master *m = a->customer->master;
	int n;

	if (m == NULL)
		n = snprintf(buf, size, "no_master");
	else
		n = snprintf(buf, size, "%s", m->flags ? m->flags : "");
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

static void
set_value(struct rules_facts *f, enum rules_field field, int set, int64_t n)
{
	f->field[field].set = set;
	f->field[field].n = n;
}

static void
set_date(struct rules_facts *f, enum rules_field field, int32_t day)
{
	set_value(f, field, day != SA_NO_DATE, day);
}

static void
set_text(struct rules_facts *f, enum rules_field field, const char *s,
    size_t len)
{
	f->field[field].set = s != NULL && len > 0;
	f->field[field].s = s ? s : "";
	f->field[field].len = s ? len : 0;
}

static void
gather_facts(const struct sa_account *a, int32_t as_of, struct rules_facts *f,
    const char *flags, size_t flags_len)
{
	const struct sa_customer *c = a->customer;
	const struct sa_master *m = c->master;
	const struct sa_history *h = a->prev;
	int i;

	memset(f, 0, sizeof(*f));
	f->currency = a->currency;
	f->exponent = a->exponent;
	f->as_of = as_of;
	set_value(f, RULES_OPEN_BALANCE, 1, a->open);
	set_value(f, RULES_DISPUTED_BALANCE, 1, a->disputed);
	for (i = 0; i < SA_BUCKETS; i++)
		set_value(f, RULES_BAL_CURRENT + i, 1, a->bucket[i]);
	set_value(f, RULES_MAX_DPD, a->invoices > 0, a->max_dpd);
	set_value(f, RULES_SILENT_DAYS, c->last_response != SA_NO_DATE,
	    (int64_t)as_of - c->last_response);
	set_value(f, RULES_INVOICE_COUNT, 1, a->invoices);
	set_value(f, RULES_DISPUTED_COUNT, 1, a->disputed_count);
	set_date(f, RULES_PROMISE_TO_PAY_DATE, m ? m->promise : SA_NO_DATE);
	set_date(f, RULES_LAST_RESPONSE_DATE, c->last_response);
	set_date(f, RULES_LAST_PAYMENT_DATE, a->last_payment);
	set_date(f, RULES_OLDEST_DUE_DATE, a->invoices ? a->oldest_due : SA_NO_DATE);
	set_date(f, RULES_CUSTOMER_SINCE, m ? m->since : SA_NO_DATE);
	set_value(f, RULES_PENDING_PAYMENT, 1, a->pending);
	set_value(f, RULES_ALL_DISPUTED, 1, a->invoices == 0 && a->disputed_count > 0);
	set_text(f, RULES_CURRENCY, a->currency, 3);
	set_text(f, RULES_PREVIOUS_STAGE, h ? h->stage : NULL,
	    h ? strlen(h->stage) : 0);
	set_text(f, RULES_RETRY_STATUS, m ? m->retry : NULL,
	    m && m->retry ? strlen(m->retry) : 0);
	set_text(f, RULES_FLAGS, flags, flags_len);
}

/* An account with nothing open today that was staged yesterday: settled. */
static void
settle(const struct sa_account *a, struct rules_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->rule = "settled";
	v->stage = "current";
	v->owner = "";
	v->action = "none";
	v->outreach = "allowed";
	snprintf(v->reason, sizeof(v->reason), "%s",
	    a->invoice_rows ? "nothing open today" : "no invoices today");
}

static void
print_trace(const struct sa_account *a, const struct rules_trace *trace)
{
	const char *p = trace->text, *end = trace->text + trace->len, *nl;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (nl == NULL)
			nl = end;
		fprintf(stderr, "%s: explain %s %s: %.*s\n", PROG,
		    a->customer->id, a->currency, (int)(nl - p), p);
	}
}

static int
same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void
write_account(struct out *o, const struct sa_account *a,
    const struct rules_verdict *v, const struct rules_facts *f, int32_t as_of)
{
	const struct sa_customer *c = a->customer;
	const struct sa_master *m = c->master;
	const struct sa_history *h = a->prev;
	int unchanged = h && strcmp(h->stage, v->stage) == 0;
	int i;

	out_text(o, c->id, c->id_len);
	out_tab(o);
	out_str(o, a->currency);
	out_tab(o);
	out_cstr(o, m ? m->name : NULL);
	out_tab(o);
	out_cstr(o, v->stage);
	out_tab(o);
	out_cstr(o, v->owner);
	out_tab(o);
	out_cstr(o, v->action);
	out_tab(o);
	out_cstr(o, v->outreach);
	out_tab(o);
	out_cstr(o, v->notify);
	out_tab(o);
	if (strstr(v->notify, "account_manager") != NULL)
		out_cstr(o, m ? m->manager : NULL);
	out_tab(o);
	out_cstr(o, v->rule);
	out_tab(o);
	out_cstr(o, v->reason);
	out_tab(o);
	out_money(o, a->open, a->exponent);
	out_tab(o);
	out_i64(o, a->invoices);
	out_tab(o);
	if (a->invoices)
		out_date(o, a->oldest_due);
	out_tab(o);
	if (a->invoices)
		out_i64(o, a->max_dpd);
	for (i = 0; i < SA_BUCKETS; i++) {
		out_tab(o);
		out_money(o, a->bucket[i], a->exponent);
	}
	out_tab(o);
	if (f->field[RULES_SILENT_DAYS].set)
		out_i64(o, f->field[RULES_SILENT_DAYS].n);
	out_tab(o);
	out_date(o, unchanged && h->since != SA_NO_DATE ? h->since : as_of);
	out_tab(o);
	out_cstr(o, unchanged ? h->previous : h ? h->stage : NULL);
	out_tab(o);
	out_text(o, f->field[RULES_FLAGS].s, f->field[RULES_FLAGS].len);
	out_tab(o);
	out_money(o, a->disputed, a->exponent);
	out_nl(o);
}

static void
write_event(struct out *o, const struct sa_account *a,
    const struct rules_verdict *v, int32_t as_of)
{
	out_date(o, as_of);
	out_tab(o);
	out_text(o, a->customer->id, a->customer->id_len);
	out_tab(o);
	out_str(o, a->currency);
	out_tab(o);
	out_cstr(o, a->prev ? a->prev->stage : NULL);
	out_tab(o);
	out_cstr(o, v->stage);
	out_tab(o);
	out_cstr(o, v->rule);
	out_tab(o);
	out_cstr(o, v->reason);
	out_tab(o);
	out_money(o, a->open, a->exponent);
	out_nl(o);
}

/* Judge and write every account, in order; returns how many were written. */
static long
stage_all(struct sa_table *t, const struct rules *rs, const struct options *opt,
    struct out *o, struct out *events, struct sa_totals *totals)
{
	struct sa_account **list;
	struct rules_trace trace = { NULL, 0, 0 };
	struct rules_verdict v;
	struct rules_facts f;
	char flags[1024];
	size_t n, i, flags_len;
	int explaining, explained = 0;
	long written = 0;

	list = sa_sorted_accounts(t, &n);
	for (i = 0; i < n; i++) {
		struct sa_account *a = list[i];

		if (a->open <= 0 && a->disputed <= 0 && (a->prev == NULL ||
		    strcmp(a->prev->stage, "current") == 0))
			continue;	/* nothing owed, nothing to hand back */
		explaining = opt->explain_id &&
		    strcmp(opt->explain_id, a->customer->id) == 0;
		flags_len = account_flags(a, flags, sizeof(flags));
		gather_facts(a, opt->cli.as_of, &f, flags, flags_len);
		trace.len = 0;
		if (a->open > 0 || a->disputed > 0)
			rules_judge(rs, &f, &v, explaining ? &trace : NULL);
		else {
			settle(a, &v);
			if (explaining) {
				free(trace.text);
				trace.text = estrdup("no open invoices today: stage "
				    "current, rule settled\n");
				trace.len = trace.size = strlen(trace.text);
			}
		}
		if (explaining) {
			print_trace(a, &trace);
			explained = 1;
		}
		write_account(o, a, &v, &f, opt->cli.as_of);
		if (events && !same_text(a->prev ? a->prev->stage : NULL, v.stage))
			write_event(events, a, &v, opt->cli.as_of);
		sa_totals_out(totals, a);
		written++;
		if (out_failed(o))
			break;
	}
	if (opt->explain_id && !explained)
		warnx("explain: no account staged for customer \"%s\"",
		    opt->explain_id);
	free(trace.text);
	free(list);
	return written;
}

static void
own_option(int ch, const char *arg, void *ctx)
{
	struct options *opt = ctx;

	switch (ch) {
	case OPT_ACCOUNTS: opt->accounts_path = arg; break;
	case OPT_RULES: opt->rules_path = arg; break;
	case OPT_ACTIVITY: opt->activity_path = arg; break;
	case OPT_PREVIOUS: opt->previous_path = arg; break;
	case OPT_EVENTS: opt->events_path = arg; break;
	case OPT_EXPLAIN: opt->explain_id = arg; break;
	default: cli_usage_error(usage, NULL, NULL);
	}
}

static void
parse_options(int argc, char *argv[], struct options *opt)
{
	static const struct option longopts[] = {
		CLI_COMMON_OPTIONS,
		{ "accounts",	required_argument, NULL, OPT_ACCOUNTS },
		{ "rules",	required_argument, NULL, OPT_RULES },
		{ "activity",	required_argument, NULL, OPT_ACTIVITY },
		{ "previous",	required_argument, NULL, OPT_PREVIOUS },
		{ "events",	required_argument, NULL, OPT_EVENTS },
		{ "explain",	required_argument, NULL, OPT_EXPLAIN },
		{ NULL, 0, NULL, 0 }
	};
	const char *errstr;

	memset(opt, 0, sizeof(*opt));
	cli_init(&opt->cli);
	cli_getopt(&opt->cli, argc, argv, longopts, PROG, usage, own_option,
	    opt);
	if (optind != argc)
		cli_usage_error(usage, "unexpected argument \"%s\"",
		    argv[optind]);
	if (opt->accounts_path == NULL)
		cli_usage_error(usage, "%s",
		    "--accounts FILE is required (the customer master)");
	if (cli_finish(&opt->cli, &errstr) < 0)
		cli_usage_error(usage, "%s", errstr);
}

static struct out *
open_output(const char *path)
{
	struct out *o = out_open_whole(path, 0644);

	if (o == NULL)
		err(EX_CANTCREAT, "%s", path);
	return o;
}

/* Flush and close everything; the exit status says whether it all landed. */
static int
finish(struct out *o, struct out *events, struct rejects *rj,
    const struct options *opt)
{
	int status = EX_OK;

	/* out_close leaves the first write error in errno */
	if (events && out_close(events) < 0) {
		warn("%s", opt->events_path);
		status = EX_IOERR;
	}
	if (rejects_close(rj) < 0) {
		warn("%s", opt->cli.rejects_path);
		status = EX_IOERR;
	}
	if (out_close(o) < 0) {
		warn("stdout");
		status = EX_IOERR;
	}
	if (status == EX_OK && rj->count > opt->cli.max_rejects)
		status = EX_DATAERR;
	return status;
}

int
main(int argc, char *argv[])
{
	struct options opt;
	struct rules *rs;
	struct sa_table *table;
	struct sa_totals totals;
	struct rejects rj;
	struct rules_error rules_error;
	struct out *o, *events = NULL;
	long written;
	int status;

	parse_options(argc, argv, &opt);
	if ((rs = rules_load(opt.rules_path, &rules_error)) == NULL &&
	    rules_error.line == 0)
		err(EX_NOINPUT, "%s", rules_error.path);
	if (rs == NULL)
		errx(EX_CONFIG, "%s:%d: %d: %s", rules_error.path,
		    rules_error.line, rules_error.column, rules_error.message);
	if (rejects_open(&rj, PROG, opt.cli.rejects_path) < 0)
		err(EX_CANTCREAT, "%s", opt.cli.rejects_path);
	table = sa_table_new();
	sa_totals_init(&totals);
	sa_read_accounts(table, opt.accounts_path, &rj);
	if (opt.previous_path)
		sa_read_previous(table, opt.previous_path, &rj);
	sa_read_invoices(table, opt.cli.as_of, &rj, &totals);
	if (opt.activity_path)
		sa_read_activity(table, opt.activity_path, &rj);
	o = out_open_fd(1);
	if (opt.events_path) {
		events = open_output(opt.events_path);
		write_events_header(events);
	}
	write_header(o);
	written = stage_all(table, rs, &opt, o, events, &totals);
	if (opt.cli.stats)
		sa_totals_print(&totals, written, rj.count);
	status = finish(o, events, &rj, &opt);
	sa_table_free(table);
	rules_free(rs);
	return status;
}
