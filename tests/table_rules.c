/*
 * Table tests of the rules language (testdata/lib/rules.tsv):
 *   rules-text <TAB> expected
 *	parses the text: "ok", or "LINE:COLUMN: message" for a bad file;
 *   rules-text <TAB> facts <TAB> expected
 *	judges one account: "stage rule [notify]: reason";
 *   rules-text <TAB> bound RULE FIELD <TAB> expected
 *	the lower bound RULE puts on FIELD (rules_lower_bound), or "none".
 * Facts are name=value words: money in the currency's canonical form,
 * dates YYYY-MM-DD, yes/no fields 1 or 0; currency (default USD) and as_of
 * (default 2026-03-01) too.  A field not given is empty (money: 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "currency.h"
#include "date.h"
#include "money.h"
#include "rules.h"
#include "table.h"

static int
set_fact(struct rules_facts *f, const char *name, const char *value)
{
	const char *errstr;
	int32_t day;
	int i;

	if (strcmp(name, "as_of") == 0)
		return date_parse_iso(value, strlen(value), &f->as_of);
	for (i = 0; i < RULES_NFIELDS; i++)
		if (strcmp(rules_field_name(i), name) == 0)
			break;
	if (i == RULES_NFIELDS)
		return -1;
	f->field[i].set = 1;
	f->field[i].s = value;
	f->field[i].len = strlen(value);
	if (i <= RULES_BAL_120_PLUS)
		return money_parse_plain(value, strlen(value), f->exponent,
		    &f->field[i].n, &errstr);
	if (i >= RULES_PROMISE_TO_PAY_DATE && i <= RULES_CUSTOMER_SINCE) {
		if (date_parse_iso(value, strlen(value), &day) < 0)
			return -1;
		f->field[i].n = day;
	} else if (i < RULES_CURRENCY)
		f->field[i].n = strtoll(value, NULL, 10);
	return 0;
}

/* Space-separated name=value words into facts; the currency goes first. */
static int
read_facts(char *spec, struct rules_facts *f)
{
	const struct currency *cur;
	char *word, *eq, *c;
	int i;

	memset(f, 0, sizeof(*f));
	f->as_of = date_from_ymd(2026, 3, 1);
	f->currency = "USD";
	if ((c = strstr(spec, "currency=")) != NULL)
		f->currency = strndup(c + 9, 3);
	cur = currency_find(f->currency, 3);
	f->exponent = cur ? cur->exponent : 2;
	for (i = 0; i <= RULES_BAL_120_PLUS; i++)
		f->field[i].set = 1;
	for (word = strtok(spec, " "); word; word = strtok(NULL, " ")) {
		if ((eq = strchr(word, '=')) == NULL)
			return -1;
		*eq = '\0';
		if (set_fact(f, word, eq + 1) < 0)
			return -1;
	}
	return 0;
}

/* "RULE FIELD": the bound, or "none". */
static void
table_bound(const struct rules *rs, char *spec, char *result, size_t size)
{
	char *field = strchr(spec, ' ');
	int64_t bound;
	int i;

	if (field == NULL) {
		snprintf(result, size, "bad bound");
		return;
	}
	*field++ = '\0';
	for (i = 0; i < RULES_NFIELDS; i++)
		if (strcmp(rules_field_name(i), field) == 0)
			break;
	if (i == RULES_NFIELDS)
		snprintf(result, size, "bad field");
	else if (rules_lower_bound(rs, spec, i, &bound))
		snprintf(result, size, "%lld", (long long)bound);
	else
		snprintf(result, size, "none");
}

void
table_rules(int argc, char **argv, char *result, size_t size)
{
	struct rules_error error;
	struct rules_verdict v;
	struct rules_facts f;
	struct rules *rs;
	int own_currency;

	rs = rules_parse(argv[0], strlen(argv[0]), &error);
	if (rs == NULL) {
		snprintf(result, size, "%d:%d: %s", error.line, error.column,
		    error.message);
		return;
	}
	if (argc < 2) {
		snprintf(result, size, "ok");
		rules_free(rs);
		return;
	}
	if (strncmp(argv[1], "bound ", 6) == 0) {
		table_bound(rs, argv[1] + 6, result, size);
		rules_free(rs);
		return;
	}
	own_currency = strstr(argv[1], "currency=") != NULL;
	if (read_facts(argv[1], &f) < 0)
		snprintf(result, size, "bad facts");
	else {
		rules_judge(rs, &f, &v, NULL);
		snprintf(result, size, "%s %s%s%s: %s", v.stage, v.rule,
		    v.notify[0] ? " " : "", v.notify, v.reason);
	}
	if (own_currency)
		free((char *)f.currency);
	rules_free(rs);
}
