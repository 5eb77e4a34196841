#!/bin/sh
# The audit trail against the lab: an admin's action with every field, its
# started and completed records, the read-only noc user's refusal, records
# made while redis-server is stopped (kept in the spool file, in the stream
# exactly once when it is back), a change refused when neither Redis nor the
# spool can take its record (a read-only mount, a full file system), the loss
# said when audit.required is off, and an action killed mid-way.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
NOC=$LAB/mailnoc-noc.json
T=$(mktemp -d)
export MAILNOC_AUDIT_FILE="$T/state/mailnoc/audit.jsonl"
SPOOL=$MAILNOC_AUDIT_FILE
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
port_up() { ss -Hltn "sport = :$LAB_REDIS_PORT" 2>/dev/null | grep -q .; }
sshd_pid() { ss -Hltnp "sport = :$LAB_SSH_PORT" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2; }
cleanup() {
	[ -n "$frozen" ] && kill -CONT "$frozen" 2>/dev/null
	for m in "$T/ro" "$T/full"; do mountpoint -q "$m" && umount "$m"; done
	port_up || tests/lab/up >/dev/null 2>&1
	rm -rf "$T"
}
frozen=
trap cleanup EXIT
# Records of one command line in the stream (newest first): one per action,
# or with --records each record as written.
recs() { "$B/mailnoc" audit --json --limit 1000 $2 | jq -c --arg c "$1" '[.[] | select(.cmd == $c)]'; }
queue_of() { postqueue -c "$LAB/gw1/etc" -j | jq -r "select(.queue_id == \"$1\") | .queue_name"; }

rc del mailnoc:audit >/dev/null
me=$(id -un)
host=$(hostname)

# --- an admin's action: every field (no terminal: tty is null)
t0=$(($(date +%s%N) / 1000000))
SSH_CONNECTION="192.0.2.44 50022 127.0.0.1 22" "$B/mailnoc" block 127.0.2.90 \
	--for 1m --reason audit-test --yes </dev/null >/dev/null 2>"$T/err"
expect_eq "admin: block exits 0" 0 $?
SSH_CLIENT="192.0.2.45 50023 22" "$B/mailnoc" unblock 127.0.2.90 --yes </dev/null >/dev/null 2>&1
expect_eq "admin: unblock exits 0" 0 $?
t1=$(($(date +%s%N) / 1000000))
r=$(recs "block 127.0.2.90 --for 1m --reason audit-test --yes")
expect_eq "the block has exactly one record" 1 "$(echo "$r" | jq length)"
r=$(echo "$r" | jq -c '.[0]')
f() { echo "$r" | jq -r "$@"; }
check "id: host-pid-ms-counter-random ($(f .id))" \
	sh -c "echo '$(f .id)' | grep -Eq '^[A-Za-z0-9.-]+-[0-9]+-[0-9]{13}-[0-9]+-[0-9a-f]{8}$'"
at=$(f .at)
check "at: epoch ms of the run ($at)" test "$at" -ge "$t0" -a "$at" -le "$t1"
expect_eq "time: the same instant, ISO UTC" \
	"$(date -u -d "@$((at / 1000))" +%Y-%m-%dT%H:%M:%S).$(printf %03d $((at % 1000)))Z" "$(f .time)"
expect_eq "user: the local user" "$me" "$(f .user)"
expect_eq "ssh_client: from \$SSH_CONNECTION" "192.0.2.44" "$(f .ssh_client)"
expect_eq "host" "$host" "$(f .host)"
expect_eq "tty: none here" null "$(f .tty)"
expect_eq "via" batch "$(f .via)"
expect_eq "redis_user: the console's ACL user" admin "$(f .redis_user)"
expect_eq "nodes: the policy store" '["redis"]' "$(f -c .nodes)"
expect_eq "exit" 0 "$(f .exit)"
expect_eq "result" ok "$(f .result)"
expect_contains "said: what the store holds" "blocked 127.0.2.90 until " "$(f .said)"
expect_eq "spooled: written directly" false "$(f .spooled)"
check "stream_id: the entry's ID" sh -c "echo '$(f .stream_id)' | grep -Eq '^[0-9]+-[0-9]+$'"
check "started_at: when it started, before it ended" test "$(f .started_at)" -ge "$t0" -a "$(f .started_at)" -le "$at"
# Written before the act: a started record, then the completed one.
raw=$(recs "block 127.0.2.90 --for 1m --reason audit-test --yes" --records | jq -c reverse)
expect_eq "two records of the block, started then completed" "started completed" \
	"$(echo "$raw" | jq -r '[.[].phase] | join(" ")')"
expect_eq "of one action" 1 "$(echo "$raw" | jq '[.[].action] | unique | length')"
expect_eq "the started record: no result, no exit yet" "started null" \
	"$(echo "$raw" | jq -r '.[0] | "\(.result) \(.exit)"')"
expect_eq "and in the stream in that order" true \
	"$(echo "$raw" | jq '[.[].stream_id | split("-") | map(tonumber)] | .[0] < .[1]')"
r=$("$B/mailnoc" audit --json --limit 1 | jq -c '.[0]')
expect_eq "newest first: the unblock" "unblock 127.0.2.90 --yes" "$(f .cmd)"
expect_eq "ssh_client: from \$SSH_CLIENT" "192.0.2.45" "$(f .ssh_client)"
expect_contains "said: what was removed" "removed the block of 127.0.2.90" "$(f .said)"
expect_eq "no diagnostics on stderr" "" "$(cat "$T/err")"
expect_eq "--user selects by local user" 0 \
	"$("$B/mailnoc" audit --json --user nobody-here | jq length)"
check "--since 10m and a date include it" test \
	"$("$B/mailnoc" audit --json --since 10m | jq length)" -ge 2 -a \
	"$("$B/mailnoc" audit --json --since 2020-01-01 | jq length)" -ge 2
expect_eq "--since in the future: nothing" 0 "$("$B/mailnoc" audit --json --since 2099-01-01T00:00 | jq length)"
"$B/mailnoc" audit --since yesterday >/dev/null 2>&1
expect_eq "a bad --since is refused" 2 $?
out=$("$B/mailnoc" audit)
expect_contains "the table shows the command" "unblock 127.0.2.90 --yes" "$out"

# Dry runs are recorded as dry-run; bad arguments are not recorded.
"$B/mailnoc" block 127.0.2.93 --for 1m --reason dry --dry-run >/dev/null
r=$(recs "block 127.0.2.93 --for 1m --reason dry --dry-run" | jq -c '.[0]')
expect_eq "a dry run: result dry-run" dry-run "$(f .result)"
expect_eq "and nothing touched" '[]' "$(f -c .nodes)"
n0=$(rc xlen mailnoc:audit)
"$B/mailnoc" block 10.0.0.0/8 --for 1m --reason bad >/dev/null 2>&1
expect_eq "bad input: exit 2" 2 $?
expect_eq "bad input: no record" "$n0" "$(rc xlen mailnoc:audit)"
"$B/mailnoc" blocks >/dev/null
expect_eq "reading: no record" "$n0" "$(rc xlen mailnoc:audit)"

# --- refusals: recorded when the stream takes them, never spooled
"$B/mailnoc" --read-only block 127.0.2.91 --for 1m --reason ro --yes >/dev/null 2>&1
expect_eq "--read-only: block refused (4)" 4 $?
r=$(recs "block 127.0.2.91 --for 1m --reason ro --yes" | jq -c '.[0]')
expect_eq "an admin's read-only refusal is recorded: refused" refused "$(f .result)"
expect_eq "with exit 4" 4 "$(f .exit)"
expect_contains "and the reason" "read-only" "$(f .said)"
n0=$(rc xlen mailnoc:audit)
out=$("$B/mailnoc" --config "$NOC" block 127.0.2.91 --for 1m --reason noc --yes 2>&1)
expect_eq "noc: block refused (4)" 4 $?
expect_contains "saying why" "the Redis user 'noc' may not write" "$out"
expect_eq "noc: nothing blocked" 0 "$(rc exists mailnoc:block:127.0.2.91)"
expect_eq "noc may not write the stream: no record of its refusal" "$n0" "$(rc xlen mailnoc:audit)"
check "and none kept in the spool" test ! -e "$SPOOL"
out=$("$B/mailnoc" --config "$NOC" audit --json --limit 1)
expect_eq "noc can read the audit trail" 0 $?

# --- redis-server stopped: the record goes to the spool file
for gw in gw1 gw2; do postsuper -c "$LAB/$gw/etc" -d ALL >/dev/null 2>&1; done
tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 4 --to-domain yahoo.test >/dev/null
for i in $(seq 100); do
	ids=$(postqueue -c "$LAB/gw1/etc" -j | jq -r 'select(.queue_name == "deferred") | .queue_id')
	[ "$(echo "$ids" | grep -c .)" -ge 4 ] && break
	sleep 0.2
done
id=$(echo "$ids" | sed -n 1p)
id2=$(echo "$ids" | sed -n 2p)
id3=$(echo "$ids" | sed -n 3p)
id4=$(echo "$ids" | sed -n 4p)
check "deferred messages to hold ($id $id2 $id3 $id4)" [ -n "$id4" ]
# SHUTDOWN is for no role of mailnoc: the lab's own superuser.
redis-cli -p "$LAB_REDIS_PORT" --user lab --pass "$(cat "$LAB/secrets/lab.pass")" \
	--no-auth-warning shutdown >/dev/null 2>&1
for i in $(seq 50); do port_up || break; sleep 0.1; done
check "redis-server is stopped" sh -c "! ss -Hltn 'sport = :$LAB_REDIS_PORT' | grep -q ."
line="queue hold gw1:$id --yes"
"$B/mailnoc" queue hold "gw1:$id" --yes >/dev/null 2>&1
expect_eq "queue hold over SSH works without redis" 0 $?
expect_eq "the message is held" hold "$(queue_of "$id")"
expect_eq "both records are in the spool" 2 "$(wc -l < "$SPOOL")"
r=$(sed -n 1p "$SPOOL")
expect_eq "first the started one" started "$(f .phase)"
action=$(f .action)
r=$(sed -n 2p "$SPOOL")
expect_eq "then the completed one" completed "$(f .phase)"
expect_eq "of the same action" "$action" "$(f .action)"
expect_eq "its command" "$line" "$(f .cmd)"
expect_eq "marked spooled" true "$(f .spooled)"
expect_eq "result ok" ok "$(f .result)"
expect_eq "nodes: gw1" '["gw1"]' "$(f -c .nodes)"
expect_contains "said: postsuper's summary" "gw1: " "$(f .said)"
expect_eq "the spool is 0600" 600 "$(stat -c %a "$SPOOL")"
expect_eq "its directory 0700" 700 "$(stat -c %a "$(dirname "$SPOOL")")"
cp "$SPOOL" "$T/saved.jsonl"
"$B/mailnoc" status >/dev/null 2>&1
expect_eq "a command that needs redis fails meanwhile (3)" 3 $?
expect_eq "and the records stay" 2 "$(wc -l < "$SPOOL")"

# --- redis away and the spool unwritable: the change is refused, not done.
# Root ignores file modes: a read-only bind mount, then a full tmpfs.
mkdir -p "$T/rosrc" "$T/ro" "$T/full"
mount --bind "$T/rosrc" "$T/ro" && mount -o remount,bind,ro "$T/ro"
check "a read-only mount for the spool" sh -c "! touch '$T/ro/x' 2>/dev/null"
MAILNOC_AUDIT_FILE="$T/ro/state/audit.jsonl" "$B/mailnoc" queue hold "gw1:$id2" --yes \
	>"$T/out" 2>"$T/err" </dev/null
expect_eq "read-only spool: the hold is refused (5)" 5 $?
expect_eq "the message is not held" deferred "$(queue_of "$id2")"
expect_eq "the reason is one line" 1 "$(wc -l < "$T/err")"
expect_contains "saying nothing was done" "queue hold: refused, nothing was done: its audit record can be written nowhere" "$(cat "$T/err")"
expect_contains "naming the spool's failure" "Read-only file system" "$(cat "$T/err")"
out=$(MAILNOC_AUDIT_FILE="$T/ro/state/audit.jsonl" "$B/mailnoc" queue hold "gw1:$id2" --yes --json 2>/dev/null </dev/null)
expect_eq "--json: the refusal and exit 5" "5 refused" \
	"$(echo "$out" | jq -r '"\(.exit) \(.error | test("refused, nothing was done") | if . then "refused" else . end)"')"
expect_eq "still not held" deferred "$(queue_of "$id2")"
mount -t tmpfs -o size=64k tmpfs "$T/full"
dd if=/dev/zero of="$T/full/fill" bs=4k 2>/dev/null
mkdir -p "$T/full/state" 2>/dev/null
check "a full file system for the spool" sh -c "! echo x > '$T/full/x' 2>/dev/null"
MAILNOC_AUDIT_FILE="$T/full/state/audit.jsonl" "$B/mailnoc" queue hold "gw1:$id2" --yes \
	>"$T/out" 2>"$T/err" </dev/null
expect_eq "full spool: the hold is refused (5)" 5 $?
expect_contains "saying why" "No space left on device" "$(cat "$T/err")"
expect_eq "the message is not held" deferred "$(queue_of "$id2")"
check "the real spool is untouched" test "$(wc -l < "$SPOOL")" -eq 2

# audit.required off: the change runs and the loss is said everywhere.
jq '. + {audit: {required: false}}' "$MAILNOC_CONFIG" > "$T/optional.json"
out=$(MAILNOC_AUDIT_FILE="$T/ro/state/audit.jsonl" "$B/mailnoc" --config "$T/optional.json" \
	queue hold "gw1:$id2" --yes --json 2>"$T/err" </dev/null)
expect_eq "audit.required off: the hold runs, exit 6" 6 $?
expect_eq "the message is held" hold "$(queue_of "$id2")"
expect_contains "--json: the result says the record is lost" "Read-only file system" \
	"$(echo "$out" | jq -r '.audit_lost')"
expect_eq "--json: one object, the action's own" 1 "$(echo "$out" | jq -s length)"
expect_eq "--json: with what was done" 1 "$(echo "$out" | jq '.nodes[0].done')"
expect_contains "stderr says it" "the audit record is lost; gw1: " "$(cat "$T/err")"
MAILNOC_AUDIT_FILE="$T/full/state/audit.jsonl" "$B/mailnoc" --config "$T/optional.json" \
	queue hold "gw1:$id3" --yes >"$T/out" 2>"$T/err" </dev/null
expect_eq "text mode: exit 6" 6 $?
expect_eq "the message is held" hold "$(queue_of "$id3")"
expect_contains "the loss on stderr, first" "mailnoc: the audit record is lost; " "$(cat "$T/err")"
expect_contains "with why" "No space left on device" "$(cat "$T/err")"
umount "$T/ro"
umount "$T/full"

# --- back: the next command that reaches redis replays it, once
tests/lab/up >/dev/null 2>&1
expect_eq "tests/lab/up brings redis-server back" 0 $?
for i in $(seq 50); do rc ping >/dev/null 2>&1 && break; sleep 0.1; done
"$B/mailnoc" status >/dev/null 2>&1
expect_eq "the first command after the return works" 0 $?
check "the spool is gone once the record is in" test ! -e "$SPOOL"
"$B/mailnoc" nodes >/dev/null 2>&1
r=$(recs "$line")
expect_eq "the action is in the stream exactly once" 1 "$(echo "$r" | jq length)"
raw=$(recs "$line" --records | jq -c reverse)
expect_eq "its two records, once each, started first" "started completed" \
	"$(echo "$raw" | jq -r '[.[].phase] | join(" ")')"
r=$(echo "$r" | jq -c '.[0]')
expect_eq "one line with its final result" ok "$(f .result)"
expect_eq "marked spooled there" true "$(f .spooled)"
check "with the time it happened, before the replay" [ "$(f .at)" -lt "$(f '.stream_id | split("-")[0] | tonumber')" ]
# A replay cut short after the stream took it (the same file again): the
# dedup key keeps it to one entry.
mkdir -p "$(dirname "$SPOOL")" && cp "$T/saved.jsonl" "$SPOOL"
"$B/mailnoc" nodes >/dev/null 2>&1
"$B/mailnoc" status >/dev/null 2>&1
expect_eq "replayed twice: still exactly once" 1 "$(recs "$line" | jq length)"
expect_eq "both records still once each" 2 "$(recs "$line" --records | jq length)"
expect_eq "the refused and the lost holds left no record" 0 \
	"$("$B/mailnoc" audit --json --records --limit 1000 | jq --arg a "gw1:$id2" --arg b "gw1:$id3" \
		'[.[] | select(.cmd | contains($a) or contains($b))] | length')"
check "and the spool is gone" test ! -e "$SPOOL"
expect_eq "the dedup key holds the entry's ID" "$(f .stream_id)" \
	"$(rc get "mailnoc:audit:id:$(f .id)")"
ttl=$(rc ttl "mailnoc:audit:id:$(f .id)")
check "which lives 60 days ($ttl s)" test "$ttl" -gt 5183000 -a "$ttl" -le 5184000


# --- an action killed mid-way stays visible as started
frozen=$(sshd_pid)
check "sshd to freeze ($frozen)" [ -n "$frozen" ]
kill -STOP "$frozen"
line="queue hold gw1:$id4 --yes"
"$B/mailnoc" queue hold "gw1:$id4" --yes >/dev/null 2>&1 </dev/null &
pid=$!
for i in $(seq 100); do
	[ "$(recs "$line" --records | jq length)" -ge 1 ] && break
	sleep 0.1
done
expect_eq "its started record is written before it acts" started "$(recs "$line" --records | jq -r '.[0].phase')"
kill -9 "$pid"
wait "$pid" 2>/dev/null
kill -CONT "$frozen"
frozen=
r=$(recs "$line" | jq -c '.[0]')
expect_eq "killed: the action shows as started" "started started null" \
	"$(echo "$r" | jq -r '"\(.phase) \(.result) \(.exit)"')"
out=$("$B/mailnoc" audit --limit 5)
expect_contains "the table says it has no end" "no end recorded: still running, or cut short" "$out"

postsuper -c "$LAB/gw1/etc" -d ALL >/dev/null 2>&1
finish
