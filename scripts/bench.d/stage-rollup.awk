# The core of stage-assign's job in awk, as a user would write it: roll
# canonical invoices up per customer and currency (open balance, count,
# largest days past due) and pick a stage by days past due alone.  No
# rules file, master, activity, disputes or history; sums in floating
# point.  For scripts/bench only.
BEGIN { FS = OFS = "\t" }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	b = $col["balance"] + 0
	if (b <= 0)
		next
	k = $col["customer_id"] OFS $col["currency"]
	open[k] += b
	n[k]++
	d = $col["days_past_due"] + 0
	if (!(k in dpd) || d > dpd[k])
		dpd[k] = d
}
END {
	for (k in open) {
		d = dpd[k]
		stage = d <= 0 ? "current" : d <= 14 ? "support" : d <= 30 ? "billing" : \
		    d <= 60 ? "finance_review" : "collections"
		print k, stage, open[k], n[k], d
	}
}
