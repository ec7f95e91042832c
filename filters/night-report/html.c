/*
 * night-report's HTML: the page around the sections, tables, and every
 * piece of text from the data escaped (& < > " ') so a customer named
 * <b>Smith & "Sons"</b> is shown, never obeyed.  Numbers are grouped by
 * thousands by hand (never through the locale), money from minor units.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "currency.h"
#include "date.h"
#include "money.h"

#include "night-report.h"

/* Inline only: the page fetches nothing, and prints without backgrounds. */
static const char style[] =
":root{color-scheme:light}\n"
"body{margin:0;font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
"Arial,sans-serif;color:#111;background:#fff}\n"
"main{max-width:62rem;margin:0 auto;padding:0 1rem 2rem}\n"
"h1{font-size:1.5rem;margin:1rem 0 .2rem}\n"
"h2{font-size:1.2rem;margin:2rem 0 .5rem;padding-bottom:.2rem;"
"border-bottom:1px solid #888}\n"
"h3{font-size:1rem;margin:1.2rem 0 .4rem}\n"
"p{margin:.3rem 0}\n"
".note{color:#444}\n"
"figure{margin:.5rem 0 .6rem}\n"
"svg.chart{display:block;width:100%;max-width:46rem;height:auto}\n"
"svg.chart text{font-size:12px;fill:#111}\n"
"@media (max-width:30rem){svg.chart text{font-size:14px}}\n"
"ul.legend{list-style:none;margin:.3rem 0 0;padding:0;font-size:.85rem}\n"
"ul.legend li{display:inline-block;margin:0 1rem .2rem 0;white-space:nowrap}\n"
"svg.sw{width:.8em;height:.8em;vertical-align:-.05em;margin-right:.3em}\n"
".tw{overflow-x:auto;margin:0 0 1rem}\n"
"table{border-collapse:collapse;font-size:.85rem}\n"
"caption{text-align:left;font-weight:600;padding:.2rem 0}\n"
"th,td{padding:.2rem .5rem;border-bottom:1px solid #ccc;text-align:left;"
"white-space:nowrap}\n"
"thead th{border-bottom:2px solid #666}\n"
".n{text-align:right;font-variant-numeric:tabular-nums}\n"
"dl.figures{display:grid;grid-template-columns:repeat(auto-fill,"
"minmax(10rem,1fr));gap:.5rem;margin:.5rem 0}\n"
"dl.figures div{border:1px solid #bbb;padding:.4rem .6rem}\n"
"dt{font-size:.8rem;color:#444}\n"
"dd{margin:0;font-size:1.1rem;font-weight:600;font-variant-numeric:"
"tabular-nums}\n"
"@media print{body{font-size:10pt}main{max-width:none;padding:0}"
"figure,dl.figures,tr,.tw{break-inside:avoid}.tw{overflow:visible}"
"h2,h3{break-after:avoid}}\n";

void
h_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

/* Markup with numbers in it; never data text, which goes through h_text. */
void
h_fmt(struct out *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		errx(EX_SOFTWARE, "markup longer than %zu bytes", sizeof(buf));
	out_bytes(o, buf, n);
}

void
h_text(struct out *o, const char *s, size_t len)
{
	const char *end = s + len, *run = s, *entity;

	for (; s < end; s++) {
		switch (*s) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		default: continue;
		}
		out_bytes(o, run, s - run);
		h_str(o, entity);
		run = s + 1;
	}
	out_bytes(o, run, end - run);
}

void
h_cstr(struct out *o, const char *s)
{
	h_text(o, s, strlen(s));
}

/* Digits of text grouped by thousands: "-1234567.89" to "-1,234,567.89". */
static void
group(struct out *o, const char *text)
{
	size_t digits, i;

	if (*text == '-')
		out_char(o, *text++);
	digits = strcspn(text, ".");
	for (i = 0; i < digits; i++) {
		if (i > 0 && (digits - i) % 3 == 0)
			out_char(o, ',');
		out_char(o, text[i]);
	}
	h_str(o, text + digits);
}

void
h_count(struct out *o, int64_t n)
{
	char text[MONEY_TEXT_MAX];

	money_format(text, n, 0);
	group(o, text);
}

void
h_money(struct out *o, int64_t minor, int exponent)
{
	char text[MONEY_TEXT_MAX];

	money_format(text, minor, exponent);
	group(o, text);
}

/* A whole-unit money label (axis ticks): the minor digits cut off. */
void
h_money_whole(struct out *o, int64_t minor, int exponent)
{
	char text[MONEY_TEXT_MAX];

	money_format(text, minor / money_unit(exponent) * money_unit(exponent),
	    exponent);
	text[strcspn(text, ".")] = '\0';
	group(o, text);
}

long
h_share(long part, long whole)
{
	if (whole <= 0)
		return 0;
	return (long)(((int64_t)part * 2000 + whole) / ((int64_t)whole * 2));
}

void
h_permille(struct out *o, long permille)
{
	h_fmt(o, "%ld.%ld%%", permille / 10, permille % 10);
}

/* A stage name from the data; a first event comes from no stage. */
void
h_stage(struct out *o, const char *stage)
{
	if (stage == NULL || *stage == '\0')
		h_str(o, "(new)");
	else
		h_cstr(o, stage);
}

/* Table cells: text (escaped) left, numbers right. */
void
h_td(struct out *o, const char *s)
{
	h_str(o, "<td>");
	h_cstr(o, s);
	h_str(o, "</td>");
}

void
h_td_stage(struct out *o, const char *stage)
{
	h_str(o, "<td>");
	h_stage(o, stage);
	h_str(o, "</td>");
}

void
h_td_count(struct out *o, int64_t n)
{
	h_str(o, "<td class=\"n\">");
	h_count(o, n);
	h_str(o, "</td>");
}

void
h_td_money(struct out *o, int64_t minor, int exponent)
{
	h_str(o, "<td class=\"n\">");
	h_money(o, minor, exponent);
	h_str(o, "</td>");
}

void
h_td_permille(struct out *o, long permille)
{
	h_str(o, "<td class=\"n\">");
	h_permille(o, permille);
	h_str(o, "</td>");
}

void
h_head(struct out *o, const char *title, int32_t day)
{
	char date[DATE_TEXT_MAX];

	date_format(date, day);
	h_str(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>");
	h_cstr(o, title);
	h_fmt(o, " \xe2\x80\x94 %s</title>\n<style>\n", date);
	h_str(o, style);
	h_str(o, "</style>\n</head>\n<body>\n<main>\n<h1>");
	h_cstr(o, title);
	h_fmt(o, "</h1>\n<p class=\"note\">Night of %s</p>\n", date);
}

void
h_tail(struct out *o)
{
	h_str(o, "</main>\n</body>\n</html>\n");
}

void
h_section(struct out *o, const char *id, const char *title)
{
	h_fmt(o, "<section id=\"%s\">\n<h2>", id);
	h_cstr(o, title);
	h_str(o, "</h2>\n");
}

/* numeric: one letter per heading, 'n' for a right-aligned column. */
void
h_table_open(struct out *o, const char *caption, const char *const *headings,
    const char *numeric)
{
	size_t i;

	h_str(o, "<div class=\"tw\"><table>\n<caption>");
	h_cstr(o, caption);
	h_str(o, "</caption>\n<thead><tr>");
	for (i = 0; headings[i] != NULL; i++) {
		h_str(o, numeric[i] == 'n' ? "<th class=\"n\">" : "<th>");
		h_cstr(o, headings[i]);
		h_str(o, "</th>");
	}
	h_str(o, "</tr></thead>\n<tbody>\n");
}

void
h_table_close(struct out *o)
{
	h_str(o, "</tbody></table></div>\n");
}

static void
tsv_cell(struct out *o, struct nr_reader *rd, const struct h_column *col,
    int index, int exponent)
{
	const char *s, *errstr;
	size_t len;
	int64_t minor;

	s = nr_value(rd, index, &len);
	h_str(o, col->kind == 't' ? "<td>" : "<td class=\"n\">");
	if (col->kind == 'm' && exponent >= 0 && len > 0 &&
	    money_parse_plain(s, len, exponent, &minor, &errstr) == 0)
		h_money(o, minor, exponent);
	else {
		if (col->kind == 'm' && len > 0)
			nr_reject(rd, col->name, exponent < 0 ?
			    "amount without a known currency" : errstr, s, len);
		h_text(o, s, len);
		if (col->kind == 'p' && len > 0)
			h_str(o, "%");
	}
	h_str(o, "</td>");
}

/* The rows of a stage-outcomes file as they are, columns by name. */
void
h_tsv_table(struct out *o, const char *path, const char *caption,
    const struct h_column *cols, size_t ncols, struct rejects *rj)
{
	struct nr_reader *rd = nr_open(path, rj);
	const struct currency *c;
	int index[32], c_cur = nr_column(rd, "currency", 1), exponent;
	const char *s;
	size_t i, len, rows = 0;

	h_str(o, "<div class=\"tw\"><table>\n<caption>");
	h_cstr(o, caption);
	h_str(o, "</caption>\n<thead><tr>");
	for (i = 0; i < ncols && i < 32; i++) {
		index[i] = nr_column(rd, cols[i].name, 1);
		h_str(o, cols[i].kind == 't' ? "<th>" : "<th class=\"n\">");
		h_cstr(o, cols[i].heading);
		h_str(o, "</th>");
	}
	h_str(o, "</tr></thead>\n<tbody>\n");
	while (nr_next(rd)) {
		s = nr_value(rd, c_cur, &len);
		c = len == 3 ? currency_find(s, len) : NULL;
		exponent = c ? c->exponent : -1;
		h_str(o, "<tr>");
		for (i = 0; i < ncols && i < 32; i++)
			tsv_cell(o, rd, &cols[i], index[i], exponent);
		h_str(o, "</tr>\n");
		rows++;
	}
	if (rows == 0)
		h_fmt(o, "<tr><td colspan=\"%zu\">none</td></tr>\n", ncols);
	nr_close(rd);
	h_table_close(o);
}
