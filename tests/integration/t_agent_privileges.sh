#!/bin/sh
# mailnocd with the privileges of the packaged systemd unit, not root: a
# non-root user (nobody here, mailnocd in the package) whose only
# capability is CAP_DAC_READ_SEARCH (ambient, bounding set), with no new
# privileges (setpriv does what CapabilityBoundingSet=, AmbientCapabilities=
# and NoNewPrivileges= do). It counts the lab gateway's queue (postfix:root
# 0700 directories) and postqueue -p works as a role_command would run it;
# without the capability both are refused, so the unit needs exactly it.
. "$(dirname "$0")/../lib.sh"
B=$MAILNOC_BIN
LAB=${MAILNOC_LAB_DIR:-/tmp/mailnoc-lab}

skip() {
	ok "skipped: $1"
	finish
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "setpriv to another user needs root"
command -v setpriv >/dev/null 2>&1 || skip "no setpriv (util-linux)"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT INT TERM
chmod 755 "$D"

# The password through the environment: nobody cannot own the lab's file.
pwfile=$(jq -r '.redis.password_file // empty' "$MAILNOC_CONFIG")
jq '.redis.password_env = "MAILNOC_T_PASS" | del(.redis.password_file)' \
	"$MAILNOC_CONFIG" >"$D/config.json"
chmod 644 "$D/config.json"
MAILNOC_T_PASS=$([ -n "$pwfile" ] && head -n 1 "$pwfile")
export MAILNOC_T_PASS

unit() {
	(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all,+dac_read_search \
		--ambient-caps=-all,+dac_read_search \
		--bounding-set=-all,+dac_read_search --no-new-privs "$@")
}
nocap() {
	(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all --no-new-privs "$@")
}

out=$(unit "$B/mailnocd" --config "$D/config.json" --node gw1 --once -v 2>&1)
expect_eq "as nobody with CAP_DAC_READ_SEARCH the heartbeat is published" \
	0 $?
expect_contains "... with the queue counts" "heartbeat: active, queues " "$out"
case $out in
*unavailable* | *unknown:*) not_ok "... and nothing unavailable"; echo "$out" ;;
*) ok "... and nothing unavailable" ;;
esac

out=$(nocap "$B/mailnocd" --config "$D/config.json" --node gw1 --once -v 2>&1)
expect_contains "without the capability the queue cannot be read" \
	"queue counts unavailable: cannot read '$LAB/gw1/spool/" "$out"

out=$(unit postqueue -c "$LAB/gw1/etc" -p 2>&1)
expect_eq "postqueue -p works with the unit's privileges" "0:Mail queue is empty" \
	"$?:$(echo "$out" | tail -n 1)"
out=$(nocap postqueue -c "$LAB/gw1/etc" -p 2>&1)
expect_contains "without the capability postqueue cannot reach showq" \
	"Permission denied" "$out"

out=$(unit "$B/mailnocd" --config "$D/config.json" --node mbx1 --once -v 2>&1)
expect_eq "a mailbox node's heartbeat as nobody with the capability" 0 $?
case $out in
*unavailable* | *unknown:*) not_ok "... with every fact found"; echo "$out" ;;
*) ok "... with every fact found" ;;
esac
finish
