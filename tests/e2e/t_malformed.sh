#!/bin/sh
# The console with broken data in Redis, as an operator would meet it: a
# node hash of the wrong type shows as that node's malformed row while the
# rest of the overview stays (no "REDIS UNREACHABLE"), and a node
# removed from the nodes set leaves the running console at the next refresh.
. "$(dirname "$0")/lib.sh"
LAB=${MAILNOC_LAB_DIR:-/tmp/mailnoc-lab}
. tests/lab/ports
P=mailnoc:
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
SAVED=${P}e2e-malformed:saved
cleanup() {
	tui_stop
	rc DEL "${P}node:mbx2" >/dev/null
	[ "$(rc EXISTS "$SAVED")" = 1 ] && rc RENAME "$SAVED" "${P}node:mbx2" >/dev/null
	rc SREM "${P}nodes" gw9 >/dev/null
	rc DEL "${P}node:gw9" "${P}node:gw9:alive" >/dev/null
	tests/lab/agents start >/dev/null 2>&1
}
trap cleanup EXIT INT TERM

tests/lab/agents start >/dev/null
tests/lab/agents stop mbx2 >/dev/null
tui_start 80 24
expect_screen "the overview appears" "NODE     ROLE" 10

# A node only Redis knows of.
now=$(date +%s)
rc HSET "${P}node:gw9" role gateway cluster gw state active updated_at "$now" \
	interval 2 >/dev/null
rc SET "${P}node:gw9:alive" 1 EX 60 >/dev/null
rc SADD "${P}nodes" gw9 >/dev/null
expect_screen "a node added to the nodes set appears" "gw9 " 10

# mbx2's hash becomes a string.
[ "$(rc EXISTS "${P}node:mbx2")" = 1 ] && rc RENAME "${P}node:mbx2" "$SAVED" >/dev/null
rc SET "${P}node:mbx2" x >/dev/null
expect_screen "mbx2's row says it is malformed, naming the key" \
	"MALFORMED: key ${P}node:mbx2" 10
expect_screen "the other nodes stay" "gw1 "
if tui_screen | grep -q "UNREACHABLE"; then
	not_ok "a wrong type is not reported as Redis unreachable"
	tui_screen | sed 's/^/  | /'
else
	ok "a wrong type is not reported as Redis unreachable"
fi

# Removed from the set: gone at the next refresh, without a restart.
rc SREM "${P}nodes" gw9 >/dev/null
rc DEL "${P}node:gw9" "${P}node:gw9:alive" >/dev/null
if wait_gone "gw9 " 10; then
	ok "a node removed from the nodes set leaves the running console"
else
	not_ok "a node removed from the nodes set leaves the running console"
	tui_screen | sed 's/^/  | /'
fi

finish
