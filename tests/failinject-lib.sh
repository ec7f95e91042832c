# tests/failinject-lib.sh: sourced by tests/t-failinject-*.sh (not a test
# itself: tests/run runs t-*.sh only).  The sweep of one program under
# BINDIR/failinject.so: count each function's calls in a clean run, then
# fail the Nth call for the N that fi_points picks, and judge each run.
#
# The sourcing test defines
#	fi_run OUTDIR [VAR=value...]	one run of its scenario into OUTDIR
#					(OUTDIR/rc, OUTDIR/err at least), the
#					VAR=value words going into its env
#	fi_judge CLEAN GOT CALL N	prints one line per problem of the run in
#					GOT beyond what fi_status checks; CLEAN
#					is the clean run's OUTDIR.  It runs in a
#					subshell: a failed run that left a
#					partial file is noted with fi_left TEXT
# and calls fi_sweep NAME CALL... after fi_start.
#
# Skipped (0 tests) where the shim is not built: the sanitizer build.

FI_CALLS="read write open close fclose rename malloc calloc realloc"
# Every N up to FI_DENSE is run; past it FI_SAMPLE more, evenly spaced,
# always ending with the last call (a run can make thousands of mallocs,
# most of them in library set-up).
FI_DENSE=${FI_DENSE:-250}
FI_SAMPLE=${FI_SAMPLE:-100}
# A run that hangs (a deadlock at exit) is killed and fails (exit 124).
FI_TIMEOUT=${FI_TIMEOUT:-20}

# fi_start BINDIR: SHIM, WORK, the counters; exits "0 passed" without a shim.
fi_start() {
	BINDIR=$(cd "${1:-bin}" && pwd)
	ROOT=$(cd "$(dirname "$0")/.." && pwd)
	SHIM=$BINDIR/failinject.so
	passed=0 failed=0 runs=0
	if [ ! -e "$SHIM" ]; then
		echo "0 passed, 0 failed"
		exit 0
	fi
	export LC_ALL=C
	unset AS_OF
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
}

# fi_points CALLS: the N to fail, one a line.
fi_points() {
	local calls=$1 n step
	for ((n = 1; n <= calls && n <= FI_DENSE; n++)); do
		echo $n
	done
	((calls > FI_DENSE && FI_SAMPLE > 0)) || return 0
	step=$(((calls - FI_DENSE + FI_SAMPLE - 1) / FI_SAMPLE))
	for ((n = calls; n > FI_DENSE; n -= step)); do
		echo $n
	done | sort -n
}

# fi_status DIR CALL: the problems of a failed run's exit status: one of
# SPEC 1's codes (73: an output that cannot be created, agency-pack's
# refusal), never a signal; a message; out of memory is 70 ("ealloc").
fi_status() {
	local dir=$1 call=$2 rc
	rc=$(cat "$dir/rc")
	case $rc in
	64 | 65 | 66 | 70 | 73 | 74 | 78) ;;
	*)	echo "exit $rc: $(head -c 300 "$dir/err")"
		return ;;
	esac
	case $call:$rc in
	malloc:70 | calloc:70 | realloc:70) ;;
	malloc:* | calloc:* | realloc:*)
		echo "exit $rc, want 70: $(head -c 200 "$dir/err")" ;;
	esac
	[ -s "$dir/err" ] || echo "exit $rc without a message"
}

# fi_sweep NAME CALL...: one test per call; the clean run is $WORK/clean.
fi_sweep() {
	local name=$1 call calls n bad
	shift
	fi_run "$WORK/clean"
	if [ "$(cat "$WORK/clean/rc")" != 0 ]; then
		echo "FAIL $name: clean run exits $(cat "$WORK/clean/rc"): $(head -c 300 "$WORK/clean/err")"
		failed=$((failed + 1))
		return
	fi
	for call in "$@"; do
		fi_run "$WORK/count" FAIL_CALL=$call FAIL_COUNT="$WORK/calls"
		calls=$(cat "$WORK/calls" 2>/dev/null || echo 0)
		: >"$WORK/bad"
		for n in $(fi_points "$calls"); do
			fi_run "$WORK/got" FAIL_CALL=$call FAIL_AT=$n
			runs=$((runs + 1))
			{
				[ "$(cat "$WORK/got/rc")" = 0 ] ||
				    fi_status "$WORK/got" $call
				fi_judge "$WORK/clean" "$WORK/got" $call $n
			} | sed "s/^/    $call #$n: /" >>"$WORK/bad"
		done
		bad=$(cat "$WORK/bad")
		if [ -z "$bad" ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "FAIL $name $call ($calls calls):"
			head -8 "$WORK/bad"
		fi
		[ -n "${FAILINJECT_VERBOSE:-}" ] && echo "  $name $call: $calls calls"
	done
	return 0
}

# fi_left TEXT: a failed run left TEXT (a partial file) behind.
fi_left() {
	echo "$*" >>"$WORK/left"
}

# fi_end: the result line.
fi_end() {
	if [ -n "${FAILINJECT_VERBOSE:-}" ]; then
		echo "runs: $runs; failed runs that left a partial output file: $(cat "$WORK/left" 2>/dev/null | wc -l)"
		sort "$WORK/left" 2>/dev/null | uniq -c
	fi
	echo "$passed passed, $failed failed"
}
