#!/bin/sh
# Hostile or broken data in Redis stays contained per entry: a node, block
# or agency key of the wrong type shows as that one malformed row (naming
# the key), never as a whole view or command failing, and WRONGTYPE is never
# called "unreachable"; bidirectional and zero-width controls and escape
# sequences from Redis show as visible escapes in text and JSON.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
P=mailnoc:
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
SAVED=${P}wrongtype-test:saved
cleanup() {
	rc DEL "${P}node:mbx2" >/dev/null
	[ "$(rc EXISTS "$SAVED")" = 1 ] && rc RENAME "$SAVED" "${P}node:mbx2" >/dev/null
	[ "$(rc EXISTS "$SAVED:blocks")" = 1 ] && { rc DEL "${P}blocks" >/dev/null; rc RENAME "$SAVED:blocks" "${P}blocks" >/dev/null; }
	rc ZREM "${P}blocks" 127.0.9.50 127.0.9.51 >/dev/null
	rc DEL "${P}block:127.0.9.50" "${P}block:127.0.9.51" >/dev/null
	rc SREM "${P}agencies" badag >/dev/null
	rc DEL "${P}agency:badag" >/dev/null
}
trap cleanup EXIT

# --- a node hash that is a string
tests/lab/agents stop mbx2 >/dev/null 2>&1
[ "$(rc EXISTS "${P}node:mbx2")" = 1 ] && rc RENAME "${P}node:mbx2" "$SAVED" >/dev/null
rc SET "${P}node:mbx2" x >/dev/null
out=$("$B/mailnoc" status 2>&1)
expect_eq "status still works with node:mbx2 a string" 0 $?
check "and never says unreachable" sh -c "! echo '$out' | grep -qi unreachable"
out=$("$B/mailnoc" nodes 2>&1)
expect_eq "nodes exits 0" 0 $?
expect_contains "mbx2's row says what is wrong, naming the key" \
	"malformed: key ${P}node:mbx2 is not a hash" "$out"
expect_contains "the other nodes are listed as usual" "gw1 " "$out"
expect_eq "nodes --json: mbx2 carries 'malformed'" "key ${P}node:mbx2 is not a hash" \
	"$("$B/mailnoc" nodes --json | jq -r '.[] | select(.name == "mbx2") | .malformed')"
expect_eq "and gw1 does not" null \
	"$("$B/mailnoc" nodes --json | jq -r '.[] | select(.name == "gw1") | .malformed')"
rc DEL "${P}node:mbx2" >/dev/null
[ "$(rc EXISTS "$SAVED")" = 1 ] && rc RENAME "$SAVED" "${P}node:mbx2" >/dev/null

# --- one block of the wrong type among good ones
now=$(date +%s)
rc HSET "${P}block:127.0.9.51" reason "$(printf 'bad \342\200\256gpj.exe \033[31mred\033[0m \342\200\213x')" \
	who t@lab since "$now" until 0 >/dev/null
rc ZADD "${P}blocks" 0 127.0.9.51 0 127.0.9.50 >/dev/null
rc SET "${P}block:127.0.9.50" x >/dev/null
out=$("$B/mailnoc" blocks 2>&1)
expect_eq "blocks exits 0 with one block key a string" 0 $?
expect_contains "that row says what is wrong" \
	"MALFORMED: key ${P}block:127.0.9.50 is not a hash" "$out"
expect_contains "the other block is listed" "127.0.9.51" "$out"
expect_contains "its bidi override, escape and zero-width space show as escapes" \
	'bad \u202egpj.exe \x1b[31mred\x1b[0m \u200bx' "$out"
check "no raw escape byte reaches the output" sh -c "! printf '%s' \"\$1\" | grep -q \"\$(printf '\\033')\"" _ "$out"
j=$("$B/mailnoc" blocks --json)
expect_eq "blocks --json: the malformed row" "key ${P}block:127.0.9.50 is not a hash" \
	"$(printf "%s\n" "$j" | jq -r '.[] | select(.ip == "127.0.9.50") | .malformed')"
expect_eq "blocks --json: the reason with visible escapes" \
	'bad \u202egpj.exe \x1b[31mred\x1b[0m \u200bx' \
	"$(printf "%s\n" "$j" | jq -r '.[] | select(.ip == "127.0.9.51") | .reason')"

# --- the blocks index itself of the wrong type: said as such, not unreachable
rc RENAME "${P}blocks" "$SAVED:blocks" >/dev/null
rc SET "${P}blocks" x >/dev/null
out=$("$B/mailnoc" blocks 2>&1)
code=$?
check "blocks with the index a string does not exit 3 (unreachable) ($code)" test "$code" -ne 3
expect_contains "and names the key" "key ${P}blocks is not a sorted set" "$out"
out=$("$B/mailnoc" status 2>&1)
expect_eq "status still exits 0" 0 $?
expect_contains "and names the key" "malformed: key ${P}blocks is not a sorted set" "$out"
rc DEL "${P}blocks" >/dev/null
rc RENAME "$SAVED:blocks" "${P}blocks" >/dev/null

# --- one agency of the wrong type among good ones
rc SADD "${P}agencies" badag >/dev/null
rc SET "${P}agency:badag" x >/dev/null
out=$("$B/mailnoc" agencies 2>&1)
expect_eq "agencies exits 0 with one agency key a string" 0 $?
expect_contains "its row says what is wrong" "MALFORMED: key ${P}agency:badag" "$out"
expect_contains "the other agencies are listed" "tax" "$out"
out=$("$B/mailnoc" agency list --json 2>&1)
expect_eq "agency list --json: the malformed one" "key ${P}agency:badag is not a hash" \
	"$(printf "%s\n" "$out" | jq -r '.[] | select(.id == "badag") | .malformed')"

finish
