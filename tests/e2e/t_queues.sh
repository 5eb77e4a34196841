#!/bin/sh
# The queues view as an operator uses it: open it, filter by a domain, tag,
# hold, see the real queue change; a hung node never freezes the screen.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")

. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lab/ports"
# Alerts recorded by earlier tests (t_partial's 3000 deferred messages) go:
# the agents raise again only what is true now.
alerts_clear
# The lab's unbound lists gw1 (t_reputation): its listed alerts (critical)
# would take the ALERT line from the console's throttling line; silenced
# for the test.
"$MAILNOC_BIN/mailnoc" silence listed --for 1h --reason "the lab's standing \
listing of gw1" >/dev/null
unsilence() {
	REDISCLI_AUTH=$(cat "$LAB/secrets/lab.pass") redis-cli -h 127.0.0.1 \
		-p "$(jq -r .redis.port "$MAILNOC_CONFIG")" --user lab \
		--no-auth-warning DEL 'mailnoc:silence:listed:*' >/dev/null
	REDISCLI_AUTH=$(cat "$LAB/secrets/lab.pass") redis-cli -h 127.0.0.1 \
		-p "$(jq -r .redis.port "$MAILNOC_CONFIG")" --user lab \
		--no-auth-warning ZREM mailnoc:silences 'listed:*' >/dev/null
}
tests/lab/agents start >/dev/null
harvest_quiet
queues_clear
tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 6 -m 2 --to-domain yahoo.test >/dev/null
tests/lab/traffic --gw gw2 --from-ip 127.0.1.20 -n 4 -m 1 --to-domain dead.test >/dev/null
wait_until 20 deferred_are 6 4
trap 'kill -CONT "$(cat "$LAB/run/sshd.pid")" 2>/dev/null; tui_stop; unsilence' EXIT INT TERM

tui_start 80 24
expect_screen "the overview warns that a provider throttles" "ALERT throttling: yahoo.test" 15
tui_keys 3
expect_screen "3 opens the queues view with all ten messages" "10 of 10 messages" 15
expect_screen "rows show the deferred mail" "deferred"
expect_screen "the key bar teaches the queues' keys" "? help  H hold  L release  D delete  t tag" 3
# 80 columns: the reason's class and both domains keep their meaning.
expect_screen "the reason starts with its class" "throttle: hos" 3
expect_screen "the sender's domain stays" "agency.test" 3
expect_screen "the recipient's domain stays" "@yahoo.test" 3
tui_keys Right
expect_screen "Right scrolls the columns, the first one stays" "NODE <ID" 3
tui_keys Left
expect_screen "Left scrolls back" "NODE  QUEUE" 3
# y copies the message under the cursor as NODE:ID (OSC 52; tmux keeps
# it as a buffer with set-clipboard on) and says so on the status line.
tmx set -g set-clipboard on
tui_keys y
expect_screen "y says which message it copied" "copied gw" 5
copied=$(tmx show-buffer 2>/dev/null)
check "the clipboard holds a NODE:ID ($copied)" \
	sh -c "printf '%s' '$copied' | grep -qxE 'gw[12]:[0-9A-Za-z]+'"
expect_screen "the status line names the same message" \
	"copied $copied to the clipboard" 3
id=${copied#*:}
if [ -n "$id" ] && tui_screen | grep -v "copied" | grep -qF -- "$id"; then
	ok "the ID is a row of the listing"
else
	not_ok "the ID is a row of the listing ($id)"
fi
tui_keys '?'
expect_screen "? says what H does in this view" "hold the tagged messages" 5
tui_keys '?'

tui_keys / d e a d . t e s t Enter
expect_screen "filtering by a domain leaves four" "4 of 10 messages"
tui_keys T
expect_screen "T tags every row the filter shows" "4 tagged"
tui_keys H
expect_screen "H asks before holding, naming the count and node" "hold 4 messages (gw2 4"
tui_keys y Enter
expect_screen "Postfix's answer is shown" "Placed on hold: 4 messages" 15
expect_eq "the real queue holds them" 4 "$(count_in gw2 hold)"
expect_screen "the view relists and shows them on hold" "gw2   hold" 15
tui_keys H n Enter
expect_screen "answering n does nothing" "not confirmed; nothing was done"
# r lists the queues again and keeps the filter: a new message shows.
tests/lab/traffic --gw gw2 --from-ip 127.0.1.20 -n 1 -m 1 --to-domain dead.test >/dev/null
wait_until 20 eval '[ "$(count_in gw2 deferred)" = 1 ]'
tui_keys r
expect_screen "r lists again, the filter kept" "5 of 11 messages" 15
postsuper -c "$LAB/gw2/etc" -d ALL deferred >/dev/null 2>&1

# queues_timeout MS NAME WHAT: the console with command_timeout_ms MS
# (a configuration LAB/NAME.json), on the queues view; WHAT names the
# checks.
queues_timeout() {
	sed "s/\"command_timeout_ms\": *[0-9]*/\"command_timeout_ms\": $1/" \
		"$MAILNOC_CONFIG" > "$LAB/$2.json"
	MAILNOC_CONFIG=$LAB/$2.json tui_start 80 24
	expect_screen "the console starts $3" "nodes 4/4" 15
	tui_keys 3
	expect_screen "the queues are listed ($3)" "10 of 10 messages" 15
}

# A node that accepts TCP and never answers: the screen keeps going.
tui_stop
queues_timeout 3000 short "with short timeouts"
# A stopped sshd accepts TCP connections and never answers them.
kill -STOP "$(cat "$LAB/run/sshd.pid")"
tui_keys : 'queue list' Enter
expect_screen "with sshd stopped a new listing is under way" "listing" 5
t1=$(tui_screen | head -n 1 | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]')
tui_keys '?'
expect_screen "keys still work while the node hangs" "WHAT IT DOES" 3
expect_screen "? in the queues view lists its own keys first" "queue hold" 3
tui_keys '?'
sleep 1.5
t2=$(tui_screen | head -n 1 | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]')
check "the clock keeps ticking ($t1 -> $t2)" [ "$t1" != "$t2" ]
expect_screen "the hung gateways are reported unreachable" "timed out" 15
# Quitting while a listing hangs: the listing is cancelled and the console
# ends cleanly (its jobs never outlive what they read).
tui_keys : 'queue list' Enter
expect_screen "a new listing hangs" "listing" 5
tui_keys q
expect_screen "q quits at once, cleanly, while a node hangs" "EXITED 0" 15
kill -CONT "$(cat "$LAB/run/sshd.pid")"

# Quitting while an action hangs: the console waits for it, saying so, and
# ends only when it did (the job reads the configuration, which goes when
# the console returns); the test build's sanitizer sees no freed memory.
queues_timeout 8000 hang "again"
kill -STOP "$(cat "$LAB/run/sshd.pid")"
tui_keys T H y Enter
expect_screen "the hold is under way on a hung node" "queue hold" 5
tui_keys q
expect_screen "q waits for the action, saying so" "waiting for 1 action" 5
expect_screen "the console ends once the action timed out" "EXITED 0" 40
if grep -q AddressSanitizer "/tmp/$E2E_SESSION.err"; then
	not_ok "no job read freed memory"
else
	ok "no job read freed memory"
fi
kill -CONT "$(cat "$LAB/run/sshd.pid")"
rm -f "$LAB/hang.json"
rm -f "$LAB/short.json"
queues_clear
tests/lab/agents stop >/dev/null
finish
