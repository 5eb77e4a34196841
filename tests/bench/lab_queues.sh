#!/bin/sh
# Queues at scale, from one run on the lab: a real deferred queue of 100,000
# messages on gw1; the summary over SSH against postqueue -j and qshape; peak
# memory; hold and release of 10,000 of them with the SSH commands counted;
# the queues view's first row against pfqueue's first screen. docs/bench.md
# explains every figure.
#
# Environment: MAILNOC_BIN (default build), the lab's MAILNOC_LAB_DIR and
# LAB_*_PORT variables (so it also runs on an isolated lab), and
#   BENCH_QUEUE_MESSAGES  queue size (default 100000)
#   BENCH_QUEUE_SUBSET    of which held and released (default 10000)
#   BENCH_QUEUE_FILL_MAX  seconds allowed for filling (default 600)
#   BENCH_QUEUE_RUNS      runs per timing, the median is shown (default 3)
#   BENCH_QUEUE_KEEP=1    reuse a queue already filled by an earlier run with
#                         the same sizes, and leave the lab up (development)
set -u
B=${MAILNOC_BIN:-build}
N=${BENCH_QUEUE_MESSAGES:-100000}
SUBSET=${BENCH_QUEUE_SUBSET:-10000}
FILL_MAX=${BENCH_QUEUE_FILL_MAX:-600}
RUNS=${BENCH_QUEUE_RUNS:-3}
KEEP=${BENCH_QUEUE_KEEP:-0}
bench_start=$(date +%s)

out=$(tests/lab/up 2>&1) || { echo "$out"; echo "bench: the lab did not come up"; exit 1; }
MAILNOC_CONFIG=$(echo "$out" | sed -n 's/^MAILNOC_CONFIG=//p' | tail -n 1)
export MAILNOC_CONFIG
LAB=$(dirname "$MAILNOC_CONFIG")
# shellcheck source=../lab/ports
. tests/lab/ports
# shellcheck source=lib.sh
. tests/bench/lib.sh
TMP=$(mktemp -d /tmp/mailnoc-bench-queues-XXXXXX)
cleanup() {
	if [ "$KEEP" != 1 ]; then
		tests/lab/agents stop >/dev/null 2>&1
		tests/lab/down >/dev/null 2>&1
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CONF=$LAB/gw1/etc
SPOOL=$LAB/gw1/spool
RUN=$B/bench/bench_queue_run
SCREEN=$B/bench/bench_queue_screen
MN=$B/mailnoc

files() { find "$SPOOL/$1" -type f 2>/dev/null | wc -l; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f MB", kb / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# ---------------------------------------------------------------- the queue
# Deferred mail must hold still while it is measured: no retries (the queue
# manager would rescan the deferred queue after 5 minutes) and the dead
# destination stays marked dead, so Postfix defers without new connections.
postconf -c "$CONF" -e minimal_backoff_time=3h maximal_backoff_time=6h \
    queue_run_delay=3h || exit 1
touch -m -d "@$(($(date +%s) - 5))" "$CONF/main.cf"
postfix -c "$CONF" reload >/dev/null 2>&1 || { echo "bench: cannot reload gw1"; exit 1; }

# sshd logs "Starting session: command ..." for every remote command at
# LogLevel VERBOSE: that is how the commands of an action are counted.
if ! grep -q '^LogLevel VERBOSE' "$LAB/ssh/sshd_config"; then
	sed -i 's/^LogLevel .*/LogLevel VERBOSE/' "$LAB/ssh/sshd_config"
	kill -HUP "$(cat "$LAB/run/sshd.pid")"
	i=0
	until lab_ssh true 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 50 ] && { echo "bench: sshd did not come back"; exit 1; }
		sleep 0.1
	done
fi

have=$(files deferred)
if [ "$KEEP" = 1 ] && [ "$have" -ge "$N" ]; then
	echo "fill: reusing the $have deferred messages on gw1 (BENCH_QUEUE_KEEP=1)"
else
	postsuper -c "$CONF" -d ALL >/dev/null 2>&1
	t0=$(date +%s.%N)
	# The subset first, so that hold/release always has it; each part gets
	# what is left of the time allowed.
	tests/lab/bulk -q -n "$SUBSET" --sender bulk10k@agency.test --max-seconds "$FILL_MAX"
	left=$(awk -v a="$t0" -v b="$(date +%s.%N)" -v m="$FILL_MAX" 'BEGIN { l = int(m - (b - a)); print (l > 1 ? l : 1) }')
	tests/lab/bulk -q -n $((N - SUBSET)) --sender outage@agency.test --max-seconds "$left"
	took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	have=$(files deferred)
	rate=$(awk -v n="$have" -v t="$took" 'BEGIN { printf "%.0f", n / t }')
	if [ "$have" -ge "$N" ]; then
		echo "fill: $have messages deferred on gw1 in $took s ($rate/s, smtp-source, 32 sessions; allowed $FILL_MAX s)"
	else
		echo "fill: only $have of $N messages deferred on gw1 within $took s ($rate/s; allowed $FILL_MAX s); the figures below are for $have"
	fi
fi
[ "$have" -gt 0 ] || { echo "bench: the deferred queue on gw1 is empty"; exit 1; }
subset=$(postqueue -c "$CONF" -j | grep -c '"sender": *"bulk10k@')

# ---------------------------------------------------------------- summary
# Interleaved runs, so that a slow moment of the machine hits every tool.
i=0
while [ $i -lt "$RUNS" ]; do
	"$RUN" postqueue -c "$CONF" -j >> "$TMP/t.postqueue"
	"$RUN" ssh -n -i "$LAB/ssh/id_ed25519" -o UserKnownHostsFile="$LAB/ssh/known_hosts" \
	    -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR \
	    -p "$LAB_SSH_PORT" mailnoc@127.0.0.1 postqueue -c "$CONF" -j >> "$TMP/t.ssh"
	"$RUN" -o "$TMP/qshape.out" qshape -c "$CONF" deferred >> "$TMP/t.qshape"
	"$RUN" -o "$TMP/summary.out" "$MN" queue summary --node gw1 --queue deferred >> "$TMP/t.summary"
	i=$((i + 1))
done
if awk '$3 != 0 { bad = 1 } END { exit !bad }' "$TMP/t.summary"; then
	echo "bench: mailnoc queue summary failed:"; cat "$TMP/summary.out"; exit 1
fi
pq=$(cut -d' ' -f1 "$TMP/t.postqueue" | median)
sh_=$(cut -d' ' -f1 "$TMP/t.ssh" | median)
qs=$(cut -d' ' -f1 "$TMP/t.qshape" | median)
su=$(cut -d' ' -f1 "$TMP/t.summary" | median)
same=no
[ "$(awk '{ print $1, $2 }' "$TMP/summary.out")" = "$(awk '{ print $1, $2 }' "$TMP/qshape.out")" ] && same=yes
echo "summary of $have deferred over SSH (mailnoc queue summary), median of $RUNS: $(secs "$su") (per-domain totals equal qshape's: $same)"
echo "  vs postqueue -j > /dev/null, local (the floor):   $(secs "$pq"), ratio $(ratio "$su" "$pq") (goal <= 1.2)"
echo "  vs qshape deferred, local:                        $(secs "$qs"), ratio $(ratio "$su" "$qs") (goal < 1)"
echo "  vs ssh gw1 postqueue -j > /dev/null (OpenSSH):    $(secs "$sh_"), ratio $(ratio "$su" "$sh_") (the transport's floor; no goal)"

# ---------------------------------------------------------------- memory
"$RUN" -o "$TMP/list.json" "$MN" queue list --node gw1 --json > "$TMP/t.list"
rows=$(wc -l < "$TMP/list.json")
read -r ms rss rc cpu < "$TMP/t.list"
[ "$rc" = 0 ] || echo "  warning: mailnoc queue list exited $rc"
echo "peak memory (max RSS), queue list --json, $rows rows: $(mb "$rss") (goal <= 64 MB; took $(secs "$ms"), CPU $(secs "$cpu"))"
rss=$(cut -d' ' -f2 "$TMP/t.summary" | sort -n | tail -n 1)
cpu=$(cut -d' ' -f4 "$TMP/t.summary" | median)
echo "peak memory (max RSS), queue summary of $have:    $(mb "$rss") (goal <= 64 MB; CPU $(secs "$cpu") of $(secs "$su"))"
rm -f "$TMP/list.json"

# ---------------------------------------------------------------- hold, release
# act VERB POSTSUPER-SUMMARY: runs `mailnoc queue VERB`, then counts what sshd
# and Postfix logged meanwhile: remote commands, connections, postsuper runs.
act() {
	verb=$1 said=$2
	s0=$(wc -l < "$LAB/ssh/sshd.log")
	m0=$(wc -l < "$LAB/gw1/maillog")
	"$RUN" -o "$TMP/$verb.json" "$MN" queue "$verb" --node gw1 \
	    --filter sender:bulk10k --yes --json > "$TMP/t.$verb"
	read -r ms rss rc cpu < "$TMP/t.$verb"
	tail -n +$((s0 + 1)) "$LAB/ssh/sshd.log" > "$TMP/$verb.sshd"
	cmds=$(grep -c 'Starting session: command' "$TMP/$verb.sshd")
	conns=$(grep -c 'Accepted publickey' "$TMP/$verb.sshd")
	# postlogd writes the maillog asynchronously: wait for the summary line.
	i=0
	while :; do
		tail -n +$((m0 + 1)) "$LAB/gw1/maillog" > "$TMP/$verb.maillog"
		grep -q "postsuper\[[0-9]*\]: $said: " "$TMP/$verb.maillog" && break
		i=$((i + 1)); [ $i -gt 50 ] && break
		sleep 0.2
	done
	runs=$(grep -c "postsuper\[[0-9]*\]: $said: " "$TMP/$verb.maillog")
	moved=$(sed -n "s/.*postsuper\[[0-9]*\]: $said: \([0-9]*\) message.*/\1/p" "$TMP/$verb.maillog" |
	    awk '{ s += $1 } END { print s + 0 }')
	done_=$(jq -r '[.nodes[].done] | add' "$TMP/$verb.json" 2>/dev/null)
	note=""
	[ "$rc" = 0 ] || note="; mailnoc exited $rc"
	[ "$done_" = "$moved" ] || note="$note; mailnoc reported $done_ done"
	printf '%-7s %s of %s (filter sender:bulk10k): %s; %s SSH command(s) on %s connection(s), %s of them postsuper, which moved %s (goal: 1 postsuper per node, not 1 per message)%s\n' \
	    "$verb" "$subset" "$have" "$(secs "$ms")" "$cmds" "$conns" "$runs" "$moved" "$note"
}
act hold "Placed on hold"
t_hold=$ms
held=$(files hold)
act release "Released from hold"
t_release=$ms
left_held=$(files hold)
[ "$held" = "$subset" ] && [ "$left_held" = 0 ] ||
	echo "  warning: the hold queue held $held after hold and $left_held after release (expected $subset and 0)"

# What an operator would type instead, on the node itself.
"$RUN" sh -c "postqueue -c '$CONF' -j | jq -r 'select(.sender | contains(\"bulk10k\")) | .queue_id' | postsuper -c '$CONF' -h - 2>/dev/null" > "$TMP/t.phold"
read -r p_hold rss rc cpu < "$TMP/t.phold"
p_held=$(files hold)
"$RUN" sh -c "postqueue -c '$CONF' -j | jq -r 'select(.queue_name == \"hold\") | .queue_id' | postsuper -c '$CONF' -H - 2>/dev/null" > "$TMP/t.prelease"
read -r p_release rss rc cpu < "$TMP/t.prelease"
echo "  vs postqueue -j | jq | postsuper -h -, local:    $(secs "$p_hold") ($p_held held), ratio $(ratio "$t_hold" "$p_hold") (no goal)"
echo "  vs postqueue -j | jq | postsuper -H -, local:    $(secs "$p_release") ($(files hold) left), ratio $(ratio "$t_release" "$p_release") (no goal)"

# ---------------------------------------------------------------- first screen
have=$(files deferred)
tests/lab/agents start >/dev/null || { echo "bench: the agents did not start"; exit 1; }
if ! command -v pfqueue >/dev/null; then
	echo "queues view first row: not measured: pfqueue is not installed (apt-get install pfqueue)"
else
	i=0
	while [ $i -lt 5 ]; do
		# -m: pfqueue stops counting at 200 messages unless told otherwise.
		"$SCREEN" -m -t 60 -s "$TMP/pfqueue.screen" \
		    -e "'deferred', $have messages" -- \
		    pfqueue -b postfix2 -c "$CONF" -q 1 -m "$have" >> "$TMP/t.pfqueue"
		# Start, type 3 once the console shows its header, wait for the first
		# row, and for the listing to end (so no run overlaps the next one).
		"$SCREEN" -m -t 60 -s "$TMP/view.screen" -k 3 -w '^ mailnoc \|' \
		    -u 'listing [0-9]+ gateway' -e '^gw1 +deferred +[0-9A-F]{6,}' \
		    -e "(^|[^0-9])$have of $have messages" -- "$MN" >> "$TMP/t.view"
		i=$((i + 1))
	done
	pf=$(awk '$1 != "-" { print $1 }' "$TMP/t.pfqueue" | median)
	pf_n=$(awk '$1 != "-"' "$TMP/t.pfqueue" | wc -l)
	v1=$(awk '$1 != "-" { print $1 }' "$TMP/t.view" | median)
	v1_n=$(awk '$1 != "-"' "$TMP/t.view" | wc -l)
	if [ "$v1_n" = 0 ]; then
		echo "queues view first row: not measured: no row appeared within 60 s after typing 3 (screen: $(sed -n 2p "$TMP/view.screen" | sed 's/  *$//'))"
	elif [ "$pf_n" = 0 ]; then
		echo "queues view first row, median of $v1_n: $v1 ms; pfqueue not measured: its count never showed $have (screen: $(head -n 1 "$TMP/pfqueue.screen" | sed 's/  *$//'))"
	else
		echo "queues view first row (start, 3, first row), median of $v1_n: $v1 ms"
		echo "  vs pfqueue first screen with the count ($have), median of $pf_n: $pf ms, ratio $(ratio "$v1" "$pf") (goal <= 1)"
	fi
	vall=$(awk '$2 != "-" { print $2 }' "$TMP/t.view" | median)
	vend=$(awk '$3 != "-" { print $3 }' "$TMP/t.view" | median)
	vmem=$(awk '{ print $4 }' "$TMP/t.view" | sort -n | tail -n 1)
	pmem=$(awk '{ print $2 }' "$TMP/t.pfqueue" | sort -n | tail -n 1)
	if [ -n "$vall" ]; then
		echo "  queues view complete count ($have of $have): $vall ms; console peak memory $(mb "$vmem") (goal <= 64 MB); pfqueue's $(mb "$pmem")"
	else
		echo "  queues view complete count: not reached: the listing ended after ${vend:-?} ms with '$(sed -n 2p "$TMP/view.screen" | sed 's/  *$//')' (console peak memory $(mb "$vmem"), pfqueue's $(mb "$pmem"))"
	fi
fi
echo "lab_queues.sh took $(($(date +%s) - bench_start)) s"
