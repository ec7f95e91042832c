/*
 * night-report's parts: reader.c reads a TSV file by column name, read.c
 * gathers tonight and the trend from the night directories, html.c writes
 * escaped text, money and tables, svg.c draws the charts; sections.c
 * (tonight), moves.c, trend.c and extra.c (stage-outcomes' files) write
 * the sections.
 * Money is int64_t minor units throughout; chart geometry is integer.
 */
#ifndef NIGHT_REPORT_H
#define NIGHT_REPORT_H
#include <stddef.h>
#include <stdint.h>

#include "out.h"
#include "rejects.h"

#define NR_PROG		"night-report"
#define NR_BUCKETS	6
#define NR_MOVED_SHOWN	50	/* accounts listed by name; then "and N more" */

extern const char *const nr_bucket_names[NR_BUCKETS];	/* 1-30 ... */
extern const char *const nr_bucket_columns[NR_BUCKETS];	/* bal_current ... */

struct nr_night {
	const char	*dir;
	int32_t		 day;
};

/* Tonight's headline figures of one currency. */
struct nr_currency {
	char		 code[4];
	int		 exponent;
	long		 accounts;	/* staged with an open balance */
	int64_t		 open;
	long		 collections;
	int64_t		 collections_balance;
	long		 placed, recalled, updated;
	int64_t		 placed_balance, recalled_balance;
	long		 paid;		/* accounts with money applied */
	int64_t		 applied;
	long		 moved;
};

/* One stage in one currency tonight. */
struct nr_cell {
	const char	*stage;
	char		 currency[4];
	long		 accounts;
	int64_t		 open;
	int64_t		 bucket[NR_BUCKETS];
};

/* Tonight's changes from one stage to another, in one currency. */
struct nr_move {
	const char	*from, *to;
	char		 currency[4];
	long		 accounts;
	int64_t		 balance;
};

/* One stage change tonight (events.tsv), with staged.tsv's name. */
struct nr_event {
	char		*customer_id;
	char		*name;
	const char	*from, *to, *rule;
	char		 currency[4];
	int64_t		 balance;
	long		 max_dpd;	/* LONG_MIN: not in staged.tsv */
};

/* A summary.tsv figure of one night: stage (NULL: total) and currency. */
struct nr_point {
	int32_t		 day;
	const char	*stage;
	char		 currency[4];
	long		 count;
	int64_t		 amount;
};

struct nr_report {
	const char	*title;
	int32_t		 as_of;
	struct nr_night	 tonight;
	struct nr_currency *currencies;
	size_t		 ncurrencies;
	struct nr_cell	*cells;
	size_t		 ncells;
	struct nr_move	*moves;
	size_t		 nmoves;
	struct nr_event	*events;
	size_t		 nevents;
	struct nr_point	*points;
	size_t		 npoints;
	int32_t		*trend_days;	/* nights of the trend, oldest first */
	size_t		 ntrend;
	long		 trend_wanted;
	const char	*outcomes, *delays, *rolls, *agency;
	struct rejects	*rj;
	char		**strings;	/* interned stage and rule names */
	size_t		 nstrings;
};

/* read.c */
const char *nr_intern(struct nr_report *r, const char *s, size_t len);
struct nr_currency *nr_currency(struct nr_report *r, const char *code);
int	nr_exponent(const struct nr_report *r, const char *code);
int	nr_stage_rank(const char *stage);
int	nr_stage_cmp(const char *a, const char *b);	/* ladder, then name */
void	nr_read_tonight(struct nr_report *r);
void	nr_read_trend(struct nr_report *r, const struct nr_night *nights,
	    size_t n);
void	nr_free(struct nr_report *r);

/* A reader over one TSV file, rows by column name (reader.c). */
struct nr_reader;
struct nr_reader *nr_open(const char *path, struct rejects *rj);
int	nr_next(struct nr_reader *rd);
int	nr_column(struct nr_reader *rd, const char *name, int required);
/* Field of column i (-1: empty), unescaped; valid until the next row. */
const char *nr_value(struct nr_reader *rd, int i, size_t *len);
/* Fields parsed: 0, or -1 with the row rejected (file:line: column). */
int	nr_read_currency(struct nr_reader *rd, int i, char code[4],
	    int *exponent);
int	nr_read_money(struct nr_reader *rd, int i, const char *name,
	    int exponent, int64_t *minor);
/* A whole number >= min in column i; -1 (rejected) if not. */
int	nr_count(struct nr_reader *rd, int i, const char *name, long min,
	    long *n);
void	nr_reject(struct nr_reader *rd, const char *column, const char *reason,
	    const char *s, size_t len);
void	nr_close(struct nr_reader *rd);

/* html.c: markup, escaped text, numbers */
void	h_str(struct out *o, const char *s);
void	h_fmt(struct out *o, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	h_text(struct out *o, const char *s, size_t len);
void	h_cstr(struct out *o, const char *s);
void	h_count(struct out *o, int64_t n);
void	h_money(struct out *o, int64_t minor, int exponent);
void	h_money_whole(struct out *o, int64_t minor, int exponent);
void	h_permille(struct out *o, long permille);
long	h_share(long part, long whole);	/* per mille, half up */
void	h_stage(struct out *o, const char *stage);
void	h_td(struct out *o, const char *s);
void	h_td_stage(struct out *o, const char *stage);
void	h_td_count(struct out *o, int64_t n);
void	h_td_money(struct out *o, int64_t minor, int exponent);
void	h_td_permille(struct out *o, long permille);
void	h_head(struct out *o, const char *title, int32_t day);
void	h_tail(struct out *o);
void	h_section(struct out *o, const char *id, const char *title);
void	h_table_open(struct out *o, const char *caption,
	    const char *const *headings, const char *numeric);
void	h_table_close(struct out *o);
/* A table of a TSV file's columns, by name: kinds t(ext) n(umber) m(oney) */
struct h_column {
	const char	*name;
	const char	*heading;
	char		 kind;
};
void	h_tsv_table(struct out *o, const char *path, const char *caption,
	    const struct h_column *cols, size_t ncols, struct rejects *rj);

/* svg.c: charts on a 640-unit-wide viewBox */
#define SVG_WIDTH	640
struct svg_series {
	const char	*label;
	const char	*colour;
};
const char *svg_stage_colour(const char *stage);
extern const char *const svg_bucket_colours[NR_BUCKETS];
int	svg_scale(int64_t value, int64_t max, int pixels);
int64_t	svg_step(int64_t max, int64_t unit, int ticks);
void	svg_open(struct out *o, int height, const char *title);
void	svg_close(struct out *o);
void	svg_legend(struct out *o, const struct svg_series *s, size_t n);
void	svg_label(struct out *o, int x, int y, const char *anchor,
	    const char *s);
void	svg_money_label(struct out *o, int x, int y, const char *anchor,
	    int64_t minor, int exponent, int64_t step);
void	svg_rect(struct out *o, int x, int y, int w, int h, const char *fill,
	    const char *tip);
enum svg_direction { SVG_ACROSS, SVG_UP };
void	svg_axis(struct out *o, enum svg_direction dir, int x0, int width,
	    int y0, int height, int64_t axis_max, int64_t step, int exponent);
int64_t	svg_axis_max(int64_t max, int64_t step);

/* sections.c, extra.c */
void	nr_headline(struct out *o, const struct nr_report *r);
void	nr_buckets(struct out *o, const struct nr_report *r);
void	nr_funnel(struct out *o, const struct nr_report *r);
/* nr_movements sorts r->moves */
void	nr_movements(struct out *o, struct nr_report *r);
void	nr_trend(struct out *o, const struct nr_report *r);
void	nr_recovery(struct out *o, struct nr_report *r);
void	nr_optional_tables(struct out *o, const struct nr_report *r);
void	nr_check_inputs(const struct nr_report *r);	/* columns, up front */

#endif
