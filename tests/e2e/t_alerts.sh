#!/bin/sh
# The Alerts view as the on-call engineer uses it: a mailbox node's agent
# stops and its cluster fails over; the header's ALERT line shows the worst
# alert and the count of the others; ! opens the Alerts view; a on the
# cursor's alert asks for a note and acknowledges it (asked y/N, run as
# batch mode's ack); the header's count drops. The noc role is refused.
# All at 80x24.
. "$(dirname "$0")/lib.sh"
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lab/ports"
ROOT=$(pwd)
LAB=$(dirname "$MAILNOC_CONFIG")
NOC=$LAB/mailnoc-noc.json
B=$MAILNOC_BIN/mailnoc
MAILNOC_LAB_DIR=$LAB
MAILNOC_AGENT_INTERVAL=2
export MAILNOC_LAB_DIR MAILNOC_AGENT_INTERVAL
ROLE_MBX1=$(cat "$LAB/mbx1/role")
ROLE_MBX2=$(cat "$LAB/mbx2/role")
cleanup() {
	tui_stop
	printf '%s\n' "$ROLE_MBX1" > "$LAB/mbx1/role"
	printf '%s\n' "$ROLE_MBX2" > "$LAB/mbx2/role"
	tests/lab/agents start >/dev/null 2>&1
	sleep $((2 * MAILNOC_AGENT_INTERVAL + 1))
	tests/lab/agents stop >/dev/null 2>&1
	alerts_clear
}
trap cleanup EXIT
trap 'exit 1' INT TERM
alert_id() {
	"$B" alerts --json | jq -r --arg k "$1" --arg s "$2" \
		'.[] | select(.kind == $k and .subject == $s) | .id'
}
has_alert() { [ -n "$(alert_id "$1" "$2")" ]; }

alerts_clear
# The lab's unbound lists gw1 (t_reputation): its listed alerts, silenced,
# count neither in the header nor in its "+N more".
"$B" silence listed --for 1h --reason "the lab's standing listing of gw1" \
	>/dev/null
tests/lab/agents start >/dev/null 2>&1
harvest_quiet
active=mbx1; [ "$ROLE_MBX2" = active ] && active=mbx2
tests/lab/agents stop "$active" >/dev/null
tests/lab/failover mbx >/dev/null 2>&1
check "the agents raise $active silent" wait_until 40 has_alert node-silent "$active"
check "... and cluster mbx" wait_until 20 has_alert cluster mbx
SILENT=$(alert_id node-silent "$active")
# As many listed alerts as the watch found pairs listed (silenced above):
# counted among the active ones, never among those not taken.
nlisted() {
	"$B" alerts --json | jq '[.[] | select(.kind == "listed")] | length'
}
LISTED=$("$B" reputation --json 2>/dev/null |
	jq '[.entries[] | select(.state == "listed")] | length')
listed_raised() { [ "$(nlisted)" = "${LISTED:-0}" ]; }
check "the agents raise a listed alert per listed pair (${LISTED:-0})" \
	wait_until 20 listed_raised
N=$((2 + ${LISTED:-0}))

tui_start 80 24
expect_screen "the console is up" "mailnoc | Overview" 10
expect_screen "the header's ALERT line shows the critical one" \
	"ALERT $active is silent" 15
expect_screen "... and the count of the others" "+1 more (!)" 5
tui_keys '!'
expect_screen "! opens the Alerts view" "mailnoc | Alerts" 5
expect_screen "which counts them" "$N active alerts, 2 not taken" 10
expect_screen "the critical one first, new" "CRIT node-silent" 3
expect_screen "its keys on the status line" "a ack  s silence  Enter show subject"
# The cursor on the silent node's alert: the listed ones, older and as
# critical, may sort above it.
tui_keys / node-silent Enter
tui_keys y
expect_screen "y copies the alert's number" "copied $SILENT to the clipboard" 5
tui_keys a
expect_screen "a asks for a note about the cursor's alert" \
	"ack $SILENT --note>" 3
tui_keys "on it, restarting the agent" Enter
expect_screen "the ack is asked like any change" \
	"acknowledge alert $SILENT? y/N" 5
tui_keys y Enter
expect_screen "acknowledged: the row says by whom" "acked by" 15
expect_screen "the view counts one left" "$N active alerts, 1 not taken" 10
expect_screen "the header's count dropped" "ALERT cluster mbx" 10
check "... with no others" sh -c '! tmux -L "$1" capture-pane -p -t "$1" | grep -q "more (!)"' \
	- "$E2E_SESSION"
expect_eq "Redis holds the note" "on it, restarting the agent" \
	"$(lcli HGET "mailnoc:alert:$SILENT" ack_note)"
expect_eq "the audit has the console's ack" "console" \
	"$("$B" audit --json --limit 20 | jq -r --arg c "ack $SILENT" \
	'[.[] | select(.cmd | startswith($c))][0].via')"

# Enter jumps to the view of the subject: the cluster's, filtered to it.
tui_keys Escape
expect_screen "Esc clears the filter" "a ack  s silence" 3
tui_keys G Enter
expect_screen "Enter on the cluster alert opens the clusters view" \
	"mailnoc | Clusters" 5
expect_screen "... filtered to the cluster" "filter: mbx" 3

# s silences the cursor's alert: its kind and subject typed, the rest ours.
tui_keys '!'
expect_screen "! goes back to the Alerts view" "mailnoc | Alerts" 5
tui_keys Escape G s
expect_screen "s types the silence of the cursor's alert" \
	":silence cluster:mbx --for" 3
tui_keys "2h --reason 'planned work'" Enter
expect_screen "the silence is asked like any change" \
	"silence cluster:mbx for 2h? y/N" 5
tui_keys y Enter
expect_screen "silenced: the row says for how long" "silenced 1h5" 15
expect_screen "none counts now" "$N active alerts, 0 not taken" 10
check "... and the header's ALERT line is gone" sh -c '! tmux -L "$1" capture-pane -p -t "$1" | grep -q "ALERT "' \
	- "$E2E_SESSION"
tui_keys '?'
expect_screen "? lists the Alerts view's keys" "ack #{alert} --note" 5
tui_keys '?'

# The noc role: the view, but no ack.
tui_stop
tui_start 80 24 --config "$NOC"
expect_screen "the noc console is up" "nodes 3/4" 15
tui_keys '!'
expect_screen "noc sees the Alerts view" "$N active alerts" 10
expect_screen "... with keys that change nothing" " Enter show subject  / filter" 3
tui_keys a
expect_screen "... and a is refused at once, saying why" \
	"ack: refused, read-only: the Redis user 'noc' may not write" 5
check "... asking nothing" sh -c '! tmux -L "$1" capture-pane -p -t "$1" | grep -q -- "--note>"' \
	- "$E2E_SESSION"
tui_keys q
expect_screen "q quits" "EXITED 0" 15
finish
