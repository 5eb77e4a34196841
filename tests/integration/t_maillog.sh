#!/bin/sh
# mailnocd's mail log follower against the lab: real traffic through gw1
# (tests/lab/mixed, tests/lab/harvest), its counters in Redis against what
# was sent and against pflogsumm (tests/lab/logtotals) on the same bytes;
# rotation by rename (postfix logrotate) and by copytruncate; a restart
# (SIGTERM and SIGKILL) resumes without counting a line twice; bad input
# (garbage, other programs, a binary blob, the log replaced by a directory)
# is skipped with a warning while the policy service keeps answering.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Runs gw1's agent itself (with a "maillog" section) and stops it at the end.
. "$(dirname "$0")/../lib.sh"
B=$MAILNOC_BIN
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$(dirname "$MAILNOC_CONFIG")
MAILNOC_LAB_DIR=$LAB
export MAILNOC_LAB_DIR
AGENTS=$ROOT/tests/lab/agents
LABT=$ROOT/tests/lab
TMP=$(mktemp -d /tmp/mailnoc-t-maillog.XXXXXX)
LOG=$LAB/gw1/maillog
ALOG=$TMP/agent.log

redis_env

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
agent_pid() { cat "$TMP/pid" 2>/dev/null; }
stop_agent() {   # [SIGNAL]
	pid=$(agent_pid)
	[ -n "$pid" ] || return 0
	kill "-${1:-TERM}" "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1; i=$((i + 1))
	done
	rm -f "$TMP/pid"
}
# The harvest and block events this test makes are removed at the end.
EV_AFTER=$(rcli --json XREVRANGE "${P}events" + - COUNT 1 | jq -r '.[0][0] // empty')
EV_AFTER=${EV_AFTER:+"($EV_AFTER"}
EV_AFTER=${EV_AFTER:--}
cleanup() {
	stop_agent
	for id in $(rcli --json XRANGE "${P}events" "$EV_AFTER" + | jq -r '.[][0]'); do
		rcli XDEL "${P}events" "$id" >/dev/null
	done
	[ -d "$LOG" ] && rmdir "$LOG"
	[ -f "$TMP/maillog.saved" ] && [ ! -e "$LOG" ] && mv "$TMP/maillog.saved" "$LOG"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# gw1's agent configuration from tests/lab/agents (its own ACL user), with
# the follower on: quick batches, warnings every 2 s, Yahoo as a group.
"$AGENTS" start gw1 >/dev/null || { not_ok "gw1's agent starts"; finish; exit 1; }
"$AGENTS" stop gw1 >/dev/null
jq --arg log "$LOG" --arg st "$TMP/state" '
	.nodes |= map(if .name == "gw1" then .maillog = { file: $log,
		state_dir: $st, batch_ms: 100, warn_interval_s: 2 } else . end)
	| .maillog = { providers: { Yahoo: [ "yahoo.test" ] },
		harvest: { threshold: 20, window_s: 300 } }' \
	"$LAB/agents/gw1.json" > "$TMP/gw1.json"
mkdir -p "$TMP/state"
POLICY_PORT=$(jq -r '.nodes[] | select(.name == "gw1") | .policy.listen[0]' \
	"$TMP/gw1.json" | sed 's/.*://')

start_agent() {
	n0=$(cat "$ALOG" 2>/dev/null | wc -l)
	setsid "$B/mailnocd" --config "$TMP/gw1.json" --node gw1 --interval 2 \
		--log "$ALOG" </dev/null >>"$ALOG" 2>&1 &
	echo $! > "$TMP/pid"
	i=0
	until tail -n +$((n0 + 1)) "$ALOG" 2>/dev/null | grep -q "maillog: " && \
		port_open "$POLICY_PORT" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { not_ok "the agent starts (see $ALOG)"; return 1; }
		sleep 0.1
	done
}

# tot METRIC: gw1's total of today and yesterday (log:t:d).
day=$(( $(date +%s) / 86400 ))
sumf() {   # SCOPE FIELD
	a=$(rcli HGET "${P}log:$1:d:$day" "$2")
	b=$(rcli HGET "${P}log:$1:d:$((day - 1))" "$2")
	echo $(( ${a:-0} + ${b:-0} ))
}
tot() { sumf t "gw1|$1"; }
# settled: the follower has written up to the log's end (or 20 s passed).
settled() {
	i=0
	# 60 s: after a logrotate the new file appears only with the next
	# line Postfix writes, and the lab's mail waits for its milter.
	while [ $i -lt 600 ]; do
		size=$(stat -c %s "$LOG" 2>/dev/null)
		off=$(rcli HGET "${P}log:pos:gw1" offset)
		ino=$(rcli HGET "${P}log:pos:gw1" ino)
		[ "$off" = "$size" ] && [ "$ino" = "$(stat -c %i "$LOG")" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# snap: the totals now, as shell variables t_METRIC.
METRICS="received delivered deferred deferrals bounced rejected"
snap() { for m in $METRICS; do eval "t_$m=$(tot "$m")"; done; }

# Nothing of an earlier run: the follower starts at the log's end.
rcli DEL "${P}log:pos:gw1" "${P}suspect:127.0.3.77" >/dev/null
rcli ZREM "${P}suspects" 127.0.3.77 >/dev/null
start_agent || { finish; exit 1; }
expect_contains "a first start follows from the end" "from its end" "$(cat "$ALOG")"

# --- 1. the mix, counted, and pflogsumm's figures on the same bytes
snap
base_lab_acc=$(sumf a "lab|accept.test|delivered")
base_lab_inv=$(sumf a "lab|bouncy.test|invalid")
base_y=$(sumf p "@Yahoo|def_throttle")
base_h=$(sumf c "127.0.3.66|rej_unknown")
base_r=$(sumf c "127.0.1.254|rej_policy")
"$LABT/mixed" --gw gw1 --wait > "$TMP/mix" 2>"$TMP/mix.err"
expect_eq "the mix went through" 0 "$?"
mark=$(sed -n 's/^log_from_byte=//p' "$TMP/mix")
check "the follower writes up to the log's end" settled
"$LABT/logtotals" gw1 --from-byte "$mark" > "$TMP/pfl"
for m in $METRICS; do
	want=$(sed -n "s/^$m=//p" "$TMP/pfl")
	eval "before=\$t_$m"
	expect_eq "$m equals pflogsumm's ($want)" "$want" $(( $(tot "$m") - before ))
	exp=$(sed -n "s/^expect_$m=//p" "$TMP/mix")
	[ -n "$exp" ] && expect_eq "$m equals what was sent ($exp)" "$exp" \
		$(( $(tot "$m") - before ))
done
acc=$(sed -n 's/^accepted=//p' "$TMP/mix")
thr=$(sed -n 's/^throttled=//p' "$TMP/mix")
unk=$(sed -n 's/^unknown_rcpts=//p' "$TMP/mix")
rej=$(sed -n 's/^rejected_clients=//p' "$TMP/mix")
bnc=$(( $(sed -n 's/^bounced_rcpt=//p' "$TMP/mix") + $(sed -n 's/^bounced_data=//p' "$TMP/mix") ))
expect_eq "agency lab: delivered to accept.test" "$acc" \
	$(( $(sumf a "lab|accept.test|delivered") - base_lab_acc ))
expect_eq "agency lab: invalid addresses (5.1.x) at bouncy.test" "$bnc" \
	$(( $(sumf a "lab|bouncy.test|invalid") - base_lab_inv ))
expect_eq "provider group Yahoo: deferred, throttling class" "$thr" \
	$(( $(sumf p "@Yahoo|def_throttle") - base_y ))
expect_eq "client 127.0.3.66: unknown-recipient rejects" "$unk" \
	$(( $(sumf c "127.0.3.66|rej_unknown") - base_h ))
expect_eq "client 127.0.1.254: policy rejects" "$rej" \
	$(( $(sumf c "127.0.1.254|rej_policy") - base_r ))
minute_keys=$(rcli --scan --pattern "${P}log:t:m:*" | head -1)
check "minute keys expire (48 h)" test "$(rcli TTL "$minute_keys")" -gt 0
check "the agency's delay histogram and sum are kept" \
	test "$(sumf p "accept.test|delay_ms")" -ge 0

# --- 2. a directory harvest: a suspect and an event
ev_before=$(rcli XLEN "${P}events")
"$LABT/harvest" --gw gw1 --from-ip 127.0.3.77 -n 25 >/dev/null 2>&1
check "the follower read the harvest" settled
expect_eq "127.0.3.77 is a harvest suspect" 1 \
	"$(rcli EXISTS "${P}suspect:127.0.3.77")"
check "with its unknown recipients counted (>= 20)" \
	test "$(rcli HGET "${P}suspect:127.0.3.77" count)" -ge 20
check "first and last seen, sample addresses" \
	test -n "$(rcli HGET "${P}suspect:127.0.3.77" sample1)" -a \
	"$(rcli HGET "${P}suspect:127.0.3.77" first_seen)" -le \
	"$(rcli HGET "${P}suspect:127.0.3.77" last_seen)"
check "listed in suspects" test -n "$(rcli ZSCORE "${P}suspects" 127.0.3.77)"
expect_contains "an event says so" "127.0.3.77: 20 unknown recipients" \
	"$(rcli XREVRANGE "${P}events" + - COUNT 5)"
check "one event, not one per reject" \
	test "$(rcli XLEN "${P}events")" -eq $((ev_before + 1))
check "it is not blocked (auto_block is off)" \
	test "$(rcli EXISTS "${P}block:127.0.3.77")" -eq 0

# --- 3. rotation by rename: postfix logrotate (renamed, then gzipped)
snap
postfix -c "$LAB/gw1/etc" logrotate >/dev/null 2>&1
"$LABT/mixed" --gw gw1 --wait --accepted 3 --inbound 0 --throttled 0 \
	--dead 0 --bounced-rcpt 0 --bounced-data 0 --rejected 0 --unknown 0 \
	>/dev/null 2>&1
check "after a rename, the new file is followed" settled
expect_eq "delivered after the rename" 3 $(( $(tot delivered) - t_delivered ))
expect_eq "received after the rename" 3 $(( $(tot received) - t_received ))
expect_contains "the rotation is logged" "was rotated" "$(cat "$ALOG")"

# --- 4. copytruncate
snap
cp "$LOG" "$TMP/copy"
: > "$LOG"
"$LABT/mixed" --gw gw1 --wait --accepted 4 --inbound 0 --throttled 0 \
	--dead 0 --bounced-rcpt 0 --bounced-data 0 --rejected 0 --unknown 0 \
	>/dev/null 2>&1
check "after copytruncate, the file is read from its start" settled
expect_eq "delivered after copytruncate" 4 $(( $(tot delivered) - t_delivered ))
expect_contains "the truncation is logged" "copytruncate" "$(cat "$ALOG")"

# --- 5. restarts: lines written while stopped are counted once
snap
stop_agent TERM
"$LABT/mixed" --gw gw1 --wait --accepted 2 --inbound 0 --throttled 0 \
	--dead 0 --bounced-rcpt 0 --bounced-data 0 --rejected 0 --unknown 0 \
	>/dev/null 2>&1
start_agent
check "after a restart, the follower catches up" settled
expect_contains "it resumes where it stopped" "where the last run stopped" \
	"$(cat "$ALOG")"
expect_eq "mail sent while stopped is counted once" 2 \
	$(( $(tot delivered) - t_delivered ))
snap
"$LABT/mixed" --gw gw1 --wait --accepted 2 --inbound 0 --throttled 0 \
	--dead 0 --bounced-rcpt 0 --bounced-data 0 --rejected 0 --unknown 0 \
	>/dev/null 2>&1
settled
stop_agent KILL
start_agent
sleep 1
settled
expect_eq "a SIGKILL and a restart count nothing twice" 2 \
	$(( $(tot delivered) - t_delivered ))

# --- 6. bad input: skipped and warned about; the policy service answers
snap
{
	echo "garbage that is no log line"
	echo "Dec 05 00:00:00 gw1 sshd[77]: Accepted publickey for root"
	echo "Dec 05 00:00:00 gw1 postfix-gw1/smtp[1]: 76C39A731A6: to=<cut@x"
	head -c 20000 /dev/urandom | tr '\n' 'x'
	echo
} >> "$LOG"
"$LABT/mixed" --gw gw1 --wait --accepted 2 --inbound 0 --throttled 0 \
	--dead 0 --bounced-rcpt 0 --bounced-data 0 --rejected 0 --unknown 0 \
	>/dev/null 2>&1
expect_eq "mail still passes the policy service" 0 "$?"
check "the follower goes on past bad lines" settled
expect_eq "and counts what follows them" 2 $(( $(tot delivered) - t_delivered ))
sleep 2.5
"$LABT/traffic" --gw gw1 -n 1 -q >/dev/null 2>&1
settled
a=$(cat "$ALOG")
expect_contains "a warning for malformed lines" "malformed or cut Postfix lines skipped" "$a"
expect_contains "a warning for other programs' lines" "lines of other programs" "$a"
expect_contains "a warning for a binary blob" "longer than 8192 bytes" "$a"
check "one warning per cause and interval" \
	test "$(grep -c 'longer than 8192' "$ALOG")" -eq 1
check "the agent is alive" kill -0 "$(agent_pid)"

# The log replaced by a directory at start: warned, retried, then read.
stop_agent TERM
mv "$LOG" "$TMP/maillog.saved"
mkdir "$LOG"
start_agent
sleep 1
expect_contains "a directory is not followed" "not a regular file" "$(cat "$ALOG")"
check "the agent stays up" kill -0 "$(agent_pid)"
check "its policy service answers" port_open "$POLICY_PORT"
rmdir "$LOG"
mv "$TMP/maillog.saved" "$LOG"
snap
"$LABT/mixed" --gw gw1 --wait --accepted 1 --inbound 0 --throttled 0 \
	--dead 0 --bounced-rcpt 0 --bounced-data 0 --rejected 0 --unknown 0 \
	>/dev/null 2>&1
check "once the file is back, it is followed again" settled
expect_eq "from where it stopped" 1 $(( $(tot delivered) - t_delivered ))

# --- 7. a backlog of 300,000 lines: the policy service keeps answering
awk -v n=1300 '{ l[NR] = $0 } END { for (i = 0; i < n; i++) for (j = 1; j <= NR; j++) print l[j] }' \
	"$ROOT/tests/bench/data/maillog-lab" >> "$LOG"
answered=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	a=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$POLICY_PORT"'
		printf "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=127.0.0.1\nrecipient=u@accept.test\n\n" >&3
		read -r l <&3; echo "$l"' 2>/dev/null)
	case "$a" in action=*) answered=$((answered + 1)) ;; esac
done
expect_eq "the policy service answers while the backlog is read" 10 "$answered"
check "the follower reads the backlog to its end" settled

# --- 8. retention in the heartbeat
sleep 2.5
check "the heartbeat says the oldest kept log's age" \
	test "$(rcli HGET "${P}node:gw1" log_age)" -ge 0
check "no NOPERM in the agent's log (the ACL allows its writes)" \
	sh -c "! grep -q NOPERM '$ALOG'"

# --- 9. maillog.harvest.auto_block: the agent blocks the suspect itself
# (a user with the console's block write: the lab's ACL is generated
# without --auto-block, so the console's own user here).
stop_agent TERM
jq --arg u "$REDIS_USER" --arg f "$REDIS_PASS_FILE" '
	.redis.user = $u | .redis.password_file = $f
	| .maillog.harvest.auto_block = true | .maillog.harvest.block_s = 600' \
	"$TMP/gw1.json" > "$TMP/gw1-auto.json"
mv "$TMP/gw1-auto.json" "$TMP/gw1.json"
HIP=127.0.3.78
rcli DEL "${P}block:$HIP" "${P}suspect:$HIP" >/dev/null
rcli ZREM "${P}blocks" "$HIP" >/dev/null
start_agent
"$LABT/harvest" --gw gw1 --from-ip "$HIP" -n 25 >/dev/null 2>&1
settled
i=0
until [ "$(rcli EXISTS "${P}block:$HIP")" = 1 ] || [ $i -ge 50 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "the suspect is blocked" 1 "$(rcli EXISTS "${P}block:$HIP")"
expect_eq "by the agent" "mailnocd@gw1" "$(rcli HGET "${P}block:$HIP" who)"
expect_contains "and the reason says so" "automatic block: directory harvest suspect" \
	"$(rcli HGET "${P}block:$HIP" reason)"
check "for block_s (600 s)" test "$(rcli TTL "${P}block:$HIP")" -gt 500
check "indexed in blocks" test -n "$(rcli ZSCORE "${P}blocks" "$HIP")"
out=$("$LABT/traffic" --gw gw1 --from-ip "$HIP" -n 1 2>&1)
expect_contains "the policy service refuses it" "$HIP is blocked" "$out"
rcli DEL "${P}block:$HIP" "${P}suspect:$HIP" >/dev/null
rcli ZREM "${P}blocks" "$HIP" >/dev/null
rcli ZREM "${P}suspects" "$HIP" 127.0.3.77 >/dev/null

finish
