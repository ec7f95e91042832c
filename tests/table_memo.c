/*
 * Table test of lib/memo: "refs<TAB>memo<TAB>expected" gives each reference
 * as key[span] separated by spaces ("-" for none); "key<TAB>id<TAB>expected"
 * gives memo_key of the id.
 */
#include <stdio.h>
#include <string.h>

#include "memo.h"
#include "table.h"

static void
show_refs(const char *memo_text, char *result, size_t size)
{
	static struct memo *m;
	struct memo_ref refs[MEMO_MAX_REFS];
	const char *errstr;
	char key[256];
	size_t i, n, len, used = 0;

	if (m == NULL && (m = memo_new(&errstr)) == NULL) {
		snprintf(result, size, "memo_new: %s", errstr);
		return;
	}
	n = memo_refs(m, memo_text, strlen(memo_text), refs, MEMO_MAX_REFS);
	snprintf(result, size, "-");
	for (i = 0; i < n && used < size; i++) {
		if (refs[i].number_len + 3 > sizeof(key))
			continue;
		len = memo_ref_key(key, memo_text, &refs[i]);
		used += snprintf(result + used, size - used, "%s%.*s[%.*s]",
		    i ? " " : "", (int)len, key, (int)refs[i].len,
		    memo_text + refs[i].start);
	}
}

void
table_memo(int argc, char **argv, char *result, size_t size)
{
	char key[1024];
	size_t len;

	if (argc == 2 && strcmp(argv[0], "refs") == 0)
		show_refs(argv[1], result, size);
	else if (argc == 2 && strcmp(argv[0], "key") == 0 &&
	    strlen(argv[1]) < sizeof(key)) {
		len = memo_key(key, argv[1], strlen(argv[1]));
		snprintf(result, size, "%.*s", (int)len, key);
	} else
		snprintf(result, size, "bad table line");
}
