/*
 * The sections from stage-outcomes' files: recovery by stage (a chart of
 * the share recovered within 30, 60 and 90 days, over every cohort old
 * enough to tell) and, when given, the delays, roll rates and agency
 * tables as stage-outcomes wrote them.  Columns are found by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"

#include "night-report.h"

#define LABEL_X		130
#define WIDTH		(SVG_WIDTH - LABEL_X - 70)
#define GROUP		48
#define BAR		10

static const int windows[3] = { 30, 60, 90 };
static const char *const window_colours[3] = {
	"#56B4E9", "#0072B2", "#003A5C"
};

struct recovery {
	const char	*stage;
	long		 entered;
	long		 mature[3];	/* entered in cohorts old enough */
	long		 recovered[3];
	long		 unpaid, still_in;
};

enum { C_STAGE, C_ENTERED, C_REC, C_SHARE = C_REC + 3, C_UNPAID = C_SHARE + 3,
	C_STILL, C_COUNT };

static const char *const outcome_columns[C_COUNT] = {
	"stage", "entered", "recovered_30", "recovered_60", "recovered_90",
	"share_30", "share_60", "share_90", "moved_on_unpaid", "still_in"
};

static const struct h_column outcome_table[] = {
	{ "stage", "stage", 't' }, { "month", "month entered", 't' },
	{ "currency", "currency", 't' }, { "entered", "entered", 'n' },
	{ "entered_balance", "balance entered", 'm' },
	{ "share_30", "within 30 days", 'p' },
	{ "share_60", "within 60 days", 'p' },
	{ "share_90", "within 90 days", 'p' },
	{ "recovered_balance", "money recovered", 'm' },
	{ "median_days", "median days in stage", 'n' },
	{ "moved_on_unpaid", "moved on unpaid", 'n' },
	{ "still_in", "still in", 'n' },
};

static const struct h_column delay_table[] = {
	{ "stage", "stage", 't' }, { "rule", "rule", 't' },
	{ "month", "month", 't' }, { "currency", "currency", 't' },
	{ "changes", "changes", 'n' },
	{ "median_delay", "median delay (days)", 'n' },
	{ "max_delay", "longest delay (days)", 'n' }, { "late", "late", 'n' },
	{ "late_balance", "balance of late changes", 'm' },
};

static const struct h_column roll_table[] = {
	{ "from_month", "from month-end", 't' },
	{ "to_month", "to month-end", 't' },
	{ "currency", "currency", 't' }, { "from_bucket", "from bucket", 't' },
	{ "to_bucket", "to bucket", 't' }, { "accounts", "accounts", 'n' },
	{ "balance", "balance", 'm' }, { "share", "share of from bucket", 'p' },
};

static const struct h_column agency_table[] = {
	{ "month", "month", 't' }, { "currency", "currency", 't' },
	{ "placed", "placed", 'n' },
	{ "placed_balance", "placed balance", 'm' },
	{ "updated", "updated", 'n' }, { "recalled", "recalled", 'n' },
	{ "recalled_balance", "recalled balance", 'm' },
	{ "recalled_paid", "recalled: paid", 'n' },
	{ "recalled_disputed", "recalled: disputed", 'n' },
	{ "recalled_legal", "recalled: legal", 'n' },
	{ "recalled_payment_pending", "recalled: payment pending", 'n' },
	{ "recalled_promise", "recalled: promise", 'n' },
	{ "recalled_other", "recalled: other", 'n' },
	{ "paid_while_placed", "paid while placed", 'n' },
	{ "paid_while_placed_balance", "paid while placed, money", 'm' },
};

#define COUNT(a)	(sizeof(a) / sizeof((a)[0]))

static struct recovery *
stage_entry(struct nr_report *r, struct recovery **list, size_t *n,
    const char *s, size_t len)
{
	const char *stage = nr_intern(r, s, len);
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*list)[i].stage == stage)
			return &(*list)[i];
	*list = ereallocarray(*list, *n + 1, sizeof(**list));
	memset(&(*list)[*n], 0, sizeof(**list));
	(*list)[*n].stage = stage;
	return &(*list)[(*n)++];
}

static void
outcome_row(struct nr_report *r, struct nr_reader *rd, const int *c,
    struct recovery **list, size_t *n)
{
	struct recovery *e;
	long v[C_COUNT];
	const char *s;
	size_t len;
	int i;

	for (i = C_ENTERED; i < C_COUNT; i++)
		if (i < C_SHARE || i >= C_UNPAID)
			if (nr_count(rd, c[i], outcome_columns[i], 0,
			    &v[i]) < 0)
				return;
	s = nr_value(rd, c[C_STAGE], &len);
	e = stage_entry(r, list, n, s, len);
	e->entered += v[C_ENTERED];
	e->unpaid += v[C_UNPAID];
	e->still_in += v[C_STILL];
	for (i = 0; i < 3; i++) {
		nr_value(rd, c[C_SHARE + i], &len);
		if (len == 0)
			continue;	/* the cohort is too young to tell */
		e->mature[i] += v[C_ENTERED];
		e->recovered[i] += v[C_REC + i];
	}
}

static int
recovery_cmp(const void *a, const void *b)
{
	return nr_stage_cmp(((const struct recovery *)a)->stage,
	    ((const struct recovery *)b)->stage);
}

static void
recovery_chart(struct out *o, const struct recovery *list, size_t n)
{
	struct svg_series legend[3];
	char label[32];
	size_t i;
	int k, y, w, p;

	svg_open(o, 8 + (int)n * GROUP + 20, "Share of accounts recovered "
	    "within 30, 60 and 90 days of entering each stage");
	for (p = 0; p <= 100; p += 20) {
		h_fmt(o, "<line x1=\"%d\" y1=\"4\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#ccc\"/>\n", LABEL_X + p * WIDTH / 100,
		    LABEL_X + p * WIDTH / 100, 8 + (int)n * GROUP);
		snprintf(label, sizeof(label), "%d%%", p);
		svg_label(o, LABEL_X + p * WIDTH / 100, 8 + (int)n * GROUP + 14,
		    p == 0 ? "start" : p == 100 ? "end" : "middle", label);
	}
	for (i = 0; i < n; i++) {
		y = 8 + (int)i * GROUP;
		svg_label(o, LABEL_X - 6, y + 22, "end", list[i].stage);
		for (k = 0; k < 3; k++, y += BAR + 2) {
			long share = h_share(list[i].recovered[k],
			    list[i].mature[k]);

			w = svg_scale(share, 1000, WIDTH);
			snprintf(label, sizeof(label), "%d days", windows[k]);
			if (list[i].mature[k] > 0 && w > 0)
				svg_rect(o, LABEL_X, y, w, BAR,
				    window_colours[k], label);
			h_fmt(o, "<text x=\"%d\" y=\"%d\">", LABEL_X + w + 4,
			    y + 9);
			if (list[i].mature[k] > 0)
				h_permille(o, share);
			else
				h_str(o, "not yet");
			h_str(o, "</text>\n");
		}
	}
	svg_close(o);
	for (k = 0; k < 3; k++) {
		legend[k].label = k == 0 ? "within 30 days" : k == 1 ?
		    "within 60 days" : "within 90 days";
		legend[k].colour = window_colours[k];
	}
	svg_legend(o, legend, 3);
}

static void
recovery_table(struct out *o, const struct recovery *list, size_t n)
{
	static const char *const headings[] = {
		"stage", "entered", "within 30 days", "within 60 days",
		"within 90 days", "moved on unpaid", "still in", NULL
	};
	size_t i;
	int k;

	h_table_open(o, "Recovery by stage, all months and currencies",
	    headings, "tnnnnnn");
	for (i = 0; i < n; i++) {
		h_str(o, "<tr>");
		h_td_stage(o, list[i].stage);
		h_td_count(o, list[i].entered);
		for (k = 0; k < 3; k++)
			if (list[i].mature[k] > 0)
				h_td_permille(o, h_share(list[i].recovered[k],
				    list[i].mature[k]));
			else
				h_str(o, "<td class=\"n\">not yet</td>");
		h_td_count(o, list[i].unpaid);
		h_td_count(o, list[i].still_in);
		h_str(o, "</tr>\n");
	}
	h_table_close(o);
}

void
nr_recovery(struct out *o, struct nr_report *r)
{
	struct recovery *list = NULL;
	struct nr_reader *rd;
	size_t n = 0;
	int c[C_COUNT], i;

	h_section(o, "recovery", "Recovery by stage");
	if (r->outcomes == NULL) {
		h_str(o, "<p>Not in this report: give --outcomes (the output "
		    "of stage-outcomes).</p>\n</section>\n");
		return;
	}
	rd = nr_open(r->outcomes, r->rj);
	for (i = 0; i < C_COUNT; i++)
		c[i] = nr_column(rd, outcome_columns[i], 1);
	while (nr_next(rd))
		outcome_row(r, rd, c, &list, &n);
	nr_close(rd);
	qsort(list, n, sizeof(*list), recovery_cmp);
	h_str(o, "<p class=\"note\">Of the accounts that entered a stage, "
	    "the share that reached current through a payment within 30, 60 "
	    "and 90 days; only months of entry at least that old count "
	    "(\xe2\x80\x9cnot yet\xe2\x80\x9d: none is).</p>\n");
	if (n > 0) {
		recovery_chart(o, list, n);
		recovery_table(o, list, n);
	}
	h_tsv_table(o, r->outcomes, "Outcomes by stage and month of entry",
	    outcome_table, COUNT(outcome_table), r->rj);
	free(list);
	h_str(o, "</section>\n");
}

static void
optional_table(struct out *o, const struct nr_report *r, const char *path,
    const char *id, const char *title, const char *note,
    const struct h_column *cols, size_t ncols)
{
	if (path == NULL)
		return;
	h_section(o, id, title);
	h_str(o, "<p class=\"note\">");
	h_cstr(o, note);
	h_str(o, "</p>\n");
	h_tsv_table(o, path, title, cols, ncols, r->rj);
	h_str(o, "</section>\n");
}

static void
check_columns(const char *path, const struct h_column *cols, size_t n,
    struct rejects *rj)
{
	struct nr_reader *rd;
	size_t i;

	if (path == NULL)
		return;
	rd = nr_open(path, rj);
	for (i = 0; i < n; i++)
		nr_column(rd, cols[i].name, 1);
	nr_close(rd);
}

/* Every given file opens and has its columns, before the page starts. */
void
nr_check_inputs(const struct nr_report *r)
{
	size_t i;

	check_columns(r->outcomes, outcome_table, COUNT(outcome_table), r->rj);
	if (r->outcomes != NULL) {
		struct nr_reader *rd = nr_open(r->outcomes, r->rj);

		for (i = 0; i < C_COUNT; i++)
			nr_column(rd, outcome_columns[i], 1);
		nr_close(rd);
	}
	check_columns(r->delays, delay_table, COUNT(delay_table), r->rj);
	check_columns(r->rolls, roll_table, COUNT(roll_table), r->rj);
	check_columns(r->agency, agency_table, COUNT(agency_table), r->rj);
}

void
nr_optional_tables(struct out *o, const struct nr_report *r)
{
	optional_table(o, r, r->delays, "delays", "Hand-off delays",
	    "Days between an account crossing a rule's days-past-due "
	    "threshold and its stage change; late: more than zero.",
	    delay_table, COUNT(delay_table));
	optional_table(o, r, r->rolls, "rolls", "Roll rates between month-ends",
	    "Where the accounts of each aging bucket at one month-end were "
	    "at the next.", roll_table, COUNT(roll_table));
	optional_table(o, r, r->agency, "agency", "Agency results",
	    "Placed, updated and recalled accounts by month, recalls by "
	    "reason, and accounts that paid while placed.",
	    agency_table, COUNT(agency_table));
}
