#!/bin/sh
# mailnocd's /metrics against the lab (gw1 has metrics_listen): the text
# format (promtool check metrics when Debian's prometheus is installed, else
# the format rules checked here), scrapes during policy load whose counters
# equal the agent's own totals at exit, other paths and methods, slow
# clients that hold neither the listener nor the policy service.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents running.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$(dirname "$MAILNOC_CONFIG")
MAILNOC_LAB_DIR=$LAB
MAILNOC_AGENT_INTERVAL=2
export MAILNOC_LAB_DIR MAILNOC_AGENT_INTERVAL
. "$ROOT/tests/lab/ports"
AGENTS=$ROOT/tests/lab/agents
PORT=$(jq -r '.nodes[] | select(.name == "gw1") | .metrics_listen' "$MAILNOC_CONFIG" | sed 's/.*://')
POLICY=$LAB_GW1_POLICY_PORT
URL=http://127.0.0.1:$PORT/metrics
TMP=$(mktemp -d /tmp/mailnoc-t-metrics.XXXXXX)
WERE_RUNNING=$(agents_running)
cleanup() {
	for p in $(cat "$TMP/pids" 2>/dev/null); do kill "$p" 2>/dev/null; done
	agents_restore "$WERE_RUNNING"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# sample NAME-WITH-LABELS FILE: the value of one sample, or nothing.
sample() {
	awk -v n="$1" '$1 == n { print $2 }' "$2"
}
decisions() {   # FILE: the sum over actions
	awk '$1 ~ /^mailnocd_policy_decisions_total\{/ { s += $2 } END { print s + 0 }' "$1"
}
# The format rules promtool checks, for a machine without it: HELP and TYPE
# once per family before its samples, names and labels well formed,
# counters named *_total, every value a number.
format_ok() {
	awk '
	/^# HELP / { next }
	/^# TYPE / { if ($3 in type) bad = bad " twice:" $3; type[$3] = $4
		if ($4 == "counter" && $3 !~ /_total$/) bad = bad " counter:" $3
		if ($4 != "counter" && $4 != "gauge") bad = bad " type:" $4
		next }
	/^#/ { bad = bad " comment:" NR; next }
	{ name = $1; sub(/\{.*/, "", name)
	  if (!(name in type)) bad = bad " undeclared:" name
	  if (name !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad = bad " name:" name
	  if ($1 ~ /\{/ && $1 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*",?)+\}$/) bad = bad " labels:" NR
	  if (NF != 2 || $2 !~ /^-?[0-9.e+]+$/) bad = bad " value:" NR }
	END { if (bad != "") { print "bad:" bad; exit 1 } }' "$1"
}

"$AGENTS" start >/dev/null 2>&1
check "gw1's agent listens on 127.0.0.1:$PORT" \
	sh -c "ss -Hltn 'sport = :$PORT' | grep -q '127.0.0.1:$PORT'"
code=$(curl -s -o "$TMP/m0" -w '%{http_code} %{content_type}' "$URL")
expect_eq "GET /metrics: 200, text format 0.0.4" \
	"200 text/plain; version=0.0.4; charset=utf-8" "$code"
check "the format passes the rules checked here" format_ok "$TMP/m0"
if command -v promtool >/dev/null; then
	out=$(promtool check metrics < "$TMP/m0" 2>&1); rc=$?
	expect_eq "promtool check metrics: no complaint" "0:" "$rc:$out"
else
	ok "promtool is not installed: the rules above stand in for it"
fi
expect_contains "the queues are there" 'mailnocd_queue_messages{node="gw1",queue="deferred"}' "$(cat "$TMP/m0")"
check "the heartbeat age is at most 2 intervals" \
	test "$(sample 'mailnocd_heartbeat_age_seconds{node="gw1"}' "$TMP/m0")" -le 4
# The block-list watch's round (at once on start) sets the listed gauge:
# the lab's unbound lists 203.0.113.25 of gw1 on both zones.
listed() {
	curl -s "$URL" > "$TMP/m1"
	[ "$(sample 'mailnocd_dnsbl_listed{node="gw1"}' "$TMP/m1")" = 2 ]
}
i=0
while [ $i -lt 40 ] && ! listed; do sleep 0.5; i=$((i + 1)); done
expect_eq "the watch's round: gw1's pairs listed now" 2 \
	"$(sample 'mailnocd_dnsbl_listed{node="gw1"}' "$TMP/m1")"
check "the mail log follower's lines are counted" \
	test "$(sample 'mailnocd_maillog_lines_total{node="gw1"}' "$TMP/m1")" -ge \
	"$(sample 'mailnocd_maillog_lines_skipped_total{node="gw1"}' "$TMP/m1")"

# --- not GET /metrics
expect_eq "POST /metrics: 405" 405 \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST -d a=b "$URL")"
expect_eq "... saying what is allowed" "Allow: GET" \
	"$(curl -s -D - -o /dev/null -X DELETE "$URL" | tr -d '\r' | grep '^Allow:')"
expect_eq "HEAD /metrics: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -I "$URL")"
expect_eq "GET /: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")"
expect_eq "GET /metrics/../x: 404" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "http://127.0.0.1:$PORT/metrics/../x")"
out=$(printf 'NONSENSE\r\n\r\n' | timeout 5 perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:'"$PORT"'") or die;
	local $/; my $d = <STDIN>; print $s $d; $s->shutdown(1); print scalar <$s>')
case "$out" in ""|*400*) ok "a request line that is not HTTP is refused or closed" ;;
*) not_ok "a request line that is not HTTP got: $out" ;; esac
expect_eq "... and the listener answers the next scrape" 200 \
	"$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$URL")"

# --- slow clients: three half-sent requests held 8 s, one silent socket
for i in 1 2 3; do
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:'"$PORT"'") or die;
		print $s "GET /metrics HTTP/1.1\r\nHost: x\r\n"; $s->flush; sleep 8' &
	echo $! >> "$TMP/pids"
done
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:'"$PORT"'") or die; sleep 8' &
echo $! >> "$TMP/pids"
sleep 1
t0=$(date +%s%N)
code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$URL")
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "with slow clients holding connections, a scrape still answers" 200 "$code"
check "... within a second ($ms ms)" test "$ms" -lt 1000
ans=$(printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=10.99.0.1\n\n' |
	timeout 5 perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:'"$POLICY"'") or die;
	local $/; my $d = <STDIN>; print $s $d; $s->flush; $/ = "\n"; print scalar <$s>')
expect_contains "... and the policy service answers" "action=" "$ans"

# --- policy load, scraped ten times a second
curl -s "$URL" > "$TMP/m0"
before=$(decisions "$TMP/m0")
: > "$TMP/scrapes"
(
	while [ ! -e "$TMP/stop" ]; do
		curl -s -m 2 "$URL" > "$TMP/s" && decisions "$TMP/s" >> "$TMP/scrapes"
		sleep 0.1
	done
) &
echo $! >> "$TMP/pids"
for c in 1 2 3 4; do
	perl -MIO::Socket::INET -e '
		my ($port, $c) = @ARGV;
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die;
		for my $i (1 .. 2000) {
			my $ip = $i % 2 ? "10.99.$c.$i" : "127.0.0.1";
			print $s "request=smtpd_access_policy\nprotocol_state=RCPT\n" .
				"client_address=" . ($i % 100 == 0 ? "not-an-ip" : $ip) . "\n\n";
			$s->flush;
			while (defined(my $l = <$s>)) { last if $l eq "\n" }
		}' "$POLICY" "$c" &
	echo $! >> "$TMP/load"
done
for p in $(cat "$TMP/load"); do wait "$p"; done
touch "$TMP/stop"
sleep 1
check "the scrapes saw the load grow" test "$(wc -l < "$TMP/scrapes")" -ge 2
check "... and never go back" sh -c "sort -n -c '$TMP/scrapes'"
curl -s "$URL" > "$TMP/m1"
check "the format under load passes the rules" format_ok "$TMP/m1"
after=$(decisions "$TMP/m1")
expect_eq "8000 decisions more" 8000 $((after - before))

# --- the counters equal the agent's own totals at exit
"$AGENTS" stop gw1 >/dev/null
line=$(grep 'policy: stopping:' "$LAB/agents/gw1.log" | tail -n 1)
num() { echo "$line" | grep -o "[0-9]* $1" | head -n 1 | cut -d' ' -f1; }
expect_eq "decisions equal the agent's total" "$(num decisions)" "$after"
expect_eq "fail-action answers equal" "$(num 'fail-action')" \
	"$(sample 'mailnocd_policy_fail_action_answers_total{node="gw1"}' "$TMP/m1")"
expect_eq "malformed requests equal" "$(num malformed)" \
	"$(sample 'mailnocd_policy_malformed_requests_total{node="gw1"}' "$TMP/m1")"
expect_eq "connections equal" "$(num connections)" \
	"$(sample 'mailnocd_policy_connections_total{node="gw1"}' "$TMP/m1")"
check "round trips: the agent's total is at least the last scrape's" test \
	"$(num 'redis round')" -ge "$(sample 'mailnocd_policy_redis_round_trips_total{node="gw1"}' "$TMP/m1")"
check "the listener is gone with the agent" \
	sh -c "! ss -Hltn 'sport = :$PORT' | grep -q LISTEN"
finish
