#!/bin/sh
# Announced bulk jobs (issue 19) against the lab: the refusals of 'bulk
# announce', and an announcement for dmv of 3 jobs of 1,000 recipients whose
# plan the gateways' policy service follows through the real Postfix: the
# first 1,000 pass, the next ones inside the spacing are deferred, the second
# job passes where the bulk limit alone would defer it, and after the window
# the normal limit is back. An unannounced burst of 1,500 raises the 'bulk'
# alert. The plan's spacing is short (the announcement's own), never a sleep
# of 10 minutes.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents as it found them and removes what it wrote.
. "$(dirname "$0")/../lib.sh"
lab_env
redis_env
TRAFFIC=$ROOT/tests/lab/traffic
M=$B/mailnoc
GW1_POLICY=$(jq -r '.nodes[] | select(.name == "gw1") | .policy.listen[0]' "$MAILNOC_CONFIG")
GW1_PPORT=${GW1_POLICY##*:}
GW2_POLICY=$(jq -r '.nodes[] | select(.name == "gw2") | .policy.listen[0]' "$MAILNOC_CONFIG")
GW2_PPORT=${GW2_POLICY##*:}
DMV_IP=127.0.1.30       # dmv's permit in the seeded data
BURST=t-burst           # an agency of this test's own, without a bulk limit
BURST_IP=127.0.2.231
SPACING=30
WAS=$(agents_running)
DMV_LIMITS=$(rcli HMGET "${P}agency:dmv" max_rcpts max_per_minute | tr '\n' ' ')

TMP=$(mktemp -d /tmp/mailnoc-t-bulk.XXXXXX)
# counts_save AGENCY FILE: its counts in every volume bucket, to put back.
counts_save() {
	for k in $(rcli --scan --pattern "${P}vol:[mhb]:*"); do
		for f in "$1|msgs" "$1|rcpts" "$1|bytes" "$1|rejected" \
		    "$1|deferred" "$1"; do
			v=$(rcli HGET "$k" "$f")
			[ -n "$v" ] && echo "$k $f $v"
		done
	done > "$2"
}
# counts_forget AGENCY: its counts gone from every volume bucket.
counts_forget() {
	for k in $(rcli --scan --pattern "${P}vol:[mh]:*"); do
		for m in msgs rcpts bytes rejected deferred; do
			rcli HDEL "$k" "$1|$m" >/dev/null
		done
	done
	for k in $(rcli --scan --pattern "${P}vol:b:*"); do
		rcli HDEL "$k" "$1" >/dev/null
	done
}
# bulk_forget AGENCY: its announcements cancelled.
bulk_forget() {
	for id in $(rcli ZRANGE "${P}bulks" 0 -1); do
		[ "$(rcli HGET "${P}bulk:$id" agency)" = "$1" ] &&
			"$M" bulk cancel "$id" --yes >/dev/null 2>&1
		[ "$(rcli EXISTS "${P}bulk:$id")" = 0 ] &&
			lcli DEL "${P}vol:bulk:$id" >/dev/null
	done
}
cleanup() {
	set -- $DMV_LIMITS
	rcli HSET "${P}agency:dmv" max_rcpts "$1" max_per_minute "$2" >/dev/null
	bulk_forget dmv
	counts_forget dmv
	[ -f "$TMP/dmv.counts" ] && while read -r k f v; do
		rcli HSET "$k" "$f" "$v" >/dev/null
	done < "$TMP/dmv.counts"
	rm -rf "$TMP"
	rcli HDEL "${P}permit" "$BURST_IP" >/dev/null
	agency_forget "$BURST"
	alerts_clear
	agents_restore "$WAS"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$AGENTS" start gw1 gw2 >/dev/null 2>&1
answering() { [ -n "$(policy_ask "$GW1_PPORT" "$DMV_IP")" ] &&
	[ -n "$(policy_ask "$GW2_PPORT" "$DMV_IP")" ]; }
check "both gateways' policy services answer" wait_until 20 answering
bulk_forget dmv
counts_save dmv "$TMP/dmv.counts"
counts_forget dmv

# --- bad input: each a clear one-line error, nothing written
nb0=$(rcli ZCARD "${P}bulks")
out=$("$M" bulk announce dmv --start +2h --end +1h --rcpts 3000 --yes 2>&1)
expect_eq "an end before the start is refused (usage)" 2 $?
expect_eq "... saying so on one line" \
	"mailnoc: bulk announce: the end is not after the start" "$out"
out=$("$M" bulk announce dmv --start 2020-01-01T10:00 --end 2020-01-01T11:00 \
	--rcpts 3000 --yes 2>&1)
expect_eq "a window in the past is refused" 2 $?
expect_contains "... saying so" "bulk announce: the window is in the past" "$out"
out=$("$M" bulk announce no-such-agency --start +1h --end +2h --rcpts 300 --jobs 1 --yes 2>&1)
expect_eq "an unknown agency is refused" 1 $?
expect_eq "... naming it" \
	"mailnoc: bulk announce: no agency 'no-such-agency'; see 'agency list'" "$out"
out=$("$M" bulk announce dmv --start +1h --end +1h10m --rcpts 3000 --yes 2>&1)
expect_eq "3 jobs 10 minutes apart in 10 minutes are refused" 2 $?
expect_contains "... saying why" "3 jobs 10m apart do not fit in a window of 10m" "$out"
out=$("$M" bulk announce dmv --start soon --end +1h --rcpts 3000 --yes 2>&1)
expect_contains "a time not understood says what is" "use now, +DURATION" "$out"
expect_eq "nothing was written by the refusals" "$nb0" "$(rcli ZCARD "${P}bulks")"

# Above the declared daily volume (dmv declares 2,000): asked, not refused.
daily=$(rcli HGET "${P}agency:dmv" daily)
out=$("$M" bulk announce dmv --start +5h --end +6h --rcpts 6000 --jobs 3 </dev/null 2>&1)
expect_eq "over the declared volume without --yes (no terminal): refused for want of an answer" 2 $?
expect_contains "... the question says it is above the declared volume" \
	"(6000 recipients is above the $daily messages a day dmv declared) without --yes" "$out"
out=$("$M" bulk announce dmv --start +5h --end +6h --rcpts 6000 --jobs 3 --yes 2>&1)
expect_eq "... and with the answer yes it is announced" 0 $?
expect_contains "... saying so" "is above the $daily messages a day dmv declared" "$out"
later=$(echo "$out" | sed -n 's/^announced bulk job \([0-9]*\) .*/\1/p')
out=$("$M" bulk announce dmv --start +5h30m --end +7h --rcpts 300 --jobs 1 --yes 2>&1)
expect_eq "an overlapping announcement of the same agency is refused" 1 $?
expect_contains "... naming the one it overlaps" "it overlaps announcement $later of dmv" "$out"
out=$("$M" bulk list --json)
expect_eq "bulk list --json shows the upcoming one, not active, nothing sent" \
	"dmv 6000 3 600 false 0" \
	"$(echo "$out" | jq -r --argjson i "$later" '.[] | select(.id == $i) |
		"\(.agency) \(.rcpts) \(.jobs) \(.spacing) \(.active) \(.sent)"')"
expect_eq "... with its author" "$(id -un)@$(hostname)" \
	"$(echo "$out" | jq -r --argjson i "$later" '.[] | select(.id == $i) | .who')"
out=$("$M" audit --json --limit 5 | jq -r '.[] | select(.cmd | startswith("bulk announce dmv --start +5h ")) | .result' | head -1)
expect_eq "the announcement is in the audit" ok "$out"
"$M" bulk cancel "$later" --yes >/dev/null 2>&1
expect_eq "bulk cancel" 0 $?
expect_eq "... it is gone" 0 "$(rcli EXISTS "${P}bulk:$later")"
out=$("$M" bulk cancel "$later" --yes 2>&1)
expect_eq "cancelling it again: no such announcement" 1 $?

# --- the plan through the real Postfix: dmv's other limits out of the way
# (1,000 recipients are 10 messages of 100 here), the bulk limit the
# guidance's 1,000 per 10 minutes.
rcli HSET "${P}agency:dmv" max_rcpts 0 max_per_minute 0 >/dev/null
rcli HDEL "${P}agency:dmv" bulk_rcpts >/dev/null
# The window opens in 4 s, so that both agents' copies have it (they look
# every second) before the first job; jobs at +0, +30 s and +60 s, the
# window 80 s.
out=$("$M" bulk announce dmv --start +4s --end +84s --rcpts 3000 --jobs 3 \
	--spacing ${SPACING}s --note "t_bulk renewal notices" --yes 2>&1)
expect_eq "dmv announces 3 jobs of 1,000 recipients, ${SPACING} s apart" 0 $?
ID=$(echo "$out" | sed -n 's/^announced bulk job \([0-9]*\) .*/\1/p')
START=$(rcli HGET "${P}bulk:$ID" start)
END=$(rcli HGET "${P}bulk:$ID" end)
now_is() { [ "$(date +%s)" -ge "$1" ]; }
wait_until 10 now_is "$START"

out=$("$TRAFFIC" --gw gw1 --from-ip "$DMV_IP" -n 10 -m 100 --to-domain accept.test 2>&1)
expect_eq "job 1: Postfix accepts 10 messages of 100 recipients" 0 $?
sent() { "$M" bulk list --json | jq -r --argjson i "$ID" '.[] | select(.id == $i) | .sent'; }
expect_eq "bulk list counts 1,000 sent of the plan" 1000 "$(sent)"
out=$("$TRAFFIC" --gw gw1 --from-ip "$DMV_IP" -n 1 -m 100 --to-domain accept.test 2>&1)
expect_eq "inside the spacing the next recipients are deferred by Postfix" 1 $?
expect_contains "... with the policy service's 4xx" "450" "$out"
ans=$(policy_ask "$GW1_PPORT" "$DMV_IP")
expect_contains "... which names the plan" \
	"action=DEFER_IF_PERMIT agency dmv announced 3000 recipients in 3 jobs and sent 1000 of the 1000 due by now" "$ans"
next=$(date -u -d "@$((START + SPACING))" '+%Y-%m-%d %H:%M:%S')
expect_contains "... and when the next job may start" "the next job may start at $next UTC" "$ans"
ans=$(policy_ask "$GW2_PPORT" "$DMV_IP")
expect_contains "gw2 defers it the same" "action=DEFER_IF_PERMIT agency dmv announced" "$ans"

wait_until $((SPACING + 10)) now_is $((START + SPACING))
out=$("$TRAFFIC" --gw gw2 --from-ip "$DMV_IP" -n 10 -m 100 --to-domain accept.test 2>&1)
expect_eq "job 2 after the spacing: accepted, though the bulk limit alone would defer it" 0 $?
# rcpts_10min: dmv's recipients in the minute buckets of the bulk window
rcpts_10min() {
	m=$(($(date +%s) / 60))
	r10=0
	for i in 0 1 2 3 4 5 6 7 8 9; do
		v=$(rcli HGET "${P}vol:m:$((m - i))" "dmv|rcpts")
		r10=$((r10 + ${v:-0}))
	done
	[ "$r10" -ge 2000 ]
}
check "the last 10 minutes hold 2,000 recipients of dmv, over the 1,000" \
	wait_until 10 rcpts_10min
expect_eq "bulk list counts 2,000 sent" 2000 "$(sent)"
out=$("$TRAFFIC" --gw gw1 --from-ip "$DMV_IP" -n 1 -m 1 --to-domain accept.test 2>&1)
expect_eq "beyond job 2 within its spacing: deferred again" 1 $?

wait_until $((END - START + 10)) now_is "$END"
ans=$(policy_ask "$GW1_PPORT" "$DMV_IP")
expect_eq "after the window the normal bulk limit is back" \
	"action=DEFER_IF_PERMIT agency dmv may send 1000 recipients per 10 minutes, split the mailing and try again later" "$ans"
out=$("$M" bulk list --json | jq -r --argjson i "$ID" '[.[] | select(.id == $i)] | length')
expect_eq "bulk list no longer shows it" 0 "$out"

# --- an unannounced burst: 1,500 recipients of an agency with no bulk limit
rcli SADD "${P}agencies" "$BURST" >/dev/null
rcli HSET "${P}agency:$BURST" name "burst test" bulk_rcpts -1 >/dev/null
rcli HSET "${P}permit" "$BURST_IP" "$BURST" >/dev/null
out=$("$TRAFFIC" --gw gw1 --from-ip "$BURST_IP" -n 15 -m 100 --to-domain accept.test 2>&1)
expect_eq "t-burst sends 1,500 recipients unannounced" 0 $?
has_bulk_alert() {
	"$M" alerts --json 2>/dev/null | jq -e --arg s "$1" \
		'any(.[]; .kind == "bulk" and .subject == $s)' >/dev/null
}
check "the 'bulk' alert is raised for t-burst" wait_until 40 has_bulk_alert "$BURST"
text=$("$M" alerts --json | jq -r --arg s "$BURST" '.[] | select(.kind == "bulk" and .subject == $s) | .text')
expect_eq "... naming the agency and suggesting to announce" \
	"agency $BURST sent 1500 recipients in 10 minutes, over the guidance's 1000, unannounced: announce it with 'mailnoc bulk announce $BURST'" "$text"
if has_bulk_alert dmv; then
	not_ok "dmv's 2,000 were announced: no alert for it"
else
	ok "dmv's 2,000 were announced: no alert for it"
fi

finish
