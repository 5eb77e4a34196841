#!/bin/sh
# The trace view (W) against the lab: gw1's agent keeps its message index
# while a message goes to the accepting provider (delivered) and one to the
# dead one (deferred, still queued); W opens the view with the query prompt,
# the trace runs as a job (the sanitizer build aborts on SSH from the UI
# thread), gw1's messages come in with their final states while gw2 is
# still asked (its answer is made 8 s late), then gw2, which has no index,
# is shown failed with its one-line cause; Enter opens a
# message's timeline (received, each attempt, where it is now) with its raw
# lines from gw1's mail log (trace --log, a job); J from the
# deferred one's timeline shows it in the queues view filtered to its ID;
# J on the delivered one says it is no longer queued. At 100x30.
. "$(dirname "$0")/lib.sh"
lab_env
LABT=$ROOT/tests/lab
TMP=$(mktemp -d /tmp/mailnoc-t-trace-view.XXXXXX)
chmod 755 "$TMP"
LOG=$LAB/gw1/maillog
Q=$LAB/gw1/etc
SSHUSER=$(jq -r .ssh.user "$MAILNOC_CONFIG")
TAG=tv$$

stop_agent() {
	pid=$(cat "$TMP/pid" 2>/dev/null)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
	rm -f "$TMP/pid"
}
cleanup() {
	tui_stop
	stop_agent
	# The test's messages still queued go: no retry of theirs writes to
	# the log while the next test counts it.
	postqueue -c "$Q" -j 2>/dev/null | jq -r --arg s "$TAG@agency.test" \
		'select(.sender == $s) | .queue_id' |
		postsuper -c "$Q" -d - >/dev/null 2>&1
	[ -n "$GW1_RAN" ] && "$AGENTS" start gw1 >/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# gw1's agent with its index in $TMP, readable by the SSH user's group
# (as t_trace.sh); the console's configuration names it, gw2's (none)
# and the agent binary that answers the query.
# (Started once for its configuration file; running again at the end if
# it ran before.)
GW1_RAN=
"$AGENTS" status gw1 >/dev/null 2>&1 && GW1_RAN=1
"$AGENTS" start gw1 >/dev/null || { not_ok "gw1's agent starts"; finish; exit 1; }
"$AGENTS" stop gw1 >/dev/null
mkdir -p "$TMP/state" "$TMP/gw2"
chmod 755 "$TMP/state"
IDX=$TMP/state/index-gw1.db
jq --arg log "$LOG" --arg st "$TMP/state" --arg idx "$IDX" --arg g "$SSHUSER" '
	.nodes |= map(if .name == "gw1" then .maillog = { file: $log,
		state_dir: $st, batch_ms: 100, index: $idx, index_group: $g }
		else . end)' "$LAB/agents/gw1.json" > "$TMP/gw1.json"
# gw2 answers 8 s late: gw1's answer must show before it (streaming).
printf '#!/bin/sh\ncase " $* " in *" --node gw2 "*) sleep 8 ;; esac\nexec "%s" "$@"\n' \
	"$B/mailnocd" > "$TMP/mailnocd"
chmod 755 "$TMP/mailnocd"
jq --arg idx "$IDX" --arg idx2 "$TMP/gw2/index-gw2.db" --arg bin "$TMP/mailnocd" '
	.nodes |= map(if .name == "gw1" then .maillog.index = $idx
		elif .name == "gw2" then .maillog.index = $idx2 else . end)
	| .maillog.mailnocd = $bin' "$MAILNOC_CONFIG" > "$TMP/console.json"
setsid "$B/mailnocd" --config "$TMP/gw1.json" --node gw1 --interval 2 \
	--log "$TMP/agent.log" </dev/null >>"$TMP/agent.log" 2>&1 &
echo $! > "$TMP/pid"
wait_until 20 test -s "$IDX" || { not_ok "the agent makes its index"; cat "$TMP/agent.log"; finish; exit 1; }

send() {
	"$LABT/traffic" --gw gw1 --from-ip 127.0.0.1 --sender "$TAG@agency.test" \
		--to "$1" --ids 2>/dev/null | tail -n 1
}
removed() { grep -aq " $1: removed" "$LOG"; }
attempted() { grep -aq " $1: to=<" "$LOG"; }
D=$(send u1@dead.test)
A=$(send u1@accept.test)
case "$D$A" in *[!0-9A-Fa-z]*|"") not_ok "the lab queued the messages ($D $A)"; finish; exit 1 ;; esac
wait_until 60 removed "$A" && wait_until 60 attempted "$D" ||
	not_ok "the lab delivered one and deferred the other"
# Both in the index, as the batch command sees them.
indexed() {
	[ "$("$B/mailnoc" --config "$TMP/console.json" trace --node gw1 \
		--from "$TAG@agency.test" --since 1h --json 2>/dev/null |
		jq -r 'select(.qid) | .state' | sort | tr '\n' ' ')" = \
		"deferred delivered " ]
}
check "the index has both (batch trace)" wait_until 30 indexed
# The raw lines the timeline shows: batch mode's trace --log, the same path.
out=$("$B/mailnoc" --config "$TMP/console.json" trace --node gw1 --id "$D" \
	--since 1h --log 2>&1)
expect_eq "trace --log: every line of $D in gw1's log, as grep finds them" \
	"$(grep -a " $D: " "$LOG")" "$out"
out=$("$B/mailnoc" --config "$TMP/console.json" trace --id "$D" --log 2>&1)
expect_eq "trace --log without --node is refused (exit 2)" 2 "$?"
expect_contains "... saying what it needs" "give --id QUEUEID and --node" "$out"

MAILNOC_CONFIG=$TMP/console.json
tui_start 100 30
expect_screen "the console starts" "mailnoc |" 15
tui_keys W
expect_screen "W opens the trace view" "| Trace" 5
expect_screen "... with the query prompt, 'trace ' typed" ":trace" 5
tui_keys -l -- "--from $TAG@agency.test --since 1h"
tui_keys Enter
expect_screen "gw1's two messages come in" "gw1: 2 (" 20
expect_screen "... while gw2 is still asked" "gw2: still asking" 1
expect_screen "... and gw1's messages are listed already" "u1@dead.test" 1
expect_screen "gw2 without an index: failed, its cause on a line" \
	"gw2 failed: cannot open the message index" 20
expect_screen "... naming the file" "$TMP/gw2/index-gw2.db" 5
# The index was made by this test: the hour asked begins before it.
expect_screen "gw1's note: the period begins before its index" \
	"gw1: note: the message index of gw1 begins at" 5
expect_screen "the header counts the messages" \
	"trace --from $TAG@agency.test --since 1h: 2 messages" 10
# row ADDRESS: the list's row of the message to ADDRESS, blanks squeezed.
row() { tui_screen | grep -F " $1 " | tr -s ' '; }
expect_contains "the delivered one, its recipient and state" \
	"gw1 $TAG@agency.test u1@accept.test delivered 127.0.0.1[127.0." \
	"$(row u1@accept.test)"
expect_contains "the deferred one, with its last relay, dsn and reason" \
	"gw1 $TAG@agency.test u1@dead.test deferred none 4.4.1 conn" \
	"$(row u1@dead.test)"
expect_screen "the key bar teaches the view's keys" "Enter timeline" 5

# The deferred one's timeline.
tui_keys / "dead.test" Enter
wait_gone "u1@accept.test" 5
tui_keys Enter
expect_screen "Enter opens the timeline: the gateway and queue ID" "gw1 $D: deferred, still queued" 5
expect_screen "... received from the client" "received from unknown[127.0.0.1]" 5
expect_screen "... the sender and the queue ID" "sender $TAG@agency.test, queue ID $D" 5
expect_screen "... the attempt" "deferred  to u1@dead.test via none, dsn 4.4.1" 5
expect_screen "... its reason on the line after" "Connection refused" 5
expect_screen "... where it is now" "now: deferred (still in the gateway's queue)" 5
expect_screen "... and J is offered" "J: in the queues view" 5
expect_screen "... the raw log lines behind it, read from gw1's log (a job)" \
	"its lines in gw1's mail log (" 20
expect_screen "... the client's line" "$D: client=unknown[127.0.0.1]" 5
expect_screen "... the attempt's line" "$D: to=<u1@dead.test>, relay=none" 5
tui_keys y
expect_screen "y copies its NODE:ID" "copied gw1:$D to the clipboard" 5
tui_keys J
expect_screen "J opens the queues view" "| Queues" 10
expect_screen "... filtered to the message" "filter: node:gw1 id:$D" 5
expect_screen "... which is listed" "$D" 20
expect_eq "only that message is listed" 1 \
	"$(tui_screen | grep -c "^gw1 .*$D")"

# The delivered one: its timeline says so, J says it is no longer queued.
tui_keys W
expect_screen "W goes back to the trace as it was left" "gw1 $D: deferred" 5
tui_keys Escape
expect_screen "Esc: the list, every message (the filter went with the view)" \
	"2 messages" 5
tui_keys / "accept.test" Enter
wait_gone "u1@dead.test" 5
tui_keys Enter
expect_screen "the delivered one's timeline: sent" "sent      to u1@accept.test" 5
expect_screen "... now delivered" "now: delivered" 5
expect_screen "... its raw line says sent" "$A: to=<u1@accept.test>," 20
expect_screen "... status=sent" "status=sent (250" 5
expect_screen "... and the queue manager removed it" "$A: removed" 5
tui_keys J
expect_screen "J on a delivered message says why it does nothing" \
	"gw1:$A is delivered: no longer in a queue" 5
tui_keys Escape
expect_screen "Esc goes back to the list" "Enter: its timeline" 5
tui_keys q
expect_screen "q quits" "EXITED 0" 20
finish
