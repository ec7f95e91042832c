#!/bin/bash
# dedupe-contacts beyond one batch: the stream path (input grouped by
# customer_id) and the spill path (sorted runs on disk, merged) must write
# the very bytes of the in-memory path.  DEDUPE_CONTACTS_RUN_BYTES (for
# tests, see the man page) makes the run tiny so 12,000 rows take them.
set -u
export LC_ALL=C
BINDIR=$(cd "${1:-bin}" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
TAB=$(printf '\t')
DC="$BINDIR/dedupe-contacts --as-of 2026-01-15"

check() {	# check NAME STATUS DETAIL
	if [ "$2" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL t-dedupe-spill: %s: %s\n' "$1" "$3"
	fi
}

# same NAME: out.tsv and cl.tsv of the run NAME equal the in-memory ones
same() {
	cmp -s "$WORK/mem.out" "$WORK/$1.out" &&
	    cmp -s "$WORK/mem.cl" "$WORK/$1.cl"
	check "$1: same bytes as in memory" $? \
	    "$(cmp "$WORK/mem.out" "$WORK/$1.out" 2>&1; cmp "$WORK/mem.cl" "$WORK/$1.cl" 2>&1)"
}

empty_dir() {	# empty_dir NAME DIR
	[ -z "$(ls -A "$2")" ]
	check "$1: temporary files removed" $? "left in $2: $(ls -A "$2" | head -3)"
}

"$BINDIR/gen-contacts" --seed 11 --customers 3000 --contacts 12000 > "$WORK/grouped.tsv"
# a shuffle: rows ordered by a hash of their line, not by customer
{ head -n 1 "$WORK/grouped.tsv"
  tail -n +2 "$WORK/grouped.tsv" |
      awk '{ h = 0; for (i = 1; i <= length($0); i += 7) h = (h * 31 + index("0123456789", substr($0, i, 1)) + i) % 1000003; print h "\t" $0 }' |
      sort -t "$TAB" -k1,1n -k2,2 | cut -f 2-; } > "$WORK/shuffled.tsv"
cut -f 2 "$WORK/shuffled.tsv" | tail -n +2 | sort -c 2>/dev/null
check "the shuffled input is not grouped" "$([ $? != 0 ]; echo $?)" "sort -c found it sorted"
check "the shuffle keeps every row" "$(cmp -s <(sort "$WORK/grouped.tsv") <(sort "$WORK/shuffled.tsv"); echo $?)" "rows differ"

$DC --clusters "$WORK/mem.cl" < "$WORK/shuffled.tsv" > "$WORK/mem.out" 2> "$WORK/err"
check "in memory: exit" $? "$(head -c 300 "$WORK/err")"
# the reference itself: sorted by customer_id then contact_id, every row mapped
tail -n +2 "$WORK/mem.out" | sort -t "$TAB" -k2,2 -k1,1 -c
check "in memory: sorted by customer_id, contact_id" $? "out of order"
check "in memory: every row mapped" "$([ "$(tail -n +2 "$WORK/mem.cl" | wc -l)" = 12000 ]; echo $?)" \
    "$(tail -n +2 "$WORK/mem.cl" | wc -l) rows in --clusters"

# spill: about 60 rows a run, 200 runs, so runs merge in two levels
mkdir "$WORK/tmp"
DEDUPE_CONTACTS_RUN_BYTES=20000 TMPDIR="$WORK/tmp" $DC --clusters "$WORK/spill.cl" \
    < "$WORK/shuffled.tsv" > "$WORK/spill.out" 2> "$WORK/err"
check "spill: exit" $? "$(head -c 300 "$WORK/err")"
same spill
empty_dir spill "$WORK/tmp"

# a few rows a run: 3,000 rows in some 400 runs
DEDUPE_CONTACTS_RUN_BYTES=2000 TMPDIR="$WORK/tmp" $DC --clusters "$WORK/spill1.cl" \
    < <(head -n 3001 "$WORK/shuffled.tsv") > "$WORK/spill1.out" 2> "$WORK/err"
check "spill, 2000 bytes a run: exit" $? "$(head -c 300 "$WORK/err")"
$DC --clusters "$WORK/mem1.cl" < <(head -n 3001 "$WORK/shuffled.tsv") > "$WORK/mem1.out"
cmp -s "$WORK/mem1.out" "$WORK/spill1.out" && cmp -s "$WORK/mem1.cl" "$WORK/spill1.cl"
check "spill, 2000 bytes a run: same bytes" $? "differs"

# stream: grouped input, each customer written as the next begins
for size in 1 20000; do
	DEDUPE_CONTACTS_RUN_BYTES=$size $DC --clusters "$WORK/stream$size.cl" \
	    < "$WORK/grouped.tsv" > "$WORK/stream$size.out" 2> "$WORK/err"
	check "stream $size: exit" $? "$(head -c 300 "$WORK/err")"
	same "stream$size"
done

# a grouped stream that stops being grouped cannot take back what it wrote
{ cat "$WORK/grouped.tsv"; sed -n 2p "$WORK/grouped.tsv" | sed 's/^K/Z/'; } > "$WORK/broken.tsv"
first=$(sed -n 2p "$WORK/grouped.tsv" | cut -f 2)
last=$(tail -n 2 "$WORK/broken.tsv" | head -n 1 | cut -f 2)
DEDUPE_CONTACTS_RUN_BYTES=20000 $DC < "$WORK/broken.tsv" > /dev/null 2> "$WORK/err"
check "stream broken: exit 65" "$([ $? = 65 ]; echo $?)" "exit status other than 65"
want="dedupe-contacts: <stdin>:12002: customer_id: \"$first\" after \"$last\": input longer than the run size was grouped by customer_id up to here; sort it by customer_id first"
check "stream broken: message" "$([ "$(cat "$WORK/err")" = "$want" ]; echo $?)" "$(cat "$WORK/err")"

# a full disk for the output: exit 74, and the runs are gone all the same
DEDUPE_CONTACTS_RUN_BYTES=20000 TMPDIR="$WORK/tmp" $DC < "$WORK/shuffled.tsv" \
    > /dev/full 2> "$WORK/err"
check "spill to /dev/full: exit 74" "$([ $? = 74 ]; echo $?)" "$(head -c 300 "$WORK/err")"
empty_dir "spill to /dev/full" "$WORK/tmp"

# no place for runs
DEDUPE_CONTACTS_RUN_BYTES=20000 TMPDIR="$WORK/missing" $DC < "$WORK/shuffled.tsv" \
    > /dev/null 2> "$WORK/err"
check "TMPDIR missing: exit 73" "$([ $? = 73 ]; echo $?)" "$(head -c 300 "$WORK/err")"
check "TMPDIR missing: message" "$(grep -q "^dedupe-contacts: $WORK/missing: temporary file: No such file or directory\$" "$WORK/err"; echo $?)" \
    "$(cat "$WORK/err")"

DEDUPE_CONTACTS_RUN_BYTES=lots $DC < "$WORK/shuffled.tsv" > /dev/null 2> "$WORK/err"
check "bad DEDUPE_CONTACTS_RUN_BYTES: exit 64" "$([ $? = 64 ]; echo $?)" "$(cat "$WORK/err")"

echo "$passed passed, $failed failed"
