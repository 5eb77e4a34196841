#!/bin/sh
# Message trace, from one run: N synthesized messages over 60 days of
# Postfix log lines (tests/bench/bench_trace.c) read from its start by the
# real follower (mailnocd, index on, counters into a throw-away
# redis-server): its ingest rate; the index's bytes per message; then
# `mailnoc trace --to ADDR --since 60d` over the lab's SSH against the
# operator's `ssh gw zgrep -h ADDR` over the same lines rotated by day
# (gzip), as the same SSH user. docs/bench.md explains every figure.
#
# Environment: MAILNOC_BIN (default build), the lab's MAILNOC_LAB_DIR and
# LAB_*_PORT variables, and
#   BENCH_TRACE_MESSAGES  messages (default 200000; the issue's 5,000,000
#                         takes about 25 times as long and 2 GB of disk)
#   BENCH_TRACE_RUNS      runs per timing, the median is shown (default 3)
set -u
B=${MAILNOC_BIN:-build}
N=${BENCH_TRACE_MESSAGES:-200000}
RUNS=${BENCH_TRACE_RUNS:-3}
REDIS_PORT=16991
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

out=$(tests/lab/up 2>&1) || { echo "$out"; echo "bench: the lab did not come up"; exit 1; }
MAILNOC_CONFIG=$(echo "$out" | sed -n 's/^MAILNOC_CONFIG=//p' | tail -n 1)
LAB=$(dirname "$MAILNOC_CONFIG")
# shellcheck source=../lab/ports
. tests/lab/ports
# shellcheck source=lib.sh
. tests/bench/lib.sh
TMP=$(mktemp -d /tmp/mailnoc-bench-trace-XXXXXX)
chmod 755 "$TMP"
SSHUSER=$(jq -r .ssh.user "$MAILNOC_CONFIG")
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$TMP" --daemonize yes --logfile "$TMP/redis.log" >/dev/null
i=0
until redis-cli -p $REDIS_PORT ping >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "redis did not start"
	sleep 0.1
done
rc() { redis-cli -p $REDIS_PORT "$@"; }

LINES=$("$B/bench/bench_trace" gen "$N" 60 "$TMP") || fail "cannot generate the log"
chmod 644 "$TMP/all.log" "$TMP"/days/*
SIZE=$(stat -c %s "$TMP/all.log")
GZ=$(du -cb "$TMP"/days/* | tail -n 1 | cut -f1)
echo "log: $N messages, $LINES lines over 60 days, $SIZE bytes; rotated by day: $(ls "$TMP/days" | wc -l) files, $GZ bytes (gzip)"

mkdir -p "$TMP/state"
chmod 755 "$TMP/state"
IDX=$TMP/state/index-gw1.db
cat > "$TMP/agent.json" <<EOF
{ "redis": { "host": "127.0.0.1", "port": $REDIS_PORT },
  "nodes": [ { "name": "gw1", "role": "gateway", "cluster": "gw",
    "postfix_config": "$TMP",
    "maillog": { "file": "$TMP/all.log", "state_dir": "$TMP/state",
                 "start": "beginning", "index": "$IDX", "batch_ms": 100,
                 "index_group": "$SSHUSER" } } ] }
EOF
t0=$(date +%s.%N)
"$B/mailnocd" --config "$TMP/agent.json" --node gw1 --interval 60 \
	--log "$TMP/agent.log" &
AGENT_PID=$!
i=0
until [ "$(rc HGET mailnoc:log:pos:gw1 offset)" = "$SIZE" ]; do
	i=$((i + 1)); [ $i -gt 60000 ] && fail "mailnocd did not reach the end of the log"
	kill -0 "$AGENT_PID" 2>/dev/null || fail "mailnocd stopped: $(tail -n 3 "$TMP/agent.log")"
	sleep 0.05
done
t1=$(date +%s.%N)
cpu=$(awk -v c="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / c }' "/proc/$AGENT_PID/stat")
kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
# From the follower's first read (its log line), not the agent's start.
tf=$(sed -n 's/^\([0-9T:.-]*\) .*maillog: following .*/\1/p' "$TMP/agent.log" | head -n 1)
tf=$(date -d "$tf" +%s.%N 2>/dev/null || echo "$t0")
secs=$(echo "$t1 - $tf" | bc)
printf 'ingest through the follower, index on: %s lines in %.2f s = %d lines/s (goal >= 50,000); agent CPU %s s in all (%d lines per CPU second)\n' \
	"$LINES" "$secs" "$(echo "$LINES / $secs" | bc)" "$cpu" "$(echo "$LINES / $cpu" | bc)"
grep -q "cannot write the message index" "$TMP/agent.log" &&
	fail "the index was not written: $(grep -m1 'message index' "$TMP/agent.log")"
DB=$(stat -c %s "$IDX")
WAL=$(stat -c %s "$IDX-wal" 2>/dev/null || echo 0)
MSGS=$N
printf 'index: %d messages, %d bytes (%d bytes per message, goal <= 400), WAL kept %d bytes\n' \
	"$MSGS" "$DB" "$((DB / MSGS))" "$WAL"

# The console's configuration: gw1's index and this build's mailnocd.
jq --arg idx "$IDX" --arg log "$TMP/days/maillog" --arg bin "$ROOT/$B/mailnocd" '
	.nodes |= map(if .name == "gw1" then .maillog.index = $idx
		| .maillog.file = $log else . end)
	| .maillog.mailnocd = $bin' "$MAILNOC_CONFIG" > "$TMP/console.json"
# A recipient of a message in the middle of the period.
ADDR=$(sed -n "$((LINES / 2)),\$ s/.* to=<\([^>]*\)>.*/\1/p" "$TMP/all.log" | head -n 1)
ms() { date +%s%N | cut -c1-13; }
r=0
: > "$TMP/t.index"
: > "$TMP/t.zgrep"
while [ $r -lt "$RUNS" ]; do
	a=$(ms)
	"$B/mailnoc" --config "$TMP/console.json" trace --node gw1 --to "$ADDR" \
		--since 60d --limit 100000 --json > "$TMP/out.index" 2>"$TMP/err" ||
		fail "mailnoc trace failed: $(cat "$TMP/err")"
	b=$(ms)
	# zgrep's status is its worst file's: 1 when a day has no match.
	lab_ssh "zgrep -h '$ADDR' $TMP/days/maillog-*.gz $TMP/days/maillog" \
		> "$TMP/out.zgrep"
	[ $? -le 1 ] || fail "zgrep over SSH failed"
	c=$(ms)
	echo $((b - a)) >> "$TMP/t.index"
	echo $((c - b)) >> "$TMP/t.zgrep"
	r=$((r + 1))
done
ti=$(median < "$TMP/t.index")
tz=$(median < "$TMP/t.zgrep")
found=$(jq -r 'select(.qid) | .qid' "$TMP/out.index" | wc -l)
lines=$(wc -l < "$TMP/out.zgrep")
echo "mailnoc trace --to $ADDR --since 60d over SSH: $(secs "$ti") (goal <= 0.5 s), $found messages with their steps"
echo "ssh gw zgrep -h $ADDR over the rotated logs: $(secs "$tz"), $lines lines (the delivery lines only: no queue ID joined)"
printf 'trace vs zgrep: %.0fx faster (goal >= 100x); median of %d runs each\n' \
	"$(echo "scale=2; $tz / ($ti + (${ti} == 0))" | bc)" "$RUNS"
