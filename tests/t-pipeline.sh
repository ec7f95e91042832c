#!/bin/bash
# tests/t-pipeline.sh BINDIR: pipeline.sh end to end (SPEC 7), on the demo
# data and on generated data:
#  - the demo: every stage, the hand-written customers where make-demo says,
#    suppress.tsv and worklist.tsv as SPEC 7 defines them, the rejects;
#  - money per currency in = out at each step, recomputed here in bash
#    integer arithmetic from the filters' --stats lines in the log;
#  - two nights: a placed account paid and another newly disputed are
#    recalled on night two and leave the ledger;
#  - a rerun of a night replaces its events and outputs, never appends;
#  - a night with bad input fails and leaves the state byte for byte;
#  - the lock: a second run exits 75, or waits with --wait;
#  - kill -9 in the middle of a run, then a clean rerun equal to an
#    uninterrupted one; a kill between a commit's renames is repaired;
#  - --drop calls scripts/sftp-drop (a stand-in here) and reports a failure.
# Prints "N passed, N failed".
set -u
export LC_ALL=C
unset AS_OF
BINDIR=$(cd "${1:-bin}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PIPE=$ROOT/pipeline.sh
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
passed=0
failed=0
TAB=$(printf '\t')

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	printf 'FAIL t-pipeline: %s\n' "$*"
}
# ok NAME CMD...: passes when CMD succeeds
ok() {
	local name=$1
	shift
	if "$@"; then pass; else fail "$name"; fi
}
# check NAME WANT GOT
check() {
	if [[ $2 == "$3" ]]; then pass; else fail "$1: want \"$2\", got \"$3\""; fi
}

for f in aging-normalize reconcile-payments stage-assign dedupe-contacts \
    agency-pack stage-outcomes night-report; do
	if [[ ! -x $BINDIR/$f ]]; then
		fail "$BINDIR/$f is not built: pipeline.sh cannot run"
		echo "$passed passed, $failed failed"
		exit 1
	fi
done

# night IN STATE OUT DATE [OPTION...]: runs pipeline.sh; exit status in rc,
# stderr in $W/log.
night() {
	local in=$1 state=$2 out=$3 date=$4
	shift 4
	rc=0
	BIN=$BINDIR "$PIPE" --in "$in" --state "$state" --out "$out" \
	    --as-of "$date" "$@" >"$W/stdout" 2>"$W/log" || rc=$?
}

# field FILE KEY COLUMN: COLUMN of the first row whose first column is KEY.
field() {
	awk -F '\t' -v key="$2" -v name="$3" '
	    FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	    $1 == key { print $col[name]; exit }' "$1"
}

rows() { echo $(($(wc -l <"$1") - 1)); }

# nights STATE: the nights kept, space-separated
nights() {
	local d list=()
	for d in "$1"/nights/*; do
		list+=("${d##*/}")
	done
	echo "${list[*]}"
}

# state_sum DIR: one checksum of every file and link under DIR.
state_sum() {
	(cd "$1" && find . -printf '%p %y %l\n' | sort &&
	    find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum
}

# units TEXT: decimal money text as integer minor units, in bash's 64-bit
# arithmetic (not pipeline.sh's awk: an independent computation).
units() {
	local s=$1 sign=''
	[[ $s == -* ]] && sign=- s=${s#-}
	if [[ $s == *.* ]]; then
		echo $((${sign}10#${s%%.*}${s#*.}))
	else
		echo $((${sign}10#$s))
	fi
}

# conserved LOG: per currency, from the --stats lines pipeline.sh logged:
# aging in = out = reconcile in; reconcile in - applied = out;
# payments = applied + unapplied; reconcile out = stage-assign in =
# open + disputed + credits; and the summary's stages add up to open.
conserved() {
	local log=$1 summary=$2 line seg cur bad=0 n=0 w
	declare -A a_out r_in r_out s_in s_sum st_sum
	while IFS= read -r line; do
		line=${line#* pipeline.sh: }
		IFS=';' read -ra segs <<<"$line"
		for seg in "${segs[@]:1}"; do
			read -ra w <<<"${seg//,/}"
			cur=${w[0]}
			[[ $cur =~ ^[A-Z]{3}$ ]] || continue
			case $line in
			aging-normalize:*)
				[[ ${w[3]} == "${w[5]}" ]] || { fail "aging $cur: in ${w[3]} out ${w[5]}"; bad=1; }
				a_out[$cur]=$(units "${w[5]}") ;;
			reconcile-payments:*)
				r_in[$cur]=$(units "${w[3]}")
				r_out[$cur]=$(units "${w[5]}")
				(($(units "${w[3]}") - $(units "${w[9]}") == r_out[$cur])) ||
				    { fail "reconcile $cur: in - applied != out ($seg)"; bad=1; }
				(($(units "${w[7]}") == $(units "${w[9]}") + $(units "${w[11]}"))) ||
				    { fail "reconcile $cur: payments != applied + unapplied ($seg)"; bad=1; }
				;;
			stage-assign:*)
				[[ ${w[1]} == in ]] || continue
				s_in[$cur]=$(units "${w[2]}")
				s_sum[$cur]=$(($(units "${w[5]}") + $(units "${w[7]}") + $(units "${w[9]}")))
				st_sum[$cur]=$(units "${w[5]}")
				;;
			esac
			n=$((n + 1))
		done
	done < <(grep -E ' pipeline.sh: (aging-normalize|reconcile-payments|stage-assign): [0-9.]+ s: ' "$log")
	for cur in "${!a_out[@]}"; do
		((a_out[$cur] == ${r_in[$cur]:-0})) || { fail "$cur: aging out != reconcile in"; bad=1; }
	done
	for cur in "${!r_out[@]}"; do
		((r_out[$cur] == ${s_in[$cur]:-0})) || { fail "$cur: reconcile out ${r_out[$cur]} != stage-assign in ${s_in[$cur]:-0}"; bad=1; }
	done
	for cur in "${!s_in[@]}"; do
		((s_in[$cur] == s_sum[$cur])) || { fail "$cur: stage-assign in != open + disputed + credits"; bad=1; }
		local stages=0 amount
		while IFS="$TAB" read -r amount; do
			stages=$((stages + $(units "$amount")))
		done < <(awk -F '\t' -v c="$cur" '$1 == "stage" && $3 == c { print $5 }' "$summary")
		((stages == st_sum[$cur])) || { fail "$cur: summary stages $stages != stage-assign open ${st_sum[$cur]}"; bad=1; }
	done
	((n >= 3)) || { fail "conservation: only $n currency segments in the log"; bad=1; }
	((bad == 0)) && pass
}

# ---- the demo data is what scripts/make-demo writes

BIN=$BINDIR "$ROOT/scripts/make-demo" "$W/demo" 2>/dev/null
check "make-demo regenerates testdata/demo" "" "$(diff -r "$ROOT/testdata/demo" "$W/demo" 2>&1 | head -n 3)"

# ---- the demo, as the README's first command runs it

demo_out=$(BIN=$BINDIR "$PIPE" --demo 2>"$W/demo.log")
rc=$?
check "--demo exits 0 ($(tail -n 3 "$W/demo.log"))" 0 "$rc"
demo_dir=$(sed -n 's/.*demo: outputs in \(.*\)\/out, state in .*/\1/p' "$W/demo.log")
if [[ -z $demo_dir || ! -d $demo_dir ]]; then
	fail "--demo does not say where its outputs are"
	echo "$passed passed, $failed failed"
	exit 1
fi
S=$demo_dir/state O=$demo_dir/out
for stage in support billing finance_review collections dispute legal payment_pending promise current; do
	ok "the demo summary has no stage $stage" grep -q "^stage  *$stage  " <<<"$demo_out"
done
check "demo: C900001 stage" collections "$(field "$S/staged.tsv" C900001 stage)"
check "demo: C900001 notify" account_manager,senior_manager "$(field "$S/staged.tsv" C900001 notify)"
check "demo: C900002 open (the undisputed invoice)" 4200.00 "$(field "$S/staged.tsv" C900002 open_balance)"
check "demo: C900002 disputed_balance" 2750.00 "$(field "$S/staged.tsv" C900002 disputed_balance)"
check "demo: C900003 paid by a memo: not staged" "" "$(field "$S/staged.tsv" C900003 stage)"
check "demo: C900004 stage" promise "$(field "$S/staged.tsv" C900004 stage)"
check "demo: C900005 outreach" frozen "$(field "$S/staged.tsv" C900005 outreach)"
check "demo: C900005 suppressed" legal "$(field "$O/suppress.tsv" C900005 stage)"
check "demo: C900006 flags" no_master "$(field "$S/staged.tsv" C900006 flags)"
check "demo: C900008 short payment" payment_pending/15.00 \
    "$(field "$S/staged.tsv" C900008 stage)/$(field "$S/staged.tsv" C900008 open_balance)"
check "demo: rejects" 2 "$(rows "$O/rejects.tsv")"
check "demo: rejects in the summary" 2 "$(awk -F '\t' '$1 == "rejects" && $2 == "aging-normalize" { print $4 }' "$O/summary.tsv")"

# worklist: the SPEC's columns; C900006's best contact is the fresh personal
# one, not the stale generic mailbox.
check "worklist header" "owner customer_id currency stage action notify notify_to open_balance max_dpd contact_name email phone preferred_channel language" \
    "$(head -n 1 "$O/worklist.tsv" | tr '\t' ' ')"
check "worklist C900006" "billing formal_request Lena Fischer lena.fischer@lakeside.example" \
    "$(awk -F '\t' '$2 == "C900006" { print $1, $5, $10, $11 }' "$O/worklist.tsv")"
# Every allowed account with an action once, one row per notification, and
# nothing else; suppress.tsv is exactly the accounts not allowed.
want=$(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["outreach"] == "allowed" && $c["action"] != "none" { n++ }
    { n += split($c["notify"], x, ",") } END { print n }' "$S/staged.tsv")
check "worklist rows" "$want" "$(rows "$O/worklist.tsv")"
check "worklist: no outreach to an account not allowed" 0 \
    "$(awk -F '\t' 'NR == FNR { if ($7 != "allowed") no[$1 FS $2]; next }
	FNR > 1 && $5 != "notify" && ($2 FS $3) in no { n++ } END { print n + 0 }' \
	"$S/staged.tsv" "$O/worklist.tsv")"
check "suppress rows" "$(awk -F '\t' 'NR > 1 && $7 != "allowed"' "$S/staged.tsv" | wc -l)" \
    "$(rows "$O/suppress.tsv")"
conserved "$W/demo.log" "$O/summary.tsv"
check "demo: state" "$S/nights/2026-11-23" "$(cd "$S" && cd -P current && pwd)"
check "demo: events.tsv is the night's" "$(cat "$S/nights/2026-11-23/events.tsv")" "$(cat "$S/events.tsv")"
check "demo: a batch" yes "$([[ -s $O/agency/2026-11-23/manifest.tsv ]] && echo yes)"
rm -rf "$demo_dir"

# ---- two nights, on the demo data

IN1=$W/in1 IN2=$W/in2 S=$W/state O=$W/out
cp -r "$ROOT/testdata/demo" "$IN1"
night "$IN1" "$S" "$O" 2026-11-23 --date-order mdy --currency USD --max-rejects 5
check "night 1: exit ($(tail -n 2 "$W/log"))" 0 "$rc"
# two placed accounts of the generated customers: P1 pays everything
# tonight, P2 is flagged disputed in the master.
mapfile -t placed < <(awk -F '\t' 'NR > 1 && $1 ~ /^C0/ { print $1 }' "$S/placed.tsv" | head -n 2)
P1=${placed[0]:-none} P2=${placed[1]:-none}
check "night 1: P1 placed" collections "$(field "$S/staged.tsv" "$P1" stage)"
check "night 1: P2 placed" collections "$(field "$S/staged.tsv" "$P2" stage)"
owed=$(field "$S/staged.tsv" "$P1" open_balance)
owed_disputed=$(field "$S/staged.tsv" "$P1" disputed_balance)
total=$(($(units "$owed") + $(units "$owed_disputed")))
cp -r "$IN1" "$IN2"
printf 'PAY-T0001,%s,USD,%d.%02d,2026-11-24,unposted,wire\n' "$P1" \
    $((total / 100)) $((total % 100)) >>"$IN2/payments.csv"
awk -F '\t' -v OFS='\t' -v p="$P2" '$1 == p { $4 = $4 == "" ? "disputed" : $4 ",disputed" } 1' \
    "$IN1/accounts.tsv" >"$IN2/accounts.tsv"
night "$IN2" "$S" "$O" 2026-11-24 --date-order mdy --currency USD --max-rejects 5
check "night 2: exit ($(tail -n 2 "$W/log"))" 0 "$rc"
R=$O/agency/2026-11-24/recalls.tsv
check "night 2: P1 recalled as paid" paid "$(field "$R" "$P1" reason)"
check "night 2: P2 recalled as disputed" disputed "$(field "$R" "$P2" reason)"
check "night 2: P1 off the ledger" "" "$(field "$S/placed.tsv" "$P1" agency)"
check "night 2: P2 off the ledger" "" "$(field "$S/placed.tsv" "$P2" agency)"
check "night 2: P2 suppressed" dispute "$(field "$O/suppress.tsv" "$P2" stage)"
check "night 2: P1's event" "collections current" \
    "$(awk -F '\t' -v p="$P1" '$1 == "2026-11-24" && $2 == p { print $4, $5 }' "$S/events.tsv")"
check "night 2: P2's event" "collections dispute" \
    "$(awk -F '\t' -v p="$P2" '$1 == "2026-11-24" && $2 == p { print $4, $5 }' "$S/events.tsv")"
check "night 2: recalls in the summary" "$(rows "$R")" \
    "$(awk -F '\t' '$1 == "recalls" { n += $4 } END { print n + 0 }' "$O/summary.tsv")"
check "night 2: the summary says what moved" 1 \
    "$(awk -F '\t' '$1 == "moved" && $2 == "collections>dispute" { print ($4 >= 1) }' "$O/summary.tsv")"
check "night 2: events.tsv = night 1 + night 2" \
    "$(cat "$S/nights/2026-11-23/events.tsv"; tail -n +2 "$S/nights/2026-11-24/events.tsv")" \
    "$(cat "$S/events.tsv")"
conserved "$W/log" "$O/summary.tsv"

# ---- the night's history (moved, payments, agency) and the report

N2=$S/nights/2026-11-24
check "history: moved.tsv has the staged header" "$(head -n 1 "$S/staged.tsv")" "$(head -n 1 "$N2/moved.tsv")"
check "history: moved.tsv is the changed accounts" \
    "$(tail -n +2 "$N2/events.tsv" | cut -f 2,3 | sort)" \
    "$(tail -n +2 "$N2/moved.tsv" | cut -f 1,2 | sort)"
check "history: moved rows are tonight's staged rows" "" \
    "$(tail -n +2 "$N2/moved.tsv" | grep -vxFf "$N2/staged.tsv")"
# payments.tsv: the night's applied money per account; in all, the
# summary's payments (in bash integers, not pipeline.sh's awk)
applied=0
while IFS=$TAB read -r _ _ amount _; do
	applied=$((applied + $(units "$amount")))
done < <(tail -n +2 "$N2/payments.tsv")
summed=0
while IFS=$TAB read -r section _ _ _ amount; do
	[[ $section == payments ]] && summed=$((summed + $(units "$amount")))
done <"$O/summary.tsv"
check "history: payments.tsv adds up to the summary's payments" "$summed" "$applied"
p1_applied=$(awk -F '\t' -v p="$P1" '$1 == p { print $3 }' "$N2/payments.tsv")
check "history: P1's payment of $total cents applied" 1 \
    "$(( $(units "${p1_applied:-0}") >= total ))"
check "history: agency.tsv = placements + updates + recalls" \
    "$(($(rows "$O/agency/2026-11-24/placements.tsv") + $(rows "$O/agency/2026-11-24/updates.tsv") + $(rows "$R")))" \
    "$(rows "$N2/agency.tsv")"
check "history: P2 recalled as disputed" "recalled disputed" \
    "$(awk -F '\t' -v p="$P2" '$1 == p { print $3, $4 }' "$N2/agency.tsv")"
for f in outcomes.tsv delays.tsv rolls.tsv agency-results.tsv; do
	check "outputs: $f has a header" 1 "$(head -n 1 "$O/$f" | grep -c '^[a-z_]*'"$TAB")"
done
ok "outputs: report.html" grep -q '</html>' "$O/report.html"
ok "report: the trend has both nights, tonight's too" \
    grep -q 'Trend over the last 2 nights' "$O/report.html"
check "outcomes: P2's dispute entered in November" 1 \
    "$(awk -F '\t' '$1 == "dispute" && $2 == "2026-11" && $4 >= 1 { n++ } END { print n + 0 }' "$O/outcomes.tsv")"

# ---- past --keep nights only the history stays, and month-end snapshots

KS=$W/keep-state
for d in 2026-11-29 2026-11-30 2026-12-01 2026-12-02; do
	night "$IN1" "$KS" "$W/keep-out" "$d" --date-order mdy --currency USD --max-rejects 5 --keep 2
	check "keep: night $d ($(tail -n 1 "$W/log"))" 0 "$rc"
done
list() { (cd "$1" && echo *); }
check "keep: an old night keeps its history" \
    "agency.tsv events.offset events.tsv moved.tsv payments.tsv summary.tsv" \
    "$(list "$KS/nights/2026-11-29")"
check "keep: the month's last night keeps staged.tsv" \
    "agency.tsv events.offset events.tsv moved.tsv payments.tsv staged.tsv summary.tsv" \
    "$(list "$KS/nights/2026-11-30")"
check "keep: the newest nights whole" \
    "agency.tsv events.offset events.tsv moved.tsv payments.tsv placed.tsv staged.tsv summary.tsv" \
    "$(list "$KS/nights/2026-12-01")"

# ---- a rerun replaces the night

cp "$S/events.tsv" "$W/events.1"
cp -r "$O" "$W/out.1"
night "$IN2" "$S" "$O" 2026-11-24 --date-order mdy --currency USD --max-rejects 5
check "rerun: exit ($(tail -n 2 "$W/log"))" 0 "$rc"
ok "rerun: events.tsv changed (appended twice?)" cmp -s "$W/events.1" "$S/events.tsv"
for f in summary.tsv worklist.tsv suppress.tsv events.tsv agency/2026-11-24/recalls.tsv agency/2026-11-24/placements.tsv; do
	ok "rerun: $f differs" cmp -s "$W/out.1/$f" "$O/$f"
done
check "rerun: nights" "2026-11-23 2026-11-24" "$(nights "$S")"
# A rerun with other inputs (P2's dispute withdrawn) replaces that night's
# events: P2 stays placed.
night "$IN1" "$S" "$O" 2026-11-24 --date-order mdy --currency USD --max-rejects 5
check "rerun, other inputs: exit" 0 "$rc"
check "rerun, other inputs: P2 not recalled" "" "$(field "$O/agency/2026-11-24/recalls.tsv" "$P2" reason)"
check "rerun, other inputs: P2 still placed" collections "$(field "$S/staged.tsv" "$P2" stage)"
check "rerun, other inputs: no dispute event" "" \
    "$(awk -F '\t' -v p="$P2" '$1 == "2026-11-24" && $2 == p' "$S/events.tsv")"
check "rerun, other inputs: events.tsv = night 1 + night 2" \
    "$(cat "$S/nights/2026-11-23/events.tsv"; tail -n +2 "$S/nights/2026-11-24/events.tsv")" \
    "$(cat "$S/events.tsv")"
night "$IN2" "$S" "$O" 2026-11-24 --date-order mdy --currency USD --max-rejects 5
ok "rerun back: events.tsv is not night 2's first" cmp -s "$W/events.1" "$S/events.tsv"
# a night before the state's newest is refused
night "$IN1" "$S" "$O" 2026-11-22 --date-order mdy --currency USD --max-rejects 5
check "a night before the newest: exit" 64 "$rc"

# ---- a bad night leaves the state as it was

before=$(state_sum "$S")
out_before=$(state_sum "$O")
night "$IN2" "$S" "$O" 2026-11-25 --date-order mdy --currency USD
check "bad input (2 rejects, --max-rejects 0): exit" 65 "$rc"
ok "bad input: the log does not name the step: $(tail -n 3 "$W/log")" grep -q 'step aging-normalize failed (exit 65)' "$W/log"
ok "bad input: the log does not say why" grep -q 'invalid date "2/30/2026"' "$W/log"
check "bad input: state untouched" "$before" "$(state_sum "$S")"
check "bad input: outputs untouched" "$out_before" "$(state_sum "$O")"
mkdir "$W/in3"
cp "$IN2"/* "$W/in3/"
printf 'customer_id\tname\n' >"$W/in3/stage.rules"
night "$W/in3" "$S" "$O" 2026-11-25 --date-order mdy --currency USD --max-rejects 5
check "bad rules: exit" 78 "$rc"
check "bad rules: state untouched" "$before" "$(state_sum "$S")"
rm "$W/in3/stage.rules" "$W/in3/contacts.csv"
night "$W/in3" "$S" "$O" 2026-11-25 --date-order mdy --currency USD --max-rejects 5
check "no contacts: exit" 66 "$rc"
check "no contacts: state untouched" "$before" "$(state_sum "$S")"
check "no work directory left" "" "$(ls -d "$S"/.night.* 2>/dev/null)"

# ---- a filter that loses a row: the conservation check stops the night

LOSSY=$W/lossybin
mkdir "$LOSSY"
for f in "$BINDIR"/*; do ln -s "$f" "$LOSSY/"; done
rm "$LOSSY/stage-assign"
cat >"$LOSSY/stage-assign" <<EOF
#!/bin/bash
set -o pipefail
"$BINDIR/stage-assign" "\$@" |
    awk -F '\t' 'NR > 1 && !lost && \$1 ~ /^C0/ && \$4 == "billing" { lost = 1; next } 1'
EOF
chmod +x "$LOSSY/stage-assign"
BIN=$LOSSY "$PIPE" --in "$IN2" --state "$S" --out "$O" --as-of 2026-11-25 \
    --date-order mdy --currency USD --max-rejects 5 >/dev/null 2>"$W/log"
check "a lost row: exit" 70 $?
ok "a lost row: no message: $(tail -n 3 "$W/log")" \
    grep -q 'money not conserved in USD: summary open_balance' "$W/log"
check "a lost row: state untouched" "$before" "$(state_sum "$S")"

# ---- the lock

# a stand-in bin/ whose stage-assign waits for a file to go away
SLOW=$W/slowbin
mkdir "$SLOW"
for f in "$BINDIR"/*; do ln -s "$f" "$SLOW/"; done
rm "$SLOW/stage-assign"
cat >"$SLOW/stage-assign" <<EOF
#!/bin/sh
while [ -e "$W/hold" ]; do sleep 0.1; done
exec "$BINDIR/stage-assign" "\$@"
EOF
chmod +x "$SLOW/stage-assign"

# wait_for GLOB: until a file matches (5 s at most)
wait_for() {
	local i
	for ((i = 0; i < 50; i++)); do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

touch "$W/hold"
BIN=$SLOW "$PIPE" --in "$IN2" --state "$S" --out "$O" --as-of 2026-11-25 \
    --date-order mdy --currency USD --max-rejects 5 2>"$W/log.a" &
first=$!
wait_for "$S/.night.*/steps/stage-assign.start" || fail "lock: the first run did not start"
night "$IN2" "$S" "$O" 2026-11-25 --date-order mdy --currency USD --max-rejects 5
check "lock: a second run exits 75" 75 "$rc"
ok "lock: no clear message: $(cat "$W/log")" grep -q "another run holds $S/lock" "$W/log"
BIN=$BINDIR "$PIPE" --in "$IN2" --state "$S" --out "$O" --as-of 2026-11-25 \
    --date-order mdy --currency USD --max-rejects 5 --wait 2>"$W/log.b" &
second=$!
sleep 0.5
check "lock: --wait waits" yes "$(kill -0 "$second" 2>/dev/null && echo yes)"
rm "$W/hold"
wait "$first"
rc=$?
check "lock: the first run ($(tail -n 1 "$W/log.a"))" 0 "$rc"
wait "$second"
rc=$?
check "lock: the waiting run ($(tail -n 1 "$W/log.b"))" 0 "$rc"
ok "lock: --wait says nothing" grep -q 'waiting for it' "$W/log.b"
check "lock: one night's events, once" "$(rows "$S/nights/2026-11-25/events.tsv")" \
    "$(grep -c '^2026-11-25' "$S/events.tsv")"

# ---- pipeline.sh rewritten in place while a night runs (cp over it, as an
# update does): the running night goes on as it began.

mkdir -p "$W/copy/scripts"
cp "$PIPE" "$W/copy/pipeline.sh"
cp -r "$ROOT/scripts/pipeline.d" "$W/copy/scripts/"
touch "$W/hold"
BIN=$SLOW "$W/copy/pipeline.sh" --in "$IN2" --state "$W/copy-state" \
    --out "$W/copy-out" --as-of 2026-11-24 --date-order mdy --currency USD \
    --max-rejects 5 2>"$W/log.c" &
running=$!
wait_for "$W/copy-state/.night.*/steps/stage-assign.start" || fail "rewrite: the run did not start"
# The new version exits 42 wherever a reader of the old one would resume.
for ((i = 0; i < 8000; i++)); do echo 'exit 42'; done >"$W/new"
cp "$W/new" "$W/copy/pipeline.sh"
rm "$W/hold"
wait "$running"
rc=$?
check "rewritten while running: exit ($(tail -n 2 "$W/log.c"))" 0 "$rc"

# ---- kill -9 in the middle, then a clean rerun

# The reference: nights 23 and 24 uninterrupted, in another state.
RS=$W/ref-state RO=$W/ref-out
night "$IN1" "$RS" "$RO" 2026-11-23 --date-order mdy --currency USD --max-rejects 5
night "$IN2" "$RS" "$RO" 2026-11-24 --date-order mdy --currency USD --max-rejects 5
KS=$W/kill-state KO=$W/kill-out
night "$IN1" "$KS" "$KO" 2026-11-23 --date-order mdy --currency USD --max-rejects 5
touch "$W/hold"
# in a subshell that reaps it, so that no "Killed" notice reaches our output
(BIN=$SLOW "$PIPE" --in "$IN2" --state "$KS" --out "$KO" --as-of 2026-11-24 \
    --date-order mdy --currency USD --max-rejects 5 2>/dev/null &
    echo $! >"$W/victim"
    wait) 2>/dev/null &
reaper=$!
wait_for "$KS/.night.*/steps/stage-assign.start" || fail "kill: the run did not start"
kill -9 "$(cat "$W/victim")"
wait "$reaper"
check "kill -9: the state is night 1's" "$KS/nights/2026-11-23" "$(cd "$KS" && cd -P current && pwd)"
rm "$W/hold"	# the killed run's stage-assign goes on, holding the lock: --wait
night "$IN2" "$KS" "$KO" 2026-11-24 --date-order mdy --currency USD --max-rejects 5 --wait
check "kill -9, rerun: exit ($(tail -n 2 "$W/log"))" 0 "$rc"
for f in events.tsv staged.tsv placed.tsv; do
	ok "kill -9, rerun: $f differs from an uninterrupted run's" cmp -s "$RS/$f" "$KS/$f"
done
ok "kill -9, rerun: summary differs" cmp -s "$RO/summary.tsv" "$KO/summary.tsv"
check "kill -9, rerun: no work directory left" "" "$(ls -d "$KS"/.night.* 2>/dev/null)"

# A kill between a rerun's two renames leaves nights/DATE aside as
# .DATE.old.PID, and one during the events roll-forward a short log: the
# next start repairs both.
mv "$KS/nights/2026-11-24" "$KS/nights/.2026-11-24.old.12345"
truncate -s -10 "$KS/events.tsv"
night "$IN2" "$KS" "$KO" 2026-11-24 --date-order mdy --currency USD --max-rejects 5
check "repair: exit" 0 "$rc"
ok "repair: events.tsv not repaired" cmp -s "$RS/events.tsv" "$KS/events.tsv"
check "repair: nights" "2026-11-23 2026-11-24" "$(nights "$KS")"
check "repair: nothing aside" "" "$(compgen -G "$KS/nights/.*.old.*")"

# ---- --drop, through a stand-in for scripts/sftp-drop

cat >"$W/drop" <<EOF
#!/bin/sh
echo "\$@" >"$W/dropped"
[ "\$2" != "fail@host:path" ] || { echo "sftp: connection refused" >&2; exit 1; }
EOF
chmod +x "$W/drop"
SFTP_DROP=$W/drop night "$IN2" "$RS" "$RO" 2026-11-24 --date-order mdy \
    --currency USD --max-rejects 5 --drop agency@sftp.example:/in
check "drop: exit" 0 "$rc"
check "drop: the batch and the target" "$RO/agency/2026-11-24 agency@sftp.example:/in" "$(cat "$W/dropped")"
SFTP_DROP=$W/drop night "$IN2" "$RS" "$RO" 2026-11-24 --date-order mdy \
    --currency USD --max-rejects 5 --drop fail@host:path
check "drop failed: exit" 1 "$rc"
ok "drop failed: no clear message" grep -q 'the night is committed' "$W/log"

# ---- generated data: six currencies, a canonical TSV export

G=$W/gen
mkdir "$G"
"$BINDIR/gen-testdata" invoices --rows 6000 --customers 600 --seed 3 >"$G/invoices.tsv"
"$BINDIR/gen-testdata" payments --rows 900 --customers 600 --invoices 6000 --seed 3 >"$G/payments.tsv"
"$BINDIR/gen-testdata" accounts --customers 600 --seed 3 >"$G/accounts.tsv"
"$BINDIR/gen-testdata" activity --rows 3000 --customers 600 --seed 3 >"$G/activity.tsv"
"$BINDIR/gen-contacts" --seed 3 --customers 300 --contacts 1200 |
    awk -F '\t' -v OFS='\t' 'NR > 1 { $2 = sprintf("C%06d", 2 * substr($2, 2) - 1) } { NF = 12; print }' \
    >"$G/contacts.tsv"
night "$G" "$W/gs" "$W/go" 2026-11-23
check "generated: exit ($(tail -n 2 "$W/log"))" 0 "$rc"
check "generated: six currencies" "CAD EUR GBP JPY KWD USD" \
    "$(awk -F '\t' '$1 == "total" && $2 == "open_balance" { print $3 }' "$W/go/summary.tsv" | sort | tr '\n' ' ' | sed 's/ $//')"
conserved "$W/log" "$W/go/summary.tsv"
check "generated: KWD has 3 decimals" 1 \
    "$(awk -F '\t' '$3 == "KWD" && $5 ~ /\.[0-9][0-9][0-9]$/ { print 1; exit }' "$W/go/summary.tsv")"
check "generated: JPY has none" 1 \
    "$(awk -F '\t' '$1 == "stage" && $3 == "JPY" && $5 ~ /^[0-9]+$/ { print 1; exit }' "$W/go/summary.tsv")"

# ---- the progress line: on a terminal only

check "no progress line into a file" 0 "$(grep -c $'\r' "$W/log")"
if command -v script >/dev/null; then
	script -qec "BIN=$BINDIR $PIPE --in $IN1 --state $W/tty-state --out $W/tty-out --as-of 2026-11-23 --date-order mdy --currency USD --max-rejects 5" \
	    "$W/typescript" >/dev/null 2>&1
	ok "a progress line on a terminal" grep -aq $'\r\033\\[K.*running' "$W/typescript"
fi

# ---- usage

BIN=$BINDIR "$PIPE" --bogus >/dev/null 2>&1
check "unknown option" 64 $?
BIN=$BINDIR "$PIPE" --help | grep -q '^usage: pipeline.sh'
check "--help" 0 $?
night "$G" "$W/gs" "$W/go" 2026-02-30
check "--as-of 2026-02-30" 64 "$rc"

echo "$passed passed, $failed failed"
