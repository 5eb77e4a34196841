#!/bin/sh
# Batch mode against the lab's Redis: roles, garbled data, Redis gone or hung.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
NOC=$LAB/mailnoc-noc.json
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
# The lab's own superuser: CLIENT PAUSE and SHUTDOWN are for no role of mailnoc.
lcli() { redis-cli -p "$LAB_REDIS_PORT" --user lab --pass "$(cat "$LAB/secrets/lab.pass")" --no-auth-warning "$@"; }

now=$(date +%s)
rc hset mailnoc:node:gw1 role gateway cluster gw state active q_incoming 1 \
	q_active 2 q_deferred 3 q_hold 4 q_corrupt 0 updated_at "$now" interval 2 >/dev/null
rc set mailnoc:node:gw1:alive 1 ex 30 >/dev/null

out=$("$B/mailnoc" nodes --json)
expect_eq "admin: nodes --json exits 0" 0 $?
expect_eq "it lists the four configured nodes" "gw1 gw2 mbx1 mbx2" \
	"$(echo "$out" | jq -r '[.[].name] | join(" ")')"
expect_eq "gw1's queue counts are Redis's" "1 2 3 4" \
	"$(echo "$out" | jq -r '.[0].queues | "\(.incoming) \(.active) \(.deferred) \(.hold)"')"
expect_eq "a node that never reported is down" "down" \
	"$(echo "$out" | jq -r '.[1].state')"

out=$("$B/mailnoc" --config "$NOC" nodes --json)
expect_eq "the read-only noc user can read the nodes" 0 $?
expect_contains "and sees the same data" '"deferred":3' "$out"
out=$("$B/mailnoc" --config "$NOC" status)
expect_eq "the noc user can read the status" 0 $?
out=$("$B/mailnoc" --config "$NOC" events --json)
expect_eq "and the events" 0 $?

# Garbage in a node hash is shown as not reported, never trusted.
rc hset mailnoc:node:gw1 q_deferred "12; rm -rf /" state "actve" load1 "nan" >/dev/null
out=$("$B/mailnoc" nodes --json)
expect_eq "garbled fields do not fail the command" 0 $?
expect_eq "a garbled count is null" null "$(echo "$out" | jq -r '.[0].queues.deferred')"
expect_eq "a garbled load is null" null "$(echo "$out" | jq -r '.[0].load1')"

# A wrong password: exit 4 and the server's reason.
sed "s#$LAB/secrets/admin.pass#$LAB/bad.pass#" "$MAILNOC_CONFIG" > "$LAB/bad.json"
(umask 077; echo wrong > "$LAB/bad.pass")
out=$("$B/mailnoc" --config "$LAB/bad.json" status 2>&1)
expect_eq "a refused password exits 4" 4 $?
expect_contains "saying who was refused" "refused user 'admin'" "$out"
rm -f "$LAB/bad.json" "$LAB/bad.pass"

# A Redis that accepts the connection and never answers: the command
# timeout ends it, with exit 3, in about command_timeout_ms.
lcli client pause 6000 all >/dev/null
t0=$(date +%s)
out=$("$B/mailnoc" status 2>&1)
code=$?
t1=$(date +%s)
lcli client unpause >/dev/null 2>&1
expect_eq "a hung redis exits 3" 3 "$code"
check "within the command timeout (took $((t1 - t0)) s)" [ $((t1 - t0)) -le 4 ]
expect_contains "with a one-line reason" "redis at 127.0.0.1:$LAB_REDIS_TUNNEL_PORT" "$out"

# redis-server stopped: exit 3 and a clear message, then it comes back.
# The console reaches it through the lab's TLS tunnel, which accepts the
# connection and closes it when it cannot reach the server.
lcli shutdown >/dev/null 2>&1
sleep 0.3
out=$("$B/mailnoc" status 2>&1)
expect_eq "redis-server stopped: batch exits 3" 3 $?
expect_eq "with one clear line" \
	"mailnoc: redis at 127.0.0.1:$LAB_REDIS_TUNNEL_PORT closed the connection before answering (a TLS tunnel in between that cannot reach or verify the server does that: see its log)" "$out"
out=$("$B/mailnoc" status --json 2>/dev/null)
expect_eq "--json also prints the error as JSON" 3 "$(echo "$out" | jq -r .exit)"
redis-server "$LAB/redis/redis.conf" >/dev/null 2>&1
# PONG, not only an answer: while it loads its dataset Redis answers
# LOADING, and redis-cli exits 0 on that too.
for i in $(seq 100); do [ "$(rc ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
"$B/mailnoc" status >/dev/null 2>&1
expect_eq "with redis back the next command works" 0 $?

rc del mailnoc:node:gw1 mailnoc:node:gw1:alive >/dev/null

# Batch conventions (docs/ui.md): the help lists the commands; COMMAND
# --help needs no configuration; bundled flags; typos get a suggestion and
# a prefix never runs what changes the service.
out=$(MAILNOC_CONFIG=/nonexistent "$B/mailnoc" --help)
expect_contains "--help lists the commands" "unblock IP" "$out"
out=$(MAILNOC_CONFIG=/nonexistent "$B/mailnoc" block --help)
expect_eq "block --help exits 0 without a configuration" 0 $?
expect_contains "and explains block" "usage: block" "$out"
out=$("$B/mailnoc" blcok 192.0.2.1 2>&1)
expect_eq "a typo is a usage error" 2 $?
expect_contains "with the nearest command" "did you mean 'block'?" "$out"
before=$(rc zcard mailnoc:blocks)
out=$("$B/mailnoc" -y unb 192.0.2.1 2>&1)
expect_eq "a prefix of unblock is refused" 2 $?
expect_contains "saying to type the name" "which changes the service" "$out"
expect_eq "and nothing changed" "$before" "$(rc zcard mailnoc:blocks)"
out=$("$B/mailnoc" -jr clu)
expect_eq "bundled -jr and a prefix of clusters run" 0 $?
expect_eq "as JSON" array "$(echo "$out" | jq -r 'type')"
out=$("$B/mailnoc" queue list --node gw1 2>/dev/null | head -n 1)
expect_contains "queue list prints its header" "RECIPIENT" "$out"
finish
