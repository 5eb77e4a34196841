#!/bin/sh
# The console as an operator types at it: a y/N question answered by one
# key (y runs a hold, any other key declines, at 80x24 and at 200x50); a
# long question read whole on two lines at 80 columns; :messages lists what
# was said; the ':' line edited as readline edits (Left, C-w), completed
# with Tab (commands, views, an IP on screen), and recalled with Up after
# the console restarts (its history in the XDG state directory, mode 600).
. "$(dirname "$0")/lib.sh"
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/lab/ports"
LAB=$(dirname "$MAILNOC_CONFIG")
IP6=2001:db8:ffff:ffff:ffff:ffff:1234:5678
IP4=192.0.2.77

T=$(mktemp -d /tmp/mailnoc-e2e-prompt-XXXXXX)
unset MAILNOC_STATE_DIR
XDG_STATE_HOME=$T/state
export XDG_STATE_HOME
cleanup() {
	tui_stop
	unblock "$IP6"
	unblock "$IP4"
	queues_clear
	tests/lab/agents stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

unblock "$IP6"
"$MAILNOC_BIN/mailnoc" block "$IP4" --for 1h --reason e2e-tab >/dev/null
tests/lab/agents start >/dev/null
queues_clear
tests/lab/traffic --gw gw2 --from-ip 127.0.1.20 -n 3 --to-domain dead.test >/dev/null
wait_until 20 deferred_are 0 3

# --- y alone answers; any other key declines (80x24)
tui_start 80 24
expect_screen "the console is up" "mailnoc | Overview" 10
tui_keys 3
expect_screen "the queues view lists the three messages" "3 of 3 messages" 15
tui_keys H
expect_screen "H asks about the message under the cursor" "hold 1 message" 5
tui_keys y
expect_screen "y alone, no Enter, holds it" "Placed on hold: 1 message" 15
expect_eq "the real queue holds one" 1 "$(count_in gw2 hold)"
tui_keys j H
expect_screen "asked again" "hold 1 message" 5
tui_keys x
expect_screen "x declines at once" "not confirmed; nothing was done" 5
expect_eq "still one on hold" 1 "$(count_in gw2 hold)"
tui_keys H
expect_screen "asked again" "hold 1 message" 5
tui_keys Escape
expect_screen "Esc declines" "not confirmed; nothing was done" 5
expect_eq "still one on hold" 1 "$(count_in gw2 hold)"

# --- a long question wraps to a second line at 80 columns
tui_keys : "block $IP6 --for 1h30m --reason wrap" Enter
expect_screen "the block is asked about" "refuse its mail? y/N:" 5
joined=$(tui_screen | tr '\n' ' ')
expect_contains "its start is on screen" "block $IP6 for 1h 30m, until" \
	"$joined"
expect_contains "and its end, on the next line" "refuse its mail? y/N:" \
	"$joined"
check "the question takes two lines" \
	[ "$(tui_screen | grep -c -e "block $IP6" -e 'refuse its mail')" = 2 ]
tui_keys n
expect_screen "n declines" "not confirmed; nothing was done" 5
expect_eq "and Redis has no block" 0 "$(rc exists "mailnoc:block:$IP6")"

# --- :messages lists what was said, with the times
tui_keys : messages Enter
expect_screen ":messages opens the history" "mailnoc | Messages" 5
expect_screen "the hold's question is listed" "y/N: y" 5
squeezed=$(tui_screen | tr '\n' ' ' | tr -s ' ')
expect_contains "and its result, whole" "Placed on hold: 1 message" \
	"$squeezed"
expect_contains "Esc's answer is named" "y/N: Escape" "$squeezed"
expect_contains "the declined block's question with its answer" \
	"refuse its mail? y/N: n" "$squeezed"
expect_screen "the typed line" "typed block $IP6" 5
if tui_screen | grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} asked'; then
	ok "each with its time"
else
	not_ok "each with its time"
	tui_screen | sed 's/^/  | /'
fi
tui_keys Escape
expect_screen "Esc goes back" "mailnoc | Queues" 5
tui_keys : messages Enter '?'
expect_screen "help over the messages" "mailnoc | Help" 5
tui_keys Escape
expect_screen "Esc from both goes back to the view under them" \
	"mailnoc | Queues" 5

# --- the line editor: Left inserts in the middle, C-w deletes a word, Tab
tui_keys : "view queus" Left e Enter
expect_screen "Left then a letter inserts before the cursor" \
	"mailnoc | Queues" 5
tui_keys : "view blocklist" C-w "clusters" Enter
expect_screen "C-w deleted the last word" "mailnoc | Clusters" 5
tui_keys : blo Tab
expect_screen "Tab completes :blo to :block" ":block" 5
expect_screen "and lists what it could be" "block  blocks" 5
tui_keys Escape : unbl Tab x
expect_screen "Tab completes a single match with a blank" ":unblock x" 5
tui_keys Escape 4
expect_screen "the blocklist shows $IP4" "$IP4" 10
tui_keys : "unblock 192.0.2.7" Tab x
expect_screen "Tab completes an IP shown on screen" ":unblock $IP4 x" 5
tui_keys Escape : "view cl" Tab Enter
expect_screen "Tab completes a view's name" "mailnoc | Clusters" 5
tui_keys : "view overview" Enter
expect_screen "the overview again" "mailnoc | Overview" 5
tui_keys q
expect_screen "q quits" "EXITED 0" 15

check "the history file is mode 600" \
	[ "$(stat -c %a "$XDG_STATE_HOME/mailnoc/history")" = 600 ]
expect_eq "the declined block is in the history" 1 \
	"$(grep -c "^block $IP6 --for 1h30m --reason wrap\$" \
	"$XDG_STATE_HOME/mailnoc/history")"

# --- Up recalls the last line after a restart (and at 200x50, y alone)
tui_start 200 50
expect_screen "the console is up again, at 200x50" "mailnoc | Overview" 10
tui_keys : Up
expect_screen "Up recalls the last line of the session before" \
	":view overview" 5
tui_keys Up Up Up Up
expect_screen "and the declined block before it" \
	":block $IP6 --for 1h30m --reason wrap" 5
tui_keys Down Down Down Down C-u "view queues" Enter
expect_screen "the queues view" "3 of 3 messages" 15
ID=$(pq gw2 | jq -r 'select(.queue_name == "deferred") | .queue_id' |
	head -1)
tui_keys : "queue hold gw2:$ID" Enter
expect_screen "a hold asked at 200 columns" "queue hold gw2:$ID" 5
tui_keys y
expect_screen "y alone holds it" "Placed on hold: 1 message" 15
expect_eq "two on hold now" 2 "$(count_in gw2 hold)"
tui_keys q
expect_screen "q quits" "EXITED 0" 15
finish
