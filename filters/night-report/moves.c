/*
 * Tonight's movements: how many accounts went from which stage to which
 * (a bar per pair, all currencies counted together), the money per
 * currency, and the accounts that moved by name, the biggest first.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"

#include "night-report.h"

#define PAIR_X		250	/* "finance_review → payment_pending" fits left */
#define ROW		24
#define BAR		16

struct pair {
	const char	*from, *to;
	long		 accounts;
};

/* The empty stage (a first staging) first, then the ladder order. */
static int
from_cmp(const char *a, const char *b)
{
	if (*a == '\0' || *b == '\0')
		return (*a != '\0') - (*b != '\0');
	return nr_stage_cmp(a, b);
}

static int
move_cmp(const void *a, const void *b)
{
	const struct nr_move *x = a, *y = b;
	int cmp;

	if ((cmp = from_cmp(x->from, y->from)) != 0)
		return cmp;
	if ((cmp = from_cmp(x->to, y->to)) != 0)
		return cmp;
	return strcmp(x->currency, y->currency);
}

/* Pairs over all currencies, in the moves' order (moves sorted). */
static size_t
pairs_of(const struct nr_report *r, struct pair *pairs, long *max)
{
	size_t i, n = 0;

	*max = 0;
	for (i = 0; i < r->nmoves; i++) {
		if (n == 0 || pairs[n - 1].from != r->moves[i].from ||
		    pairs[n - 1].to != r->moves[i].to) {
			pairs[n].from = r->moves[i].from;
			pairs[n].to = r->moves[i].to;
			pairs[n++].accounts = 0;
		}
		pairs[n - 1].accounts += r->moves[i].accounts;
		if (pairs[n - 1].accounts > *max)
			*max = pairs[n - 1].accounts;
	}
	return n;
}

static void
pair_label(char *buf, size_t size, const struct pair *p)
{
	snprintf(buf, size, "%s \xe2\x86\x92 %s", *p->from ? p->from : "(new)",
	    *p->to ? p->to : "(none)");
}

static void
move_chart(struct out *o, const struct pair *pairs, size_t n, long max)
{
	const int width = SVG_WIDTH - PAIR_X - 60;
	struct svg_series *legend = ecalloc(n, sizeof(*legend));
	char label[160];
	size_t i, k = 0, j;
	int y, w;

	svg_open(o, 8 + (int)n * ROW, "Stage changes tonight, accounts "
	    "from one stage to another");
	for (i = 0; i < n; i++) {
		y = 4 + (int)i * ROW;
		pair_label(label, sizeof(label), &pairs[i]);
		svg_label(o, PAIR_X - 6, y + 12, "end", label);
		w = svg_scale(pairs[i].accounts, max, width);
		svg_rect(o, PAIR_X, y, w > 0 ? w : 1, BAR,
		    svg_stage_colour(pairs[i].to), label);
		h_fmt(o, "<text x=\"%d\" y=\"%d\">%ld</text>\n",
		    PAIR_X + w + 6, y + 12, pairs[i].accounts);
		for (j = 0; j < k && strcmp(legend[j].label, pairs[i].to); j++)
			;
		if (j == k) {
			legend[k].label = *pairs[i].to ? pairs[i].to : "(none)";
			legend[k++].colour = svg_stage_colour(pairs[i].to);
		}
	}
	svg_close(o);
	svg_legend(o, legend, k);
	free(legend);
}

static void
move_table(struct out *o, const struct nr_report *r)
{
	static const char *const headings[] = {
		"from", "to", "currency", "accounts", "open balance", NULL
	};
	const struct nr_move *m;
	size_t i;

	h_table_open(o, "Stage changes by currency", headings, "tttnn");
	for (i = 0; i < r->nmoves; i++) {
		m = &r->moves[i];
		h_str(o, "<tr>");
		h_td_stage(o, m->from);
		h_td_stage(o, m->to);
		h_td(o, m->currency);
		h_td_count(o, m->accounts);
		h_td_money(o, m->balance, nr_exponent(r, m->currency));
		h_str(o, "</tr>\n");
	}
	h_table_close(o);
}

static void
account_table(struct out *o, const struct nr_report *r, long total)
{
	static const char *const headings[] = {
		"customer", "name", "currency", "from", "to", "rule",
		"max days past due", "open balance", NULL
	};
	const struct nr_event *e;
	size_t i;

	h_table_open(o, "Accounts that moved, biggest balance first",
	    headings, "ttttttnn");
	for (i = 0; i < r->nevents; i++) {
		e = &r->events[i];
		h_str(o, "<tr>");
		h_td(o, e->customer_id);
		h_td(o, e->name ? e->name : "");
		h_td(o, e->currency);
		h_td_stage(o, e->from);
		h_td_stage(o, e->to);
		h_td(o, e->rule);
		if (e->max_dpd != LONG_MIN)
			h_fmt(o, "<td class=\"n\">%ld</td>", e->max_dpd);
		else
			h_str(o, "<td class=\"n\"></td>");
		h_td_money(o, e->balance, nr_exponent(r, e->currency));
		h_str(o, "</tr>\n");
	}
	h_table_close(o);
	if (total > (long)r->nevents) {
		h_str(o, "<p class=\"note\">and ");
		h_count(o, total - (long)r->nevents);
		h_str(o, " more</p>\n");
	}
}

void
nr_movements(struct out *o, struct nr_report *r)
{
	struct pair *pairs;
	long max, total = 0;
	size_t i, n;

	h_section(o, "movements", "Tonight\xe2\x80\x99s movements");
	if (r->nmoves == 0) {
		h_str(o, "<p>No stage changes tonight.</p>\n</section>\n");
		return;
	}
	qsort(r->moves, r->nmoves, sizeof(*r->moves), move_cmp);
	pairs = ecalloc(r->nmoves, sizeof(*pairs));
	n = pairs_of(r, pairs, &max);
	for (i = 0; i < n; i++)
		total += pairs[i].accounts;
	h_str(o, "<p class=\"note\">Stage changes in tonight\xe2\x80\x99s "
	    "hand-off log: accounts per change (bar colour: the stage they "
	    "went to), then the money per currency and the accounts by "
	    "name.</p>\n");
	move_chart(o, pairs, n, max);
	move_table(o, r);
	account_table(o, r, total);
	free(pairs);
	h_str(o, "</section>\n");
}
