/*
 * The rules language of stage-assign: a plain text file a finance lead
 * reads and edits.  Ordered stage rules (the first that matches sets stage,
 * owner, action and outreach), notify rules (every one that matches adds a
 * recipient), named per-currency amounts.  rules_parse compiles the text;
 * rules_judge applies it to the facts of one account.  Money is compared in
 * integer minor units: a plain number is whole major units of the account's
 * currency, scaled by its exponent; "10000.00 USD" is an amount in one
 * currency only.  The grammar is in man/stage-assign.1.
 */
#ifndef RULES_H
#define RULES_H
#include <stddef.h>
#include <stdint.h>

/* The fields a condition can test; the filter fills in their values. */
enum rules_field {
	/* money, in minor units of the account's currency */
	RULES_OPEN_BALANCE, RULES_DISPUTED_BALANCE, RULES_BAL_CURRENT,
	RULES_BAL_1_30, RULES_BAL_31_60, RULES_BAL_61_90, RULES_BAL_91_120,
	RULES_BAL_120_PLUS,
	/* whole numbers */
	RULES_MAX_DPD, RULES_SILENT_DAYS, RULES_INVOICE_COUNT,
	RULES_DISPUTED_COUNT,
	/* dates, as day numbers */
	RULES_PROMISE_TO_PAY_DATE, RULES_LAST_RESPONSE_DATE,
	RULES_LAST_PAYMENT_DATE, RULES_OLDEST_DUE_DATE, RULES_CUSTOMER_SINCE,
	/* yes or no */
	RULES_PENDING_PAYMENT, RULES_ALL_DISPUTED,
	/* names */
	RULES_CURRENCY, RULES_PREVIOUS_STAGE, RULES_RETRY_STATUS,
	RULES_STAGE, RULES_OWNER, RULES_ACTION, RULES_OUTREACH,
	/* comma-separated tokens */
	RULES_FLAGS,
	RULES_NFIELDS
};

/* One field's value: n for numbers, money, dates and yes/no, s for text. */
struct rules_value {
	int		 set;		/* 0: empty (never responded, no promise) */
	int64_t		 n;
	const char	*s;
	size_t		 len;
};

struct rules_facts {
	struct rules_value field[RULES_NFIELDS];
	const char	*currency;	/* ISO code of the account */
	int		 exponent;	/* its minor digits */
	int32_t		 as_of;
};

#define RULES_REASON_MAX	512
#define RULES_NOTIFY_MAX	256

/* What the rules decided for one account. */
struct rules_verdict {
	const char	*rule;		/* the stage rule that matched, or "none" */
	const char	*stage;
	const char	*owner;
	const char	*action;
	const char	*outreach;
	char		 reason[RULES_REASON_MAX];	/* why, with the values */
	char		 notify[RULES_NOTIFY_MAX];	/* comma-separated */
};

/* Where a rules file is wrong, and a hint how to put it right. */
struct rules_error {
	int	 line;
	int	 column;
	char	 message[384];
	const char *path;	/* rules_load's file, or "<built-in rules>" */
};

/* Text of every rule tried, for --explain; grows as needed. */
struct rules_trace {
	char	*text;
	size_t	 len;
	size_t	 size;
};

struct rules;

/* Compile rules text; NULL with *error filled in if it is not valid. */
struct rules *rules_parse(const char *text, size_t len, struct rules_error *error);
void	rules_free(struct rules *rs);

/*
 * The rules in file PATH ("-": stdin), or with PATH NULL the built-in
 * default rules (rules/default.rules).  NULL on failure, error->path
 * naming them: error->line 0 and errno set when the file could not be
 * read, else where the text is wrong.
 */
struct rules *rules_load(const char *path, struct rules_error *error);

/*
 * Judge one account: stage rules in order, then every notify rule (which
 * see the stage, owner, action and outreach just chosen: judge sets those
 * fields in facts).  With trace non-NULL, appends one line per rule tried.
 * When no stage rule matches, the account stays current with rule "none".
 */
void	rules_judge(const struct rules *rs, struct rules_facts *facts,
	    struct rules_verdict *verdict, struct rules_trace *trace);

/*
 * The least value the stage or notify rule named rule lets a whole-number
 * or date field take, from comparisons with a written value: 61 for
 * "max_dpd >= 61 and ...", 31 for "max_dpd between 31 and 60".  "and" takes
 * the larger bound of its sides, "or" the smaller when both sides have one;
 * "not" and amounts give none.  1 with *bound set; 0 when the rule puts no
 * lower bound on field or there is no such rule.
 */
int	rules_lower_bound(const struct rules *rs, const char *rule,
	    enum rules_field field, int64_t *bound);

/* The name of a field as rules files write it. */
const char *rules_field_name(enum rules_field field);

#endif
