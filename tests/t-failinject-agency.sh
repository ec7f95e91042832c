#!/bin/bash
# Failure injection over agency-pack's batch (SPEC 6: "the batch appears
# whole or not at all"): testdata/agency-pack's basic case with --rejects,
# run with the Nth call of read, write, open, close, fclose, rename,
# malloc, calloc or realloc failing (tests/failinject-lib.sh picks the N:
# every one up to 40, then 30 evenly spaced to the last; see below), in
# three situations:
#   fresh    no batch for the date yet;
#   same     tonight's batch is there already (a rerun: nothing changes);
#   replace  another batch is there and --replace is given.
# Each run must end in one of SPEC 1's codes with a message (out of memory:
# 70), never a signal; exit 0 only with the clean run's ledger, batch and
# rejects; and whatever the exit status, DIR/agency/ holds nothing but the
# date's batch, which is either absent, the batch that was there before or
# the clean run's, byte for byte, and agrees with its manifest: no
# temporary or .old directory, no half batch.  The ledger on stdout and the
# --rejects file are streams: after a failed run they may be partial, and
# the exit status says so (counted with FAILINJECT_VERBOSE=1).
# Prints "N passed, N failed".
set -u
. "$(dirname "$0")/failinject-lib.sh"
fi_start "${1:-bin}"

DIR=$ROOT/testdata/agency-pack
DATE=2026-03-01
ARGS=(--invoices invoices.tsv --contacts contacts.tsv --activity activity.tsv
    --accounts accounts.tsv --placed placed.tsv --as-of $DATE --stats)
BEFORE='' EXTRA=()

# fi_run OUTDIR [VAR=value...]: OUTDIR/out is --out (a copy of $BEFORE).
fi_run() {
	local outdir=$1
	shift
	rm -rf "$outdir" && mkdir -p "$outdir"
	[ -z "$BEFORE" ] || cp -a "$BEFORE" "$outdir/out"
	(cd "$DIR" && timeout -k 5 $FI_TIMEOUT env LD_PRELOAD="$SHIM" "$@" "$BINDIR/agency-pack" \
	    "${ARGS[@]}" "${EXTRA[@]}" --out "$outdir/out" \
	    --rejects "$outdir/rejects.tsv" <basic.in >"$outdir/stdout" \
	    2>"$outdir/err")
	echo $? >"$outdir/rc"
}

# manifest_ok BATCH: every file of the batch is in manifest.tsv with its
# row count and SHA-256, and nothing else is there.
manifest_ok() {
	local batch=$1 file rows sum n=0
	[ -f "$batch/manifest.tsv" ] || { echo "no manifest.tsv"; return 1; }
	while read -r file rows sum; do
		n=$((n + 1))
		[ -f "$batch/$file" ] || { echo "$file: in the manifest, missing"; return 1; }
		[ "$(sha256sum <"$batch/$file" | cut -d' ' -f1)" = "$sum" ] ||
		    { echo "$file: sha256 differs from the manifest's"; return 1; }
		[ $(($(wc -l <"$batch/$file") - 1)) = "$rows" ] ||
		    { echo "$file: not $rows rows"; return 1; }
	done < <(awk -F '\t' 'NR > 1 { print $1, $2, $4 }' "$batch/manifest.tsv")
	[ "$n" -gt 0 ] && [ $((n + 1)) = "$(ls -A "$batch" | wc -l)" ] ||
	    { echo "files in the batch but not in the manifest: $(ls -A "$batch")"; return 1; }
}

fi_judge() {
	local clean=$1 got=$2 rc extra batch=$2/out/agency/$DATE
	rc=$(cat "$got/rc")
	extra=$(ls -A "$got/out/agency" 2>/dev/null | grep -vx "$DATE")
	[ -z "$extra" ] && [ -z "$(ls -A "$got/out" 2>/dev/null | grep -vx agency)" ] ||
	    echo "exit $rc leaves $(echo $extra $(ls -A "$got/out" | grep -vx agency))"
	if [ "$rc" = 0 ]; then
		cmp -s "$clean/stdout" "$got/stdout" || echo "exit 0, the ledger differs"
		diff -r "$clean/out" "$got/out" >/dev/null || echo "exit 0, the batch differs"
		cmp -s "$clean/rejects.tsv" "$got/rejects.tsv" || echo "exit 0, --rejects differs"
		return
	fi
	if [ -e "$batch" ]; then
		diff -r "$clean/out/agency/$DATE" "$batch" >/dev/null ||
		    { [ -n "$BEFORE" ] && diff -r "$BEFORE/agency/$DATE" "$batch" >/dev/null; } ||
		    echo "exit $rc leaves a batch that is neither the old nor the new one"
		manifest_ok "$batch" | sed "s/^/exit $rc leaves a batch: /"
	elif [ -n "$BEFORE" ]; then
		echo "exit $rc, the batch that was there is gone"
	fi
	[ -s "$got/stdout" ] && ! cmp -s "$clean/stdout" "$got/stdout" &&
	    fi_left "agency-pack stdout"
	cmp -s "$clean/rejects.tsv" "$got/rejects.tsv" || fi_left "agency-pack --rejects"
	return 0
}

# The clean batch agrees with its manifest (the check the sweep relies on).
BEFORE='' EXTRA=()
fi_run "$WORK/fresh"
if [ "$(cat "$WORK/fresh/rc")" = 0 ] && manifest_ok "$WORK/fresh/out/agency/$DATE" >"$WORK/why"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL agency-pack: the clean batch ($(cat "$WORK/fresh/rc")): $(cat "$WORK/why" "$WORK/fresh/err" | head -3)"
fi
cp -a "$WORK/fresh/out" "$WORK/same"
# another batch for the date: without the activity log
ARGS=(--invoices invoices.tsv --contacts contacts.tsv --accounts accounts.tsv
    --placed placed.tsv --as-of $DATE)
fi_run "$WORK/other"
[ "$(cat "$WORK/other/rc")" = 0 ] || echo "the other batch: $(cat "$WORK/other/err")"
cp -a "$WORK/other/out" "$WORK/before-other"
if diff -r "$WORK/same" "$WORK/before-other" >/dev/null; then
	failed=$((failed + 1))
	echo "FAIL agency-pack: the other batch is the same as tonight's"
fi
ARGS=(--invoices invoices.tsv --contacts contacts.tsv --activity activity.tsv
    --accounts accounts.tsv --placed placed.tsv --as-of $DATE --stats)

# About 4,700 mallocs, all but the first 40 or so in libcrypto's set-up for
# the first digest, and 200 reallocs: every one of the first 40 calls, then
# 30 more evenly spaced (FI_DENSE_FRESH=100000 sweeps every call: 5,029
# runs, 6 minutes).  A batch already there changes only the reading and
# comparing: 20, then 10 more.
FI_DENSE=${FI_DENSE_FRESH:-40} FI_SAMPLE=${FI_SAMPLE_FRESH:-30}
BEFORE='' EXTRA=()
fi_sweep "agency-pack fresh" $FI_CALLS
FI_DENSE=${FI_DENSE_AGAIN:-20} FI_SAMPLE=${FI_SAMPLE_AGAIN:-10}
BEFORE=$WORK/same EXTRA=()
fi_sweep "agency-pack same" $FI_CALLS
BEFORE=$WORK/before-other EXTRA=(--replace)
fi_sweep "agency-pack replace" $FI_CALLS
fi_end
