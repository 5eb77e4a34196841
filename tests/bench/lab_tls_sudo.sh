#!/bin/sh
# What the deployment's TLS tunnel and sudo cost, each side by side with
# its absence on the same machine in the same minute: the overview refresh
# and the policy service against one throw-away redis-server, through its
# plain port and through an stunnel client to its tls-port (certificates
# made here); and postsuper -h/-H of a set of queued messages on the lab's
# gw1, as root and as the lab's SSH user mailnoc through sudo -n and the
# lab's drop-in, as the console runs it. docs/bench.md explains the figures.
#
# Environment: MAILNOC_BIN (default build), the lab's variables, and
#   BENCH_POLICY_SECONDS  length of each policy run (default 5)
#   BENCH_TLS_ROUNDS      plain/tunnel rounds, alternating (default 3)
#   BENCH_SUDO_MESSAGES   messages held and released (default 2000)
#   BENCH_SUDO_RUNS       hold/release cycles each way (default 5)
#   BENCH_TLS_BASE        first of the four ports of its own (default 16986)
#   BENCH_KEEP=1          leave the lab up
set -u
B=${MAILNOC_BIN:-build}
# shellcheck source=lib.sh
. tests/bench/lib.sh
SECONDS_RUN=${BENCH_POLICY_SECONDS:-5}
ROUNDS=${BENCH_TLS_ROUNDS:-3}
NMSG=${BENCH_SUDO_MESSAGES:-2000}
RUNS=${BENCH_SUDO_RUNS:-5}
P=${BENCH_TLS_BASE:-16986}
REDIS_PORT=$P TLS_PORT=$((P + 1)) TUNNEL_PORT=$((P + 2)) AGENT_PORT=$((P + 3))
STUNNEL=$(command -v stunnel4 || command -v stunnel || true)

TMP=$(mktemp -d /tmp/mailnoc-bench-tls-XXXXXX)
chmod 755 "$TMP"
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	[ -s "$TMP/stunnel.pid" ] && kill "$(cat "$TMP/stunnel.pid")" 2>/dev/null
	redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1
	[ -n "${CONF:-}" ] && postsuper -c "$CONF" -d ALL >/dev/null 2>&1
	[ "${BENCH_KEEP:-0}" = 1 ] || { tests/lab/agents stop >/dev/null 2>&1; tests/lab/down >/dev/null 2>&1; }
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%+.1f%%", (a - b) * 100 / b; else print "-" }'; }

[ -n "$STUNNEL" ] || fail "stunnel4 is not installed"
[ -x "$B/bench/bench_policy" ] && [ -x "$B/bench/bench_overview" ] ||
	fail "the bench programs are not built (make bench)"

# ------------------------------------------------ one Redis, two ways in
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$TMP/ca.key" -out "$TMP/ca.crt" -days 2 -subj "/CN=bench CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || fail "openssl"
for c in "redis serverAuth subjectAltName=IP:127.0.0.1" "client clientAuth"; do
	set -- $c
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$TMP/$1.key" -out "$TMP/$1.csr" -subj "/CN=bench $1" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n%s\n' \
		"$2" "${3:-}" > "$TMP/$1.ext"
	openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/ca.crt" -CAkey "$TMP/ca.key" \
		-CAcreateserial -days 2 -extfile "$TMP/$1.ext" -out "$TMP/$1.crt" 2>/dev/null ||
		fail "openssl $1"
done
redis-server --port $REDIS_PORT --tls-port $TLS_PORT --bind 127.0.0.1 \
	--tls-cert-file "$TMP/redis.crt" --tls-key-file "$TMP/redis.key" \
	--tls-ca-cert-file "$TMP/ca.crt" --save '' --appendonly no --dir "$TMP" \
	--daemonize yes --logfile "$TMP/redis.log" >/dev/null
wait_port $TLS_PORT || fail "redis-server did not start"
# The lab's tunnel settings (tests/lab/up, packaging/stunnel).
cat > "$TMP/stunnel.conf" <<EOF
foreground = no
pid = $TMP/stunnel.pid
output = $TMP/stunnel.log
syslog = no
[redis]
client = yes
accept = 127.0.0.1:$TUNNEL_PORT
connect = 127.0.0.1:$TLS_PORT
CAfile = $TMP/ca.crt
verifyChain = yes
checkIP = 127.0.0.1
cert = $TMP/client.crt
key = $TMP/client.key
sslVersionMin = TLSv1.2
socket = l:TCP_NODELAY=1
socket = r:TCP_NODELAY=1
EOF
"$STUNNEL" "$TMP/stunnel.conf" || fail "stunnel did not start"
wait_port $TUNNEL_PORT || fail "stunnel does not listen"

# Alternating rounds, medians: the machine is shared, and a single pair of
# runs moves by tens of percent either way.
echo "overview refresh (1,000 nodes), $ROUNDS rounds of plain port then tunnel:"
: > "$TMP/ov.plain"; : > "$TMP/ov.tunnel"
round=0
while [ $round -lt "$ROUNDS" ]; do
	for w in "plain $REDIS_PORT" "tunnel $TUNNEL_PORT"; do
		set -- $w
		"$B/bench/bench_overview" "$2" > "$TMP/ov.out" || fail "bench_overview on $2"
		sed -n 's/^wall per refresh (fetch + parse): *\([0-9.]*\) ms/\1/p' "$TMP/ov.out" >> "$TMP/ov.$1"
	done
	round=$((round + 1))
done
wp=$(median < "$TMP/ov.plain") wt=$(median < "$TMP/ov.tunnel")
echo "  wall per refresh, median: plain $wp ms, through the tunnel $wt ms ($(pct "$wt" "$wp")) (runs: $(tr '\n' ' ' < "$TMP/ov.plain")/ $(tr '\n' ' ' < "$TMP/ov.tunnel"))"

# The policy data of lab_policy.sh: the same mix of permitted, blocked and
# unregistered addresses.
seed_policy "$REDIS_PORT"

policy() {   # NAME REDIS-PORT -> two bench_policy lines (50 and 5 clients)
	cat > "$TMP/agent.json" <<EOF
{ "redis": { "host": "127.0.0.1", "port": $2 },
  "nodes": [ { "name": "bench", "role": "gateway", "cluster": "bench",
               "policy": { "listen": [ "127.0.0.1:$AGENT_PORT" ], "max_clients": 256 } } ] }
EOF
	"$B/mailnocd" --config "$TMP/agent.json" --node bench --log "$TMP/agent.$1.log" &
	AGENT_PID=$!
	wait_port $AGENT_PORT || fail "mailnocd did not listen"
	"$B/bench/bench_policy" "$1" $AGENT_PORT 50 "$SECONDS_RUN" || fail "bench_policy $1"
	"$B/bench/bench_policy" "$1" $AGENT_PORT 5 "$SECONDS_RUN" || fail "bench_policy $1"
	kill $AGENT_PID; wait $AGENT_PID 2>/dev/null; AGENT_PID=
}
echo "policy decisions, $SECONDS_RUN s per run, $ROUNDS rounds of plain port then tunnel:"
: > "$TMP/pol.plain"; : > "$TMP/pol.tunnel"
round=0
while [ $round -lt "$ROUNDS" ]; do
	policy plain $REDIS_PORT >> "$TMP/pol.plain"
	policy tunnel $TUNNEL_PORT >> "$TMP/pol.tunnel"
	round=$((round + 1))
done
sed 's/^/  /' "$TMP/pol.plain" "$TMP/pol.tunnel"
med() {   # FILE CLIENTS FIELD -> the median of FIELD over that file's runs
	grep " clients=$2 " "$1" | tr ' ' '\n' | sed -n "s/^$3=//p" | median
}
p50=$(med "$TMP/pol.plain" 50 per_s) t50=$(med "$TMP/pol.tunnel" 50 per_s)
p5=$(med "$TMP/pol.plain" 5 p50_us) t5=$(med "$TMP/pol.tunnel" 5 p50_us)
p99=$(med "$TMP/pol.plain" 5 p99_us) t99=$(med "$TMP/pol.tunnel" 5 p99_us)
echo "  medians: throughput, 50 clients: plain $p50/s, tunnel $t50/s ($(pct "$t50" "$p50"))"
echo "  p50 latency, 5 clients: plain $p5 us, tunnel $t5 us ($(pct "$t5" "$p5"))"
echo "  p99 latency, 5 clients: plain $p99 us, tunnel $t99 us ($(pct "$t99" "$p99"))"

# ------------------------------------------------ sudo on the node
out=$(tests/lab/up 2>&1) || { echo "$out"; fail "the lab did not come up"; }
MAILNOC_CONFIG=$(echo "$out" | sed -n 's/^MAILNOC_CONFIG=//p' | tail -n 1)
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
CONF=$LAB/gw1/etc
postsuper -c "$CONF" -d ALL >/dev/null 2>&1
# Deferred mail that holds still: the sink refuses nothing, the transport
# points at the dead port.
smtp-source -c -m "$NMSG" -s 10 -r 1 -f sudo-bench@bench.test -t u@dead.test \
	"127.0.0.1:$LAB_GW1_SMTP_PORT" >/dev/null 2>&1 || fail "smtp-source"
for i in $(seq 300); do
	n=$(find "$LAB/gw1/spool/deferred" -type f 2>/dev/null | wc -l)
	[ "$n" -ge "$NMSG" ] && break
	sleep 0.2
done
[ "$n" -ge "$NMSG" ] || fail "only $n of $NMSG messages deferred on gw1"
postqueue -c "$CONF" -j | jq -r .queue_id > "$TMP/ids"

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
cycle() {   # WHO -> "hold-ms release-ms"
	# setpriv: the user's rights without a PAM session of its own, so the
	# difference is sudo's (its policy, the drop-in, its own PAM session).
	if [ "$1" = root ]; then set -- postsuper; else
		set -- setpriv --reuid=mailnoc --regid=mailnoc --init-groups sudo -n postsuper
	fi
	a=$(date +%s.%N)
	(cd / && "$@" -c "$CONF" -h - < "$TMP/ids") 2>"$TMP/ps.err"
	b=$(date +%s.%N)
	(cd / && "$@" -c "$CONF" -H - < "$TMP/ids") 2>>"$TMP/ps.err"
	c=$(date +%s.%N)
	grep -q "Placed on hold: $NMSG message" "$TMP/ps.err" || fail "hold did not move $NMSG: $(head -n 2 "$TMP/ps.err")"
	echo "$(ms "$a" "$b") $(ms "$b" "$c")"
}
: > "$TMP/root"; : > "$TMP/sudo"
round=0
while [ $round -lt "$RUNS" ]; do
	cycle root >> "$TMP/root"
	cycle sudo >> "$TMP/sudo"
	round=$((round + 1))
done
rh=$(cut -d' ' -f1 "$TMP/root" | median) rr=$(cut -d' ' -f2 "$TMP/root" | median)
sh_=$(cut -d' ' -f1 "$TMP/sudo" | median) sr=$(cut -d' ' -f2 "$TMP/sudo" | median)
echo "postsuper of $NMSG messages on gw1, median of $RUNS (runs: $(cut -d' ' -f1 "$TMP/root" | tr '\n' ' ')ms root; $(cut -d' ' -f1 "$TMP/sudo" | tr '\n' ' ')ms sudo):"
echo "  hold -h -:    as root $rh ms, as mailnoc through sudo -n $sh_ ms ($((sh_ - rh)) ms, $(pct "$sh_" "$rh"))"
echo "  release -H -: as root $rr ms, as mailnoc through sudo -n $sr ms ($((sr - rr)) ms, $(pct "$sr" "$rr"))"
