# What the test scripts share: their counts and the last line tests/run
# reads.  A script sets TEST (its name, for FAIL lines), then sources this.
# shellcheck shell=bash
passed=0
failed=0

pass() { passed=$((passed + 1)); }

fail() {	# fail NAME DETAIL
	failed=$((failed + 1))
	printf 'FAIL %s: %s: %s\n' "$TEST" "$1" "$2"
}

check() {	# check NAME STATUS DETAIL: passes when STATUS is 0
	if [ "$2" = 0 ]; then
		pass
	else
		fail "$1" "$3"
	fi
}

finish() {	# the counts; the status says whether all passed
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}
