#!/bin/sh
# The block-list watch: one round of 8 egress addresses x 20 zones (160
# look-ups in parallel through libunbound) against the lab's unbound, next
# to the same names looked up one after the other with `host` (what an
# operator's script does) and one at a time inside the process; then the
# agent's CPU for a check (a forced round of mailnocd, all its threads).
# docs/bench.md explains every figure.
#
# The answers come through tests/bench/dns_delay.pl, which holds each
# for BENCH_DNSBL_DELAY_MS (default 20), as a block list across the
# Internet would: on loopback alone every look-up takes microseconds and
# nothing shows what running them in parallel saves.
#
# Environment: MAILNOC_BIN (default build), BENCH_DNSBL_ROUNDS (default 5),
#   BENCH_DNSBL_DELAY_MS (default 20), BENCH_DNSBL_PORT (default 16997).
set -u
B=${MAILNOC_BIN:-build}
ROUNDS=${BENCH_DNSBL_ROUNDS:-5}
DELAY_MS=${BENCH_DNSBL_DELAY_MS:-20}
RELAY_PORT=${BENCH_DNSBL_PORT:-16997}
out=$(tests/lab/up 2>&1) || { echo "$out"; echo "bench: the lab did not come up"; exit 1; }
MAILNOC_CONFIG=$(echo "$out" | sed -n 's/^MAILNOC_CONFIG=//p' | tail -n 1)
export MAILNOC_CONFIG
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
TMP=$(mktemp -d /tmp/mailnoc-bench-dnsbl-XXXXXX)
AGENT_PID= RELAY_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null
	tests/lab/agents stop >/dev/null 2>&1
	tests/lab/down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# gw1 with 8 egress addresses (the first listed on both lab zones) and 20
# zones: the lab's two and 18 that answer NXDOMAIN (not listed).
tests/lab/agents start gw1 >/dev/null
tests/lab/agents stop gw1 >/dev/null
jq '(.nodes[] | select(.name == "gw1") | .egress) = ["203.0.113.25","203.0.113.26","203.0.113.27","203.0.113.28","203.0.113.29","203.0.113.30","203.0.113.31","203.0.113.32"]
    | .dnsbl.zones = (["bl.lab.example","dnsbl.lab.example"] + [range(1;19) | "z\(.).bl.example"])' \
	"$LAB/agents/gw1.json" | jq --arg r "127.0.0.1@$RELAY_PORT" '.dns.resolver = $r' > "$TMP/bench.json"
perl tests/bench/dns_delay.pl "$RELAY_PORT" "$LAB_DNS_PORT" "$DELAY_MS" > "$TMP/relay.out" 2>&1 &
RELAY_PID=$!
i=0
until grep -q ready "$TMP/relay.out"; do
	i=$((i + 1)); [ $i -gt 50 ] && { cat "$TMP/relay.out"; echo "bench: the DNS relay did not start"; exit 1; }
	sleep 0.1
done
# The console's: the same, gw2 without addresses (no agent waited for).
jq --slurpfile b "$TMP/bench.json" '.dnsbl = $b[0].dnsbl
    | (.nodes[] | select(.name == "gw1") | .egress) = ($b[0].nodes[] | select(.name == "gw1") | .egress)
    | del(.nodes[] | select(.name == "gw2") | .egress)' "$MAILNOC_CONFIG" > "$TMP/console.json"
export MAILNOC_CONFIG="$TMP/console.json"

set -- $("$B/bench/bench_dnsbl" "$TMP/bench.json" gw1 "$ROUNDS")
[ $# = 4 ] || { echo "bench: bench_dnsbl failed"; exit 1; }
n=$1 par_us=$2 seq_us=$3 failed=$4
"$B/bench/bench_dnsbl" --names "$TMP/bench.json" gw1 > "$TMP/names"
t0=$(date +%s%N)
while read -r name; do
	host -W 3 -p "$RELAY_PORT" -t A "$name" 127.0.0.1 >/dev/null 2>&1
done < "$TMP/names"
host_us=$(( ($(date +%s%N) - t0) / 1000 ))
awk -v d="$DELAY_MS" -v n="$n" -v p="$par_us" -v s="$seq_us" -v h="$host_us" -v f="$failed" 'BEGIN {
	printf "dnsbl round, %d look-ups in parallel:      %.1f ms (median, cold cache, %d ms per answer)\n", n, p / 1000, d
	printf "  the same, one at a time in the process: %.1f ms: %.1fx\n", s / 1000, s / p
	printf "  the same with sequential host(1):       %.0f ms: %.0fx (goal >= 10x)\n", h / 1000, h / p
	if (f > 0) printf "  WARNING: %d look-ups failed\n", f
}'

# The agent: a forced round, CPU of all its threads (schedstat, ns).
"$B/mailnocd" --config "$TMP/bench.json" --node gw1 --interval 3600 \
	--log "$TMP/agent.log" &
AGENT_PID=$!
i=0
until [ -n "$("$B/mailnoc" reputation --json 2>/dev/null | jq -r '.nodes[] | select(.node == "gw1") | select(.round_at > 0) | .node')" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: mailnocd published no round"; exit 1; }
	sleep 0.1
done
cpu_ns() { cat /proc/"$AGENT_PID"/task/*/schedstat | awk '{ s += $1 } END { print s }'; }
total=0 ms=0 k=0
while [ $k -lt "$ROUNDS" ]; do
	sleep 2.5   # past a heartbeat, so that only the round is counted
	c0=$(cpu_ns)
	"$B/mailnoc" reputation --check >/dev/null 2>&1
	c1=$(cpu_ns)
	total=$((total + c1 - c0))
	ms=$((ms + $("$B/mailnoc" reputation --json | jq '.nodes[] | select(.node == "gw1") | .round_ms')))
	k=$((k + 1))
done
awk -v t="$total" -v m="$ms" -v r="$ROUNDS" -v n="$n" 'BEGIN {
	printf "mailnocd CPU per check (%d look-ups):     %.1f ms (mean of %d forced rounds, all threads)\n", n, t / r / 1e6, r
	printf "  round time as published (round_ms):     %.1f ms\n", m / r
}'
