#!/bin/sh
# mailnocd's heartbeat against the lab: counts, silence, failover, drain.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents stopped and the role files as it found them.
. "$(dirname "$0")/../lib.sh"
lab_env
INTERVAL=2
MAILNOC_AGENT_INTERVAL=$INTERVAL
export MAILNOC_AGENT_INTERVAL
FAILOVER=$ROOT/tests/lab/failover
TMP=$(mktemp -d /tmp/mailnoc-t-heartbeat.XXXXXX)

redis_env
ROLE_MBX1=$(cat "$LAB/mbx1/role")
ROLE_MBX2=$(cat "$LAB/mbx2/role")

# The events this test makes (failovers, drains) would show the clusters
# FAILED-OVER to the tests that follow for 15 minutes: they are removed.
events_added() {
	rcli --json XRANGE "${P}events" "$EV_AFTER" + | jq -r '.[][0]'
}
cleanup() {
	"$AGENTS" stop >/dev/null 2>&1
	printf '%s\n' "$ROLE_MBX1" > "$LAB/mbx1/role"
	printf '%s\n' "$ROLE_MBX2" > "$LAB/mbx2/role"
	for id in $(events_added); do
		rcli XDEL "${P}events" "$id" >/dev/null
	done
	rm -rf "$TMP"
}
EV_AFTER=$(rcli --json XREVRANGE "${P}events" + - COUNT 1 | jq -r '.[0][0] // empty')
EV_AFTER=${EV_AFTER:+"($EV_AFTER"}
EV_AFTER=${EV_AFTER:--}
trap cleanup EXIT
trap 'exit 1' INT TERM

# node NAME JQ-EXPRESSION: a field of one node from `mailnoc nodes --json`.
node() {
	"$B/mailnoc" nodes --json | jq -r --arg n "$1" ".[] | select(.name == \$n) | $2"
}

cluster_health() {
	"$B/mailnoc" clusters --json | jq -r --arg c "$1" '.[] | select(.name == $c) | .health'
}

# Counts of incoming, active, deferred, hold: as postqueue and the agent see them.
pq_counts() {
	postqueue -c "$LAB/$1/etc" -j | jq -rs '. as $m |
		["incoming", "active", "deferred", "hold"] |
		map(. as $q | $m | map(select(.queue_name == $q)) | length | tostring) |
		join(" ")'
}
hb_counts() {
	node "$1" '[.queues.incoming, .queues.active, .queues.deferred, .queues.hold] |
		map(tostring) | join(" ")'
}
counts_agree() { [ "$(pq_counts "$1")" = "$(hb_counts "$1")" ]; }
queue_settled() {   # nothing in incoming or active on either gateway
	case "$(pq_counts gw1) $(pq_counts gw2)" in
	"0 0 "*" 0 0 "*) return 0 ;;
	esac
	return 1
}
state_is() { [ "$(node "$1" .state)" = "$2" ]; }
alive_is() { [ "$(node "$1" .alive)" = "$2" ]; }

send_mail() {   # GATEWAY DOMAIN COUNT
	if [ -x "$ROOT/tests/lab/traffic" ]; then
		"$ROOT/tests/lab/traffic" --gw "$1" --to-domain "$2" -n "$3" -q
		return
	fi
	s_i=0
	while [ "$s_i" -lt "$3" ]; do
		printf 'Subject: heartbeat test\n\nqueued by t_heartbeat.sh\n' |
			sendmail -C "$LAB/$1/etc" -f app@agency.test "user$s_i@$2"
		s_i=$((s_i + 1))
	done
}

"$AGENTS" stop >/dev/null 2>&1

# --- queue some mail that stays: the throttling provider answers 4xx
check "3 messages to yahoo.test queued on gw1" send_mail gw1 yahoo.test 3
check "1 message to hotmail.test queued on gw1" send_mail gw1 hotmail.test 1
check "2 messages to yahoo.test queued on gw2" send_mail gw2 yahoo.test 2
check "the queued mail is deferred within 30 s" wait_until 30 queue_settled
held=$(postqueue -c "$LAB/gw1/etc" -j | jq -r 'select(.queue_name == "deferred") | .queue_id' | head -n 1)
postsuper -c "$LAB/gw1/etc" -h "$held" 2>/dev/null
check "one gw1 message is on hold" wait_until 10 queue_settled

# --- start one agent per node
out=$("$AGENTS" start 2>&1)
expect_eq "tests/lab/agents start exits 0" 0 "$?"
out=$("$AGENTS" start 2>&1)
expect_contains "starting again is a no-op" "gw1: already running" "$out"
check "tests/lab/agents status: all four run" sh -c "'$AGENTS' status >/dev/null"

for n in gw1 gw2 mbx1 mbx2; do
	expect_eq "$n is alive" true "$(node $n .alive)"
done
expect_eq "gw1 is active" active "$(node gw1 .state)"
expect_eq "gw2 is active" active "$(node gw2 .state)"
expect_eq "mbx1 reports its role file" "$ROLE_MBX1" "$(node mbx1 .state)"
expect_eq "mbx2 reports its role file" "$ROLE_MBX2" "$(node mbx2 .state)"

# --- queue counts equal what postqueue shows
for gw in gw1 gw2; do
	wait_until 10 counts_agree "$gw"
	expect_eq "$gw queue counts match postqueue -j" "$(pq_counts $gw)" "$(hb_counts $gw)"
	expect_eq "$gw corrupt queue is 0" 0 "$(node $gw .queues.corrupt)"
done
check "gw1 shows the deferred and held mail ($(hb_counts gw1))" \
	test "$(node gw1 '.queues.deferred >= 3 and .queues.hold >= 1')" = true
oldest=$(postqueue -c "$LAB/gw1/etc" -j |
	jq -s 'map(select(.queue_name != "hold") | .arrival_time) | min')
want=$(($(date +%s) - oldest))
got=$(node gw1 .oldest_age)
if [ "$got" -ge $((want - INTERVAL - 2)) ] && [ "$got" -le $((want + 2)) ]; then
	ok "gw1 oldest_age is the oldest arrival ($got s)"
else
	not_ok "gw1 oldest_age is the oldest arrival: got $got, want about $want"
fi

# --- the other facts
newest=$(ls "$LAB/mbx1/backup" | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' | sort | tail -n 1)
expect_eq "mbx1 last_backup is the newest backup" "$newest" "$(node mbx1 .last_backup)"
expect_eq "agent version" "mailnocd $(node gw1 .version)" "$("$B/mailnocd" --version)"
expect_eq "gw1 mta_version is Postfix's" "$(postconf -c "$LAB/gw1/etc" -h mail_version)" \
	"$(node gw1 .mta_version)"
expect_contains "mbx1 mta_version is Dovecot's" "$(dovecot --version | cut -d' ' -f1)" \
	"$(node mbx1 .mta_version)"
case "$(node gw1 .disk_pct)" in
[0-9] | [0-9][0-9] | 100) ok "gw1 disk_pct is a percentage" ;;
*) not_ok "gw1 disk_pct is a percentage: $(node gw1 .disk_pct)" ;;
esac
check "load1 is a number" test "$(node mbx2 '.load1 | type')" = number
ttl=$(rcli TTL "${P}node:gw1:alive")
if [ "$ttl" -gt 0 ] && [ "$ttl" -le $((3 * INTERVAL)) ]; then
	ok "the alive key lives three intervals (TTL $ttl)"
else
	not_ok "the alive key lives three intervals: TTL $ttl"
fi
expect_eq "interval is published" "$INTERVAL" "$(rcli HGET "${P}node:gw1" interval)"
check "every node is in the nodes set" test "$(rcli SMEMBERS "${P}nodes" | sort | tr '\n' ' ')" \
	= "gw1 gw2 mbx1 mbx2 "
t1=$(node gw1 .updated_at)
sleep $((INTERVAL + 1))
t2=$(node gw1 .updated_at)
check "the heartbeat repeats (updated_at $t1 -> $t2)" test "$t2" -gt "$t1"

# --- a stopped agent: silent within three intervals, nothing deleted
"$AGENTS" stop gw2 >/dev/null
expect_contains "gw2's agent exits on SIGTERM" "stopping on signal 15" "$(tail -n 1 "$LAB/agents/gw2.log")"
expect_eq "gw2's hash stays" gateway "$(rcli HGET "${P}node:gw2" role)"
check "gw2 is reported not alive within three intervals" wait_until $((3 * INTERVAL + 1)) alive_is gw2 false
expect_eq "gw2 is down" down "$(node gw2 .state)"
expect_eq "gw1 is still alive" true "$(node gw1 .alive)"

# --- drain: the console's flag makes a gateway draining
since=$(date +%s)
rcli HSET "${P}node:gw1" drain 1 >/dev/null
check "gw1 is draining within two intervals" wait_until $((2 * INTERVAL + 1)) state_is gw1 draining
rcli HDEL "${P}node:gw1" drain >/dev/null
check "gw1 is active again" wait_until $((2 * INTERVAL + 1)) state_is gw1 active
ev=$("$B/mailnoc" events --json)
expect_eq "the drain and its end are role_change events" "draining>active active>draining" \
	"$(echo "$ev" | jq -r --argjson t "$since" '[.[] | select(.node == "gw1" and
		.type == "role_change" and .at >= $t) | "\(.from)>\(.to)"] | join(" ")')"

# --- failover of the mailbox cluster
if [ "$ROLE_MBX1" = active ]; then old=mbx1 new=mbx2; else old=mbx2 new=mbx1; fi
since=$(date +%s)
out=$("$FAILOVER" mbx 2>&1)
expect_contains "tests/lab/failover mbx" "$old active -> standby, $new standby -> active" "$out"
check "$new is active within two intervals" wait_until $((2 * INTERVAL + 1)) state_is $new active
expect_eq "mbx is FAILED-OVER" FAILED-OVER "$(cluster_health mbx)"
expect_contains "to $new" "$new became active" \
	"$("$B/mailnoc" clusters --json | jq -r '.[] | select(.name == "mbx") | .reason')"
expect_eq "$old is standby" standby "$(node $old .state)"
ev=$("$B/mailnoc" events --json)
expect_eq "events has $new standby -> active" "role_change mbx standby active" \
	"$(echo "$ev" | jq -r --arg n "$new" '[.[] | select(.node == $n)][0] | "\(.type) \(.cluster) \(.from) \(.to)"')"
expect_eq "events has $old active -> standby" "role_change mbx active standby" \
	"$(echo "$ev" | jq -r --arg n "$old" '[.[] | select(.node == $n)][0] | "\(.type) \(.cluster) \(.from) \(.to)"')"
at=$(echo "$ev" | jq -r --arg n "$new" '[.[] | select(.node == $n)][0].at')
check "the event has the time of the change" test "$at" -ge "$since"
check "gateway failover is refused without a standby" sh -c "! '$FAILOVER' gw 2>/dev/null"

# --- back, while the agents are stopped: the first heartbeat reports it
"$AGENTS" stop mbx1 mbx2 >/dev/null
"$FAILOVER" mbx >/dev/null
"$AGENTS" start mbx1 mbx2 >/dev/null
ev=$("$B/mailnoc" events --json)
expect_eq "restarted $old reports standby -> active" "standby active" \
	"$(echo "$ev" | jq -r --arg n "$old" '[.[] | select(.node == $n)][0] | "\(.from) \(.to)"')"
expect_eq "$old is active again" active "$(node $old .state)"

# --- a role file with garbage: state unknown, said once (own key prefix)
printf 'primary\n' > "$TMP/role"
jq --arg f "$TMP/role" --arg p "$LAB/secrets/lab.pass" '.redis.prefix = "mailnoc-t-hb:" |
	.redis.user = "lab" | .redis.password_file = $p |
	.nodes |= map(if .name == "mbx2" then .role_file = $f else . end)' \
	"$MAILNOC_CONFIG" > "$TMP/bad-role.json"
"$B/mailnocd" --config "$TMP/bad-role.json" --node mbx2 --once 2> "$TMP/err"
expect_eq "--once with a bad role file still publishes" 0 "$?"
expect_contains "the bad role is logged" "state is unknown: bad role file '$TMP/role': it says 'primary'" \
	"$(cat "$TMP/err")"
expect_eq "the state is unknown" unknown "$(lcli HGET mailnoc-t-hb:node:mbx2 state)"
lcli DEL mailnoc-t-hb:node:mbx2 mailnoc-t-hb:node:mbx2:alive mailnoc-t-hb:nodes >/dev/null

# --- the agent's ACL user as `mailnoc acl` writes it (the lab's agents run
# under theirs; t_acl.sh tests what they are refused)
(umask 077; od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$TMP/agent.pass")
acl_line=$("$B/mailnoc" acl --prefix mailnoc-t-hb: --node gw1 | grep '^user agent-gw1 ' |
	sed "s/^user agent-gw1 //; s/#<sha256>/>$(cat "$TMP/agent.pass")/")
# shellcheck disable=SC2086
set -f; lcli ACL SETUSER mailnoc-t-agent reset $acl_line >/dev/null; set +f
jq --arg f "$TMP/agent.pass" '.redis.prefix = "mailnoc-t-hb:" |
	.redis.user = "mailnoc-t-agent" | .redis.password_file = $f' \
	"$MAILNOC_CONFIG" > "$TMP/acl.json"
"$B/mailnocd" --config "$TMP/acl.json" --node gw1 --once 2> "$TMP/err"
expect_eq "an agent works with the ACL of 'mailnoc acl'" 0 "$?"
expect_eq "and publishes" gateway "$(lcli HGET mailnoc-t-hb:node:gw1 role)"
"$B/mailnocd" --config "$TMP/acl.json" --node gw2 --once 2> "$TMP/err"
expect_eq "as another node it is denied (exit 4)" 4 "$?"
expect_contains "saying so" "permission denied for redis user 'mailnoc-t-agent'" "$(cat "$TMP/err")"
# The same line without HSET on its node's hash.
# shellcheck disable=SC2086
set -f; lcli ACL SETUSER mailnoc-t-agent reset $(echo "$acl_line" |
	sed 's/\(node:gw1 +hget +hmget\) +hset/\1/') >/dev/null; set +f
"$B/mailnocd" --config "$TMP/acl.json" --node gw1 --once 2> "$TMP/err"
expect_eq "without HSET it is denied (exit 4)" 4 "$?"
expect_contains "saying so" "permission denied for redis user 'mailnoc-t-agent'" "$(cat "$TMP/err")"
lcli ACL DELUSER mailnoc-t-agent >/dev/null
lcli DEL mailnoc-t-hb:node:gw1 mailnoc-t-hb:node:gw1:alive mailnoc-t-hb:nodes >/dev/null

# --- redis unreachable: one line, retries, no crash, exit 0 on SIGTERM
jq '.redis.port = 1' "$MAILNOC_CONFIG" > "$TMP/dead.json"
"$B/mailnocd" --config "$TMP/dead.json" --node gw1 --once 2> "$TMP/err"
expect_eq "--once without redis exits 3" 3 "$?"
"$B/mailnocd" --config "$TMP/dead.json" --node mbx1 --interval 1 2> "$TMP/err" &
pid=$!
sleep 4
check "the agent keeps running without redis" kill -0 "$pid"
kill -TERM "$pid"
wait "$pid"
expect_eq "SIGTERM ends it with 0" 0 "$?"
expect_eq "redis being unreachable is logged once" 1 "$(grep -c 'cannot publish the heartbeat' "$TMP/err")"

"$AGENTS" stop >/dev/null
check "all agents are stopped at the end" sh -c "! '$AGENTS' status >/dev/null"
cleanup
trap - EXIT
expect_eq "the test's events are removed" "" "$(events_added)"
finish
