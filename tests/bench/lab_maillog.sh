#!/bin/sh
# The mail log follower: a 1,000,000-line Postfix log made of the lab's
# real lines (tests/bench/data/maillog-lab: gw1's maillog after
# tests/lab/mixed, a harvest and agency traffic, repeated with fresh queue
# IDs over a day), read by mailnocd from its start into a throw-away
# redis-server, next to Debian's pflogsumm and `wc -l` on the same file;
# then mailnocd's memory with 100,000 messages open at once, and its Redis
# round trips. docs/bench.md explains every figure.
#
# Environment: MAILNOC_BIN (default build), BENCH_MAILLOG_LINES (1000000).
set -u
B=${MAILNOC_BIN:-build}
# shellcheck source=lib.sh
. tests/bench/lib.sh
N=${BENCH_MAILLOG_LINES:-1000000}
REDIS_PORT=16994
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/mailnoc-bench-maillog-XXXXXX)
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
rc HSET mailnoc:permit 127.0.0.1 lab 127.0.1.10 health >/dev/null

"$B/bench/bench_maillog" gen "$ROOT/tests/bench/data/maillog-lab" "$N" \
	"$TMP/maillog" || fail "cannot generate the log"
"$B/bench/bench_maillog" open 100000 "$TMP/open.log" || fail "cannot generate"
SIZE=$(stat -c %s "$TMP/maillog")
echo "log: $N lines, $SIZE bytes ($(grep -c . "$ROOT/tests/bench/data/maillog-lab") real lines of the lab, repeated)"

# The counters alone, against pflogsumm (which keeps no index): the message
# index is off here (index_days 0); its cost is lab_trace.sh's figure.
config() {   # FILE -> a configuration following FILE from its start
	mkdir -p "$TMP/state"
	cat <<EOF
{ "redis": { "host": "127.0.0.1", "port": $REDIS_PORT },
  "nodes": [ { "name": "gw1", "role": "gateway", "cluster": "gw",
    "postfix_config": "$TMP",
    "maillog": { "file": "$1", "state_dir": "$TMP/state",
                 "start": "beginning", "index_days": 0 } } ],
  "maillog": { "providers": { "Yahoo": [ "yahoo.test" ] } } }
EOF
}

# run_agent FILE: mailnocd reads FILE from its start; prints seconds, CPU
# seconds and peak RSS (kB) of the agent once Redis holds the file's end.
run_agent() {
	rm -rf "$TMP/state"
	rc DEL mailnoc:log:pos:gw1 >/dev/null
	config "$1" > "$TMP/config.json"
	size=$(stat -c %s "$1")
	rc CONFIG RESETSTAT >/dev/null
	t0=$(date +%s.%N)
	"$B/mailnocd" --config "$TMP/config.json" --node gw1 --interval 60 \
		--log "$TMP/agent.log" &
	AGENT_PID=$!
	i=0
	until [ "$(rc HGET mailnoc:log:pos:gw1 offset)" = "$size" ]; do
		i=$((i + 1)); [ $i -gt 6000 ] && fail "mailnocd did not reach the end of $1"
		sleep 0.01
	done
	t1=$(date +%s.%N)
	clk=$(getconf CLK_TCK)
	cpu=$(awk -v c="$clk" '{ printf "%.2f", ($14 + $15) / c }' "/proc/$AGENT_PID/stat")
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$AGENT_PID/status")
	# Round trips: every batch is one MULTI ... EXEC pipeline; HGETALL
	# of the permits and HMGET of the position are one each.
	rt=$(rc INFO commandstats | tr -d '\r' | awk -F'[=,:]' '
		/^cmdstat_(multi|hgetall|hmget|ping)/ { n += $3 } END { print n + 0 }')
	kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
	printf '%.2f %s %s %s\n' "$(echo "$t1 - $t0" | bc)" "$cpu" "$hwm" "$rt"
}

set -- $(run_agent "$TMP/maillog")
secs=$1 cpu=$2 hwm=$3 rt=$4
echo "mailnocd follower: $N lines in $secs s, CPU $cpu s ($(echo "$N / $cpu" | bc) lines per CPU second), peak RSS $((hwm / 1024)) MB"
printf 'redis round trips per 1,000 lines: %.3f (goal <= 2; %s in all)\n' \
	"$(echo "scale=4; $rt * 1000 / $N" | bc)" "$rt"
"$B/bench/bench_maillog" parse "$TMP/maillog"

# timed CMD...: "wall cpu" seconds of a command (GNU time).
timed() {
	/usr/bin/time -f '%e %U %S' -o "$TMP/time" "$@" >/dev/null 2>&1
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$TMP/time"
}
set -- $(timed wc -l "$TMP/maillog")
wc_s=$1 wc_cpu=$2
echo "wc -l: $wc_s s, CPU $wc_cpu s (the floor)"

if command -v pflogsumm >/dev/null; then
	set -- $(timed sh -c "pflogsumm --syslog-name=postfix-gw1 '$TMP/maillog' > '$TMP/pfl'")
	pf_s=$1 pf_cpu=$2
	echo "pflogsumm: $pf_s s, CPU $pf_cpu s"
	# CPU seconds decide: wall time on a shared machine measures the
	# other programs too (both are printed).
	printf 'mailnocd vs pflogsumm: %.1fx less CPU (goal >= 10x), %.1fx less wall time; vs wc -l: %.1fx the CPU\n' \
		"$(echo "scale=4; $pf_cpu / $cpu" | bc)" \
		"$(echo "scale=4; $pf_s / $secs" | bc)" \
		"$(echo "scale=4; $cpu / ($wc_cpu + 0.01)" | bc)"
	# The same totals, the file read whole.
	for m in received delivered deferred bounced rejected; do
		ours=$(rc HGET "mailnoc:log:t:d:$(( $(date -d 'Dec 05 12:00' +%s) / 86400 ))" "gw1|$m")
		theirs=$(awk -v m="$m" '$2 == m { print $1; exit }' "$TMP/pfl")
		echo "  $m: mailnocd ${ours:-0}, pflogsumm $theirs"
	done
else
	echo "pflogsumm: not installed (make bench installs it)"
fi

set -- $(run_agent "$TMP/open.log")
echo "mailnocd with 100,000 messages open: peak RSS $(($3 / 1024)) MB (goal <= 64 MB), read in $1 s"
