#!/bin/sh
# What /metrics costs the policy service: decisions per second with the
# metrics listener on and scraped every second, against the listener off.
# A throw-away redis-server and mailnocd on loopback, the request mix of
# build/bench/bench_policy (tests/bench/lab_policy.sh seeds the same data),
# runs alternating off/on (ABBA) so that drift on a shared machine hits
# both. The counters are bumped either way: "off" has no listener.
# Throughput on a shared machine moves by more than 2 %, so the cost is
# also measured directly, as CPU time of the work itself: the listener's
# thread's share of the agent's CPU in the "on" runs (/proc's schedstat,
# per thread, in ns), and the counters' updates per decision timed in
# process (build/bench/bench_metrics) against the agent's CPU per decision.
# docs/bench.md explains the figures; goal: on within 2 % of off.
#
# Environment: MAILNOC_BIN (default build) and
#   BENCH_METRICS_SECONDS  length of each run (default 8)
#   BENCH_METRICS_ROUNDS   off/on pairs (default 3)
#   BENCH_METRICS_PORT     first of three ports (default 16993: redis,
#                          policy, metrics)
set -u
B=${MAILNOC_BIN:-build}
# shellcheck source=lib.sh
. tests/bench/lib.sh
SECONDS_RUN=${BENCH_METRICS_SECONDS:-8}
ROUNDS=${BENCH_METRICS_ROUNDS:-3}
BASE=${BENCH_METRICS_PORT:-16993}
REDIS_PORT=$BASE
AGENT_PORT=$((BASE + 1))
METRICS_PORT=$((BASE + 2))
CLIENTS=50

TMP=$(mktemp -d /tmp/mailnoc-bench-metrics-XXXXXX)
AGENT_PID=
SCRAPER_PID=
cleanup() {
	[ -n "$SCRAPER_PID" ] && kill "$SCRAPER_PID" 2>/dev/null
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$B/bench/bench_policy" ] || fail "$B/bench/bench_policy is not built"
[ -x "$B/bench/bench_metrics" ] || fail "$B/bench/bench_metrics is not built"
[ -r /proc/self/schedstat ] || fail "no /proc/PID/schedstat (CONFIG_SCHED_INFO)"
command -v curl >/dev/null || fail "curl is not installed"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$TMP" --daemonize yes --logfile "$TMP/redis.log" >/dev/null
wait_port "$REDIS_PORT" || fail "redis-server did not start"
# The data of lab_policy.sh: 20 agencies of 10 permitted hosts, 50 blocks.
seed_policy "$REDIS_PORT"

config() {   # FILE [METRICS-LISTEN]
	jq -n --argjson r "$REDIS_PORT" --argjson p "$AGENT_PORT" --arg m "${2:-}" '{
	  redis: { host: "127.0.0.1", port: $r },
	  nodes: [ { name: "bench", role: "gateway", cluster: "bench",
	    policy: { listen: [ "127.0.0.1:\($p)" ], max_clients: 256 } }
	    + (if $m == "" then {} else { metrics_listen: $m } end) ] }' > "$1"
}
config "$TMP/off.json"
config "$TMP/on.json" "127.0.0.1:$METRICS_PORT"

run() {   # off|on -> decisions per second of one run
	"$B/mailnocd" --config "$TMP/$1.json" --node bench \
		--log "$TMP/agent-$1.log" &
	AGENT_PID=$!
	wait_port "$AGENT_PORT" || { cat "$TMP/agent-$1.log"; fail "mailnocd did not listen"; }
	if [ "$1" = on ]; then
		wait_port "$METRICS_PORT" || fail "no /metrics listener"
		( while :; do
			curl -s -m 2 -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics" ||
				echo x >> "$TMP/scrape-failed"
			sleep 1
		done ) &
		SCRAPER_PID=$!
	fi
	cpu0=$(cpu_ticks "$AGENT_PID")
	ns0=$(thread_ns "$AGENT_PID")
	line=$("$B/bench/bench_policy" "metrics-$1" "$AGENT_PORT" "$CLIENTS" \
		"$SECONDS_RUN") || fail "bench_policy failed"
	ns1=$(thread_ns "$AGENT_PID")
	cpu1=$(cpu_ticks "$AGENT_PID")
	if [ "$1" = on ]; then
		# The listener's share of the agent's CPU over the run: the
		# threads are the same at both ends (none start or end in a run).
		printf '%s\n%s\n' "$ns0" "$ns1" | awk '
		    $1 == "all" { a[++na] = $2 } $1 == "mhd" { m[++nm] = $2 }
		    END { if (na == 2 && nm == 2 && a[2] > a[1])
			printf "%.4f %.3f\n", 100 * (m[2] - m[1]) / (a[2] - a[1]),
			    (m[2] - m[1]) / 1e6 }' >> "$TMP/listener"
	fi
	[ -n "$SCRAPER_PID" ] && { kill "$SCRAPER_PID"; wait "$SCRAPER_PID" 2>/dev/null; SCRAPER_PID=; }
	kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
	n=$(echo "$line" | tr ' ' '\n' | sed -n 's/^decisions=//p')
	# The agent's CPU per decision (all its threads, the listener's too):
	# less moved by other work on the machine than decisions per second.
	awk -v t="$((cpu1 - cpu0))" -v n="$n" -v hz="$(getconf CLK_TCK)" \
	    'BEGIN { if (n > 0) printf "%.2f\n", t * 1e6 / hz / n }' >> "$TMP/cpu-$1"
	echo "$line" | tr ' ' '\n' | sed -n 's/^per_s=//p'
}

cpu_ticks() {   # PID -> utime + stime of the process, in clock ticks
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# thread_ns PID -> "all NS" (every thread's time on a CPU) and "mhd NS"
# (libmicrohttpd's thread, which names itself MHD-single): schedstat counts
# nanoseconds where /proc's stat counts 10 ms ticks, too coarse for a
# thread that works a few microseconds a second.
thread_ns() {
	for t in /proc/"$1"/task/*; do
		printf '%s %s\n' "$(cat "$t/comm" 2>/dev/null)" \
		    "$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
	done | awk '{ all += $NF } $1 == "MHD-single" { mhd += $NF; seen = 1 }
	    END { print "all", all + 0; if (seen) print "mhd", mhd }'
}

echo "policy decisions/s, $CLIENTS clients, $SECONDS_RUN s per run, $ROUNDS rounds of off and on (ABBA):"
: > "$TMP/off"; : > "$TMP/on"; : > "$TMP/ratio"; : > "$TMP/cpu-off"; : > "$TMP/cpu-on"
: > "$TMP/listener"
r=1
while [ $r -le "$ROUNDS" ]; do
	# ABBA: off first in odd rounds, on first in even ones, so that what
	# grows during the runs (Redis's counters) favours neither.
	if [ $((r % 2)) = 1 ]; then off=$(run off); on=$(run on)
	else on=$(run on); off=$(run off); fi
	echo "  round $r: off $off/s, on (scraped every 1 s) $on/s"
	echo "$off" >> "$TMP/off"; echo "$on" >> "$TMP/on"
	awk -v a="$off" -v b="$on" 'BEGIN { if (a > 0) printf "%.4f\n", b / a }' >> "$TMP/ratio"
	r=$((r + 1))
done
[ -e "$TMP/scrape-failed" ] && echo "  scrapes failed: $(wc -l < "$TMP/scrape-failed")"
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f..%.3f", lo, hi }'; }
awk -v off="$(median "$TMP/cpu-off")" -v on="$(median "$TMP/cpu-on")" 'BEGIN {
	printf "  agent CPU per decision, median: off %.2f us, on %.2f us: on/off %.3f\n", off, on, off ? on / off : 0 }'
# The ratio of each round (neighbours in time) resists a machine whose
# load moves between rounds better than the ratio of the medians; the
# spread says how much the machine moved it.
awk -v off="$(median "$TMP/off")" -v on="$(median "$TMP/on")" \
    -v r="$(median "$TMP/ratio")" -v s="$(spread "$TMP/ratio")" 'BEGIN {
	printf "  throughput: median off %d/s, on %d/s; rounds on/off median %.3f, spread %s\n", off, on, r, s }'

# The direct figures: what "on" adds is the listener's thread; what both
# pay is the counters' updates.
[ -s "$TMP/listener" ] || fail "no MHD-single thread seen in the on runs"
cut -d' ' -f1 "$TMP/listener" > "$TMP/share"
lms=$(awk '{ t += $2 } END { printf "%.2f", t }' "$TMP/listener")
scrape=$("$B/bench/bench_metrics" scrape 2000 | sed -n 's/^scrape_us=\([^ ]*\).*/\1/p')
counters=$("$B/bench/bench_metrics" counters 10000000 |
	sed -n 's/^counters_ns_per_decision=\([^ ]*\).*/\1/p')
[ -n "$scrape" ] && [ -n "$counters" ] || fail "bench_metrics failed"
cpu=$(median "$TMP/cpu-on")
awk -v m="$(median "$TMP/share")" -v s="$(spread "$TMP/share")" -v lms="$lms" \
    -v runs="$ROUNDS" -v sec="$SECONDS_RUN" -v sc="$scrape" 'BEGIN {
	printf "  listener thread (MHD-single): %.2f ms of CPU in %d scraped runs of %d s; one scrape formatted in process: %.1f us\n", lms, runs, sec, sc
	printf "  cost of /metrics on: listener share of the agent CPU, median %.3f %% (rounds %s %%) (goal < 2 %%): %s\n", m, s, (m < 2 ? "met" : "NOT met") }'
awk -v c="$counters" -v d="$cpu" 'BEGIN {
	p = d > 0 ? 100 * c / (d * 1000) : 0
	printf "  counters (paid on and off): %.1f ns per decision, against %.2f us of agent CPU per decision: %.3f %% (goal < 2 %%): %s\n", c, d, p, (p < 2 ? "met" : "NOT met") }'
