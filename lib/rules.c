/*
 * The rules language of stage-assign.  A rules file is tokenized whole
 * (it is small), parsed by recursive descent into condition trees, and
 * every error names the line and column of the token at fault with a hint.
 * Judging an account evaluates the trees; the words of a reason are
 * rendered afterwards, only for the rule that matched (and, for --explain,
 * for every rule tried), so the per-account cost stays a few comparisons.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "currency.h"
#include "date.h"
#include "ealloc.h"
#include "money.h"
#include "rules.h"

enum type { T_MONEY, T_NUMBER, T_DATE, T_BOOL, T_NAME, T_FLAGS };

static const struct {
	const char	*name;
	enum type	 type;
	int		 judged;	/* set by the stage rules: notify only */
} fields[RULES_NFIELDS] = {
	[RULES_OPEN_BALANCE] =		{ "open_balance", T_MONEY, 0 },
	[RULES_DISPUTED_BALANCE] =	{ "disputed_balance", T_MONEY, 0 },
	[RULES_BAL_CURRENT] =		{ "bal_current", T_MONEY, 0 },
	[RULES_BAL_1_30] =		{ "bal_1_30", T_MONEY, 0 },
	[RULES_BAL_31_60] =		{ "bal_31_60", T_MONEY, 0 },
	[RULES_BAL_61_90] =		{ "bal_61_90", T_MONEY, 0 },
	[RULES_BAL_91_120] =		{ "bal_91_120", T_MONEY, 0 },
	[RULES_BAL_120_PLUS] =		{ "bal_120_plus", T_MONEY, 0 },
	[RULES_MAX_DPD] =		{ "max_dpd", T_NUMBER, 0 },
	[RULES_SILENT_DAYS] =		{ "silent_days", T_NUMBER, 0 },
	[RULES_INVOICE_COUNT] =		{ "invoice_count", T_NUMBER, 0 },
	[RULES_DISPUTED_COUNT] =	{ "disputed_count", T_NUMBER, 0 },
	[RULES_PROMISE_TO_PAY_DATE] =	{ "promise_to_pay_date", T_DATE, 0 },
	[RULES_LAST_RESPONSE_DATE] =	{ "last_response_date", T_DATE, 0 },
	[RULES_LAST_PAYMENT_DATE] =	{ "last_payment_date", T_DATE, 0 },
	[RULES_OLDEST_DUE_DATE] =	{ "oldest_due_date", T_DATE, 0 },
	[RULES_CUSTOMER_SINCE] =	{ "customer_since", T_DATE, 0 },
	[RULES_PENDING_PAYMENT] =	{ "pending_payment", T_BOOL, 0 },
	[RULES_ALL_DISPUTED] =		{ "all_disputed", T_BOOL, 0 },
	[RULES_CURRENCY] =		{ "currency", T_NAME, 0 },
	[RULES_PREVIOUS_STAGE] =	{ "previous_stage", T_NAME, 0 },
	[RULES_RETRY_STATUS] =		{ "retry_status", T_NAME, 0 },
	[RULES_STAGE] =			{ "stage", T_NAME, 1 },
	[RULES_OWNER] =			{ "owner", T_NAME, 1 },
	[RULES_ACTION] =		{ "action", T_NAME, 1 },
	[RULES_OUTREACH] =		{ "outreach", T_NAME, 1 },
	[RULES_FLAGS] =			{ "flags", T_FLAGS, 0 },
};

static const char *const outreaches[] = { "allowed", "paused", "agency", "frozen" };

static const char *const keywords[] = {
	"stage", "notify", "amount", "when", "then", "and", "or", "not",
	"has", "any", "all", "of", "between", "is", "empty", "in", "always",
	"as_of", "days", "day",
};

/* ---- tokens ---- */

enum tok { K_END, K_WORD, K_NUMBER, K_DATE, K_STRING, K_OP, K_LPAREN,
	K_RPAREN, K_COMMA, K_PLUS, K_MINUS };
enum op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE };
static const char *const op_text[] = { "<", "<=", ">", ">=", "=", "!=" };
static const enum op op_negated[] = { OP_GE, OP_GT, OP_LE, OP_LT, OP_NE, OP_EQ };

struct token {
	enum tok	 kind;
	enum op		 op;
	const char	*s;
	size_t		 len;
	int		 line, column;
};

/* ---- the compiled rules ---- */

struct literal {		/* an amount as written: digits and decimals */
	int64_t	 digits;
	int	 decimals;
	char	 currency[4];	/* "" = major units of the account's currency */
};

struct amount {
	char		*name;
	int		 has_default;
	struct literal	 fallback;
	struct literal	*per;	/* per currency, exact minor units */
	size_t		 nper;
};

enum operand_kind { V_NUMBER, V_MONEY, V_AMOUNT, V_DATE, V_AS_OF, V_NAME };

struct operand {
	enum operand_kind	 kind;
	int64_t			 n;	/* number, day, as_of offset */
	struct literal		 money;
	const struct amount	*amount;
	char			*name;
};

enum node_kind { N_AND, N_OR, N_NOT, N_ALWAYS, N_COMPARE, N_BETWEEN,
	N_IN, N_FLAGS, N_BOOL, N_EMPTY };

struct node {
	enum node_kind	 kind;
	struct node	*left, *right;
	enum rules_field field;
	enum op		 op;
	int		 negate;	/* N_IN: not in; N_EMPTY: is not empty */
	int		 all;		/* N_FLAGS: all of, else any of */
	struct operand	 lo, hi;
	char		**names;
	size_t		 nnames;
};

struct rule {
	char		*name;
	int		 notify;	/* a notify rule, else a stage rule */
	struct node	*when;
	char		*stage, *owner, *action, *outreach, *target;
};

struct rules {
	struct rule	*rule;
	size_t		 nrules;
	struct amount	**amount;	/* each kept: rules point at them */
	size_t		 namounts;
	void		**allocs;	/* everything below, freed together */
	size_t		 nallocs, allocs_size;
};

struct parser {
	struct rules		*rs;
	struct token		*tok;
	size_t			 ntok, pos;
	struct rules_error	*error;
	int			 notify;	/* parsing a notify rule */
};

static void *
keep(struct rules *rs, void *p)
{
	if (rs->nallocs == rs->allocs_size) {
		rs->allocs_size = rs->allocs_size ? rs->allocs_size * 2 : 64;
		rs->allocs = ereallocarray(rs->allocs, rs->allocs_size,
		    sizeof(*rs->allocs));
	}
	rs->allocs[rs->nallocs++] = p;
	return p;
}

static char *
keep_text(struct rules *rs, const char *s, size_t len)
{
	return keep(rs, estrndup(s, len));
}

/* ---- errors ---- */

static int
fail_at(struct rules_error *e, int line, int column, const char *fmt, ...)
{
	va_list ap;

	e->line = line;
	e->column = column;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
token_name(const struct token *t)
{
	switch (t->kind) {
	case K_END:
		return "end of file";
	case K_STRING:
		return "a quoted name";
	default:
		return NULL;
	}
}

/* An error at token t: reason "value"; hint. */
static int
fail(struct parser *p, const struct token *t, const char *reason,
    const char *hint)
{
	const char *name = token_name(t);

	if (name)
		return fail_at(p->error, t->line, t->column, "%s %s%s%s", reason,
		    name, hint ? "; " : "", hint ? hint : "");
	return fail_at(p->error, t->line, t->column, "%s \"%.*s\"%s%s", reason,
	    (int)(t->len > 60 ? 60 : t->len), t->s, hint ? "; " : "",
	    hint ? hint : "");
}

/* ---- lexer ---- */

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_date_text(const char *s, size_t len)
{
	return len >= 10 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) &&
	    is_digit(s[3]) && s[4] == '-' && is_digit(s[5]) && is_digit(s[6]) &&
	    s[7] == '-' && is_digit(s[8]) && is_digit(s[9]);
}

/* Bytes in the UTF-8 character that starts with byte c. */
static size_t
utf8_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* An operator at s, ASCII or the Unicode signs a spreadsheet user types. */
static size_t
lex_op(const char *s, size_t left, enum op *op)
{
	static const struct { const char *text; enum op op; } ops[] = {
		{ "<=", OP_LE }, { ">=", OP_GE }, { "!=", OP_NE }, { "<>", OP_NE },
		{ "==", OP_EQ }, { "\xe2\x89\xa4", OP_LE }, { "\xe2\x89\xa5", OP_GE },
		{ "\xe2\x89\xa0", OP_NE }, { "<", OP_LT }, { ">", OP_GT },
		{ "=", OP_EQ },
	};
	size_t i, n;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		n = strlen(ops[i].text);
		if (n <= left && memcmp(s, ops[i].text, n) == 0) {
			*op = ops[i].op;
			return n;
		}
	}
	return 0;
}

/* Length of the token at s, or 0 with *error set. */
static size_t
lex_one(const char *s, const char *end, struct token *t, struct rules_error *e)
{
	size_t n = 0, left = end - s;

	if (is_alpha((unsigned char)*s)) {
		while (n < left && (is_alpha((unsigned char)s[n]) ||
		    is_digit((unsigned char)s[n])))
			n++;
		t->kind = K_WORD;
	} else if (is_date_text(s, left)) {
		n = 10;
		t->kind = K_DATE;
	} else if (is_digit((unsigned char)*s)) {
		while (n < left && (is_digit((unsigned char)s[n]) ||
		    (s[n] == '.' && n + 1 < left && is_digit((unsigned char)s[n + 1]))))
			n++;
		t->kind = K_NUMBER;
	} else if (*s == '"') {
		for (n = 1; n < left && s[n] != '"' && s[n] != '\n'; n++)
			;
		if (n == left || s[n] != '"') {
			fail_at(e, t->line, t->column, "unterminated quoted name; "
			    "close it with \" on the same line");
			return 0;
		}
		n++;
		t->kind = K_STRING;
	} else if ((n = lex_op(s, left, &t->op)) > 0) {
		t->kind = K_OP;
	} else {
		n = 1;
		switch (*s) {
		case '(': t->kind = K_LPAREN; break;
		case ')': t->kind = K_RPAREN; break;
		case ',': t->kind = K_COMMA; break;
		case '+': t->kind = K_PLUS; break;
		case '-': t->kind = K_MINUS; break;
		default:
			n = utf8_len((unsigned char)*s);
			fail_at(e, t->line, t->column, "unexpected character "
			    "\"%.*s\"; names are letters, digits and _, and "
			    "comments start with #", (int)(n < left ? n : left), s);
			return 0;
		}
	}
	t->s = s;
	t->len = n;
	return n;
}

static int
tokenize(struct parser *p, const char *text, size_t len)
{
	const char *s = text, *end = text + len, *line_start = text;
	size_t size = 64, n;
	int line = 1;

	p->tok = emalloc(size * sizeof(*p->tok));
	p->ntok = 0;
	for (;;) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' ||
		    *s == '\n' || *s == '#')) {
			if (*s == '#')
				while (s < end && *s != '\n')
					s++;
			else if (*s++ == '\n') {
				line++;
				line_start = s;
			}
		}
		if (p->ntok + 1 >= size) {
			size *= 2;
			p->tok = ereallocarray(p->tok, size, sizeof(*p->tok));
		}
		memset(&p->tok[p->ntok], 0, sizeof(p->tok[0]));
		p->tok[p->ntok].line = line;
		p->tok[p->ntok].column = 1;
		for (const char *c = line_start; c < s; c++)
			p->tok[p->ntok].column += (*c & 0xc0) != 0x80;
		if (s == end) {
			p->tok[p->ntok].kind = K_END;
			p->tok[p->ntok].s = s;
			p->ntok++;
			return 0;
		}
		if ((n = lex_one(s, end, &p->tok[p->ntok], p->error)) == 0)
			return -1;
		s += n;
		p->ntok++;
	}
}

/* ---- parser helpers ---- */

static const struct token *
peek(const struct parser *p)
{
	return &p->tok[p->pos];
}

static const struct token *
take(struct parser *p)
{
	const struct token *t = &p->tok[p->pos];

	if (t->kind != K_END)
		p->pos++;
	return t;
}

static int
is_word(const struct token *t, const char *word)
{
	return t->kind == K_WORD && t->len == strlen(word) &&
	    memcmp(t->s, word, t->len) == 0;
}

static int
accept(struct parser *p, const char *word)
{
	if (!is_word(peek(p), word))
		return 0;
	take(p);
	return 1;
}

static int
is_keyword(const struct token *t)
{
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (is_word(t, keywords[i]))
			return 1;
	return 0;
}

static int
find_field(const struct token *t)
{
	int i;

	for (i = 0; i < RULES_NFIELDS; i++)
		if (is_word(t, fields[i].name))
			return i;
	return -1;
}

/* A name the author chose (rule, value, flag): a word, not a keyword. */
static char *
take_name(struct parser *p, const char *what)
{
	const struct token *t = peek(p);
	char hint[96];

	if (t->kind == K_STRING) {
		take(p);
		return keep_text(p->rs, t->s + 1, t->len - 2);
	}
	if (t->kind != K_WORD || is_keyword(t)) {
		snprintf(hint, sizeof(hint), "expected %s here", what);
		fail(p, t, t->kind == K_WORD ? "reserved word" : "unexpected",
		    hint);
		return NULL;
	}
	take(p);
	return keep_text(p->rs, t->s, t->len);
}

static const struct amount *
find_amount(const struct rules *rs, const struct token *t)
{
	size_t i;

	for (i = 0; i < rs->namounts; i++)
		if (strlen(rs->amount[i]->name) == t->len &&
		    memcmp(rs->amount[i]->name, t->s, t->len) == 0)
			return rs->amount[i];
	return NULL;
}

/* ---- amounts ---- */

static int64_t
power10(int n)
{
	int64_t v = 1;

	while (n-- > 0)
		v *= 10;
	return v;
}

/* A number token into digits and decimals. */
static int
parse_literal(struct parser *p, const struct token *t, struct literal *lit)
{
	size_t i;
	int point = 0;

	memset(lit, 0, sizeof(*lit));
	for (i = 0; i < t->len; i++) {
		if (t->s[i] == '.') {
			point = 1;
			continue;
		}
		if (lit->digits > (INT64_MAX - 9) / 10 || lit->decimals >= 9)
			return fail(p, t, "number too large", NULL);
		lit->digits = lit->digits * 10 + (t->s[i] - '0');
		lit->decimals += point;
	}
	return 0;
}

/* An optional currency code after an amount: exact minor units then. */
static int
parse_currency(struct parser *p, struct literal *lit)
{
	const struct token *t = peek(p);
	const struct currency *cur;
	char hint[96];
	int e;

	if (t->kind != K_WORD || t->len != 3 || t->s[0] < 'A' || t->s[0] > 'Z')
		return 0;
	take(p);
	if ((cur = currency_find(t->s, t->len)) == NULL)
		return fail(p, t, "unknown currency",
		    "write an ISO 4217 code such as USD, EUR or JPY");
	memcpy(lit->currency, cur->code, 4);
	e = cur->exponent;
	if (lit->decimals > e) {
		if (lit->digits % power10(lit->decimals - e) != 0) {
			snprintf(hint, sizeof(hint), "%s has %d decimal%s",
			    cur->code, e, e == 1 ? "" : "s");
			return fail(p, t - 1, "too many decimals", hint);
		}
		lit->digits /= power10(lit->decimals - e);
	} else if (lit->digits > INT64_MAX / power10(e - lit->decimals))
		return fail(p, t - 1, "amount too large", NULL);
	else
		lit->digits *= power10(e - lit->decimals);
	lit->decimals = e;
	return 0;
}

static int
parse_money(struct parser *p, struct literal *lit)
{
	const struct token *t = take(p);

	if (t->kind != K_NUMBER)
		return fail(p, t, "expected an amount, got",
		    "write 5000 (major units of each account's currency) or "
		    "5000.00 USD");
	if (parse_literal(p, t, lit) < 0)
		return -1;
	return parse_currency(p, lit);
}

/* amount NAME = 10000, 1500000 JPY, 3000.000 KWD */
static int
parse_amount(struct parser *p)
{
	struct rules *rs = p->rs;
	struct amount a;
	struct literal lit;
	const struct token *t = peek(p);
	size_t i;

	memset(&a, 0, sizeof(a));
	if (t->kind == K_WORD && (find_field(t) >= 0 || find_amount(rs, t)))
		return fail(p, t, "name already in use",
		    "choose another name for this amount");
	if ((a.name = take_name(p, "the amount's name")) == NULL)
		return -1;
	if (peek(p)->kind != K_OP || peek(p)->op != OP_EQ)
		return fail(p, peek(p), "expected = after the amount's name, got",
		    "write: amount high_value = 10000, 1500000 JPY");
	take(p);
	do {
		t = peek(p);
		if (parse_money(p, &lit) < 0)
			goto bad;
		if (lit.currency[0] == '\0') {
			if (a.has_default) {
				fail(p, t, "second amount without a currency",
				    "give one plain amount, the others with a code");
				goto bad;
			}
			a.has_default = 1;
			a.fallback = lit;
			continue;
		}
		for (i = 0; i < a.nper; i++)
			if (strcmp(a.per[i].currency, lit.currency) == 0) {
				fail(p, t, "second amount for the same currency",
				    NULL);
				goto bad;
			}
		a.per = ereallocarray(a.per, a.nper + 1, sizeof(*a.per));
		a.per[a.nper++] = lit;
	} while (peek(p)->kind == K_COMMA && take(p));
	if (a.per)
		keep(rs, a.per);
	rs->amount = ereallocarray(rs->amount, rs->namounts + 1, sizeof(*rs->amount));
	rs->amount[rs->namounts] = keep(rs, emalloc(sizeof(a)));
	*rs->amount[rs->namounts++] = a;
	return 0;
bad:
	free(a.per);
	return -1;
}

/* ---- conditions ---- */

static struct node *parse_or(struct parser *p);

static struct node *
new_node(struct parser *p, enum node_kind kind)
{
	struct node *n = keep(p->rs, ecalloc(1, sizeof(*n)));

	n->kind = kind;
	return n;
}

static const char *
type_hint(enum type type)
{
	switch (type) {
	case T_MONEY:
		return "compare money with an amount: 5000 (major units of the "
		    "account's currency), 5000.00 USD, or a named amount";
	case T_NUMBER:
		return "compare it with a whole number of days or invoices";
	case T_DATE:
		return "compare it with as_of, as_of - 7 days, or 2026-01-31";
	case T_NAME:
		return "test it with: is NAME, is not NAME, in (NAME, NAME)";
	case T_FLAGS:
		return "test it with: flags has NAME, flags has any of A, B";
	case T_BOOL:
		return "it is yes or no: write it alone, or not NAME";
	}
	return NULL;
}

static int
parse_operand(struct parser *p, enum rules_field field, struct operand *v)
{
	const struct token *t = peek(p);
	enum type type = fields[field].type;
	int negative = 0;

	memset(v, 0, sizeof(*v));
	switch (type) {
	case T_MONEY:
		if (t->kind == K_WORD && (v->amount = find_amount(p->rs, t))) {
			take(p);
			v->kind = V_AMOUNT;
			return 0;
		}
		if (t->kind == K_WORD && !is_keyword(t))
			return fail(p, t, "unknown amount",
			    "define it first: amount NAME = 10000, 1500000 JPY");
		if (t->kind != K_NUMBER)
			break;
		v->kind = V_MONEY;
		return parse_money(p, &v->money);
	case T_NUMBER:
		if (t->kind == K_MINUS) {
			negative = 1;
			take(p);
			t = peek(p);
		}
		if (t->kind != K_NUMBER || memchr(t->s, '.', t->len))
			break;
		take(p);
		if (t->len > 9)
			return fail(p, t, "number too large", NULL);
		v->kind = V_NUMBER;
		v->n = strtol(t->s, NULL, 10) * (negative ? -1 : 1);
		if (!accept(p, "days"))
			accept(p, "day");
		return 0;
	case T_DATE:
		if (t->kind == K_DATE) {
			int32_t day;

			take(p);
			if (date_parse_iso(t->s, t->len, &day) < 0)
				return fail(p, t, "invalid date", "write YYYY-MM-DD");
			v->kind = V_DATE;
			v->n = day;
			return 0;
		}
		if (!accept(p, "as_of"))
			break;
		v->kind = V_AS_OF;
		t = peek(p);
		if (t->kind != K_PLUS && t->kind != K_MINUS)
			return 0;
		take(p);
		negative = t->kind == K_MINUS;
		t = take(p);
		if (t->kind != K_NUMBER || memchr(t->s, '.', t->len) || t->len > 5)
			return fail(p, t, "expected a number of days after as_of "
			    "+ or -, got", "write: as_of - 7 days");
		v->n = strtol(t->s, NULL, 10) * (negative ? -1 : 1);
		if (!accept(p, "days"))
			accept(p, "day");
		return 0;
	case T_NAME:
		v->kind = V_NAME;
		return (v->name = take_name(p, "a name")) ? 0 : -1;
	default:
		break;
	}
	return fail(p, t, fields[field].type == T_MONEY ?
	    "expected an amount, got" : "expected a value, got",
	    type_hint(type));
}

/* ( NAME, NAME ... ) or, for flags, NAME, NAME ... */
static int
parse_names(struct parser *p, struct node *n, int parens)
{
	char *name;

	if (parens && peek(p)->kind != K_LPAREN)
		return fail(p, peek(p), "expected ( after in, got",
		    "write: stage in (finance_review, collections)");
	if (parens)
		take(p);
	do {
		if ((name = take_name(p, "a name")) == NULL) {
			free(n->names);	/* not kept yet: it may still move */
			n->names = NULL;
			return -1;
		}
		n->names = ereallocarray(n->names, n->nnames + 1, sizeof(char *));
		n->names[n->nnames++] = name;
	} while (peek(p)->kind == K_COMMA && take(p));
	keep(p->rs, n->names);
	if (parens && take(p)->kind != K_RPAREN)
		return fail(p, &p->tok[p->pos - 1], "expected , or ) in the list, got",
		    NULL);
	return 0;
}

/* flags has NAME | flags has any of A, B | flags has all of A, B */
static struct node *
parse_flags(struct parser *p)
{
	struct node *n = new_node(p, N_FLAGS);

	n->field = RULES_FLAGS;
	if (!accept(p, "has")) {
		fail(p, peek(p), "expected has after flags, got",
		    type_hint(T_FLAGS));
		return NULL;
	}
	if (accept(p, "all") || (is_word(peek(p), "any") && take(p))) {
		n->all = is_word(&p->tok[p->pos - 1], "all");
		if (!accept(p, "of")) {
			fail(p, peek(p), "expected of, got",
			    "write: flags has any of legal_hold, bankruptcy");
			return NULL;
		}
		return parse_names(p, n, 0) < 0 ? NULL : n;
	}
	if ((n->names = keep(p->rs, emalloc(sizeof(char *)))) == NULL ||
	    (n->names[0] = take_name(p, "a flag")) == NULL)
		return NULL;
	n->nnames = 1;
	return n;
}

/* After FIELD is: empty, not empty, NAME, not NAME. */
static struct node *
parse_is(struct parser *p, enum rules_field field)
{
	struct node *n;
	int negate = accept(p, "not");

	if (accept(p, "empty")) {
		n = new_node(p, N_EMPTY);
		n->field = field;
		n->negate = negate;
		return n;
	}
	if (fields[field].type != T_NAME) {
		fail(p, peek(p), "expected empty or not empty after is, got",
		    type_hint(fields[field].type));
		return NULL;
	}
	n = new_node(p, N_COMPARE);
	n->field = field;
	n->op = negate ? OP_NE : OP_EQ;
	return parse_operand(p, field, &n->lo) < 0 ? NULL : n;
}

static struct node *
parse_field(struct parser *p, enum rules_field field, const struct token *at)
{
	enum type type = fields[field].type;
	const struct token *t;
	struct node *n;

	if (fields[field].judged && !p->notify) {
		fail(p, at, "field known only in notify rules",
		    "the stage rules decide it");
		return NULL;
	}
	if (type == T_FLAGS)
		return parse_flags(p);
	if (type == T_BOOL) {
		n = new_node(p, N_BOOL);
		n->field = field;
		return n;
	}
	if (accept(p, "is"))
		return parse_is(p, field);
	t = peek(p);
	if (type == T_NAME && (accept(p, "in") ||
	    (is_word(t, "not") && is_word(t + 1, "in") && take(p) && take(p)))) {
		n = new_node(p, N_IN);
		n->field = field;
		n->negate = is_word(t, "not");
		return parse_names(p, n, 1) < 0 ? NULL : n;
	}
	if (accept(p, "between")) {
		if (type == T_NAME)
			goto bad;
		n = new_node(p, N_BETWEEN);
		n->field = field;
		if (parse_operand(p, field, &n->lo) < 0)
			return NULL;
		if (!accept(p, "and")) {
			fail(p, peek(p), "expected and in between, got",
			    "write: max_dpd between 15 and 30");
			return NULL;
		}
		return parse_operand(p, field, &n->hi) < 0 ? NULL : n;
	}
	if (t->kind != K_OP)
		goto bad;
	take(p);
	if (type == T_NAME && t->op != OP_EQ && t->op != OP_NE) {
		fail(p, t, "names are only equal or not", type_hint(T_NAME));
		return NULL;
	}
	n = new_node(p, N_COMPARE);
	n->field = field;
	n->op = t->op;
	return parse_operand(p, field, &n->lo) < 0 ? NULL : n;
bad:
	fail(p, t, "expected a comparison, got", type_hint(type));
	return NULL;
}

static const char *
closest_field(const struct token *t)
{
	int i;

	/* a misspelling usually keeps the first three letters */
	for (i = 0; i < RULES_NFIELDS; i++)
		if (t->len >= 3 && strncmp(fields[i].name, t->s, 3) == 0)
			return fields[i].name;
	return NULL;
}

static struct node *
parse_atom(struct parser *p)
{
	const struct token *t = peek(p);
	struct node *n;
	char hint[128];
	int field;

	if (accept(p, "not")) {
		n = new_node(p, N_NOT);
		return (n->left = parse_atom(p)) ? n : NULL;
	}
	if (accept(p, "always"))
		return new_node(p, N_ALWAYS);
	if (t->kind == K_LPAREN) {
		take(p);
		if ((n = parse_or(p)) == NULL)
			return NULL;
		if (peek(p)->kind != K_RPAREN) {
			snprintf(hint, sizeof(hint), "expected ) to close the ( "
			    "at line %d, column %d, got", t->line, t->column);
			fail(p, peek(p), hint, NULL);
			return NULL;
		}
		take(p);
		return n;
	}
	if (t->kind == K_WORD && (field = find_field(t)) >= 0) {
		take(p);
		return parse_field(p, field, t);
	}
	if (t->kind == K_WORD && !is_keyword(t)) {
		if (closest_field(t))
			snprintf(hint, sizeof(hint), "did you mean %s? "
			    "man stage-assign lists the fields", closest_field(t));
		else
			snprintf(hint, sizeof(hint),
			    "man stage-assign lists the fields");
		fail(p, t, "unknown field", hint);
		return NULL;
	}
	fail(p, t, "expected a condition, got",
	    "write a field test such as max_dpd >= 61, or always");
	return NULL;
}

static struct node *
parse_and(struct parser *p)
{
	struct node *left, *n;

	if ((left = parse_atom(p)) == NULL)
		return NULL;
	while (accept(p, "and")) {
		n = new_node(p, N_AND);
		n->left = left;
		if ((n->right = parse_atom(p)) == NULL)
			return NULL;
		left = n;
	}
	return left;
}

static struct node *
parse_or(struct parser *p)
{
	struct node *left, *n;

	if ((left = parse_and(p)) == NULL)
		return NULL;
	while (accept(p, "or")) {
		n = new_node(p, N_OR);
		n->left = left;
		if ((n->right = parse_and(p)) == NULL)
			return NULL;
		left = n;
	}
	return left;
}

/* ---- rules ---- */

static int
check_outreach(struct parser *p, const struct token *t, const char *value)
{
	size_t i;

	for (i = 0; i < sizeof(outreaches) / sizeof(outreaches[0]); i++)
		if (strcmp(value, outreaches[i]) == 0)
			return 0;
	return fail(p, t, "unknown outreach",
	    "outreach is allowed, paused, agency or frozen");
}

/* then stage NAME, owner NAME, action NAME, outreach NAME */
static int
parse_then(struct parser *p, struct rule *r, const struct token *start)
{
	static const char *const keys[] = { "stage", "owner", "action", "outreach" };
	char **slot[4] = { &r->stage, &r->owner, &r->action, &r->outreach };
	const struct token *t;
	size_t i;

	do {
		t = take(p);
		for (i = 0; i < 4 && !is_word(t, keys[i]); i++)
			;
		if (i == 4)
			return fail(p, t, "expected stage, owner, action or "
			    "outreach, got", "write: then stage billing, owner "
			    "billing, action formal_request, outreach allowed");
		if (*slot[i])
			return fail(p, t, "setting given twice", NULL);
		if ((*slot[i] = take_name(p, keys[i])) == NULL)
			return -1;
		if (i == 3 && check_outreach(p, t + 1, r->outreach) < 0)
			return -1;
	} while (peek(p)->kind == K_COMMA && take(p));
	for (i = 1; i < 4; i++)
		if (is_word(peek(p), keys[i]))
			return fail(p, peek(p), "expected a comma before",
			    "separate then's settings with commas");
	if (r->stage == NULL || r->outreach == NULL)
		return fail_at(p->error, start->line, start->column,
		    "rule %s sets no %s; a stage rule sets at least stage and "
		    "outreach", r->name, r->stage ? "outreach" : "stage");
	if (r->owner == NULL)
		r->owner = "";
	if (r->action == NULL)
		r->action = "none";
	return 0;
}

static int
parse_rule(struct parser *p, int notify)
{
	struct rules *rs = p->rs;
	const struct token *start = &p->tok[p->pos - 1];
	struct rule r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.notify = p->notify = notify;
	if ((r.name = take_name(p, "the rule's name")) == NULL)
		return -1;
	for (i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rule[i].name, r.name) == 0)
			return fail(p, &p->tok[p->pos - 1], "second rule named",
			    "rule names must differ: they go in the rule column");
	if (!accept(p, "when"))
		return fail(p, peek(p), "expected when after the rule's name, got",
		    "write: when CONDITION then ...");
	if ((r.when = parse_or(p)) == NULL)
		return -1;
	if (!is_word(peek(p), "then"))
		return fail(p, peek(p), "expected and, or, or then, got",
		    "a condition ends with then");
	start = take(p);
	if (notify) {
		if (!accept(p, "notify"))
			return fail(p, peek(p), "expected notify after then, got",
			    "write: then notify account_manager");
		if ((r.target = take_name(p, "whom to notify")) == NULL)
			return -1;
	} else if (parse_then(p, &r, start) < 0)
		return -1;
	rs->rule = ereallocarray(rs->rule, rs->nrules + 1, sizeof(*rs->rule));
	rs->rule[rs->nrules++] = r;
	return 0;
}

static int
parse_file(struct parser *p)
{
	const struct token *t;
	size_t i, stages = 0;

	for (;;) {
		t = take(p);
		if (t->kind == K_END)
			break;
		if (is_word(t, "stage") || is_word(t, "notify")) {
			if (parse_rule(p, is_word(t, "notify")) < 0)
				return -1;
		} else if (is_word(t, "amount")) {
			if (parse_amount(p) < 0)
				return -1;
		} else
			return fail(p, t, p->pos > 1 ? "expected a new rule, got" :
			    "expected a rule, got", p->pos > 1 ?
			    "rules start with stage, notify or amount; "
			    "separate then's settings with commas" :
			    "rules start with stage, notify or amount");
	}
	for (i = 0; i < p->rs->nrules; i++)
		stages += !p->rs->rule[i].notify;
	if (stages == 0)
		return fail(p, t, "no stage rule before", "a rules file needs at "
		    "least one stage rule; see man stage-assign");
	return 0;
}

struct rules *
rules_parse(const char *text, size_t len, struct rules_error *error)
{
	struct parser p;
	int failed;

	memset(&p, 0, sizeof(p));
	memset(error, 0, sizeof(*error));
	p.rs = ecalloc(1, sizeof(*p.rs));
	p.error = error;
	failed = tokenize(&p, text, len) < 0 || parse_file(&p) < 0;
	free(p.tok);
	if (failed) {
		rules_free(p.rs);
		return NULL;
	}
	return p.rs;
}

void
rules_free(struct rules *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nallocs; i++)
		free(rs->allocs[i]);
	free(rs->allocs);
	free(rs->rule);
	free(rs->amount);
	free(rs);
}

const char *
rules_field_name(enum rules_field field)
{
	return fields[field].name;
}

/* ---- bounds, for reports on how late a rule fired ---- */

static int
node_lower_bound(const struct node *n, enum rules_field field, int64_t *bound)
{
	int64_t left, right;
	int has_left, has_right;

	switch (n->kind) {
	case N_AND:
		has_left = node_lower_bound(n->left, field, &left);
		has_right = node_lower_bound(n->right, field, &right);
		if (has_left && has_right)
			*bound = left > right ? left : right;
		else if (has_left || has_right)
			*bound = has_left ? left : right;
		return has_left || has_right;
	case N_OR:
		if (!node_lower_bound(n->left, field, &left) ||
		    !node_lower_bound(n->right, field, &right))
			return 0;	/* one side lets any value through */
		*bound = left < right ? left : right;
		return 1;
	case N_COMPARE:
	case N_BETWEEN:
		if (n->field != field ||
		    (n->lo.kind != V_NUMBER && n->lo.kind != V_DATE))
			return 0;
		if (n->kind == N_BETWEEN || n->op == OP_GE || n->op == OP_EQ)
			*bound = n->lo.n;
		else if (n->op == OP_GT)
			*bound = n->lo.n + 1;
		else
			return 0;
		return 1;
	default:
		return 0;
	}
}

int
rules_lower_bound(const struct rules *rs, const char *rule,
    enum rules_field field, int64_t *bound)
{
	size_t i;

	for (i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rule[i].name, rule) == 0)
			return node_lower_bound(rs->rule[i].when, field, bound);
	return 0;
}

/* ---- judging ---- */

/* A threshold in minor units of the account's currency. */
struct threshold {
	int	 found;		/* 0: no amount for this currency */
	int64_t	 whole;		/* minor units, rounded down */
	int	 fraction;	/* 1: the amount lies between whole and whole+1 */
	int64_t	 exact;		/* as written, for messages */
	int	 decimals;
	const char *currency;
};

static void
resolve_literal(const struct literal *lit, const struct rules_facts *f,
    struct threshold *th)
{
	int e = f->exponent;

	th->found = 1;
	th->fraction = 0;
	th->exact = lit->digits;
	th->decimals = lit->decimals;
	th->currency = lit->currency[0] ? lit->currency : NULL;
	if (lit->currency[0] && strcmp(lit->currency, f->currency) != 0) {
		th->found = 0;
		return;
	}
	if (lit->decimals <= e) {
		/* overflow saturates: no balance reaches it */
		int64_t scale = power10(e - lit->decimals);

		th->whole = lit->digits > INT64_MAX / scale ? INT64_MAX :
		    lit->digits * scale;
		th->exact = th->whole;
		th->decimals = e;
		return;
	}
	th->whole = lit->digits / power10(lit->decimals - e);
	th->fraction = lit->digits % power10(lit->decimals - e) != 0;
}

static void
resolve(const struct operand *v, const struct rules_facts *f,
    struct threshold *th)
{
	size_t i;

	if (v->kind == V_MONEY) {
		resolve_literal(&v->money, f, th);
		return;
	}
	for (i = 0; i < v->amount->nper; i++)
		if (strcmp(v->amount->per[i].currency, f->currency) == 0) {
			resolve_literal(&v->amount->per[i], f, th);
			return;
		}
	if (v->amount->has_default) {
		resolve_literal(&v->amount->fallback, f, th);
		return;
	}
	memset(th, 0, sizeof(*th));
}

static int
compare(int64_t a, enum op op, int64_t b)
{
	switch (op) {
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	}
	return 0;
}

/* a op (whole + a fraction): a is whole units, so only whole matters. */
static int
compare_money(int64_t a, enum op op, const struct threshold *th)
{
	if (!th->fraction)
		return compare(a, op, th->whole);
	switch (op) {
	case OP_LT: case OP_LE: return a <= th->whole;
	case OP_GT: case OP_GE: return a > th->whole;
	case OP_EQ: return 0;
	case OP_NE: return 1;
	}
	return 0;
}

static int64_t
operand_value(const struct operand *v, const struct rules_facts *f)
{
	return v->kind == V_AS_OF ? f->as_of + v->n : v->n;
}

static int
test(const struct node *n, const struct rules_facts *f, enum op op,
    const struct operand *v)
{
	const struct rules_value *x = &f->field[n->field];
	struct threshold th;

	switch (fields[n->field].type) {
	case T_MONEY:
		resolve(v, f, &th);
		return th.found && compare_money(x->n, op, &th);
	case T_NAME:
		return (strlen(v->name) == x->len &&
		    memcmp(v->name, x->s, x->len) == 0) == (op == OP_EQ);
	default:
		return x->set && compare(x->n, op, operand_value(v, f));
	}
}

static int
has_flag(const struct rules_value *flags, const char *name)
{
	const char *p = flags->s, *end = flags->s + flags->len, *comma;
	size_t len = strlen(name);

	for (; p != NULL && p < end; p = comma ? comma + 1 : NULL) {
		comma = memchr(p, ',', end - p);
		while (p < end && *p == ' ')
			p++;
		if ((size_t)((comma ? comma : end) - p) >= len &&
		    memcmp(p, name, len) == 0) {
			const char *q = p + len;

			while (q < (comma ? comma : end) && *q == ' ')
				q++;
			if (q == (comma ? comma : end))
				return 1;
		}
	}
	return 0;
}

/* The first name of n that the flags hold (any) or lack (all); -1 if none. */
static int
flags_witness(const struct node *n, const struct rules_facts *f)
{
	size_t i;

	for (i = 0; i < n->nnames; i++)
		if (has_flag(&f->field[RULES_FLAGS], n->names[i]) != n->all)
			return (int)i;
	return -1;
}

static int
in_list(const struct node *n, const struct rules_value *x)
{
	size_t i;

	for (i = 0; i < n->nnames; i++)
		if (strlen(n->names[i]) == x->len &&
		    memcmp(n->names[i], x->s, x->len) == 0)
			return 1;
	return 0;
}

static int
eval(const struct node *n, const struct rules_facts *f)
{
	const struct rules_value *x = &f->field[n->field];

	switch (n->kind) {
	case N_AND:
		return eval(n->left, f) && eval(n->right, f);
	case N_OR:
		return eval(n->left, f) || eval(n->right, f);
	case N_NOT:
		return !eval(n->left, f);
	case N_ALWAYS:
		return 1;
	case N_COMPARE:
		return test(n, f, n->op, &n->lo);
	case N_BETWEEN:
		return test(n, f, OP_GE, &n->lo) && test(n, f, OP_LE, &n->hi);
	case N_IN:
		return in_list(n, x) != n->negate;
	case N_FLAGS:
		return (flags_witness(n, f) >= 0) != n->all;
	case N_BOOL:
		return x->set && x->n != 0;
	case N_EMPTY:
		return (!x->set || (fields[n->field].type == T_NAME &&
		    x->len == 0)) != n->negate;
	}
	return 0;
}

/* ---- words for reasons and --explain ---- */

struct text {
	char	*buf;
	size_t	 len, size;
	int	 grow;		/* a trace grows; a reason is cut */
	char	**owner;	/* trace: where the grown buffer lives */
};

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < t->size - t->len) {
			t->len += n;
			return;
		}
		if (!t->grow) {
			t->len = t->size - 1;	/* cut: the reason is still useful */
			return;
		}
		t->size = (t->len + n + 1) * 2;
		t->buf = *t->owner = ereallocarray(t->buf, t->size, 1);
	}
}

/* Plain text, without a format: the reasons of a million accounts. */
static void
put_mem(struct text *t, const char *s, size_t len)
{
	if (t->len + len + 1 > t->size) {
		if (!t->grow) {
			len = t->size - 1 - t->len;	/* cut */
		} else {
			t->size = (t->len + len + 1) * 2;
			t->buf = *t->owner = ereallocarray(t->buf, t->size, 1);
		}
	}
	memcpy(t->buf + t->len, s, len);
	t->len += len;
	t->buf[t->len] = '\0';
}

static void
put_str(struct text *t, const char *s)
{
	put_mem(t, s, strlen(s));
}

static void
put_num(struct text *t, int64_t n)
{
	char digits[24], *p = digits + sizeof(digits);
	uint64_t u = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;

	do
		*--p = '0' + u % 10;
	while ((u /= 10) != 0);
	if (n < 0)
		*--p = '-';
	put_mem(t, p, digits + sizeof(digits) - p);
}

static void
put_value(struct text *t, enum rules_field field, const struct rules_facts *f)
{
	const struct rules_value *x = &f->field[field];
	char buf[MONEY_TEXT_MAX > DATE_TEXT_MAX ? MONEY_TEXT_MAX : DATE_TEXT_MAX];

	if (fields[field].type == T_MONEY) {
		put_mem(t, buf, money_format(buf, x->n, f->exponent));
	} else if (fields[field].type == T_NAME || fields[field].type == T_FLAGS)
		put_mem(t, x->len ? x->s : "empty", x->len ? x->len : 5);
	else if (!x->set)
		put_str(t, "empty");
	else if (fields[field].type == T_DATE)
		put_mem(t, buf, date_format(buf, (int32_t)x->n));
	else
		put_num(t, x->n);
}

static void
put_operand(struct text *t, enum rules_field field, const struct operand *v,
    const struct rules_facts *f)
{
	char buf[MONEY_TEXT_MAX];
	struct threshold th;

	switch (v->kind) {
	case V_MONEY:
	case V_AMOUNT:
		resolve(v, f, &th);
		if (v->kind == V_AMOUNT) {
			put_str(t, v->amount->name);
			put_str(t, " ");
		}
		if (!th.found) {
			put(t, "(none for %s)", f->currency);
			return;
		}
		put_mem(t, buf, money_format(buf, th.exact, th.decimals));
		if (th.currency) {
			put_str(t, " ");
			put_str(t, th.currency);
		}
		return;
	case V_AS_OF:
		put(t, "as_of");
		if (v->n)
			put(t, " %c %lld", v->n < 0 ? '-' : '+',
			    (long long)(v->n < 0 ? -v->n : v->n));
		/* FALLTHROUGH */
	case V_DATE: {
		char date[DATE_TEXT_MAX];

		date_format(date, (int32_t)operand_value(v, f));
		put(t, v->kind == V_AS_OF ? " (%s)" : "%s", date);
		return;
	}
	case V_NUMBER:
		put_num(t, v->n);
		return;
	case V_NAME:
		put_str(t, v->name);
		return;
	}
	(void)field;
}

static void
put_list(struct text *t, const struct node *n)
{
	size_t i;

	for (i = 0; i < n->nnames; i++)
		put(t, "%s%s", i ? ", " : "", n->names[i]);
}

/* One test in words, as it came out. */
static void
put_atom(struct text *t, const struct node *n, const struct rules_facts *f,
    int result)
{
	const char *name = fields[n->field].name;
	const struct rules_value *x = &f->field[n->field];
	int i;

	switch (n->kind) {
	case N_ALWAYS:
		put(t, "always");
		return;
	case N_BOOL:
		put_str(t, result ? "" : "not ");
		put_str(t, name);
		return;
	case N_EMPTY:
		put(t, "%s ", name);
		if (x->set && (fields[n->field].type != T_NAME || x->len)) {
			put_value(t, n->field, f);
			put(t, " is not empty");
		} else
			put(t, "is empty");
		return;
	case N_FLAGS:
		i = flags_witness(n, f);
		if (n->nnames == 1)
			put(t, "flags %s %s", result ? "has" : "lack", n->names[0]);
		else if (i >= 0)
			put(t, "flags %s %s", n->all ? "lack" : "has", n->names[i]);
		else {
			put(t, "flags %s ", n->all ? "have all of" : "have none of");
			put_list(t, n);
		}
		return;
	case N_IN:
		put_str(t, name);
		put_str(t, " is ");
		put_value(t, n->field, f);
		if (result == n->negate) {
			put(t, ", not in (");
			put_list(t, n);
			put(t, ")");
		}
		return;
	case N_COMPARE:
		if (fields[n->field].type == T_NAME) {
			put_str(t, name);
			put_str(t, " is ");
			put_value(t, n->field, f);
			if (result != (n->op == OP_EQ)) {
				put(t, ", not ");
				put_operand(t, n->field, &n->lo, f);
			}
			return;
		}
		put_str(t, name);
		put_str(t, " ");
		put_value(t, n->field, f);
		if (!x->set && fields[n->field].type != T_MONEY)
			return;
		put_str(t, " ");
		put_str(t, op_text[result ? n->op : op_negated[n->op]]);
		put_str(t, " ");
		put_operand(t, n->field, &n->lo, f);
		return;
	case N_BETWEEN:
		put_str(t, name);
		put_str(t, " ");
		put_value(t, n->field, f);
		if (!x->set && fields[n->field].type != T_MONEY)
			return;
		put_str(t, result ? " between " : " not between ");
		put_operand(t, n->field, &n->lo, f);
		put_str(t, " and ");
		put_operand(t, n->field, &n->hi, f);
		return;
	default:
		return;
	}
}

static void
put_sep(struct text *t)
{
	if (t->len > 0 && t->buf[t->len - 1] != ' ')
		put_str(t, "; ");
}

/*
 * Why n came out as result, with the values: the tests that decided it
 * (every part of a true and, the first true part of an or, and so on).
 */
static void
explain(struct text *t, const struct node *n, const struct rules_facts *f,
    int result)
{
	switch (n->kind) {
	case N_AND:
	case N_OR:
		if (result == (n->kind == N_AND)) {
			explain(t, n->left, f, result);
			explain(t, n->right, f, result);
		} else if (eval(n->left, f) == result)
			explain(t, n->left, f, result);
		else
			explain(t, n->right, f, result);
		return;
	case N_NOT:
		explain(t, n->left, f, !result);
		return;
	default:
		put_sep(t);
		put_atom(t, n, f, result);
	}
}

/* Every test evaluated, in order, as it came out: the --explain view. */
static void
walk(struct text *t, const struct node *n, const struct rules_facts *f)
{
	int left;

	switch (n->kind) {
	case N_AND:
	case N_OR:
		left = eval(n->left, f);
		walk(t, n->left, f);
		if (left == (n->kind == N_AND))
			walk(t, n->right, f);
		return;
	case N_NOT:
		walk(t, n->left, f);
		return;
	default:
		put_sep(t);
		put_atom(t, n, f, eval(n, f));
	}
}

static void
set_name(struct rules_facts *f, enum rules_field field, const char *s)
{
	f->field[field].s = s;
	f->field[field].len = strlen(s);
	f->field[field].set = s[0] != '\0';
}

static void
add_notify(struct rules_verdict *v, const char *target)
{
	size_t len = strlen(v->notify), n = strlen(target);
	const char *p = v->notify;

	while ((p = strstr(p, target)) != NULL) {	/* once each */
		if ((p == v->notify || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return;
		p++;
	}
	if (len + n + 2 > sizeof(v->notify))
		return;
	if (len)
		v->notify[len++] = ',';
	memcpy(v->notify + len, target, n + 1);
}

static void
trace_fields(struct text *t, const struct rules_facts *f)
{
	int i;

	put(t, "fields:");
	for (i = 0; i < RULES_NFIELDS; i++) {
		if (fields[i].judged)
			continue;
		put(t, "%s %s ", i ? ";" : "", fields[i].name);
		put_value(t, i, f);
	}
	put(t, "\n");
}

static void
trace_rule(struct text *t, const struct rule *r, const struct rules_facts *f,
    int result)
{
	put(t, "%s %s: %s: ", r->notify ? "notify" : "stage", r->name,
	    result ? "yes" : "no");
	walk(t, r->when, f);
	put(t, "\n");
}

void
rules_judge(const struct rules *rs, struct rules_facts *f,
    struct rules_verdict *v, struct rules_trace *trace)
{
	struct text tr = { NULL, 0, 0, 1, NULL }, reason;
	const struct rule *r, *chosen = NULL;
	size_t i;
	int result;

	if (trace) {
		tr.buf = trace->text;
		tr.len = trace->len;
		tr.size = trace->size;
		tr.owner = &trace->text;
		if (tr.size == 0) {
			tr.size = 1024;
			tr.buf = trace->text = emalloc(tr.size);
		}
		trace_fields(&tr, f);
	}
	memset(v, 0, sizeof(*v));
	reason = (struct text){ v->reason, 0, sizeof(v->reason), 0, NULL };
	for (i = 0; i < rs->nrules && chosen == NULL; i++) {
		r = &rs->rule[i];
		if (r->notify)
			continue;
		result = eval(r->when, f);
		if (trace)
			trace_rule(&tr, r, f, result);
		if (result)
			chosen = r;
	}
	if (chosen) {
		v->rule = chosen->name;
		v->stage = chosen->stage;
		v->owner = chosen->owner;
		v->action = chosen->action;
		v->outreach = chosen->outreach;
		explain(&reason, chosen->when, f, 1);
	} else {
		v->rule = "none";
		v->stage = "current";
		v->owner = "";
		v->action = "none";
		v->outreach = "allowed";
		put(&reason, "no stage rule matched");
	}
	set_name(f, RULES_STAGE, v->stage);
	set_name(f, RULES_OWNER, v->owner);
	set_name(f, RULES_ACTION, v->action);
	set_name(f, RULES_OUTREACH, v->outreach);
	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rule[i];
		if (!r->notify)
			continue;
		result = eval(r->when, f);
		if (trace)
			trace_rule(&tr, r, f, result);
		if (result)
			add_notify(v, r->target);
	}
	if (trace) {
		put(&tr, "result: stage %s, rule %s, reason %s%s%s\n", v->stage,
		    v->rule, v->reason, v->notify[0] ? ", notify " : "", v->notify);
		trace->len = tr.len;
		trace->size = tr.size;
	}
}
