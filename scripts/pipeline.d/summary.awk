# summary.awk: the night in numbers (SPEC 7's summary.tsv).
#
#	awk -f money.awk -f summary.awk kind=staged STAGED kind=events EVENTS \
#	    kind=placements FILE kind=updates FILE kind=recalls FILE \
#	    kind=matches FILE kind=unapplied FILE \
#	    kind=rejects step=NAME FILE ...
#
# Writes unsorted rows `rank section name currency count amount`, rank
# giving the order of the sections (pipeline.sh sorts and drops it):
#	stage     STAGE     accounts at each stage, their open balance
#	owner     OWNER     the same per owner (none: nobody's, i.e. current)
#	outreach  OUTREACH  the same per outreach
#	notify    ROLE      notifications, per role
#	total     open_balance: all staged accounts; disputed_balance: those
#	          with a disputed balance
#	moved     FROM>TO   tonight's stage changes (FROM "new" when none)
#	placements / updates   AGENCY   rows, total_due / change
#	recalls   REASON    rows, open_balance
#	payments  METHOD    unposted payments applied, per method
#	unapplied REASON    what could not be applied
#	rejects   STEP      rejected input rows, per step
# Money is summed exactly in integer minor units (money.awk).

BEGIN {
	FS = OFS = "\t"
	split("current support billing finance_review collections " \
	    "payment_pending promise dispute legal", ladder, " ")
	for (i = 1; i in ladder; i++)
		stage_order[ladder[i]] = i
}

# add(RANK, SECTION, NAME, CURRENCY, UNITS): one more row in a group, its
# amount UNITS minor units ("" for a group without money).
function add(rank, section, name, currency, units,   key) {
	key = rank SUBSEP section SUBSEP name SUBSEP currency
	count[key]++
	if (units == "")
		sum[key] = ""
	else
		sum[key] = money_add(sum[key], units)
}

# units(TEXT, CURRENCY): money_units, remembering the currency's digits.
function units(text, currency,   u) {
	u = money_units(text)
	digits[currency] = money_digits
	return u
}

FNR == 1 {
	columns()
	if (kind == "rejects")
		reject_steps[step] = 1
	if (kind == "staged") {
		need("currency stage owner outreach notify open_balance " \
		    "disputed_balance")
		# column numbers once, not an array lookup per field per row
		c_currency = col["currency"]
		c_stage = col["stage"]
		c_owner = col["owner"]
		c_outreach = col["outreach"]
		c_notify = col["notify"]
		c_open = col["open_balance"]
		c_disputed = col["disputed_balance"]
	}
	else if (kind == "events")
		need("currency from_stage to_stage open_balance")
	else if (kind == "placements")
		need("currency total_due")
	else if (kind == "updates")
		need("currency change")
	else if (kind == "recalls")
		need("currency reason open_balance")
	else if (kind == "matches")
		need("currency applied method")
	else if (kind == "unapplied")
		need("currency unapplied reason")
	next
}

$0 == "" { next }

# One group per combination of the staged row's fields, broken down in END:
# a million accounts fall into a few hundred combinations.
kind == "staged" {
	currency = $c_currency
	key = currency SUBSEP $c_stage SUBSEP $c_owner SUBSEP $c_outreach \
	    SUBSEP $c_notify
	combo_count[key]++
	combo_sum[key] = money_add(combo_sum[key], units($c_open, currency))
	if ($c_disputed !~ /^-?[0.]*$/)
		add(91, "total", "disputed_balance", currency,
		    units($c_disputed, currency))
	next
}

kind == "events" {
	add(100, "moved", ($col["from_stage"] == "" ? "new" : $col["from_stage"]) \
	    ">" $col["to_stage"], $col["currency"],
	    units($col["open_balance"], $col["currency"]))
	next
}

kind == "placements" {
	add(110, "placements", agency, $col["currency"],
	    units($col["total_due"], $col["currency"]))
	next
}

kind == "updates" {
	add(111, "updates", agency, $col["currency"],
	    units($col["change"], $col["currency"]))
	next
}

kind == "recalls" {
	add(112, "recalls", $col["reason"], $col["currency"],
	    units($col["open_balance"], $col["currency"]))
	next
}

kind == "matches" {
	add(120, "payments", $col["method"], $col["currency"],
	    units($col["applied"], $col["currency"]))
	next
}

kind == "unapplied" {
	add(121, "unapplied", $col["reason"], $col["currency"],
	    units($col["unapplied"], $col["currency"]))
	next
}

kind == "rejects" { add(130, "rejects", step, "", ""); next }

# add_combo(RANK, SECTION, NAME, CURRENCY, KEY): a combination's accounts
# and money into a group.
function add_combo(rank, section, name, currency, key,   group) {
	group = rank SUBSEP section SUBSEP name SUBSEP currency
	count[group] += combo_count[key]
	sum[group] = money_add(sum[group], combo_sum[key])
}

END {
	if (money_failed)
		exit 70
	for (key in combo_count) {
		split(key, f, SUBSEP)
		currency = f[1]
		stage = f[2]
		add_combo(10 + (stage in stage_order ? stage_order[stage] : 50),
		    "stage", stage, currency, key)
		add_combo(70, "owner", f[3] == "" ? "none" : f[3], currency, key)
		add_combo(80, "outreach", f[4], currency, key)
		n = split(f[5], roles, ",")
		for (i = 1; i <= n; i++)
			add_combo(85, "notify", roles[i], currency, key)
		add_combo(90, "total", "open_balance", currency, key)
	}
	for (key in count) {
		split(key, part, SUBSEP)
		amount = sum[key] == "" ? "" : money_text(sum[key], digits[part[4]])
		print part[1], part[2], part[3], part[4], count[key], amount
	}
	for (step in reject_steps)
		if (!((130 SUBSEP "rejects" SUBSEP step SUBSEP "") in count))
			print 130, "rejects", step, "", 0, ""
}
