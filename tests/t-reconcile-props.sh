#!/bin/bash
# Properties of reconcile-payments on generated data (bin/gen-payments):
# thousands of random customers and payments, and the conservation laws
# checked from the files it writes, in integer minor units:
#  - every unposted payment: amount = applied (ledger) + unapplied
#  - every invoice: new balance = old - applied >= 0, applied = ledger sum
#  - per currency: balances in - applied = balances out;
#    payments = applied + unapplied
#  - the same bytes whatever the order of rows in either file, whether
#    stdin is a file or a pipe, and whatever its line ends
# Usage: tests/t-reconcile-props.sh BINDIR; prints "N passed, N failed".
set -u
export LC_ALL=C
BINDIR=$(cd "${1:-bin}" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
passed=0
failed=0

check() {	# check NAME COMMAND...: passes when the command succeeds
	local name=$1
	shift
	if "$@" > "$W/why" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL t-reconcile-props: %s: %s\n' "$name" "$(head -c 600 "$W/why")"
	fi
}

# Shuffle the data lines of a TSV file, keeping the header, with a seed.
shuffle() {
	awk -v seed="$2" 'BEGIN { srand(seed) } NR == 1 { print; next }
	    { printf "%.8f\t%s\n", rand(), $0 | "sort -k1,1 | cut -f2-" }' "$1"
}

run() {	# run INVOICES PAYMENTS OUTDIR: stdin from a file
	mkdir -p "$3"
	"$BINDIR/reconcile-payments" --as-of 2026-03-01 --tolerance 2.50 \
	    --payments "$2" --matches "$3/matches" --unapplied "$3/unapplied" \
	    --stats < "$1" > "$3/out" 2> "$3/stats"
}

"$BINDIR/gen-payments" -s 11 -c 3000 20000 8000 "$W/inv" "$W/pay" ||
    { echo "gen-payments failed"; echo "0 passed, 1 failed"; exit 1; }
run "$W/inv" "$W/pay" "$W/a"
check "exit status" test $? = 0

# Every method and every unapplied reason happens in this data, so the
# laws below are tested on all of them.
methods() {
	local m
	for m in reference exact combination tolerance fifo; do
		grep -q "	$m\$" "$W/a/matches" || { echo "no $m match"; return 1; }
	done
	for m in unknown_customer currency overpayment; do
		grep -q "	$m\$" "$W/a/unapplied" || { echo "no $m unapplied"; return 1; }
	done
}
check "every method and reason occurs" methods

# Payments: amount = applied + unapplied, each unposted payment accounted
# for once, posted ones never applied.
payments_conserved() {
	awk -F'\t' '
	function minor(s,  neg) { neg = s ~ /^-/; gsub(/[-.]/, "", s); return (neg ? -1 : 1) * (s + 0) }
	FILENAME == ARGV[1] && FNR > 1 { if ($6 == "posted") posted[$1] = 1; else amount[$1] = minor($4); next }
	FILENAME == ARGV[2] && FNR > 1 { got[$1] += minor($5); if ($1 in posted) { print "posted payment applied: " $1; bad = 1 } next }
	FILENAME == ARGV[3] && FNR > 1 { got[$1] += minor($4); if (++unapplied[$1] > 1) { print "two unapplied rows: " $1; bad = 1 } next }
	END {
		for (p in amount) if (got[p] != amount[p]) { print p ": amount " amount[p] ", applied + unapplied " got[p]; bad = 1 }
		for (p in got) if (!(p in amount)) { print "unknown payment in outputs: " p; bad = 1 }
		exit bad
	}' "$W/pay" "$W/a/matches" "$W/a/unapplied"
}
check "payments: amount = applied + unapplied" payments_conserved

# Invoices: new = old - applied >= 0, applied = sum of the ledger, the
# ledger names the right customer and currency, other columns untouched.
invoices_conserved() {
	awk -F'\t' '
	function minor(s,  neg) { neg = s ~ /^-/; gsub(/[-.]/, "", s); return (neg ? -1 : 1) * (s + 0) }
	FILENAME == ARGV[1] && FNR > 1 { old[$1] = minor($5); cust[$1] = $2; cur[$1] = $3; n_in++; next }
	FILENAME == ARGV[2] && FNR > 1 {
		ledger[$2] += minor($5)
		if (cust[$2] != $3 || cur[$2] != $4) { print "ledger row for the wrong customer or currency: " $0; bad = 1 }
		next
	}
	FILENAME == ARGV[3] && FNR == 1 { if ($11 != "applied" || $14 != "last_payment_date") { print "header: " $0; bad = 1 } next }
	FILENAME == ARGV[3] {
		n_out++
		new = minor($5); applied = minor($11)
		if (new != old[$1] - applied) { print $1 ": old " old[$1] " - applied " applied " != new " new; bad = 1 }
		if (applied > 0 && new < 0) { print $1 ": below zero"; bad = 1 }
		if (applied != ledger[$1] + 0) { print $1 ": applied " applied " but ledger " ledger[$1]; bad = 1 }
		if (applied > 0 && new == 0 && $9 != "paid") { print $1 ": paid off but bucket " $9; bad = 1 }
		if ((applied > 0) != ($12 != "")) { print $1 ": payment_ids " $12 " with applied " applied; bad = 1 }
	}
	END { if (n_in != n_out) { print "rows in " n_in ", out " n_out; bad = 1 } exit bad }
	' "$W/inv" "$W/a/matches" "$W/a/out" &&
	cut -f1-4,6-8,10 "$W/inv" | cmp -s - <(cut -f1-4,6-8,10 "$W/a/out") ||
	    { echo "passthrough columns changed"; return 1; }
}
check "invoices: new balance = old - applied >= 0" invoices_conserved

# Per currency, the books balance, and --stats says the same.
totals_balance() {
	awk -F'\t' '
	function minor(s,  neg) { neg = s ~ /^-/; gsub(/[-.]/, "", s); return (neg ? -1 : 1) * (s + 0) }
	FILENAME == ARGV[1] && FNR > 1 { bin[$3] += minor($5); next }
	FILENAME == ARGV[2] && FNR > 1 { if ($6 != "posted") paid[$3] += minor($4); next }
	FILENAME == ARGV[3] && FNR > 1 { applied[$4] += minor($5); next }
	FILENAME == ARGV[4] && FNR > 1 { unapplied[$3] += minor($4); next }
	FILENAME == ARGV[5] && FNR > 1 { bout[$3] += minor($5); next }
	END {
		for (c in bin) {
			if (bin[c] - applied[c] != bout[c]) { print c ": in " bin[c] " - applied " applied[c] " != out " bout[c]; bad = 1 }
			if (paid[c] != applied[c] + unapplied[c]) { print c ": payments " paid[c] " != applied + unapplied"; bad = 1 }
		}
		exit bad
	}' "$W/inv" "$W/pay" "$W/a/matches" "$W/a/unapplied" "$W/a/out" || return 1
	# the USD part of --stats, recomputed
	awk -F'\t' '
	function minor(s,  neg) { neg = s ~ /^-/; gsub(/[-.]/, "", s); return (neg ? -1 : 1) * (s + 0) }
	FNR > 1 && $3 == "USD" { s += minor($5) }
	END { printf "USD balance in %d.%02d", s / 100, s % 100 }' "$W/inv" > "$W/want"
	grep -qF "$(cat "$W/want")" "$W/a/stats" ||
	    { echo "stats: want \"$(cat "$W/want")\" in $(cat "$W/a/stats")"; return 1; }
}
check "totals per currency balance out" totals_balance

# Order of rows in either file changes nothing but the order of the rows.
shuffled_same() {
	shuffle "$W/inv" 7 > "$W/inv.shuf"
	shuffle "$W/pay" 8 > "$W/pay.shuf"
	cmp -s "$W/inv" "$W/inv.shuf" && { echo "shuffle did nothing"; return 1; }
	run "$W/inv.shuf" "$W/pay.shuf" "$W/b" || { echo "exit $?"; return 1; }
	cmp "$W/a/matches" "$W/b/matches" && cmp "$W/a/unapplied" "$W/b/unapplied" &&
	    cmp <(sort "$W/a/out") <(sort "$W/b/out") && cmp "$W/a/stats" "$W/b/stats"
}
check "shuffled inputs give identical bytes" shuffled_same

# A pipe on stdin goes through the spill file: same bytes as a file.
pipe_same() {
	mkdir -p "$W/c"
	cat "$W/inv" | "$BINDIR/reconcile-payments" --as-of 2026-03-01 \
	    --tolerance 2.50 --payments "$W/pay" > "$W/c/out" &&
	    cmp "$W/a/out" "$W/c/out"
}
check "stdin from a pipe gives the same bytes" pipe_same

# The second pass reads a plain TSV line by line, and anything else (a CR
# in the header, a byte order mark) through rows_next: both give the same
# bytes.  CRLF rows and blank lines under a plain header take the first way.
readers_same() {
	mkdir -p "$W/e"
	sed 's/$/\r/' "$W/inv" > "$W/inv.crlf"
	{ printf '\357\273\277'; cat "$W/inv"; } > "$W/inv.bom"
	awk 'NR > 1 && NR % 7 == 0 { printf "%s\r\n\n", $0; next } { print }' \
	    "$W/inv" > "$W/inv.mixed"
	for f in crlf bom mixed; do
		"$BINDIR/reconcile-payments" --as-of 2026-03-01 --tolerance 2.50 \
		    --payments "$W/pay" < "$W/inv.$f" > "$W/e/$f" &&
		    cmp "$W/a/out" "$W/e/$f" || { echo "$f differs"; return 1; }
	done
}
check "line and row readers give the same bytes" readers_same

# Running it on its own output gives the same output (SPEC 1).
rerun_same() {
	run "$W/a/out" "$W/pay" "$W/d" && cmp "$W/a/out" "$W/d/out" &&
	    cmp "$W/a/matches" "$W/d/matches"
}
check "rerun on its own output gives the same bytes" rerun_same

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
