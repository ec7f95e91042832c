# The awk peer of aging-normalize on canonical invoices TSV: recompute
# days_past_due and bucket (SPEC 2, default buckets) for -v as_of=YYYY-MM-DD.
# Columns by name; missing ones are appended.  Validates nothing.

function days(y, m, d,    era, yoe, doy, doe) {	# days since 1970-01-01
	y -= (m <= 2)
	era = int((y >= 0 ? y : y - 399) / 400)
	yoe = y - era * 400
	doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
	doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
	return era * 146097 + doe - 719468
}
function iso(s) {
	return days(substr(s, 1, 4) + 0, substr(s, 6, 2) + 0, substr(s, 9, 2) + 0)
}
function bucket(balance, dpd) {
	if (balance == 0) return "paid"
	if (balance < 0) return "credit"
	if (dpd <= 0) return "current"
	if (dpd <= 30) return "1-30"
	if (dpd <= 60) return "31-60"
	if (dpd <= 90) return "61-90"
	if (dpd <= 120) return "91-120"
	return "120+"
}
BEGIN { FS = OFS = "\t"; today = iso(as_of) }
NR == 1 {
	for (i = 1; i <= NF; i++) col[$i] = i
	if (!("days_past_due" in col)) $(col["days_past_due"] = NF + 1) = "days_past_due"
	if (!("bucket" in col)) $(col["bucket"] = NF + 1) = "bucket"
	due = col["due_date"]; bal = col["balance"]
	dpd_col = col["days_past_due"]; bucket_col = col["bucket"]
	print
	next
}
{
	dpd = today - iso($due)
	$dpd_col = dpd
	$bucket_col = bucket($bal + 0, dpd)
	print
}
