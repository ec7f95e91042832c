#!/bin/bash
# The options every filter shares behave the same in each (lib/cli.c's
# cli_getopt): a bad --max-rejects names the option and the value and
# shows the usage (64), an unknown option shows the usage (64), --help
# prints the usage on stdout (0; 74 when stdout is full), --version
# prints "NAME VERSION" (0), a bad --as-of is refused (64).
# Usage: tests/t-options.sh BINDIR; prints "N passed, N failed".
set -u
export LC_ALL=C
BINDIR=$(cd "${1:-bin}" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
TEST=t-options
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

for f in aging-normalize reconcile-payments stage-assign dedupe-contacts \
    agency-pack stage-outcomes night-report; do
	"$BINDIR/$f" --max-rejects x </dev/null >"$W/out" 2>"$W/err"
	rc=$?
	check "$f --max-rejects x: exit 64" "$((rc != 64))" "exit $rc"
	grep -q "^$f: --max-rejects: not a whole number \"x\"\$" "$W/err"
	check "$f --max-rejects x: says why" $? "$(head -c 300 "$W/err")"
	grep -q '^usage: ' "$W/err"
	check "$f --max-rejects x: the usage on stderr" $? "$(head -c 300 "$W/err")"
	check "$f --max-rejects x: nothing on stdout" "$(wc -c <"$W/out")" \
	    "$(head -c 300 "$W/out")"

	"$BINDIR/$f" --max-rejects -1 </dev/null >/dev/null 2>"$W/err"
	rc=$?
	check "$f --max-rejects -1: exit 64" "$((rc != 64))" "exit $rc"
	grep -q -- '--max-rejects: too small "-1"' "$W/err"
	check "$f --max-rejects -1: too small" $? "$(head -c 300 "$W/err")"

	"$BINDIR/$f" --no-such-option </dev/null >"$W/out" 2>"$W/err"
	rc=$?
	check "$f --no-such-option: exit 64" "$((rc != 64))" "exit $rc"
	grep -q '^usage: ' "$W/err"
	check "$f --no-such-option: the usage" $? "$(head -c 300 "$W/err")"

	"$BINDIR/$f" --help >"$W/out" 2>"$W/err"
	rc=$?
	check "$f --help: exit 0" "$rc" "exit $rc: $(head -c 300 "$W/err")"
	grep -q "^usage: $f" "$W/out"
	check "$f --help: the usage on stdout" $? "$(head -c 300 "$W/out")"
	"$BINDIR/$f" --help >/dev/full 2>/dev/null
	rc=$?
	check "$f --help > /dev/full: exit 74" "$((rc != 74))" "exit $rc"

	"$BINDIR/$f" --version >"$W/out" 2>&1
	rc=$?
	check "$f --version: exit 0" "$rc" "exit $rc"
	grep -q "^$f [0-9][0-9.]*\$" "$W/out"
	check "$f --version: NAME VERSION" $? "$(head -c 300 "$W/out")"

	"$BINDIR/$f" --as-of 2026-13-01 </dev/null >/dev/null 2>"$W/err"
	rc=$?
	check "$f --as-of 2026-13-01: exit 64" "$((rc != 64))" "exit $rc"
done
finish
