#!/bin/sh
# Announced bulk jobs in the console: announced at the ':' prompt (the one
# question on the status line), then the agencies view shows the job's
# progress — recipients sent against announced, the jobs due, the next
# job's earliest start — as the gateways count them.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
A=t-e2e-bulk
cleanup() {
	for id in $(rc zrange mailnoc:bulks 0 -1); do
		if [ "$(rc hget "mailnoc:bulk:$id" agency)" = "$A" ]; then
			rc del "mailnoc:bulk:$id" "mailnoc:vol:bulk:$id" >/dev/null
			rc zrem mailnoc:bulks "$id" >/dev/null
		fi
	done
	rc del "mailnoc:agency:$A" >/dev/null
	rc srem mailnoc:agencies "$A" >/dev/null
}
cleanup
trap 'cleanup; tui_stop' EXIT INT TERM
rc hset "mailnoc:agency:$A" name "E2E bulk agency" daily 100000 >/dev/null
rc sadd mailnoc:agencies "$A" >/dev/null

export LANG=C.UTF-8
tui_start 100 30
tui_keys 5
expect_screen "5 opens the agencies view" "mailnoc | Agencies" 10
tui_keys / "$A" Enter
wait_for "$A " 10
expect_screen "no bulk job announced yet" "no bulk job announced" 10

tui_keys : "bulk announce $A --start now --end +1h --rcpts 3000 --jobs 3 --note e2e" Enter
expect_screen "the prompt's announcement is asked on the status line" \
	"announce a bulk job for $A: 3000 recipients in 3 jobs 10m apart" 5
tui_keys y Enter
id=""
for i in $(seq 50); do
	id=$(rc zrange mailnoc:bulks 0 -1 | while read -r b; do
		[ "$(rc hget "mailnoc:bulk:$b" agency)" = "$A" ] && echo "$b"
	done | tail -1)
	[ -n "$id" ] && break
	sleep 0.2
done
check "the yes announced it in Redis" test -n "$id"
start=$(rc hget "mailnoc:bulk:$id" start)
next=$(date -d "@$((start + 600))" '+%H:%M:%S %Z')
expect_screen "the agencies view shows the active job and its progress" \
	"announced bulk job $id: 0 of 3000 rcpts sent, 1 of 3 jobs due, next job from $next" 15
# What the gateways' policy script counts as the job's mail goes through.
rc hincrby "mailnoc:vol:bulk:$id" rcpts 1000 >/dev/null
expect_screen "the recipients sent follow the gateways' count" \
	"announced bulk job $id: 1000 of 3000 rcpts sent" 15
tui_keys q
expect_screen "q quits" "EXITED 0" 15
out=$("$MAILNOC_BIN/mailnoc" bulk list)
expect_contains "bulk list shows it with its author and note" "e2e" \
	"$(echo "$out" | grep "^ *$id ")"
finish
