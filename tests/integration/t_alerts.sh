#!/bin/sh
# Alerts against the lab: a mailbox node's agent stops and its cluster fails
# over; the agents raise the alerts; `mailnoc check` goes CRITICAL, then OK
# once they are acknowledged; a silence ends by itself; the noc role cannot
# acknowledge; bad input is refused and malformed records are listed.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents (running or not) and the role files as it found them.
. "$(dirname "$0")/../lib.sh"
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lab/ports"
B=$MAILNOC_BIN/mailnoc
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$(dirname "$MAILNOC_CONFIG")
NOC=$LAB/mailnoc-noc.json
MAILNOC_LAB_DIR=$LAB
MAILNOC_AGENT_INTERVAL=2
export MAILNOC_LAB_DIR MAILNOC_AGENT_INTERVAL
AGENTS=$ROOT/tests/lab/agents
FAILOVER=$ROOT/tests/lab/failover
ROLE_MBX1=$(cat "$LAB/mbx1/role")
ROLE_MBX2=$(cat "$LAB/mbx2/role")
# Which agents ran before: the others are stopped again at the end.
WERE_RUNNING=$(agents_running)

# The lab's own superuser: setup and what the tests look at.
events_added() {
	lcli --json XRANGE mailnoc:events "$EV_AFTER" + | jq -r '.[][0]'
}
cleanup() {
	printf '%s\n' "$ROLE_MBX1" > "$LAB/mbx1/role"
	printf '%s\n' "$ROLE_MBX2" > "$LAB/mbx2/role"
	"$AGENTS" start >/dev/null 2>&1
	# The restored role files make role changes at the next heartbeats.
	sleep $((2 * MAILNOC_AGENT_INTERVAL + 1))
	agents_restore "$WERE_RUNNING"
	for id in $(events_added); do
		lcli XDEL mailnoc:events "$id" >/dev/null
	done
	alerts_clear
}
EV_AFTER=$(lcli --json XREVRANGE mailnoc:events + - COUNT 1 | jq -r '.[0][0] // empty')
EV_AFTER=${EV_AFTER:+"($EV_AFTER"}
EV_AFTER=${EV_AFTER:--}
trap cleanup EXIT
trap 'exit 1' INT TERM

# alert_id KIND SUBJECT: the id of that active alert, or nothing.
alert_id() {
	"$B" alerts --json | jq -r --arg k "$1" --arg s "$2" \
		'.[] | select(.kind == $k and .subject == $s) | .id'
}
has_alert() { [ -n "$(alert_id "$1" "$2")" ]; }
lease_taken() { [ "$(lcli EXISTS mailnoc:alerts:lease)" = 1 ]; }

alerts_clear
# Mail an earlier test left for the throttling provider would raise
# provider-throttled (t_throttle_alert tests that one): the queues go.
queues_clear
# The lab's unbound lists gw1 (t_reputation): its listed alerts, silenced,
# count in no check here.
"$B" silence listed --for 1h --reason "the lab's standing listing of gw1" \
	>/dev/null
"$AGENTS" start >/dev/null 2>&1
harvest_quiet
check "an agent takes the lease and evaluates the rules" wait_until 40 lease_taken
out=$("$B" check alerts); rc=$?
expect_eq "check alerts: OK with everything running" "0" "$rc"
expect_contains "... one status line" \
	"MAILNOC ALERTS OK - no alert wants attention" "$out"
expect_contains "... with perfdata" "| critical=0 warning=0" "$out"

# --- Redis away: UNKNOWN, except for the check of Redis itself
. "$ROOT/tests/lab/ports"
jq --argjson p "$LAB_DEAD_PORT" '.redis.port = $p' "$MAILNOC_CONFIG" > "$LAB/t-alerts-dead.json"
out=$("$B" --config "$LAB/t-alerts-dead.json" check cluster mbx); rc=$?
expect_eq "check cluster with Redis away exits 3 (UNKNOWN)" 3 "$rc"
expect_contains "... and says why" "MAILNOC CLUSTER mbx UNKNOWN - cannot reach redis" "$out"
"$B" --config "$LAB/t-alerts-dead.json" check redis >/dev/null; rc=$?
expect_eq "check redis with Redis away exits 2 (CRITICAL)" 2 "$rc"
rm -f "$LAB/t-alerts-dead.json"

# --- a mailbox node's agent stops, the cluster fails over
active=mbx1; [ "$ROLE_MBX2" = active ] && active=mbx2
"$AGENTS" stop "$active" >/dev/null
"$FAILOVER" mbx >/dev/null 2>&1
check "the alerts appear: $active silent" wait_until 40 has_alert node-silent "$active"
check "... and cluster mbx" wait_until 20 has_alert cluster mbx
SILENT=$(alert_id node-silent "$active")
CLUSTER=$(alert_id cluster mbx)
out=$("$B" alerts)
expect_contains "alerts lists it as new, critical" "critical" "$out"
expect_contains "... with its text" "$active is silent: last heartbeat" "$out"
out=$("$B" check cluster mbx); rc=$?
expect_eq "check cluster mbx exits 2 (CRITICAL)" 2 "$rc"
expect_contains "... status line" "MAILNOC CLUSTER mbx CRITICAL - $active is silent" "$out"
expect_contains "... perfdata" "| members=2 alive=1 active=1 alerts=2 acknowledged=0" "$out"
"$B" --config "$NOC" check cluster mbx >/dev/null; rc=$?
expect_eq "... the same with the read-only role" 2 "$rc"
out=$("$B" --config "$NOC" alerts --json | jq -r '.[].kind | select(. != "listed")' | sort | tr '\n' ' ')
expect_eq "the read-only role lists the alerts" "cluster node-silent " "$out"
"$B" check node "$active" >/dev/null; rc=$?
expect_eq "check node $active exits 2" 2 "$rc"
"$B" check node gw1 >/dev/null; rc=$?
expect_eq "check node gw1 exits 0" 0 "$rc"
"$B" check alerts >/dev/null; rc=$?
expect_eq "check alerts exits 2" 2 "$rc"

# --- the noc role cannot acknowledge: exit 4, nothing written
audit_before=$(lcli XLEN mailnoc:audit)
out=$("$B" --config "$NOC" ack "$SILENT" --note "mine" 2>&1); rc=$?
expect_eq "noc: ack exits 4" 4 "$rc"
expect_contains "... and says why" "ack: refused, read-only" "$out"
expect_eq "... nothing written" "" "$(lcli HGET "mailnoc:alert:$SILENT" ack_by)"
expect_eq "... no audit record" "$audit_before" "$(lcli XLEN mailnoc:audit)"

# --- bad input
out=$("$B" ack 999999 2>&1); rc=$?
expect_eq "ack of an unknown id exits 1" 1 "$rc"
expect_contains "... says so" "there is no such alert" "$out"
expect_eq "... writes no record" 0 "$(lcli EXISTS mailnoc:alert:999999)"
out=$("$B" ack 12x 2>&1); rc=$?
expect_eq "ack of a non-number exits 2" 2 "$rc"
out=$("$B" silence node-silent:gw2 --reason test 2>&1); rc=$?
expect_eq "silence without a duration exits 2" 2 "$rc"
expect_contains "... and asks for one" "for how long? give --for" "$out"
out=$("$B" silence node-silent:gw2 --until 2020-01-01T00:00 --reason test 2>&1); rc=$?
expect_eq "silence with a past end exits 2" 2 "$rc"
expect_contains "... says it has passed" "has passed already" "$out"
out=$("$B" silence node-silent:gw2 --for 0s --reason test 2>&1); rc=$?
expect_eq "silence --for 0s exits 2" 2 "$rc"
out=$("$B" silence no-such-kind --for 1h --reason test 2>&1); rc=$?
expect_eq "silence of an unknown kind exits 2" 2 "$rc"
expect_contains "... and lists the kinds" "kinds: node-silent, node-malformed, cluster" "$out"
out=$("$B" silence cluster --for 1h 2>&1); rc=$?
expect_eq "silence without --reason exits 2" 2 "$rc"
expect_eq "no silence was written (but the listed one above)" "" \
	"$(lcli --scan --pattern 'mailnoc:silence:*' | grep -v '^mailnoc:silence:listed:\*$'
	lcli ZRANGE mailnoc:silences 0 -1 | grep -v '^listed:\*$')"

# --- acknowledged: the check is OK again
out=$("$B" ack "$SILENT" --note "restarting its agent"); rc=$?
expect_eq "ack exits 0" 0 "$rc"
expect_contains "... says what" "acknowledged alert $SILENT: $active is silent" "$out"
check "ack_by is recorded" test -n "$(lcli HGET "mailnoc:alert:$SILENT" ack_by)"
expect_eq "... with the note" "restarting its agent" \
	"$(lcli HGET "mailnoc:alert:$SILENT" ack_note)"
audit=$(lcli --json XREVRANGE mailnoc:audit + - COUNT 1 | jq -r '.[0][1] as $f |
	[range(0; $f | length; 2) | {($f[.]): $f[. + 1]}] | add |
	"\(.cmd) exit \(.exit) \(.phase) \(.said)"')
expect_eq "the ack is audited" \
	"ack $SILENT --note \"restarting its agent\" exit 0 completed acknowledged alert $SILENT (node-silent $active)" \
	"$audit"
"$B" check cluster mbx >/dev/null; rc=$?
expect_eq "check cluster mbx: still 1 while the cluster alert is not taken" 1 "$rc"
"$B" ack "$CLUSTER" >/dev/null
out=$("$B" check cluster mbx); rc=$?
expect_eq "check cluster mbx exits 0 after the acks" 0 "$rc"
expect_contains "... and says they are taken" "2 acknowledged or silenced" "$out"
"$B" check alerts >/dev/null; rc=$?
expect_eq "check alerts exits 0" 0 "$rc"
out=$("$B" alerts --json | jq -r --argjson i "$SILENT" '.[] | select(.id == $i) | .ack_note')
expect_eq "alerts --json shows the note" "restarting its agent" "$out"

# --- resolved when the agent is back; a new occurrence wants a new ack
"$AGENTS" start "$active" >/dev/null
check "the silent alert resolves when the agent is back" \
	wait_until 40 sh -c "! \"$B\" alerts --json | jq -e '.[] | select(.kind == \"node-silent\")' >/dev/null"
expect_eq "... recorded as resolved" "resolved" "$(lcli HGET "mailnoc:alert:$SILENT" state)"
out=$("$B" alerts --all --json | jq -r --argjson i "$SILENT" '.[] | select(.id == $i) | .active')
expect_eq "alerts --all lists it, not active" "false" "$out"

# --- a silence ends by itself
out=$("$B" silence node-silent:gw2 --for 30s --reason "planned restart"); rc=$?
expect_eq "silence exits 0" 0 "$rc"
expect_contains "... says until when" "silenced node-silent:gw2 for 30s, until" "$out"
check "... the silence has an expiry" test "$(lcli TTL mailnoc:silence:node-silent:gw2)" -gt 0
"$B" silence cluster:gw --for 30s --reason "planned restart" >/dev/null
"$AGENTS" stop gw2 >/dev/null
check "gw2's silence is raised, silenced" wait_until 40 has_alert node-silent gw2
out=$("$B" alerts)
expect_contains "alerts shows it silenced" "silenced" "$out"
"$B" check node gw2 >/dev/null; rc=$?
expect_eq "check node gw2 is 0 while silenced" 0 "$rc"
check "the silence expires by itself" \
	wait_until 45 sh -c "[ \"\$(REDISCLI_AUTH=\$(cat $LAB/secrets/lab.pass) redis-cli -p $LAB_REDIS_PORT --user lab --no-auth-warning EXISTS mailnoc:silence:node-silent:gw2)\" = 0 ]"
"$B" check node gw2 >/dev/null; rc=$?
expect_eq "check node gw2 is 2 once the silence ended" 2 "$rc"
"$AGENTS" start gw2 >/dev/null

# --- malformed records are listed, never a crash
lcli HSET mailnoc:alert:999990 kind "bad kind" severity dire state active >/dev/null
lcli SET mailnoc:alert:999991 notahash >/dev/null
lcli ZADD mailnoc:alerts "$(date +%s)" 999990 "$(date +%s)" 999991 >/dev/null
out=$("$B" alerts --all 2>&1); rc=$?
expect_eq "alerts --all with malformed records exits 0" 0 "$rc"
expect_contains "... shows one as malformed" "malformed record: kind is not a name" "$out"
expect_contains "... and the other" "malformed record: the key is not a hash" "$out"
n=$("$B" alerts --all --json | jq '[.[] | select(.malformed != null)] | length')
expect_eq "... --json says malformed for both" 2 "$n"
lcli HSET mailnoc:alerts:active "node-silent:ghost" 999991 >/dev/null
out=$("$B" check alerts); rc=$?
expect_eq "check alerts counts a malformed active record (2)" 2 "$rc"
expect_contains "... and says so" "malformed alert record" "$out"
check "the agents keep evaluating past it" wait_until 30 sh -c \
	"[ \"\$(REDISCLI_AUTH=\$(cat $LAB/secrets/lab.pass) redis-cli -p $LAB_REDIS_PORT --user lab --no-auth-warning HEXISTS mailnoc:alerts:active node-silent:ghost)\" = 0 ]"
check "... and no agent log says the script failed" \
	sh -c "! grep -h 'alerts: cannot' $LAB/agents/*.log"
finish
