#!/bin/sh
# Roles: the lab's read-only Redis user 'noc' cannot block, drain, delete
# queued mail or restore -- each refused with the ACL as the reason, and
# nothing changes in Redis, the queue or the mailbox -- but it reads every
# view, in batch commands and in a script. --read-only says so instead.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN/mailnoc
LAB=$(dirname "$MAILNOC_CONFIG")
NOC=$LAB/mailnoc-noc.json
IP=127.0.3.21
WHY="read-only: the Redis user 'noc' may not write (ACL)"
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
restored() { find "$LAB/mbx1/mail/alice" -maxdepth 2 -name '*Restored*' | wc -l; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

# A message to (not) delete: deferred on gw1 by the throttling provider.
tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 1 --to-domain yahoo.test >/dev/null
ID=
for i in $(seq 50); do
	ID=$("$B" queue list --json --node gw1 2>/dev/null | jq -r .queue_id | head -1)
	[ -n "$ID" ] && break
	sleep 0.2
done
check "a queued message on gw1 to try to delete ($ID)" [ -n "$ID" ]
before=$(restored)

out=$("$B" --config "$NOC" block "$IP" --for 1h --reason roles 2>&1)
expect_eq "noc: block exits 4" 4 $?
expect_eq "with the reason" "mailnoc: block: refused, $WHY" "$out"
expect_eq "no block in Redis" 0 "$(rc exists "mailnoc:block:$IP")"
expect_eq "no entry in the index" "" "$(rc zscore mailnoc:blocks "$IP")"

out=$("$B" --config "$NOC" drain gw2 --yes 2>&1)
expect_eq "noc: drain exits 4 (even with --yes)" 4 $?
expect_eq "with the reason" "mailnoc: drain: refused, $WHY" "$out"
expect_eq "gw2 is not marked draining" "" "$(rc hget mailnoc:node:gw2 drain)"

out=$("$B" --config "$NOC" queue delete "gw1:$ID" --yes 2>&1)
expect_eq "noc: queue delete exits 4 (it goes over SSH, still refused)" 4 $?
expect_eq "with the reason" "mailnoc: queue delete: refused, $WHY" "$out"
expect_eq "the message is still queued" "$ID" \
	"$("$B" queue list --json --node gw1 2>/dev/null | jq -r "select(.queue_id == \"$ID\") | .queue_id")"

out=$("$B" --config "$NOC" restore alice --latest --yes 2>&1)
expect_eq "noc: restore exits 4" 4 $?
expect_eq "with the reason" "mailnoc: restore: refused, $WHY" "$out"
expect_eq "no Restored folder appeared" "$before" "$(restored)"

for line in "unblock $IP" "extend $IP --permanent" "undrain gw2" \
	"queue hold gw1:$ID" "queue flush" "permit remove 192.0.2.9" \
	"agency set lab --name x"; do
	# shellcheck disable=SC2086
	out=$("$B" --config "$NOC" $line --yes 2>&1)
	code=$?
	expect_eq "noc: '$line' is refused (exit 4)" 4 "$code"
	expect_contains "  because of the ACL" "$WHY" "$out"
done

# --read-only names itself as the reason, for admin too.
out=$("$B" --read-only block "$IP" --for 1h --reason roles 2>&1)
expect_eq "--read-only: block exits 4" 4 $?
expect_eq "and says --read-only" \
	"mailnoc: block: refused, read-only: --read-only" "$out"
out=$("$B" --read-only help)
case $out in
*"  block "*|*"  drain "*|*delete*) not_ok "--read-only help hides what it would refuse" ;;
*) ok "--read-only help hides what it would refuse" ;;
esac

# Every view reads as noc.
for cmd in status nodes clusters events blocks agencies "agency list" \
	"permit list" "queue list" "queue summary" "backups alice --node mbx1"; do
	# shellcheck disable=SC2086
	"$B" --config "$NOC" $cmd --json >/dev/null 2>"$T/err"
	expect_eq "noc reads: $cmd" "0 " "$? $(cat "$T/err")"
done
printf 'status\nnodes\nclusters\nblocks\nagencies\nqueue list --node gw1\n' |
	"$B" --config "$NOC" --json batch - > "$T/out" 2>"$T/err"
expect_eq "noc: a script of views succeeds" 0 $?
expect_eq "one result per line, all exit 0" "6 0" \
	"$(jq -s '"\(length) \(map(.exit) | add)"' -r < "$T/out")"
# The same script with a write in it stops there, with the reason.
printf 'status\nblock %s --for 1h --reason x\nblocks\n' "$IP" |
	"$B" --config "$NOC" batch - >/dev/null 2>"$T/err"
expect_eq "noc: a script with a block stops with exit 4" 4 $?
expect_contains "at its line, saying why" "stdin:2: block: refused, $WHY" \
	"$(cat "$T/err")"
expect_eq "and Redis is unchanged" 0 "$(rc exists "mailnoc:block:$IP")"

# The message of this test goes, as admin.
"$B" queue delete "gw1:$ID" --yes >/dev/null 2>&1

# admin may write: the probe finds it and nothing is refused.
out=$("$B" block "$IP" --for 1h --reason roles --dry-run 2>&1)
expect_eq "admin: block --dry-run is not refused" 0 $?
expect_eq "the probe left no key behind" 0 "$(rc exists mailnoc:acl-probe)"

# Roles fail closed: with Redis unreachable (the lab's dead port) and no
# role confirmed on this machine, nothing that changes the service runs,
# SSH actions included; a role confirmed lately stands in for the probe.
ID=$(tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 1 --to-domain yahoo.test --ids 2>/dev/null | head -1)
check "a fresh deferred message on gw1 ($ID)" [ -n "$ID" ]
held() { "$B" queue list --json --node gw1 --queue hold 2>/dev/null | jq -r "select(.queue_id == \"$ID\") | .queue_id"; }
jq --argjson p "$LAB_DEAD_PORT" '.redis.port = $p' "$NOC" > "$T/noc-dead.json"
jq --argjson p "$LAB_DEAD_PORT" '.redis.port = $p' "$MAILNOC_CONFIG" > "$T/admin-dead.json"
export MAILNOC_AUDIT_FILE="$T/state1/audit.jsonl" MAILNOC_STATE_DIR="$T/state1"
out=$("$B" --config "$T/noc-dead.json" queue hold "gw1:$ID" --yes 2>&1)
expect_eq "noc, Redis away, role never confirmed: queue hold exits 3" 3 $?
expect_contains "saying the role cannot be confirmed" \
	"queue hold: refused, nothing was done: cannot confirm that the Redis user 'noc' may change the service" "$out"
expect_eq "the message is not on hold" "" "$(held)"
out=$("$B" --config "$T/admin-dead.json" queue hold "gw1:$ID" --yes 2>&1)
expect_eq "admin, Redis away, role never confirmed here: refused too (exit 3)" 3 $?
expect_eq "and the message is not on hold" "" "$(held)"
"$B" --config "$NOC" block "$IP" --for 1h --reason roles >/dev/null 2>&1
out=$("$B" --config "$T/noc-dead.json" queue hold "gw1:$ID" --yes 2>&1)
expect_eq "noc, once confirmed read-only, Redis away: refused as read-only (exit 4)" 4 $?
expect_contains "  because of the ACL" "$WHY" "$out"
check "the confirmed role is kept privately" test "$(stat -c %a "$T/state1/role-noc")" = 600
"$B" block "$IP" --for 1h --reason roles --dry-run >/dev/null 2>&1
out=$("$B" --config "$T/admin-dead.json" queue hold "gw1:$ID" --yes 2>&1)
expect_eq "admin, confirmed lately, Redis away: the hold runs" 0 $?
expect_eq "the message is on hold" "$ID" "$(held)"
check "its audit record waits in the spool" test -s "$MAILNOC_AUDIT_FILE"
"$B" queue release "gw1:$ID" --yes >/dev/null 2>&1
expect_eq "released again" "" "$(held)"
unset MAILNOC_AUDIT_FILE MAILNOC_STATE_DIR
finish
