#!/bin/sh
# The policy service under load, side by side with postfwd2 (Debian's
# package) configured with the equivalent rules: a throw-away redis-server
# and both policy servers on loopback, the same request mix from
# build/bench/bench_policy (80% permitted, 10% blocked, 10% unregistered
# addresses; every fifth request at END-OF-MESSAGE) over persistent
# connections. docs/bench.md explains every figure.
#
# Environment: MAILNOC_BIN (default build) and
#   BENCH_POLICY_SECONDS  length of each load run (default 10)
set -u
B=${MAILNOC_BIN:-build}
# shellcheck source=lib.sh
. tests/bench/lib.sh
SECONDS_RUN=${BENCH_POLICY_SECONDS:-10}
REDIS_PORT=16996
AGENT_PORT=16531
PFW_PORT=16540
PFW_CACHE_PORT=16541

TMP=$(mktemp -d /tmp/mailnoc-bench-policy-XXXXXX)
# postfwd2 drops to nobody:nogroup and must read its rule files.
chmod 755 "$TMP"
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	/usr/sbin/postfwd2 --kill --pidfile "$TMP/postfwd2.pid" >/dev/null 2>&1
	redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x /usr/sbin/postfwd2 ] || fail "postfwd2 is not installed (make bench installs it)"
[ -x "$B/bench/bench_policy" ] || fail "$B/bench/bench_policy is not built"

redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$TMP" --daemonize yes --logfile "$TMP/redis.log" >/dev/null
wait_port $REDIS_PORT || fail "redis-server did not start"

# The same data for both (tests/bench/lib.sh seed_policy), and the lists of
# addresses for postfwd2.
seed_policy "$REDIS_PORT" "$TMP"

cat > "$TMP/mailnoc.json" <<EOF
{
  "redis": { "host": "127.0.0.1", "port": $REDIS_PORT },
  "nodes": [
    { "name": "bench", "role": "gateway", "cluster": "bench",
      "policy": { "listen": [ "127.0.0.1:$AGENT_PORT" ], "max_clients": 256 } }
  ]
}
EOF

# postfwd2's equivalent: blocks, the recipients-per-message limit at DATA,
# the bulk guidance and a messages-per-minute limit as rcpt() and rate()
# counters, permitted addresses accepted, all others refused as
# unregistered. postfwd2 keys its counters by client address; mailnocd by
# agency (the sum over the agency's addresses, in Redis).
cat > "$TMP/postfwd2.cf" <<EOF
id=BLOCK; client_address==file:$TMP/blocked; action=REJECT \$\$client_address is blocked: bench
id=RCPTMSG; client_address==file:$TMP/permits; protocol_state==DATA; recipient_count>5; action=DEFER_IF_PERMIT too many recipients per message (limit 5)
id=BULK; client_address==file:$TMP/permits; protocol_state==END-OF-MESSAGE; action=rcpt(client_address/1000/600/DEFER_IF_PERMIT bulk guidance: 1000 recipients per 10 minutes)
id=RATE; client_address==file:$TMP/permits; protocol_state==END-OF-MESSAGE; action=rate(client_address/100000/60/DEFER_IF_PERMIT limit: messages per minute)
id=PERMIT; client_address==file:$TMP/permits; action=DUNNO
id=NOPERMIT; action=REJECT \$\$client_address is not registered for relay
EOF

field() {   # NAME LINE -> the value of NAME=... in a bench_policy line
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

run() {   # NAME PORT CLIENTS -> one bench_policy line on stdout
	"$B/bench/bench_policy" "$1" "$2" "$3" "$SECONDS_RUN" ||
		fail "bench_policy $1 with $3 clients failed"
}

# --- mailnocd
"$B/mailnocd" --config "$TMP/mailnoc.json" --node bench \
	--log "$TMP/agent.log" &
AGENT_PID=$!
wait_port $AGENT_PORT || { cat "$TMP/agent.log"; fail "mailnocd did not listen"; }

echo "policy decisions, $SECONDS_RUN s per run, persistent connections on loopback:"
m50=$(run mailnocd $AGENT_PORT 50); echo "  $m50"
m5=$(run mailnocd $AGENT_PORT 5); echo "  $m5"

# Round trips counted from outside: strace sees the agent's reads and
# writes on its Redis sockets; a write after a read starts a round trip.
# The heartbeat's own (one per 2 s) are counted too: an upper bound.
if command -v strace >/dev/null; then
	fds=$(ss -tnp "dport = :$REDIS_PORT" | grep -o "pid=$AGENT_PID,fd=[0-9]*" |
		sed 's/.*fd=//' | tr '\n' ' ')
	strace -f -qq -e trace=read,write,readv,writev,recvfrom,sendto \
		-e signal=none -p $AGENT_PID -o "$TMP/strace" &
	spid=$!
	sleep 1
	line=$("$B/bench/bench_policy" mailnocd-strace $AGENT_PORT 5 3) ||
		fail "bench_policy under strace failed"
	kill $spid; wait $spid 2>/dev/null
	n=$(field decisions "$line")
	rt=$(awk -v fds="$fds" '
		BEGIN { split(fds, f, " "); for (i in f) isr[f[i]] = 1 }
		{ call = $2; sub(/\(.*/, "", call); fd = $2; sub(/^[a-z]+\(/, "", fd); sub(/,.*/, "", fd)
		  if (!(fd in isr)) next
		  if (call ~ /^(write|writev|sendto)$/) { if (last[fd] != "w") rt++; last[fd] = "w" }
		  else last[fd] = "r" }
		END { print rt + 0 }' "$TMP/strace")
	awk -v rt="$rt" -v n="$n" 'BEGIN { printf "  redis round trips per decision (strace): %.2f (%d round trips, %d decisions, 5 clients; goal <= 1)\n", n ? rt / n : 0, rt, n }'
else
	echo "  redis round trips per decision: strace is not installed"
fi

# --- Redis gone: the agent decides from its copy (loaded at start and
# confirmed every second; docs/mailnocd.md, "Deciding without Redis")
redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1
sleep 0.5
d50=$(run mailnocd-copy $AGENT_PORT 50); echo "  $d50"
d5=$(run mailnocd-copy $AGENT_PORT 5); echo "  $d5"
kill $AGENT_PID 2>/dev/null; wait $AGENT_PID 2>/dev/null; AGENT_PID=
grep -i "round trip" "$TMP/agent.log" | tail -n 1 | sed 's/^/  agent at exit: /'
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$TMP" --daemonize yes --logfile "$TMP/redis.log" >/dev/null
wait_port $REDIS_PORT || fail "redis-server did not start again"

# --- what keeping the copy current costs Redis. The version counter: one
# GET and one HGET per agent per second, whatever the load. Keyspace
# notifications instead: Redis cannot select keys by pattern, only event
# classes, so the hash events that announce a block or permit change
# ("Kh") come for every HINCRBY of the volume counts and the block hits
# too; measured here as the agents' main write with notifications off and
# on (one subscriber, as an agent would be).
if command -v redis-benchmark >/dev/null; then
	hincr() {   # -> requests per second, pipelined as the agents send them
		redis-benchmark -p $REDIS_PORT -c 20 -P 16 -n 1000000 -q \
			HINCRBY mailnoc:vol:m:1 a01\|msgs 1 2>/dev/null |
			tr '\r' '\n' | grep -a "HINCRBY" | tail -n 1 |
			sed 's/.*: \([0-9.]*\) requests per second.*/\1/'
	}
	median() { sort -n | sed -n 2p; }
	: > "$TMP/ks.off"; : > "$TMP/ks.on"
	for i in 1 2 3; do   # alternated, so that other load hits both
		redis-cli -p $REDIS_PORT config set notify-keyspace-events '' >/dev/null
		hincr >> "$TMP/ks.off"
		redis-cli -p $REDIS_PORT config set notify-keyspace-events Kh >/dev/null
		redis-cli -p $REDIS_PORT psubscribe '__keyspace@0__:mailnoc:*' >/dev/null &
		sub=$!
		sleep 0.3
		hincr >> "$TMP/ks.on"
		kill $sub 2>/dev/null; wait $sub 2>/dev/null
	done
	redis-cli -p $REDIS_PORT config set notify-keyspace-events '' >/dev/null
	awk -v off="$(median < "$TMP/ks.off")" -v on="$(median < "$TMP/ks.on")" \
	    -v offs="$(tr '\n' ' ' < "$TMP/ks.off")" -v ons="$(tr '\n' ' ' < "$TMP/ks.on")" 'BEGIN {
		printf "  keeping the copy current, Redis HINCRBY (20 clients, pipelines of 16), median of 3: %d/s without keyspace notifications, %d/s with them (Kh, one subscriber): %.0f%% less (runs: %s/ %s); the version counter: 2 commands per agent per second\n", off, on, off ? (off - on) * 100 / off : 0, offs, ons }'
fi

# --- postfwd2
/usr/sbin/postfwd2 -f "$TMP/postfwd2.cf" --interface 127.0.0.1 --port $PFW_PORT \
	--cache_port $PFW_CACHE_PORT --pidfile "$TMP/postfwd2.pid" \
	--user nobody --group nogroup >/dev/null 2>&1
wait_port $PFW_PORT || fail "postfwd2 did not listen"
p50=$(run postfwd2 $PFW_PORT 50); echo "  $p50"
p5=$(run postfwd2 $PFW_PORT 5); echo "  $p5"
/usr/sbin/postfwd2 --kill --pidfile "$TMP/postfwd2.pid" >/dev/null 2>&1

# --- redis-server alone, for scale: what 50 clients get from it unpipelined
if command -v redis-benchmark >/dev/null; then
	redis-benchmark -p $REDIS_PORT -c 50 -n 200000 -t get -q 2>/dev/null |
		tr '\r' '\n' | grep -a "GET:" | tail -n 1 | sed 's/^/  redis-server alone, 50 clients, /'
fi

awk -v m50="$(field per_s "$m50")" -v p50="$(field per_s "$p50")" \
    -v m99="$(field p99_us "$m5")" -v p99="$(field p99_us "$p5")" \
    -v d50="$(field per_s "$d50")" -v d99="$(field p99_us "$d5")" \
    -v m5s="$(field per_s "$m5")" -v d5s="$(field per_s "$d5")" \
    -v m99_50="$(field p99_us "$m50")" -v d99_50="$(field p99_us "$d50")" 'BEGIN {
	printf "  throughput, 50 clients: mailnocd %d/s, postfwd2 %d/s: ratio %.1f (goal >= 20000/s)\n", m50, p50, p50 ? m50 / p50 : 0
	printf "  p99 latency, 5 clients: mailnocd %.2f ms, postfwd2 %.2f ms: ratio %.3f (goal <= 1 ms)\n", m99 / 1000, p99 / 1000, p99 ? m99 / p99 : 0
	printf "  redis down, from the copy, 50 clients: %d/s p99 %.2f ms (redis up: %d/s p99 %.2f ms; goal >= redis up)\n", d50, d99_50 / 1000, m50, m99_50 / 1000
	printf "  redis down, from the copy, 5 clients: %d/s p99 %.2f ms (redis up: %d/s p99 %.2f ms)\n", d5s, d99 / 1000, m5s, m99 / 1000
}'
