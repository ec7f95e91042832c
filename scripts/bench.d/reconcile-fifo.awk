# The core of reconcile-payments' job in awk, as a user would write it:
# sum the unposted payments per customer and currency (the payments file,
# first argument), then apply them to the open invoices (stdin) in the
# order they come, writing each row with its new balance and what was
# applied.  No references, exact amounts, combinations, tolerance or due
# date order; no checks, no ledgers; sums in floating point.  For
# scripts/bench only.
BEGIN { FS = OFS = "\t" }
FNR == 1 {
	for (i = 1; i <= NF; i++)
		col[FILENAME, $i] = i
	if (FILENAME == "-")
		print $0, "applied"
	next
}
FILENAME != "-" {
	if ($col[FILENAME, "status"] != "posted")
		cash[$col[FILENAME, "customer_id"] OFS $col[FILENAME, "currency"]] += \
		    $col[FILENAME, "amount"]
	next
}
{
	k = $col["-", "customer_id"] OFS $col["-", "currency"]
	b = $col["-", "balance"] + 0
	applied = 0
	if (b > 0 && cash[k] > 0) {
		applied = cash[k] < b ? cash[k] : b
		cash[k] -= applied
		$col["-", "balance"] = sprintf("%.2f", b - applied)
	}
	print $0, sprintf("%.2f", applied)
}
