/*
 * Dates as day numbers (days since 1970-01-01, proleptic Gregorian), so that
 * "days past due" is a subtraction.  Years 1000-9999 only: exports with
 * two-digit years are rejected, never guessed.
 */
#ifndef DATE_H
#define DATE_H
#include <stddef.h>
#include <stdint.h>

#define DATE_TEXT_MAX	11	/* "YYYY-MM-DD" and NUL */

/* How to read NN/NN/YYYY; DATE_ORDER_NONE rejects it as ambiguous. */
enum date_order { DATE_ORDER_NONE, DATE_ORDER_YMD, DATE_ORDER_MDY, DATE_ORDER_DMY };

/*
 * Every form SPEC 2 lists: YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD, DD-Mon-YYYY,
 * DD Mon YYYY, Mon DD, YYYY, Month DD, YYYY, and NN/NN/YYYY, NN-NN-YYYY,
 * NN.NN.YYYY by order (dotted defaults to dmy).  Returns 0, or -1 with
 * *errstr set ("invalid date", "ambiguous date", "two-digit year").
 */
int	date_parse(const char *s, size_t len, enum date_order order,
	    int32_t *day, const char **errstr);

/* Strict YYYY-MM-DD, as the filters write it. */
int	date_parse_iso(const char *s, size_t len, int32_t *day);
/* The date a directory is named by ("nights/2026-03-04/"): 0, or -1. */
int	date_of_dir(const char *path, int32_t *day);

/* Writes "YYYY-MM-DD" (10 bytes, NUL-terminated); returns 10. */
size_t	date_format(char *buf, int32_t day);

int	date_valid(int year, int month, int mday);
int32_t	date_from_ymd(int year, int month, int mday);
void	date_to_ymd(int32_t day, int *year, int *month, int *mday);

/* Today in local time. */
int32_t	date_today(void);

#endif
