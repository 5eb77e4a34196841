#!/bin/sh
# Queues over SSH against the real gateways: listing, summary, actions,
# drain, and bad input that must never reach a node.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
ids() { pq "$1" | jq -r .queue_id | sort; }

tests/lab/agents start >/dev/null
queues_clear
tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 8 -m 3 --to-domain yahoo.test >/dev/null
tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 3 -m 1 --to-domain hotmail.test >/dev/null
tests/lab/traffic --gw gw2 --from-ip 127.0.1.20 -n 5 -m 2 --to-domain dead.test >/dev/null
# Wait until every message has been tried once and sits deferred.
wait_until 20 deferred_are 11 5

out=$("$B/mailnoc" queue list --json)
expect_eq "queue list --json exits 0" 0 $?
for gw in gw1 gw2; do
	expect_eq "$gw: the same queue IDs as postqueue -j" "$(ids $gw)" \
		"$(echo "$out" | jq -r "select(.node == \"$gw\") | .queue_id" | sort)"
	expect_eq "$gw: the same recipients" \
		"$(pq $gw | jq -r '"\(.queue_id) \([.recipients[].address] | join(","))"' | sort)" \
		"$(echo "$out" | jq -r "select(.node == \"$gw\") | \"\(.queue_id) \([.recipients[].address] | join(\",\"))\"" | sort)"
done
expect_eq "a filter selects by domain" 3 \
	"$("$B/mailnoc" queue list --json --filter domain:hotmail.test | wc -l)"

# The summary's numbers are qshape's (same queue, both gateways together).
q1=$(qshape -c "$LAB/gw1/etc" deferred | awk '$1 == "TOTAL" || $1 == "yahoo.test" { print $1, $2 }')
s1=$("$B/mailnoc" queue summary --node gw1 --json | jq -r '.qshape | "TOTAL \(.total.total)", (.domains[] | select(.domain == "yahoo.test") | "\(.domain) \(.total)")')
expect_eq "gw1: summary totals equal qshape's" "$q1" "$s1"
out=$("$B/mailnoc" queue summary --reasons --json)
expect_eq "the throttling provider raises the alert" \
	"yes" "$(echo "$out" | jq -r 'if (.alert | test("yahoo.test")) then "yes" else "no" end')"

# hold -> release -> requeue -> delete, each seen in the real queue.
"$B/mailnoc" queue hold --filter domain:dead.test --yes >/dev/null
expect_eq "hold puts gw2's dead.test mail on hold" 5 "$(count_in gw2 hold)"
"$B/mailnoc" queue release --queue hold --node gw2 --yes >/dev/null
expect_eq "release takes it off hold" 0 "$(count_in gw2 hold)"
one=$(ids gw1 | head -n 1)
out=$("$B/mailnoc" queue requeue "gw1:$one" --yes --json)
expect_eq "requeue of one message reports one done" 1 "$(echo "$out" | jq -r '.nodes[0].done')"
out=$("$B/mailnoc" queue delete "gw1:$one" --yes --json)
expect_eq "delete removes it" "" "$(ids gw1 | grep -x "$one")"
out=$("$B/mailnoc" queue delete "gw1:$one" --yes --json)
expect_eq "deleting it again: re-checked, nothing left to do" 0 \
	"$(echo "$out" | jq -r '.nodes[0].present')"
out=$("$B/mailnoc" queue delete --queue deferred --node gw1 </dev/null 2>&1)
expect_eq "a whole-queue delete without --yes and no terminal is refused" 2 $?
expect_eq "and gw1's queue is untouched" 10 "$(count_in gw1 deferred)"
out=$("$B/mailnoc" queue delete --queue deferred --node gw1 --dry-run)
expect_contains "--dry-run previews per node" "would delete 10 messages (gw1: 10" "$out"

# Bad input never reaches a node: a canary file must not appear.
canary=/tmp/mailnoc-canary-$$
rm -f "$canary"
for arg in "gw1:ABC';touch $canary;'" "gw1:\$(touch $canary)" "gw1:A1B2C3;touch $canary" \
	"gw9:ABCDEF1234" "mbx1:ABCDEF1234" "gw1:abc"; do
	"$B/mailnoc" queue hold "$arg" --yes >/dev/null 2>&1
	expect_eq "refused: $arg" 2 $?
done
"$B/mailnoc" queue flush --site "x.test;touch $canary" >/dev/null 2>&1
expect_eq "refused: a site with a semicolon" 2 $?
"$B/mailnoc" queue delete --filter "   " --yes >/dev/null 2>&1
expect_eq "refused: an empty filter for delete" 2 $?
"$B/mailnoc" queue list --queue bogus >/dev/null 2>&1
expect_eq "refused: an unknown queue" 2 $?
check "the canary never appeared" test ! -e "$canary"

# An unknown host key: the node is refused, nothing runs.
sed "s#$LAB/ssh/known_hosts#$LAB/empty_known_hosts#" "$MAILNOC_CONFIG" > "$LAB/nohost.json"
: > "$LAB/empty_known_hosts"
out=$("$B/mailnoc" --config "$LAB/nohost.json" queue list --node gw1 2>&1)
expect_eq "an unknown host key exits 3" 3 $?
expect_contains "naming the key and its fingerprint" "SHA256:" "$out"
rm -f "$LAB/nohost.json" "$LAB/empty_known_hosts"

# Drain: gw2's deferred mail goes out once its provider answers again.
smtp-sink -u postfix -c 127.0.0.1:"$LAB_DEAD_PORT" 100 >/dev/null 2>&1 &
sink=$!
sleep 0.3
out=$("$B/mailnoc" drain gw2 --yes --timeout 60 2>/dev/null)
expect_eq "drain gw2 ends with the queue empty" 0 $?
expect_contains "and says so" "gw2: drained, the queue is empty" "$out"
expect_eq "postqueue agrees: gw2's queue is empty" 0 "$(pq gw2 | wc -l)"
expect_eq "gw2 is reported draining" draining \
	"$("$B/mailnoc" nodes --json | jq -r '.[] | select(.name == "gw2") | .state')"
"$B/mailnoc" undrain gw2 --yes >/dev/null
kill "$sink" 2>/dev/null
wait "$sink" 2>/dev/null
for i in $(seq 20); do
	st=$("$B/mailnoc" nodes --json | jq -r '.[] | select(.name == "gw2") | .state')
	[ "$st" = active ] && break
	sleep 0.3
done
expect_eq "undrain returns it to active" active "$st"
expect_contains "the events record drain and undrain" "undrain" \
	"$("$B/mailnoc" events --json | jq -r '.[].type' | tr '\n' ' ')"

postsuper -c "$LAB/gw1/etc" -d ALL >/dev/null 2>&1
tests/lab/agents stop >/dev/null
finish
