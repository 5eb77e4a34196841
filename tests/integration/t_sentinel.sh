#!/bin/sh
# Sentinel: the console and the agent's policy service find the master
# through Sentinel and follow a failover. Its own three servers (and one
# agent) on loopback, stopped at the end.
. "$(dirname "$0")/../lib.sh"
B=$MAILNOC_BIN
# Ports of its own: LAB_SENTINEL_BASE (default 16401) and the four after
# it, so that two labs on one machine can run this test at the same time.
BASE=${LAB_SENTINEL_BASE:-16401}
M=$BASE R=$((BASE + 1)) S=$((BASE + 2)) PP=$((BASE + 3)) DEADS=$((BASE + 98))
T=$(mktemp -d /tmp/mailnoc-sentinel-XXXXXX)
APID=

stop_all() {
	[ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	for p in $S $R $M; do
		redis-cli -p $p shutdown nosave >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap stop_all EXIT INT TERM

start_redis() {
	port=$1
	shift
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$T" --dbfilename "dump$port.rdb" --daemonize yes \
		--logfile "$T/redis$port.log" --pidfile "$T/redis$port.pid" "$@" >/dev/null
}
start_redis $M
start_redis $R --replicaof 127.0.0.1 $M
cat > "$T/sentinel.conf" <<EOC
port $S
bind 127.0.0.1
daemonize yes
logfile $T/sentinel.log
pidfile $T/sentinel.pid
dir $T
sentinel monitor lab 127.0.0.1 $M 1
sentinel down-after-milliseconds lab 1000
sentinel failover-timeout lab 5000
EOC
redis-server "$T/sentinel.conf" --sentinel >/dev/null
for i in $(seq 50); do
	redis-cli -p $S ping >/dev/null 2>&1 && redis-cli -p $R ping >/dev/null 2>&1 && break
	sleep 0.1
done

cat > "$T/config.json" <<EOC
{ "redis": { "sentinels": [ { "host": "127.0.0.1", "port": $DEADS },
                            { "host": "127.0.0.1", "port": $S } ],
             "master_name": "lab", "connect_timeout_ms": 500 },
  "ssh": { "agent": true },
  "nodes": [ { "name": "gw1", "role": "gateway", "cluster": "gw", "ssh_host": "127.0.0.1" },
             { "name": "gw9", "role": "gateway", "cluster": "gw", "ssh_host": "127.0.0.1",
               "policy": { "listen": [ "127.0.0.1:$PP" ] } } ] }
EOC

sentinel_seed_gw1 "$M" "$R"

"$B/mailnocd" -c "$T/config.json" --node gw9 --log "$T/agent.log" &
APID=$!
check "through sentinel the policy service asks the master" policy_wait "$PP" 10 \
	"action=REJECT 127.0.9.1 is not registered for relay" 127.0.9.1

out=$("$B/mailnoc" -c "$T/config.json" status --json 2>&1)
expect_contains "through sentinel (the first one is dead), status reads the master" "\"port\":$M" "$out"
out=$("$B/mailnoc" -c "$T/config.json" nodes --json 2>&1)
expect_contains "nodes shows what the master holds" '"deferred":7' "$out"

check "sentinel promoted the replica" sentinel_failover "$M" "$S" "$R"
out=$("$B/mailnoc" -c "$T/config.json" status --json 2>&1)
expect_contains "after the failover the console follows to the new master" "\"port\":$R" "$out"
out=$("$B/mailnoc" -c "$T/config.json" nodes --json 2>&1)
expect_contains "and reads the same data there" '"deferred":7' "$out"
redis-cli -p $R hset mailnoc:block:127.0.9.1 reason "on the new master" until 0 >/dev/null
check "the policy service follows to the new master by itself" policy_wait "$PP" 20 \
	"action=REJECT 127.0.9.1 is blocked: on the new master" 127.0.9.1
check "and said it lost the old one and found the new one" sh -c \
	"grep -q 'policy: cannot ask redis' '$T/agent.log' &&
	 grep -q 'policy: redis answers again at 127.0.0.1:$R' '$T/agent.log'"

redis-cli -p $S shutdown nosave >/dev/null 2>&1
redis-cli -p $R shutdown nosave >/dev/null 2>&1
out=$("$B/mailnoc" -c "$T/config.json" status 2>&1)
rc=$?
expect_eq "with every sentinel gone, batch exits 3" 3 "$rc"
expect_contains "and says why in one line" "cannot find the redis master" "$out"
finish
