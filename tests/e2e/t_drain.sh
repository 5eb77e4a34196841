#!/bin/sh
# Draining a gateway from the overview with :drain (no key: d sat next to
# the queues view's D delete): asked first about the node under the
# cursor, then the node shows draining with its queue emptying, and
# :undrain brings it back.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports

tests/lab/agents start >/dev/null
trap 'tui_stop' EXIT INT TERM
tui_start 80 24
expect_screen "the overview shows gw2 active" "gw2      gw   gw      active" 15
tui_keys j d
expect_screen "d drains nothing: no key drains" "d is not bound" 5
tui_keys : drain Enter
expect_screen ":drain on gw2 asks first, saying what it will do" \
	"drain gw2: defer new mail there and flush its queue? y/N"
tui_keys n Enter
expect_screen "n does nothing" "not confirmed; nothing was done"
tui_keys : drain Enter y Enter
expect_screen "y drains it: the queue is flushed" "gw2: queue flushed" 30
expect_screen "gw2 is shown draining" "gw2      gw   gw      draining" 15
expect_eq "Redis has the drain mark" 1 \
	"$(redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$(cat "$LAB/secrets/admin.pass")" \
		--no-auth-warning hget mailnoc:node:gw2 drain)"
tui_keys : undrain Enter y Enter
expect_screen ":undrain returns it to service" "gw2: back in service" 15
expect_screen "and gw2 is active again" "gw2      gw   gw      active" 15
tests/lab/agents stop >/dev/null
finish
