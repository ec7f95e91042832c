# conserve.awk: a cent that appears or vanishes between two steps is a
# defect (SPEC 0), so pipeline.sh checks, per currency, from the filters'
# own --stats lines and the summary, that money in = money out at each step:
#	aging-normalize     balance in = out
#	reconcile-payments  balance in = aging-normalize's out;
#	                    in - applied = out; payments = applied + unapplied
#	stage-assign        in = reconcile-payments' out;
#	                    in = open + disputed + credits
#	summary             open_balance and disputed_balance = stage-assign's;
#	                    payments = applied, unapplied = unapplied
#	agency-pack         placements' total_due, summed here = the manifest's
#	                    total = the total of their invoices in the batch;
#	                    rows placed, updated, recalled = its --stats counts
#
#	awk -f money.awk -f conserve.awk STATS... kind=summary SUMMARY-ROWS \
#	    kind=manifest MANIFEST
#
# STATS are the steps' stderr; SUMMARY-ROWS summary.awk's output; MANIFEST
# the batch's manifest.tsv.  Prints one line per currency; exits 70 naming
# the first difference.

BEGIN { FS = "\t" }

# amount(TEXT, CURRENCY): minor units, remembering the currency's digits.
function amount(text, currency,   units) {
	units = money_units(text)
	digits[currency] = money_digits
	currencies[currency] = 1
	return units
}

# The segments of a --stats line, "; " apart, each "CUR word AMOUNT ...".
function stats_line(line,   n, seg, i, w, k, cur) {
	n = split(line, seg, "; ")
	for (i = 2; i <= n; i++) {
		k = split(seg[i], w, /[ ,]+/)
		cur = w[1]
		if (cur !~ /^[A-Z][A-Z][A-Z]$/)
			continue
		if (line ~ /^aging-normalize: / && w[2] == "balance") {
			aging_in[cur] = amount(w[4], cur)
			aging_out[cur] = amount(w[6], cur)
			seen["aging"] = 1
		} else if (line ~ /^reconcile-payments: / && w[2] == "balance") {
			recon_in[cur] = amount(w[4], cur)
			recon_out[cur] = amount(w[6], cur)
			recon_pay[cur] = amount(w[8], cur)
			recon_applied[cur] = amount(w[10], cur)
			recon_unapplied[cur] = amount(w[12], cur)
			seen["recon"] = 1
		} else if (line ~ /^stage-assign: / && w[2] == "in") {
			stage_in[cur] = amount(w[3], cur)
			stage_open[cur] = amount(w[6], cur)
			stage_disputed[cur] = amount(w[8], cur)
			stage_credits[cur] = amount(w[10], cur)
			seen["stage"] = 1
		}
	}
}

kind == "" && /^(aging-normalize|reconcile-payments|stage-assign): / {
	stats_line($0)
	next
}

# agency-pack: staged rows in N, ledger rows in N, placed N, updated N, ...
# then "; CUR accounts in X, placed Y, ...": the counts come before the
# money (a JPY amount has no point, so it would read as a count).
kind == "" && /^agency-pack: / {
	split($0, seg, "; ")
	n = split(seg[1], w, /[ ,]+/)
	for (i = 2; i < n; i++)
		if (w[i] ~ /^(placed|updated|recalled)$/ && w[i + 1] ~ /^[0-9]+$/)
			pack[w[i]] = w[i + 1]
	seen["pack"] = 1
	next
}

kind == "summary" && $2 ~ /^(placements|updates|recalls)$/ {
	batch_rows[$2] += $5
	if ($2 == "placements")
		sum_placed[$4] = money_add(sum_placed[$4], amount($6, $4))
	next
}

# manifest.tsv: file rows total sha256, total "CUR AMOUNT" per currency.
kind == "manifest" && FNR > 1 && $1 ~ /^placement(s|_invoices)\./ {
	n = split($3, w, /[ ,;]+/)
	for (i = 1; i < n; i += 2) {
		if ($1 ~ /^placements/)
			manifest_placed[w[i]] = amount(w[i + 1], w[i])
		else
			manifest_invoices[w[i]] = amount(w[i + 1], w[i])
	}
	if ($1 ~ /^placements/)
		manifest_rows = $2
	next
}

kind == "summary" && $2 == "total" {
	if ($3 == "open_balance")
		sum_open[$4] = amount($6, $4)
	else if ($3 == "disputed_balance")
		sum_disputed[$4] = amount($6, $4)
	next
}

kind == "summary" && $2 == "payments" {
	sum_applied[$4] = money_add(sum_applied[$4], amount($6, $4))
	next
}

kind == "summary" && $2 == "unapplied" {
	sum_unapplied[$4] = money_add(sum_unapplied[$4], amount($6, $4))
	next
}

function check(cur, what, want, got) {
	if (want + 0 == got + 0)
		return
	if (!broken)
		printf "money not conserved in %s: %s: %s, want %s\n",
		    cur, what, money_text(got + 0, digits[cur]),
		    money_text(want + 0, digits[cur]) > "/dev/stderr"
	broken = 1
}

END {
	if (money_failed)
		exit 70
	if (!("aging" in seen) || !("recon" in seen) || !("stage" in seen) ||
	    !("pack" in seen)) {
		print "a --stats line is missing: cannot check money" \
		    > "/dev/stderr"
		exit 70
	}
	for (cur in currencies) {
		check(cur, "aging-normalize out", aging_in[cur], aging_out[cur])
		check(cur, "reconcile-payments in", aging_out[cur], recon_in[cur])
		check(cur, "reconcile-payments out",
		    money_add(recon_in[cur], -recon_applied[cur]), recon_out[cur])
		check(cur, "reconcile-payments applied + unapplied",
		    recon_pay[cur],
		    money_add(recon_applied[cur], recon_unapplied[cur]))
		check(cur, "stage-assign in", recon_out[cur], stage_in[cur])
		check(cur, "stage-assign open + disputed + credits", stage_in[cur],
		    money_add(money_add(stage_open[cur], stage_disputed[cur]),
		    stage_credits[cur]))
		check(cur, "summary open_balance", stage_open[cur], sum_open[cur])
		check(cur, "summary disputed_balance", stage_disputed[cur],
		    sum_disputed[cur])
		check(cur, "summary payments", recon_applied[cur], sum_applied[cur])
		check(cur, "summary unapplied", recon_unapplied[cur],
		    sum_unapplied[cur])
		check(cur, "the manifest's placements total", sum_placed[cur],
		    manifest_placed[cur])
		check(cur, "the placements' invoices", sum_placed[cur],
		    manifest_invoices[cur])
		d = digits[cur]
		printf "%s: invoices %s, after payments %s (applied %s of %s; " \
		    "unapplied %s) = open %s + disputed %s + credits %s\n", cur,
		    money_text(aging_out[cur] + 0, d),
		    money_text(recon_out[cur] + 0, d),
		    money_text(recon_applied[cur] + 0, d),
		    money_text(recon_pay[cur] + 0, d),
		    money_text(recon_unapplied[cur] + 0, d),
		    money_text(stage_open[cur] + 0, d),
		    money_text(stage_disputed[cur] + 0, d),
		    money_text(stage_credits[cur] + 0, d)
	}
	count_check("placements", pack["placed"], batch_rows["placements"])
	count_check("placements in the manifest", pack["placed"], manifest_rows)
	count_check("updates", pack["updated"], batch_rows["updates"])
	count_check("recalls", pack["recalled"], batch_rows["recalls"])
	if (broken)
		exit 70
}

function count_check(what, want, got) {
	if (want + 0 == got + 0)
		return
	if (!broken)
		printf "agency-pack says %s %d, the batch has %d\n",
		    what, want, got > "/dev/stderr"
	broken = 1
}
