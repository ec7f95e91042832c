#!/bin/bash
# Limits (docs/hardening.md, "Limits"): hostile shapes of input, made
# here rather than shipped (a 10 MB field, a million columns), each with
# the documented behaviour checked: a 10 MB field or id, a row of a
# million columns, NUL bytes, invalid UTF-8, no trailing newline, an empty
# file, a header only.  The expected values are worked out from how the
# input is made (lengths, counts, the bytes put in), not from a run.
set -u
BINDIR=$(cd "${1:-bin}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export LC_ALL=C
unset AS_OF
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
passed=0 failed=0
AN="$BINDIR/aging-normalize --as-of 2026-03-01"
DC="$BINDIR/dedupe-contacts --as-of 2026-01-15"
SA="$BINDIR/stage-assign --as-of 2026-03-01 --accounts $ROOT/testdata/stage-assign/accounts.tsv"
TEN_MB=10485760
HEAD=$'invoice_id\tcustomer_id\tcurrency\tamount\tdue_date'
CANON=$'invoice_id\tcustomer_id\tcurrency\tamount\tbalance\tissue_date\tdue_date\tdays_past_due\tbucket'
# 2026-01-01 against 2026-03-01: 59 days past due, bucket 31-60
AGED=$'2026-01-01\t59\t31-60'

ok() {	# ok NAME: the last check held
	passed=$((passed + 1))
}
bad() {	# bad NAME WHY
	failed=$((failed + 1))
	echo "FAIL limits $1: $2"
}
# run NAME CMD...: runs CMD with $W/in on stdin into $W/out, $W/err, $rc
run() {
	local name=$1
	shift
	"$@" < "$W/in" > "$W/out" 2> "$W/err"
	rc=$?
	if [ $rc -ge 128 ]; then
		bad "$name" "killed by signal $((rc - 128))"
		return 1
	fi
	return 0
}
x_bytes() {	# x_bytes N CHAR: N copies of CHAR
	head -c "$1" /dev/zero | tr '\0' "$2"
}

# A 10 MB passthrough field, TSV: copied whole, the next row unharmed.
{ printf '%s\tnote\nI1\tC1\tUSD\t10.00\t2026-01-01\t' "$HEAD"; x_bytes $TEN_MB x
  printf '\nI2\tC1\tUSD\t1.00\t2026-01-01\tshort\n'; } > "$W/in"
if run long-field-tsv $AN; then
	got=$(awk -F'\t' 'NR == 2 { print NF, length($10), ($10 ~ /^x+$/) } NR == 3 { print $1, $10 }' "$W/out")
	[ $rc = 0 ] && [ "$got" = "10 $TEN_MB 1
I2 short" ] && ok || bad long-field-tsv "exit $rc, got $(echo "$got" | head -c 200)"
fi

# The same as one quoted CSV field (libcsv's path, not the fast one).
{ printf 'invoice_id,customer_id,currency,amount,due_date,note\nI1,C1,USD,10.00,2026-01-01,"'
  x_bytes $TEN_MB x; printf ' ""q""\nz"\n'; } > "$W/in"
if run long-field-csv $AN; then
	# the quotes undone, the newline escaped: 10 MB + ' "q"\nz' = +7 bytes
	got=$(awk -F'\t' 'NR == 2 { print length($10), substr($10, length($10) - 6) }' "$W/out")
	[ $rc = 0 ] && [ "$got" = "$((TEN_MB + 7))  \"q\"\\nz" ] && ok ||
	    bad long-field-csv "exit $rc, got $(echo "$got" | head -c 200)"
fi

# A 10 MB invoice id: an id like any other (kept whole, checked for repeats).
{ printf '%s\n' "$HEAD"; x_bytes $TEN_MB i; printf '\tC1\tUSD\t1.00\t2026-01-01\n'
  x_bytes $TEN_MB i; printf '\tC1\tUSD\t1.00\t2026-01-01\n'; } > "$W/in"
if run long-id $AN; then
	got=$(awk -F'\t' 'NR > 1 { print length($1) }' "$W/out")
	[ $rc = 65 ] && [ "$got" = $TEN_MB ] && grep -q ':3: invoice_id: duplicate invoice id "iii*\.\.\."$' "$W/err" &&
	    ok || bad long-id "exit $rc, got $got: $(head -c 200 "$W/err")"
fi

# A row of a million columns: all passed through, in order.
awk 'BEGIN { n = 1000000
	printf "invoice_id\tcustomer_id\tcurrency\tamount\tdue_date"
	for (i = 1; i <= n; i++) printf "\tc%d", i
	printf "\nI1\tC1\tUSD\t1.00\t2026-01-01"
	for (i = 1; i <= n; i++) printf "\tv%d", i
	printf "\n" }' > "$W/in"
if run million-columns $AN; then
	got=$(awk -F'\t' '{ print NF, $1, $10, $NF }' "$W/out")
	[ $rc = 0 ] && [ "$got" = "1000009 invoice_id c1 c1000000
1000009 I1 v1 v1000000" ] && ok || bad million-columns "exit $rc, got $got"
fi

# NUL bytes: data like any other byte in a passthrough field (TSV and
# CSV) and in an id; in a typed column they make the value invalid.
printf '%s\tnote\nI\0001\tC1\tUSD\t1.00\t2026-01-01\ta\000b\n' "$HEAD" > "$W/in"
printf '%s\tnote\nI\0001\tC1\tUSD\t1.00\t1.00\t\t%s\ta\000b\n' "$CANON" "$AGED" > "$W/want"
run nul-tsv $AN && { [ $rc = 0 ] && cmp -s "$W/want" "$W/out" && ok ||
    bad nul-tsv "exit $rc: $(od -c "$W/out" | tail -3)"; }
printf 'invoice_id,customer_id,currency,amount,due_date,note\nI1,C1,USD,1.00,2026-01-01,"a\000b"\n' > "$W/in"
printf '%s\tnote\nI1\tC1\tUSD\t1.00\t1.00\t\t%s\ta\000b\n' "$CANON" "$AGED" > "$W/want"
run nul-csv $AN && { [ $rc = 0 ] && cmp -s "$W/want" "$W/out" && ok ||
    bad nul-csv "exit $rc: $(od -c "$W/out" | tail -3)"; }
printf '%s\nI1\tC1\tUSD\t1\000.00\t2026-01-01\n' "$HEAD" > "$W/in"
run nul-amount $AN && { [ $rc = 65 ] && [ "$(cat "$W/out")" = "$CANON" ] &&
    grep -q ':2: amount: invalid amount' "$W/err" && ok ||
    bad nul-amount "exit $rc: $(head -c 200 "$W/err")"; }

# Invalid UTF-8: bytes pass through as they are, never "repaired".
printf '%s\tnote\nI\3771\tC1\tUSD\t1.00\t2026-01-01\t\303\050 \355\240\200\n' "$HEAD" > "$W/in"
printf '%s\tnote\nI\3771\tC1\tUSD\t1.00\t1.00\t\t%s\t\303\050 \355\240\200\n' "$CANON" "$AGED" > "$W/want"
run bad-utf8 $AN && { [ $rc = 0 ] && cmp -s "$W/want" "$W/out" && ok ||
    bad bad-utf8 "exit $rc: $(od -c "$W/out" | tail -3)"; }
# ... and in dedupe-contacts' name and note columns (a name is only a key)
{ head -1 "$ROOT/testdata/dedupe-contacts/basic.in"
  printf 'c1\tC1\tcrm\tJo\377hn\tjohn@acme.com\t\t\t\t\t\t2025-06-01\t2025-06-02\t\303\050\n'; } > "$W/in"
run bad-utf8-dedupe $DC && { [ $rc = 0 ] &&
    [ "$(awk -F'\t' 'NR == 2 { print $3 "|" $17 }' "$W/out")" = $'Jo\377hn|\303\050' ] && ok ||
    bad bad-utf8-dedupe "exit $rc: $(head -c 300 "$W/out" "$W/err")"; }

# No trailing newline: the last row is a row; output lines all end.
printf '%s\nI1\tC1\tUSD\t1.00\t2026-01-01' "$HEAD" > "$W/in"
printf '%s\nI1\tC1\tUSD\t1.00\t1.00\t\t%s\n' "$CANON" "$AGED" > "$W/want"
run no-newline-tsv $AN && { [ $rc = 0 ] && cmp -s "$W/want" "$W/out" && ok ||
    bad no-newline-tsv "exit $rc: $(cat "$W/out" "$W/err")"; }
printf 'invoice_id,customer_id,currency,amount,due_date\r\nI1,C1,USD,1.00,"2026-01-01"' > "$W/in"
run no-newline-csv $AN && { [ $rc = 0 ] && cmp -s "$W/want" "$W/out" && ok ||
    bad no-newline-csv "exit $rc: $(cat "$W/out" "$W/err")"; }
# an unterminated quote at the end is a rejected row, not a lost one
printf 'invoice_id,customer_id,currency,amount,due_date\nI1,C1,USD,1.00,"2026-01-01' > "$W/in"
run open-quote-at-end $AN && { [ $rc = 65 ] &&
    grep -q ':2: unterminated quoted field' "$W/err" && ok ||
    bad open-quote-at-end "exit $rc: $(cat "$W/err")"; }

# Lines ending in CR (old Mac exports) are read, but an LF inside such a
# line cannot be written back as TSV: that row is rejected, not split.
printf '%s\tnote\rI1\tC1\tUSD\t1.00\t2026-01-01\ta\nb\rI2\tC1\tUSD\t1.00\t2026-01-01\tok\r' "$HEAD" > "$W/in"
printf '%s\tnote\nI2\tC1\tUSD\t1.00\t1.00\t\t%s\tok\n' "$CANON" "$AGED" > "$W/want"
run cr-lines-lf-inside $AN && { [ $rc = 65 ] && cmp -s "$W/want" "$W/out" &&
    grep -q ':2: line feed inside a row' "$W/err" && ok ||
    bad cr-lines-lf-inside "exit $rc: $(cat "$W/out" "$W/err")"; }

# An empty file: no header line is an error where the header is needed;
# stage-assign reads no invoices as none (every account settled).
: > "$W/in"
run empty-aging $AN && { [ $rc = 65 ] && [ ! -s "$W/out" ] &&
    grep -q 'empty input: no header line' "$W/err" && ok ||
    bad empty-aging "exit $rc: $(cat "$W/err")"; }
run empty-dedupe $DC && { [ $rc = 65 ] && [ ! -s "$W/out" ] &&
    grep -q 'empty input: no header line' "$W/err" && ok ||
    bad empty-dedupe "exit $rc: $(cat "$W/err")"; }
run empty-stage $SA && { [ $rc = 0 ] && [ "$(wc -l < "$W/out")" = 1 ] &&
    [ "$(cut -f1-4 "$W/out")" = $'customer_id\tcurrency\tname\tstage' ] && ok ||
    bad empty-stage "exit $rc: $(cat "$W/err")"; }

# A header only: the output's header alone, exit 0.
printf '%s\tnote\n' "$HEAD" > "$W/in"
run header-only-aging $AN && { [ $rc = 0 ] && [ "$(cat "$W/out")" = "$CANON"$'\tnote' ] &&
    ok || bad header-only-aging "exit $rc: $(cat "$W/out" "$W/err")"; }
printf '%s' "$HEAD" > "$W/in"	# and without its newline
run header-only-no-newline $AN && { [ $rc = 0 ] && [ "$(cat "$W/out")" = "$CANON" ] &&
    ok || bad header-only-no-newline "exit $rc: $(cat "$W/out" "$W/err")"; }
head -1 "$ROOT/testdata/dedupe-contacts/basic.in" > "$W/in"
run header-only-dedupe $DC && { [ $rc = 0 ] && [ "$(wc -l < "$W/out")" = 1 ] &&
    [ "$(cut -f1-2 "$W/out")" = $'contact_id\tcustomer_id' ] && ok ||
    bad header-only-dedupe "exit $rc: $(cat "$W/err")"; }
head -1 "$ROOT/testdata/stage-assign/history.in" > "$W/in"
run header-only-stage $SA && { [ $rc = 0 ] && [ "$(wc -l < "$W/out")" = 1 ] && ok ||
    bad header-only-stage "exit $rc: $(cat "$W/err")"; }

echo "$passed passed, $failed failed"
