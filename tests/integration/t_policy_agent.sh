#!/bin/sh
# mailnocd as the gateways' Postfix policy service, against the lab's real
# Postfix: permits, blocks, agency limits, volume counts, malformed requests,
# and decisions from the agent's copy while Redis is down (t_policy_copy.sh
# has the rest of that).
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents stopped and removes the keys it wrote.
. "$(dirname "$0")/../lib.sh"
lab_env
TRAFFIC=$ROOT/tests/lab/traffic
TMP=$(mktemp -d /tmp/mailnoc-t-policy.XXXXXX)

redis_env
GW1_POLICY=$(jq -r '.nodes[] | select(.name == "gw1") | .policy.listen[0]' "$MAILNOC_CONFIG")
GW1_PPORT=${GW1_POLICY##*:}
GW2_SOCK=$(jq -r '.nodes[] | select(.name == "gw2") | .policy.listen[] | select(startswith("/"))' "$MAILNOC_CONFIG")
# Addresses this test owns: a test agency's permit and two unregistered.
T_IP=127.0.2.201
T_AGENCY=t-policy
NOPERMIT=127.0.2.77
BLOCK_IP=127.0.1.11     # permitted (tax) in the seeded data

cleanup() {
	"$AGENTS" stop >/dev/null 2>&1
	port_up "$LAB_REDIS_PORT" || "$ROOT/tests/lab/up" >/dev/null 2>&1
	block_forget "$BLOCK_IP" "$T_IP"
	rcli HDEL "${P}permit" "$T_IP" "127.0.2.202" >/dev/null
	rcli HDEL "${P}node:gw1" drain >/dev/null
	agency_forget "$T_AGENCY" t-bulk
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ask WHERE REQUEST-TEXT: sends raw bytes (printf %b escapes) to the policy
# service at a TCP port or unix socket path; prints every answer line read
# within 3 s, until the server has answered N requests (N = $ASK_N, 1).
ask() {
	perl -e '
		use IO::Socket::INET; use IO::Socket::UNIX;
		my ($where, $data, $n) = @ARGV;
		$data =~ s/\\n/\n/g; $data =~ s/\\r/\r/g;
		$data =~ s/\\([0-7]{1,3})/chr(oct($1))/ge;
		my $s = $where =~ m{^/}
			? IO::Socket::UNIX->new(Peer => $where)
			: IO::Socket::INET->new(PeerAddr => "127.0.0.1:$where");
		die "cannot connect to $where: $!\n" unless $s;
		print $s $data; $s->flush;
		local $SIG{ALRM} = sub { exit 0 }; alarm 3;
		while ($n > 0 && defined(my $l = <$s>)) {
			chomp $l;
			if ($l eq "") { $n--; next }
			print "$l\n";
		}' "$1" "$2" "${ASK_N:-1}"
}

REQ='request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n'

# stream PORT IP STOPFILE MAX_SECONDS: one persistent connection, a request
# for IP every 20 ms until STOPFILE exists; prints one line per answer:
# seconds since the start (the send), milliseconds it took, the action.
# stream_now prints the same clock for $TMP/stream.t0.
stream() {
	perl -e '
		use IO::Socket::INET; use Time::HiRes qw(time sleep);
		my ($port, $ip, $stop, $max, $t0file) = @ARGV;
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
			or die "cannot connect to $port: $!\n";
		my $req = "request=smtpd_access_policy\nprotocol_state=RCPT\n" .
			"protocol_name=ESMTP\nclient_address=$ip\n\n";
		$| = 1;
		my $t0 = time;
		open(my $f, ">", $t0file) or die; print $f "$t0\n"; close $f;
		while (time - $t0 < $max && !-e $stop) {
			my $t = time;
			print $s $req; $s->flush;
			my $a = "";
			while (defined(my $l = <$s>)) { chomp $l; last if $l eq ""; $a = $l }
			die "the connection closed\n" if $a eq "";
			printf "%.3f %.1f %s\n", $t - $t0, (time - $t) * 1000, $a;
			sleep 0.02;
		}' "$1" "$2" "$3" "$4" "$TMP/stream.t0"
}
stream_now() {
	perl -MTime::HiRes=time -e 'printf "%.3f\n", time - $ARGV[0]' "$(cat "$TMP/stream.t0")"
}

# send FROM-IP GATEWAY-PORT RCPTS...: one message with swaks; prints the
# transcript; exit status is swaks'.
send() {
	s_ip=$1 s_port=$2
	shift 2
	s_to=$(echo "$@" | tr ' ' ',')
	swaks --server "127.0.0.1:$s_port" --local-interface "$s_ip" \
		-f app@agency.test -t "$s_to" --data "$TMP/msg" 2>&1
}

# Bytes Postfix reports as the message size: each DATA line and its CRLF,
# as swaks sent them (between the 354 and the final dot).
data_bytes() {
	awk '/^<- +354/ { on = 1; next } on && /^ -> \.$/ { exit }
		on && /^ -> / { l = substr($0, 5); sub(/\r$/, "", l); n += length(l) + 2 }
		END { print n + 0 }'
}

vol_sum() {   # m|h METRIC FIRST LAST
	v_n=0
	v_b=$3
	while [ "$v_b" -le "$4" ]; do
		v=$(rcli HGET "${P}vol:$1:$v_b" "$T_AGENCY|$2")
		v_n=$((v_n + ${v:-0}))
		v_b=$((v_b + 1))
	done
	echo "$v_n"
}

printf 'Subject: policy test\r\n\r\nOne line of text for the policy test.\r\n' > "$TMP/msg"
"$AGENTS" stop >/dev/null 2>&1

# --- without an agent, mail flows at once (the lab's default_action=DUNNO)
t0=$(date +%s%N)
send "$NOPERMIT" "$LAB_GW1_SMTP_PORT" u1@accept.test > "$TMP/out"
expect_eq "with no agent running an unregistered address relays (DUNNO)" 0 "$?"
ms=$((($(date +%s%N) - t0) / 1000000))
check "without delay ($ms ms < 2000)" test "$ms" -lt 2000

# --- the agents of both gateways
out=$("$AGENTS" start gw1 gw2 2>&1)
expect_eq "the gateway agents start" 0 "$?"
check "gw1's policy service listens on $GW1_POLICY" port_up "$GW1_PPORT"
check "gw2's policy socket exists ($GW2_SOCK)" test -S "$GW2_SOCK"
PID1=$(cat "$LAB/agents/gw1.pid")
LOG1=$LAB/agents/gw1.log
LOG2=$LAB/agents/gw2.log

# --- relay permits
send 127.0.1.10 "$LAB_GW1_SMTP_PORT" u1@accept.test > "$TMP/out"
expect_eq "a permitted address (127.0.1.10, tax) relays through gw1" 0 "$?"
qid=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$TMP/out")
check "and the accept sink takes it ($qid)" wait_until 10 \
	grep -q "$qid: to=<u1@accept.test>.*status=sent" "$LAB/gw1/maillog"
out=$("$TRAFFIC" --gw gw2 --from-ip 127.0.1.20 -n 2 -m 2 --to-domain accept.test 2>&1)
expect_contains "127.0.1.20 (health) relays through gw2 (unix socket)" "queued 2 message" "$out"
out=$("$TRAFFIC" --gw gw1 --from-ip "$NOPERMIT" -n 1 --to-domain accept.test 2>&1)
expect_contains "an unregistered address is refused on gw1" \
	"554 5.7.1 <u1@accept.test>: Recipient address rejected: $NOPERMIT is not registered for relay" "$out"
out=$("$TRAFFIC" --gw gw2 --from-ip "$NOPERMIT" -n 1 --to-domain accept.test 2>&1)
expect_contains "and on gw2" "$NOPERMIT is not registered for relay" "$out"

# --- blocks, written as the console will write them
now=$(date +%s)
rcli HSET "${P}block:$BLOCK_IP" reason "spam run, ticket 4711" who "t@lab" \
	since "$now" until 0 >/dev/null
rcli ZADD "${P}blocks" 0 "$BLOCK_IP" >/dev/null
out=$("$TRAFFIC" --gw gw1 --from-ip "$BLOCK_IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "a blocked address is refused with the recorded reason" \
	"Recipient address rejected: $BLOCK_IP is blocked: spam run, ticket 4711" "$out"
expect_eq "the block counts its hit" 1 "$(rcli HGET "${P}block:$BLOCK_IP" hits)"
check "and when" test "$(rcli HGET "${P}block:$BLOCK_IP" last_hit)" -ge "$now"
rcli DEL "${P}block:$BLOCK_IP" >/dev/null
rcli ZREM "${P}blocks" "$BLOCK_IP" >/dev/null
out=$("$TRAFFIC" --gw gw1 --from-ip "$BLOCK_IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "once the block is removed it relays again" "queued 1 message" "$out"
until=$((now + 2))
rcli HSET "${P}block:$BLOCK_IP" reason "cool down" who "t@lab" since "$now" \
	until "$until" >/dev/null
rcli EXPIREAT "${P}block:$BLOCK_IP" "$until" >/dev/null
out=$(ASK_N=1 ask "$GW1_PPORT" "${REQ}client_address=$BLOCK_IP\n\n")
expect_contains "a temporary block says until when" \
	"action=REJECT $BLOCK_IP is blocked: cool down until $(date -u -d "@$until" '+%Y-%m-%d %H:%M:%S') UTC" "$out"
sleep 3
out=$(ASK_N=1 ask "$GW1_PPORT" "${REQ}client_address=$BLOCK_IP\n\n")
expect_eq "and ends by itself" "action=DUNNO" "$out"
expect_eq "counting hits never brings an expired block back" 0 \
	"$(rcli EXISTS "${P}block:$BLOCK_IP")"

# --- agency limits
out=$("$TRAFFIC" --gw gw1 --from-ip 127.0.1.30 -n 1 -m 6 --to-domain accept.test 2>&1)
expect_contains "6 recipients from dmv (max_rcpts 5) are deferred naming the limit" \
	"450 4.7.1 <DATA>: Data command rejected: 6 recipients in one message, agency dmv may send 5 per message" "$out"
out=$("$TRAFFIC" --gw gw1 --from-ip 127.0.1.30 -n 1 -m 5 --to-domain accept.test 2>&1)
expect_contains "5 recipients pass" "queued 1 message" "$out"
out=$(ASK_N=1 ask "$GW1_PPORT" "${REQ}client_address=$NOPERMIT\npolicy_context=inbound\n\n")
expect_eq "policy_context=inbound: no permit needed" "action=DUNNO" "$out"

# --- counting: a test agency, exact numbers in vol:m and vol:h
rcli SADD "${P}agencies" "$T_AGENCY" >/dev/null
rcli HSET "${P}agency:$T_AGENCY" name "policy test" max_rcpts 2 >/dev/null
rcli HSET "${P}permit" "$T_IP" "$T_AGENCY" >/dev/null
m0=$(($(date +%s) / 60))
bytes=0
i=0
while [ "$i" -lt 3 ]; do
	send "$T_IP" "$LAB_GW1_SMTP_PORT" u1@accept.test u2@accept.test > "$TMP/out" ||
		not_ok "message $i from $T_IP was refused: $(grep '<\*\*' "$TMP/out")"
	bytes=$((bytes + $(data_bytes < "$TMP/out")))
	i=$((i + 1))
done
send "$T_IP" "$LAB_GW2_SMTP_PORT" u1@accept.test u2@accept.test u3@accept.test > "$TMP/out"
expect_contains "3 recipients from $T_AGENCY (max_rcpts 2) are deferred" \
	"3 recipients in one message, agency $T_AGENCY may send 2 per message" "$(cat "$TMP/out")"
rcli HSET "${P}block:$T_IP" reason "count me" until 0 >/dev/null
send "$T_IP" "$LAB_GW2_SMTP_PORT" u1@accept.test > "$TMP/out"
expect_contains "a blocked permitted address is refused" "$T_IP is blocked: count me" "$(cat "$TMP/out")"
rcli DEL "${P}block:$T_IP" >/dev/null
m1=$(($(date +%s) / 60))
counted() { [ "$(vol_sum m rejected "$((m0 - 1))" "$m1")" -ge 1 ]; }
wait_until 3 counted
for metric in "msgs 3" "rcpts 6" "bytes $bytes" "deferred 1" "rejected 1"; do
	set -- $metric
	expect_eq "vol:m holds $1 = $2 for $T_AGENCY" "$2" "$(vol_sum m "$1" "$((m0 - 1))" "$m1")"
	expect_eq "vol:h holds $1 = $2 for $T_AGENCY" "$2" "$(vol_sum h "$1" "$(((m0 - 1) / 60))" "$((m1 / 60))")"
done
ttl=$(rcli TTL "${P}vol:m:$m1")
check "vol:m:$m1 expires within 48 h ($ttl s)" test "$ttl" -gt 172000 -a "$ttl" -le 172800
ttl=$(rcli TTL "${P}vol:h:$((m1 / 60))")
check "vol:h expires within 60 days ($ttl s)" test "$ttl" -gt 5183000 -a "$ttl" -le 5184000

# --- the bulk guidance: recipients of the last 10 minutes; those of the 9
# minutes before this one are summed once a minute per agency (vol:b)
B_IP=127.0.2.202
B_AGENCY=t-bulk
rcli SADD "${P}agencies" "$B_AGENCY" >/dev/null
rcli HSET "${P}agency:$B_AGENCY" name "bulk test" bulk_rcpts 10 >/dev/null
rcli HSET "${P}permit" "$B_IP" "$B_AGENCY" >/dev/null
m=$(($(date +%s) / 60))
rcli HINCRBY "${P}vol:m:$((m - 4))" "$B_AGENCY|rcpts" 9 >/dev/null
out=$(ASK_N=1 ask "$GW1_PPORT" "${REQ}client_address=$B_IP\n\n")
expect_eq "9 recipients 4 minutes ago and 1 more: at the bulk limit of 10, accepted" \
	"action=DUNNO" "$out"
m=$(($(date +%s) / 60))
expect_eq "the sum of the minutes before is kept for the minute (vol:b)" 9 \
	"$(rcli HGET "${P}vol:b:$m" "$B_AGENCY")"
rcli HINCRBY "${P}vol:m:$m" "$B_AGENCY|rcpts" 1 >/dev/null
out=$(ASK_N=1 ask "$GW1_PPORT" "${REQ}client_address=$B_IP\n\n")
expect_contains "one more recipient this minute breaks it: deferred naming the guidance" \
	"action=DEFER_IF_PERMIT" "$out"
expect_contains "with the limit" "10" "$out"
# --- messages per minute: the agency's count of this minute
rcli HSET "${P}agency:$B_AGENCY" bulk_rcpts -1 max_per_minute 5 >/dev/null
m=$(($(date +%s) / 60))
rcli HINCRBY "${P}vol:m:$m" "$B_AGENCY|msgs" 5 >/dev/null
out=$(ASK_N=1 ask "$GW1_PPORT" "${REQ}client_address=$B_IP\n\n")
if [ "$m" = "$(($(date +%s) / 60))" ]; then
	expect_eq "5 messages this minute, the limit 5: deferred naming it" \
		"action=DEFER_IF_PERMIT agency $B_AGENCY may send 5 messages per minute, try again later" "$out"
else
	ok "messages per minute: skipped, the minute turned meanwhile"
fi

# --- draining: the console's flag on the node, read with every request
rcli HSET "${P}node:gw1" drain 1 >/dev/null
out=$(ASK_N=1 ask "$GW1_PPORT" "${REQ}client_address=127.0.1.10\n\n")
expect_contains "a draining gateway tells clients to try another" \
	"action=451 4.3.2" "$out"
out=$(ASK_N=1 ask "$GW2_SOCK" "${REQ}client_address=127.0.1.10\n\n")
expect_eq "the other gateway is not draining" "action=DUNNO" "$out"
rcli HDEL "${P}node:gw1" drain >/dev/null
out=$(ASK_N=1 ask "$GW1_PPORT" "${REQ}client_address=127.0.1.10\n\n")
expect_eq "undrained, it accepts again" "action=DUNNO" "$out"

rcli DEL "${P}agency:$B_AGENCY" "${P}vol:b:$m" >/dev/null
rcli SREM "${P}agencies" "$B_AGENCY" >/dev/null
rcli HDEL "${P}permit" "$B_IP" >/dev/null
for k in $(rcli --scan --pattern "${P}vol:m:*"); do
	rcli HDEL "$k" "$B_AGENCY|rcpts" "$B_AGENCY|msgs" "$B_AGENCY|deferred" >/dev/null
done

# --- malformed requests get an answer, the agent lives
out=$(ask "$GW1_PPORT" 'garbage\n\n')
expect_eq "a line without '=' is answered" "action=DUNNO" "$out"
out=$(ask "$GW1_PPORT" '\n')
expect_eq "an empty request is answered" "action=DUNNO" "$out"
out=$(ask "$GW1_PPORT" "request=smtpd_access_policy\nclient_address=10.0.0.0/8\n\n")
expect_eq "a bad client_address is answered" "action=DUNNO" "$out"
long=$(head -c 5000 /dev/zero | tr '\0' x)
out=$(ask "$GW1_PPORT" "${REQ}client_address=$NOPERMIT\nhelo_name=$long\n\n")
expect_eq "an over-long line is answered" "action=DUNNO" "$out"
out=$(ask "$GW1_PPORT" "\0\1\2binary\377\376=\n\n")
expect_eq "binary junk is answered" "action=DUNNO" "$out"
out=$(ASK_N=3 ask "$GW1_PPORT" "${REQ}client_address=$NOPERMIT\n\njunk\n\n${REQ}client_address=127.0.1.10\n\n")
expect_eq "pipelined requests are answered in order" \
	"action=REJECT $NOPERMIT is not registered for relay
action=DUNNO
action=DUNNO" "$out"
out=$(ask "$GW2_SOCK" "${REQ}client_address=$NOPERMIT\n\n")
expect_eq "the unix socket answers too" "action=REJECT $NOPERMIT is not registered for relay" "$out"
ask "$GW1_PPORT" "request=smtpd_access_policy\nclient_address=" >/dev/null   # hangs up mid-request
check "the agent lives through all of that" kill -0 "$PID1"
check "and logs malformed requests" grep -q "policy: malformed request answered DUNNO: line without '='" "$LOG1"

# --- redis down: decisions from the copy, logged once; redis back: from
# redis again
log_from=$(($(wc -l < "$LOG1") + 1))
lcli SHUTDOWN >/dev/null 2>&1
check "redis is stopped" wait_until 5 sh -c "! ss -Hltn 'sport = :$LAB_REDIS_PORT' | grep -q ."
t0=$(date +%s%N)
out=$("$TRAFFIC" --gw gw1 --from-ip "$NOPERMIT" -n 3 --to-domain accept.test 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
expect_contains "without redis an unregistered address is refused (from the copy)" \
	"$NOPERMIT is not registered for relay" "$out"
check "at once ($ms ms < 3000)" test "$ms" -lt 3000
out=$("$TRAFFIC" --gw gw2 --from-ip "$NOPERMIT" -n 2 --to-domain accept.test 2>&1)
expect_contains "on gw2 too" "$NOPERMIT is not registered for relay" "$out"
out=$("$TRAFFIC" --gw gw1 --from-ip 127.0.1.10 -n 2 --to-domain accept.test 2>&1)
expect_contains "and a permitted address relays" "queued 2 message" "$out"
expect_eq "the outage is logged once" 1 "$(tail -n "+$log_from" "$LOG1" |
	grep -c "policy: cannot ask redis: .*; deciding from the copy")"
"$ROOT/tests/lab/up" >/dev/null 2>&1
expect_eq "tests/lab/up restarts redis" 0 "$?"
refused() {
	[ "$(ask "$GW1_PPORT" "${REQ}client_address=$NOPERMIT\n\n")" = \
		"action=REJECT $NOPERMIT is not registered for relay" ]
}
check "with redis back the agent decides again" wait_until 15 refused
check "and says so" grep -q "policy: redis answers again" "$LOG1"
out=$("$TRAFFIC" --gw gw1 --from-ip "$NOPERMIT" -n 1 --to-domain accept.test 2>&1)
expect_contains "the unregistered address is refused again" "is not registered for relay" "$out"

# --- a hung redis (SIGSTOP, its sockets open) under a steady stream of
# requests: every answer within the answer timeout (50 ms), from the copy
# at once while redis is stopped, no second without answers, decisions
# from redis again once it runs
RPID=$(ss -Hltnp "sport = :$REDIS_PORT" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
log_from=$(($(wc -l < "$LOG1") + 1))
rm -f "$TMP/stream.stop"
stream "$GW1_PPORT" "$NOPERMIT" "$TMP/stream.stop" 90 > "$TMP/stream" &
STREAM_PID=$!
sleep 3
kill -STOP "$RPID"
t_stop=$(stream_now)
sleep 20
kill -CONT "$RPID"
t_cont=$(stream_now)
check "with redis running again the agent decides again" wait_until 20 refused
sleep 2
touch "$TMP/stream.stop"
wait "$STREAM_PID"
n=$(wc -l < "$TMP/stream")
check "the stream was answered ($n answers over $(tail -n 1 "$TMP/stream" | cut -d' ' -f1) s)" test "$n" -gt 500
max=$(awk '$2 > m { m = $2 } END { printf "%d", m }' "$TMP/stream")
check "the longest answer took $max ms (< 100)" test "$max" -lt 100
gaps=$(awk '{ s[int($1)]++; if (int($1) > last) last = int($1) }
	END { g = ""; for (i = 0; i < last; i++) if (!s[i]) g = g " " i; print g }' "$TMP/stream")
expect_eq "no second passed without answers" "" "$gaps"
before=$(awk -v t="$t_stop" '$1 < t - 0.5 { sub(/^[^ ]* [^ ]* /, ""); print }' "$TMP/stream" | sort -u)
expect_eq "before the stop the answers came from redis" \
	"action=REJECT $NOPERMIT is not registered for relay" "$before"
during=$(awk -v a="$t_stop" -v b="$t_cont" '$1 > a + 0.2 && $1 < b - 0.2 {
	n++; if ($3 " " $4 != "action=REJECT '"$NOPERMIT"'") o++ } END { print n + 0, o + 0 }' "$TMP/stream")
set -- $during
check "while redis was stopped: refused from the copy ($1 answers, $2 others)" test "$1" -gt 300 -a "$2" -eq 0
last=$(tail -n 1 "$TMP/stream" | cut -d' ' -f3-)
back=$(awk -v b="$t_cont" '$1 > b && $3 == "action=REJECT" { printf "%.1f", $1 - b; exit }' "$TMP/stream")
expect_eq "and after SIGCONT from redis again (the first ${back:-?} s after it)" \
	"action=REJECT $NOPERMIT is not registered for relay" "$last"
expect_eq "the hang is logged once, as a timeout" 1 "$(tail -n "+$log_from" "$LOG1" |
	grep -c "policy: cannot ask redis: redis at .* gave no answer within 50 ms; deciding from the copy")"

# --- redis restarted while the agent is idle: the periodic check finds the
# dead connection and a new one is made before any request needs it
log_from=$(($(wc -l < "$LOG1") + 1))
lcli SHUTDOWN >/dev/null 2>&1
check "redis is stopped again" wait_until 5 sh -c "! ss -Hltn 'sport = :$LAB_REDIS_PORT' | grep -q ."
"$ROOT/tests/lab/up" >/dev/null 2>&1
expect_eq "tests/lab/up restarts redis" 0 "$?"
reconnected() { tail -n "+$log_from" "$LOG1" | grep -q "policy: redis answers again .* 0 requests were decided from the copy and 0 got the fail action"; }
check "the idle agent found the closed connection and reconnected by itself" wait_until 20 reconnected
out=$(ask "$GW1_PPORT" "${REQ}client_address=$NOPERMIT\n\n")
expect_eq "the first request after the idle restart is decided by redis" \
	"action=REJECT $NOPERMIT is not registered for relay" "$out"

# --- counters at exit
"$AGENTS" stop gw1 gw2 >/dev/null
line=$(grep 'policy: stopping:' "$LOG1" | tail -n 1)
expect_contains "gw1 logs its counters at exit" "redis round trips" "$line"
dec=$(echo "$line" | sed -n 's/.*stopping: \([0-9]*\) decisions, \([0-9]*\) redis round trips.*/\1/p')
trips=$(echo "$line" | sed -n 's/.*stopping: \([0-9]*\) decisions, \([0-9]*\) redis round trips.*/\2/p')
check "at most one round trip per decision ($trips for $dec)" test "${trips:-99999}" -le "${dec:-0}"
check "gw2 logs them too" grep -q 'policy: stopping:' "$LOG2"
check "gw2 removed its socket" test ! -e "$GW2_SOCK"

cleanup
trap - EXIT
finish
