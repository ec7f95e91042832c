#!/bin/bash
# Failure injection over reconcile-payments with every output it has:
# stdout, --matches, --unapplied and --rejects.  Two golden cases of
# testdata/reconcile-payments (methods: every matching method; rejects: a
# CSV payments file with rejected rows), and methods again with stdin a
# pipe (copied to a spill file in TMPDIR on the way), each run with the
# Nth call of read, write, open, close, fclose, rename, malloc, calloc or
# realloc failing (tests/failinject-lib.sh picks the N: every one up to
# 250, then 100 evenly spaced to the last).
# Each run must end in one of SPEC 1's codes with a message (out of memory:
# 70), never a signal, and leave no spill file in TMPDIR.  Exit 0 only with
# exactly the clean run's stdout and files: a named output file is complete
# or the run failed; --matches and --unapplied are never left partial
# (written as drafts, renamed into place by a run that succeeds).  stdout
# streams and the rejects are kept to say why, so those may be partial
# after a failed run: the exit status says so (pipeline.sh discards a
# failed night); they are counted with FAILINJECT_VERBOSE=1.
# Prints "N passed, N failed".
set -u
. "$(dirname "$0")/failinject-lib.sh"
fi_start "${1:-bin}"

DIR=$ROOT/testdata/reconcile-payments
CASE='' PIPE=0

# fi_run OUTDIR [VAR=value...]: files into OUTDIR/t, spills into OUTDIR/tmp
fi_run() {
	local outdir=$1 args
	shift
	rm -rf "$outdir" && mkdir -p "$outdir/t" "$outdir/tmp"
	case $CASE in
	methods) args=(--as-of 2026-03-01 --payments methods-pay.tsv) ;;
	rejects) args=(--as-of 2026-03-01 --payments rejects-pay.csv --max-rejects 20) ;;
	esac
	args+=(--matches "$outdir/t/matches" --unapplied "$outdir/t/unapplied"
	    --rejects "$outdir/t/rejects" --stats)
	(cd "$DIR" && if [ $PIPE = 1 ]; then
		cat "$CASE.in" | timeout -k 5 $FI_TIMEOUT env TMPDIR="$outdir/tmp" LD_PRELOAD="$SHIM" "$@" \
		    "$BINDIR/reconcile-payments" "${args[@]}"
	else
		timeout -k 5 $FI_TIMEOUT env TMPDIR="$outdir/tmp" LD_PRELOAD="$SHIM" "$@" \
		    "$BINDIR/reconcile-payments" "${args[@]}" <"$CASE.in"
	fi >"$outdir/out" 2>"$outdir/err")
	echo $? >"$outdir/rc"
}

fi_judge() {
	local clean=$1 got=$2 rc f
	rc=$(cat "$got/rc")
	[ -z "$(ls -A "$got/tmp")" ] || echo "exit $rc leaves in TMPDIR: $(ls -A "$got/tmp")"
	if [ "$rc" = 0 ]; then
		cmp -s "$clean/out" "$got/out" || echo "exit 0, stdout differs"
		diff -r "$clean/t" "$got/t" >/dev/null ||
		    echo "exit 0, a file differs: $(diff -rq "$clean/t" "$got/t" | head -2)"
		return
	fi
	# --matches and --unapplied appear whole or not at all (drafts
	# renamed into place at the end); stdout streams, and the rejects
	# are kept to say why the run failed.
	for f in t/matches t/unapplied; do
		[ -e "$got/$f" ] && ! cmp -s "$clean/$f" "$got/$f" &&
		    echo "exit $rc leaves a partial $f"
	done
	[ -z "$(ls -A "$got/t" | grep -v '^matches$\|^unapplied$\|^rejects$')" ] ||
	    echo "exit $rc leaves a draft: $(ls -A "$got/t")"
	for f in out t/rejects; do
		[ -e "$got/$f" ] && ! cmp -s "$clean/$f" "$got/$f" &&
		    fi_left "reconcile-payments $f"
	done
	return 0
}

for CASE in methods rejects; do
	PIPE=0
	fi_sweep "reconcile-payments $CASE" $FI_CALLS
done
CASE=methods PIPE=1
fi_sweep "reconcile-payments methods, stdin a pipe" $FI_CALLS
fi_end
