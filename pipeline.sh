#!/bin/bash
# pipeline.sh: the nightly run (SPEC 7).  Chains the five filters over the
# night's exports in --in, keeps the history in --state, and writes tonight's
# agency batch, suppress.tsv, worklist.tsv, summary.tsv, events.tsv,
# rejects.tsv, the outcomes (outcomes.tsv, delays.tsv, rolls.tsv,
# agency-results.tsv: stage-outcomes over the history) and report.html
# (night-report) to --out:
#
#   invoices ─ aging-normalize ─ reconcile-payments ─ tee ─ stage-assign ─┬─ agency-pack
#                      payments ─┘                     │   accounts,      ├─ suppress.tsv
#   contacts ─ dedupe-contacts (beside the chain)      │   activity,      ├─ worklist.tsv
#                                                      │   yesterday      └─ summary.tsv
#                                  invoices.tsv (for agency-pack)
#
# State (--state DIR):
#   nights/DATE/   the state after each night: staged.tsv (stage-assign's
#                  output, tomorrow's --previous), placed.tsv (agency-pack's
#                  ledger), events.tsv (that night's stage changes),
#                  events.offset, summary.tsv, and the night's history:
#                  moved.tsv (the staged rows of the accounts that changed
#                  stage), payments.tsv (money applied per account),
#                  agency.tsv (placed, updated, recalled).  Past the last
#                  --keep nights the snapshots go (placed.tsv, and
#                  staged.tsv but at the month's last night); the history
#                  stays for stage-outcomes and night-report
#   current        symlink to the newest night; staged.tsv and placed.tsv
#                  are symlinks through it
#   events.tsv     the append-only hand-off log: every night's events
#   lock           flock(1)ed for the whole run
#
# A night is built in DIR/.night.XXXXXX and committed by renaming it to
# nights/DATE, after every step succeeded and money was conserved: a failed
# night leaves the state as it was.  A rerun of DATE starts again from the
# night before it and replaces DATE's night, outputs and events.  The
# events.tsv roll-forward after the rename is redone at the next start if it
# was cut short, so it is consistent with nights/ whatever is killed when.
set -euo pipefail
export LC_ALL=C	# byte order for sort and awk, as the filters sort

# All of the script is one { } group, ended by exit on its last line: bash
# reads it whole before it runs, so a pipeline.sh replaced while a night
# runs (an update, a checkout) cannot change the running night half way.
# (Within the group shellcheck takes the functions that run_step and trap
# call for unreachable.)
# shellcheck disable=SC2317
{

prog=pipeline.sh
version=0.1.0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${BIN:-$here/bin}
awkdir=$here/scripts/pipeline.d
sftp_drop=${SFTP_DROP:-$here/scripts/sftp-drop}
demo_as_of=2026-11-23
filters=(aging-normalize reconcile-payments stage-assign dedupe-contacts agency-pack
    stage-outcomes night-report)

usage() {
	cat <<'EOF'
usage: pipeline.sh [--in DIR] [--state DIR] [--out DIR] [--as-of DATE]
           [--agency NAME] [--drop USER@HOST:PATH] [--demo] [--wait]
           [--max-rejects N] [--date-order ymd|mdy|dmy] [--decimal-comma]
           [--currency CODE] [--region CC] [--keep N]
EOF
}

tty=
[[ -t 2 ]] && tty=1

log() {
	local stamp
	stamp=$(date +%Y-%m-%dT%H:%M:%S%z)
	[[ -z $tty ]] || printf '\r\033[K' >&2
	printf '%s %s: %s\n' "$stamp" "$prog" "$*" >&2
}

die() {
	local rc=$1
	shift
	log "$*"
	exit "$rc"
}

usage_error() {
	printf '%s: %s\n' "$prog" "$1" >&2
	usage >&2
	exit 64
}

now_us() {
	local t=$EPOCHREALTIME
	printf '%s\n' "${t/./}"
}

# seconds US: microseconds as seconds with 3 decimals
seconds() {
	printf '%d.%03d' $(($1 / 1000000)) $(($1 % 1000000 / 1000))
}

# ---- options

in='' state='' out='' as_of='' agency=agency drop='' demo=0 wait=0
max_rejects='' keep=7 region=US aging_opts=()
while (($# > 0)); do
	case $1 in
	--*=*)
		set -- "${1%%=*}" "${1#*=}" "${@:2}"
		continue
		;;
	--in | --state | --out | --as-of | --agency | --drop | --max-rejects | \
	    --date-order | --currency | --region | --keep)
		(($# >= 2)) || usage_error "$1 needs a value"
		;;
	esac
	case $1 in
	--in) in=$2 ;;
	--state) state=$2 ;;
	--out) out=$2 ;;
	--as-of) as_of=$2 ;;
	--agency) agency=$2 ;;
	--drop) drop=$2 ;;
	--max-rejects) max_rejects=$2 ;;
	--date-order) aging_opts+=(--date-order "$2") ;;
	--currency) aging_opts+=(--currency "$2") ;;
	--region) region=$2 ;;
	--keep) keep=$2 ;;
	--demo) demo=1 ;;
	--wait) wait=1 ;;
	--decimal-comma) aging_opts+=(--decimal-comma) ;;
	--help) usage; exit 0 ;;
	--version) echo "$prog $version"; exit 0 ;;
	*) usage_error "unknown argument \"$1\"" ;;
	esac
	case $1 in
	--demo | --wait | --decimal-comma) shift ;;
	*) shift 2 ;;
	esac
done

# The demo data is a messy US export (M/D/YYYY, "$1,234.56") for
# 2026-11-23 with two bad rows, to show the rejects.
demo_dir=
if ((demo)); then
	[[ -z $in && -z $state ]] || usage_error "--demo brings its own --in and --state"
	in=$here/testdata/demo
	demo_dir=$(mktemp -d "${TMPDIR:-/tmp}/pipeline-demo.XXXXXX")
	state=$demo_dir/state
	out=${out:-$demo_dir/out}
	as_of=${as_of:-$demo_as_of}
	max_rejects=${max_rejects:-5}
	aging_opts=(--date-order mdy --currency USD "${aging_opts[@]}")
	missing=0
	for f in "${filters[@]}"; do
		[[ -x $bin/$f ]] || missing=1
	done
	if ((missing)) && [[ -z ${BIN:-} ]]; then
		log "building the filters (make)"
		make -C "$here" >/dev/null
	fi
fi

[[ -n $in ]] || usage_error "--in DIR is required"
[[ -n $state ]] || usage_error "--state DIR is required"
[[ -n $out ]] || usage_error "--out DIR is required"
as_of=${as_of:-${AS_OF:-$(date +%Y-%m-%d)}}
if ! [[ $as_of =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] ||
    [[ $(date -d "$as_of" +%Y-%m-%d 2>/dev/null) != "$as_of" ]]; then
	usage_error "--as-of: not a date \"$as_of\" (YYYY-MM-DD)"
fi
[[ $agency =~ ^[A-Za-z0-9_][A-Za-z0-9._-]*$ ]] ||
    usage_error "--agency: not a plain name \"$agency\""
max_rejects=${max_rejects:-0}
[[ $max_rejects =~ ^[0-9]+$ ]] || usage_error "--max-rejects: not a count \"$max_rejects\""
if ! [[ $keep =~ ^[0-9]+$ ]] || ((keep < 2)); then
	usage_error "--keep: need a count of at least 2 nights, not \"$keep\""
fi
[[ -d $in ]] || die 66 "--in $in: not a directory"
for f in "${filters[@]}"; do
	[[ -x $bin/$f ]] || die 69 "$bin/$f is not built (run make)"
done
if [[ -n $drop && ! -x $sftp_drop ]]; then
	die 69 "$sftp_drop is missing: cannot --drop"
fi

# input_file NAME EXT...: the one file $in/NAME.EXT there is.
input_file() {
	local name=$1 ext found=''
	shift
	for ext in "$@"; do
		if [[ -e $in/$name.$ext ]]; then
			[[ -z $found ]] || die 66 "$in: both $found and $name.$ext: which one?"
			found=$name.$ext
		fi
	done
	[[ -n $found ]] || die 66 "$in: no $name.${*// /|$name.} (see docs/pipeline.md)"
	[[ -r $in/$found ]] || die 66 "$in/$found: cannot read"
	printf '%s\n' "$in/$found"
}

invoices=$(input_file invoices csv tsv)
payments=$(input_file payments csv tsv)
contacts=$(input_file contacts csv tsv)
accounts=$(input_file accounts tsv)
activity=$(input_file activity tsv)
rules=()
[[ -e $in/stage.rules ]] && rules=(--rules "$in/stage.rules")

# ---- the lock: held by this shell and the filters it starts (a killed
# run's filters still running hold it too), released by the kernel however
# the run ends.

mkdir -p "$state/nights" "$out"
state=$(cd "$state" && pwd)
out=$(cd "$out" && pwd)
exec 9>>"$state/lock"
if ! flock -n 9; then
	((wait)) || die 75 "another run holds $state/lock: not starting (--wait waits for it)"
	log "another run holds $state/lock: waiting for it"
	flock 9
fi

# ---- recovery of a run killed half way

nights=()
list_nights() {
	local d
	nights=()
	for d in "$state"/nights/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]; do
		[[ -d $d ]] && nights+=("${d##*/}")
	done
	return 0
}

# swap_in NEW TARGET: rename directory NEW to TARGET, replacing it.
# Between the two renames TARGET is missing and TARGET's .old copy is
# beside it: restore_old puts it back at the next start.
swap_in() {
	local new=$1 target=$2 old
	old=$(dirname "$target")/.$(basename "$target").old.$$
	if [[ -e $target ]]; then
		mv -T "$target" "$old" || return
		mv -T "$new" "$target" || return
		rm -rf "$old"
	else
		mv -T "$new" "$target"
	fi
}

# restore_old DIR: an interrupted swap_in in DIR is undone or finished.
restore_old() {
	local old name
	for old in "$1"/.*.old.*; do
		[[ -e $old ]] || continue
		name=${old##*/}
		name=${name#.}
		name=${name%.old.*}
		if [[ -e $1/$name ]]; then
			rm -rf "$old"
		else
			mv -T "$old" "$1/$name"
		fi
	done
}

# events_part NIGHT: what NIGHT adds to events.tsv: its events with the
# header when it is the first night, else without.
events_part() {
	if [[ $(<"$1/events.offset") == 0 ]]; then
		cat "$1/events.tsv"
	else
		tail -n +2 "$1/events.tsv"
	fi
}

# roll_forward NIGHT: events.tsv is the log up to NIGHT's offset, then
# NIGHT's events; redone when a kill cut it short.
roll_forward() {
	local night=$state/nights/$1 log=$state/events.tsv offset bytes size=0
	offset=$(<"$night/events.offset")
	bytes=$(events_part "$night" | wc -c)
	[[ -e $log ]] && size=$(stat -c %s "$log")
	if ((size == offset + bytes)) &&
	    cmp -s <(tail -c "$bytes" "$log") <(events_part "$night"); then
		return 0
	fi
	((size >= offset)) || die 70 "$log: shorter ($size bytes) than night $1 says ($offset): restore it from a backup"
	truncate -s "$offset" "$log" || return
	events_part "$night" >>"$log"
}

# point_current: current, staged.tsv and placed.tsv lead to the newest night.
point_current() {
	local f
	list_nights
	((${#nights[@]})) || return 0
	if [[ $(readlink "$state/current") != "nights/${nights[-1]}" ]]; then
		ln -sfn "nights/${nights[-1]}" "$state/.current.tmp" || return
		mv -T "$state/.current.tmp" "$state/current" || return
	fi
	for f in staged.tsv placed.tsv; do
		if [[ ! -L $state/$f ]]; then
			ln -sfn "current/$f" "$state/$f" || return
		fi
	done
	roll_forward "${nights[-1]}"
}

recover() {
	local d
	for d in "$state"/.night.*; do
		[[ -e $d ]] || continue
		log "removing $d, left by a run that was killed"
		rm -rf "$d"
	done
	restore_old "$state/nights"
	[[ -d $out/$agency ]] && restore_old "$out/$agency"
	rm -rf "$out"/.*.tmp.[0-9]* "$out/$agency"/.*.new.[0-9]*
	point_current
}
recover

# The night to start from: the newest one before tonight.
list_nights
base=''
for night in "${nights[@]}"; do
	[[ $night < "$as_of" ]] && base=$state/nights/$night
done
rerun=0
if ((${#nights[@]})); then
	latest=${nights[-1]}
	if [[ $latest > "$as_of" ]]; then
		die 64 "the state is at $latest: a night before it cannot be run (remove $state/nights/$latest to go back)"
	fi
	[[ $latest == "$as_of" ]] && rerun=1
fi

# ---- the run

work=$(mktemp -d "$state/.night.XXXXXX")
mkdir "$work/steps" "$work/batch" "$work/out" "$work/night"
export TMPDIR=$work	# the filters' spill files go with the night
started=$(now_us)
progress_pid=
committed=0

cleanup() {
	local rc=$?
	trap - EXIT
	stop_progress
	rm -rf "$work"
	if ((rc != 0 && committed)); then
		log "night $as_of: exit $rc after the night was committed to $state"
	elif ((rc != 0)); then
		log "night $as_of failed (exit $rc): the state in $state is as it was"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# A progress line, rewritten every second, when stderr is a terminal.
progress() {
	local f names
	while kill -0 "$$" 2>/dev/null; do
		names=''
		for f in "$work"/steps/*.start; do
			[[ -e $f && ! -e ${f%.start}.done ]] || continue
			f=${f##*/}
			names+=" ${f%.start}"
		done
		printf '\r\033[K%s: night %s, %ss: running%s' "$prog" "$as_of" \
		    $((($(now_us) - started) / 1000000)) "${names:- ...}" >&2
		sleep 1
	done
}

start_progress() {
	[[ -n $tty ]] || return 0
	progress 9>&- &
	progress_pid=$!
}

stop_progress() {
	[[ -n $progress_pid ]] || return 0
	kill "$progress_pid" 2>/dev/null || true
	wait "$progress_pid" 2>/dev/null || true
	progress_pid=
	printf '\r\033[K' >&2
}

# run_step NAME CMD...: runs CMD, its stderr kept for the log; records its
# exit status and time in $work/steps/NAME.done.  CMD runs where set -e is
# ignored (a || list), so the step functions check each command themselves.
run_step() {
	local name=$1 start rc=0
	shift
	start=$(now_us)
	: >"$work/steps/$name.start"
	"$@" 2>"$work/steps/$name.err" || rc=$?
	printf '%s %s\n' "$rc" $(($(now_us) - start)) >"$work/steps/$name.done"
	return "$rc"
}

# finish_steps NAME...: logs each step's time and --stats line; when one
# failed, says which and why, and exits with its status.  In a pipe, the
# first step that failed other than by a broken pipe is the cause.
finish_steps() {
	local name rc us line lines culprit='' culprit_rc=0
	for name in "$@"; do
		rc=70 us=0
		if [[ -e $work/steps/$name.done ]]; then
			read -r rc us <"$work/steps/$name.done"
		fi
		if ((rc == 0)); then
			mapfile -t lines <"$work/steps/$name.err"
			lines=("${lines[@]#"$name: "}")
			log "$name: $(seconds "$us") s${lines[0]:+: ${lines[0]}}"
			for line in "${lines[@]:1}"; do
				log "$name: $line"
			done
		elif [[ -z $culprit ]] || { ((culprit_rc == 141)) && ((rc != 141)); }; then
			culprit=$name culprit_rc=$rc
		fi
	done
	[[ -n $culprit ]] || return 0
	while IFS= read -r line; do
		log "$culprit: $line"
	done <"$work/steps/$culprit.err"
	if [[ -s $work/rejects.$culprit.tsv ]]; then
		tail -n +2 "$work/rejects.$culprit.tsv" | head -n 5 |
		    while IFS=$'\t' read -r source line reason _; do
			log "$culprit: rejected: $source:$line: $reason"
		done
	fi
	((culprit_rc < 126)) || culprit_rc=70
	die "$culprit_rc" "step $culprit failed (exit $culprit_rc)"
}

log "night $as_of: $in -> $out, state $state${base:+, after ${base##*/}}$( ((rerun)) && echo ', a rerun: replacing it')"
start_progress

common=(--as-of "$as_of" --max-rejects "$max_rejects" --stats)
previous=() placed=()
if [[ -n $base ]]; then
	previous=(--previous "$base/staged.tsv")
	placed=(--placed "$base/placed.tsv")
fi

# The invoice chain streams through pipes; the reconciled invoices are kept
# on the way (tee) for agency-pack's --invoices.  Contacts are deduplicated
# beside it, on the other core, niced: the chain is the night's critical
# path, dedupe-contacts only has to be done before agency-pack starts.
run_step dedupe-contacts nice -n 10 "$bin/dedupe-contacts" --region "$region" \
    "${common[@]}" --rejects "$work/rejects.dedupe-contacts.tsv" \
    <"$contacts" >"$work/contacts.tsv" &
dedupe_pid=$!
run_step aging-normalize "$bin/aging-normalize" "${aging_opts[@]}" \
    "${common[@]}" --rejects "$work/rejects.aging-normalize.tsv" "$invoices" |
    run_step reconcile-payments "$bin/reconcile-payments" \
    --payments "$payments" --matches "$work/matches.tsv" \
    --unapplied "$work/unapplied.tsv" "${common[@]}" \
    --rejects "$work/rejects.reconcile-payments.tsv" |
    run_step tee tee "$work/invoices.tsv" |
    run_step stage-assign "$bin/stage-assign" --accounts "$accounts" \
    --activity "$activity" "${rules[@]}" "${previous[@]}" \
    --events "$work/night/events.tsv" "${common[@]}" \
    --rejects "$work/rejects.stage-assign.tsv" >"$work/night/staged.tsv" ||
    true
wait "$dedupe_pid" || true
finish_steps aging-normalize reconcile-payments tee stage-assign dedupe-contacts

staged=$work/night/staged.tsv
batch=$work/batch/$agency/$as_of

suppress() {
	awk -F '\t' -v OFS='\t' '
	    FNR == 1 {
		for (i = 1; i <= NF; i++)
			col[$i] = i
		print "customer_id", "currency", "name", "stage", "owner",
		    "outreach", "rule", "reason", "stage_since", "open_balance"
		next
	    }
	    $col["outreach"] != "allowed" && $0 != "" {
		print $col["customer_id"], $col["currency"], $col["name"],
		    $col["stage"], $col["owner"], $col["outreach"], $col["rule"],
		    $col["reason"], $col["stage_since"], $col["open_balance"]
	    }' "$staged" >"$work/out/suppress.tsv" || return
	rows_out "$work/out/suppress.tsv"
}

# rows_out FILE: the rows of a step's output, for the log
rows_out() {
	local lines
	lines=$(wc -l <"$1") || return
	printf 'rows out %d\n' $((lines - 1)) >&2
}

# worklist.awk writes a file per owner, each in customer order: the files
# in the order of their owners are the sorted worklist.
worklist() {
	local file
	mkdir "$work/worklist" || return
	awk -v contacts="$work/contacts.tsv" -v dir="$work/worklist" \
	    -f "$awkdir/money.awk" -f "$awkdir/worklist.awk" "$staged" || return
	{
		printf '%s\t' owner customer_id currency stage action notify \
		    notify_to open_balance max_dpd contact_name email phone \
		    preferred_channel
		printf 'language\n'
		if [[ -e $work/worklist/owners ]]; then
			sort "$work/worklist/owners" |
			    while IFS=$'\t' read -r _ file; do
				cat "$file" || return
			done
		fi
	} >"$work/out/worklist.tsv" || return
	rows_out "$work/out/worklist.tsv"
}

# summary.tsv: the night in numbers, money summed exactly (money.awk).
# The night's part runs beside agency-pack; the batch's part after it.
summary_night() {
	local args=() step
	args=(kind=staged "$staged" kind=events "$work/night/events.tsv"
	    kind=matches "$work/matches.tsv" kind=unapplied "$work/unapplied.tsv")
	for step in aging-normalize reconcile-payments stage-assign dedupe-contacts; do
		args+=(kind=rejects "step=$step" "$work/rejects.$step.tsv")
	done
	awk -f "$awkdir/money.awk" -f "$awkdir/summary.awk" "${args[@]}" \
	    >"$work/summary.night"
}

summary() {
	local args=() f
	for f in placements updates recalls; do
		[[ -e $batch/$f.tsv ]] && args+=("kind=$f" "$batch/$f.tsv")
	done
	args+=(kind=rejects step=agency-pack "$work/rejects.agency-pack.tsv")
	awk -v agency="$agency" -f "$awkdir/money.awk" -f "$awkdir/summary.awk" \
	    "${args[@]}" >"$work/summary.batch" || return
	cat "$work/summary.night" "$work/summary.batch" >"$work/summary.rows" ||
	    return
	{
		printf 'section\tname\tcurrency\tcount\tamount\n'
		sort -t "$(printf '\t')" -k1,1n -k3,3 -k4,4 "$work/summary.rows" |
		    cut -f 2-
	} >"$work/out/summary.tsv" || return
	rows_out "$work/out/summary.tsv"
}

# The night's history, kept for good in nights/DATE/ (history.awk):
# moved.tsv and payments.tsv from tonight's events, staged rows and
# matches, made beside agency-pack; then agency.tsv from its batch.
night_history() {
	local tab=$'\t'
	mkdir "$work/history" || return
	awk -v dir="$work/history" -f "$awkdir/money.awk" \
	    -f "$awkdir/history.awk" kind=events "$work/night/events.tsv" \
	    kind=staged "$staged" kind=matches "$work/matches.tsv" || return
	cat "$work/history/moved.head" "$work/history/moved.rows" \
	    >"$work/night/moved.tsv" || return
	{
		printf 'customer_id\tcurrency\tapplied\tpayments\n'
		sort -t "$tab" -k1,1 -k2,2 "$work/history/payments.rows"
	} >"$work/night/payments.tsv" || return
	rows_out "$work/night/moved.tsv"
}

night_agency() {
	local args=() f tab=$'\t'
	for f in placements updates recalls; do
		[[ -e $batch/$f.tsv ]] && args+=("kind=$f" "$batch/$f.tsv")
	done
	mkdir "$work/history-agency" || return
	if ((${#args[@]} > 0)); then
		awk -v dir="$work/history-agency" -f "$awkdir/money.awk" \
		    -f "$awkdir/history.awk" "${args[@]}" || return
	else
		: >"$work/history-agency/agency.rows"
	fi
	{
		printf 'customer_id\tcurrency\taction\treason\tbalance\n'
		sort -t "$tab" -k1,1 -k2,2 -k3,3 "$work/history-agency/agency.rows"
	} >"$work/night/agency.tsv" || return
	rows_out "$work/night/agency.tsv"
}

# The nights stage-outcomes and night-report read: those kept before
# tonight, then tonight's, under a name that gives its date.
history_nights() {
	local night
	nights_read=()
	for night in "${nights[@]}"; do
		[[ $night < "$as_of" ]] && nights_read+=("$state/nights/$night")
	done
	mkdir -p "$work/tonight" || return
	ln -sfn ../night "$work/tonight/$as_of" || return
	nights_read+=("$work/tonight/$as_of")
}

outcomes() {
	history_nights || return
	"$bin/stage-outcomes" "${rules[@]}" --as-of "$as_of" --stats \
	    --delays "$work/out/delays.tsv" --rolls "$work/out/rolls.tsv" \
	    --agency "$work/out/agency-results.tsv" "${nights_read[@]}" \
	    >"$work/out/outcomes.tsv"
}

report() {
	"$bin/night-report" --as-of "$as_of" --outcomes "$work/out/outcomes.tsv" \
	    --delays "$work/out/delays.tsv" --rolls "$work/out/rolls.tsv" \
	    --agency "$work/out/agency-results.tsv" "${nights_read[@]}" \
	    >"$work/out/report.html"
}

# Money in = money out at each step, per currency (conserve.awk).
conserve() {
	awk -f "$awkdir/money.awk" -f "$awkdir/conserve.awk" \
	    "$work/steps/aging-normalize.err" \
	    "$work/steps/reconcile-payments.err" \
	    "$work/steps/stage-assign.err" "$work/steps/agency-pack.err" \
	    kind=summary "$work/summary.rows" kind=manifest "$batch/manifest.tsv" >&2
}

# rejects.tsv: every step's rejects.  A filter reading a pipe or a
# redirection names it <stdin>: here it gets the name of what it was.
rejects() {
	local step stdin
	printf 'source\tline\treason\traw\n'
	for step in aging-normalize reconcile-payments stage-assign dedupe-contacts agency-pack; do
		case $step in
		reconcile-payments) stdin="aging-normalize output" ;;
		stage-assign) stdin="reconcile-payments output" ;;
		dedupe-contacts) stdin=$contacts ;;
		*) stdin="stage-assign output" ;;
		esac
		awk -F '\t' -v OFS='\t' -v stdin="$stdin" '
		    FNR > 1 { if ($1 == "<stdin>") $1 = stdin; print }' \
		    "$work/rejects.$step.tsv" || return
	done
}

# agency-pack, and beside it (on the other core) the worklist, the
# suppression list and the night's summary: about as much work as
# agency-pack, so not niced; and the night's history, which needs no
# batch: the three share the two cores rather than wait for each other.
{
	run_step summary-night summary_night
	run_step suppress suppress
	run_step worklist worklist
} &
side_pid=$!
run_step history night_history &
history_pid=$!
run_step agency-pack "$bin/agency-pack" --invoices "$work/invoices.tsv" \
    --contacts "$work/contacts.tsv" --activity "$activity" \
    --accounts "$accounts" "${placed[@]}" --out "$work/batch" \
    --agency "$agency" "${common[@]}" \
    --rejects "$work/rejects.agency-pack.tsv" \
    <"$staged" >"$work/night/placed.tsv" || true
wait "$side_pid" || true
wait "$history_pid" || true
finish_steps agency-pack summary-night suppress worklist history
[[ -d $batch ]] || die 70 "agency-pack wrote no batch $agency/$as_of"
rm -f "$work/invoices.tsv"
run_step summary summary || true
finish_steps summary
cp "$work/out/summary.tsv" "$work/night/summary.tsv"
run_step history-agency night_agency || true
finish_steps history-agency
run_step stage-outcomes outcomes || true
finish_steps stage-outcomes
run_step night-report report || true
finish_steps night-report
run_step conservation conserve || true
finish_steps conservation
rejects >"$work/out/rejects.tsv"
cp "$work/night/events.tsv" "$work/out/events.tsv"

# ---- commit: tonight's outputs, then the state

if ((rerun)); then
	cp "$state/nights/$as_of/events.offset" "$work/night/events.offset"
else
	offset=0
	[[ -e $state/events.tsv ]] && offset=$(stat -c %s "$state/events.tsv")
	echo "$offset" >"$work/night/events.offset"
fi

publish() {
	local f
	mkdir -p "$out/$agency" || return
	# A move across file systems copies: under a temporary name first.
	mv -T "$batch" "$out/$agency/.$as_of.new.$$" || return
	swap_in "$out/$agency/.$as_of.new.$$" "$out/$agency/$as_of" || return
	for f in suppress.tsv worklist.tsv summary.tsv events.tsv rejects.tsv \
	    outcomes.tsv delays.tsv rolls.tsv agency-results.tsv report.html; do
		mv "$work/out/$f" "$out/.$f.tmp.$$" || return
		mv -f "$out/.$f.tmp.$$" "$out/$f" || return
	done
}

commit() {
	swap_in "$work/night" "$state/nights/$as_of" || return
	committed=1
	point_current || return
	list_nights
	local n=${#nights[@]} i night
	# Past the newest --keep nights a night keeps its history (events,
	# moved, payments, agency, summary) but not its snapshots, except
	# the month's last night: its staged.tsv gives the month-end roll
	# rates.
	for ((i = 0; i < n - keep; i++)); do
		night=$state/nights/${nights[i]}
		rm -f "$night/placed.tsv" || return
		if [[ ${nights[i]:0:7} == "${nights[i + 1]:0:7}" ]]; then
			rm -f "$night/staged.tsv" || return
		fi
	done
}

run_step publish publish || true
finish_steps publish
run_step commit commit || true
finish_steps commit
stop_progress
log "night $as_of committed in $(seconds $(($(now_us) - started))) s: $(($(wc -l <"$out/worklist.tsv") - 1)) worklist rows, $(($(wc -l <"$out/suppress.tsv") - 1)) suppressed, $(($(wc -l <"$out/rejects.tsv") - 1)) rejects"

if [[ -n $drop ]]; then
	if ! run_step sftp-drop "$sftp_drop" "$out/$agency/$as_of" "$drop"; then
		while IFS= read -r line; do
			log "sftp-drop: $line"
		done <"$work/steps/sftp-drop.err"
		read -r rc _ <"$work/steps/sftp-drop.done"
		die "$rc" "the upload to $drop failed (exit $rc); the night is committed: rerun scripts/sftp-drop $out/$agency/$as_of $drop to finish it"
	fi
	finish_steps sftp-drop
fi

if ((demo)); then
	awk -F '\t' '
	    NR == FNR {
		for (i = 1; i <= NF; i++)
			if (length($i) > width[i])
				width[i] = length($i)
		next
	    }
	    {
		line = ""
		for (i = 1; i <= NF; i++)
			line = line sprintf(i >= 4 ? "%" width[i] "s" : \
			    "%-" width[i] "s", $i) (i < NF ? "  " : "")
		sub(/ +$/, "", line)
		print line
	    }' "$out/summary.tsv" "$out/summary.tsv"
	log "demo: outputs in $out, state in $state; the report: $out/report.html"
fi
}; exit
