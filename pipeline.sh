#!/bin/bash
# pipeline.sh: the nightly run.  This first version ages the invoice export
# and prints the night's summary by aging bucket; the whole chain (payments,
# stages, contacts, the agency batch, state and locking) comes with the
# pipeline work described in the README.
set -euo pipefail

usage() {
	echo "usage: pipeline.sh [--in DIR] [--out DIR] [--as-of DATE] [--demo]"
}

here=$(cd "$(dirname "$0")" && pwd)
bin=${BIN:-$here/bin}
in='' out='' as_of=${AS_OF:-} demo=0
while [ $# -gt 0 ]; do
	case $1 in
	--in) in=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--as-of) as_of=$2; shift 2 ;;
	--demo) demo=1; shift ;;
	--help) usage; exit 0 ;;
	*) usage >&2; exit 64 ;;
	esac
done

if [ "$demo" = 1 ]; then
	in=$here/testdata/demo
	out=$(mktemp -d)
	as_of=${as_of:-2026-11-23}
	[ -x "$bin/aging-normalize" ] || make -C "$here" >/dev/null
fi
if [ -z "$in" ] || [ -z "$out" ]; then
	usage >&2
	exit 64
fi
export AS_OF=${as_of:-$(date +%F)}
mkdir -p "$out"

invoices=$in/invoices.csv
[ -f "$invoices" ] || invoices=$in/invoices.tsv
"$bin/aging-normalize" --date-order mdy --currency USD --stats \
	--rejects "$out/rejects.tsv" --max-rejects 1000 "$invoices" \
	> "$out/invoices.tsv" 2> "$out/stats.txt"

# summary: invoices per bucket; the money totals come from --stats, which
# adds in integer minor units
{
	printf 'bucket\tinvoices\n'
	cut -f9 "$out/invoices.tsv" | tail -n +2 | LC_ALL=C sort | uniq -c |
		awk '{ printf "%s\t%s\n", $2, $1 }'
} > "$out/summary.tsv"
cat "$out/summary.tsv" "$out/stats.txt"
if [ "$demo" = 1 ]; then
	echo "(demo output in $out)" >&2
fi
