#!/bin/sh
# A hold cut short in the console: gw2's sshd session is frozen while its
# postsuper runs; the status line says how many were held and how many are
# still deferred, and the audit record says "partial". The cleanup thaws the
# session and removes the test's mail, even when the test stops early.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
CFG0=$MAILNOC_CONFIG
T=$LAB/e2e-partial
N=3000

frozen=""
cleanup() {
	for p in $frozen; do kill -CONT "$p" 2>/dev/null; done
	tui_stop
	ssh_forced_key_undo "$T"
	postsuper -c "$LAB/gw2/etc" -d ALL >/dev/null 2>&1
	tests/lab/agents stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The gate: the sshd session serving a postsuper can be frozen before
# postsuper has done anything.
ssh_gate_key "$T" '*postsuper*' mailnoc-e2e-partial
jq --arg k "$T/id_ed25519" '.ssh.key_file = $k | .ssh.keepalive_s = 2' \
	"$CFG0" > "$T/mailnoc.json"
MAILNOC_CONFIG=$T/mailnoc.json
export MAILNOC_CONFIG

tests/lab/agents start >/dev/null
queues_clear
tests/lab/bulk --gw gw2 -n "$N" -q
expect_eq "gw2 holds $N deferred messages" "$N" "$(count_in gw2 deferred)"

tui_start 160 30
tui_keys 3
expect_screen "the queues view lists them" "$N of $N messages" 20
tui_keys T
expect_screen "T tags every row" "$N tagged"
tui_keys H
expect_screen "H asks before holding" "hold $N messages (gw2"
rm -f "$T/gate.pid"
tui_keys y Enter
for i in $(seq 300); do
	[ -s "$T/gate.pid" ] && break
	sleep 0.02
done
s=$(cat "$T/gate.pid" 2>/dev/null)
while [ -n "$s" ] && [ "$(ps -o comm= -p "$s")" != sshd ]; do
	s=$(ps -o ppid= -p "$s" | tr -d ' ')
done
[ -n "$s" ] && kill -STOP "$s" && frozen="$s"
check "the sshd session serving postsuper is frozen" [ -n "$frozen" ]
expect_screen "the status line says what was done" \
	"of 3,000 held before the node stopped answering;" 20
held=$(count_in gw2 hold)
screen=$(tui_screen)
expect_contains "with the counts of the queue" \
	"gw2: $(thousands "$held") of 3,000 held before the node stopped answering; $(thousands "$((N - held))") still deferred" \
	"$screen"
rec=$("$MAILNOC_BIN/mailnoc" audit --json --limit 20 |
	jq -c '[.[] | select(.via == "console" and (.cmd | test("^queue hold")))][0]')
expect_eq "the audit record says partial" partial "$(echo "$rec" | jq -r .result)"
kill -CONT "$frozen"
frozen=""
tui_keys q
expect_screen "q quits" "EXITED"
finish
