#!/bin/sh
# Redis over TLS (docs/redis-schema.md, "Transport security"): the console
# and an agent work through the lab's stunnel client (status, a block written
# and enforced by the policy service), their connections arrive on Redis's
# TLS port, the bytes on that port are not clear text (a relay records them),
# a plain client gets no answer there, and a tunnel that cannot verify the
# server (another CA, another address) refuses it: the console then says
# Redis is unreachable in one line, at once, and stunnel logs why.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents stopped and removes what it wrote.
. "$(dirname "$0")/../lib.sh"
lab_env
TRAFFIC=$ROOT/tests/lab/traffic
TLS=$LAB/tls
P=mailnoc:
IP=127.0.2.231          # unregistered; blocked by this test
CANARY="tls-canary-$$-clear-text"
# Under the lab, so that tests/lab/down finds a stunnel left behind.
T=$LAB/t_tls
STUNNEL=$(command -v stunnel4 || command -v stunnel)

# tunnel NAME CAFILE CHECKIP CONNECT-PORT: a stunnel client on
# LAB_TLS_TEST_PORT, as the lab's but with the given CA and address check.
tunnel() {
	cat > "$T/$1.conf" <<EOF
foreground = no
pid = $T/$1.pid
output = $T/$1.log
syslog = no
debug = notice
[redis]
client = yes
accept = 127.0.0.1:$LAB_TLS_TEST_PORT
connect = 127.0.0.1:$4
CAfile = $2
verifyChain = yes
checkIP = $3
cert = $TLS/client.crt
key = $TLS/client.key
EOF
	"$STUNNEL" "$T/$1.conf" >"$T/$1.start" 2>&1 &&
		wait_until 10 port_up "$LAB_TLS_TEST_PORT"
}
untunnel() {   # NAME
	[ -s "$T/$1.pid" ] && kill "$(cat "$T/$1.pid")" 2>/dev/null
	wait_until 10 sh -c "! ss -Hltn 'sport = :$LAB_TLS_TEST_PORT' | grep -q ."
}
cleanup() {
	"$AGENTS" stop >/dev/null 2>&1
	for n in relay wrongca wrongip; do
		[ -s "$T/$n.pid" ] && kill "$(cat "$T/$n.pid")" 2>/dev/null
	done
	[ -n "${EXAMPLE:-}" ] && kill "$EXAMPLE" 2>/dev/null
	[ -n "${RELAY:-}" ] && kill "$RELAY" 2>/dev/null
	lcli DEL "${P}block:$IP" >/dev/null
	lcli ZREM "${P}blocks" "$IP" >/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
rm -rf "$T"
install -d -m 700 "$T"

# --- the lab's wiring
expect_eq "the console's configuration names the tunnel's loopback port" \
	"127.0.0.1:$LAB_REDIS_TUNNEL_PORT" \
	"$(jq -r '"\(.redis.host):\(.redis.port)"' "$MAILNOC_CONFIG")"
expect_eq "so does the read-only one" "$LAB_REDIS_TUNNEL_PORT" \
	"$(jq -r .redis.port "$LAB/mailnoc-noc.json")"
expect_eq "redis-server listens on its TLS port" "$LAB_REDIS_TLS_PORT" \
	"$(lcli CONFIG GET tls-port | tail -n 1)"
expect_eq "and asks the clients for a certificate" yes \
	"$(lcli CONFIG GET tls-auth-clients | tail -n 1)"
check "the tunnel's stunnel runs from its pid file" \
	kill -0 "$(cat "$LAB/run/stunnel.pid")"

# --- the TLS port speaks TLS only
# A plain RESP PING, byte for byte: no +PONG, no RESP error either (Redis
# read it as a broken TLS record and closed the connection).
out=$(perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0],
		Timeout => 3) or die "connect: $!\n";
	print $s "PING\r\n";
	my $got = "";
	eval { local $SIG{ALRM} = sub { die "timeout\n" }; alarm 3;
		while (sysread($s, my $b, 512)) { $got .= $b } alarm 0; };
	print $got eq "" ? "(closed, nothing)" : $got;' "$LAB_REDIS_TLS_PORT" 2>&1)
expect_eq "a plain PING on the TLS port gets no answer, the connection is closed" \
	"(closed, nothing)" "$out"
check "the plain PING was heard on the plain port all the same" \
	sh -c "redis-cli -h 127.0.0.1 -p $LAB_REDIS_PORT PING 2>&1 | grep -q NOAUTH"
rtls() {   # redis-cli over TLS with the lab CA, as USER, with ARGS
	u=$1
	shift
	REDISCLI_AUTH=$(cat "$LAB/secrets/$u.pass") timeout 5 redis-cli --tls \
		--cacert "$TLS/ca.crt" -h 127.0.0.1 -p "$LAB_REDIS_TLS_PORT" \
		--user "$u" --no-auth-warning "$@" 2>&1
}
expect_eq "redis-cli --tls with the lab's client certificate: PONG" PONG \
	"$(rtls noc --cert "$TLS/client.crt" --key "$TLS/client.key" PING)"
out=$(rtls noc PING | tail -n 1)
check "without a client certificate the TLS port refuses ($out)" \
	[ "$out" != PONG ]

# --- the console through the tunnel
log=$LAB/stunnel/stunnel.log
before=$(grep -c 'Service \[redis\] accepted connection' "$log")
out=$("$B/mailnoc" status 2>&1)
expect_eq "mailnoc status through the tunnel exits 0" 0 $?
expect_contains "and names the tunnel's port" "redis 127.0.0.1:$LAB_REDIS_TUNNEL_PORT" "$out"
after=$(grep -c 'Service \[redis\] accepted connection' "$log")
check "stunnel carried the console's connection ($before -> $after)" \
	[ "$after" -gt "$before" ]
check "stunnel accepted the server's certificate" \
	grep -q 'Certificate accepted at depth=0: CN=127.0.0.1' "$log"

# --- an agent through the tunnel: its connections arrive on the TLS port
"$AGENTS" start gw1 >/dev/null 2>&1
expect_eq "the gw1 agent starts (heartbeat in Redis)" 0 $?
expect_eq "the agent's configuration names the tunnel's port" "$LAB_REDIS_TUNNEL_PORT" \
	"$(jq -r .redis.port "$LAB/agents/gw1.json")"
laddrs=$(lcli CLIENT LIST | sed -n 's/.* laddr=\([^ ]*\) .* user=agent-gw1 .*/\1/p' | sort -u)
expect_eq "every connection of agent-gw1 came in on the TLS port" \
	"127.0.0.1:$LAB_REDIS_TLS_PORT" "$laddrs"

out=$("$B/mailnoc" block "$IP" --for 10m --reason "tls test" 2>&1)
expect_eq "the console writes a block through the tunnel" 0 $?
expect_eq "it is in Redis" "tls test" "$(lcli HGET "${P}block:$IP" reason)"
out=$("$TRAFFIC" --gw gw1 --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "and the agent enforces it (decided through the tunnel)" \
	"Recipient address rejected: $IP is blocked: tls test" "$out"
"$AGENTS" stop gw1 >/dev/null 2>&1

# --- what goes over the TLS port is not clear text
# A relay between a second tunnel and the TLS port records every byte both
# ways; the console writes a block whose reason is a marker through it.
perl -MIO::Socket::INET -MIO::Select -e '
	my ($port, $to, $file) = @ARGV;
	my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $port,
		Listen => 16, ReuseAddr => 1) or die "listen: $!\n";
	open(my $rec, ">>", $file) or die; binmode $rec; $rec->autoflush(1);
	my $sel = IO::Select->new($l); my %peer;
	while (1) {
		for my $s ($sel->can_read) {
			if ($s == $l) {
				my $c = $l->accept or next;
				my $r = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
					PeerPort => $to) or do { close $c; next };
				$peer{$c} = $r; $peer{$r} = $c; $sel->add($c, $r);
				next;
			}
			my $o = $peer{$s};
			if (sysread($s, my $buf, 65536)) {
				print $rec $buf; syswrite($o, $buf);
			} else {
				$sel->remove($s, $o); close $s; close $o;
				delete $peer{$s}; delete $peer{$o};
			}
		}
	}' "$LAB_TLS_RELAY_PORT" "$LAB_REDIS_TLS_PORT" "$T/wire" 2>"$T/relay.err" &
RELAY=$!
wait_until 10 port_up "$LAB_TLS_RELAY_PORT"
tunnel relay "$TLS/ca.crt" 127.0.0.1 "$LAB_TLS_RELAY_PORT"
jq --argjson p "$LAB_TLS_TEST_PORT" '.redis.port = $p' "$MAILNOC_CONFIG" > "$T/relay.json"
out=$("$B/mailnoc" --config "$T/relay.json" block "$IP" --for 10m --reason "$CANARY" 2>&1)
expect_eq "a block through the recorded tunnel works ($out)" 0 $?
expect_eq "Redis has the marker as the reason" "$CANARY" "$(lcli HGET "${P}block:$IP" reason)"
check "the relay saw the bytes ($(wc -c < "$T/wire") of them)" \
	[ "$(wc -c < "$T/wire")" -gt 1000 ]
check "the marker is not among them" sh -c "! grep -a -q '$CANARY' '$T/wire'"
check "nor the command, the user or the key" \
	sh -c "! grep -a -q -i -e HSET -e admin -e 'block:$IP' '$T/wire'"
untunnel relay
kill "$RELAY" 2>/dev/null
RELAY=

# --- a tunnel that cannot verify the server refuses it
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/other-ca.key" -out "$T/other-ca.crt" -days 1 \
	-subj "/CN=another CA" >/dev/null 2>&1
tunnel wrongca "$T/other-ca.crt" 127.0.0.1 "$LAB_REDIS_TLS_PORT"
check "a tunnel trusting another CA starts" port_up "$LAB_TLS_TEST_PORT"
jq --argjson p "$LAB_TLS_TEST_PORT" '.redis.port = $p' "$MAILNOC_CONFIG" > "$T/wrong.json"
t0=$(date +%s)
out=$("$B/mailnoc" --config "$T/wrong.json" status 2>&1)
rc=$?
secs=$(($(date +%s) - t0))
expect_eq "the console, through it, exits 3 (Redis unreachable)" 3 "$rc"
expect_eq "with one line naming the tunnel's address and the cause" \
	"mailnoc: redis at 127.0.0.1:$LAB_TLS_TEST_PORT closed the connection before answering (a TLS tunnel in between that cannot reach or verify the server does that: see its log)" \
	"$(echo "$out" | head -n 2)"
check "at once, no hang (${secs} s)" [ "$secs" -le 5 ]
check "stunnel logs the refused certificate" \
	grep -q 'Rejected by CERT at depth=1\|CERT: Verification error' "$T/wrongca.log"
untunnel wrongca

tunnel wrongip "$TLS/ca.crt" 127.0.0.2 "$LAB_REDIS_TLS_PORT"
out=$("$B/mailnoc" --config "$T/wrong.json" status 2>&1)
expect_eq "a tunnel expecting another address (checkIP) refuses too: exit 3" 3 $?
check "stunnel logs the address mismatch" \
	grep -q 'Rejected by CERT at depth=0: CN=127.0.0.1' "$T/wrongip.log"
untunnel wrongip

# --- the shipped example (packaging/stunnel/), with the lab's addresses,
# certificates and ports, as systemd runs it: in the foreground, then as
# the stunnel4 user
X=$ROOT/packaging/stunnel
sed -e "s|^accept = .*|accept = 127.0.0.1:$LAB_TLS_TEST_PORT|" \
	-e "s|^connect = .*|connect = 127.0.0.1:$LAB_REDIS_TLS_PORT|" \
	-e "s|^checkIP = .*|checkIP = 127.0.0.1|" \
	-e "s|/etc/mailnoc/tls/ca.crt|$TLS/ca.crt|" \
	-e "s|/etc/mailnoc/tls/node.crt|$TLS/client.crt|" \
	-e "s|/etc/mailnoc/tls/node.key|$TLS/client.key|" \
	"$X/mailnoc-redis.conf" > "$T/example.conf"
"$STUNNEL" "$T/example.conf" > "$T/example.log" 2>&1 &
EXAMPLE=$!
check "the example configuration starts stunnel" \
	wait_until 10 port_up "$LAB_TLS_TEST_PORT"
out=$(REDISCLI_AUTH=$(cat "$LAB/secrets/noc.pass") timeout 5 redis-cli \
	-h 127.0.0.1 -p "$LAB_TLS_TEST_PORT" --user noc --no-auth-warning PING 2>&1)
expect_eq "and carries a PING to the TLS port" PONG "$out"
check "running as stunnel4" \
	[ "$(ps -o user= -p "$EXAMPLE" 2>/dev/null | tr -d ' ')" = stunnel4 ]
kill "$EXAMPLE" 2>/dev/null
wait "$EXAMPLE" 2>/dev/null
if command -v systemd-analyze >/dev/null 2>&1 && [ -f /lib/systemd/system/stunnel@.service ]; then
	mkdir "$T/units"
	cp /lib/systemd/system/stunnel@.service "$T/units/"
	cp -r "$X/stunnel@mailnoc-redis.service.d" "$T/units/"
	out=$(SYSTEMD_UNIT_PATH=$T/units: systemd-analyze verify \
		"$T/units/stunnel@mailnoc-redis.service" 2>&1)
	expect_eq "systemd-analyze verify accepts the tunnel's drop-in" "0:" "$?:$out"
else
	ok "skipped: no systemd-analyze or no stunnel@.service"
fi

finish
