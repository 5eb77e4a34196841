#!/bin/sh
# A gateway on a block list as the on-call operator sees it: the lab's
# unbound lists gw1's 203.0.113.25 on bl.lab.example (tests/lab/up); once
# the agents' watch published it, their alert rules raise a listed alert
# and the overview's ALERT line says so; 8 (and :reputation) opens the
# Reputation view with every egress address x zone. At 80x24.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
B=$MAILNOC_BIN/mailnoc
MAILNOC_LAB_DIR=$LAB
MAILNOC_AGENT_INTERVAL=2
export MAILNOC_LAB_DIR MAILNOC_AGENT_INTERVAL
rc() {
	redis-cli -p "$LAB_REDIS_PORT" --user admin \
		--pass "$(cat "$LAB/secrets/admin.pass")" --no-auth-warning "$@"
}
# Another test's silence of the kind would hide the line.
unsilence() {
	rc --scan --pattern 'mailnoc:silence:listed:*' | while read -r k; do
		rc del "$k" >/dev/null
		rc zrem mailnoc:silences "${k#mailnoc:silence:}" >/dev/null
	done
}
listed_alert() {
	"$B" alerts --json 2>/dev/null | jq -e \
		'any(.[]; .kind == "listed" and .subject == "203.0.113.25|bl.lab.example")' \
		>/dev/null
}

WERE_RUNNING=$(agents_running)
trap 'tui_stop; agents_restore "$WERE_RUNNING"' EXIT
trap 'exit 1' INT TERM
unsilence
tests/lab/agents start >/dev/null 2>&1
"$B" reputation --check >/dev/null 2>&1
check "the agents' watch publishes gw1 listed" \
	sh -c '"$1" reputation --json | jq -e "any(.entries[]; .ip == \"203.0.113.25\" and .zone == \"bl.lab.example\" and .state == \"listed\")" >/dev/null' _ "$B"
# The rules run 3 periods after an agent starts, then every 5 s.
check "the agents raise a listed alert (IP|ZONE)" wait_until 60 listed_alert

tui_start 80 24
expect_screen "the console starts" "mailnoc | Overview" 10
expect_screen "the overview's ALERT line names the listing" \
	"gw1 203.0.113.25 listed on" 15
# The lab lists it on both zones: one line, the other counted (with
# whatever else earlier tests left active: the count is Redis's).
counted() {
	"$B" alerts --json | jq '[.[] | select(.active and .ack_by == null
		and .silenced_until == null)] | length'
}
n_more=$(($(counted) - 1))
check "the other zone's listing is among the counted alerts ($n_more)" \
	test "$n_more" -ge 1
expect_screen "... and counts the other zone's" "+$n_more more (!)" 5
check "the alert's text is the header's line, with the reason and since" \
	sh -c '"$1" alerts --json | jq -e "any(.[]; .kind == \"listed\" and (.text | test(\"^gw1 203[.]0[.]113[.]25 listed on bl[.]lab[.]example: Listed for bulk mail.* since [0-9]\")))" >/dev/null' _ "$B"

tui_keys 8
expect_screen "8 opens the Reputation view" "mailnoc | Reputation" 5
expect_screen "a summary of the pairs" "address x zone pairs:" 10
expect_screen "the listed pair" "gw1  203.0.113.25" 5
expect_screen "the zone" "bl.lab.example" 5
expect_screen "gw2's address checked too" "198.51.100.7" 5
expect_screen "the columns" "CHECKED" 5
expect_screen "the cursor's pair in full, reason included" \
	"on bl.lab.example: listed: Listed for bulk mail" 5
screen=$(tui_screen)
# A cut is marked with one character (an ellipsis, three bytes).
check "it fits 80 columns" sh -c '! printf "%s\n" "$1" | sed "s/\xe2\x80\xa6/./g" | awk "length > 80" | grep -q .' _ "$screen"

tui_keys 1
expect_screen "back to the overview" "mailnoc | Overview" 5
tui_keys ":reputation" Enter
expect_screen ":reputation opens the view" "mailnoc | Reputation" 5
tui_keys ":reputation --check" Enter
expect_screen ":reputation --check is a job, asked first" \
	"ask every gateway for a block-list check now" 5
tui_keys y Enter
expect_screen "... and runs off the UI thread" "203.0.113.25" 15
finish
