#!/bin/sh
# mailnoc trace against the lab: gw1's agent keeps its message index while
# real traffic goes to the accepting, throttling, dead and bouncing
# providers and to the inbound domain; `mailnoc trace --to` over SSH finds
# each message with the final state and relay the log says (and postqueue
# -j for those still queued); hold, release and delivery are three steps;
# a log rotation during traces loses nothing; --from-logs (gzip-rotated
# files included) gives the same answer; a missing or corrupt index on gw2
# is one line naming the node and the file, gw1's answer still shown.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Runs gw1's agent itself and stops it at the end.
. "$(dirname "$0")/../lib.sh"
lab_env
LABT=$ROOT/tests/lab
TMP=$(mktemp -d /tmp/mailnoc-t-trace.XXXXXX)
# The SSH user reads the index through the group: the path must be open.
chmod 755 "$TMP"
LOG=$LAB/gw1/maillog
Q=$LAB/gw1/etc
ALOG=$TMP/agent.log
SSHUSER=$(jq -r .ssh.user "$MAILNOC_CONFIG")
TAG=tr$$
SINK_PID=

agent_pid() { cat "$TMP/pid" 2>/dev/null; }
stop_agent() {
	pid=$(agent_pid)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
	rm -f "$TMP/pid"
}
cleanup() {
	stop_agent
	# The test's messages still queued (deferred) go: no retry of theirs
	# writes to the log while the next test counts it.
	postqueue -c "$Q" -j 2>/dev/null | jq -r --arg s "$TAG@agency.test" \
		'select(.sender == $s) | .queue_id' |
		postsuper -c "$Q" -d - >/dev/null 2>&1
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# gw1's agent: the lab's configuration with the index in $TMP, readable by
# the SSH user's group.
"$AGENTS" start gw1 >/dev/null || { not_ok "gw1's agent starts"; finish; exit 1; }
"$AGENTS" stop gw1 >/dev/null
mkdir -p "$TMP/state" "$TMP/gw2"
chmod 755 "$TMP/state"
IDX=$TMP/state/index-gw1.db
jq --arg log "$LOG" --arg st "$TMP/state" --arg idx "$IDX" --arg g "$SSHUSER" '
	.nodes |= map(if .name == "gw1" then .maillog = { file: $log,
		state_dir: $st, batch_ms: 100, index: $idx, index_group: $g }
		else . end)' "$LAB/agents/gw1.json" > "$TMP/gw1.json"
# The console's: where gw1's index is, gw2's (none yet) and the agent.
jq --arg idx "$IDX" --arg idx2 "$TMP/gw2/index-gw2.db" --arg bin "$B/mailnocd" '
	.nodes |= map(if .name == "gw1" then .maillog.index = $idx
		elif .name == "gw2" then .maillog.index = $idx2 else . end)
	| .maillog.mailnocd = $bin' "$MAILNOC_CONFIG" > "$TMP/console.json"
C=$TMP/console.json

setsid "$B/mailnocd" --config "$TMP/gw1.json" --node gw1 --interval 2 \
	--log "$ALOG" </dev/null >>"$ALOG" 2>&1 &
echo $! > "$TMP/pid"
wait_until 20 test -s "$IDX" || { not_ok "the agent makes its index (see $ALOG)"; cat "$ALOG"; finish; exit 1; }
ok "the agent makes its index"
expect_eq "the index is mode 0640, group $SSHUSER" "640 $SSHUSER" \
	"$(stat -c '%a %G' "$IDX")"

trace() { "$B/mailnoc" --config "$C" trace "$@"; }
# send DOMAIN-OR-ADDRESS: one message from the test's sender; prints its ID.
send() {
	"$LABT/traffic" --gw gw1 --from-ip 127.0.0.1 --sender "$TAG@agency.test" \
		--to "$1" --ids 2>/dev/null | tail -n 1
}
# log_final QID: "status relay" of the message's last delivery line.
log_final() {
	grep -ah " $1: to=<" "$LOG" | tail -n 1 |
		sed -n 's/.* relay=\([^,]*\), .* status=\([a-z]*\).*/\2 \1/p'
}
# traced ADDR QID: "state relay" of the message in `mailnoc trace --to`.
traced() {
	trace --node gw1 --to "$1" --since 1h --limit 1000 --json 2>/dev/null |
		jq -r --arg q "$2" 'select(.qid == $q) |
			"\(.state) \([.steps[] | select(.to)] | last | .relay // "-")"' |
		head -n 1
}
removed() { grep -aq " $1: removed" "$LOG"; }
attempted() { grep -aq " $1: to=<" "$LOG"; }

# --- 1. each provider: final state and relay as the log says
A=$(send u1@accept.test)
Y=$(send u1@yahoo.test)
D=$(send u1@dead.test)
X=$(send nouser1@bouncy.test)
I=$(send alice@inbound.test)
for q in "$A" "$Y" "$D" "$X" "$I"; do
	case "$q" in [0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]*) ;;
	*) not_ok "the lab queued the test's messages ($q)"; finish; exit 1 ;;
	esac
done
wait_until 60 removed "$A" && wait_until 60 removed "$X" &&
	wait_until 60 removed "$I" && wait_until 60 attempted "$Y" &&
	wait_until 60 attempted "$D" ||
	not_ok "the lab delivered, bounced and deferred the messages"
for pair in "$A:u1@accept.test:delivered" "$Y:u1@yahoo.test:deferred" \
    "$D:u1@dead.test:deferred" "$X:nouser1@bouncy.test:bounced" \
    "$I:alice@inbound.test:delivered"; do
	q=${pair%%:*}; rest=${pair#*:}; addr=${rest%%:*}; want=${rest#*:}
	set -- $(log_final "$q")
	lstatus=$1 lrelay=$2
	case "$lstatus" in sent) lstate=delivered ;; *) lstate=$lstatus ;; esac
	expect_eq "the log says $addr is $want" "$want" "$lstate"
	got=
	wait_until 20 sh -c '[ -n "$1" ]' - "$(traced "$addr" "$q")" || true
	for i in 1 2 3 4 5 6 7 8 9 10; do
		got=$(traced "$addr" "$q")
		[ "$got" = "$lstate $lrelay" ] && break
		sleep 1
	done
	expect_eq "trace --to $addr: $q $lstate via $lrelay (as the log)" \
		"$lstate $lrelay" "$got"
done
# Still queued: postqueue -j agrees.
for q in "$Y" "$D"; do
	expect_eq "postqueue -j has $q deferred too" deferred \
		"$(postqueue -c "$Q" -j | jq -r --arg q "$q" 'select(.queue_id == $q) | .queue_name')"
done
out=$(trace --to "@ACCEPT.test" --from "$TAG@agency.test" --since 1h 2>/dev/null)
expect_contains "a domain, any case, with the sender: the table" "$A" "$out"
expect_contains "the table says delivered" "delivered" "$out"
out=$(trace --node gw1 --from "${TAG}*" --since 1h --json 2>/dev/null |
	jq -r 'select(.qid) | .qid' | sort | tr '\n' ' ')
expect_eq "a sender prefix finds the five" \
	"$(printf '%s\n' "$A" "$Y" "$D" "$X" "$I" | sort | tr '\n' ' ')" "$out"
out=$(trace --node gw1 --from "${TAG}%*" --since 1h --json 2>/dev/null |
	jq -r 'select(.qid) | .qid' | wc -l)
expect_eq "a '%' in a prefix is a character, not a wildcard" 0 "$out"
out=$(trace --node gw1 --to "u1@accept.test' OR 1=1 --" 2>&1)
expect_eq "an address with spaces is refused (exit 2)" 2 "$?"
expect_contains "saying what is accepted" "bad address" "$out"
out=$(trace --node gw1 --to "x'y@accept.test" --json 2>&1)
expect_eq "an address with a quote is a value: no match, no error" "" "$out"

# --- 2. held, released, delivered: the three steps
H=$(send u2@dead.test)
wait_until 60 attempted "$H" || not_ok "the message to dead.test was tried"
postsuper -c "$Q" -h "$H" >/dev/null 2>&1
wait_until 10 grep -aq " $H: placed on hold" "$LOG" || not_ok "postsuper held $H"
postsuper -c "$Q" -H "$H" >/dev/null 2>&1
wait_until 10 grep -aq " $H: released from hold" "$LOG" || not_ok "postsuper released $H"
# The dead provider comes to life for this one message.
smtp-sink -u nobody -h mx.dead.test "127.0.0.1:$LAB_DEAD_PORT" 20 \
	</dev/null >/dev/null 2>&1 &
SINK_PID=$!
wait_until 10 port_up "$LAB_DEAD_PORT" || not_ok "a sink listens on the dead port"
postqueue -c "$Q" -i "$H" >/dev/null 2>&1
wait_until 60 removed "$H" || { postqueue -c "$Q" -f >/dev/null 2>&1; wait_until 60 removed "$H"; } ||
	not_ok "$H was delivered after its release"
kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; SINK_PID=
steps=
for i in 1 2 3 4 5 6 7 8 9 10; do
	steps=$(trace --node gw1 --id "$H" --json 2>/dev/null |
		jq -r '"\(.state): \([.steps[].step] | join(" "))"')
	case "$steps" in delivered:*) break ;; esac
	sleep 1
done
expect_eq "hold, release, delivery: the steps in order" \
	"delivered: deferred held released sent" "$steps"

# --- 3. a rotation while messages come and traces run loses nothing
"$LABT/traffic" --gw gw1 --from-ip 127.0.0.1 --sender "rot$TAG@agency.test" \
	--to u1@accept.test -n 30 --per-conn 1 --ids > "$TMP/rot.ids" 2>/dev/null &
TP=$!
fails=0
for i in 1 2 3 4 5 6; do
	[ $i = 3 ] && postfix -c "$Q" logrotate >/dev/null 2>&1
	trace --node gw1 --from "rot$TAG@agency.test" --json >/dev/null 2>&1 ||
		fails=$((fails + 1))
	sleep 0.3
done
wait "$TP"
expect_eq "every trace during the rotation answered" 0 "$fails"
expect_eq "the 30 messages were queued" 30 "$(grep -c . "$TMP/rot.ids")"
n=0
for i in $(seq 1 40); do
	n=$(trace --node gw1 --from "rot$TAG@agency.test" --status delivered \
		--limit 1000 --json 2>/dev/null | jq -r 'select(.qid) | .qid' | wc -l)
	[ "$n" -ge 30 ] && break
	sleep 0.5
done
expect_eq "all 30 are traced as delivered across the rotation" 30 "$n"
check "the log was rotated (and compressed) meanwhile" \
	sh -c "ls '$LAB/gw1/' | grep -q 'maillog\\..*gz'"
# postfix logrotate leaves the compressed file to root (0600); an
# operator gives the SSH user the logs' group (Debian: adm).
# postlogd makes the new log (0600) with its next line, a retry's maybe:
# made first here, it is appended to as it is.
touch "$LOG"
for f in "$LOG" "$LAB"/gw1/maillog.[0-9]*; do
	chgrp "$SSHUSER" "$f" && chmod g+r "$f"
done
idx=$(trace --node gw1 --from "rot$TAG@agency.test" --limit 1000 --json 2>/dev/null |
	jq -r 'select(.qid) | "\(.qid) \(.state) \(.steps[-1].relay)"' | sort)
logs=$(trace --node gw1 --from "rot$TAG@agency.test" --limit 1000 --from-logs --json 2>"$TMP/err" |
	jq -r 'select(.qid) | "\(.qid) \(.state) \(.steps[-1].relay)"' | sort)
expect_eq "--from-logs (the gzip-rotated file and the new one) answers as the index" \
	"$idx" "$logs"
check "--from-logs found the 30" test "$(echo "$logs" | grep -c delivered)" -eq 30

# --- 4. the period before the index
out=$(trace --node gw1 --to u1@accept.test --since 60d --limit 1)
expect_contains "a period before the index's first record is said" \
	"begins at" "$out"
expect_contains "and --from-logs is offered" "--from-logs" "$out"

# --- 5. gw2 without an index, then with a corrupt one
out=$(trace --to "@accept.test" --from "$TAG@agency.test" --since 1h 2>"$TMP/err")
rc=$?
expect_eq "a gateway without index fails the command (exit 1)" 1 "$rc"
err=$(cat "$TMP/err")
expect_contains "one line names the node and the file" \
	"gw2: cannot open the message index '$TMP/gw2/index-gw2.db'" "$err"
expect_eq "the error is one line" 1 "$(grep -c . "$TMP/err")"
expect_contains "gw1's answer is shown beside it" "$A" "$out"
echo "not a database at all, just text" > "$TMP/gw2/index-gw2.db"
chmod 644 "$TMP/gw2/index-gw2.db"
trace --to "@accept.test" --from "$TAG@agency.test" --since 1h >/dev/null 2>"$TMP/err"
expect_contains "a corrupt index: one line naming the node and the file" \
	"gw2: cannot read the message index '$TMP/gw2/index-gw2.db'" "$(cat "$TMP/err")"
chgrp "$SSHUSER" "$LAB/gw2/maillog"* && chmod g+r "$LAB/gw2/maillog"*
out=$(trace --node gw2 --to "@accept.test" --from-logs --since 1h 2>&1)
expect_eq "--from-logs still works on gw2" 0 "$?"
out=$(trace --from-logs --since 1d 2>&1)
expect_contains "--from-logs without a fixed string is refused" "give --id" "$out"

finish
