/*
 * The trend over the last --trend nights, from each night's summary.tsv:
 * per currency, the open balance stacked by stage (the stack's top is the
 * total, drawn again as a line with a point per night), then the table.
 * Nights sit on the x axis by date, so a missed night leaves a gap in time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "ealloc.h"
#include "money.h"

#include "night-report.h"

#define X0	96	/* money labels left of it */
#define WIDTH	(SVG_WIDTH - X0 - 44)
#define Y0	10
#define HEIGHT	200

struct trend {
	const char	**stages;	/* stacked, in report order */
	size_t		 nstages;
	int64_t		*value;		/* [night][stage], then the total */
	long		*accounts;	/* [night] */
	size_t		 nights;
	int		 exponent;
};

static int
stage_cmp(const void *a, const void *b)
{
	return nr_stage_cmp(*(const char *const *)a, *(const char *const *)b);
}

static int64_t *
at(const struct trend *t, size_t night, size_t stage)
{
	return &t->value[night * (t->nstages + 1) + stage];
}

/* The currency's figures as a night by stage table; 0 if it has none. */
static int
gather(const struct nr_report *r, const char *code, struct trend *t)
{
	const struct nr_point *p;
	size_t i, s, night;
	int found = 0;

	memset(t, 0, sizeof(*t));
	t->stages = ecalloc(r->npoints + 1, sizeof(*t->stages));
	for (i = 0; i < r->npoints; i++) {
		p = &r->points[i];
		if (strcmp(p->currency, code) != 0 || p->stage == NULL)
			continue;
		for (s = 0; s < t->nstages && t->stages[s] != p->stage; s++)
			;
		if (s == t->nstages)
			t->stages[t->nstages++] = p->stage;
	}
	qsort(t->stages, t->nstages, sizeof(*t->stages), stage_cmp);
	t->nights = r->ntrend;
	t->value = ecalloc(t->nights * (t->nstages + 1), sizeof(int64_t));
	t->accounts = ecalloc(t->nights, sizeof(long));
	t->exponent = nr_exponent(r, code);
	for (i = 0; i < r->npoints; i++) {
		p = &r->points[i];
		if (strcmp(p->currency, code) != 0)
			continue;
		found = 1;
		for (night = 0; r->trend_days[night] != p->day; night++)
			;
		for (s = 0; p->stage && t->stages[s] != p->stage; s++)
			;
		*at(t, night, p->stage ? s : t->nstages) = p->amount;
		if (p->stage == NULL)
			t->accounts[night] = p->count;
	}
	return found;
}

static void
release(struct trend *t)
{
	free(t->stages);
	free(t->value);
	free(t->accounts);
}

/* x of each night; a single night is drawn as a short flat band. */
static int
night_x(const struct nr_report *r, size_t i, int side)
{
	int32_t span = r->trend_days[r->ntrend - 1] - r->trend_days[0];

	if (span == 0)
		return X0 + WIDTH / 2 + (side ? 16 : -16);
	return X0 + svg_scale(r->trend_days[i] - r->trend_days[0], span, WIDTH);
}

static int
y_of(int64_t v, int64_t axis_max)
{
	return Y0 + HEIGHT - svg_scale(v, axis_max, HEIGHT);
}

/* One stage's band: its top edge left to right, its base right to left. */
static void
band(struct out *o, const struct nr_report *r, const struct trend *t,
    const int64_t *base, size_t s, int64_t axis_max)
{
	size_t i, n = t->nights, side;
	int64_t top;

	h_fmt(o, "<polygon fill=\"%s\" points=\"",
	    svg_stage_colour(t->stages[s]));
	for (i = 0; i < n; i++)
		for (side = 0; side < (n == 1 ? 2u : 1u); side++) {
			top = base[i];
			money_add(&top, *at(t, i, s) > 0 ? *at(t, i, s) : 0);
			h_fmt(o, "%d,%d ", night_x(r, i, (int)side),
			    y_of(top, axis_max));
		}
	for (i = n; i-- > 0;)
		for (side = (n == 1 ? 2 : 1); side-- > 0;)
			h_fmt(o, "%d,%d ", night_x(r, i, (int)side),
			    y_of(base[i], axis_max));
	h_str(o, "\"><title>");
	h_cstr(o, t->stages[s]);
	h_str(o, "</title></polygon>\n");
}

static void
total_line(struct out *o, const struct nr_report *r, const struct trend *t,
    int64_t axis_max)
{
	char date[DATE_TEXT_MAX], amount[MONEY_TEXT_MAX];
	size_t i;
	int x, y;

	h_str(o, "<polyline fill=\"none\" stroke=\"#000\" stroke-width=\"2\" "
	    "points=\"");
	for (i = 0; i < t->nights; i++)
		h_fmt(o, "%d,%d ", night_x(r, i, 0),
		    y_of(*at(t, i, t->nstages), axis_max));
	if (t->nights == 1)
		h_fmt(o, "%d,%d", night_x(r, 0, 1), y_of(*at(t, 0, t->nstages),
		    axis_max));
	h_str(o, "\"/>\n");
	for (i = 0; i < t->nights; i++) {
		x = night_x(r, i, t->nights == 1);
		y = y_of(*at(t, i, t->nstages), axis_max);
		date_format(date, r->trend_days[i]);
		money_format(amount, *at(t, i, t->nstages), t->exponent);
		h_fmt(o, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#000\">"
		    "<title>%s: %s</title></circle>\n", x, y, date, amount);
	}
}

/* Up to five dates under the axis: the first, the last, between. */
static void
date_labels(struct out *o, const struct nr_report *r)
{
	char date[DATE_TEXT_MAX];
	size_t k, i, last = (size_t)-1, n = r->ntrend;

	for (k = 0; k < 5; k++) {
		i = n == 1 ? 0 : k * (n - 1) / 4;
		if (i == last)
			continue;
		last = i;
		date_format(date, r->trend_days[i]);
		svg_label(o, n == 1 ? X0 + WIDTH / 2 : night_x(r, i, 0),
		    Y0 + HEIGHT + 18, n == 1 || (k > 0 && k < 4) ? "middle" :
		    k == 0 ? "start" : "end", date);
	}
}

static void
chart(struct out *o, const struct nr_report *r, const struct trend *t,
    const char *code)
{
	int64_t *base = ecalloc(t->nights, sizeof(int64_t)), max = 0, step,
	    axis_max, v;
	struct svg_series *legend = ecalloc(t->nstages + 1, sizeof(*legend));
	char title[96];
	size_t i, s;

	for (i = 0; i < t->nights; i++) {
		for (v = 0, s = 0; s < t->nstages; s++)
			money_add(&v, *at(t, i, s) > 0 ? *at(t, i, s) : 0);
		max = v > max ? v : max;
		max = *at(t, i, t->nstages) > max ? *at(t, i, t->nstages) : max;
	}
	step = svg_step(max, money_unit(t->exponent), 4);
	axis_max = svg_axis_max(max, step);
	snprintf(title, sizeof(title), "Open balance by stage over the last "
	    "%zu nights, %s", t->nights, code);
	svg_open(o, Y0 + HEIGHT + 26, title);
	svg_axis(o, SVG_UP, X0, WIDTH, Y0, HEIGHT, axis_max, step, t->exponent);
	for (s = 0; s < t->nstages; s++) {
		band(o, r, t, base, s, axis_max);
		for (i = 0; i < t->nights; i++)
			money_add(&base[i], *at(t, i, s) > 0 ?
			    *at(t, i, s) : 0);
		legend[s].label = t->stages[s];
		legend[s].colour = svg_stage_colour(t->stages[s]);
	}
	total_line(o, r, t, axis_max);
	date_labels(o, r);
	svg_close(o);
	legend[s].label = "total open balance (line)";
	legend[s].colour = "#000000";
	svg_legend(o, legend, t->nstages + 1);
	free(legend);
	free(base);
}

static void
table(struct out *o, const struct nr_report *r, const struct trend *t,
    const char *code)
{
	const char **headings = ecalloc(t->nstages + 4, sizeof(*headings));
	char *numeric = ecalloc(t->nstages + 4, 1);
	char caption[64], date[DATE_TEXT_MAX];
	size_t i, s;

	headings[0] = "night";
	headings[1] = "accounts";
	headings[2] = "open balance";
	memset(numeric, 'n', t->nstages + 3);
	numeric[0] = 't';
	for (s = 0; s < t->nstages; s++)
		headings[3 + s] = t->stages[s];
	snprintf(caption, sizeof(caption), "Open balance by night and stage, "
	    "%s", code);
	h_table_open(o, caption, headings, numeric);
	for (i = 0; i < t->nights; i++) {
		date_format(date, r->trend_days[i]);
		h_str(o, "<tr>");
		h_td(o, date);
		h_td_count(o, t->accounts[i]);
		h_td_money(o, *at(t, i, t->nstages), t->exponent);
		for (s = 0; s < t->nstages; s++)
			h_td_money(o, *at(t, i, s), t->exponent);
		h_str(o, "</tr>\n");
	}
	h_table_close(o);
	free(numeric);
	free(headings);
}

void
nr_trend(struct out *o, const struct nr_report *r)
{
	struct trend t;
	char title[64];
	size_t i;

	snprintf(title, sizeof(title), "Trend over the last %zu night%s",
	    r->ntrend, r->ntrend == 1 ? "" : "s");
	h_section(o, "trend", title);
	if (r->ntrend == 0)
		h_str(o, "<p>No night given has a summary.tsv.</p>\n");
	else
		h_str(o, "<p class=\"note\">The open balance each night, "
		    "stacked by stage; the line is the total.</p>\n");
	for (i = 0; i < r->ncurrencies && r->ntrend > 0; i++) {
		if (gather(r, r->currencies[i].code, &t)) {
			h_str(o, "<h3>");
			h_cstr(o, r->currencies[i].code);
			h_str(o, "</h3>\n");
			chart(o, r, &t, r->currencies[i].code);
			table(o, r, &t, r->currencies[i].code);
		}
		release(&t);
	}
	h_str(o, "</section>\n");
}
