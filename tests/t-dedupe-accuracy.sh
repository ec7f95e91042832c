#!/bin/bash
# dedupe-contacts against the truth: gen-contacts writes noisy contacts with
# a person_id; the filter's --clusters map is scored by pairwise precision
# (pairs it merged that are one person) and recall (pairs of one person it
# merged).  Floors: precision 0.99, recall 0.97.  Also: every row is mapped,
# and shuffled input gives the same bytes.
set -u
export LC_ALL=C
BINDIR=$(cd "${1:-bin}" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

check() {	# check NAME CONDITION-STATUS DETAIL
	if [ "$2" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL t-dedupe-accuracy: %s: %s\n' "$1" "$3"
	fi
}

# score INPUT CLUSTERS: prints "rows precision recall"
score() {
	awk -F'\t' '
	FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
	FILENAME == ARGV[1] {
		person[$col[FILENAME, "contact_id"]] = $col[FILENAME, "person_id"]
		next
	}
	{
		id = $col[FILENAME, "contact_id"]; s = $col[FILENAME, "survivor_id"]
		if (!(id in person)) { print "unknown contact " id > "/dev/stderr"; exit 1 }
		rows++; pred[s]++; truth[person[id]]++; both[s SUBSEP person[id]]++
	}
	function pairs(n) { return n * (n - 1) / 2 }
	END {
		for (k in pred) p += pairs(pred[k])
		for (k in truth) t += pairs(truth[k])
		for (k in both) tp += pairs(both[k])
		printf "%d %.4f %.4f\n", rows, p ? tp / p : 1, t ? tp / t : 1
	}' "$1" "$2"
}

for seed in 42 7; do
	"$BINDIR/gen-contacts" --seed $seed --customers 3000 --contacts 12000 \
	    > "$WORK/in.tsv"
	"$BINDIR/dedupe-contacts" --as-of 2026-01-15 --clusters "$WORK/cl.tsv" \
	    < "$WORK/in.tsv" > "$WORK/out.tsv" 2> "$WORK/err"
	check "seed $seed: exit" $? "$(head -c 300 "$WORK/err")"
	set -- $(score "$WORK/in.tsv" "$WORK/cl.tsv")
	echo "seed $seed: rows $1, precision $2, recall $3"
	check "seed $seed: every row mapped" "$([ "$1" = 12000 ]; echo $?)" \
	    "$1 rows in --clusters, want 12000"
	check "seed $seed: precision" "$(awk -v v="$2" 'BEGIN { exit !(v >= 0.99) }'; echo $?)" \
	    "precision $2 < 0.99"
	check "seed $seed: recall" "$(awk -v v="$3" 'BEGIN { exit !(v >= 0.97) }'; echo $?)" \
	    "recall $3 < 0.97"
done

# The same rows in another order give the same bytes.
{ head -1 "$WORK/in.tsv"; tail -n +2 "$WORK/in.tsv" | sort -t"$(printf '\t')" -k4,4 -k1,1r; } \
    > "$WORK/shuffled.tsv"
"$BINDIR/dedupe-contacts" --as-of 2026-01-15 --clusters "$WORK/cl2.tsv" \
    < "$WORK/shuffled.tsv" > "$WORK/out2.tsv" 2> "$WORK/err"
cmp -s "$WORK/out.tsv" "$WORK/out2.tsv" && cmp -s "$WORK/cl.tsv" "$WORK/cl2.tsv"
check "shuffled input" $? "output changes with the input order"

echo "$passed passed, $failed failed"
