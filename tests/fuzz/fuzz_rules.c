/*
 * rules: the stage-assign rules language, rules_parse then rules_judge.
 * Properties: a refused text says where (a line inside the text, a column
 * from 1) and why; parsing is deterministic; an accepted text judges a few
 * accounts (facts drawn from a hash of the text) to a verdict whose every
 * string is set and bounded, the same with and without --explain tracing,
 * and a trace whose length is its text's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rules.h"

static const char *const words[] = {
	"collections", "current", "active", "failed", "none", "",
	"disputed,key_account", "legal_hold", "USD", "JPY", "finance_review",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

static uint64_t
next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static void
make_facts(struct rules_facts *f, uint64_t *state)
{
	int i;

	memset(f, 0, sizeof(*f));
	f->as_of = 20000 + (int32_t)(next_random(state) % 400);
	f->currency = next_random(state) & 1 ? "USD" : "JPY";
	f->exponent = f->currency[0] == 'U' ? 2 : 0;
	for (i = 0; i < RULES_NFIELDS; i++) {
		struct rules_value *v = &f->field[i];
		uint64_t r = next_random(state);

		v->set = (r & 7) != 0;
		if (i >= RULES_CURRENCY) {
			v->s = words[(r >> 8) % NWORDS];
			v->len = strlen(v->s);
		} else if (i >= RULES_PROMISE_TO_PAY_DATE && i <= RULES_CUSTOMER_SINCE)
			v->n = f->as_of - 200 + (int64_t)((r >> 8) % 400);
		else if (i == RULES_PENDING_PAYMENT || i == RULES_ALL_DISPUTED)
			v->n = (r >> 8) & 1;
		else if (r & 0x100)
			v->n = (int64_t)(r >> 9) - (INT64_MAX >> 10);	/* huge */
		else
			v->n = (int64_t)((r >> 9) % 2000000) - 1000;
	}
}

static void
check_verdict(const struct rules_verdict *v)
{
	FUZZ_ASSERT(v->rule && v->stage && v->owner && v->action && v->outreach);
	FUZZ_ASSERT(memchr(v->reason, '\0', sizeof(v->reason)) != NULL);
	FUZZ_ASSERT(memchr(v->notify, '\0', sizeof(v->notify)) != NULL);
}

static void
judge(const struct rules *rs, uint64_t seed)
{
	struct rules_facts facts, again;
	struct rules_verdict v1, v2;
	struct rules_trace trace = { 0 };
	uint64_t state = seed;

	make_facts(&facts, &state);
	state = seed;
	make_facts(&again, &state);
	rules_judge(rs, &facts, &v1, NULL);
	rules_judge(rs, &again, &v2, &trace);
	check_verdict(&v1);
	check_verdict(&v2);
	FUZZ_ASSERT(strcmp(v1.rule, v2.rule) == 0);
	FUZZ_ASSERT(strcmp(v1.stage, v2.stage) == 0);
	FUZZ_ASSERT(strcmp(v1.owner, v2.owner) == 0);
	FUZZ_ASSERT(strcmp(v1.action, v2.action) == 0);
	FUZZ_ASSERT(strcmp(v1.outreach, v2.outreach) == 0);
	FUZZ_ASSERT(strcmp(v1.reason, v2.reason) == 0);
	FUZZ_ASSERT(strcmp(v1.notify, v2.notify) == 0);
	if (trace.text != NULL)
		FUZZ_ASSERT(trace.len < trace.size && strlen(trace.text) <= trace.len);
	free(trace.text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_error e1, e2;
	struct rules *rs, *rs2;
	uint64_t seed = 88172645463325252ULL;
	size_t i, lines = 1;
	int n;

	for (i = 0; i < size; i++) {
		seed = (seed ^ data[i]) * 1099511628211ULL;
		lines += data[i] == '\n';
	}
	seed |= 1;
	memset(&e1, 0, sizeof(e1));
	rs = rules_parse((const char *)data, size, &e1);
	rs2 = rules_parse((const char *)data, size, &e2);
	FUZZ_ASSERT((rs == NULL) == (rs2 == NULL));
	if (rs == NULL) {
		FUZZ_ASSERT(e1.line >= 1 && (size_t)e1.line <= lines);
		FUZZ_ASSERT(e1.column >= 1);
		FUZZ_ASSERT(memchr(e1.message, '\0', sizeof(e1.message)) != NULL);
		FUZZ_ASSERT(e1.message[0] != '\0');
		FUZZ_ASSERT(e1.line == e2.line && e1.column == e2.column);
		FUZZ_ASSERT(strcmp(e1.message, e2.message) == 0);
		return 0;
	}
	for (n = 0; n < 4; n++)
		judge(rs, seed + (uint64_t)n * 0x9E3779B97F4A7C15ULL);
	rules_free(rs);
	rules_free(rs2);
	return 0;
}
