#!/bin/sh
# The agencies view: an agency's volume as the agents count it (per-minute
# and per-hour buckets), its sparkline, its share of the declared volume,
# the bulk guidance; Enter shows its permitted IPs, b goes back; y copies
# the row's ID (OSC 52, read back from tmux's buffer); + blocks a
# permitted IP under the cursor through the block command's question.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
A=t-e2e
now=$(date +%s)
m=$((now / 60))
h=$((now / 3600))
# Removes the agency, its permits and blocks, and its volume of the last day
# (leftovers of an earlier run would change the sums).
cleanup() {
	for ip in $(rc hgetall mailnoc:permit | paste - - | awk -v a="$A" \
		'$2 == a { print $1 }'); do
		rc del "mailnoc:permit:$ip" "mailnoc:block:$ip" >/dev/null
		rc hdel mailnoc:permit "$ip" >/dev/null
		rc zrem mailnoc:blocks "$ip" >/dev/null
	done
	rc hdel "mailnoc:log:a:d:$((now / 86400))" "$A|bouncy.test|bounced" \
		"$A|bouncy.test|invalid" "$A|bouncy.test|reason" >/dev/null
	rc del "mailnoc:agency:$A" >/dev/null
	rc srem mailnoc:agencies "$A" >/dev/null
	i=0
	while [ $i -le 61 ]; do
		echo "HDEL mailnoc:vol:m:$((m - i)) $A|msgs $A|rcpts $A|bytes $A|rejected $A|deferred"
		[ $i -le 25 ] && echo "HDEL mailnoc:vol:h:$((h - i)) $A|msgs $A|rcpts $A|bytes $A|rejected $A|deferred"
		i=$((i + 1))
	done | rc >/dev/null
}
# vol M METRIC N: what an agent adds in minute M: its minute and hour buckets.
vol() {
	rc hincrby "mailnoc:vol:m:$1" "$A|$2" "$3" >/dev/null
	rc expire "mailnoc:vol:m:$1" 172800 >/dev/null
	rc hincrby "mailnoc:vol:h:$(($1 / 60))" "$A|$2" "$3" >/dev/null
}

cleanup
trap 'cleanup; tui_stop' EXIT INT TERM
rc hset "mailnoc:agency:$A" name "E2E agency" contact ops@e2e.test \
	daily 5000 bulk_rcpts 100 >/dev/null
rc sadd mailnoc:agencies "$A" >/dev/null
rc hset mailnoc:permit 127.0.2.70 "$A" 127.0.2.71 "$A" >/dev/null
rc hset mailnoc:permit:127.0.2.70 app payroll expected 300 who e2e \
	since "$now" >/dev/null
rc hset mailnoc:permit:127.0.2.71 app scanner expected 20 who e2e \
	since "$now" >/dev/null
rc hset mailnoc:block:127.0.2.71 reason e2e who e2e since "$now" \
	until $((now + 1800)) >/dev/null
rc zadd mailnoc:blocks $((now + 1800)) 127.0.2.71 >/dev/null
# The last hour: 42 + 5 + 3 messages; 150 recipients in the last ten
# minutes (over the bulk guidance of 100); 1150 more two hours ago.
vol $m msgs 42
vol $m rcpts 140
vol $m bytes 3145728
vol $m rejected 2
vol $((m - 5)) msgs 5
vol $((m - 5)) rcpts 10
vol $((m - 20)) msgs 3
# Today's bounces as the mail log follower writes them, with its reason.
rc hincrby "mailnoc:log:a:d:$((now / 86400))" "$A|bouncy.test|bounced" 3 \
	>/dev/null
rc hset "mailnoc:log:a:d:$((now / 86400))" "$A|bouncy.test|reason" \
	"said: 550 5.1.1 <nouser1@bouncy.test>: User unknown" >/dev/null
rc hincrby "mailnoc:vol:h:$((h - 2))" "$A|msgs" 1150 >/dev/null

# field N: the Nth word of the agency's row (2: SPF, "-" without sending
# domains, 3: MSG/h, 4: MSG/d, 5: RCPT/d).
field() {
	tui_screen | awk -v a="$A" -v n="$1" '$1 == a { print $n; exit }'
}

# A UTF-8 terminal first, then a plain one; 100 columns: the SPF column
# leaves the sparkline no room at 80.
export LANG=C.UTF-8
tui_start 100 24
tui_keys 5
expect_screen "5 opens the agencies view" "mailnoc | Agencies" 10
tui_keys / "$A" Enter
wait_for "$A " 10
expect_eq "the agency's row: no SPF without sending domains" - "$(field 2)"
expect_eq "50 messages in the hour" 50 "$(field 3)"
expect_eq "1.2k in the day" 1.2k "$(field 4)"
row=$(tui_screen | grep "^$A ")
expect_contains "the day against the declared volume" "1.2k/5k 24%" "$row"
expect_contains "a sparkline of the last hour ends the row" "█" "$row"
expect_screen "the detail: the last hour's messages and recipients" \
	"last hour        50      150     3.0M        2        0" 5
expect_screen "over the bulk guidance is said" "150 rcpts/10 min (limit 100) OVER"
expect_screen "and counted in the summary" "over the bulk guidance"
expect_screen "the providers that bounced most" "bouncy.test 3"
expect_screen "with a sample reason" \
	"sample reason (bouncy.test): said: 550 5.1.1 <nouser1@bouncy.test>"

tui_keys Enter
expect_screen "Enter shows its permitted IPs" "2 permitted IPs, 1 blocked" 10
expect_screen "with application and expected volume" "payroll"
expect_screen "and the blocked one's state" "blocked until"
row=$(tui_screen | grep "^127.0.2.70 ")
expect_contains "the other one is ok" " ok " "$row"
tui_keys b
expect_screen "b goes back to the list" "over the bulk guidance" 5
tui_keys Enter Escape
expect_screen "Esc goes back too" "over the bulk guidance" 5

# y copies the row's ID: tmux takes OSC 52 into a buffer with
# set-clipboard on (its default, external, passes it only outwards).
tmx set -g set-clipboard on
tui_keys +
expect_screen "+ in the list says where it blocks from" \
	"no permitted IP selected; open an agency (Enter)" 5
tui_keys y
expect_screen "y on the list says it copied the agency" \
	"copied $A to the clipboard" 5
expect_eq "and the terminal's clipboard holds it" "$A" \
	"$(tmx show-buffer 2>/dev/null)"
# The filter prompt starts with the filter; C-u empties it.
tui_keys Enter / C-u 127.0.2.70 Enter
expect_screen "the filter leaves the permitted IP's row" "filter: 127.0.2.70" 5
tui_keys y
expect_screen "y on a permitted IP copies the IP" \
	"copied 127.0.2.70 to the clipboard" 5
expect_eq "into the clipboard" 127.0.2.70 "$(tmx show-buffer 2>/dev/null)"
tui_keys +
expect_screen "+ prefills the block of the IP under the cursor" \
	":block 127.0.2.70 --for 1d --reason 'abuse from a permitted agency IP'" 5
tui_keys Enter
expect_screen "the block command asks first" \
	"block 127.0.2.70 for 1d, until" 5
expect_eq "nothing is blocked before the answer" 0 \
	"$(rc exists mailnoc:block:127.0.2.70)"
tui_keys y
expect_screen "y blocks it: its permit shows it blocked" \
	"2 permitted IPs, 2 blocked" 15
expect_eq "Redis has the block with its reason" \
	"abuse from a permitted agency IP" \
	"$(rc hget mailnoc:block:127.0.2.70 reason)"
ttl=$(rc ttl mailnoc:block:127.0.2.70)
check "for a day (ttl $ttl)" [ "$ttl" -gt 86000 ] && [ "$ttl" -le 86400 ]
tui_keys q
expect_screen "q quits" "EXITED 0" 15

export LANG=C LC_ALL=C
tui_start 100 24
tui_keys 5 / "$A" Enter
wait_for "$A " 10
expect_eq "without UTF-8 the view still shows the agency" 50 "$(field 3)"
row=$(tui_screen | grep "^$A ")
expect_contains "with an ASCII sparkline" "@" "$row"
tui_keys q
unset LC_ALL
finish
