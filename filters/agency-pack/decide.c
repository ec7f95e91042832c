/*
 * Tonight's fate of each account: placed, kept, updated, recalled or
 * refused.  The master's flags are checked again here whatever stdin
 * says, since a placement the law forbids cannot be taken back.  Also the
 * notes that travel with a placement, from the master and the activity log.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "ealloc.h"
#include "money.h"

#include "agency-pack.h"

const char *const recall_reasons[] = {
	"paid", "disputed", "legal", "payment_pending", "promise", "other"
};

/* Flags that forbid a placement: a dispute, or any legal flag. */
static const char *const blocking_flags[] = {
	"disputed", "legal_hold", "bankruptcy", "cease_contact", "attorney",
	"deceased", "regulatory_hold", NULL
};

/* Words of the activity log worth telling the agency about. */
static const char *const note_words[] = {
	"promis", "discount", "plan", "instal", "settle", "language",
	"interpret", "translat", "speaks", "warn", "threat", "aggress", "abus",
	"hostile", "vulnerab", "hardship", "do not", "don't", "lawyer",
	"attorney", "bankrupt", "deceased", NULL
};

int
blocking_flag(const char *s, size_t len, const char **flag)
{
	int i;

	for (i = 0; blocking_flags[i]; i++)
		if (flags_has(s, len, blocking_flags[i])) {
			*flag = blocking_flags[i];
			return 1;
		}
	return 0;
}

static int
stage_is(const struct state *st, const struct account *a, const char *stage)
{
	return text_is(st, a->stage, stage);
}

/*
 * The flag that blocks the account, looked for in the master first (it
 * is the authority), then in stdin's flags; *where says which.
 */
static const char *
account_block(const struct state *st, const struct account *a, int *in_master)
{
	const struct customer *cu = &st->customers[a->customer_index];
	const char *flag;

	*in_master = 1;
	if (cu->in_master && blocking_flag(T(st, cu->master_flags),
	    cu->master_flags.len, &flag))
		return flag;
	*in_master = 0;
	if (a->staged && blocking_flag(T(st, a->flags), a->flags.len, &flag))
		return flag;
	return NULL;
}

/* Why a placed account must come back, or -1 if it stays placed. */
static int
recall_reason(const struct state *st, const struct account *a,
    const char *block)
{
	if (stage_is(st, a, "legal") || (block && strcmp(block, "disputed")))
		return RECALL_LEGAL;
	if (stage_is(st, a, "dispute") || block)
		return RECALL_DISPUTED;
	if (stage_is(st, a, "collections") && a->open_balance > 0)
		return -1;
	if (a->open_balance <= 0 || stage_is(st, a, "current"))
		return RECALL_PAID;
	if (stage_is(st, a, "payment_pending"))
		return RECALL_PAYMENT_PENDING;
	if (stage_is(st, a, "promise"))
		return RECALL_PROMISE;
	return RECALL_OTHER;
}

static void
say_blocked(const struct state *st, const struct account *a, int in_master,
    const char *what)
{
	const struct customer *cu = &st->customers[a->customer_index];

	warnx("%s:%ld: flags: %s %s at collections %s: blocking flag \"%s\"",
	    in_master ? st->opt->accounts_path : "<stdin>",
	    in_master ? cu->master_line : a->line, T(st, a->customer),
	    T(st, a->currency), what, a->block);
}

static void
decide_placed(struct state *st, struct account *a)
{
	int in_master, reason;

	if (a->rejected) {
		a->fate = FATE_KEEP;	/* unknown tonight: left as it was */
		return;
	}
	if (!a->staged) {
		a->fate = FATE_RECALL;	/* why, the invoices will tell */
		return;
	}
	a->block = account_block(st, a, &in_master);
	if ((reason = recall_reason(st, a, a->block)) < 0) {
		a->fate = a->open_balance == a->last_balance ? FATE_KEEP :
		    FATE_UPDATE;
		return;
	}
	a->fate = FATE_RECALL;
	a->reason = reason;
	if (a->block && stage_is(st, a, "collections"))
		say_blocked(st, a, in_master, "recalled");
}

void
decide_blocks(struct state *st)
{
	struct account *a;
	int in_master;
	size_t i;

	for (i = 0; i < st->naccounts; i++) {
		a = &st->accounts[i];
		if (a->placed)
			decide_placed(st, a);
		else if (!a->staged || a->rejected ||
		    !stage_is(st, a, "collections"))
			a->fate = FATE_NONE;
		else if (a->elsewhere)
			a->fate = FATE_ELSEWHERE;
		else if ((a->block = account_block(st, a, &in_master)) != NULL) {
			a->fate = FATE_REFUSE;
			say_blocked(st, a, in_master, "not placed");
		} else {
			a->fate = FATE_PLACE;
			st->customers[a->customer_index].wanted = 1;
		}
	}
}

/*
 * The invoices read: a placement whose open invoices do not add up to
 * the staged open balance is not sent (the agency would collect the
 * wrong amount); its staged row is rejected instead.
 */
static void
check_placement(struct state *st, struct account *a)
{
	char reason[REASON_MAX], staged[MONEY_TEXT_MAX], found[MONEY_TEXT_MAX];

	if (a->invoice_total == a->open_balance && a->invoice_count > 0)
		return;
	a->fate = FATE_MISMATCH;
	money_format(staged, a->open_balance, a->exponent);
	money_format(found, a->invoice_total, a->exponent);
	if (a->invoice_count == 0)
		snprintf(reason, sizeof(reason), "open_balance: %s %s but no "
		    "open undisputed invoice in --invoices \"%s\"", staged,
		    T(st, a->currency), T(st, a->customer));
	else
		snprintf(reason, sizeof(reason), "open_balance: %s %s differs "
		    "from the open undisputed invoices, %s in %zu \"%s\"",
		    staged, T(st, a->currency), found, a->invoice_count,
		    T(st, a->customer));
	if (!rejects_add(&st->rejects, "<stdin>", a->line, reason,
	    T(st, a->raw), a->raw.len))
		warnx("<stdin>:%ld: %s", a->line, reason);
}

void
decide_totals(struct state *st)
{
	struct account *a;
	size_t i;

	for (i = 0; i < st->ncustomers; i++)
		st->customers[i].wanted = 0;
	for (i = 0; i < st->naccounts; i++) {
		a = &st->accounts[i];
		if (a->fate == FATE_PLACE)
			check_placement(st, a);
		if (a->fate == FATE_PLACE)
			st->customers[a->customer_index].wanted = 1;
		else if (a->fate == FATE_RECALL && !a->staged) {
			/* gone from stdin: nothing left to stage, or a lost row */
			a->open_balance = a->invoice_total;
			a->reason = a->invoice_total > 0 ? RECALL_OTHER :
			    RECALL_PAID;
		}
		switch (a->fate) {
		case FATE_PLACE: st->placed++; break;
		case FATE_KEEP: st->kept++; break;
		case FATE_UPDATE: st->updated++; break;
		case FATE_RECALL: st->recalled++; break;
		case FATE_REFUSE: st->refused++; break;
		case FATE_MISMATCH: st->mismatched++; break;
		case FATE_ELSEWHERE: st->elsewhere++; break;
		case FATE_NONE: break;
		}
	}
}

/* --- the timeline, oldest first ----------------------------------- */

static const struct activity *sort_base;

static int
by_date(const void *a, const void *b)
{
	const struct activity *x = &sort_base[*(const size_t *)a],
	    *y = &sort_base[*(const size_t *)b];

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
sort_customer(struct state *st, struct customer *cu, size_t **order,
    size_t *size)
{
	size_t n = 0, i;

	for (i = cu->first_activity; i != NONE; i = st->activity[i].next) {
		if (n == *size) {
			*size = *size ? *size * 2 : 64;
			*order = ereallocarray(*order, *size, sizeof(**order));
		}
		(*order)[n++] = i;
	}
	if (n < 2)
		return;
	sort_base = st->activity;
	qsort(*order, n, sizeof(**order), by_date);
	cu->first_activity = (*order)[0];
	for (i = 0; i + 1 < n; i++)
		st->activity[(*order)[i]].next = (*order)[i + 1];
	st->activity[(*order)[n - 1]].next = NONE;
	cu->last_activity = (*order)[n - 1];
}

void
decide_timeline(struct state *st)
{
	size_t *order = NULL, size = 0, i;

	for (i = 0; i < st->ncustomers; i++)
		if (st->customers[i].wanted)
			sort_customer(st, &st->customers[i], &order, &size);
	free(order);
}

/* --- notes -------------------------------------------------------- */

/* Add one note, "; " after the one before: head then tail. */
static void
note2(struct state *st, const char *head, size_t head_len, const char *tail,
    size_t tail_len)
{
	size_t need = st->notes_len + head_len + tail_len + 3;

	if (need > st->notes_size) {
		st->notes_size = need * 2;
		st->notes = ereallocarray(st->notes, st->notes_size, 1);
	}
	if (st->notes_len > 0) {
		memcpy(st->notes + st->notes_len, "; ", 2);
		st->notes_len += 2;
	}
	memcpy(st->notes + st->notes_len, head, head_len);
	st->notes_len += head_len;
	if (tail_len > 0)
		memcpy(st->notes + st->notes_len, tail, tail_len);
	st->notes_len += tail_len;
	st->notes[st->notes_len] = '\0';
}

static void
note(struct state *st, const char *s, size_t len)
{
	note2(st, s, len, "", 0);
}

/* ASCII case-insensitive search: free text, never the locale's idea. */
static int
mentions(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word), i, j;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n; j++) {
			unsigned char c = s[i + j];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (c != (unsigned char)word[j])
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

static int
worth_telling(const struct state *st, const struct activity *act)
{
	int i;

	for (i = 0; note_words[i]; i++)
		if (mentions(T(st, act->note), act->note.len, note_words[i]) ||
		    mentions(T(st, act->outcome), act->outcome.len, note_words[i]))
			return 1;
	return 0;
}

static void
note_activity(struct state *st, const struct customer *cu)
{
	const struct activity *act;
	char head[160];
	size_t i;
	int len;

	for (i = cu->first_activity; i != NONE; i = act->next) {
		act = &st->activity[i];
		if (!worth_telling(st, act))
			continue;
		len = snprintf(head, sizeof(head), "%s %.40s %.60s: ",
		    T(st, act->date_text), T(st, act->channel),
		    T(st, act->outcome));
		note2(st, head, (size_t)len < sizeof(head) ? (size_t)len :
		    sizeof(head) - 1, T(st, act->note), act->note.len);
	}
}

static void
note_master(struct state *st, const struct account *a,
    const struct customer *cu)
{
	char buf[128], date[DATE_TEXT_MAX], money[MONEY_TEXT_MAX];

	if (cu->promise != NO_DATE) {
		date_format(date, cu->promise);
		note(st, buf, snprintf(buf, sizeof(buf), "%s to pay by %s",
		    cu->promise >= st->opt->cli.as_of ? "promise" :
		    "broken promise", date));
	}
	if (text_is(st, cu->retry_status, "failed"))
		note(st, "card payment retry failed", 25);
	if (!cu->in_master)
		note(st, "not in the customer master", 26);
	else if (cu->master_flags.len > 0)
		note2(st, "flags ", 6, T(st, cu->master_flags),
		    cu->master_flags.len);
	if (a->disputed_balance > 0) {
		money_format(money, a->disputed_balance, a->exponent);
		note(st, buf, snprintf(buf, sizeof(buf), "disputed invoices "
		    "kept back: %s %s, do not collect", money,
		    T(st, a->currency)));
	}
}

/* The notes of a placement, into st->notes (not yet redacted). */
void
decide_notes(struct state *st, const struct account *a)
{
	const struct customer *cu = &st->customers[a->customer_index];

	if (st->notes == NULL) {	/* empty notes are still a string */
		st->notes_size = 256;
		st->notes = emalloc(st->notes_size);
	}
	st->notes_len = 0;
	st->notes[0] = '\0';
	note_master(st, a, cu);
	if (cu->has_contact && cu->contact.language.len > 0 &&
	    !text_is(st, cu->contact.language, "en"))
		note2(st, "language ", 9, T(st, cu->contact.language),
		    cu->contact.language.len);
	note_activity(st, cu);
}
