#!/bin/bash
# agency-pack's batch directory as the agency and the night see it: files
# mode 0600 in a 0700 directory, a manifest whose hashes and counts are
# those of the files, no temporary directory left behind, a rerun with the
# same inputs that changes nothing, a rerun with other inputs refused (73)
# and left untouched, --replace, and no batch at all when rows are
# rejected or the directory cannot be made.
set -u
export LC_ALL=C
BINDIR=$(cd "${1:-bin}" && pwd)
DATA=$(cd "$(dirname "$0")/../testdata/agency-pack" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TEST=t-agency-pack
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

# pack OUTDIR STDIN [OPTIONS...]: run on the basic inputs; stdout to
# $WORK/ledger, stderr to $WORK/err, the exit status in $rc
pack() {
	local out=$1 input=$2
	shift 2
	(cd "$DATA" && "$BINDIR/agency-pack" --invoices invoices.tsv \
	    --contacts contacts.tsv --activity activity.tsv \
	    --accounts accounts.tsv --placed placed.tsv --out "$out" \
	    --as-of 2026-03-01 "$@" < "$input" > "$WORK/ledger" 2> "$WORK/err")
	rc=$?
}

# snapshot DIR: names, modes, inodes and bytes, to tell "nothing changed"
snapshot() {
	(cd "$1" && stat -c '%n %a %i %s %Y' . ./* && cat -- ./*)
}

FILES="placements.tsv placement_invoices.tsv activity.tsv updates.tsv recalls.tsv manifest.tsv"
BATCH=$WORK/out/agency/2026-03-01

# --- a first run ----------------------------------------------------
pack "$WORK/out" basic.in
check "first run exits 0" "$rc" "exit $rc: $(head -3 "$WORK/err")"
cp "$WORK/ledger" "$WORK/ledger.first"

bad=
for f in $FILES; do
	mode=$(stat -c %a "$BATCH/$f" 2>/dev/null)
	[ "$mode" = 600 ] || bad="$bad $f:${mode:-missing}"
done
[ -z "$bad" ]
check "every file is mode 0600" $? "$bad"
[ "$(stat -c %a "$BATCH")" = 700 ]
check "the batch directory is mode 0700" $? "$(stat -c %a "$BATCH")"
[ "$(ls -A "$BATCH" | sort | tr '\n' ' ')" = "activity.tsv manifest.tsv placement_invoices.tsv placements.tsv recalls.tsv updates.tsv " ]
check "the batch holds the six files and nothing else" $? "$(ls -A "$BATCH")"
[ "$(ls -A "$WORK/out/agency")" = 2026-03-01 ]
check "no temporary directory left" $? "$(ls -A "$WORK/out/agency")"

# the manifest's hashes and row counts, recomputed with coreutils
bad=
# (a tab is IFS white space: read would fold the empty total away)
awk -F'\t' 'NR > 1 { print $1, $2, $4 }' "$BATCH/manifest.tsv" > "$WORK/manifest"
while read -r file rows sha; do
	got=$(sha256sum < "$BATCH/$file" | cut -d' ' -f1)
	[ "$got" = "$sha" ] || bad="$bad $file:sha"
	got=$(($(wc -l < "$BATCH/$file") - 1))
	[ "$got" = "$rows" ] || bad="$bad $file:rows $got != $rows"
done < "$WORK/manifest"
[ -z "$bad" ] && [ "$(wc -l < "$BATCH/manifest.tsv")" = 6 ]
check "manifest hashes and counts match the files" $? "$bad"

# the manifest's totals, summed here from the files (in cents)
sum_col() {	# sum_col FILE COLUMN CURRENCY-COLUMN CURRENCY
	awk -F'\t' -v c="$2" -v k="$3" -v cur="$4" 'NR > 1 && $k == cur {
		v = $c; neg = sub(/^-/, "", v); sub(/\./, "", v)
		s += neg ? -v : v } END { printf "%d\n", s }' "$1"
}
[ "$(sum_col "$BATCH/placements.tsv" 4 2 USD)" = 1208000 ] &&
    [ "$(sum_col "$BATCH/placement_invoices.tsv" 5 3 USD)" = 1208000 ] &&
    [ "$(sum_col "$BATCH/recalls.tsv" 4 2 USD)" = 118500 ] &&
    grep -q "^placements.tsv	4	EUR 250.00,JPY 150000,USD 12080.00	" "$BATCH/manifest.tsv"
check "placements and their invoices add up, as the manifest says" $? \
    "$(cat "$BATCH/manifest.tsv")"

# --- a rerun with the same inputs changes nothing ------------------
before=$(snapshot "$BATCH")
sleep 1		# a rewrite would show in the mtimes
pack "$WORK/out" basic.in
check "same rerun exits 0" "$rc" "exit $rc: $(head -3 "$WORK/err")"
[ "$(snapshot "$BATCH")" = "$before" ]
check "same rerun leaves the batch untouched" $? "the batch changed"
cmp -s "$WORK/ledger" "$WORK/ledger.first"
check "same rerun writes the same ledger" $? "$(diff "$WORK/ledger.first" "$WORK/ledger" | head -5)"
[ "$(ls -A "$WORK/out/agency")" = 2026-03-01 ]
check "same rerun leaves no temporary directory" $? "$(ls -A "$WORK/out/agency")"

# --- a rerun with other inputs is refused ---------------------------
grep -v '^U1' "$DATA/basic.in" > "$WORK/other.in"
pack "$WORK/out" "$WORK/other.in"
[ "$rc" = 73 ]
check "conflicting rerun exits 73" $? "exit $rc"
grep -q 'agency-pack: .*/agency/2026-03-01: a batch for this date is there already, with other content; --replace to replace it' "$WORK/err"
check "conflicting rerun says why" $? "$(cat "$WORK/err")"
[ ! -s "$WORK/ledger" ]
check "conflicting rerun writes no ledger" $? "$(head -3 "$WORK/ledger")"
[ "$(snapshot "$BATCH")" = "$before" ]
check "conflicting rerun leaves the batch untouched" $? "the batch changed"
[ "$(ls -A "$WORK/out/agency")" = 2026-03-01 ]
check "conflicting rerun leaves no temporary directory" $? "$(ls -A "$WORK/out/agency")"

# --- --replace ------------------------------------------------------
pack "$WORK/out" "$WORK/other.in" --replace
check "--replace exits 0" "$rc" "exit $rc: $(head -3 "$WORK/err")"
# U1 gone from stdin: recalled, its invoice says 450.00 is still open
grep -q '^U1	USD	other	450.00$' "$BATCH/recalls.tsv" &&
    [ "$(wc -l < "$BATCH/updates.tsv")" = 1 ]
check "--replace puts the new batch in place" $? "$(cat "$BATCH/recalls.tsv")"
! grep -q '^U1' "$WORK/ledger"
check "--replace: the recalled account leaves the ledger" $? "$(cat "$WORK/ledger")"
[ "$(ls -A "$WORK/out/agency")" = 2026-03-01 ]
check "--replace leaves neither the old nor a temporary directory" $? \
    "$(ls -A "$WORK/out/agency")"
[ "$(stat -c %a "$BATCH/recalls.tsv")" = 600 ]
check "--replace: files still mode 0600" $? "$(stat -c %a "$BATCH/recalls.tsv")"

# --- another date beside it -----------------------------------------
pack "$WORK/out" basic.in --as-of 2026-03-02
check "next night exits 0" "$rc" "exit $rc: $(head -3 "$WORK/err")"
[ "$(ls -A "$WORK/out/agency" | tr '\n' ' ')" = "2026-03-01 2026-03-02 " ]
check "next night's batch sits beside the first" $? "$(ls -A "$WORK/out/agency")"

# --- no batch when rows are rejected --------------------------------
(cd "$DATA" && "$BINDIR/agency-pack" --invoices invoices.tsv \
    --contacts contacts.tsv --accounts accounts.tsv --out "$WORK/rej" \
    --as-of 2026-03-01 < mismatch.in > "$WORK/ledger" 2> "$WORK/err")
rc=$?
[ "$rc" = 65 ] && [ ! -e "$WORK/rej/agency/2026-03-01" ] && [ ! -s "$WORK/ledger" ] &&
    [ -z "$(ls -A "$WORK/rej/agency" 2>/dev/null)" ]
check "rejected rows: exit 65, no batch, no ledger" $? \
    "exit $rc; $(ls -A "$WORK/rej/agency" 2>&1)"

# --- a directory that cannot be made ---------------------------------
: > "$WORK/not-a-dir"
pack "$WORK/not-a-dir" basic.in
[ "$rc" = 73 ] && grep -q "not-a-dir/agency" "$WORK/err" && [ ! -s "$WORK/ledger" ]
check "--out on a plain file: exit 73 with a message" $? "exit $rc: $(cat "$WORK/err")"

# --- temporary directories of dead runs are swept -------------------
true & dead=$!
wait "$dead"
mkdir -p "$WORK/stale/agency/.2026-03-01.tmp.$dead" "$WORK/stale/agency/.2026-03-01.tmp.$$"
: > "$WORK/stale/agency/.2026-03-01.tmp.$dead/placements.tsv"
pack "$WORK/stale" basic.in
[ "$rc" = 0 ] && [ ! -e "$WORK/stale/agency/.2026-03-01.tmp.$dead" ] &&
    [ -d "$WORK/stale/agency/.2026-03-01.tmp.$$" ]
check "a dead run's temporary directory is removed, a live one's kept" $? \
    "exit $rc: $(ls -A "$WORK/stale/agency")"

# --- CSV: the same batch, cells guarded ------------------------------
pack "$WORK/csv" basic.in --format csv
check "csv run exits 0" "$rc" "exit $rc: $(head -3 "$WORK/err")"
cmp -s "$WORK/ledger" "$WORK/ledger.first"
check "csv: the ledger is TSV, as with --format tsv" $? "the ledger differs"
grep -q "^P3,2026-02-10,email,out,Dana,bounced,\"'=HYPERLINK" \
    "$WORK/csv/agency/2026-03-01/activity.csv" &&
    [ "$(head -c 2 "$WORK/csv/agency/2026-03-01/updates.csv" | od -An -c | tr -d ' ')" = cu ] &&
    [ "$(sed -n 2p "$WORK/csv/agency/2026-03-01/updates.csv")" = "$(printf 'U1,USD,500.00,450.00,-50.00\r')" ]
check "csv: formula guarded, CRLF, negative amounts not guarded" $? \
    "$(od -c "$WORK/csv/agency/2026-03-01/updates.csv" | head -5)"

finish
