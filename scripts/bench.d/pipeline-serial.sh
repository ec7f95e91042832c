#!/bin/bash
# pipeline-serial.sh IN WORK AS_OF: the night pipeline.sh runs, done the
# way one would without it: each filter one after another, a file in
# between, then the same outputs (worklist, suppression list, summary,
# the night's history, outcomes and report) with the same programs.  No
# state, no lock, no checks: the floor of what the chain costs run step by
# step.  scripts/bench compares the two.
set -euo pipefail
export LC_ALL=C

in=$1 work=$2 as_of=$3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${BIN:-$root/bin}
awkdir=$root/scripts/pipeline.d
rm -rf "$work"
mkdir -p "$work/worklist"
export TMPDIR=$work
common=(--as-of "$as_of" --stats)

"$bin/aging-normalize" --date-order mdy --currency USD "${common[@]}" \
    "$in/invoices.csv" >"$work/normalized.tsv"
"$bin/reconcile-payments" --payments "$in/payments.tsv" \
    --matches "$work/matches.tsv" --unapplied "$work/unapplied.tsv" \
    "${common[@]}" <"$work/normalized.tsv" >"$work/invoices.tsv"
"$bin/stage-assign" --accounts "$in/accounts.tsv" \
    --activity "$in/activity.tsv" --events "$work/events.tsv" \
    "${common[@]}" <"$work/invoices.tsv" >"$work/staged.tsv"
"$bin/dedupe-contacts" "${common[@]}" <"$in/contacts.tsv" \
    >"$work/contacts.tsv"
"$bin/agency-pack" --invoices "$work/invoices.tsv" \
    --contacts "$work/contacts.tsv" --activity "$in/activity.tsv" \
    --accounts "$in/accounts.tsv" --out "$work/batch" --as-of "$as_of" \
    --stats <"$work/staged.tsv" >"$work/placed.tsv"
awk -F '\t' '$7 != "allowed"' "$work/staged.tsv" >"$work/suppress.tsv"
awk -v contacts="$work/contacts.tsv" -v dir="$work/worklist" \
    -f "$awkdir/money.awk" -f "$awkdir/worklist.awk" "$work/staged.tsv"
awk -f "$awkdir/money.awk" -f "$awkdir/summary.awk" \
    kind=staged "$work/staged.tsv" kind=events "$work/events.tsv" \
    kind=matches "$work/matches.tsv" kind=unapplied "$work/unapplied.tsv" \
    >"$work/summary.rows"
# the night's history (history.awk, sorted) and what reads it
night=$work/nights/$as_of
batch=$(echo "$work"/batch/*/"$as_of")
mkdir -p "$night" "$work/history"
cp "$work/events.tsv" "$work/staged.tsv" "$night/"
awk -v dir="$work/history" -f "$awkdir/money.awk" -f "$awkdir/history.awk" \
    kind=events "$work/events.tsv" kind=staged "$work/staged.tsv" \
    kind=matches "$work/matches.tsv" kind=placements "$batch/placements.tsv"
cat "$work/history/moved.head" "$work/history/moved.rows" >"$night/moved.tsv"
{
	printf 'customer_id\tcurrency\tapplied\tpayments\n'
	sort -t "$(printf '\t')" -k1,1 -k2,2 "$work/history/payments.rows"
} >"$night/payments.tsv"
{
	printf 'customer_id\tcurrency\taction\treason\tbalance\n'
	sort -t "$(printf '\t')" -k1,1 -k2,2 -k3,3 "$work/history/agency.rows"
} >"$night/agency.tsv"
"$bin/stage-outcomes" --as-of "$as_of" --stats --delays "$work/delays.tsv" \
    --rolls "$work/rolls.tsv" --agency "$work/agency-results.tsv" "$night" \
    >"$work/outcomes.tsv"
"$bin/night-report" --as-of "$as_of" --outcomes "$work/outcomes.tsv" \
    --delays "$work/delays.tsv" --rolls "$work/rolls.tsv" \
    --agency "$work/agency-results.tsv" "$night" >"$work/report.html"
