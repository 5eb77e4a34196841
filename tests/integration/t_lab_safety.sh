#!/bin/sh
# Root never runs programs or kills pids named by a lab directory it did not
# make in this boot: a directory another user prepared in /tmp with the lab's
# marker, a Postfix main.cf whose daemon_directory holds a script, and a pid
# file is refused by tests/lab/down, nothing run, nothing killed; a lab root
# made in an earlier boot is removed without running anything from it.
. "$(dirname "$0")/../lib.sh"
EVIL=/tmp/mnl-evil-$$
# Ports of their own: down also stops whatever listens on the lab's ports,
# and the shared lab of the other tests is running.
export LAB_REDIS_PORT=29379 LAB_SSH_PORT=29222 LAB_GW1_SMTP_PORT=29525 \
	LAB_GW2_SMTP_PORT=29526 LAB_SINK_ACCEPT_PORT=29527 \
	LAB_SINK_THROTTLE_PORT=29528 LAB_DEAD_PORT=29529 \
	LAB_GW1_POLICY_PORT=29531 LAB_GW2_POLICY_PORT=29532 \
	LAB_REDIS_TLS_PORT=29380 LAB_REDIS_TUNNEL_PORT=29381 \
	LAB_TLS_TEST_PORT=29382 LAB_TLS_RELAY_PORT=29383 \
	LAB_DNS_PORT=29384 LAB_SINK_BOUNCE_PORT=29385 \
	LAB_RSPAMD_MILTER_PORT=29386 LAB_RSPAMD_NORMAL_PORT=29387 \
	LAB_RSPAMD_CONTROLLER_PORT=29388 LAB_FILTER_FAKE_PORT=29389
T=$(mktemp -d)
chmod 755 "$T"
sleep 300 &
VICTIM=$!
cleanup() {
	kill "$VICTIM" 2>/dev/null
	rm -rf "$EVIL" "$T"
}
trap cleanup EXIT

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# --- prepared by another user
as_nobody mkdir -m 755 "$EVIL"
as_nobody sh -c "touch '$EVIL/.mailnoc-lab'; mkdir -p '$EVIL/gw1/etc' '$EVIL/gw1/libexec' '$EVIL/run'
printf 'daemon_directory = $EVIL/gw1/libexec\n' > '$EVIL/gw1/etc/main.cf'
printf '#!/bin/sh\ntouch $T/ran\n' > '$EVIL/gw1/libexec/postfix-script'
chmod 755 '$EVIL/gw1/libexec/postfix-script'
echo $VICTIM > '$EVIL/run/evil.pid'"
out=$(MAILNOC_LAB_DIR=$EVIL tests/lab/down 2>&1)
expect_eq "tests/lab/down refuses a directory another user made" 1 $?
expect_contains "saying why" "is not a lab made by root in this boot (it is owned by uid $(id -u nobody), not root)" "$out"
check "no script from it ran as root" test ! -e "$T/ran"
check "the pid its pid file names was not killed" kill -0 "$VICTIM"
check "the directory is left as it was" test -f "$EVIL/gw1/etc/main.cf"
out=$(MAILNOC_LAB_DIR=$EVIL tests/lab/up 2>&1)
expect_eq "tests/lab/up refuses it too" 1 $?
check "and runs nothing from it" test ! -e "$T/ran"
rm -rf "$EVIL"

# --- root's, but writable by everyone
mkdir -m 777 "$EVIL"
: > "$EVIL/.mailnoc-lab"
out=$(MAILNOC_LAB_DIR=$EVIL tests/lab/down 2>&1)
expect_eq "a root directory writable by others is refused" 1 $?
expect_contains "saying why" "its mode is 777, writable by others than root" "$out"
rm -rf "$EVIL"

# --- root's, from an earlier boot: removed, nothing run, nothing killed
mkdir -m 711 "$EVIL"
echo 00000000-0000-0000-0000-000000000000 > "$EVIL/.mailnoc-lab"
mkdir -p "$EVIL/gw1/etc" "$EVIL/gw1/libexec" "$EVIL/run"
printf 'daemon_directory = %s/gw1/libexec\n' "$EVIL" > "$EVIL/gw1/etc/main.cf"
printf '#!/bin/sh\ntouch %s/ran\n' "$T" > "$EVIL/gw1/libexec/postfix-script"
chmod 755 "$EVIL/gw1/libexec/postfix-script"
echo "$VICTIM" > "$EVIL/run/old.pid"
out=$(MAILNOC_LAB_DIR=$EVIL tests/lab/down 2>&1)
expect_eq "a lab of an earlier boot is taken down" 0 $?
check "and removed" test ! -e "$EVIL"
check "without running its scripts" test ! -e "$T/ran"
check "or killing the pids it names" kill -0 "$VICTIM"

finish
