#!/bin/sh
# Sentinel through the TLS tunnel: two Redis servers and a Sentinel that
# speak only TLS to each other and to clients (the lab's CA and
# certificates), one stunnel client per server and one for the Sentinel, as
# docs/deploy.md sets them up. Sentinel announces the servers' own TLS
# addresses; redis.tunnels maps each to its local tunnel, so the console and
# the agent's policy service find the master, follow a failover, and never
# send a byte past the tunnel. A master without a tunnel is refused in one
# line naming what to add. Needs the lab (its certificates); everything
# else is its own, on ports LAB_SENTINEL_BASE+10 ... +18, stopped at the end.
. "$(dirname "$0")/../lib.sh"
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
TLS=$LAB/tls
BASE=${LAB_SENTINEL_BASE:-16401}
# Plain ports (the test's own redis-cli only), TLS ports, tunnels, policy.
M=$((BASE + 10)) MT=$((BASE + 11)) R=$((BASE + 12)) RT=$((BASE + 13))
ST=$((BASE + 14)) LS=$((BASE + 15)) LM=$((BASE + 16)) LR=$((BASE + 17))
PP=$((BASE + 18))
T=$(mktemp -d /tmp/mailnoc-sentinel-tls-XXXXXX)
APID=
STUNNEL=$(command -v stunnel4 || command -v stunnel || true)

stop_all() {
	[ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	for p in $M $R; do
		redis-cli -p $p shutdown nosave >/dev/null 2>&1
	done
	redis-cli -p $LS shutdown nosave >/dev/null 2>&1
	[ -s "$T/stunnel.pid" ] && kill "$(cat "$T/stunnel.pid")" 2>/dev/null
	rm -rf "$T"
}
trap stop_all EXIT INT TERM

if [ -z "$STUNNEL" ] || [ ! -s "$TLS/ca.crt" ]; then
	ok "skipped: needs stunnel4 and the lab's certificates"
	finish
	exit 0
fi

# TLS for clients, and for the replica's and Sentinel's own links.
TLSARGS="--tls-cert-file $TLS/redis.crt --tls-key-file $TLS/redis.key
	--tls-ca-cert-file $TLS/ca.crt --tls-client-cert-file $TLS/client.crt
	--tls-client-key-file $TLS/client.key --tls-replication yes"
start_redis() {
	port=$1 tport=$2
	shift 2
	# shellcheck disable=SC2086
	redis-server --port "$port" --tls-port "$tport" --bind 127.0.0.1 \
		--save '' --appendonly no --dir "$T" --dbfilename "dump$port.rdb" \
		--daemonize yes --logfile "$T/redis$port.log" \
		--pidfile "$T/redis$port.pid" $TLSARGS "$@" >/dev/null
}
start_redis $M $MT
start_redis $R $RT --replicaof 127.0.0.1 $MT
cat > "$T/sentinel.conf" <<EOC
port 0
tls-port $ST
bind 127.0.0.1
daemonize yes
logfile $T/sentinel.log
pidfile $T/sentinel.pid
dir $T
tls-cert-file $TLS/redis.crt
tls-key-file $TLS/redis.key
tls-ca-cert-file $TLS/ca.crt
tls-client-cert-file $TLS/client.crt
tls-client-key-file $TLS/client.key
tls-replication yes
sentinel monitor lab 127.0.0.1 $MT 1
sentinel down-after-milliseconds lab 1000
sentinel failover-timeout lab 5000
EOC
redis-server "$T/sentinel.conf" --sentinel >/dev/null

# The node's tunnels, laid out as packaging/stunnel/mailnoc-redis-sentinel.conf:
# the shared options first, then one service per server and one for the
# Sentinel.
{
	cat <<EOC
foreground = no
pid = $T/stunnel.pid
output = $T/stunnel.log
syslog = no
debug = notice
client = yes
CAfile = $TLS/ca.crt
verifyChain = yes
cert = $TLS/client.crt
key = $TLS/client.key
sslVersionMin = TLSv1.2
EOC
	for s in "sentinel $LS $ST" "master $LM $MT" "replica $LR $RT"; do
		set -- $s
		cat <<EOC

[$1]
accept = 127.0.0.1:$2
connect = 127.0.0.1:$3
checkIP = 127.0.0.1
EOC
	done
} > "$T/stunnel.conf"
"$STUNNEL" "$T/stunnel.conf" > "$T/stunnel.start" 2>&1
for i in $(seq 100); do
	redis-cli -p $LS ping >/dev/null 2>&1 && redis-cli -p $R ping >/dev/null 2>&1 &&
		[ "$(redis-cli -p $R info replication | tr -d '\r' | sed -n 's/^master_link_status://p')" = up ] &&
		[ "$(redis-cli -p $LS sentinel replicas lab 2>/dev/null | grep -c "^$RT\$")" -ge 1 ] && break
	sleep 0.1
done
check "the replica follows the master over TLS" sh -c \
	"redis-cli -p $R info replication | tr -d '\r' | grep -qx master_link_status:up"
expect_eq "sentinel announces the master's TLS address" "127.0.0.1 $MT" \
	"$(redis-cli -p $LS sentinel get-master-addr-by-name lab | tr '\n' ' ' | sed 's/ $//')"

cat > "$T/config.json" <<EOC
{ "redis": { "sentinels": [ { "host": "127.0.0.1", "port": $LS } ],
             "master_name": "lab", "connect_timeout_ms": 500,
             "tunnels": [ { "host": "127.0.0.1", "port": $MT, "local_port": $LM },
                          { "host": "127.0.0.1", "port": $RT, "local_port": $LR } ] },
  "ssh": { "agent": true },
  "nodes": [ { "name": "gw1", "role": "gateway", "cluster": "gw", "ssh_host": "127.0.0.1" },
             { "name": "gw9", "role": "gateway", "cluster": "gw", "ssh_host": "127.0.0.1",
               "policy": { "listen": [ "127.0.0.1:$PP" ] } } ] }
EOC
jq 'del(.redis.tunnels)' "$T/config.json" > "$T/no-tunnels.json"
jq 'del(.redis.tunnels[1])' "$T/config.json" > "$T/master-only.json"

# Connections a tunnel service has accepted so far.
through() { grep -c "Service \[$1\] accepted connection" "$T/stunnel.log"; }
# reads_through TUNNEL PORT WHEN: status finds the master Sentinel names at
# PORT, nodes reads the data there, both through TUNNEL's stunnel service.
reads_through() {
	rt_n0=$(through "$1")
	out=$("$B/mailnoc" -c "$T/config.json" status --json 2>&1)
	expect_contains "$3 status finds the master Sentinel names ($1, :$2)" \
		"\"redis\":{\"host\":\"127.0.0.1\",\"port\":$2}" "$out"
	out=$("$B/mailnoc" -c "$T/config.json" nodes --json 2>&1)
	expect_contains "$3 nodes reads the data there" '"deferred":7' "$out"
	check "$3 both went through the $1's tunnel" [ "$(through "$1")" -gt "$rt_n0" ]
}

sentinel_seed_gw1 "$M" "$R"

out=$("$B/mailnoc" -c "$T/no-tunnels.json" nodes 2>&1)
rc=$?
expect_eq "without redis.tunnels the announced TLS port is refused in clear: exit 3" 3 "$rc"
expect_contains "naming the TLS address it tried" \
	"redis at 127.0.0.1:$MT" "$out"

reads_through master "$MT" "with redis.tunnels"
out=$("$B/mailnoc" -c "$T/config.json" --check-config 2>&1)
expect_contains "--check-config shows the tunnels" \
	"tunnels 127.0.0.1:$MT through 127.0.0.1:$LM, 127.0.0.1:$RT through 127.0.0.1:$LR" "$out"

"$B/mailnocd" -c "$T/config.json" --node gw9 --log "$T/agent.log" &
APID=$!
check "the policy service asks the master through its tunnel" policy_wait "$PP" 10 \
	"action=REJECT 127.0.9.1 is not registered for relay" 127.0.9.1

check "sentinel promoted the replica (announcing its TLS port)" sentinel_failover "$M" "$LS" "$RT"
reads_through replica "$RT" "after the failover"
redis-cli -p $R hset mailnoc:block:127.0.9.1 reason "on the new master" until 0 >/dev/null
check "the policy service follows to the new master by itself" policy_wait "$PP" 20 \
	"action=REJECT 127.0.9.1 is blocked: on the new master" 127.0.9.1

out=$("$B/mailnoc" -c "$T/master-only.json" status 2>&1)
rc=$?
expect_eq "a master without a tunnel: batch exits 3" 3 "$rc"
expect_contains "naming what to add" \
	"sentinel names the redis master 127.0.0.1:$RT, which has no tunnel: add {\"host\": \"127.0.0.1\", \"port\": $RT, \"local_port\": PORT} to redis.tunnels" "$out"
expect_eq "in one line" 1 "$(printf '%s\n' "$out" | wc -l)"
finish
