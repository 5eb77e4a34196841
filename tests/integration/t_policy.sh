#!/bin/sh
# Blocks through the console's own commands against the real gateways: a
# `mailnoc block` refuses the next SMTP transaction within a second, unblock
# accepts it again, a block --for 3s ends by itself, --hold holds what the IP
# has queued, and `agencies --json` shows the volume that was sent.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
TRAFFIC=tests/lab/traffic
IP=127.0.1.12         # seeded: tax, printer-3rd-floor
COUNT_IP=127.0.1.50   # seeded: parks, newsletter
P=$(jq -r '.redis.prefix // "mailnoc:"' "$MAILNOC_CONFIG")

rcli() {
	REDISCLI_AUTH=$(cat "$LAB/secrets/admin.pass") redis-cli -h 127.0.0.1 \
		-p "$LAB_REDIS_PORT" --user admin --no-auth-warning "$@"
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }

cleanup() {
	"$B/mailnoc" unblock "$IP" >/dev/null 2>&1
	for gw in gw1 gw2; do
		postsuper -c "$LAB/$gw/etc" -d ALL >/dev/null 2>&1
	done
	tests/lab/agents stop >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tests/lab/agents start >/dev/null
expect_eq "the agents run" 0 "$?"
"$B/mailnoc" unblock "$IP" >/dev/null 2>&1

out=$("$TRAFFIC" --gw gw1 --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "before the block, $IP relays" "queued 1 message" "$out"

# --- block: the next transaction is refused with the reason, within 1 s
t0=$(ms_now)
out=$("$B/mailnoc" block "$IP" --permanent --reason "compromised printer, INC-77" --json)
expect_eq "block exits 0" 0 "$?"
expect_eq "block --json says permanent" "true" "$(echo "$out" | jq -r .permanent)"
expect_eq "and names the agency of the permit" "tax" "$(echo "$out" | jq -r .agency)"
out=$("$TRAFFIC" --gw gw1 --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
ms=$(($(ms_now) - t0))
expect_contains "the next transaction is refused with the reason" \
	"Recipient address rejected: $IP is blocked: compromised printer, INC-77" "$out"
check "within one second of the block ($ms ms, block command included)" test "$ms" -lt 1000
out=$("$TRAFFIC" --gw gw2 --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "on the other gateway too" "$IP is blocked" "$out"
out=$("$B/mailnoc" blocks --json)
expect_eq "blocks --json lists it with its hits" "2" \
	"$(echo "$out" | jq -r ".[] | select(.ip == \"$IP\") | .hits")"
out=$("$B/mailnoc" blocks)
expect_contains "the plain list shows IP, agency and reason" "compromised printer, INC-77" \
	"$(echo "$out" | grep "^$IP ")"

# --- unblock: accepted again
"$B/mailnoc" unblock "$IP" >/dev/null
expect_eq "unblock exits 0" 0 "$?"
out=$("$TRAFFIC" --gw gw1 --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "after unblock it relays again" "queued 1 message" "$out"
out=$("$B/mailnoc" unblock "$IP" 2>&1)
expect_eq "unblocking it twice fails" 1 "$?"
expect_contains "and says why" "it is not blocked" "$out"

# --- a temporary block ends by itself
"$B/mailnoc" block "$IP" --for 3s --reason "cool down" >/dev/null
expect_eq "block --for 3s exits 0" 0 "$?"
out=$("$TRAFFIC" --gw gw1 --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "during the 3 s it is refused" "$IP is blocked: cool down until" "$out"
sleep 4
out=$("$TRAFFIC" --gw gw1 --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "after them it relays by itself" "queued 1 message" "$out"
expect_eq "and the block is gone from the list" "" \
	"$("$B/mailnoc" blocks --json | jq -r ".[] | select(.ip == \"$IP\") | .ip")"

# --- bad input changes nothing
before=$(rcli ZCARD "${P}blocks")
out=$("$B/mailnoc" block 127.0.1.0/24 --for 1h --reason x 2>&1)
expect_eq "a range is refused as usage" 2 "$?"
expect_contains "with the reason" "single" "$out"
out=$("$B/mailnoc" block "127.0.1.12'; touch /tmp/x" --for 1h --reason x 2>&1)
expect_eq "an IP with a quote is refused" 2 "$?"
out=$("$B/mailnoc" block "$IP" --for 1h 2>&1)
expect_eq "a block without a reason is refused" 2 "$?"
expect_eq "nothing was written" "$before" "$(rcli ZCARD "${P}blocks")"

# --- block --hold: its queued mail goes on hold, the rest stays
queues_clear
"$TRAFFIC" --gw gw1 --from-ip "$IP" -n 3 --to-domain dead.test >/dev/null
"$TRAFFIC" --gw gw2 --from-ip "$IP" -n 2 --to-domain dead.test >/dev/null
"$TRAFFIC" --gw gw1 --from-ip 127.0.1.10 -n 2 --to-domain dead.test >/dev/null
wait_until 20 deferred_are 5 2
out=$("$B/mailnoc" block "$IP" --for 1h --reason "held for review" --hold --yes --json)
expect_eq "block --hold exits 0" 0 "$?"
expect_eq "it reports 3 held on gw1" 3 "$(echo "$out" | jq -r .held.gw1)"
expect_eq "and 2 on gw2" 2 "$(echo "$out" | jq -r .held.gw2)"
expect_eq "gw1's hold queue has them" 3 "$(count_in gw1 hold)"
expect_eq "127.0.1.10's mail is not held" 2 "$(count_in gw1 deferred)"
expect_eq "gw2's hold queue has its 2" 2 "$(count_in gw2 hold)"
"$B/mailnoc" unblock "$IP" >/dev/null

# --- the agencies view's figures are what was sent (deltas: other tests
# may have sent before; the hour and day windows hold everything sent just
# now, the minute only when it did not turn in between)
fig() { "$B/mailnoc" agencies --json | jq -r '.[] | select(.id == "parks") |
	"\(.hour.msgs) \(.hour.rcpts) \(.day.msgs) \(.day.rcpts) \(.day.bytes) \(.minute.msgs)"'; }
before=$(fig)
min0=$(($(date +%s) / 60))
"$TRAFFIC" --gw gw1 --from-ip "$COUNT_IP" -n 4 -m 3 --to-domain accept.test >/dev/null
"$TRAFFIC" --gw gw2 --from-ip "$COUNT_IP" -n 2 -m 1 --to-domain accept.test >/dev/null
sleep 0.5   # the agent's counts go out within 100 ms of idle
after=$(fig)
min1=$(($(date +%s) / 60))
set -- $before
expect_eq "agencies --json: parks sent 6 messages with 14 recipients this hour and day" \
	"$(($1 + 6)) $(($2 + 14)) $(($3 + 6)) $(($4 + 14))" \
	"$(echo "$after" | awk '{ print $1, $2, $3, $4 }')"
check "and their bytes" test "$(echo "$after" | awk '{ print $5 }')" -gt "$5"
if [ "$min0" = "$min1" ]; then
	expect_eq "and 6 this minute" "$(($6 + 6))" "$(echo "$after" | awk '{ print $6 }')"
fi

cleanup
trap - EXIT
finish
