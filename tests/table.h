/*
 * Table tests for lib/ parsers: testdata/lib/NAME.tsv holds lines of
 * arg<TAB>...<TAB>expected (TSV escapes apply; '#' lines are comments).
 * table_NAME turns the args into a result string compared with expected.
 */
#ifndef TABLE_H
#define TABLE_H
#include <stddef.h>

typedef void table_fn(int argc, char **argv, char *result, size_t size);

table_fn table_money;
table_fn table_date;

#endif
