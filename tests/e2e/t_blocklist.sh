#!/bin/sh
# The blocklist view as an operator uses it: 4 opens it, + blocks an IP from
# the prompt (asked first), x extends it, - unblocks the selected row; Redis
# holds exactly what the screen says.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
IP=127.0.2.55

# row_gone SECONDS: polls until no row of the table starts with the IP.
row_gone() {
	i=0
	while [ $i -lt $(($1 * 10)) ]; do
		tui_screen | grep -q "^$IP " || return 0
		sleep 0.1
		i=$((i + 1))
	done
	tui_screen | sed 's/^/  | /'
	return 1
}

unblock "$IP"
trap 'unblock "$IP"; tui_stop' EXIT INT TERM
tui_start 80 24
tui_keys 4
expect_screen "4 opens the blocklist view" "mailnoc | Blocklist" 10
expect_screen "the status line names its keys" "+ block  - unblock  e extend"
check "the IP is not listed yet" row_gone 5

tui_keys +
expect_screen "+ opens the prompt with block typed" ":block" 3
tui_keys "$IP --for 1h --reason e2e-test" Enter
expect_screen "block asks first, naming the IP and how long" \
	"block $IP for 1h" 5
tui_keys n Enter
expect_screen "n does nothing" "not confirmed; nothing was done"
expect_eq "and Redis has no block" 0 "$(rc exists "mailnoc:block:$IP")"

tui_keys + "$IP --for 1h --reason e2e-test" Enter
expect_screen "asked again" "block $IP for 1h" 5
tui_keys y Enter
expect_screen "y blocks it: the row shows IP and reason" "e2e-test" 10
expect_screen "with about an hour left" "59m" 5
# Enter opens the row's detail (every field, whole); Esc closes it; s sorts.
tui_keys Enter
expect_screen "Enter shows the row's detail" "detail (Enter or Esc closes)" 5
expect_screen "with each field named" "REASON     e2e-test" 3
tui_keys Escape
sleep 0.5
tui_screen | grep -qF "detail (Enter"
expect_eq "Esc closes it" 1 $?
tui_keys s
expect_screen "s sorts by the first column, marked in the heading" "IP^" 3
tui_keys S
expect_screen "S reverses it" "IPv" 3
expect_eq "Redis holds block:$IP" 1 "$(rc exists "mailnoc:block:$IP")"
expect_eq "with the reason given" e2e-test \
	"$(rc hget "mailnoc:block:$IP" reason)"
ttl=$(rc ttl "mailnoc:block:$IP")
check "which expires within the hour (ttl $ttl)" \
	[ "$ttl" -gt 3000 ] && [ "$ttl" -le 3600 ]
expect_eq "and the index lists it" 1 \
	"$(rc zscore mailnoc:blocks "$IP" | grep -c .)"

# Select it whatever else is blocked: filter to its row.
tui_keys / "$IP" Enter
expect_screen "the filter leaves its row" "filter: $IP" 3
tui_keys e
expect_screen "e opens the prompt to extend the selected IP" \
	":extend $IP --for" 3
tui_keys 3h Enter
expect_screen "extend asks first" "extend the block of $IP: for 3h" 5
tui_keys y Enter
expect_screen "the row shows the new end" "2h59m" 10
ttl=$(rc ttl "mailnoc:block:$IP")
check "Redis expires it later (ttl $ttl)" [ "$ttl" -gt 10000 ]

tui_keys -
expect_screen "- asks before unblocking the selected IP" \
	"unblock $IP: accept its mail again? y/N" 5
tui_keys y Enter
check "the row is gone" row_gone 10
expect_eq "and block:$IP is gone from Redis" 0 \
	"$(rc exists "mailnoc:block:$IP")"
expect_eq "and from the index" "" "$(rc zscore mailnoc:blocks "$IP")"
tui_keys Escape
expect_screen "with nothing of ours left it says so or lists the rest" \
	"blocked" 5

# --dry-run typed in the console stays a dry run through the question.
tui_keys : "block $IP --for 1h --reason dry --dry-run" Enter
expect_screen "a dry run says so in its question" "dry run (nothing will change)" 5
tui_keys y Enter
expect_screen "and its result" "dry run: would block $IP" 10
expect_eq "and nothing is blocked" 0 "$(rc exists "mailnoc:block:$IP")"

# Without a row under the cursor e says why instead of prompting.
tui_keys / no-such-ip Enter e
expect_screen "e with no row selected explains" "no blocked IP selected" 3
tui_keys Escape q
expect_screen "q quits" "EXITED 0" 15
finish
