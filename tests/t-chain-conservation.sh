#!/bin/bash
# Conservation along the whole chain, step by step, outside pipeline.sh
# (SPEC 0: "a cent that appears or vanishes is a defect"; SPEC 1: every
# input row ends up in the output, in the rejects, or is removed by a
# documented rule and counted).  Generated data (bin/gen-testdata: 3000
# invoices, 1200 payments, accounts, activity; bin/gen-contacts: 1200
# contacts), a few bad rows added by hand, for two seeds; each filter is
# run by hand in the chain and every law below is recomputed here with awk
# over integer minor units (the decimal text read as two digit strings,
# never as a fraction), from the files the filters write, never from their
# --stats, except for the counts of a rule that leaves no row behind:
#
#   aging-normalize     rows in = out + rejected; per currency balance in
#                       = out + rejected.  With --open-only: rows in = out
#                       + rejected + dropped (paid and credit rows, counted
#                       here), balance in = out + rejected + dropped
#   reconcile-payments  invoices in = out + rejected; balance in = out +
#                       applied (--matches); payments in = posted +
#                       unposted + rejected; every unposted payment
#                       accounted for; amount = applied + unapplied
#   stage-assign        each invoice is open, disputed, paid or a credit;
#                       one row per account with an open or disputed
#                       balance; its open_balance, disputed_balance and
#                       invoice_count are its invoices'; balance in = open
#                       + disputed + credits
#   dedupe-contacts     rows in = --clusters rows + rejected; the survivors
#                       named there are exactly the output rows
#   agency-pack         accounts at collections = placed + refused +
#                       mismatched (--stats counts); total_due = the sum of
#                       its placement_invoices = its staged open_balance,
#                       per account and per currency; the ledger holds the
#                       placements
#
# and the same chain on every input shuffled gives the same results.
# Prints "N passed, N failed".
set -u
export LC_ALL=C
unset AS_OF
BINDIR=$(cd "${1:-bin}" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
passed=0
failed=0
AS_OF=2026-11-23

for f in aging-normalize reconcile-payments stage-assign dedupe-contacts \
    agency-pack gen-testdata gen-contacts; do
	if [ ! -x "$BINDIR/$f" ]; then
		echo "FAIL t-chain-conservation: $BINDIR/$f is not built"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

# check NAME COMMAND...: passes when COMMAND succeeds; else its output
check() {
	local name=$1
	shift
	if "$@" >"$W/why" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL t-chain-conservation: %s: %s\n' "$name" "$(head -c 800 "$W/why")"
	fi
}

# The awk side: units(TEXT, CURRENCY) is TEXT in minor units, read as two
# digit strings of at most 15 digits in all (exact in a double), and the
# currency's number of decimals must never change.  cols() maps names.
MONEY='
BEGIN { FS = OFS = "\t" }
function units(text, cur,   neg, n, part, digits, v) {
	if (text !~ /^-?[0-9]+(\.[0-9]+)?$/) { print FILENAME ":" FNR ": not an amount \"" text "\""; bad = 1; return 0 }
	neg = text ~ /^-/
	if (neg) text = substr(text, 2)
	n = split(text, part, ".")
	digits = n == 2 ? length(part[2]) : 0
	if (length(part[1]) + digits > 15) { print FILENAME ":" FNR ": too many digits \"" text "\""; bad = 1; return 0 }
	if (cur in decimals && decimals[cur] != digits) { print FILENAME ":" FNR ": " cur " with " digits " decimals, not " decimals[cur] " \"" text "\""; bad = 1 }
	decimals[cur] = digits
	v = part[1] * 10 ^ digits + (n == 2 ? part[2] : 0)
	return neg ? -v : v
}
function cols(   i) { split("", c); for (i = 1; i <= NF; i++) c[$i] = i }
function same(what, want, got) {
	if (want != got) { printf "%s: want %.0f, got %.0f\n", what, want, got; bad = 1 }
}
'

# rows FILE: data rows of a TSV file (no field holds a raw newline)
rows() { echo $(($(wc -l <"$1") - 1)); }

# shuffle FILE SEED: the data lines in another order, the header first
shuffle() {
	awk -v seed="$2" 'BEGIN { srand(seed) } NR == 1 { print; next }
	    { printf "%.8f\t%s\n", rand(), $0 | "sort -k1,1 | cut -f2-" }' "$1"
}

# make_inputs DIR SEED: the night's files.  Bad rows: an impossible date,
# an empty customer, the same invoice twice (an exact copy, so whichever
# comes first the result is the same); a payment dated 2026-13-01.
make_inputs() {
	local d=$1 seed=$2
	mkdir -p "$d"
	"$BINDIR/gen-testdata" invoices --rows 3000 --customers 300 --seed "$seed" |
	    awk -F '\t' -v OFS='\t' '
		NR == 101 { $7 = "2026-02-30" }
		NR == 202 { $2 = "" }
		{ print }
		NR == 303 { print }' >"$d/invoices.tsv"
	"$BINDIR/gen-testdata" payments --rows 1200 --customers 300 --invoices 3000 --seed "$seed" |
	    awk -F '\t' -v OFS='\t' 'NR == 51 || NR == 52 { $5 = "2026-13-01" } { print }' \
	    >"$d/payments.tsv"
	"$BINDIR/gen-testdata" accounts --customers 300 --seed "$seed" >"$d/accounts.tsv"
	"$BINDIR/gen-testdata" activity --rows 1500 --customers 300 --seed "$seed" >"$d/activity.tsv"
	"$BINDIR/gen-contacts" --seed "$seed" --customers 300 --contacts 1200 |
	    awk -F '\t' -v OFS='\t' '{ NF = 12; print }' >"$d/contacts.tsv"
}

# chain IN OUT: every filter by hand; the exit statuses in OUT/rc.
chain() {
	local in=$1 o=$2 b=$BINDIR
	mkdir -p "$o"
	{
		"$b/aging-normalize" --as-of $AS_OF --rejects "$o/rej.aging.tsv" \
		    --max-rejects 10 "$in/invoices.tsv" >"$o/normalized.tsv" 2>"$o/err.aging"
		echo "aging-normalize $?"
		"$b/aging-normalize" --as-of $AS_OF --open-only --rejects "$o/rej.open.tsv" \
		    --max-rejects 10 "$in/invoices.tsv" >"$o/open.tsv" 2>"$o/err.open"
		echo "aging-normalize --open-only $?"
		"$b/reconcile-payments" --as-of $AS_OF --payments "$in/payments.tsv" \
		    --matches "$o/matches.tsv" --unapplied "$o/unapplied.tsv" \
		    --rejects "$o/rej.reconcile.tsv" --max-rejects 10 \
		    <"$o/normalized.tsv" >"$o/reconciled.tsv" 2>"$o/err.reconcile"
		echo "reconcile-payments $?"
		"$b/stage-assign" --as-of $AS_OF --accounts "$in/accounts.tsv" \
		    --activity "$in/activity.tsv" --rejects "$o/rej.stage.tsv" \
		    <"$o/reconciled.tsv" >"$o/staged.tsv" 2>"$o/err.stage"
		echo "stage-assign $?"
		"$b/dedupe-contacts" --as-of $AS_OF --clusters "$o/clusters.tsv" \
		    --rejects "$o/rej.dedupe.tsv" <"$in/contacts.tsv" \
		    >"$o/contacts.tsv" 2>"$o/err.dedupe"
		echo "dedupe-contacts $?"
		"$b/agency-pack" --as-of $AS_OF --invoices "$o/reconciled.tsv" \
		    --contacts "$o/contacts.tsv" --activity "$in/activity.tsv" \
		    --accounts "$in/accounts.tsv" --out "$o/batch" \
		    --rejects "$o/rej.agency.tsv" --stats <"$o/staged.tsv" \
		    >"$o/placed.tsv" 2>"$o/err.agency"
		echo "agency-pack $?"
	} >"$o/rc"
}

exits_ok() {	# exits_ok OUT: every step exits 0
	! grep -v ' 0$' "$1/rc"
}

# --- aging-normalize: rows in = out + rejected, money in = out + rejected;
# with --open-only, + dropped.  Rejected rows are found by their line
# number in the input.
aging_conserved() {
	local in=$1 o=$2
	awk "$MONEY"'
	FILENAME == ARGV[1] { if (FNR > 1) rejected[$2] = 1; next }
	FILENAME == ARGV[2] { if (FNR > 1) rejected_open[$2] = 1; next }
	FILENAME == ARGV[3] {
		if (FNR == 1) { cols(); next }
		n_in++
		v = units($c["balance"], $c["currency"])
		money_in[$c["currency"]] += v
		if (FNR in rejected) { n_rej++; money_rej[$c["currency"]] += v }
		if (FNR in rejected_open) { n_rej_open++; rej_open[$c["currency"]] += v }
		else if (v <= 0) { n_drop++; dropped[$c["currency"]] += v }
		next
	}
	FILENAME == ARGV[4] {
		if (FNR == 1) { cols(); next }
		n_out++; money_out[$c["currency"]] += units($c["balance"], $c["currency"])
		next
	}
	FILENAME == ARGV[5] {
		if (FNR == 1) { cols(); next }
		v = units($c["balance"], $c["currency"])
		if (v <= 0) { print "--open-only kept " $1 " at " $c["balance"]; bad = 1 }
		n_open++; money_open[$c["currency"]] += v
	}
	END {
		if (n_rej < 3) { print "only " n_rej " rows rejected: the bad rows were not"; bad = 1 }
		same("rows in - rejected", n_in - n_rej, n_out)
		same("--open-only: rows in - rejected - dropped", n_in - n_rej_open - n_drop, n_open)
		if (n_drop < 100) { print "only " n_drop " paid or credit rows dropped"; bad = 1 }
		for (k in money_in) {
			same(k " balance in - rejected", money_in[k] - money_rej[k], money_out[k])
			same(k " --open-only: balance in - rejected - dropped",
			    money_in[k] - rej_open[k] - dropped[k], money_open[k])
		}
		for (k in money_out) if (!(k in money_in)) { print k ": out of nowhere"; bad = 1 }
		exit bad
	}' "$o/rej.aging.tsv" "$o/rej.open.tsv" "$in/invoices.tsv" "$o/normalized.tsv" "$o/open.tsv"
}

# --- reconcile-payments
reconcile_conserved() {
	local in=$1 o=$2
	awk "$MONEY"'
	FILENAME == ARGV[1] {
		if (FNR == 1) next
		if ($1 == "<stdin>") { inv_rej_line[$2] = 1; n_inv_rej++ }
		else { pay_rej_line[$2] = 1; n_pay_rej++ }
		next
	}
	FILENAME == ARGV[2] {	# the invoices in
		if (FNR == 1) { cols(); next }
		n_in++
		v = units($c["balance"], $c["currency"])
		if (FNR in inv_rej_line) money_rej[$c["currency"]] += v
		else money_in[$c["currency"]] += v
		next
	}
	FILENAME == ARGV[3] {	# the payments
		if (FNR == 1) { cols(); next }
		n_pay++
		if (FNR in pay_rej_line) next
		if ($c["status"] == "posted") { n_posted++; posted[$c["payment_id"]] = 1; next }
		n_unposted++
		amount[$c["payment_id"]] = units($c["amount"], $c["currency"])
		paid[$c["currency"]] += amount[$c["payment_id"]]
		next
	}
	FILENAME == ARGV[4] {	# --matches
		if (FNR == 1) { cols(); next }
		p = $c["payment_id"]
		if (!(p in amount)) { print "matches: " p " is not an unposted payment"; bad = 1 }
		v = units($c["applied"], $c["currency"])
		got[p] += v; applied[$c["currency"]] += v
		next
	}
	FILENAME == ARGV[5] {	# --unapplied
		if (FNR == 1) { cols(); next }
		p = $c["payment_id"]
		if (!(p in amount)) { print "unapplied: " p " is not an unposted payment"; bad = 1 }
		if (++once[p] > 1) { print "unapplied twice: " p; bad = 1 }
		v = units($c["unapplied"], $c["currency"])
		got[p] += v; unapplied[$c["currency"]] += v
		next
	}
	FILENAME == ARGV[6] {	# the invoices out
		if (FNR == 1) { cols(); next }
		n_out++; money_out[$c["currency"]] += units($c["balance"], $c["currency"])
	}
	END {
		if (n_pay_rej != 2) { print n_pay_rej " payments rejected, want the 2 bad ones"; bad = 1 }
		same("invoices in - rejected", n_in - n_inv_rej, n_out)
		same("payments in", n_pay, n_posted + n_unposted + n_pay_rej)
		for (p in amount)
			if (!(p in got)) { print "unposted payment " p " in neither --matches nor --unapplied"; bad = 1 }
			else same(p " amount = applied + unapplied", amount[p], got[p])
		for (k in money_in) {
			same(k " balance in - applied", money_in[k] - applied[k], money_out[k])
			same(k " payments = applied + unapplied", paid[k], applied[k] + unapplied[k])
		}
		for (k in applied) if (!(k in money_in)) { print k ": applied to no invoice"; bad = 1 }
		exit bad
	}' "$o/rej.reconcile.tsv" "$o/normalized.tsv" "$in/payments.tsv" \
	    "$o/matches.tsv" "$o/unapplied.tsv" "$o/reconciled.tsv"
}

# --- stage-assign: each invoice open, disputed, paid or a credit, and each
# account's sums are its invoices'.  An invoice is disputed when its flags
# hold "disputed" (SPEC 4).
stage_conserved() {
	local o=$1
	awk "$MONEY"'
	FILENAME == ARGV[1] { if (FNR > 1) rejected[$2] = 1; next }
	FILENAME == ARGV[2] {
		if (FNR == 1) { cols(); next }
		n_in++
		if (FNR in rejected) { n_rej++; next }
		k = $c["customer_id"] SUBSEP $c["currency"]; cur = $c["currency"]
		v = units($c["balance"], cur)
		money_in[cur] += v
		if (v < 0) { credits[cur] += v; n_credit++ }
		else if (v == 0) n_paid++
		else if (("," $c["flags"] ",") ~ /,disputed,/) { disputed[k] += v; n_disputed++; want[k] = 1 }
		else { open[k] += v; count[k]++; n_open++; want[k] = 1 }
		next
	}
	FILENAME == ARGV[3] {
		if (FNR == 1) { cols(); next }
		k = $c["customer_id"] SUBSEP $c["currency"]; cur = $c["currency"]
		if (k in seen) { print "two rows for " $1 " " cur; bad = 1 }
		seen[k] = 1
		if (!(k in want)) { print $1 " " cur ": staged with no open or disputed invoice"; bad = 1 }
		o = units($c["open_balance"], cur); d = units($c["disputed_balance"], cur)
		same($1 " " cur " open_balance", open[k], o)
		same($1 " " cur " disputed_balance", disputed[k], d)
		same($1 " " cur " invoice_count", count[k], $c["invoice_count"])
		open_out[cur] += o; disputed_out[cur] += d; n_counted += $c["invoice_count"]
	}
	END {
		for (k in want) if (!(k in seen)) { split(k, x, SUBSEP); print x[1] " " x[2] ": open or disputed, not staged"; bad = 1 }
		same("invoices in = rejected + open + disputed + paid + credits",
		    n_in, n_rej + n_counted + n_disputed + n_paid + n_credit)
		if (n_disputed == 0 || n_credit == 0) { print "no disputed or credit invoice: the law is not tested"; bad = 1 }
		for (cur in money_in)
			same(cur " balance in = open + disputed + credits", money_in[cur],
			    open_out[cur] + disputed_out[cur] + credits[cur])
		exit bad
	}' "$o/rej.stage.tsv" "$o/reconciled.tsv" "$o/staged.tsv"
}

# --- dedupe-contacts: every row in --clusters once or rejected; the
# survivors are the output rows.
dedupe_conserved() {
	local in=$1 o=$2
	awk -F '\t' '
	FILENAME == ARGV[1] { if (FNR > 1) { n_rej++; rejected[$2] = 1 } next }
	FILENAME == ARGV[2] { if (FNR > 1) { n_in++; if (!(FNR in rejected)) ids[$1] = 1 } next }
	FILENAME == ARGV[3] {
		if (FNR == 1) next
		if (!($1 in ids)) { print "clusters: " $1 " is not an input row"; bad = 1 }
		if (++once[$1] > 1) { print "clusters: " $1 " twice"; bad = 1 }
		survivor[$2] = 1; n_cl++
		next
	}
	FNR > 1 {
		if (!($1 in survivor)) { print "output " $1 " is no survivor"; bad = 1 }
		if (++out[$1] > 1) { print "output " $1 " twice"; bad = 1 }
		n_out++
	}
	END {
		if (n_in != n_cl + n_rej) { print "rows in " n_in " != clusters " n_cl " + rejected " n_rej; bad = 1 }
		for (s in survivor) if (!(s in out)) { print "survivor " s " not in the output"; bad = 1 }
		if (n_out >= n_in) { print "nothing merged: the law is not tested"; bad = 1 }
		exit bad
	}' "$o/rej.dedupe.tsv" "$in/contacts.tsv" "$o/clusters.tsv" "$o/contacts.tsv"
}

# --- agency-pack (a first night: no ledger)
agency_conserved() {
	local o=$1 batch=$1/batch/agency/$AS_OF stats
	stats=$(grep '^agency-pack: staged rows in' "$o/err.agency")
	awk -v stats="$stats" "$MONEY"'
	BEGIN {
		n = split(stats, w, /[ ,]+/)
		for (i = 1; i < n; i++) if (w[i] ~ /^(refused|mismatched)$/) counted[w[i]] = w[i + 1]
		if (!("refused" in counted)) { print "no --stats line: " stats; bad = 1 }
		# then per currency: "; CUR accounts in X, placed Y, updated U, recalled R"
		n = split(stats, part, /; /)
		for (i = 2; i <= n; i++) {
			split(part[i], w, /[ ,]+/)
			stat_in[w[1]] = w[4]; stat_placed[w[1]] = w[6]
		}
	}
	FILENAME == ARGV[1] {	# staged
		if (FNR == 1) { cols(); next }
		k = $c["customer_id"] SUBSEP $c["currency"]
		open[k] = units($c["open_balance"], $c["currency"]); count[k] = $c["invoice_count"]
		if ($c["stage"] == "collections") staged_all[$c["currency"]] += open[k]
		if ($c["stage"] == "collections") n_coll++
		stage[k] = $c["stage"]
		next
	}
	FILENAME == ARGV[2] {	# the open undisputed invoices, reconciled
		if (FNR == 1) { cols(); next }
		v = units($c["balance"], $c["currency"])
		if (v > 0 && ("," $c["flags"] ",") !~ /,disputed,/) {
			k = $c["customer_id"] SUBSEP $c["currency"]
			ledger_sum[k] += v; ledger_n[k]++
		}
		next
	}
	FILENAME == ARGV[3] {	# placements
		if (FNR == 1) { cols(); next }
		k = $c["customer_id"] SUBSEP $c["currency"]; cur = $c["currency"]
		if (stage[k] != "collections") { print "placed at stage " stage[k] ": " $1; bad = 1 }
		placed[k] = units($c["total_due"], cur); n_placed++
		same($1 " " cur " total_due = staged open_balance", open[k], placed[k])
		same($1 " " cur " invoice_count", count[k], $c["invoice_count"])
		due[cur] += placed[k]; staged_open[cur] += open[k]
		next
	}
	FILENAME == ARGV[4] {	# placement_invoices
		if (FNR == 1) { cols(); next }
		k = $c["customer_id"] SUBSEP $c["currency"]; cur = $c["currency"]
		if (!(k in placed)) { print "invoice of an account not placed: " $0; bad = 1 }
		v = units($c["balance"], cur)
		inv[k] += v; inv_n[k]++; inv_cur[cur] += v
		next
	}
	FILENAME == ARGV[5] {	# the ledger
		if (FNR > 1) { k = $1 SUBSEP $2; if (!(k in placed)) { print "ledger row not placed: " $0; bad = 1 } n_ledger++ }
	}
	END {
		if (n_placed < 10) { print "only " n_placed " placements: the law is not tested"; bad = 1 }
		same("accounts at collections = placed + refused + mismatched", n_coll,
		    n_placed + counted["refused"] + counted["mismatched"])
		same("ledger rows = placements", n_placed, n_ledger)
		for (k in placed) {
			split(k, x, SUBSEP)
			same(x[1] " " x[2] " placement_invoices balance", placed[k], inv[k])
			same(x[1] " " x[2] " placement_invoices = open undisputed invoices", ledger_n[k], inv_n[k])
			same(x[1] " " x[2] " open undisputed invoices sum", ledger_sum[k], inv[k])
		}
		for (cur in staged_all)
			same(cur " --stats accounts in = staged open_balance at collections", staged_all[cur],
			    units(stat_in[cur], cur))
		for (cur in due) {
			same(cur " --stats placed = placements total_due", due[cur],
			    units(stat_placed[cur], cur))
			same(cur " placements total_due = placement_invoices balances", due[cur], inv_cur[cur])
			same(cur " placements total_due = staged open_balance", staged_open[cur], due[cur])
		}
		exit bad
	}' "$o/staged.tsv" "$o/reconciled.tsv" "$batch/placements.tsv" \
	    "$batch/placement_invoices.tsv" "$o/placed.tsv"
}

differs() { ! cmp -s "$1" "$2"; }

# --- shuffled: the same results, whatever the order of the input rows
same_results() {
	local a=$1 b=$2 f
	for f in staged.tsv contacts.tsv placed.tsv matches.tsv unapplied.tsv; do
		cmp "$a/$f" "$b/$f" || return 1
	done
	for f in normalized.tsv open.tsv reconciled.tsv clusters.tsv; do
		cmp <(sort "$a/$f") <(sort "$b/$f") || { echo "$f: other rows"; return 1; }
	done
	for f in aging open reconcile stage dedupe agency; do
		cmp <(cut -f 3- "$a/rej.$f.tsv" | sort) <(cut -f 3- "$b/rej.$f.tsv" | sort) ||
		    { echo "rej.$f.tsv: other rejects"; return 1; }
	done
	diff -r "$a/batch" "$b/batch"
}

for seed in 5 11; do
	IN=$W/in.$seed OUT=$W/out.$seed
	make_inputs "$IN" $seed
	chain "$IN" "$OUT"
	check "seed $seed: every step exits 0" exits_ok "$OUT"
	check "seed $seed: aging-normalize" aging_conserved "$IN" "$OUT"
	check "seed $seed: reconcile-payments" reconcile_conserved "$IN" "$OUT"
	check "seed $seed: stage-assign" stage_conserved "$OUT"
	check "seed $seed: dedupe-contacts" dedupe_conserved "$IN" "$OUT"
	check "seed $seed: agency-pack" agency_conserved "$OUT"
	mkdir "$W/shuf.$seed"
	cp "$IN/activity.tsv" "$W/shuf.$seed/"	# a log: its order is its meaning
	for f in invoices payments accounts contacts; do
		shuffle "$IN/$f.tsv" $((seed + 100)) >"$W/shuf.$seed/$f.tsv"
	done
	check "seed $seed: shuffled" differs "$IN/invoices.tsv" "$W/shuf.$seed/invoices.tsv"
	chain "$W/shuf.$seed" "$W/out.shuf.$seed"
	check "seed $seed, shuffled: every step exits 0" exits_ok "$W/out.shuf.$seed"
	check "seed $seed, shuffled: the same results" same_results "$OUT" "$W/out.shuf.$seed"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
