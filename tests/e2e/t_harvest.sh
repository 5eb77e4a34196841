#!/bin/sh
# A directory harvest as the on-call operator sees it: a harvest run from one
# client shows the ALERT line and the suspect in the blocklist view within
# the threshold window; h there blocks it through the block command (asked,
# audited), and Postfix then refuses that client; the Providers view (P)
# shows the throttled provider on top. At 80x24.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
MAILNOC_LAB_DIR=$LAB
export MAILNOC_LAB_DIR
IP=127.0.3.$((150 + $$ % 50))
rc() {
	redis-cli -p "$LAB_REDIS_PORT" --user admin \
		--pass "$(cat "$LAB/secrets/admin.pass")" --no-auth-warning "$@"
}
WERE_RUNNING=$(agents_running)
# The lab's unbound lists gw1 (t_reputation): its listed alert (critical)
# would take the ALERT line; silenced for the test. So is provider-throttled,
# which the throttled mail below raises before the harvest.
unsilence() {
	rc del 'mailnoc:silence:listed:*' 'mailnoc:silence:provider-throttled:*' \
		>/dev/null
	rc zrem mailnoc:silences 'listed:*' 'provider-throttled:*' >/dev/null
}
"$MAILNOC_BIN/mailnoc" silence listed --for 1h --reason "the lab's standing \
listing of gw1" >/dev/null
"$MAILNOC_BIN/mailnoc" silence provider-throttled --for 1h --reason "the \
test's own throttled mail" >/dev/null
suspect_forget "$IP"
trap 'suspect_forget "$IP"; tui_stop; harvest_alert_gone "$IP"; agents_restore "$WERE_RUNNING"; unsilence' EXIT
trap 'exit 1' INT TERM
tests/lab/agents start >/dev/null 2>&1
# Throttled mail for the Providers view (past the classifier's sample).
tests/lab/mixed --throttled 12 --accepted 2 --inbound 0 --dead 0 \
	--bounced-rcpt 0 --bounced-data 0 --rejected 0 --unknown 0 --wait \
	>/dev/null 2>&1
check "tests/lab/mixed sent throttled mail" [ $? -eq 0 ]

tui_start 80 24
expect_screen "the console starts" "mailnoc | Overview" 10
tests/lab/harvest --from-ip "$IP" -n 25 >/dev/null 2>&1
check "tests/lab/harvest ran from $IP" [ $? -eq 0 ]
# The threshold window is 300 s; the follower writes every 200 ms and the
# console reads every second.
expect_screen "the ALERT line names the suspect" "harvest suspect" 20
expect_screen "with its address" "$IP" 5

tui_keys 4
expect_screen "4 opens the blocklist" "mailnoc | Blocklist" 5
expect_screen "a suspects section" "directory harvest suspect" 5
expect_screen "the suspect's row: sample addresses of the inbound domain" \
	"@inbound.test" 5
tui_keys Tab
expect_screen "Tab moves into the suspects" "h blocks it" 5
# The suspect under the cursor: ours is the most recent, the first row.
tui_keys h
expect_screen "h prefills the block of the suspect" ":block $IP --for 1d" 5
tui_keys Enter
expect_screen "block asks first" "block $IP for 1d" 5
tui_keys y Enter
expect_screen "y blocks it" "blocked $IP" 10
expect_eq "Redis holds the block" 1 "$(rc exists "mailnoc:block:$IP")"
check "the ALERT line goes once it is blocked" wait_gone "harvest suspect $IP" 10
audit=$("$MAILNOC_BIN/mailnoc" audit --json 2>/dev/null | grep -F "$IP")
expect_contains "the block is audited, from the console" "console" "$audit"

out=$(tests/lab/traffic --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
expect_eq "Postfix refuses mail from the blocked client" 1 $?
expect_contains "with the policy service's reason" "is blocked" "$out"

tui_keys P
expect_screen "P opens the Providers view" "mailnoc | Providers" 5
expect_screen "its list is read" "PROVIDER" 10
first=$(tui_screen | grep -A1 '^PROVIDER' | tail -n 1)
expect_contains "the throttled provider is on top" "THROTTLED" "$first"
expect_contains "and it is Yahoo's" "ahoo" "$first"
expect_contains "its 'Rate limited' deferrals are marked as reputation refusals" \
	" !" "$first"
# QUEUED: what the gateways hold for it now, as postqueue -j lists it.
expect_contains "a QUEUED column" "QUEUED" "$(tui_screen | grep '^PROVIDER')"
yahoo_queued() {
	for gw in gw1 gw2; do
		postqueue -c "$LAB/$gw/etc" -j | jq -r 'select(.queue_name ==
			"active" or .queue_name == "deferred")
			| .recipients[0].address | sub(".*@"; "")'
	done | grep -cx yahoo.test
}
shows_queued() {
	[ "$(tui_screen | grep '^group Yahoo' | awk '{ print $(NF - 2) }')" = \
		"$(yahoo_queued)" ]
}
check "group Yahoo's QUEUED is postqueue -j's $(yahoo_queued)" \
	wait_until 20 shows_queued
tui_keys Enter
expect_screen "Enter lists its deferrals by class" "provider throttling" 5
expect_screen "and its latest reputation refusal, the provider's reply" \
	"refused for reputation, latest: 450 4.7.1 Rate limited" 5
tui_keys Escape
expect_screen "Esc goes back to the list" "Enter: details" 5
expect_screen "the hints fit at 80x24" "Enter deferrals  Esc back" 3
tui_keys :
tui_keys "providers" Enter
expect_screen ":providers shows the view" "mailnoc | Providers" 5

finish
