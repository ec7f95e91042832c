# history.awk: the night's history, kept in nights/DATE/ for good (the
# full snapshots go after --keep nights; these stay, small, so outcomes
# can be followed over months: stage-outcomes and night-report read them).
#
#	awk -f money.awk -f history.awk -v dir=NIGHT \
#	    kind=events EVENTS kind=staged STAGED kind=matches MATCHES \
#	    kind=placements FILE kind=updates FILE kind=recalls FILE
#
# Writes, each with its header and rows unsorted (pipeline.sh sorts):
#	DIR/moved.rows     the staged rows of tonight's stage changes
#	                   (header in DIR/moved.head)
#	DIR/payments.rows  customer_id currency applied payments: money
#	                   applied tonight per account, summed exactly, and
#	                   the count of distinct payments
#	DIR/agency.rows    customer_id currency action reason balance:
#	                   placed (total_due), updated, recalled (with reason)
# The events file comes before staged, matches before nothing else needs.

BEGIN {
	FS = OFS = "\t"
	if (dir == "") {
		print "history.awk: no dir" > "/dev/stderr"
		exit 70
	}
}

FNR == 1 {
	columns()
	if (kind == "events")
		need("customer_id currency")
	else if (kind == "staged") {
		need("customer_id currency")
		print > (dir "/moved.head")
	} else if (kind == "matches")
		need("payment_id customer_id currency applied")
	else if (kind == "placements")
		need("customer_id currency total_due")
	else if (kind == "updates")
		need("customer_id currency open_balance")
	else if (kind == "recalls")
		need("customer_id currency reason open_balance")
	else {
		printf "history.awk: %s: unknown kind \"%s\"\n", FILENAME, \
		    kind > "/dev/stderr"
		money_failed = 1
		exit 70
	}
	next
}

$0 == "" { next }

kind == "events" { changed[$col["customer_id"] SUBSEP $col["currency"]] = 1 }

kind == "staged" && ($col["customer_id"] SUBSEP $col["currency"]) in changed {
	print > (dir "/moved.rows")
}

# A payment's lines are together in the ledger (it is in payment order),
# so a payment met again for an account is the one it met last: no table
# of every (account, payment) pair, which cost mawk half this step.
kind == "matches" {
	key = $col["customer_id"] SUBSEP $col["currency"]
	applied[key] = money_add(applied[key], money_units($col["applied"]))
	digits[$col["currency"]] = money_digits	# a currency's, not a key's
	if (last_payment[key] != $col["payment_id"]) {
		last_payment[key] = $col["payment_id"]
		payments[key]++
	}
}

kind == "placements" {
	print $col["customer_id"], $col["currency"], "placed", "",
	    $col["total_due"] > (dir "/agency.rows")
}

kind == "updates" {
	print $col["customer_id"], $col["currency"], "updated", "",
	    $col["open_balance"] > (dir "/agency.rows")
}

kind == "recalls" {
	print $col["customer_id"], $col["currency"], "recalled",
	    $col["reason"], $col["open_balance"] > (dir "/agency.rows")
}

END {
	if (money_failed)
		exit 70
	for (key in applied) {
		split(key, part, SUBSEP)
		print part[1], part[2], money_text(applied[key], digits[part[2]]),
		    payments[key] > (dir "/payments.rows")
	}
	# Every file exists, if only empty: the night has none of them.
	printf "" > (dir "/moved.rows")
	printf "" > (dir "/payments.rows")
	printf "" > (dir "/agency.rows")
}
