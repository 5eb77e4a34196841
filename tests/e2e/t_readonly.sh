#!/bin/sh
# Read-only as the lab's 'noc' user: the ACL makes the console read-only,
# the header says READ-ONLY, the blocklist's + key does nothing but say why,
# the help leaves the refused keys out, and Redis is unchanged.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
NOC=$LAB/mailnoc-noc.json
WHY="read-only: the Redis user 'noc' may not write (ACL)"
nblocks=$(rc zcard mailnoc:blocks)
trap 'tui_stop' EXIT INT TERM

tui_start 100 24 --config "$NOC"
expect_screen "the header shows READ-ONLY (found from the ACL)" "READ-ONLY" 10
tui_keys 4
expect_screen "4 opens the blocklist view" "mailnoc | Blocklist" 5
tui_keys +
expect_screen "+ explains why it does nothing" "block: refused, $WHY" 5
if tui_screen | grep -q ":block"; then
	not_ok "+ opens no prompt"
	tui_screen | sed 's/^/  | /'
else
	ok "+ opens no prompt"
fi
tui_keys 1 : drain Enter
expect_screen ":drain is refused the same way" "drain: refused, $WHY" 5
tui_keys '?'
expect_screen "? shows the help" "WHAT IT DOES" 5
if tui_screen | grep -qE '^ *(\+|d|D|H) +'; then
	not_ok "the help leaves out the keys that would be refused"
	tui_screen | sed 's/^/  | /'
else
	ok "the help leaves out the keys that would be refused"
fi
expect_eq "Redis is unchanged" "$nblocks" "$(rc zcard mailnoc:blocks)"
tui_stop

# --read-only names itself, for the admin user too.
tui_start 100 24 --read-only
expect_screen "--read-only: READ-ONLY in the header" "READ-ONLY" 10
tui_keys 4 +
expect_screen "+ says --read-only is why" "block: refused, read-only: --read-only" 5
tui_stop

# The admin user may write: no READ-ONLY, + opens the prompt.
tui_start 100 24
expect_screen "admin: the overview is up" "nodes " 10
sleep 1
if tui_screen | head -1 | grep -q READ-ONLY; then
	not_ok "admin: no READ-ONLY in the header"
else
	ok "admin: no READ-ONLY in the header"
fi
tui_keys 4 +
expect_screen "admin: + opens the block prompt" ":block" 5
tui_keys Escape
tui_stop

# Roles fail closed: Redis unreachable (the lab's dead port) and no role
# confirmed on this machine: admin's console changes nothing, saying why.
T=$(mktemp -d)
jq --argjson p "$LAB_DEAD_PORT" '.redis.port = $p' "$MAILNOC_CONFIG" > "$T/dead.json"
MAILNOC_STATE_DIR=$T/state
export MAILNOC_STATE_DIR
tui_start 100 24 --config "$T/dead.json"
expect_screen "Redis away, role never confirmed: READ-ONLY" "READ-ONLY" 10
tui_keys 4 +
expect_screen "+ says the role is not confirmed" \
	"block: refused, read-only: role not confirmed" 5
tui_keys 1 : drain Enter
expect_screen ":drain (over SSH) is refused the same way" \
	"drain: refused, read-only: role not confirmed" 5
tui_stop
unset MAILNOC_STATE_DIR
rm -rf "$T"
finish
