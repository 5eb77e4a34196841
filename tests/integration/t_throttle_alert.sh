#!/bin/sh
# The provider-throttled alert against the lab: mail queued for the
# throttling provider (yahoo.test, 450 4.7.1) past alerts.throttled_messages
# makes the agents raise it from their heartbeats' q_domains; `alerts`,
# `check alerts` show it; once the queue is deleted the agents resolve it.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents (running or not) as it found them.
. "$(dirname "$0")/../lib.sh"
lab_env
B=$MAILNOC_BIN/mailnoc
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$(dirname "$MAILNOC_CONFIG")
NOC=$LAB/mailnoc-noc.json
MAILNOC_LAB_DIR=$LAB
export MAILNOC_LAB_DIR
AGENTS=$ROOT/tests/lab/agents
WERE_RUNNING=$(agents_running)

cleanup() {
	queues_clear
	agents_restore "$WERE_RUNNING"
	alerts_clear
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# throttled_alert STATE: the provider-throttled alert of the group Yahoo
# (the lab's maillog.providers) as `alerts --all --json` lists it:
# "active", "resolved" or "" (none).
throttled_alert() {
	"$B" alerts --all --json | jq -r '[.[] | select(.kind ==
		"provider-throttled" and .subject == "Yahoo")] | first
		| if . == null then "" elif .active then "active"
		else "resolved" end'
}
is_throttled() { [ "$(throttled_alert)" = "$1" ]; }

alerts_clear
queues_clear
# The lab's unbound lists gw1 (t_reputation): its listed alerts, silenced,
# count in no check here.
"$B" silence listed --for 1h --reason "the lab's standing listing of gw1" \
	>/dev/null
"$AGENTS" start >/dev/null 2>&1 || { not_ok "the lab's agents start"; finish; exit 1; }
harvest_quiet

expect_eq "the default threshold: 10 messages" \
	"alerts: a provider throttles at 10 messages deferred for throttling" \
	"$("$B" --check-config 2>/dev/null | grep '^alerts:')"

# Nine: one short of the threshold, no alert.
"$ROOT/tests/lab/traffic" --gw gw1 --from-ip 127.0.1.10 -n 9 \
	--to-domain yahoo.test >/dev/null
check "nine messages sit deferred on gw1" wait_until 20 deferred_are 9 0
nine() { [ "$("$B" providers --json | jq -r '.[] | select(.name == "Yahoo")
	| .queued_deferred_by_class.throttle')" = 9 ]; }
check "providers says nine throttled for Yahoo" wait_until 30 nine
# Two evaluations at most (every max(interval, 5) s) after the heartbeat.
sleep 12
expect_eq "nine are below the threshold: no alert" "" "$(throttled_alert)"

# Three more on gw2: twelve across the gateways.
"$ROOT/tests/lab/traffic" --gw gw2 --from-ip 127.0.1.20 -n 3 \
	--to-domain yahoo.test >/dev/null
check "twelve sit deferred on both gateways" wait_until 20 deferred_are 9 3
check "the agents raise provider-throttled for Yahoo within 60 s" \
	wait_until 60 is_throttled active
A=$("$B" alerts --json | jq -c '.[] | select(.kind == "provider-throttled")')
expect_eq "one alert, for the group (not its domain too)" 1 \
	"$(echo "$A" | grep -c .)"
expect_eq "a warning" "warning" "$(echo "$A" | jq -r .severity)"
expect_eq "its text sums both gateways" \
	"throttling: group Yahoo: 12 messages deferred for throttling (12 queued)" \
	"$(echo "$A" | jq -r .text)"
out=$("$B" check alerts); rc=$?
expect_eq "check alerts: WARNING (exit 1)" 1 "$rc"
expect_contains "... naming it" "MAILNOC ALERTS WARNING - throttling: group Yahoo" \
	"$out"
expect_contains "the read-only role lists it" "provider-throttled" \
	"$("$B" --config "$NOC" alerts 2>&1)"

# The queue deleted: the agents resolve it.
queues_clear
check "the queues are empty" wait_until 20 deferred_are 0 0
check "the agents resolve it within 60 s" wait_until 60 is_throttled resolved
out=$("$B" check alerts); rc=$?
expect_eq "check alerts: OK again" 0 "$rc"

finish
