#!/bin/sh
# Blocks, relay permits and agencies through batch mode against the lab's
# Redis: what each command writes (checked with redis-cli), what it refuses
# (checked to write nothing), and the read-only noc user.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN/mailnoc
LAB=$(dirname "$MAILNOC_CONFIG")
NOC=$LAB/mailnoc-noc.json
P=mailnoc:
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
TMP=$(mktemp -d)
WHO="$(id -un)@$(hostname)"

# Our own agencies and addresses (TEST-NET-1 and the IPv6 documentation
# prefix), never the ones the lab seeds.
IPS="192.0.2.50 192.0.2.51 192.0.2.52 192.0.2.53 192.0.2.60 192.0.2.61
192.0.2.70 192.0.2.71 192.0.2.72 192.0.2.73 192.0.2.74 2001:db8::50"
cleanup() {
	for ip in $IPS; do
		rc del "${P}block:$ip" "${P}permit:$ip" >/dev/null
		rc zrem "${P}blocks" "$ip" >/dev/null
		rc hdel "${P}permit" "$ip" >/dev/null
	done
	rc del "${P}agency:t-dmv" "${P}agency:t-tax" "${P}agency:t-noc" >/dev/null
	rc srem "${P}agencies" t-dmv t-tax t-noc >/dev/null
}
cleanup
# Everything a refused command might have written, in one line.
state() {
	printf '%s %s %s %s %s %s\n' "$(rc --scan --pattern "${P}block:*" | sort | tr '\n' ' ')" \
		"$(rc zcard "${P}blocks")" "$(rc hlen "${P}permit")" \
		"$(rc --scan --pattern "${P}permit:*" | wc -l)" "$(rc scard "${P}agencies")" \
		"$(rc xlen "${P}events")"
}

# ---------------------------------------------------------------- agencies
out=$("$B" agency add t-dmv --name "Test Motor Vehicles" --contact "ops@t-dmv" \
	--daily 1000 --max-rcpts 50 --json)
expect_eq "agency add exits 0" 0 $?
expect_eq "and prints the agency" "t-dmv Test Motor Vehicles 1000 50 1000" \
	"$(echo "$out" | jq -r '"\(.id) \(.name) \(.daily) \(.max_rcpts) \(.bulk_rcpts)"')"
expect_eq "agency:{id} holds the fields given" "Test Motor Vehicles|ops@t-dmv|1000|50|" \
	"$(rc hmget "${P}agency:t-dmv" name contact daily max_rcpts bulk_rcpts | tr '\n' '|' | sed 's/|$//')"
expect_eq "agencies holds the id" 1 "$(rc sismember "${P}agencies" t-dmv)"
out=$("$B" agency add t-dmv --name again 2>&1)
expect_eq "adding it again exits 1" 1 $?
expect_contains "saying so" "cannot add agency 't-dmv': it exists; change it with 'agency set'" "$out"
"$B" agency add t-tax --name "Test Revenue" >/dev/null
expect_eq "a second agency" 0 $?
out=$("$B" agency set t-dmv --bulk-rcpts 50 --max-per-minute 20)
expect_eq "agency set exits 0" 0 $?
expect_eq "and changes only those fields" "Test Motor Vehicles|50|20|50" \
	"$(rc hmget "${P}agency:t-dmv" name bulk_rcpts max_per_minute max_rcpts | tr '\n' '|' | sed 's/|$//')"
out=$("$B" agency set t-nope --daily 5 2>&1)
expect_eq "setting an unknown agency exits 1" 1 $?
expect_eq "unknown agencies are not created" 0 "$(rc exists "${P}agency:t-nope")"
out=$("$B" agency add 'T DMV!' --name x 2>&1)
expect_eq "a bad agency id exits 2" 2 $?
out=$("$B" agency add t-x 2>&1)
expect_eq "agency add without --name exits 2" 2 $?
expect_contains "saying what is missing" "agency add: give the agency's name with --name TEXT" "$out"
out=$("$B" agency set t-dmv --bulk-rcpts 0 2>&1)
expect_eq "--bulk-rcpts 0 is refused" 2 $?
out=$("$B" agency list --json)
expect_eq "agency list --json lists ours" "t-dmv t-tax" \
	"$(echo "$out" | jq -r '[.[].id | select(startswith("t-"))] | join(" ")')"
out=$("$B" agency list)
expect_contains "agency list prints a table" "t-dmv" "$out"

# ---------------------------------------------------------------- blocks
before=$(state)
for bad in 10.0.0.0/8 2001:db8::/64 '10.0.0.*' 10.0.0.1-10.0.0.9 mail.example.org 10.0.0 ''; do
	out=$("$B" block "$bad" --for 1h --reason test 2>&1)
	code=$?
	expect_eq "block '$bad' exits 2" 2 "$code"
	expect_eq "with one line" 1 "$(echo "$out" | wc -l)"
done
out=$("$B" block 10.0.0.0/8 --for 1h --reason test 2>&1)
expect_eq "a range is refused with the reason" \
	"mailnoc: cannot block '10.0.0.0/8': only single addresses are accepted, not ranges (CIDR prefixes); give each address" "$out"
out=$("$B" block mail.example.org --permanent --reason test 2>&1)
expect_contains "a host name is refused with the reason" "host names are not accepted" "$out"
out=$("$B" block 192.0.2.50 --reason test 2>&1)
expect_eq "no --for nor --permanent exits 2" 2 $?
expect_contains "saying how to say it" "block: how long? give --for DURATION" "$out"
out=$("$B" block 192.0.2.50 --for 400d --reason test 2>&1)
expect_eq "--for beyond 365d exits 2" 2 $?
out=$("$B" block 192.0.2.50 --for 2h --permanent --reason test 2>&1)
expect_eq "--for and --permanent together exit 2" 2 $?
out=$("$B" block 192.0.2.50 --for 2h 2>&1)
expect_eq "no --reason exits 2" 2 $?
out=$("$B" block 192.0.2.50 --for 2h --reason "$(printf 'a\tb')" 2>&1)
expect_eq "a reason with a tab exits 2" 2 $?
out=$("$B" block 192.0.2.50 --for 2h --reason "$(head -c 201 /dev/zero | tr '\0' x)" 2>&1)
expect_eq "a reason of 201 characters exits 2" 2 $?
expect_eq "nothing was written by any refusal" "$before" "$(state)"

"$B" permit add 192.0.2.50 t-dmv >/dev/null
t0=$(date +%s)
out=$("$B" block 192.0.2.50 --for 2h --reason "spam run to yahoo" --json)
expect_eq "block --for 2h exits 0" 0 $?
until=$(echo "$out" | jq -r .until)
check "until is now + 2h" [ "$until" -ge $((t0 + 7200)) ] && [ "$until" -le $((t0 + 7202)) ]
expect_eq "--json: the block" "192.0.2.50 spam run to yahoo $WHO false t-dmv" \
	"$(echo "$out" | jq -r '"\(.ip) \(.reason) \(.who) \(.permanent) \(.agency)"')"
expect_eq "block:{ip} holds reason, who, until" "spam run to yahoo|$WHO|$until" \
	"$(rc hmget "${P}block:192.0.2.50" reason who until | tr '\n' '|' | sed 's/|$//')"
ttl=$(rc ttl "${P}block:192.0.2.50")
check "it expires with the block (TTL $ttl)" [ "$ttl" -gt 7190 ] && [ "$ttl" -le 7202 ]
expect_eq "the blocks index scores it by until" "$until" "$(rc zscore "${P}blocks" 192.0.2.50)"
ev=$(rc --raw xrevrange "${P}events" + - count 1 | tr '\n' '|')
expect_contains "an event says it was blocked" "type|block|" "$ev"
expect_contains "and what and why" "192.0.2.50 until" "$ev"
expect_contains "and who" "by $WHO: spam run to yahoo" "$ev"

out=$("$B" block 2001:DB8:0::50 --permanent --reason compromised --json)
expect_eq "a permanent IPv6 block" "2001:db8::50 0 true" \
	"$(echo "$out" | jq -r '"\(.ip) \(.until) \(.permanent)"')"
expect_eq "stored under its canonical form, without expiry" -1 "$(rc ttl "${P}block:2001:db8::50")"
expect_eq "scored 0 in the index" 0 "$(rc zscore "${P}blocks" 2001:db8::50)"

out=$("$B" blocks --json)
expect_eq "blocks --json lists both, the permanent one last" "192.0.2.50 2001:db8::50" \
	"$(echo "$out" | jq -r '[.[] | select(.ip == "192.0.2.50" or .ip == "2001:db8::50") | .ip] | join(" ")')"
expect_eq "with the IP's permit agency" "t-dmv" \
	"$(echo "$out" | jq -r '.[] | select(.ip == "192.0.2.50") | .agency')"
out=$("$B" blocks)
expect_contains "blocks prints a table" "192.0.2.50" "$out"

out=$("$B" extend 192.0.2.50 --for 1d --json)
expect_eq "extend --for 1d exits 0" 0 $?
until=$(echo "$out" | jq -r .until)
check "until is now + 1d" [ "$until" -ge $((t0 + 86400)) ] && [ "$until" -le $((t0 + 86410)) ]
expect_eq "the reason is kept" "spam run to yahoo" "$(rc hget "${P}block:192.0.2.50" reason)"
ttl=$(rc ttl "${P}block:192.0.2.50")
check "the expiry follows (TTL $ttl)" [ "$ttl" -gt 86390 ]
expect_eq "the index follows" "$until" "$(rc zscore "${P}blocks" 192.0.2.50)"
expect_contains "an extend event" "type|extend|" "$(rc --raw xrevrange "${P}events" + - count 1 | tr '\n' '|')"
"$B" extend 192.0.2.50 --permanent >/dev/null
expect_eq "extend --permanent removes the expiry" "-1 0" \
	"$(rc ttl "${P}block:192.0.2.50") $(rc hget "${P}block:192.0.2.50" until)"
out=$("$B" extend 192.0.2.51 --for 1h 2>&1)
expect_eq "extending an IP not blocked exits 1" 1 $?
expect_contains "saying so" "cannot extend '192.0.2.51': it is not blocked" "$out"
expect_eq "and creates nothing" 0 "$(rc exists "${P}block:192.0.2.51")"

out=$("$B" unblock 192.0.2.50 --json)
expect_eq "unblock exits 0" 0 $?
expect_eq "and says what it was" "true spam run to yahoo" "$(echo "$out" | jq -r '"\(.unblocked) \(.was.reason)"')"
expect_eq "the hash and the index entry are gone" "0 " \
	"$(rc exists "${P}block:192.0.2.50") $(rc zscore "${P}blocks" 192.0.2.50)"
expect_contains "an unblock event" "type|unblock|" "$(rc --raw xrevrange "${P}events" + - count 1 | tr '\n' '|')"
out=$("$B" unblock 192.0.2.50 2>&1)
expect_eq "unblocking again exits 1" 1 $?
expect_contains "saying it is not blocked" "cannot unblock '192.0.2.50': it is not blocked" "$out"
"$B" unblock 2001:db8::50 >/dev/null

# A short block ends by itself; the next block written cleans the index
# (listing writes nothing: a read-only console lists too).
"$B" block 192.0.2.60 --for 3s --reason short >/dev/null
expect_eq "a 3 s block exists" 1 "$(rc exists "${P}block:192.0.2.60")"
sleep 4
expect_eq "4 s later Redis has expired it" 0 "$(rc exists "${P}block:192.0.2.60")"
out=$("$B" blocks --json)
expect_eq "blocks no longer lists it" "" "$(echo "$out" | jq -r '.[] | select(.ip == "192.0.2.60") | .ip')"
check "listing wrote nothing: the ended entry is still indexed" \
	test -n "$(rc zscore "${P}blocks" 192.0.2.60)"
"$B" block 192.0.2.61 --for 1m --reason next >/dev/null
expect_eq "the next block removed it" "" "$(rc zscore "${P}blocks" 192.0.2.60)"
"$B" unblock 192.0.2.61 >/dev/null

# ---------------------------------------------------------------- permits
out=$("$B" permit add 192.0.2.51 t-dmv --app "Plates printer" --expected 300 --json)
expect_eq "permit add exits 0" 0 $?
expect_eq "--json: the permit" "192.0.2.51 t-dmv Plates printer 300 false" \
	"$(echo "$out" | jq -r '"\(.ip) \(.agency) \(.app) \(.expected) \(.replaced)"')"
expect_eq "permit maps the IP to the agency" t-dmv "$(rc hget "${P}permit" 192.0.2.51)"
expect_eq "permit:{ip} describes it" "Plates printer|300|$WHO" \
	"$(rc hmget "${P}permit:192.0.2.51" app expected who | tr '\n' '|' | sed 's/|$//')"
out=$("$B" permit add 192.0.2.51 t-tax --json)
expect_eq "a second add replaces" "true t-dmv null" \
	"$(echo "$out" | jq -r '"\(.replaced) \(.previous_agency) \(.app)"')"
expect_eq "the IP is now t-tax's" t-tax "$(rc hget "${P}permit" 192.0.2.51)"
before=$(state)
out=$("$B" permit add 192.0.2.52 t-nope 2>&1)
expect_eq "an unknown agency exits 1" 1 $?
expect_contains "saying so" "agency 't-nope' does not exist" "$out"
out=$("$B" permit add 192.0.2.0/24 t-dmv 2>&1)
expect_eq "a range exits 2" 2 $?
expect_contains "with the reason" "cannot permit '192.0.2.0/24': only single addresses are accepted" "$out"
out=$("$B" permit add 192.0.2.52 t-dmv --expected lots 2>&1)
expect_eq "a bad --expected exits 2" 2 $?
expect_eq "nothing was written by those" "$before" "$(state)"
out=$("$B" permit list t-tax --json)
expect_eq "permit list AGENCY --json" "192.0.2.51 t-tax false" \
	"$(echo "$out" | jq -r '.[] | "\(.ip) \(.agency) \(.blocked)"')"
"$B" block 192.0.2.51 --for 1h --reason "test" >/dev/null
out=$("$B" agency show t-tax --json)
expect_eq "agency show lists its permits, blocked or not" "192.0.2.51 true" \
	"$(echo "$out" | jq -r '.relay_permits[] | "\(.ip) \(.blocked)"')"
"$B" unblock 192.0.2.51 >/dev/null
out=$("$B" permit list t-nope 2>&1)
expect_eq "permit list of an unknown agency exits 1" 1 $?
out=$("$B" permit remove 192.0.2.51 --yes --json)
expect_eq "permit remove exits 0" "true t-tax" "$(echo "$out" | jq -r '"\(.removed) \(.agency)"')"
expect_eq "both keys are gone" "0 0" \
	"$(rc hexists "${P}permit" 192.0.2.51) $(rc exists "${P}permit:192.0.2.51")"
out=$("$B" permit remove 192.0.2.51 --yes 2>&1)
expect_eq "removing it again exits 1" 1 $?

# ---------------------------------------------------------------- import
"$B" permit add 192.0.2.70 t-tax >/dev/null
printf '\357\273\277Agency,IP,Application,Expected_Volume\r\n# relay inventory\r\nt-dmv,192.0.2.70,"Plates, batch",100\r\nt-dmv,192.0.2.71,"the ""big"" printer",\r\n\r\nt-tax,192.0.2.72,refunds,5\r\n' > "$TMP/good.csv"
out=$("$B" permit import "$TMP/good.csv" --dry-run)
expect_eq "import --dry-run exits 0" 0 $?
expect_contains "saying what it would do" "3 permits are good (2 new, 1 replacing); nothing was imported" "$out"
expect_eq "and writes nothing" "" "$(rc hget "${P}permit" 192.0.2.71)"
out=$("$B" permit import "$TMP/good.csv" --yes --json)
expect_eq "import exits 0" 0 $?
expect_eq "counting added and replaced" "3 2 1" \
	"$(echo "$out" | jq -r '"\(.rows) \(.added) \(.replaced)"')"
expect_eq "every permit is written" "t-dmv t-dmv t-tax" \
	"$(rc hmget "${P}permit" 192.0.2.70 192.0.2.71 192.0.2.72 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "with the quoted application" 'Plates, batch|the "big" printer' \
	"$(rc hget "${P}permit:192.0.2.70" app)|$(rc hget "${P}permit:192.0.2.71" app)"
expect_eq "an empty volume is not recorded" "" "$(rc hget "${P}permit:192.0.2.71" expected)"

cat > "$TMP/bad.csv" <<'CSV'
agency,application,ip,expected_volume
t-dmv,printer,192.0.2.73,10
t-dmv,office,192.0.2.0/24,10
t-nope,scanner,192.0.2.74,5
t-tax,copier,192.0.2.73,
t-tax,server,192.0.2.53,7
CSV
before=$(state)
out=$("$B" permit import "$TMP/bad.csv" 2>&1)
expect_eq "an inventory with 3 bad rows exits 1" 1 $?
expect_contains "line 3: the range" "$TMP/bad.csv:3: ip '192.0.2.0/24': only single addresses are accepted" "$out"
expect_contains "line 4: the unknown agency" "$TMP/bad.csv:4: agency 't-nope' does not exist" "$out"
expect_contains "line 5: the duplicate" "$TMP/bad.csv:5: ip 192.0.2.73 is already on line 2" "$out"
expect_eq "exactly those 3 errors and the summary" 4 "$(echo "$out" | wc -l)"
expect_contains "the summary says nothing was imported" "3 errors; nothing was imported" "$out"
expect_eq "the good rows were not applied either" "$before" "$(state)"
out=$("$B" permit import "$TMP/missing.csv" 2>&1)
expect_eq "a missing file exits 2" 2 $?
: > "$TMP/empty.csv"
out=$("$B" permit import "$TMP/empty.csv" 2>&1)
expect_eq "an empty file exits 1" 1 $?
expect_contains "saying it is empty" "empty.csv: the file is empty" "$out"

# ---------------------------------------------------------------- volume
# Buckets of our own agency, written as the agent writes them. Start a
# fresh minute when this one is about to end, so the numbers are exact.
[ $(( $(date +%s) % 60 )) -ge 55 ] && sleep 6
now=$(date +%s)
m=$((now / 60))
h=$((now / 3600))
rc hincrby "${P}vol:m:$m" "t-dmv|msgs" 7 >/dev/null
rc hincrby "${P}vol:m:$m" "t-dmv|rcpts" 40 >/dev/null
rc hincrby "${P}vol:m:$m" "t-dmv|bytes" 12345 >/dev/null
rc hincrby "${P}vol:m:$m" "t-dmv|rejected" 2 >/dev/null
rc hincrby "${P}vol:m:$m" "t-dmv|deferred" 1 >/dev/null
rc hincrby "${P}vol:m:$((m - 1))" "t-dmv|msgs" 3 >/dev/null
rc hincrby "${P}vol:m:$((m - 1))" "t-dmv|rcpts" 20 >/dev/null
rc hincrby "${P}vol:m:$((m - 10))" "t-dmv|rcpts" 100 >/dev/null
rc hincrby "${P}vol:m:$((m - 30))" "t-dmv|msgs" 5 >/dev/null
rc hincrby "${P}vol:m:$((m - 60))" "t-dmv|msgs" 1000 >/dev/null
rc hincrby "${P}vol:h:$h" "t-dmv|msgs" 50 >/dev/null
rc hincrby "${P}vol:h:$h" "t-dmv|rejected" 4 >/dev/null
rc hincrby "${P}vol:h:$((h - 1))" "t-dmv|msgs" 20 >/dev/null
rc hincrby "${P}vol:h:$((h - 24))" "t-dmv|msgs" 999 >/dev/null
out=$("$B" agencies --json)
expect_eq "agencies --json exits 0" 0 $?
a=$(echo "$out" | jq -c '.[] | select(.id == "t-dmv")')
expect_eq "this minute: every metric" '{"msgs":7,"rcpts":40,"bytes":12345,"rejected":2,"deferred":1}' \
	"$(echo "$a" | jq -c .minute)"
expect_eq "the last 60 minutes (not the 61st)" "15 160" "$(echo "$a" | jq -r '"\(.hour.msgs) \(.hour.rcpts)"')"
expect_eq "the last 24 hours (not the 25th)" "70 4" "$(echo "$a" | jq -r '"\(.day.msgs) \(.day.rejected)"')"
expect_eq "recipients in the bulk window: 10 minutes, not 11" 60 "$(echo "$a" | jq -r .rcpts_10min)"
expect_eq "over its bulk limit of 50" "50 true" "$(echo "$a" | jq -r '"\(.bulk_rcpts) \(.over_bulk)"')"
expect_eq "7% of its declared 1000 a day" "1000 7" "$(echo "$a" | jq -r '"\(.daily) \(.daily_pct | floor)"')"
expect_eq "the minute sparkline, oldest first" "60 7 3 5" \
	"$(echo "$a" | jq -r '"\(.spark_minutes | length) \(.spark_minutes[59]) \(.spark_minutes[58]) \(.spark_minutes[29])"')"
expect_eq "the hour sparkline, oldest first" "24 50 20" \
	"$(echo "$a" | jq -r '"\(.spark_hours | length) \(.spark_hours[23]) \(.spark_hours[22])"')"
t=$(echo "$out" | jq -c '.[] | select(.id == "t-tax")')
expect_eq "an agency without traffic has zeros and the default bulk limit" "0 0 1000 false" \
	"$(echo "$t" | jq -r '"\(.minute.msgs) \(.day.msgs) \(.bulk_rcpts) \(.over_bulk)"')"
out=$("$B" agencies)
expect_contains "agencies prints a table with the flag" "over-bulk" "$(echo "$out" | grep '^t-dmv')"
for b in $m $((m - 1)) $((m - 10)) $((m - 30)) $((m - 60)); do
	rc hdel "${P}vol:m:$b" "t-dmv|msgs" "t-dmv|rcpts" "t-dmv|bytes" "t-dmv|rejected" "t-dmv|deferred" >/dev/null
done
for b in $h $((h - 1)) $((h - 24)); do
	rc hdel "${P}vol:h:$b" "t-dmv|msgs" "t-dmv|rejected" >/dev/null
done

# ---------------------------------------------------------------- noc user
before=$(state)
out=$("$B" --config "$NOC" block 192.0.2.61 --for 1h --reason test 2>&1)
expect_eq "noc: block exits 4" 4 $?
expect_contains "with the ACL as the reason" "block: refused, read-only: the Redis user 'noc' may not write (ACL)" "$out"
out=$("$B" --config "$NOC" unblock 192.0.2.61 2>&1)
code=$?
expect_eq "noc: unblock of an IP not blocked is refused too" 4 "$code"
"$B" block 192.0.2.61 --for 1h --reason keep >/dev/null
before=$(state)
out=$("$B" --config "$NOC" unblock 192.0.2.61 2>&1)
expect_eq "noc: unblock exits 4" 4 $?
out=$("$B" --config "$NOC" extend 192.0.2.61 --permanent 2>&1)
expect_eq "noc: extend exits 4" 4 $?
out=$("$B" --config "$NOC" permit add 192.0.2.61 t-dmv 2>&1)
expect_eq "noc: permit add exits 4" 4 $?
out=$("$B" --config "$NOC" permit remove 192.0.2.70 2>&1)
expect_eq "noc: permit remove exits 4" 4 $?
out=$("$B" --config "$NOC" permit import "$TMP/good.csv" 2>&1)
expect_eq "noc: permit import exits 4" 4 $?
out=$("$B" --config "$NOC" agency add t-noc --name x 2>&1)
expect_eq "noc: agency add exits 4" 4 $?
out=$("$B" --config "$NOC" agency set t-dmv --daily 1 --json 2>/dev/null)
expect_eq "noc: agency set exits 4, as JSON too" 4 "$(echo "$out" | jq -r .exit)"
expect_eq "noc: nothing was written" "$before" "$(state)"
expect_eq "noc: the block is still whole" "keep" "$(rc hget "${P}block:192.0.2.61" reason)"
out=$("$B" --config "$NOC" blocks --json)
expect_eq "noc: blocks can be read" 0 $?
out=$("$B" --config "$NOC" agencies --json)
expect_eq "noc: agencies can be read" 0 $?
out=$("$B" --config "$NOC" permit list --json)
expect_eq "noc: permits can be read" 0 $?
out=$("$B" --read-only permit add 192.0.2.61 t-dmv 2>&1)
expect_eq "read-only mode refuses permit add before Redis" 4 $?
expect_contains "saying why" "permit add: refused, read-only: --read-only" "$out"

# ---------------------------------------------------------------- redis away
sed "s/\"port\": $LAB_REDIS_TUNNEL_PORT/\"port\": $LAB_DEAD_PORT/" "$MAILNOC_CONFIG" > "$TMP/dead.json"
out=$("$B" --config "$TMP/dead.json" blocks 2>&1)
expect_eq "redis unreachable: blocks exits 3" 3 $?
out=$("$B" --config "$TMP/dead.json" block 192.0.2.61 --for 1h --reason x 2>&1)
expect_eq "redis unreachable: block exits 3" 3 $?
expect_contains "in one line" "cannot block '192.0.2.61': cannot connect to redis" "$out"

cleanup
rm -rf "$TMP"
finish
