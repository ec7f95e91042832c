/*
 * night-report's chart parts: inline SVG on a viewBox 640 units wide that
 * CSS scales to the page (so a phone gets the same chart, smaller).
 * Geometry is integer: money in minor units is scaled to units with
 * int64_t arithmetic, never through floating point.  Colours: Okabe-Ito
 * for stages (told apart with any colour vision), viridis for the aging
 * buckets (ordered light to dark, so they also read in grey print).
 */
#include <stdint.h>
#include <string.h>

#include "money.h"

#include "night-report.h"

const char *const svg_bucket_colours[NR_BUCKETS] = {
	"#FDE725", "#7AD151", "#22A884", "#2A788E", "#414487", "#440154"
};

static const struct { const char *stage, *colour; } stage_colours[] = {
	{ "current", "#BBBBBB" },
	{ "support", "#56B4E9" },
	{ "billing", "#0072B2" },
	{ "finance_review", "#E69F00" },
	{ "collections", "#D55E00" },
	{ "payment_pending", "#009E73" },
	{ "promise", "#F0E442" },
	{ "dispute", "#CC79A7" },
	{ "legal", "#000000" },
};

const char *
svg_stage_colour(const char *stage)
{
	size_t i;

	for (i = 0; i < sizeof(stage_colours) / sizeof(stage_colours[0]); i++)
		if (strcmp(stage, stage_colours[i].stage) == 0)
			return stage_colours[i].colour;
	return "#777777";
}

/* value / max of pixels, rounded; both halved first when the product
 * would overflow (pixels is at most a few thousand). */
int
svg_scale(int64_t value, int64_t max, int pixels)
{
	if (max <= 0 || value <= 0)
		return 0;
	if (value > max)
		value = max;
	while (max > INT64_MAX / 8192) {
		value /= 2;
		max /= 2;
	}
	return (int)((value * pixels + max / 2) / max);
}

/*
 * The smallest 1, 2 or 5 times a power of ten that covers max in ticks
 * steps; at least one major unit when max allows, so labels are whole.
 */
int64_t
svg_step(int64_t max, int64_t unit, int ticks)
{
	static const int64_t mult[] = { 1, 2, 5 };
	int64_t power = 1, need = max / ticks + (max % ticks != 0);
	int i;

	if (max >= unit * ticks && need < unit)
		need = unit;
	for (;;) {
		for (i = 0; i < 3; i++)
			if (power * mult[i] >= need)
				return power * mult[i];
		if (power > INT64_MAX / 100)
			return power * 10;
		power *= 10;
	}
}

void
svg_open(struct out *o, int height, const char *title)
{
	h_fmt(o, "<figure>\n<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-label=\"", SVG_WIDTH, height);
	h_cstr(o, title);
	h_str(o, "\">\n<title>");
	h_cstr(o, title);
	h_str(o, "</title>\n");
}

void
svg_close(struct out *o)
{
	h_str(o, "</svg>\n");
}

/* The legend under the chart ends its figure; swatches are SVG, so they
 * print where CSS backgrounds would not. */
void
svg_legend(struct out *o, const struct svg_series *s, size_t n)
{
	size_t i;

	h_str(o, "<ul class=\"legend\">");
	for (i = 0; i < n; i++) {
		h_fmt(o, "<li><svg class=\"sw\" viewBox=\"0 0 10 10\" "
		    "aria-hidden=\"true\"><rect width=\"10\" height=\"10\" "
		    "fill=\"%s\" stroke=\"#333\" stroke-width=\"1\"/></svg>",
		    s[i].colour);
		h_cstr(o, s[i].label);
		h_str(o, "</li>");
	}
	h_str(o, "</ul>\n</figure>\n");
}

void
svg_label(struct out *o, int x, int y, const char *anchor, const char *s)
{
	h_fmt(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">", x, y, anchor);
	h_cstr(o, s);
	h_str(o, "</text>\n");
}

void
svg_money_label(struct out *o, int x, int y, const char *anchor,
    int64_t minor, int exponent, int64_t step)
{
	h_fmt(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">", x, y, anchor);
	if (step % money_unit(exponent) == 0)
		h_money_whole(o, minor, exponent);
	else
		h_money(o, minor, exponent);
	h_str(o, "</text>\n");
}

/* A bar, its exact figure in a tooltip (<title>, no script needed). */
void
svg_rect(struct out *o, int x, int y, int w, int h, const char *fill,
    const char *tip)
{
	h_fmt(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"%s\">", x, y, w, h, fill);
	if (tip != NULL) {
		h_str(o, "<title>");
		h_cstr(o, tip);
		h_str(o, "</title>");
	}
	h_str(o, "</rect>\n");
}

/* The last tick: one more step would pass the axis (or overflow int64). */
static int
last_tick(int64_t v, int64_t axis_max, int64_t step)
{
	return v > axis_max - step;
}

static void
line(struct out *o, int x1, int y1, int x2, int y2)
{
	h_fmt(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#ccc\"/>\n", x1, y1, x2, y2);
}

/*
 * Grid lines at each step across the plot x0..x0+width, y0..y0+height,
 * money labels under it (SVG_ACROSS: the value runs along x) or left of it
 * (SVG_UP: the value runs up y).
 */
void
svg_axis(struct out *o, enum svg_direction dir, int x0, int width, int y0,
    int height, int64_t axis_max, int64_t step, int exponent)
{
	int64_t v;
	int at;

	for (v = 0; v <= axis_max; v += step) {
		if (dir == SVG_ACROSS) {
			at = x0 + svg_scale(v, axis_max, width);
			line(o, at, y0, at, y0 + height);
			svg_money_label(o, at, y0 + height + 14,
			    v == 0 ? "start" : last_tick(v, axis_max, step) ?
			    "end" : "middle", v, exponent, step);
		} else {
			at = y0 + height - svg_scale(v, axis_max, height);
			line(o, x0, at, x0 + width, at);
			svg_money_label(o, x0 - 6, at + 4, "end", v, exponent,
			    step);
		}
		if (last_tick(v, axis_max, step))
			break;
	}
}

/* The axis end: max rounded up to a whole number of steps. */
int64_t
svg_axis_max(int64_t max, int64_t step)
{
	if (max <= 0)
		return step;
	if (max / step >= INT64_MAX / step - 1)
		return max;
	return (max / step + (max % step != 0)) * step;
}
