#!/bin/sh
# Time from start to the first complete frame on the lab (four live nodes).
set -u
B=${MAILNOC_BIN:-build}
out=$(tests/lab/up 2>&1) || { echo "$out"; echo "bench: the lab did not come up"; exit 1; }
MAILNOC_CONFIG=$(echo "$out" | sed -n 's/^MAILNOC_CONFIG=//p' | tail -n 1)
export MAILNOC_CONFIG
trap 'tests/lab/agents stop >/dev/null 2>&1; tests/lab/down >/dev/null 2>&1' EXIT INT TERM
tests/lab/agents start >/dev/null
for i in $(seq 50); do
	[ "$("$B/mailnoc" status --json 2>/dev/null | jq -r .nodes.alive)" = 4 ] && break
	sleep 0.2
done
"$B/bench/bench_first_frame" "$B/mailnoc" "nodes 4/4"
