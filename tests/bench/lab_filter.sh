#!/bin/sh
# The filter watch: mailnocd's CPU for one poll of its gateway's rspamd
# controller (GET /stat over loopback and its parse, the thread's own CPU
# as the agent publishes it in poll_us; goal <= 1 ms), and for context the
# lab rspamd's own scanning rate (messages per second through rspamc, 4 in
# parallel, to its normal worker). Run alone: it starts and stops the lab.
# docs/bench.md explains every figure.
#
# Environment: MAILNOC_BIN (default build), BENCH_FILTER_POLLS (default 30),
#   BENCH_FILTER_MSGS (default 200).
set -u
B=${MAILNOC_BIN:-build}
POLLS=${BENCH_FILTER_POLLS:-30}
MSGS=${BENCH_FILTER_MSGS:-200}
out=$(tests/lab/up 2>&1) || { echo "$out"; echo "bench: the lab did not come up"; exit 1; }
MAILNOC_CONFIG=$(echo "$out" | sed -n 's/^MAILNOC_CONFIG=//p' | tail -n 1)
export MAILNOC_CONFIG
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
TMP=$(mktemp -d /tmp/mailnoc-bench-filter-XXXXXX)
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	tests/lab/agents stop >/dev/null 2>&1
	tests/lab/down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# gw1's agent polling every second, verbose: one line per poll with its CPU.
jq '(.nodes[] | select(.name == "gw1") | .filter.interval_s) = 1' \
	"$MAILNOC_CONFIG" > "$TMP/bench.json"
"$B/mailnocd" --config "$TMP/bench.json" --node gw1 --interval 60 \
	--verbose --log "$TMP/agent.log" &
AGENT_PID=$!
i=0
polls() { n=$(grep -c 'filter poll: up' "$TMP/agent.log" 2>/dev/null); echo "${n:-0}"; }
while [ "$(polls)" -lt "$((POLLS + 1))" ]; do
	i=$((i + 1)); [ $i -gt $((POLLS * 30)) ] && { echo "bench: the agent polled too few times"; exit 1; }
	sleep 0.1
done
# The first poll connects Redis and reads the password: left out.
grep 'filter poll: up' "$TMP/agent.log" | tail -n "$POLLS" |
	sed 's/.* in \([0-9]*\) us CPU.*/\1/' | sort -n | awk -v n="$POLLS" '
	{ v[NR] = $1; s += $1 }
	END {
		printf "mailnocd CPU per filter poll:            %.3f ms median, %.3f ms max, %.3f ms mean of %d (goal <= 1 ms)\n",
		    v[int((NR + 1) / 2)] / 1000, v[NR] / 1000, s / NR / 1000, n
	}'

# rspamd's scanning rate, for context: MSGS small messages, 4 at a time.
k=0
while [ $k -lt "$MSGS" ]; do
	printf 'From: a%d@lab.agency.example\r\nTo: u@accept.test\r\nSubject: bench %d\r\nMessage-Id: <b%d@bench.test>\r\nDate: %s\r\n\r\nline one of message %d\r\n' \
		"$k" "$k" "$k" "$(date -R)" "$k" > "$TMP/m$k.eml"
	k=$((k + 1))
done
t0=$(date +%s%N)
rspamc -h "127.0.0.1:$LAB_RSPAMD_NORMAL_PORT" -n 4 -t 30 "$TMP"/m*.eml > "$TMP/rspamc.out" 2>&1
t1=$(date +%s%N)
done_n=$(grep -c '^Action:' "$TMP/rspamc.out")
awk -v n="$done_n" -v ns="$((t1 - t0))" 'BEGIN {
	printf "rspamd scanning rate (context, no goal):  %.0f messages/s (%d scanned by rspamc -n 4 in %.2f s)\n",
	    n / (ns / 1e9), n, ns / 1e9
}'
