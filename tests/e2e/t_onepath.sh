#!/bin/sh
# One path for every front end: a hold from the queues view (H), the same
# hold typed at the prompt (:queue hold NODE:ID) and the same hold in batch
# mode leave three audit records that differ only in their time and "via".
# All three run in one tmux pane, so the terminal (tty) is the same; the
# message is released between them (postsuper -H, no audit) so that each
# hold does the same.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
T=$(mktemp -d)
pq() { postqueue -c "$LAB/gw2/etc" -j; }
count_in() { pq | jq -r "select(.queue_name == \"$1\") | .queue_id" | wc -l | tr -d ' '; }
# wait_count QUEUE N: up to 10 s for the queue to hold N messages.
wait_count() {
	for i in $(seq 50); do
		[ "$(count_in "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
release() { postsuper -c "$LAB/gw2/etc" -H ALL >/dev/null 2>&1; wait_count deferred 1; }

cleanup() {
	tui_stop
	for gw in gw1 gw2; do postsuper -c "$LAB/$gw/etc" -d ALL >/dev/null 2>&1; done
	tests/lab/agents stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tests/lab/agents start >/dev/null
for gw in gw1 gw2; do postsuper -c "$LAB/$gw/etc" -d ALL >/dev/null 2>&1; done
tests/lab/traffic --gw gw2 --from-ip 127.0.1.20 -n 1 --to-domain dead.test >/dev/null
wait_count deferred 1
expect_eq "gw2 holds one deferred message" 1 "$(count_in deferred)"
ID=$(pq | jq -r .queue_id)
t0=$(($(date +%s) * 1000 - 1000))

# The console; once it quits and is told, batch mode in the same pane.
tui_then_batch 120 30 "$T" "$MAILNOC_BIN/mailnoc queue hold gw2:$ID --yes"
expect_screen "the console is up" "mailnoc | Overview" 10
tui_keys 3
expect_screen "3 lists the message" "1 of 1 messages" 15

# 1. H in the queues view: the cursor's row.
tui_keys H
expect_screen "H asks about the cursor's message" "hold 1 message (gw2 1, e.g. gw2:$ID)" 5
tui_keys y Enter
check "H held it" wait_count hold 1
expect_screen "Postfix's answer is shown" "Placed on hold: 1 message" 15
release

# 2. The same hold typed at the prompt.
tui_keys : "queue hold gw2:$ID" Enter
expect_screen "the typed hold is asked as typed" "queue hold gw2:$ID (the gateways" 5
tui_keys y Enter
check "the typed hold held it" wait_count hold 1
release

# 3. The same hold in batch mode, in the same terminal.
tui_keys q
expect_screen "q quits" "EXITED 0" 15
touch "$T/go"
expect_screen "batch mode's hold ends" "BATCH 0" 30
check "batch mode held it" wait_count hold 1

recs=$("$MAILNOC_BIN/mailnoc" audit --json --limit 50 | jq -c --arg c "queue hold gw2:$ID" \
	--argjson t0 "$t0" '[.[] | select(.at >= $t0 and (.cmd | startswith($c)))] | reverse')
expect_eq "three records" 3 "$(echo "$recs" | jq length)"
expect_eq "two from the console, then batch mode" '["console","console","batch"]' \
	"$(echo "$recs" | jq -c 'map(.via)')"
expect_eq "the command, word for word" "queue hold gw2:$ID --yes" \
	"$(echo "$recs" | jq -r '.[0].cmd')"
expect_contains "what Postfix said" "Placed on hold: 1 message" \
	"$(echo "$recs" | jq -r '.[0].said')"
# Apart from when (and the record's own ids, made of time) and via, alike.
records_alike three "$recs"
finish
