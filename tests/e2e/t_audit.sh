#!/bin/sh
# The Audit view: block an IP from the blocklist view, then 6 (or w) shows
# the record the background job wrote: who, the command, ok, what the store
# said; a change made meanwhile by batch mode appears at the next refresh.
# With Redis stopped and the spool on a read-only mount, a hold from the
# queues view is refused on the status line and nothing is held; with
# audit.required off it is done and the status line says the record is lost.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
IP=127.0.2.56
T=$(mktemp -d)
# The console's spool, should Redis fail: inside the test's own directory.
export MAILNOC_AUDIT_FILE="$T/audit.jsonl"
unblock "$IP"
# Only this test's records: what the screen shows is unambiguous.
rc del mailnoc:audit >/dev/null
port_up() { ss -Hltn "sport = :$LAB_REDIS_PORT" 2>/dev/null | grep -q .; }
cleanup() {
	tui_stop
	mountpoint -q "$T/ro" && umount "$T/ro"
	port_up || tests/lab/up >/dev/null 2>&1
	unblock "$IP"
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

t0=$(($(date +%s) * 1000))
tui_start 160 30
tui_keys 4
expect_screen "4 opens the blocklist view" "mailnoc | Blocklist" 10
tui_keys + "$IP --for 1h --reason e2e-audit" Enter
expect_screen "block asks first" "block $IP for 1h" 5
tui_keys y Enter
expect_screen "the block is in force" "e2e-audit" 10

tui_keys 6
expect_screen "6 opens the Audit view" "mailnoc | Audit" 5
expect_screen "it shows the job's record: the command as run" \
	"block $IP --for 1h --reason e2e-audit" 10
row=$(tui_screen | grep -F "block $IP --for 1h --reason e2e-audit" | head -n 1)
expect_contains "who: user@host" "$(id -un)@$(hostname)" "$row"
expect_contains "the result" " ok " "$row"
expect_contains "the node touched" "redis" "$row"
expect_contains "what the store said" "blocked $IP until" "$row"
# The console asked, so its job ran the command with --yes: the record is
# the one batch mode writes for the same command line.
r=$("$MAILNOC_BIN/mailnoc" audit --json --limit 20 | jq -c --arg c "block $IP --for 1h --reason e2e-audit --yes" \
	--argjson t0 "$t0" '[.[] | select(.cmd == $c and .at >= $t0)]')
expect_eq "one record in the stream" 1 "$(echo "$r" | jq length)"
expect_eq "written by the console's job" console "$(echo "$r" | jq -r '.[0].via')"
expect_eq "from the console's terminal" true "$(echo "$r" | jq -r '.[0].tty != null')"

# A change made elsewhere shows at the next refresh, newest first.
"$MAILNOC_BIN/mailnoc" unblock "$IP" --yes >/dev/null
expect_screen "batch mode's unblock appears" "unblock $IP --yes" 10
first=$(tui_screen | grep -E "(unblock|block) $IP" | head -n 1)
expect_contains "newest first" "unblock $IP --yes" "$first"
expect_contains "from batch mode" " batch " "$first"

tui_keys 1 w
expect_screen "w opens it too" "mailnoc | Audit" 5
tui_keys /
tui_keys "for 1h" Enter
expect_screen "the filter keeps the matching record" "reason e2e-audit" 5
tui_screen | grep -qF "unblock $IP --yes"
expect_eq "and hides the others" 1 $?

# Wide enough, WHEN is the time itself (local, to the second).
expect_contains "at 160 columns WHEN is the date and time" "$(date +%Y-%m-%d) " "$first"
# The console's :audit takes batch mode's filters and says them.
tui_keys Escape : "audit --user nobody-e2e" Enter
expect_screen ":audit --user filters by user" "no change recorded by nobody-e2e" 10
tui_keys : "audit --since 1h --user $(id -un)" Enter
expect_screen ":audit --since says the period" "changes since 1h by $(id -un)" 10
expect_screen "and shows the matching records" "unblock $IP --yes" 10
tui_keys : "audit --since yesterday" Enter
expect_screen "a bad --since is said on the status line" "--since 'yesterday' is not accepted" 5
tui_keys : audit Enter
expect_screen "a plain :audit shows everything again" "block $IP --for 1h --reason e2e-audit" 10

pq() { postqueue -c "$LAB/gw1/etc" -j; }
count_in() { pq | jq -r "select(.queue_name == \"$1\") | .queue_id" | wc -l; }

# A hold from the queues view is recorded with the message IDs it held.
postsuper -c "$LAB/gw1/etc" -d ALL >/dev/null 2>&1
tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 2 --to-domain yahoo.test >/dev/null
for i in $(seq 100); do
	[ "$(count_in deferred)" = 2 ] && break
	sleep 0.2
done
ids=$(pq | jq -r 'select(.queue_name == "deferred") | .queue_id' | sort)
tui_keys 3 : "queue list" Enter
expect_screen "the queues view lists the two" "2 of 2 messages" 15
tui_keys T H
expect_screen "H asks before holding" "hold 2 messages" 5
tui_keys y Enter
for i in $(seq 50); do
	[ "$(count_in hold)" = 2 ] && break
	sleep 0.2
done
tui_keys 6
expect_screen "the hold is in the Audit view" "queue hold gw1:" 10
row=$(tui_screen | grep -F "queue hold gw1:" | head -n 1)
for id in $ids; do
	expect_contains "the console's hold names message $id" "gw1:$id" "$row"
done
postsuper -c "$LAB/gw1/etc" -d ALL >/dev/null 2>&1

# --- Redis stopped, the spool read-only: the record comes before the act.
tui_stop
postsuper -c "$LAB/gw1/etc" -d ALL >/dev/null 2>&1
tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 2 --to-domain yahoo.test >/dev/null
for i in $(seq 100); do
	[ "$(count_in deferred)" = 2 ] && break
	sleep 0.2
done
expect_eq "two deferred messages on gw1" 2 "$(count_in deferred)"
mkdir -p "$T/rosrc" "$T/ro"
mount --bind "$T/rosrc" "$T/ro" && mount -o remount,bind,ro "$T/ro"
export MAILNOC_AUDIT_FILE="$T/ro/state/audit.jsonl"
# SHUTDOWN is for no role of mailnoc: the lab's own superuser.
redis-cli -p "$LAB_REDIS_PORT" --user lab --pass "$(cat "$LAB/secrets/lab.pass")" \
	--no-auth-warning shutdown >/dev/null 2>&1
for i in $(seq 50); do port_up || break; sleep 0.1; done
tui_start 160 30
tui_keys 3
expect_screen "the queues view lists them without Redis" "2 of 2 messages" 15
tui_keys T H
expect_screen "H asks before holding" "hold 2 messages" 5
tui_keys y Enter
expect_screen "the status line says it is refused" "refused, nothing was done" 15
expect_eq "and nothing is held" 2 "$(count_in deferred)"
tui_stop
jq '. + {audit: {required: false}}' "$MAILNOC_CONFIG" > "$T/optional.json"
MAILNOC_CONFIG=$T/optional.json tui_start 160 30
tui_keys 3
expect_screen "audit.required off: the queues view" "2 of 2 messages" 15
tui_keys T H
expect_screen "H asks" "hold 2 messages" 5
tui_keys y Enter
expect_screen "the status line says the record is lost" "the audit record is lost" 15
expect_eq "and the hold is done" 2 "$(count_in hold)"
tui_stop
umount "$T/ro"
tests/lab/up >/dev/null 2>&1
postsuper -c "$LAB/gw1/etc" -d ALL >/dev/null 2>&1
finish
