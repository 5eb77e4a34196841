#!/bin/sh
# While Redis is away, mailnocd decides from its copy of the blocks, relay
# permits and agency limits: real SMTP through the lab's gateways with Redis
# killed (SIGKILL) and hung (SIGSTOP), a block that ends during the outage,
# the volume counts written once Redis is back, and the same through a
# Sentinel failover (servers of its own on LAB_SENTINEL_BASE + 10..13).
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents stopped and removes the keys it wrote.
. "$(dirname "$0")/../lib.sh"
B=$MAILNOC_BIN
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$(dirname "$MAILNOC_CONFIG")
MAILNOC_LAB_DIR=$LAB
export MAILNOC_LAB_DIR MAILNOC_BIN
. "$ROOT/tests/lab/ports"
AGENTS=$ROOT/tests/lab/agents
TRAFFIC=$ROOT/tests/lab/traffic
TMP=$(mktemp -d /tmp/mailnoc-t-copy.XXXXXX)

REDIS_HOST=$(jq -r .redis.host "$MAILNOC_CONFIG")
REDIS_PORT=$(jq -r .redis.port "$MAILNOC_CONFIG")
REDIS_USER=$(jq -r .redis.user "$MAILNOC_CONFIG")
REDIS_PASS_FILE=$(jq -r .redis.password_file "$MAILNOC_CONFIG")
P=$(jq -r '.redis.prefix // "mailnoc:"' "$MAILNOC_CONFIG")
GW1_POLICY=$(jq -r '.nodes[] | select(.name == "gw1") | .policy.listen[0]' "$MAILNOC_CONFIG")
GW1_PPORT=${GW1_POLICY##*:}
# Addresses this test owns.
T_AGENCY=t-copy
T_IP=127.0.2.211        # permitted (t-copy)
BLOCK_IP=127.0.2.212    # blocked for good
EXP_IP=127.0.2.213      # permitted, blocked for a few seconds
NOPERMIT=127.0.2.214    # neither
BAD_IP=127.0.2.215      # a block the copy cannot read

rcli() {
	REDISCLI_AUTH=$(cat "$REDIS_PASS_FILE") redis-cli -h "$REDIS_HOST" \
		-p "$REDIS_PORT" --user "$REDIS_USER" --no-auth-warning "$@"
}

SPID=
RPID=
SB=$((${LAB_SENTINEL_BASE:-16401} + 10))
keys_clean() {
	rcli DEL "${P}block:$BLOCK_IP" "${P}block:$EXP_IP" "${P}agency:$T_AGENCY" \
		"${P}permit:$T_IP" "${P}permit:$EXP_IP" "${P}block:$BAD_IP" >/dev/null
	rcli ZREM "${P}blocks" "$BLOCK_IP" "$EXP_IP" "$BAD_IP" >/dev/null
	rcli HDEL "${P}permit" "$T_IP" "$EXP_IP" >/dev/null
	rcli SREM "${P}agencies" "$T_AGENCY" >/dev/null
	for k in $(rcli --scan --pattern "${P}vol:*"); do
		for m in msgs rcpts bytes rejected deferred; do
			rcli HDEL "$k" "$T_AGENCY|$m" >/dev/null
		done
	done
}
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	for p in $((SB + 2)) $((SB + 1)) $SB; do
		redis-cli -p "$p" shutdown nosave >/dev/null 2>&1
	done
	"$AGENTS" stop >/dev/null 2>&1
	if [ -n "$RPID" ]; then kill -CONT "$RPID" 2>/dev/null; fi
	port_up "$LAB_REDIS_PORT" || "$ROOT/tests/lab/up" >/dev/null 2>&1
	keys_clean
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port_up() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# wait_until SECONDS COMMAND...: polls every 0.2 s; true once it succeeds.
wait_until() {
	w_limit=$(($1 * 5))
	shift
	w_i=0
	while [ "$w_i" -lt "$w_limit" ]; do
		if "$@"; then return 0; fi
		sleep 0.2
		w_i=$((w_i + 1))
	done
	return 1
}

# ask PORT IP [STATE [EXTRA]]: the policy service's answer for one request.
ask() {
	perl -e '
		use IO::Socket::INET;
		my ($port, $ip, $state, $extra) = @ARGV;
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or exit 0;
		$extra =~ s/\\n/\n/g;
		print $s "request=smtpd_access_policy\nprotocol_state=$state\n" .
			"protocol_name=ESMTP\nclient_address=$ip\n$extra\n";
		local $SIG{ALRM} = sub { exit 0 }; alarm 3;
		while (defined(my $l = <$s>)) { chomp $l; last if $l eq ""; print "$l\n" }' \
		"$1" "$2" "${3:-RCPT}" "${4:-}"
}

# send FROM-IP RCPTS...: one message through gw1 with swaks; prints the
# transcript; exit status is swaks'.
send() {
	s_ip=$1
	shift
	s_to=$(echo "$@" | tr ' ' ',')
	swaks --server "127.0.0.1:$LAB_GW1_SMTP_PORT" --local-interface "$s_ip" \
		-f app@agency.test -t "$s_to" --data "$TMP/msg" 2>&1
}

# vol METRIC: the test agency's METRIC over the vol:m buckets of the test.
vol() {
	v_n=0
	for k in $(rcli --scan --pattern "${P}vol:m:*"); do
		v=$(rcli HGET "$k" "$T_AGENCY|$1")
		v_n=$((v_n + ${v:-0}))
	done
	echo "$v_n"
}

# relays IP N: N messages of 2 recipients each from IP relay through gw1.
relays() {
	r_i=0
	while [ "$r_i" -lt "$2" ]; do
		send "$1" u1@accept.test u2@accept.test > "$TMP/out" || return 1
		r_i=$((r_i + 1))
	done
}

# The redis-server itself (clients reach it through the lab's TLS tunnel).
redis_pid() {
	ss -Hltnp "sport = :$LAB_REDIS_PORT" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2
}

# copy_current: the agent confirmed its copy after the last write (it
# reads policy:version every second; 3 s leave room for a load).
copy_current() { sleep 3; }

printf 'Subject: copy test\r\n\r\nOne line of text for the copy test.\r\n' > "$TMP/msg"
"$AGENTS" stop >/dev/null 2>&1
keys_clean

# --- the data, written as the console writes it
"$B/mailnoc" agency add "$T_AGENCY" --name "copy test" > "$TMP/out" 2>&1
expect_eq "the test agency is added" 0 "$?"
"$B/mailnoc" permit add "$T_IP" "$T_AGENCY" >/dev/null 2>&1 &&
	"$B/mailnoc" permit add "$EXP_IP" "$T_AGENCY" >/dev/null 2>&1
expect_eq "two permits are added" 0 "$?"
v0=$(rcli GET "${P}policy:version")
"$B/mailnoc" block "$BLOCK_IP" --permanent --reason "copy test, ticket 21" >/dev/null 2>&1
expect_eq "a permanent block is added" 0 "$?"
v1=$(rcli GET "${P}policy:version")
check "the block moved policy:version ($v0 -> $v1)" test "${v1:-0}" -gt "${v0:-0}"

LOG1=$LAB/agents/gw1.log
start_from=1
[ -f "$LOG1" ] && start_from=$(($(wc -l < "$LOG1") + 1))
out=$("$AGENTS" start gw1 gw2 2>&1)
expect_eq "the gateway agents start" 0 "$?"
loaded() { tail -n "+$start_from" "$LOG1" | grep -q "policy: copy loaded: .* permits"; }
check "gw1 loaded its copy" wait_until 10 loaded
expect_eq "with redis up, the block is enforced from redis" \
	"action=REJECT $BLOCK_IP is blocked: copy test, ticket 21" "$(ask "$GW1_PPORT" "$BLOCK_IP")"
out=$("$B/mailnoc" nodes --json 2>&1)
expect_eq "nodes --json: gw1 decides from redis" redis \
	"$(echo "$out" | jq -r '.[] | select(.name == "gw1") | .policy.source' 2>/dev/null)"

# --- a record the copy cannot read: skipped, logged once, the rest kept
log_from=$(($(wc -l < "$LOG1") + 1))
rcli HSET "${P}block:$BAD_IP" reason "bad one" until soon >/dev/null
rcli ZADD "${P}blocks" 0 "$BAD_IP" >/dev/null
rcli INCR "${P}policy:version" >/dev/null
skipped() { tail -n "+$log_from" "$LOG1" | grep -q "policy: copy: 1 record skipped, not readable (the first: block of $BAD_IP: until 'soon' is not a time); the rest of the copy is used"; }
check "a block the copy cannot read is skipped, in one log line" wait_until 10 skipped
"$B/mailnoc" permit add 127.0.2.216 "$T_AGENCY" >/dev/null 2>&1
"$B/mailnoc" permit remove 127.0.2.216 --yes >/dev/null 2>&1
copy_current
expect_eq "and said once, not at each reload" 1 \
	"$(tail -n "+$log_from" "$LOG1" | grep -c "policy: copy: 1 record skipped")"
rcli DEL "${P}block:$BAD_IP" >/dev/null
rcli ZREM "${P}blocks" "$BAD_IP" >/dev/null

# --- SIGKILL: the copy decides
"$B/mailnoc" block "$EXP_IP" --for 30s --reason "short one" >/dev/null 2>&1
expect_eq "a block of 30 s is added" 0 "$?"
expires=$(rcli HGET "${P}block:$EXP_IP" until)
check "messages from $T_IP relay with redis up" relays "$T_IP" 2
copy_current
msgs0=$(vol msgs)
rcpts0=$(vol rcpts)
expect_eq "redis counted them (msgs)" 2 "$msgs0"
vbefore=$(rcli GET "${P}policy:version")
log_from=$(($(wc -l < "$LOG1") + 1))
RPID=$(redis_pid)
# The last counts are in the append-only file (appendfsync everysec).
sleep 1.5
kill -KILL "$RPID"
check "redis is killed" wait_until 5 sh -c "! ss -Hltn 'sport = :$LAB_REDIS_PORT' | grep -q ."
RPID=
out=$(send "$BLOCK_IP" u1@accept.test)
expect_contains "redis killed: Postfix still refuses the blocked address with the reason" \
	"Recipient address rejected: $BLOCK_IP is blocked: copy test, ticket 21" "$out"
out=$(send "$NOPERMIT" u1@accept.test)
expect_contains "an address without a permit is still refused" \
	"Recipient address rejected: $NOPERMIT is not registered for relay" "$out"
check "a permitted address still relays (3 messages, 2 recipients each)" relays "$T_IP" 3
out=$(ask "$GW1_PPORT" "$EXP_IP")
expect_contains "the short block is enforced from the copy" \
	"action=REJECT $EXP_IP is blocked: short one until" "$out"
check "the outage is logged as decided from the copy" sh -c \
	"tail -n '+$log_from' '$LOG1' | grep -q 'policy: cannot ask redis: .*; deciding from the copy'"
# The heartbeat cannot reach Redis now; the agent's own view is in its log.
wait_until 45 sh -c "[ \$(date +%s) -ge $expires ]"
out=$(ask "$GW1_PPORT" "$EXP_IP")
expect_eq "at its end the short block is no longer enforced" "action=DUNNO" "$out"
check "and its address relays again" relays "$EXP_IP" 1
"$ROOT/tests/lab/up" >/dev/null 2>&1
expect_eq "tests/lab/up restarts redis" 0 "$?"
expect_eq "policy:version survived the restart (append-only file replay)" \
	"$vbefore" "$(rcli GET "${P}policy:version")"
back() { tail -n "+$log_from" "$LOG1" | grep -q "policy: redis answers again"; }
check "the agent decides from redis again" wait_until 20 back
line=$(tail -n "+$log_from" "$LOG1" | grep "policy: redis answers again" | head -n 1)
n_copy=$(echo "$line" | sed -n 's/.* \([0-9]*\) requests were decided from the copy and \([0-9]*\) got.*/\1/p')
n_fail=$(echo "$line" | sed -n 's/.* \([0-9]*\) requests were decided from the copy and \([0-9]*\) got.*/\2/p')
check "and says how many decisions came from the copy ($n_copy)" test "${n_copy:-0}" -ge 10
expect_eq "none got the fail action" 0 "$n_fail"
MPORT=$(jq -r '.nodes[] | select(.name == "gw1") | .metrics_listen // empty' "$MAILNOC_CONFIG" | sed 's/.*://')
if [ -n "$MPORT" ]; then
	m=$(curl -s "http://127.0.0.1:$MPORT/metrics" |
		sed -n 's/^mailnocd_policy_copy_decisions_total{node="gw1"} //p')
	check "/metrics counts the decisions from the copy (${m:-none} >= $n_copy)" \
		test "${m:-0}" -ge "${n_copy:-1}"
fi
counted() { [ "$(vol msgs)" -ge $((msgs0 + 4)) ]; }
wait_until 10 counted
expect_eq "after the outage the messages are counted: before + 4 sent during it" \
	"$((msgs0 + 4))" "$(vol msgs)"
expect_eq "and the recipients" "$((rcpts0 + 8))" "$(vol rcpts)"
# The heartbeat comes back with its own back-off (up to 8 s).
copy_decisions() {
	"$B/mailnoc" nodes --json 2>/dev/null |
		jq -r '.[] | select(.name == "gw1") | .policy.copy_decisions' 2>/dev/null
}
reported() { n=$(copy_decisions); [ "${n:-0}" -ge "${n_copy:-1}" ] 2>/dev/null; }
check "nodes --json carries the copy decisions of gw1" wait_until 20 reported

# --- SIGSTOP: redis hangs with its sockets open
copy_current
msgs0=$(vol msgs)
rcpts0=$(vol rcpts)
log_from=$(($(wc -l < "$LOG1") + 1))
RPID=$(redis_pid)
kill -STOP "$RPID"
out=$(send "$BLOCK_IP" u1@accept.test)
expect_contains "redis hung: the blocked address is refused with the reason" \
	"Recipient address rejected: $BLOCK_IP is blocked: copy test, ticket 21" "$out"
out=$(send "$NOPERMIT" u1@accept.test)
expect_contains "the address without a permit is refused" \
	"$NOPERMIT is not registered for relay" "$out"
check "the permitted address relays (2 messages)" relays "$T_IP" 2
# Long enough for the hung connection to be dropped and reconnects to fail.
sleep 4
check "one more relays after the connection was given up" relays "$T_IP" 1
kill -CONT "$RPID"
RPID=
check "with redis running again the agent decides from it" wait_until 20 back
counted() { [ "$(vol msgs)" -ge $((msgs0 + 3)) ]; }
wait_until 10 counted
sleep 1
expect_eq "after the hang the messages are counted once: before + 3" \
	"$((msgs0 + 3))" "$(vol msgs)"
expect_eq "and the recipients" "$((rcpts0 + 6))" "$(vol rcpts)"
check "no volume increment was lost" sh -c \
	"! tail -n '+$log_from' '$LOG1' | grep -q 'volume increments may be lost'"

# --- the copy's age is bounded: gw2 with copy_max_age_s 3
"$AGENTS" stop gw2 >/dev/null 2>&1
jq '(.nodes[] | select(.name == "gw2") | .policy) += { copy_max_age_s: 3 }' \
	"$LAB/agents/gw2.json" > "$TMP/gw2.json"
GW2_SOCK=$(jq -r '.nodes[] | select(.name == "gw2") | .policy.listen[] | select(startswith("/"))' "$TMP/gw2.json")
"$B/mailnocd" -c "$TMP/gw2.json" --node gw2 --log "$TMP/gw2.log" &
SPID=$!
sockask() {
	perl -e '
		use IO::Socket::UNIX;
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 0;
		print $s "request=smtpd_access_policy\nprotocol_state=RCPT\n" .
			"client_address=$ARGV[1]\n\n";
		local $SIG{ALRM} = sub { exit 0 }; alarm 3;
		while (defined(my $l = <$s>)) { chomp $l; last if $l eq ""; print "$l\n" }' \
		"$GW2_SOCK" "$1"
}
check "gw2 (copy_max_age_s 3) loaded its copy" wait_until 10 \
	grep -qs "policy: copy loaded" "$TMP/gw2.log"
RPID=$(redis_pid)
kill -STOP "$RPID"
out=$(sockask "$NOPERMIT")
expect_eq "gw2: at first the copy decides" "action=REJECT $NOPERMIT is not registered for relay" "$out"
sleep 5
out=$(sockask "$NOPERMIT")
expect_eq "gw2: a copy older than copy_max_age_s gives the fail action" "action=DUNNO" "$out"
check "gw2 says so" grep -q "policy: the copy is older than copy_max_age_s (3 s): answering 'DUNNO'" "$TMP/gw2.log"
kill -CONT "$RPID"
RPID=
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
SPID=
"$AGENTS" stop gw1 gw2 >/dev/null 2>&1

# --- a Sentinel failover: servers of its own, one agent without Postfix
M=$SB R=$((SB + 1)) S=$((SB + 2)) PP=$((SB + 3))
start_redis() {
	port=$1
	shift
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$TMP" --dbfilename "dump$port.rdb" --daemonize yes \
		--logfile "$TMP/redis$port.log" --pidfile "$TMP/redis$port.pid" "$@" >/dev/null
}
start_redis $M
start_redis $R --replicaof 127.0.0.1 $M
cat > "$TMP/sentinel.conf" <<EOC
port $S
bind 127.0.0.1
daemonize yes
logfile $TMP/sentinel.log
pidfile $TMP/sentinel.pid
dir $TMP
sentinel monitor copy 127.0.0.1 $M 1
sentinel down-after-milliseconds copy 1000
sentinel failover-timeout copy 5000
EOC
redis-server "$TMP/sentinel.conf" --sentinel >/dev/null
for i in $(seq 50); do
	redis-cli -p $S ping >/dev/null 2>&1 && redis-cli -p $R ping >/dev/null 2>&1 && break
	sleep 0.1
done
cat > "$TMP/sentinel.json" <<EOC
{ "redis": { "sentinels": [ { "host": "127.0.0.1", "port": $S } ],
             "master_name": "copy", "connect_timeout_ms": 500 },
  "ssh": { "agent": true },
  "nodes": [ { "name": "gw9", "role": "gateway", "cluster": "gw", "ssh_host": "127.0.0.1",
               "policy": { "listen": [ "127.0.0.1:$PP" ] } } ] }
EOC
SC="$B/mailnoc -c $TMP/sentinel.json"
$SC agency add "$T_AGENCY" --name "copy test" >/dev/null 2>&1 &&
	$SC permit add "$T_IP" "$T_AGENCY" >/dev/null 2>&1 &&
	$SC block "$BLOCK_IP" --permanent --reason "through the failover" >/dev/null 2>&1
expect_eq "sentinel: the console writes the test data through sentinel" 0 "$?"
synced() { [ "$(redis-cli -p $R get mailnoc:policy:version)" = "$(redis-cli -p $M get mailnoc:policy:version)" ]; }
check "the replica has it" wait_until 10 synced
"$B/mailnocd" -c "$TMP/sentinel.json" --node gw9 --log "$TMP/gw9.log" &
SPID=$!
check "the agent loaded its copy through sentinel" wait_until 10 \
	grep -qs "policy: copy loaded: 1 blocks, 1 permits" "$TMP/gw9.log"
expect_eq "the block is enforced" "action=REJECT $BLOCK_IP is blocked: through the failover" \
	"$(ask "$PP" "$BLOCK_IP")"
redis-cli -p $M shutdown nosave >/dev/null 2>&1
# During the failover: every answer from the copy, none the fail action.
n_eom=0
fails=0
t_end=$(($(date +%s) + 4))
while [ "$(date +%s)" -lt "$t_end" ]; do
	a=$(ask "$PP" "$BLOCK_IP")
	[ "$a" = "action=REJECT $BLOCK_IP is blocked: through the failover" ] || fails=$((fails + 1))
	a=$(ask "$PP" "$NOPERMIT")
	[ "$a" = "action=REJECT $NOPERMIT is not registered for relay" ] || fails=$((fails + 1))
	a=$(ask "$PP" "$T_IP" END-OF-MESSAGE 'recipient_count=2\nsize=100\n')
	[ "$a" = "action=DUNNO" ] && n_eom=$((n_eom + 1))
done
expect_eq "during the failover the block and the missing permit were enforced every time" 0 "$fails"
check "and $n_eom messages of the permit were accepted" test "$n_eom" -gt 3
moved=no
for i in $(seq 300); do
	addr=$(redis-cli -p $S sentinel get-master-addr-by-name copy 2>/dev/null | tail -n 1)
	if [ "$addr" = "$R" ]; then moved=yes; break; fi
	sleep 0.1
done
expect_eq "sentinel promoted the replica" yes "$moved"
followed() { grep -q "policy: redis answers again at 127.0.0.1:$R" "$TMP/gw9.log"; }
check "the agent follows to the new master" wait_until 20 followed
vm() {
	v_n=0
	for k in $(redis-cli -p $R --scan --pattern "mailnoc:vol:m:*"); do
		v=$(redis-cli -p $R hget "$k" "$T_AGENCY|$1")
		v_n=$((v_n + ${v:-0}))
	done
	echo "$v_n"
}
eom_counted() { [ "$(vm msgs)" -ge "$n_eom" ]; }
wait_until 10 eom_counted
expect_eq "the new master holds the messages accepted during the failover" "$n_eom" "$(vm msgs)"
expect_eq "and their recipients" "$((n_eom * 2))" "$(vm rcpts)"
line=$(grep "policy: redis answers again at 127.0.0.1:$R" "$TMP/gw9.log" | head -n 1)
expect_contains "no request got the fail action" "and 0 got the fail action" "$line"

cleanup
trap - EXIT
finish
