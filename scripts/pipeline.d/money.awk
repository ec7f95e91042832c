# money.awk: exact money sums for pipeline.sh's awk steps.
#
# awk numbers are binary doubles, which hold every integer of magnitude up to
# 2^53 = 9007199254740992 exactly.  So money is kept here as an integer count
# of minor units, as the filters keep it in int64_t:
#  - money_units() reads the digits before and after the point as two
#    integers (never the text as a fraction) and refuses more than 15 digits
#    in all, so every value read is below 10^15 < 2^53 and exact;
#  - money_add() refuses a sum of magnitude 2^53 or more: below that every
#    sum of exact integers is exact, and a true sum at or beyond it cannot
#    come out below it, since rounding is monotonic;
#  - money_text() splits with % and an exact division, never a fraction.
# 2^53 minor units is 90 trillion dollars, or 9 quadrillion yen: a batch
# beyond it is refused with exit 70, never summed wrong.
#
# A failure sets money_failed and calls exit; every END of a script that
# includes this file starts with `if (money_failed) exit 70`.

function money_fail(why, text) {
	if (!money_failed)
		printf "%s: %s \"%s\"\n", FILENAME, why, text \
		    > "/dev/stderr"
	money_failed = 1
	exit 70
}

# money_units(TEXT): the amount in minor units; sets money_digits to the
# number of digits after the point.  The whole and the fraction are read as
# two digit strings, at most 15 digits in all, so both convert exactly and
# whole * 10^digits +- fraction < 10^15 is exact too.  (split() with "."
# splits on the point itself: a one-character separator is not a regex.)
function money_units(text,   n, part) {
	if (text !~ /^-?[0-9]+(\.[0-9]+)?$/)
		money_fail("not an amount", text)
	if (length(text) > 15 &&
	    length(text) - (text ~ /^-/) - (text ~ /\./) > 15)
		money_fail("amount of more than 15 digits", text)
	n = split(text, part, ".")
	if (n == 1) {
		money_digits = 0
		return text + 0
	}
	money_digits = length(part[2])
	if (!(money_digits in money_scale))
		money_scale[money_digits] = 10 ^ money_digits
	if (substr(part[1], 1, 1) == "-")
		return part[1] * money_scale[money_digits] - part[2]
	return part[1] * money_scale[money_digits] + part[2]
}

function money_add(a, b,   sum) {
	sum = a + b
	if (sum >= 9007199254740992 || sum <= -9007199254740992)
		money_fail("sum beyond 2^53 minor units", sum)
	return sum
}

# money_text(UNITS, DIGITS): decimal text with DIGITS minor digits.
function money_text(units, digits,   sign, scale, minor) {
	sign = ""
	if (units < 0) {
		sign = "-"
		units = -units
	}
	if (digits == 0)
		return sign sprintf("%.0f", units)
	scale = 10 ^ digits
	minor = units % scale
	return sign sprintf("%.0f", (units - minor) / scale) "." \
	    sprintf("%0" digits "d", minor)
}

# columns(): the header's column numbers by name, in col[].
function columns(   i) {
	split("", col)
	for (i = 1; i <= NF; i++)
		col[$i] = i
}

# need(NAME...): fail unless the current header has these columns.
function need(names,   n, i, list) {
	n = split(names, list, " ")
	for (i = 1; i <= n; i++)
		if (!(list[i] in col)) {
			if (!money_failed)
				printf "%s: no column \"%s\"\n", \
				    FILENAME, list[i] > "/dev/stderr"
			money_failed = 1
			exit 70
		}
}
