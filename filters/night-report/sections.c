/*
 * The sections about tonight: the headline figures, the open balance by
 * aging bucket and stage, the stage funnel and tonight's movements.  Each
 * chart is followed by the table it was drawn from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "money.h"

#include "night-report.h"

#define LABEL_X		130	/* where bars start: stage names left of it */
#define ROW		26
#define BAR		18

static const char *const ladder[] = {
	"support", "billing", "finance_review", "collections"
};
static const char *const beside[] = {
	"payment_pending", "promise", "dispute", "legal"
};

static int
cell_cmp(const void *a, const void *b)
{
	const struct nr_cell *x = *(const struct nr_cell *const *)a;
	const struct nr_cell *y = *(const struct nr_cell *const *)b;

	return nr_stage_cmp(x->stage, y->stage);
}

/* Tonight's stages of one currency, in report order; free the list. */
static const struct nr_cell **
cells_of(const struct nr_report *r, const char *code, size_t *n)
{
	const struct nr_cell **list = ecalloc(r->ncells + 1, sizeof(*list));
	size_t i;

	*n = 0;
	for (i = 0; i < r->ncells; i++)
		if (strcmp(r->cells[i].currency, code) == 0)
			list[(*n)++] = &r->cells[i];
	qsort(list, *n, sizeof(*list), cell_cmp);
	return list;
}

static const struct nr_cell *
cell_at(const struct nr_cell **list, size_t n, const char *stage)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i]->stage, stage) == 0)
			return list[i];
	return NULL;
}

/* Tooltip text: "what, which: amount" (amount plain, as in the TSV). */
static const char *
tip(char *buf, size_t size, const char *what, const char *which,
    int64_t minor, int exponent)
{
	char amount[MONEY_TEXT_MAX];

	money_format(amount, minor, exponent);
	snprintf(buf, size, "%s%s%s: %s", what, which ? ", " : "",
	    which ? which : "", amount);
	return buf;
}

static void
figure(struct out *o, const char *label, long count, int64_t minor,
    int exponent, int with_money)
{
	h_str(o, "<div><dt>");
	h_cstr(o, label);
	h_str(o, "</dt><dd>");
	if (count >= 0)
		h_count(o, count);
	if (count >= 0 && with_money)
		h_str(o, " \xc2\xb7 ");
	if (with_money)
		h_money(o, minor, exponent);
	h_str(o, "</dd></div>\n");
}

void
nr_headline(struct out *o, const struct nr_report *r)
{
	const struct nr_currency *c;
	size_t i;

	h_section(o, "headline", "Tonight at a glance");
	h_str(o, "<p class=\"note\">Counts are accounts (customer and "
	    "currency); money is in the currency named.</p>\n");
	for (i = 0; i < r->ncurrencies; i++) {
		c = &r->currencies[i];
		h_str(o, "<h3>");
		h_cstr(o, c->code);
		h_str(o, "</h3>\n<dl class=\"figures\">\n");
		figure(o, "Open balance", -1, c->open, c->exponent, 1);
		figure(o, "Accounts with a balance", c->accounts, 0, 0, 0);
		figure(o, "In collections", c->collections,
		    c->collections_balance, c->exponent, 1);
		figure(o, "Placed with the agency tonight", c->placed,
		    c->placed_balance, c->exponent, 1);
		figure(o, "Recalled from the agency tonight", c->recalled,
		    c->recalled_balance, c->exponent, 1);
		figure(o, "Payments applied tonight", c->paid, c->applied,
		    c->exponent, 1);
		figure(o, "Stage changes tonight", c->moved, 0, 0, 0);
		h_str(o, "</dl>\n");
	}
	h_str(o, "</section>\n");
}

static int64_t
cell_total(const struct nr_cell *c)
{
	int64_t total = 0;
	int i;

	for (i = 0; i < NR_BUCKETS; i++)
		if (c->bucket[i] > 0)
			money_add(&total, c->bucket[i]);
	return total;
}

static void
bucket_bars(struct out *o, const struct nr_cell *c, int y, int64_t axis_max,
    int exponent)
{
	const int width = SVG_WIDTH - LABEL_X - 20;
	int64_t sum = 0;
	char text[160];
	int i, x, next;

	svg_label(o, LABEL_X - 6, y + 13, "end", c->stage);
	x = LABEL_X;
	for (i = 0; i < NR_BUCKETS; i++) {
		if (c->bucket[i] <= 0)
			continue;
		money_add(&sum, c->bucket[i]);
		/* each edge from the running total: no gap, no drift */
		next = LABEL_X + svg_scale(sum, axis_max, width);
		if (next > x)
			svg_rect(o, x, y, next - x, BAR, svg_bucket_colours[i],
			    tip(text, sizeof(text), c->stage,
			    nr_bucket_names[i], c->bucket[i], exponent));
		x = next;
	}
}

static void
bucket_table(struct out *o, const struct nr_cell **list, size_t n,
    const struct nr_currency *cur)
{
	static const char *const headings[] = {
		"stage", "accounts", "current", "1-30", "31-60", "61-90",
		"91-120", "120+", "open balance", NULL
	};
	char caption[64];
	size_t i;
	int b;

	snprintf(caption, sizeof(caption), "Open balance by bucket, %s",
	    cur->code);
	h_table_open(o, caption, headings, "tnnnnnnnn");
	for (i = 0; i < n; i++) {
		h_str(o, "<tr>");
		h_td_stage(o, list[i]->stage);
		h_td_count(o, list[i]->accounts);
		for (b = 0; b < NR_BUCKETS; b++)
			h_td_money(o, list[i]->bucket[b], cur->exponent);
		h_td_money(o, list[i]->open, cur->exponent);
		h_str(o, "</tr>\n");
	}
	h_table_close(o);
}

void
nr_buckets(struct out *o, const struct nr_report *r)
{
	struct svg_series legend[NR_BUCKETS];
	const struct nr_currency *cur;
	const struct nr_cell **list;
	char title[96];
	int64_t max, step, axis_max;
	size_t i, j, n;
	int height;

	h_section(o, "buckets", "Open balance by aging bucket and stage");
	h_str(o, "<p class=\"note\">Each bar is a stage; its segments are the "
	    "open balance by days past due, oldest darkest.</p>\n");
	for (i = 0; i < NR_BUCKETS; i++) {
		legend[i].label = nr_bucket_names[i];
		legend[i].colour = svg_bucket_colours[i];
	}
	for (i = 0; i < r->ncurrencies; i++) {
		cur = &r->currencies[i];
		list = cells_of(r, cur->code, &n);
		if (n == 0) {
			free(list);
			continue;
		}
		for (max = 0, j = 0; j < n; j++)
			if (cell_total(list[j]) > max)
				max = cell_total(list[j]);
		step = svg_step(max, money_unit(cur->exponent), 4);
		axis_max = svg_axis_max(max, step);
		height = 10 + (int)n * ROW + 24;
		snprintf(title, sizeof(title), "Open balance by aging bucket "
		    "and stage, %s", cur->code);
		h_str(o, "<h3>");
		h_cstr(o, cur->code);
		h_str(o, "</h3>\n");
		svg_open(o, height, title);
		svg_axis(o, SVG_ACROSS, LABEL_X, SVG_WIDTH - LABEL_X - 20, 4,
		    (int)n * ROW + 6, axis_max, step, cur->exponent);
		for (j = 0; j < n; j++)
			bucket_bars(o, list[j], 10 + (int)j * ROW, axis_max,
			    cur->exponent);
		svg_close(o);
		svg_legend(o, legend, NR_BUCKETS);
		bucket_table(o, list, n, cur);
		free(list);
	}
	h_str(o, "</section>\n");
}

/* The funnel's rows: the ladder, the stages beside it, any others. */
static size_t
funnel_stages(const struct nr_cell **list, size_t n, const char **stages)
{
	size_t i, k = 0;

	for (i = 0; i < 4; i++)
		stages[k++] = ladder[i];
	for (i = 0; i < 4; i++)
		stages[k++] = beside[i];
	for (i = 0; i < n; i++)
		if (nr_stage_rank(list[i]->stage) > 8)
			stages[k++] = list[i]->stage;
	return k;
}

static void
funnel_row(struct out *o, const char *stage, const struct nr_cell *c, int y,
    int64_t max, int exponent)
{
	const int width = 300;
	char text[160];
	int w = c ? svg_scale(c->open, max, width) : 0;

	svg_label(o, LABEL_X - 6, y + 13, "end", stage);
	if (w > 0)
		svg_rect(o, LABEL_X, y, w, BAR, svg_stage_colour(stage),
		    tip(text, sizeof(text), stage, NULL, c->open, exponent));
	h_fmt(o, "<text x=\"%d\" y=\"%d\">", LABEL_X + w + 6, y + 13);
	h_count(o, c ? c->accounts : 0);
	h_str(o, c && c->accounts == 1 ? " account \xc2\xb7 " :
	    " accounts \xc2\xb7 ");
	h_money(o, c ? c->open : 0, exponent);
	h_str(o, "</text>\n");
}

static void
funnel_table(struct out *o, const char **stages, size_t k,
    const struct nr_cell **list, size_t n, const struct nr_currency *cur)
{
	static const char *const headings[] = {
		"stage", "accounts", "open balance", "share of balance", NULL
	};
	const struct nr_cell *c;
	char caption[64];
	int64_t total = 0;
	size_t i;

	for (i = 0; i < k; i++)
		if ((c = cell_at(list, n, stages[i])) != NULL && c->open > 0)
			money_add(&total, c->open);
	snprintf(caption, sizeof(caption), "Stage funnel, %s", cur->code);
	h_table_open(o, caption, headings, "tnnn");
	for (i = 0; i < k; i++) {
		c = cell_at(list, n, stages[i]);
		h_str(o, "<tr>");
		h_td_stage(o, stages[i]);
		h_td_count(o, c ? c->accounts : 0);
		h_td_money(o, c ? c->open : 0, cur->exponent);
		h_td_permille(o, c ? svg_scale(c->open, total, 1000) : 0);
		h_str(o, "</tr>\n");
	}
	h_table_close(o);
}

void
nr_funnel(struct out *o, const struct nr_report *r)
{
	const struct nr_currency *cur;
	const struct nr_cell **list, *c;
	const char **stages;
	struct svg_series *legend;
	char title[64];
	int64_t max;
	size_t i, j, n, k;
	int y;

	h_section(o, "funnel", "Stage funnel");
	h_str(o, "<p class=\"note\">The hand-off ladder support, billing, "
	    "finance review, collections; below it the stages beside the "
	    "ladder, which pause or freeze it. Bar length is the open "
	    "balance.</p>\n");
	for (i = 0; i < r->ncurrencies; i++) {
		cur = &r->currencies[i];
		list = cells_of(r, cur->code, &n);
		stages = ecalloc(n + 9, sizeof(*stages));
		legend = ecalloc(n + 9, sizeof(*legend));
		k = funnel_stages(list, n, stages);
		for (max = 0, j = 0; j < k; j++)
			if ((c = cell_at(list, n, stages[j])) && c->open > max)
				max = c->open;
		snprintf(title, sizeof(title), "Stage funnel, %s", cur->code);
		h_str(o, "<h3>");
		h_cstr(o, cur->code);
		h_str(o, "</h3>\n");
		svg_open(o, 10 + (int)k * ROW + 22, title);
		for (y = 4, j = 0; j < k; j++, y += ROW) {
			if (j == 4) {
				svg_label(o, 4, y + 14, "start",
				    "beside the ladder");
				y += 22;
			}
			funnel_row(o, stages[j], cell_at(list, n, stages[j]), y,
			    max, cur->exponent);
		}
		svg_close(o);
		for (j = 0; j < k; j++) {
			legend[j].label = stages[j];
			legend[j].colour = svg_stage_colour(stages[j]);
		}
		svg_legend(o, legend, k);
		funnel_table(o, stages, k, list, n, cur);
		free(legend);
		free(stages);
		free(list);
	}
	h_str(o, "</section>\n");
}
