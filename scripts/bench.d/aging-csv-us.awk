# The awk peer of aging-normalize --date-order mdy --currency USD on the
# generator's csv-us export.  awk has no RFC 4180 reader: this splits on
# every comma, so quoted cells holding commas ("$1,234.56", notes) shift
# the row, and a quoted newline splits it in two.  Its output is wrong on
# those rows; the bench measures its speed and counts them.  Header names
# are this export's, not the alias table.

function days(y, m, d,    era, yoe, doy, doe) {
	y -= (m <= 2)
	era = int((y >= 0 ? y : y - 399) / 400)
	yoe = y - era * 400
	doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
	doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
	return era * 146097 + doe - 719468
}
function mdy(s,    a) {		# M/D/YYYY -> YYYY-MM-DD
	split(s, a, "/")
	return sprintf("%04d-%02d-%02d", a[3], a[1], a[2])
}
function money(s,    neg, n, a) {	# "$1,234.5", "(12.00)" -> 1234.50, -12.00
	neg = s ~ /^"?[(-]/
	gsub(/[$(),"-]/, "", s)
	n = split(s, a, ".")
	s = a[1] "." substr((n > 1 ? a[2] : "") "00", 1, 2)
	return (neg ? "-" : "") s
}
function tsv(s,    out, i, c) {	# the TSV escapes of SPEC 1 for \t and \\
	if (s !~ /[\t\\]/)
		return s
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		out = out (c == "\t" ? "\\t" : c == "\\" ? "\\\\" : c)
	}
	return out
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
BEGIN {
	FS = ","; OFS = "\t"
	today = days(substr(as_of, 1, 4) + 0, substr(as_of, 6, 2) + 0, substr(as_of, 9, 2) + 0)
}
{ sub(/\r$/, "") }
NR == 1 {
	sub(/^\357\273\277/, "")
	for (i = 1; i <= NF; i++) col[$i] = i
	print "invoice_id", "customer_id", "currency", "amount", "balance", \
	    "issue_date", "due_date", "days_past_due", "bucket", \
	    "PO Number", "Flags", "Notes"
	next
}
{
	due = mdy($col["Due Date"])
	dpd = today - days(substr(due, 1, 4) + 0, substr(due, 6, 2) + 0, substr(due, 9, 2) + 0)
	balance = money($col["Amount Due"])
	currency = $col["Currency"] == "" ? "USD" : $col["Currency"]
	notes = $col["Notes"]
	if (notes ~ /^"/) { gsub(/^"|"$/, "", notes); gsub(/""/, "\"", notes) }
	notes = tsv(notes)
	print $col["Invoice #"], $col["Customer ID"], currency, \
	    money($col["Invoice Amount"]), balance, mdy($col["Invoice Date"]), \
	    due, dpd, bucket(balance + 0, dpd), $col["PO Number"], \
	    $col["Flags"], notes
}
