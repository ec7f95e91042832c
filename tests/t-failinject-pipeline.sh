#!/bin/bash
# Failure injection under pipeline.sh (SPEC 7: "on any failure it exits
# non-zero and leaves the previous state untouched").  BIN is a directory
# of wrappers, one per filter pipeline.sh runs, each running the real
# filter, with BINDIR/failinject.so preloaded into that filter alone when
# FI_FILTER names it (FI_CALL fails at call FI_AT; FI_COUNT_DIR counts).
#
# On the demo data, night 2026-11-23 is run clean (the base), then night
# 2026-11-24 on a fresh copy of the base for each trial: for each filter,
# each function of the shim the filter calls in that night, and N in
# {1, half way, the last call} (FI_POINTS=K takes K evenly spaced calls
# instead of 3) the Nth call fails.  A trial must either
#  - exit non-zero, the log saying "step FILTER failed", and leave the
#    state directory (a listing with each link's target and the SHA-256
#    of every file) and the output directory byte for byte as they were;
#  - or exit 0 (the filter shrugged the failure off: an input's close)
#    with exactly the state and outputs of a clean night 2;
# and after the trials of each filter, a clean rerun of night 2 on the
# state the last one left must succeed with a clean night's state.
# Some 140 nights of half a second: under a minute on a busy 2-core
# machine.  Skipped (0 tests) where the shim is not built.
# Prints "N passed, N failed".
set -u
export LC_ALL=C
unset AS_OF
BINDIR=$(cd "${1:-bin}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHIM=$BINDIR/failinject.so
FI_POINTS=${FI_POINTS:-3}
passed=0 failed=0
if [ ! -e "$SHIM" ]; then
	echo "0 passed, 0 failed"
	exit 0
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
CALLS="read write open close fclose rename malloc calloc realloc"
OPTS=(--date-order mdy --currency USD --max-rejects 5)

fail() {
	failed=$((failed + 1))
	printf 'FAIL t-failinject-pipeline: %s\n' "$*"
}

# The filters pipeline.sh runs: its filters=( ... ) list.
read -ra FILTERS <<<"$(sed -n '/^filters=(/,/)/p' "$ROOT/pipeline.sh" |
    tr -d '()\\' | sed 's/^filters=//' | tr '\n' ' ')"
if [ ${#FILTERS[@]} -lt 5 ]; then
	fail "cannot read the filters=( ) list of pipeline.sh: ${FILTERS[*]}"
	echo "$passed passed, $failed failed"
	exit 1
fi

# The wrappers: everything else in BINDIR is a link.
WBIN=$W/bin
mkdir "$WBIN"
for f in "$BINDIR"/*; do
	ln -s "$f" "$WBIN/"
done
for f in "${FILTERS[@]}"; do
	rm -f "$WBIN/$f"
	cat >"$WBIN/$f" <<EOF
#!/bin/sh
if [ "\${FI_FILTER:-}" = "$f" ] && [ -n "\${FI_CALL:-}" ]; then
	exec env LD_PRELOAD="$SHIM" FAIL_CALL="\$FI_CALL" FAIL_AT="\$FI_AT" \\
	    "$BINDIR/$f" "\$@"
elif [ -n "\${FI_COUNT_DIR:-}" ]; then
	exec env LD_PRELOAD="$SHIM" FAIL_COUNT_ALL="\$FI_COUNT_DIR/$f" \\
	    "$BINDIR/$f" "\$@"
fi
exec "$BINDIR/$f" "\$@"
EOF
	chmod +x "$WBIN/$f"
done

# night STATE OUT DATE [VAR=value...]: pipeline.sh through the wrappers;
# rc, and the log in $W/log.
night() {
	local state=$1 out=$2 date=$3
	shift 3
	rc=0
	env "$@" BIN="$WBIN" "$ROOT/pipeline.sh" --in "$ROOT/testdata/demo" \
	    --state "$state" --out "$out" --as-of "$date" "${OPTS[@]}" \
	    >/dev/null 2>"$W/log" || rc=$?
}

# tree_sum DIR: every path with its type and link target, and the SHA-256
# of every file, as one checksum.
tree_sum() {
	(cd "$1" && find . -printf '%p %y %l\n' | sort &&
	    find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum
}

# fresh NAME: a copy of the base state and outputs in $W/NAME.{state,out}
fresh() {
	rm -rf "$W/$1.state" "$W/$1.out"
	cp -a "$W/base.state" "$W/$1.state"
	cp -a "$W/base.out" "$W/$1.out"
}

# succeeded WHAT: the night just run exited 0, else the test cannot go on
succeeded() {
	[ $rc = 0 ] && return
	fail "$1 exits $rc: $(tail -n 3 "$W/log")"
	echo "$passed passed, $failed failed"
	exit 1
}

night "$W/base.state" "$W/base.out" 2026-11-23
succeeded "the base night"
base_state=$(tree_sum "$W/base.state") base_out=$(tree_sum "$W/base.out")

# The reference night 2, which also counts every filter's calls.
fresh ref
mkdir "$W/counts"
night "$W/ref.state" "$W/ref.out" 2026-11-24 FI_COUNT_DIR="$W/counts"
succeeded "the reference night"
ref_state=$(tree_sum "$W/ref.state") ref_out=$(tree_sum "$W/ref.out")
fresh again
night "$W/again.state" "$W/again.out" 2026-11-24
[ "$(tree_sum "$W/again.state")/$(tree_sum "$W/again.out")" = "$ref_state/$ref_out" ] ||
    fail "two clean nights leave different states: the comparison cannot work"

# points CALLS: FI_POINTS calls evenly spaced from the first to the last
points() {
	local calls=$1 k
	if ((calls <= FI_POINTS || FI_POINTS < 2)); then
		seq 1 "$((calls < FI_POINTS ? calls : FI_POINTS))"
		return
	fi
	for ((k = 0; k < FI_POINTS; k++)); do
		echo $((1 + k * (calls - 1) / (FI_POINTS - 1)))
	done | uniq
}

trials=0
for f in "${FILTERS[@]}"; do
	if [ ! -s "$W/counts/$f" ]; then
		fail "$f: no call count (did pipeline.sh run it?)"
		continue
	fi
	for call in $CALLS; do
		calls=$(awk -v c=$call '$1 == c { print $2 }' "$W/counts/$f")
		[ "${calls:-0}" -gt 0 ] || continue
		bad=""
		for n in $(points "$calls"); do
			fresh trial
			night "$W/trial.state" "$W/trial.out" 2026-11-24 \
			    FI_FILTER="$f" FI_CALL=$call FI_AT=$n
			trials=$((trials + 1))
			state=$(tree_sum "$W/trial.state") out=$(tree_sum "$W/trial.out")
			if [ $rc = 0 ]; then
				[ "$state/$out" = "$ref_state/$ref_out" ] ||
				    bad="$bad; #$n: exit 0, but not a clean night's state"
				continue
			fi
			grep -q "step $f failed (exit [0-9]*)" "$W/log" ||
			    bad="$bad; #$n: exit $rc, the log does not say step $f failed: $(grep -o 'step [a-z-]* failed.*' "$W/log" | tail -n 1)"
			[ "$state" = "$base_state" ] ||
			    bad="$bad; #$n: exit $rc, the state changed"
			[ "$out" = "$base_out" ] ||
			    bad="$bad; #$n: exit $rc, the outputs changed"
		done
		if [ -z "$bad" ]; then
			passed=$((passed + 1))
		else
			fail "$f $call ($calls calls)$bad"
		fi
	done
	# the next clean run, on what the last trial left
	night "$W/trial.state" "$W/trial.out" 2026-11-24
	if [ $rc = 0 ] && [ "$(tree_sum "$W/trial.state")" = "$ref_state" ]; then
		passed=$((passed + 1))
	else
		fail "$f: a clean rerun after the trials: exit $rc: $(tail -n 2 "$W/log")"
	fi
done
[ -n "${FAILINJECT_VERBOSE:-}" ] && echo "$trials nights with a failure"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
