#!/bin/sh
# queue_summary against Postfix's qshape on a real gateway queue: the same
# matrix, byte for byte, for the deferred and hold queues, by sender, with
# other buckets; delay classes of the lab's reasons; bad lines counted;
# parse time of 100,000 lines next to qshape's time per message.
# Needs the lab up, MAILNOC_CONFIG exported and the tools in MAILNOC_BIN.
# Deletes the mail it queued (its own sender) before it exits.
. "$(dirname "$0")/../lib.sh"
lab_env
Q=$LAB/gw1/etc
SUM=$B/tools/queue_summary
SENDER=qshape-test@agency.test
TMP=$(mktemp -d /tmp/mailnoc-t-qshape.XXXXXX)

ours() {   # JQ-CONDITION: queue IDs of this test's messages matching it
	postqueue -c "$Q" -j | jq -r --arg s "$SENDER" \
		"select(.sender == \$s and ($1)) | .queue_id"
}

cleanup() {
	ours true 2>/dev/null | postsuper -c "$Q" -d - >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

send() {   # DOMAIN MESSAGES RECIPIENTS
	"$ROOT/tests/lab/traffic" --gw gw1 -q --sender "$SENDER" \
		--to-domain "$1" -n "$2" -m "$3"
}

count_ours() {   # QUEUE EXPECTED
	[ "$(ours ".queue_name == \"$1\"" | wc -l)" -eq "$2" ]
}

settled() {   # nothing of ours in incoming or active, and all 8 listed
	[ "$(ours '.queue_name == "deferred" or .queue_name == "hold"' |
		wc -l)" -eq 8 ]
}

# same_as_qshape DESCRIPTION QSHAPE-ARGUMENTS...: lists the queue, runs
# qshape, lists it again; when the two listings agree (nothing moved) and
# qshape ran within one second, queue_summary with the same arguments on
# the listing, at that second, must print exactly what qshape printed.
same_as_qshape() {
	s_desc=$1
	shift
	s_try=0
	while :; do
		postqueue -c "$Q" -j > "$TMP/a.jsonl"
		s_now=$(date +%s)
		qshape -c "$Q" "$@" > "$TMP/qshape.txt"
		s_end=$(date +%s)
		postqueue -c "$Q" -j > "$TMP/b.jsonl"
		s_a=$(jq -r '.queue_name + " " + .queue_id' "$TMP/a.jsonl" | sort)
		s_b=$(jq -r '.queue_name + " " + .queue_id' "$TMP/b.jsonl" | sort)
		if [ "$s_a" = "$s_b" ] && [ "$s_now" = "$s_end" ]; then break; fi
		s_try=$((s_try + 1))
		if [ "$s_try" -ge 10 ]; then
			not_ok "$s_desc (the queue kept moving)"
			return
		fi
		sleep 0.3
	done
	"$SUM" --now "$s_now" "$@" < "$TMP/a.jsonl" > "$TMP/ours.txt" \
		2> "$TMP/ours.err"
	if cmp -s "$TMP/qshape.txt" "$TMP/ours.txt"; then
		ok "$s_desc"
	else
		not_ok "$s_desc"
		diff "$TMP/qshape.txt" "$TMP/ours.txt" | sed 's/^/  /'
	fi
}

# --- queue mail that stays: yahoo.test and hotmail.test answer 450 4.7.1,
# dead.test refuses connections. 5x3 + 2x4 + 1x2 recipients.
check "5 messages x 3 recipients to yahoo.test queued" send yahoo.test 5 3
check "2 messages x 4 recipients to hotmail.test queued" send hotmail.test 2 4
check "1 message x 2 recipients to dead.test queued" send dead.test 1 2
check "all 8 are deferred within 30 s" wait_until 30 settled

same_as_qshape "deferred: queue_summary = qshape" deferred
expect_eq "queue_summary counted every line" \
	"queue_summary: $(wc -l < "$TMP/a.jsonl" | tr -d ' ') messages, 0 bad lines" \
	"$(cat "$TMP/ours.err")"
total=$(awk '$1 == "TOTAL" { print $2 }' "$TMP/ours.txt")
check "the deferred TOTAL holds our 25 recipients" test "${total:-0}" -ge 25
same_as_qshape "deferred by sender (-s) = qshape -s" -s deferred
same_as_qshape "deferred, 1-minute buckets (-t 1 -b 12) = qshape" \
	-t 1 -b 12 deferred
same_as_qshape "deferred, linear buckets (-l -t 1) = qshape" -l -t 1 deferred
same_as_qshape "default queues (incoming + active) = qshape"
same_as_qshape "deferred, 100 columns (-w 100) = qshape -w 100" -w 100 deferred

# --- hold: our two hotmail.test messages on hold (the delay checks below
# need yahoo.test's 15 and dead.test's 2 recipients still deferred)
ours '.queue_name == "deferred" and
	(.recipients[0].address | endswith("@hotmail.test"))' |
	postsuper -c "$Q" -h - >/dev/null 2>&1
check "2 messages are on hold" wait_until 10 count_ours hold 2
same_as_qshape "hold: queue_summary = qshape" hold
same_as_qshape "deferred and hold together = qshape" deferred hold
same_as_qshape "hold by sender = qshape -s" -s hold

# --- JSON and delay reasons, from one listing
postqueue -c "$Q" -j > "$TMP/now.jsonl"
qtotal=$(qshape -c "$Q" deferred | awk '$1 == "TOTAL" { print $2 }')
expect_eq "--json total equals qshape's TOTAL" "$qtotal" \
	"$("$SUM" --json --queue deferred < "$TMP/now.jsonl" 2>/dev/null |
		jq .total.total)"
delay=$("$SUM" --delay --queue deferred < "$TMP/now.jsonl" 2>/dev/null)
expect_contains "yahoo.test is throttling (4.7.1, all of its recipients)" \
	"yahoo.test" "$(echo "$delay" | grep THROTTLED)"
expect_contains "dead.test is a connection problem" \
	"connection" "$(echo "$delay" | sed -n '/^dead.test/,/^[^ ]/p')"
expect_contains "the alert line names yahoo.test on gw1" \
	"yahoo.test" "$(echo "$delay" | grep '^throttling: ')"
expect_eq "the 450 4.7.1 reason is classed as throttling, dead.test's as connection" \
	"throttle connection" \
	"$("$SUM" --delay --json --queue deferred --filter "sender:$SENDER" \
		< "$TMP/now.jsonl" 2>/dev/null | jq -r '[.domains[] |
		select(.domain == "yahoo.test" or .domain == "dead.test") |
		.top[0].class] | join(" ")')"

# --- bad lines are counted and skipped, the rest still counts
{
	echo 'garbage'
	echo '{"queue_name": "deferred", "queue_id": "ABC'
	cat "$TMP/now.jsonl"
	echo '{"queue_name": "deferred", "queue_id": "BAD;ID", "arrival_time": 1, "message_size": 1, "sender": "", "recipients": []}'
} > "$TMP/bad.jsonl"
"$SUM" --queue deferred < "$TMP/bad.jsonl" > "$TMP/bad.txt" 2> "$TMP/bad.err"
expect_eq "3 bad lines reported, the first with its cause" \
	"queue_summary: $(wc -l < "$TMP/now.jsonl" | tr -d ' ') messages, 3 bad lines (first: line 1: not a JSON object: 'garbage')" \
	"$(cat "$TMP/bad.err")"
"$SUM" --queue deferred < "$TMP/now.jsonl" > "$TMP/good.txt" 2>/dev/null
check "the matrix is the same without the bad lines" \
	cmp -s "$TMP/good.txt" "$TMP/bad.txt"
err=$("$SUM" --queue defered < /dev/null 2>&1)
expect_eq "an unknown queue is refused with exit 2" \
	"2|queue_summary: unknown queue 'defered': use maildrop, incoming, active, deferred, hold or corrupt" \
	"$("$SUM" --queue defered < /dev/null > /dev/null 2>&1; echo $?)|$(echo "$err" | head -n 1)"

# --- speed: 100,000 synthetic lines like the lab's, and qshape per message
awk 'BEGIN {
	r[0] = "host 127.0.0.1[127.0.0.1] said: 450 4.7.1 Rate limited: too many messages from your IP, try again later (in reply to RCPT TO command)"
	r[1] = "connect to 127.0.0.1[127.0.0.1]:12529: Connection refused"
	r[2] = "delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:12529: Connection refused"
	d[0] = "yahoo.test"; d[1] = "hotmail.test"; d[2] = "dead.test"
	srand(1)
	for (i = 0; i < 100000; i++) {
		printf "{\"queue_name\": \"deferred\", \"queue_id\": \"%X\", \"arrival_time\": %d, \"message_size\": %d, \"forced_expire\": false, \"sender\": \"app%d@agency.test\", \"recipients\": [", 268435456 + i, 1700000000 + int(rand() * 90000), 300 + int(rand() * 50000), i % 50
		k = 1 + int(rand() * 4)
		for (j = 0; j < k; j++)
			printf "%s{\"address\": \"u%d@%s\", \"delay_reason\": \"%s\"}", (j ? ", " : ""), int(rand() * 5000), d[int(rand() * 3)], r[int(rand() * 3)]
		printf "]}\n"
	}
}' > "$TMP/100k.jsonl"
stats=$("$SUM" --stats --queue deferred < "$TMP/100k.jsonl" 2>&1 >/dev/null)
expect_contains "100,000 synthetic lines parsed" "100000 messages, 0 bad lines" \
	"$stats"
ms=$(echo "$stats" | sed -n 's/.*parsed in \([0-9]*\) ms.*/\1/p')
n=$(wc -l < "$TMP/a.jsonl" | tr -d ' ')
t0=$(date +%s%N)
qshape -c "$Q" deferred hold > /dev/null
t1=$(date +%s%N)
case $(basename "$B") in san) build="sanitizer build" ;; *) build="release build" ;; esac
echo "# parse: 100000 lines in ${ms:-?} ms ($build), $(echo "$stats" | sed -n 's/.*bytes (\([0-9]*\) per message).*/\1/p') bytes a message;" \
	"qshape: $n messages in $(((t1 - t0) / 1000000)) ms"
check "100,000 lines parse in under 3 s even with sanitizers" \
	test "${ms:-99999}" -lt 3000

finish
