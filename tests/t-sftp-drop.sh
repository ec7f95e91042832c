#!/bin/bash
# scripts/sftp-drop against a real OpenSSH server, started here on a
# loopback port as this test's own process, with a throwaway host key and
# user key: an upload compared byte for byte, an interrupted upload
# finished by a rerun that skips what is done, a refused login, and an
# encrypted upload decrypted back with a throwaway GnuPG key.  An sshd
# that cannot start is a failure, not a skip.
set -u
export LC_ALL=C
BINDIR=$(cd "${1:-bin}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DROP=$ROOT/scripts/sftp-drop
WORK=$(mktemp -d /tmp/t-sftp.XXXXXX)	# short: gpg-agent's socket path
sshd_pid=
# shellcheck disable=SC2317  # run by the trap
cleanup() {
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null && wait "$sshd_pid" 2>/dev/null
	[ -d "$WORK/gnupg" ] && GNUPGHOME=$WORK/gnupg gpgconf --kill all 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
TEST=t-sftp-drop
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

# --- a batch to send ---------------------------------------------------
(cd "$ROOT/testdata/agency-pack" && "$BINDIR/agency-pack" --invoices invoices.tsv \
    --contacts contacts.tsv --activity activity.tsv --accounts accounts.tsv \
    --placed placed.tsv --out "$WORK/out" --as-of 2026-03-01 \
    < basic.in > /dev/null 2>&1)
BATCH=$WORK/out/agency/2026-03-01
[ -f "$BATCH/manifest.tsv" ]
check "agency-pack made a batch to send" $? "no $BATCH/manifest.tsv"
FILES="activity.tsv manifest.tsv placement_invoices.tsv placements.tsv recalls.tsv updates.tsv"

# --- the server --------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C host -f "$WORK/host_key" &&
    ssh-keygen -q -t ed25519 -N '' -C user -f "$WORK/user_key" &&
    ssh-keygen -q -t ed25519 -N '' -C stranger -f "$WORK/stranger_key" &&
    cp "$WORK/user_key.pub" "$WORK/authorized_keys"
check "throwaway keys made" $? "ssh-keygen failed"
USER_NAME=$(id -un)
cat > "$WORK/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $WORK/host_key
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $USER_NAME
Subsystem sftp internal-sftp
LogLevel ERROR
EOF
# sshd wants its privilege separation directory (Debian: /run/sshd)
[ -d /run/sshd ] || { mkdir -p /run/sshd && chmod 755 /run/sshd; } 2>/dev/null

port_open() {
	(exec 3<> "/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# a free port: a few tries at random, since another test may hold one
PORT=
for try in 1 2 3 4 5 6 7 8; do
	candidate=$((20000 + (RANDOM * 7 + try * 131) % 30000))
	port_open "$candidate" && continue
	/usr/sbin/sshd -D -e -f "$WORK/sshd_config" -p "$candidate" \
	    2>> "$WORK/sshd.log" &
	sshd_pid=$!
	for _ in $(seq 50); do
		port_open "$candidate" && break
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.1
	done
	if port_open "$candidate"; then
		PORT=$candidate
		break
	fi
	kill "$sshd_pid" 2>/dev/null
	wait "$sshd_pid" 2>/dev/null
	sshd_pid=
done
[ -n "$PORT" ]
check "sshd starts on a loopback port" $? "$(tail -5 "$WORK/sshd.log")"
[ -n "$PORT" ] || finish

printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$WORK/host_key.pub")" \
    > "$WORK/known_hosts"
SSH_OPTS=(-P "$PORT" -o "UserKnownHostsFile=$WORK/known_hosts"
    -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=10)
TARGET=$USER_NAME@127.0.0.1:$WORK/remote

drop() {	# drop ARGS...: output in $WORK/drop.out, status in $rc
	"$DROP" "$@" > "$WORK/drop.out" 2>&1
	rc=$?
}

same_files() {	# same_files DIR: every batch file is in DIR, byte for byte
	local f
	for f in $FILES; do
		cmp -s "$BATCH/$f" "$1/$f" || { echo "$f differs or is missing"; return 1; }
	done
}

# --- usage and a batch that is not whole --------------------------------
drop "$BATCH"
[ "$rc" = 64 ]
check "no target: exit 64" $? "exit $rc: $(cat "$WORK/drop.out")"
mkdir "$WORK/half"
cp "$BATCH/placements.tsv" "$WORK/half/"
drop "$WORK/half" "$TARGET" -i "$WORK/user_key" "${SSH_OPTS[@]}"
[ "$rc" = 66 ] && [ ! -e "$WORK/remote/half" ]
check "a batch without its manifest is not sent: exit 66" $? "exit $rc: $(cat "$WORK/drop.out")"

# --- a refused login --------------------------------------------------
drop "$BATCH" "$TARGET" -i "$WORK/stranger_key" "${SSH_OPTS[@]}"
[ "$rc" != 0 ] && [ ! -e "$WORK/remote" ]
check "a refused login exits non-zero and sends nothing" $? \
    "exit $rc: $(cat "$WORK/drop.out")"

# --- an upload --------------------------------------------------------
drop "$BATCH" "$TARGET" -i "$WORK/user_key" "${SSH_OPTS[@]}"
check "upload exits 0" "$rc" "$(cat "$WORK/drop.out"; tail -3 "$WORK/sshd.log")"
out=$(same_files "$WORK/remote/2026-03-01")
check "uploaded files equal the batch" $? "$out"
[ -z "$(find "$WORK/remote" -name '*.part')" ] &&
    [ "$(find "$WORK/remote/2026-03-01" -type f | wc -l)" = 6 ]
check "no temporary names left" $? "$(ls -A "$WORK/remote/2026-03-01")"

# a rerun finds it all there and touches nothing
before=$(stat -c '%n %i %Y' "$WORK/remote/2026-03-01"/*)
sleep 1
drop "$BATCH" "$TARGET" -i "$WORK/user_key" "${SSH_OPTS[@]}"
[ "$rc" = 0 ] && [ "$(stat -c '%n %i %Y' "$WORK/remote/2026-03-01"/*)" = "$before" ]
check "a rerun of a finished upload changes nothing" $? "exit $rc: $(cat "$WORK/drop.out")"

# --- an interrupted upload, finished by a rerun --------------------------
# recalls.tsv cannot be renamed into place (a directory holds its name),
# so the batch stops there: files before it are up, the manifest is not
TARGET2=$USER_NAME@127.0.0.1:$WORK/remote2
mkdir -p "$WORK/remote2/2026-03-01/recalls.tsv/blocker"
drop "$BATCH" "$TARGET2" -i "$WORK/user_key" "${SSH_OPTS[@]}"
[ "$rc" != 0 ]
check "an upload that fails midway exits non-zero" $? "exit $rc: $(cat "$WORK/drop.out")"
grep -q "run again to finish it" "$WORK/drop.out"
check "the failure says a rerun finishes it" $? "$(cat "$WORK/drop.out")"
[ ! -e "$WORK/remote2/2026-03-01/manifest.tsv" ] &&
    [ ! -e "$WORK/remote2/2026-03-01/updates.tsv" ] &&
    cmp -s "$BATCH/activity.tsv" "$WORK/remote2/2026-03-01/activity.tsv" &&
    cmp -s "$BATCH/placements.tsv" "$WORK/remote2/2026-03-01/placements.tsv"
check "after the failure: files before it up, after it and the manifest not" $? \
    "$(ls -A "$WORK/remote2/2026-03-01")"
done_before=$(stat -c '%n %i' "$WORK/remote2/2026-03-01/activity.tsv" \
    "$WORK/remote2/2026-03-01/placements.tsv")
rm -rf "$WORK/remote2/2026-03-01/recalls.tsv"
drop "$BATCH" "$TARGET2" -i "$WORK/user_key" "${SSH_OPTS[@]}"
check "the rerun exits 0" "$rc" "$(cat "$WORK/drop.out")"
out=$(same_files "$WORK/remote2/2026-03-01")
check "the rerun completes the batch" $? "$out"
[ "$(stat -c '%n %i' "$WORK/remote2/2026-03-01/activity.tsv" \
    "$WORK/remote2/2026-03-01/placements.tsv")" = "$done_before" ]
check "the rerun skips the files already complete" $? "they were sent again"
[ -z "$(find "$WORK/remote2" -name '*.part')" ]
check "the rerun leaves no temporary names" $? "$(ls -A "$WORK/remote2/2026-03-01")"

# a file there with the wrong size (a truncated copy) is sent again, and
# the manifest, being there, goes first and comes back last
head -c 10 "$BATCH/updates.tsv" > "$WORK/remote2/2026-03-01/updates.tsv"
drop "$BATCH" "$TARGET2" -i "$WORK/user_key" "${SSH_OPTS[@]}"
out=$(same_files "$WORK/remote2/2026-03-01")
[ "$rc" = 0 ] && [ -z "$out" ]
check "a truncated remote file is sent again" $? "exit $rc: $out $(cat "$WORK/drop.out")"

# --- encrypted ----------------------------------------------------------
export GNUPGHOME=$WORK/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key 'Test Agency <agency@example.test>' default default never \
    > "$WORK/gpg.log" 2>&1
check "a throwaway GnuPG key" $? "$(cat "$WORK/gpg.log")"
TARGET3=$USER_NAME@127.0.0.1:$WORK/remote3
drop "$BATCH" "$TARGET3" -i "$WORK/user_key" "${SSH_OPTS[@]}" \
    --encrypt agency@example.test
check "encrypted upload exits 0" "$rc" "$(cat "$WORK/drop.out")"
bad=
for f in $FILES; do
	up=$WORK/remote3/2026-03-01/$f.gpg
	if [ ! -f "$up" ] || cmp -s "$BATCH/$f" "$up"; then
		bad="$bad $f:not-encrypted"
		continue
	fi
	gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
	    --decrypt "$up" > "$WORK/plain" 2>> "$WORK/gpg.log"
	cmp -s "$BATCH/$f" "$WORK/plain" || bad="$bad $f:differs"
done
[ -z "$bad" ] && [ "$(find "$WORK/remote3/2026-03-01" -type f | wc -l)" = 6 ]
check "encrypted files decrypt back to the batch" $? "$bad $(ls -A "$WORK/remote3/2026-03-01")"
drop "$BATCH" "$TARGET3" -i "$WORK/user_key" "${SSH_OPTS[@]}" \
    --encrypt nobody@example.test
[ "$rc" = 78 ]
check "an unknown recipient: exit 78" $? "exit $rc: $(cat "$WORK/drop.out")"

finish
