#!/bin/bash
# night-report's page as a browser and a reader see it: nothing that runs
# or fetches (no script, link, url(), http), every data text escaped, the
# same bytes whatever the order of the night directories, figures worked
# out by hand from testdata/night-report, "and N more" past 50 moved
# accounts, rejects beyond --max-rejects, and the page rendered by headless
# Chromium at desktop and phone width: the section titles in the DOM, and
# a screenshot that is not blank (tests/pngcheck).
set -u
export LC_ALL=C
BINDIR=$(cd "${1:-bin}" && pwd)
DATA=$(cd "$(dirname "$0")/../testdata/night-report" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TEST=t-night-report
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

has() {		# has NAME FILE FIXED-STRING: the page holds it
	grep -qF -- "$3" "$2"
	check "$1" $? "no \"$3\" in $(basename "$2")"
}

hasnt() {	# hasnt NAME FILE REGEX (case-insensitive)
	! grep -qiE -- "$3" "$2"
	check "$1" $? "found /$3/: $(grep -oiE -- "$3" "$2" | head -3 | tr '\n' ' ')"
}

report() {	# report OUT NIGHT_DIR...: the full report, from $DATA
	local out=$1
	shift
	(cd "$DATA" && "$BINDIR/night-report" --as-of 2026-03-03 \
	    --outcomes outcomes.tsv --delays delays.tsv --rolls rolls.tsv \
	    --agency agency.tsv "$@" > "$out" 2> "$WORK/err")
}

PAGE=$WORK/report.html
report "$PAGE" nights/2026-03-01 nights/2026-03-02 nights/2026-03-03 nights/2026-03-05
check "the report is written" $? "$(head -3 "$WORK/err")"

# --- nothing runs, nothing is fetched --------------------------------
hasnt "no script" "$PAGE" '<script|javascript:|on(load|error|click)='
hasnt "no fetch over the network" "$PAGE" 'https?://'
hasnt "no url() in CSS" "$PAGE" 'url\('
hasnt "no link, import, img, iframe, object, src" "$PAGE" '<link|@import|<img|<iframe|<object|<embed|src='
has "a viewport for phones" "$PAGE" '<meta name="viewport" content="width=device-width, initial-scale=1">'

# --- escaping ---------------------------------------------------------
has "the hostile name, escaped" "$PAGE" \
    '<td>&lt;b&gt;Smith &amp; &quot;Sons&quot;&lt;/b&gt; &#39;Ltd&#39;</td>'
hasnt "the hostile name, never raw" "$PAGE" '<b>Smith|"Sons"|'"'Ltd'"
(cd "$DATA" && "$BINDIR/night-report" --as-of 2026-03-03 \
    --title "<script>alert('x')</script> & Co" nights/2026-03-03) > "$WORK/title.html"
has "a hostile --title, escaped" "$WORK/title.html" \
    '<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co</h1>'
hasnt "a hostile --title, never raw" "$WORK/title.html" '<script'

# --- the same bytes whatever the order --------------------------------
report "$WORK/reversed.html" nights/2026-03-05 nights/2026-03-03/ nights/2026-03-02 ./nights/2026-03-01
cmp -s "$PAGE" "$WORK/reversed.html"
check "same bytes in any argument order" $? "$(diff "$PAGE" "$WORK/reversed.html" | head -5)"

# --- figures worked out by hand from the test history -----------------
# tonight is 2026-03-03: USD C1 1200.00 + C3 4000.50 + C4 300.00
has "USD open balance tonight" "$PAGE" '<dt>Open balance</dt><dd>5,500.50</dd>'
# JPY C2 owed 150000 and paid 50000 tonight
has "JPY open balance tonight" "$PAGE" '<dt>Open balance</dt><dd>100,000</dd>'
has "JPY applied tonight" "$PAGE" '<dt>Payments applied tonight</dt><dd>1 · 50,000</dd>'
has "USD recalled tonight" "$PAGE" '<dt>Recalled from the agency tonight</dt><dd>1 · 4,000.50</dd>'
# billing: 30-day cohorts 2026-01 (10 entered, 3 recovered) and 2026-02
# (4, 1): 4/14 = 28.57% -> 28.6%; 90 days only 2026-01: 6/10
has "billing recovered within 30 days" "$PAGE" '<td class="n">28.6%</td><td class="n">50.0%</td><td class="n">60.0%</td>'
# the bar: 286 per mille of 440 units = 125.84 -> 126
has "the 30-day bar of billing" "$PAGE" '<rect x="130" y="56" width="126" height="10" fill="#56B4E9">'
# USD axis: max 4000.50 in 4 steps -> 2000 a step, ends at 6000; the
# legal bar's 91-120 segment runs from 1000.50 to 4000.50 of 6000 over
# 490 units: 82 to 327, so x 212 width 245
has "the USD bucket axis" "$PAGE" '<text x="620" y="102" text-anchor="end">6,000</text>'
has "the legal bar's 91-120 segment" "$PAGE" '<rect x="212" y="62" width="245" height="18" fill="#414487">'
has "three nights in the trend" "$PAGE" '<h2>Trend over the last 3 nights</h2>'
hasnt "a night after --as-of is not read" "$PAGE" 'Future Night|2026-03-05'
has "thousands separators in outcomes" "$PAGE" '<td class="n">25,000.00</td>'

# --- and N more -------------------------------------------------------
BIG=$WORK/big/2026-05-01
mkdir -p "$BIG"
{
	printf 'date\tcustomer_id\tcurrency\tfrom_stage\tto_stage\trule\treason\topen_balance\n'
	for i in $(seq 1 53); do
		printf '2026-05-01\tK%02d\tUSD\tbilling\tfinance_review\treview\tr\t%d.00\n' "$i" "$i"
	done
} > "$BIG/events.tsv"
{
	printf 'customer_id\tcurrency\tname\tstage\topen_balance\tbal_current\tbal_1_30\tbal_31_60\tbal_61_90\tbal_91_120\tbal_120_plus\n'
	for i in $(seq 1 53); do
		printf 'K%02d\tUSD\tName %d\tfinance_review\t%d.00\t0.00\t0.00\t%d.00\t0.00\t0.00\t0.00\n' "$i" "$i" "$i" "$i"
	done
} > "$BIG/staged.tsv"
"$BINDIR/night-report" --as-of 2026-05-01 "$BIG" > "$WORK/big.html"
check "53 moved accounts: exit 0" $? ""
has "53 moved accounts: and 3 more" "$WORK/big.html" '<p class="note">and 3 more</p>'
# biggest first: K53 (53.00) shown, K03 (3.00) the last one left out
has "53 moved accounts: the biggest first" "$WORK/big.html" '<tr><td>K53</td><td>Name 53</td>'
hasnt "53 moved accounts: the smallest left out" "$WORK/big.html" '<td>K0[123]</td>'
# 1 + 2 + ... + 53 = 1431
has "53 moved accounts: the money" "$WORK/big.html" '<td class="n">53</td><td class="n">1,431.00</td>'

# --- the largest amount there is: axes and bars without int64 overflow
# (the sanitizer build of make test turns an overflow into a failure)
HUGE=$WORK/huge/2026-01-02
mkdir -p "$HUGE"
printf 'date\tcustomer_id\tcurrency\tfrom_stage\tto_stage\trule\treason\topen_balance\n' > "$HUGE/events.tsv"
printf 'customer_id\tcurrency\tstage\topen_balance\tbal_current\tbal_1_30\tbal_31_60\tbal_61_90\tbal_91_120\tbal_120_plus\nY\tKWD\tcollections\t9223372036854775.807\t0.000\t0.000\t0.000\t0.000\t0.000\t9223372036854775.807\n' > "$HUGE/staged.tsv"
printf 'section\tname\tcurrency\tcount\tamount\ntotal\topen_balance\tKWD\t1\t9223372036854775.807\n' > "$HUGE/summary.tsv"
"$BINDIR/night-report" --as-of 2026-01-02 "$HUGE" > "$WORK/huge.html" 2> "$WORK/huge.err"
check "INT64_MAX minor units: exit 0" $? "$(head -3 "$WORK/huge.err")"
has "INT64_MAX minor units: shown exactly" "$WORK/huge.html" '<td class="n">9,223,372,036,854,775.807</td>'

# --- rejects ----------------------------------------------------------
(cd "$DATA" && "$BINDIR/night-report" --as-of 2026-04-01 badnights/2026-04-01 \
    > "$WORK/bad.html" 2> "$WORK/bad.err")
rc=$?
[ "$rc" = 65 ] && grep -q 'staged.tsv:3: open_balance: invalid amount "12.345"' "$WORK/bad.err"
check "rejected rows beyond --max-rejects: exit 65" $? "exit $rc: $(head -3 "$WORK/bad.err")"
"$BINDIR/night-report" --as-of 2026-03-03 "$DATA/nights/2026-03-03" > /dev/full 2> "$WORK/full.err"
rc=$?
[ "$rc" = 74 ] && [ -s "$WORK/full.err" ]
check "into /dev/full: exit 74" $? "exit $rc"

# --- fits a phone: no fixed width wider than one --------------------
# Charts are viewBox SVG at width 100% (no width attribute); CSS widths
# are in rem or %; no width, min-width or flex-basis above 390px.
hasnt "no svg chart with a fixed width" "$PAGE" '<svg class="chart"[^>]* width='
wide=$(grep -oE '(min-)?width:[0-9]+px' "$PAGE" | awk -F'[:p]' '$2 > 390')
[ -z "$wide" ]
check "no CSS width above 390px" $? "$wide"
has "tables scroll sideways" "$PAGE" '.tw{overflow-x:auto'
# --- prints: charts and table rows are not split across pages ---------
has "print: charts kept whole" "$PAGE" '@media print{'
has "print: no page break inside a chart or row" "$PAGE" 'figure,dl.figures,tr,.tw{break-inside:avoid}'

# --- rendered in headless Chromium ------------------------------------
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	check "chromium" 1 "headless Chromium is needed to render the report: install the package chromium (apt-get install chromium)"
else
	browse() {	# browse PROFILE ARGS...: headless, offline, bounded
		local profile=$1
		shift
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		    --disable-background-networking --disable-dev-shm-usage \
		    --user-data-dir="$WORK/$profile" "$@" 2> "$WORK/chromium.err"
	}
	browse dom --dump-dom "file://$PAGE" > "$WORK/dom.html"
	check "chromium dumps the DOM" $? "$(tail -3 "$WORK/chromium.err")"
	for title in 'Tonight at a glance' 'Open balance by aging bucket and stage' \
	    'Stage funnel' 'Tonight’s movements' 'Trend over the last 3 nights' \
	    'Recovery by stage' 'Hand-off delays' 'Roll rates between month-ends' \
	    'Agency results'; do
		has "DOM: section \"$title\"" "$WORK/dom.html" "<h2>$title</h2>"
	done
	# the name is text in the DOM, not markup
	has "DOM: the hostile name is text" "$WORK/dom.html" \
	    "<td>&lt;b&gt;Smith &amp; \"Sons\"&lt;/b&gt; 'Ltd'</td>"
	hasnt "DOM: no <b> from the data" "$WORK/dom.html" '<b>'
	# Non-blank: a blank page is 0 non-white pixels; this report measured
	# 5.6% at 1200x2400 and 10.2% at 390x2400 (the text alone, charts
	# removed, 5.4% and 10.3%), so 2% tells a rendered page from an
	# empty one.  The charts: #414487 (the 91-120 bucket) measured 5,782
	# px at desktop and 1,202 px at phone width, the legend swatches
	# alone 162 px at either: 2,000 and 600 show the bar itself drawn.
	for size in 1200,2400,2000 390,2400,600; do
		IFS=, read -r w h floor <<< "$size"
		rm -f "$WORK/r.png"
		browse "shot$w" --screenshot="$WORK/r.png" --window-size="$w,$h" \
		    "file://$PAGE" > /dev/null
		if [ ! -s "$WORK/r.png" ]; then
			check "screenshot at $w px" 1 "no PNG: $(tail -3 "$WORK/chromium.err")"
			continue
		fi
		set -- $("$BINDIR/pngcheck" "$WORK/r.png" 414487 | tr '\n' ' ')
		# "WxH nonwhite N of M 414487 K"
		[ "$1" = "${w}x$h" ] && [ $(($3 * 50)) -ge "$5" ]
		check "screenshot at $w px is not blank (>= 2% non-white)" $? "$*"
		[ "${7:-0}" -ge "$floor" ]
		check "screenshot at $w px has the bucket chart (#414487 >= $floor px)" $? "$*"
	done
fi

finish
