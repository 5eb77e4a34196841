#!/bin/sh
# The Audit view: block an IP from the blocklist view, then 6 (or w) shows
# the record the background job wrote: who, the command, ok, what the store
# said; a change made meanwhile by batch mode appears at the next refresh.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
IP=127.0.2.56
T=$(mktemp -d)
# The console's spool, should Redis fail: inside the test's own directory.
export MAILNOC_AUDIT_FILE="$T/audit.jsonl"
rc() {
	redis-cli -p "$LAB_REDIS_PORT" --user admin \
		--pass "$(cat "$LAB/secrets/admin.pass")" --no-auth-warning "$@"
}
unblock_all() {
	rc del "mailnoc:block:$IP" >/dev/null
	rc zrem mailnoc:blocks "$IP" >/dev/null
}
unblock_all
# Only this test's records: what the screen shows is unambiguous.
rc del mailnoc:audit >/dev/null
trap 'unblock_all; tui_stop; rm -rf "$T"' EXIT INT TERM

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
r=$("$MAILNOC_BIN/mailnoc" audit --json --limit 20 | jq -c --arg c "block $IP --for 1h --reason e2e-audit" \
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
tui_keys "e2e-audit" Enter
expect_screen "the filter keeps the matching record" "reason e2e-audit" 5
tui_screen | grep -qF "unblock $IP --yes"
expect_eq "and hides the others" 1 $?
finish
