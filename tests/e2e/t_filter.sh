#!/bin/sh
# The gateways' filter as the operator sees it, at 80x24: 9 opens the
# Filter view (each gateway's filter, this hour's rejects, the sparkline of
# rejects per hour); a message the lab's rspamd quarantined is released
# with :quarantine release after its confirmation, and leaves the hold
# queue; with rspamd stopped the overview says "filter DOWN" for gw1.
. "$(dirname "$0")/lib.sh"
lab_env
M=$MAILNOC_BIN/mailnoc
MAILNOC_AGENT_INTERVAL=2
export MAILNOC_AGENT_INTERVAL
RUN=$(date +%s)-$$
WERE_RUNNING=$(agents_running)
cleanup() {
	tui_stop
	"$ROOT/tests/lab/up" >/dev/null 2>&1   # rspamd back if it was stopped
	agents_restore "$WERE_RUNNING"
	queues_clear
	filter_quiet
	alerts_clear
}
trap cleanup EXIT
trap 'exit 1' INT TERM

send() {   # SUBJECT BODY MSGID
	swaks --server "127.0.0.1:$LAB_GW1_SMTP_PORT" --from t@lab.agency.example \
		--to u@accept.test --header "Subject: $1" --header "Message-Id: <$3>" \
		--body "$2" >/dev/null 2>&1
}
q_of() {
	"$M" quarantine list --json 2>/dev/null |
		jq -r --arg m "$1" '.quarantine[] | select(.message_id == $m) | .queue_id'
}
queued() { [ -n "$(q_of "q-$RUN@t.test")" ]; }
in_hold() { pq gw1 | jq -e --arg q "$1" 'select(.queue_id == $q and .queue_name == "hold")' >/dev/null; }
not_held() { ! in_hold "$1"; }

queues_clear
# Held records of messages an earlier run left: the count below is ours.
for k in $(lcli --scan --pattern 'mailnoc:filter:*:held'); do lcli DEL "$k" >/dev/null; done
"$AGENTS" start >/dev/null 2>&1
send "gtube $RUN" 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X' "g-$RUN@t.test"
send "MAILNOC-QUARANTINE $RUN" "hold me" "q-$RUN@t.test"
check "the lab's rspamd quarantined the message" wait_until 30 queued
QID=$(q_of "q-$RUN@t.test")

tui_start 80 24
expect_screen "the console starts" "mailnoc | Overview" 10
tui_keys 9
expect_screen "9 opens the Filter view" "mailnoc | Filter" 5
expect_screen "a summary of the filters" "2 filters, 0 down" 15
expect_screen "the columns" "REJ/H" 5
expect_screen "gw1's filter is up with rspamd's version" "rspamd 3.4" 5
expect_screen "and its quarantined message counted" "rspamd 3.4, 1 held" 10
expect_screen "the sparkline of the cursor's gateway" "rejects per hour, 24 h" 5
screen=$(tui_screen)
check "it fits 80 columns" sh -c '! printf "%s\n" "$1" | awk "length > 80" | grep -q .' _ "$screen"

tui_keys : "quarantine release gw1:$QID" Enter
expect_screen "the release is asked first" "release 1 quarantined message" 5
check "nothing released before the answer" in_hold "$QID"
tui_keys y Enter
check "y: released through the queue action" wait_until 20 not_held "$QID"

kill "$(cat "$LAB/run/rspamd.pid")"
tui_keys 1
expect_screen "rspamd stopped: the overview says so for gw1" "filter DOWN" 20
finish
