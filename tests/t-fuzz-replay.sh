#!/bin/bash
# Replays every file of testdata/fuzz/NAME (seeds, and every crash ever
# found) through harness NAME as built beside the programs in BINDIR
# (BINDIR/fuzz/NAME: the harness with a plain main, so gcc alone builds
# it, and the sanitized build makes sanitized replayers).  One test per
# harness: it passes when every input holds the harness's properties.
set -u
BINDIR=${1:-bin}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for corpus in "$ROOT"/testdata/fuzz/*/; do
	name=$(basename "$corpus")
	if [ ! -x "$BINDIR/fuzz/$name" ]; then
		# a harness of a lib file not there yet (memo, redact)
		[ -e "$ROOT/tests/fuzz/fuzz_$name.c" ] && [ ! -e "$ROOT/lib/$name.c" ] &&
		    [ "$name" = memo -o "$name" = redact ] && continue
		echo "FAIL fuzz-replay $name: no $BINDIR/fuzz/$name"
		failed=$((failed + 1))
		continue
	fi
	if "$BINDIR/fuzz/$name" "$corpus" > /dev/null 2> "$log"; then
		passed=$((passed + 1))
	else
		echo "FAIL fuzz-replay $name: $(grep -c '^replay ' "$log") inputs in, stopped at:"
		grep -v '^replay ' "$log" | head -15
		grep '^replay ' "$log" | tail -1
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
