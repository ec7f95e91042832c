#!/bin/bash
# reconcile-payments reads a big regular invoice file in two halves at
# once (RECONCILE_PAYMENTS_HALVES sets the size from which it does; 0:
# always), and matches in two threads.  Whatever it meets, the bytes written must be those of the one
# plain pass: the rows, --matches, --unapplied, --rejects and --stats.
# Each case runs both ways and compares; --stats says when the halves were
# used, so that a case cannot pass by never splitting.
# Usage: tests/t-reconcile-halves.sh BINDIR; prints "N passed, N failed".
set -u
export LC_ALL=C
BINDIR=$(cd "${1:-bin}" && pwd)
W=$(mktemp -d)
mkdir "$W/cases"
trap 'rm -rf "$W"' EXIT
TEST=t-reconcile-halves
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
HALVES_LINE='reconcile-payments: invoices read in two halves at once'


run() {	# run MODE INVOICES PAYMENTS OUTDIR
	mkdir -p "$4"
	# in the output directory, so that messages name the same files
	(cd "$4" && RECONCILE_PAYMENTS_HALVES=$1 "$BINDIR/reconcile-payments" \
	    --as-of 2026-03-01 --tolerance 2.50 --payments "$3" \
	    --matches matches --unapplied unapplied --rejects rejects \
	    --stats < "$2" > out 2> stats
	echo $? > rc)
}

# same NAME INVOICES PAYMENTS SPLIT: both ways give the same bytes, and
# the halves were used (SPLIT=yes) or not (SPLIT=no)
same() {
	local name=$1 d=$W/cases/$1
	run 0 "$2" "$3" "$d/halves"
	run never "$2" "$3" "$d/plain"
	if grep -qxF "$HALVES_LINE" "$d/plain/stats"; then
		fail "$name" "split although told never to"
		return
	fi
	if grep -qxF "$HALVES_LINE" "$d/halves/stats"; then
		[ "$4" = yes ] || { fail "$name" "split, should not have"; return; }
		grep -vxF "$HALVES_LINE" "$d/halves/stats" > "$d/halves/s" || true
		mv "$d/halves/s" "$d/halves/stats"
	elif [ "$4" = yes ]; then
		fail "$name" "did not split"
		return
	fi
	if ! diff -r "$d/plain" "$d/halves" > "$d/diff"; then
		fail "$name" "$(head -c 600 "$d/diff")"
		return
	fi
	pass
}

"$BINDIR/gen-payments" -s 11 -c 3000 20000 8000 "$W/inv" "$W/pay" ||
    { echo "gen-payments failed"; echo "0 passed, 1 failed"; exit 1; }
same generated "$W/inv" "$W/pay" yes
"$BINDIR/gen-payments" -s 5 -c 400 6000 3000 "$W/inv5" "$W/pay5"
same generated-few-customers "$W/inv5" "$W/pay5" yes

# shuffled rows: each half holds other invoices, the same bytes still
awk 'BEGIN { srand(3) } NR == 1 { print; next }
    { printf "%.8f\t%s\n", rand(), $0 | "sort -k1,1 | cut -f2-" }' \
    "$W/inv" > "$W/inv-shuffled"
same shuffled "$W/inv-shuffled" "$W/pay" yes

# Currencies first met in each half, one in lowercase: the halves number
# them apart and the merge must number them as one pass would.
awk -F'\t' -v OFS='\t' '{ print }
    NR == 2 { print "NOK-1", "C000301", "NOK", "30.00", "30.00",
	"2026-01-01", "2026-01-31", "29", "1-30", "PO" }
    END { for (i = 1; i <= 40; i++) {
	print "CHF-" i, "C000" (100 + i), "CHF", "10.00", "10.00",
	    "2026-01-01", "2026-01-31", "29", "1-30", "PO"
	print "SEK-" i, "C000" (200 + i), "sek", "20.00", "20.00",
	    "2026-01-01", "2026-01-31", "29", "1-30", "PO" }
	# held (their customers have unposted payments), in a currency
	# no payment is in, with no minor unit: a wrong one shows in "applied"
	print "ISK-1", "C000441", "ISK", "1500", "1500", "2026-01-01",
	    "2026-01-31", "29", "1-30", "PO"
	print "ISK-2", "C002333", "ISK", "2500", "2500", "2026-01-01",
	    "2026-01-31", "29", "1-30", "PO" }' \
    "$W/inv" > "$W/inv-currencies"
awk -F'\t' -v OFS='\t' '{ print }
    END { print "P-CHF-1", "C000101", "CHF", "10.00", "2026-02-20",
	"unposted", ""
	print "P-SEK-1", "", "SEK", "20.00", "2026-02-20", "unposted",
	"inv SEK-7" }' "$W/pay" > "$W/pay-currencies"
same new-currencies "$W/inv-currencies" "$W/pay-currencies" yes

# Customers without payments whose invoices a memo names, in both halves,
# with more rows of theirs after (last_payment_date); and one memo key
# held by invoices in both halves (INV-7001 and inv7001).
awk -F'\t' -v OFS='\t' 'NR == 2 { print "INV-7001", "LATE-A", "USD", "5.00",
	"5.00", "2026-01-01", "2026-01-31", "29", "1-30", "PO" }
    { print }
    NR == 100 { print "X-1", "LATE-A", "USD", "7.00", "7.00", "2026-01-01",
	"2026-01-31", "29", "1-30", "PO" }
    END { print "inv7001", "LATE-B", "USD", "6.00", "6.00", "2026-01-02",
	"2026-02-01", "28", "1-30", "PO"
	print "X-2", "LATE-A", "USD", "8.00", "8.00", "2026-01-01",
	"2026-01-31", "29", "1-30", "PO"
	print "X-3", "LATE-B", "USD", "9.00", "9.00", "2026-01-01",
	"2026-01-31", "29", "1-30", "PO" }' "$W/inv" > "$W/inv-late"
awk -F'\t' -v OFS='\t' '{ print }
    END { print "P-LATE-1", "", "USD", "4.00", "2026-02-27", "unposted",
	"paying INV 7001"
	print "P-LATE-2", "", "USD", "6.00", "2026-02-26", "unposted",
	"Inv#7001" }' "$W/pay" > "$W/pay-late"
same late-customers "$W/inv-late" "$W/pay-late" yes

# Blank lines and CRLF line ends in both halves.
awk 'NR > 1 && NR % 7 == 0 { printf "%s\r\n\n", $0; next } { print }' \
    "$W/inv" > "$W/inv-crlf"
same crlf-blank "$W/inv-crlf" "$W/pay" yes

# Every line CRLF, the header too: read the one way (rows_next decides
# what ends a line), the same bytes.
sed 's/$/\r/' "$W/inv" > "$W/inv-crlf-all"
same crlf-header "$W/inv-crlf-all" "$W/pay" no

# A rejected row late in the file: the halves give up and the one plain
# pass rejects it in order, with its line number.
awk -F'\t' -v OFS='\t' 'NR == 15000 { $5 = "12,34.5x" } { print }' \
    "$W/inv" > "$W/inv-reject"
same reject "$W/inv-reject" "$W/pay" no
grep -q ':15000: balance' "$W/cases/reject/plain/rejects" "$W/cases/reject/plain/stats" ||
    grep -q '	15000	' "$W/cases/reject/plain/rejects" &&
    pass || fail reject-line "line 15000 not named in the rejects"

# A byte order mark before the header: not split, the same bytes.
{ printf '\357\273\277'; cat "$W/inv"; } > "$W/inv-bom"
same bom "$W/inv-bom" "$W/pay" no

# From a pipe there is nothing to split.
RECONCILE_PAYMENTS_HALVES=0 "$BINDIR/reconcile-payments" --as-of 2026-03-01 \
    --payments "$W/pay" --stats < <(cat "$W/inv") > "$W/pipe.out" 2> "$W/pipe.stats"
if grep -qxF "$HALVES_LINE" "$W/pipe.stats"; then
	fail pipe "split a pipe"
elif ! cmp -s "$W/pipe.out" "$W/cases/generated/plain/out" 2>/dev/null; then
	# the generated case ran with --tolerance 2.50: compare with a plain run
	RECONCILE_PAYMENTS_HALVES=never "$BINDIR/reconcile-payments" \
	    --as-of 2026-03-01 --payments "$W/pay" < "$W/inv" > "$W/plain.out"
	cmp -s "$W/pipe.out" "$W/plain.out" && pass ||
	    fail pipe "rows differ from the plain pass"
else
	pass
fi

# The payments are matched in two threads, the ledgers' lines kept in
# memory and written out in payment order every stretch of payments (4096
# here): the rows, --matches, --unapplied and totals must be those of the
# one matcher (RECONCILE_PAYMENTS_MATCHERS=1), with both ledgers, with
# --unapplied alone and with none, and --stats must say which matched.
match_run() {	# match_run INVOICES PAYMENTS OUT ONE [ARGS]: --stats to OUT.stats
	local inv=$1 pay=$2 out=$3 one=$4
	shift 4
	env ${one:+RECONCILE_PAYMENTS_MATCHERS=1} \
	    "$BINDIR/reconcile-payments" --as-of 2026-03-01 --tolerance 2.50 \
	    --payments "$pay" --stats "$@" < "$inv" > "$out" 2> "$out.stats"
}
matchers() {	# matchers NAME INVOICES PAYMENTS
	local d=$W/cases/$1
	mkdir -p "$d"
	match_run "$2" "$3" "$d/one" 1 --matches "$d/one.m" --unapplied "$d/one.u"
	match_run "$2" "$3" "$d/two" "" --matches "$d/two.m" --unapplied "$d/two.u"
	match_run "$2" "$3" "$d/unapplied" "" --unapplied "$d/unapplied.u"
	match_run "$2" "$3" "$d/none" ""
	if grep -q 'matched in two threads' "$d/one.stats"; then
		fail "$1" "two matchers although RECONCILE_PAYMENTS_MATCHERS=1"
	elif ! grep -q 'matched in two threads' "$d/two.stats" ||
	    ! grep -q 'matched in two threads' "$d/unapplied.stats" ||
	    ! grep -q 'matched in two threads' "$d/none.stats"; then
		fail "$1" "one matcher where two were to match"
	elif ! cmp -s "$d/one" "$d/two" || ! cmp -s "$d/one" "$d/unapplied" ||
	    ! cmp -s "$d/one" "$d/none"; then
		fail "$1" "rows differ from the one matcher's"
	elif ! cmp -s "$d/one.m" "$d/two.m"; then
		fail "$1" "--matches differs: $(cmp "$d/one.m" "$d/two.m")"
	elif ! cmp -s "$d/one.u" "$d/two.u" || ! cmp -s "$d/one.u" "$d/unapplied.u"; then
		fail "$1" "--unapplied differs from the one matcher's"
	elif [ "$(wc -l < "$d/one.m")" -lt 4000 ]; then
		fail "$1" "too few matches to take several stretches"
	elif ! diff <(grep -v 'two' "$d/one.stats") \
	    <(grep -v 'two' "$d/two.stats") > "$d/diff" ||
	    ! diff <(grep -v 'two' "$d/one.stats") \
	    <(grep -v 'two' "$d/none.stats") >> "$d/diff"; then
		fail "$1" "totals differ: $(head -c 600 "$d/diff")"
	else
		pass
	fi
}
matchers two-matchers "$W/inv" "$W/pay"
matchers two-matchers-shuffled "$W/inv-shuffled" "$W/pay"
matchers two-matchers-late "$W/inv-late" "$W/pay-late"
matchers two-matchers-currencies "$W/inv-currencies" "$W/pay-currencies"

# An empty invoice file, and one of a header only.
: > "$W/empty"
same empty "$W/empty" "$W/pay" no
head -1 "$W/inv" > "$W/header"
same header-only "$W/header" "$W/pay" no

finish
