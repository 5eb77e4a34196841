#!/bin/sh
# providers, clients --suspects and agencies --json against the lab: the
# gateways' agents follow their mail logs (tests/lab/up's nodes[].maillog);
# after real traffic (tests/lab/mixed: accepted, throttled, dead and
# bouncing providers) the throttled provider is on top with its deferrals
# and bouncy.test shows its bounces; a harvest run makes its client a
# suspect; status says each gateway's log retention.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
. "$(dirname "$0")/../lib.sh"
lab_env
B=$MAILNOC_BIN/mailnoc
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$(dirname "$MAILNOC_CONFIG")
NOC=$LAB/mailnoc-noc.json
MAILNOC_LAB_DIR=$LAB
export MAILNOC_LAB_DIR
AGENTS=$ROOT/tests/lab/agents


# prov NAME FIELD: a provider's figure now (0 when it is not listed).
prov() {
	"$B" providers --json | jq -r --arg n "$1" --arg f "$2" \
		'[.[] | select(.name == $n) | .[$f]] | first // 0'
}
agency() {
	"$B" agencies --json | jq -r --arg f "$1" \
		'[.[] | select(.id == "lab") | .[$f]] | first // 0'
}

# The suspect made here is forgotten at the end: no ALERT left for others.
IP=127.0.3.$((100 + $$ % 100))
WERE_RUNNING=$(agents_running)
suspect_forget "$IP"
trap 'suspect_forget "$IP"; harvest_alert_gone "$IP"; agents_restore "$WERE_RUNNING"' EXIT
trap 'exit 1' INT TERM

"$AGENTS" start >/dev/null 2>&1 || { not_ok "the lab's agents start"; finish; exit 1; }
jq -e '[.nodes[] | select(.role == "gateway") | has("maillog")] | all' \
	"$MAILNOC_CONFIG" >/dev/null
check "the lab's gateways follow their mail logs (nodes[].maillog)" [ $? -eq 0 ]
# Each gateway's follower has started (a heartbeat with log_age).
has_age() {
	"$B" status --json | jq -e '.log_retention | has("gw1") and has("gw2")' \
		>/dev/null
}
check "status --json reports both gateways' log retention" wait_until 20 has_age

Y0=$(prov yahoo.test deferred)
T0=$(prov yahoo.test deferrals_by_class | jq -r '.throttle // 0' 2>/dev/null)
[ -n "$T0" ] || T0=0
BO0=$(prov bouncy.test bounced)
AB0=$(agency bounced_day)
AI0=$(agency invalid_day)

# 12 throttled messages: past the classifier's sample of ten.
out=$("$ROOT/tests/lab/mixed" --throttled 12 --wait 2>&1)
check "tests/lab/mixed --throttled 12 ran" [ $? -eq 0 ]

bounced_seen() { [ "$(prov bouncy.test bounced)" -ge $((BO0 + 5)) ]; }
deferred_seen() { [ "$(prov yahoo.test deferred)" -ge $((Y0 + 12)) ]; }
check "bouncy.test's 5 bounces are counted within 20 s" wait_until 20 bounced_seen
check "yahoo.test's 12 deferrals are counted within 20 s" wait_until 20 deferred_seen
sleep 1
expect_eq "bouncy.test: exactly the mix's 5 bounces" $((BO0 + 5)) \
	"$(prov bouncy.test bounced)"
expect_eq "bouncy.test is bouncing" "bouncing" "$(prov bouncy.test state)"

J=$("$B" providers --json)
first=$(echo "$J" | jq -r '.[0].name')
case "$first" in
Yahoo|yahoo.test) ok "the throttled provider is on top ($first)" ;;
*) not_ok "the throttled provider is on top"; echo "$J" | jq -c '.[] | [.name, .state]' ;;
esac
expect_eq "it is THROTTLED by the delay classifier's rule" "true" \
	"$(echo "$J" | jq -r '.[0].throttled')"
expect_eq "yahoo.test's deferrals are of the throttle class" "true" \
	"$(echo "$J" | jq -r --argjson t "$T0" '.[] | select(.name == "yahoo.test")
		| .deferrals_by_class.throttle >= $t + 12')"
expect_eq "the group Yahoo is listed as a group" "true" \
	"$(echo "$J" | jq -r '[.[] | select(.name == "Yahoo") | .group] | first')"
expect_eq "accept.test delivered with a p95 delay" "true" \
	"$(echo "$J" | jq -r '.[] | select(.name == "accept.test")
		| .delivered >= 10 and .p95_delay_s != null and .state == "ok"')"
# Queued now: what postqueue -j lists on both gateways (active and
# deferred, by the first recipient's domain) is what the heartbeats say.
# pq_count DOMAIN [deferred]: messages queued for DOMAIN on the gateways.
pq_count() {
	for gw in gw1 gw2; do
		pq "$gw" | jq -r --arg q "${2:-}" 'select(.queue_name == "deferred"
			or ($q == "" and .queue_name == "active"))
			| .recipients[0].address | ascii_downcase | sub(".*@"; "")'
	done | grep -cx "$1"
}
queued_is_pq() {
	[ "$(prov "$1" queued)" = "$(pq_count "$1")" ] &&
		[ "$(prov "$1" queued_deferred)" = "$(pq_count "$1" deferred)" ]
}
check "yahoo.test: queued is postqueue -j's count within 30 s" \
	wait_until 30 queued_is_pq yahoo.test
check "dead.test: queued is postqueue -j's count within 30 s" \
	wait_until 30 queued_is_pq dead.test
Q=$(pq_count yahoo.test)
check "yahoo.test holds the mix's 12 throttled messages ($Q)" [ "$Q" -ge 12 ]
expect_eq "yahoo.test: queued equals postqueue -j's $Q" "$Q" \
	"$(prov yahoo.test queued)"
expect_eq "yahoo.test: the deferred ones are of the throttle class" \
	"$(pq_count yahoo.test deferred)" \
	"$(prov yahoo.test queued_deferred_by_class | jq -r '.throttle // 0')"
expect_eq "the group Yahoo sums its domain" "$(prov yahoo.test queued)" \
	"$(prov Yahoo queued)"
expect_eq "dead.test's are of the connection class" \
	"$(pq_count dead.test deferred)" \
	"$(prov dead.test queued_deferred_by_class | jq -r '.connection // 0')"

# A node's q_domains that is not one: left out, said in one line, the
# figures unchanged.
FAKE=fake$$
lcli HSET "mailnoc:node:$FAKE" role gateway q_domains \
	"1 yahoo.test:99:99:0,98,0,0,0,0,0" >/dev/null
lcli SET "mailnoc:node:$FAKE:alive" 1 EX 60 >/dev/null
lcli SADD mailnoc:nodes "$FAKE" >/dev/null
err=$("$B" providers --json 2>&1 >/dev/null)
out=$("$B" providers --json 2>/dev/null)
lcli DEL "mailnoc:node:$FAKE" "mailnoc:node:$FAKE:alive" >/dev/null
lcli SREM mailnoc:nodes "$FAKE" >/dev/null
expect_eq "a bad q_domains: one line on stderr" 1 "$(echo "$err" | wc -l)"
expect_contains "it names the node and what is wrong" \
	"$FAKE's q_domains ignored: entry 'yahoo.test:99:99:0,98,0,0,0,0,0' has class counts that do not sum" \
	"$err"
expect_eq "and yahoo.test's figure is the real one" "$Q" \
	"$(echo "$out" | jq -r '.[] | select(.name == "yahoo.test") | .queued')"

txt=$("$B" providers)
expect_contains "the table has a QUEUED column" "QUEUED" \
	"$(echo "$txt" | sed -n 1p)"
expect_contains "the table's first row is THROTTLED" "THROTTLED" \
	"$(echo "$txt" | sed -n 2p)"
expect_contains "the table names the classes" "throttle" "$txt"
expect_contains "the noc role reads the providers" "bouncy.test" \
	"$(MAILNOC_CONFIG=$NOC "$B" providers 2>&1)"

expect_eq "agencies --json: the lab agency's 5 bounces today" $((AB0 + 5)) \
	"$(agency bounced_day)"
expect_eq "agencies --json: all 5 for invalid addresses (5.1.1)" $((AI0 + 5)) \
	"$(agency invalid_day)"
expect_eq "agencies --json: bouncy.test bounced most" "bouncy.test" \
	"$("$B" agencies --json | jq -r '.[] | select(.id == "lab")
		| .bounced_providers[0].domain')"
R=$("$B" agencies --json | jq -r '.[] | select(.id == "lab")
	| .bounced_providers[] | select(.domain == "bouncy.test") | .sample_reason')
expect_contains "agencies --json: bouncy.test's sample reason is the sink's" \
	"5.1.1" "$R"
check "the sample reason is cut to 160 bytes" [ "${#R}" -le 160 ]

# Reputation refusals: the throttle sink's "Rate limited" deferrals count
# for yahoo.test; bouncy.test's 5.1.1 bounces above do not, its sink's
# "blocked using bl.example" refusals (blocked*@) do, with their text.
expect_eq "yahoo.test: its 12 'Rate limited' deferrals are reputation refusals" \
	"true" "$("$B" providers --json | jq -r '.[] | select(.name == "yahoo.test")
		| .reputation >= 12 and (.reputation_reason | contains("Rate limited"))')"
RP0=$(prov bouncy.test reputation)
"$ROOT/tests/lab/traffic" --from-ip 127.0.0.1 -n 3 --to blocked1@bouncy.test \
	--sender reput@agency.test -q >/dev/null 2>&1
check "3 messages to blocked1@bouncy.test were sent" [ $? -eq 0 ]
rep_seen() { [ "$(prov bouncy.test reputation)" -ge $((RP0 + 3)) ]; }
check "bouncy.test's 3 reputation refusals are counted within 20 s" \
	wait_until 20 rep_seen
sleep 1
expect_eq "bouncy.test: exactly 3 reputation refusals more" $((RP0 + 3)) \
	"$(prov bouncy.test reputation)"
expect_contains "bouncy.test's reputation reason is the sink's" \
	"blocked using bl.example" "$(prov bouncy.test reputation_reason)"
txt=$("$B" providers)
expect_contains "the table has a REPUT column" "REPUT" "$(echo "$txt" | sed -n 1p)"
expect_contains "the table marks bouncy.test and says why" \
	"bouncy.test refuses for reputation" "$txt"

# A harvest from an address of its own: a suspect within the window.
"$ROOT/tests/lab/harvest" --from-ip "$IP" -n 25 >/dev/null 2>&1
check "tests/lab/harvest ran from $IP" [ $? -eq 0 ]
suspect_seen() {
	"$B" clients --suspects --json | jq -e --arg ip "$IP" \
		'.[] | select(.ip == $ip and .count >= 20)' >/dev/null
}
check "clients --suspects lists $IP within 20 s" wait_until 20 suspect_seen
S=$("$B" clients --suspects --json | jq -c --arg ip "$IP" '.[] | select(.ip == $ip)')
expect_eq "the suspect has sample addresses of inbound.test" "true" \
	"$(echo "$S" | jq -r '(.samples | length) > 0 and
		(.samples[0] | endswith("@inbound.test"))')"
expect_eq "the suspect was seen on gw1, is not blocked" "gw1 false" \
	"$(echo "$S" | jq -r '"\(.node) \(.blocked)"')"
expect_contains "the table lists it" "$IP" "$("$B" clients --suspects)"
# The agents' harvest rule records it as an alert (first run three
# heartbeat periods after the agents start, then every period).
harvest_alert() {
	"$B" alerts --json | jq -e --arg ip "$IP" \
		'.[] | select(.kind == "harvest" and .subject == $ip and .active)' \
		>/dev/null
}
check "the agents raise a harvest alert for $IP within 40 s" \
	wait_until 40 harvest_alert
"$B" clients >/dev/null 2>&1
expect_eq "clients without --suspects is a usage error" 2 $?

# The lab's logs are young: fewer than 60 days kept, said.
expect_contains "status warns of fewer than 60 days of mail log" \
	"fewer than 60 days on gw1" "$("$B" status)"
expect_eq "status --json: gw1's retention is short" "true" \
	"$("$B" status --json | jq -r '.log_retention.gw1.short')"

finish
