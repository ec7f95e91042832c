/*
 * Table tests for lib/ parsers: testdata/lib/NAME.tsv holds lines of
 * arg<TAB>...<TAB>expected (TSV escapes apply; '#' lines are comments).
 * table_NAME turns the args into a result string compared with expected.
 */
#ifndef TABLE_H
#define TABLE_H
#include <stddef.h>

typedef void table_fn(int argc, char **argv, char *result, size_t size);

/* Weak, so libtable links with whichever tables_*.c are built; a table
 * file whose function is missing fails as "no such table". */
#define TABLE(name)	table_fn name __attribute__((weak))

TABLE(table_money);
TABLE(table_csv);
TABLE(table_strset);
TABLE(table_date);
TABLE(table_memo);
TABLE(table_phone);
TABLE(table_email);
TABLE(table_name);
TABLE(table_rules);
TABLE(table_redact);

#endif
