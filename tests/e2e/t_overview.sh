#!/bin/sh
# The console at 80x24 as a person uses it: the overview with the four lab
# nodes, help, the Redis-lost banner and its recovery, a resize.
. "$(dirname "$0")/lib.sh"
LAB=${MAILNOC_LAB_DIR:-/tmp/mailnoc-lab}
. tests/lab/ports

tests/lab/agents start >/dev/null
trap 'tui_stop' EXIT INT TERM

tui_start 80 24
expect_screen "the overview appears" "Overview"
for n in gw1 gw2 mbx1 mbx2; do
	expect_screen "node $n is listed" "$n " 10
done
expect_screen "mbx1 is active" "mbx1     mbx  mbx     active" 10
expect_screen "mbx2 is standby" "mbx2     mbx  mbx     standby" 10
expect_screen "the header says the service is OK" " OK " 10

tui_keys '?'
expect_screen "? shows the help" "WHAT IT DOES"
expect_screen "the help lists the quit key" "leave the console"
tui_keys '?'
expect_screen "? again goes back to the overview" "NODE     ROLE"

# Redis goes away: a banner, the last data kept, no key pressed to recover.
# SHUTDOWN is for no role of mailnoc: the lab's own superuser.
redis-cli -p "$LAB_REDIS_PORT" --user lab --pass "$(cat "$LAB/secrets/lab.pass")" \
	--no-auth-warning shutdown >/dev/null 2>&1
expect_screen "stopping redis-server shows the banner" "REDIS UNREACHABLE" 10
expect_screen "the last known nodes stay on the screen" "mbx2 "
redis-server "$LAB/redis/redis.conf" >/dev/null 2>&1
if wait_gone "REDIS UNREACHABLE" 20; then
	ok "restarting redis-server clears the banner without a key press"
else
	not_ok "restarting redis-server clears the banner without a key press"
	tui_screen | sed 's/^/  | /'
fi

tui_resize 100 30
sleep 0.5
screen=$(tui_screen)
line0=$(echo "$screen" | head -n 1)
# The clock ends one column before the edge (capture-pane trims the blank).
expect_eq "after a resize to 100x30 the header spans the width, clock at the right" \
	99 "${#line0}"
echo "$line0" | grep -Eq '[0-9]{2}:[0-9]{2}:[0-9]{2} [A-Za-z0-9+-]+$'
expect_eq "the header ends with the clock and its zone's name" 0 $?
expect_contains "and the table is redrawn" "mbx2 " "$screen"
expect_eq "the screen has 30 lines" 30 "$(echo "$screen" | wc -l)"

tui_resize 30 6
expect_screen "a tiny terminal gets a clear line" "too small: 30x6"
tui_resize 80 24
expect_screen "and the overview comes back" "NODE     ROLE"

tui_keys q
expect_screen "q quits with exit code 0" "EXITED 0" 15
# One clock: ui.time_zone names the zone of every time shown, and the
# header says it (New York in December is EST).
T=$(mktemp -d)
jq '.ui = ((.ui // {}) + {time_zone: "America/New_York"})' "$MAILNOC_CONFIG" > "$T/ny.json"
MAILNOC_CONFIG=$T/ny.json tui_start 80 24
expect_screen "ui.time_zone: the header's clock is New York's" " EST" 10
tui_keys q
expect_screen "q quits" "EXITED 0" 15
out=$(MAILNOC_CONFIG=$T/ny.json "$MAILNOC_BIN/mailnoc" events 2>&1 | sed -n 2p)
expect_contains "batch mode's times carry the same zone" " EST " "$out"
rm -rf "$T"
finish
