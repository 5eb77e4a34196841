#!/bin/sh
# Actions cut short say what they did: gw2's sshd session is frozen
# (SIGSTOP) while its postsuper holds a few thousand messages; mailnoc finds
# the node silent by its keepalives, lists gw2's queue again on a new
# connection and reports per node how many were held (text, --json, the
# audit record with result "partial", exit 1). Then a restore whose session
# freezes is ended by the progress watchdog, saying what was imported.
# The cleanup thaws every process it froze and removes the test's mail, even
# when the test stops early.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
CFG0=$MAILNOC_CONFIG
T=$LAB/partial
N=3000

# The sshd process serving a connection: the first sshd above pid $1.
sshd_of() {
	p=$1
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		[ "$(ps -o comm= -p "$p")" = sshd ] && { echo "$p"; return 0; }
		p=$(ps -o ppid= -p "$p" | tr -d ' ')
	done
	return 1
}

frozen=""
cleanup() {
	for p in $frozen; do kill -CONT "$p" 2>/dev/null; done
	frozen=""
	ssh_forced_key_undo "$T"
	postsuper -c "$LAB/gw2/etc" -d ALL >/dev/null 2>&1
	if [ -n "${RESTORED:-}" ]; then
		sleep 1
		doveadm -c "$LAB/mbx1/dovecot.conf" mailbox list -u "$RUSER" \
			"$RESTORED*" 2>/dev/null | sort -r | while IFS= read -r f; do
			doveadm -c "$LAB/mbx1/dovecot.conf" mailbox delete -s \
				-u "$RUSER" "$f" >/dev/null 2>&1
		done
	fi
	rm -rf "${BIGBACKUP:-/nonexistent}"
	[ -n "${draining:-}" ] &&
		"$B/mailnoc" undrain "$draining" --yes >/dev/null 2>&1
	[ -z "${started:-}" ] || tests/lab/agents stop $started >/dev/null 2>&1
	started=""
}
trap 'cleanup' EXIT
trap 'cleanup; exit 1' INT TERM

# A key whose commands pass through a gate: before a postsuper (or a
# restore) it writes its pid and waits a moment, so the test can freeze the
# sshd session serving it at a known point: after the command started,
# before postsuper has done anything.
ssh_gate_key "$T" '*postsuper*|*restore-mailbox*' mailnoc-partial
# Keepalives every 2 s: a frozen session is found within about 4 s.
jq --arg k "$T/id_ed25519" '.ssh.key_file = $k | .ssh.keepalive_s = 2' \
	"$CFG0" > "$T/mailnoc.json"
MAILNOC_CONFIG=$T/mailnoc.json
export MAILNOC_CONFIG

# Waits for the gate's pid file, then freezes the sshd session above it
# (not in a subshell: $frozen must keep it for the thaw).
freeze_gate() {
	s=""
	for i in $(seq 200); do
		[ -s "$T/gate.pid" ] && break
		sleep 0.02
	done
	s=$(sshd_of "$(cat "$T/gate.pid" 2>/dev/null)") || { s=""; return 1; }
	kill -STOP "$s" && frozen="$frozen $s"
}

# --- a hold cut short ----------------------------------------------------
postsuper -c "$LAB/gw2/etc" -d ALL >/dev/null 2>&1
tests/lab/bulk --gw gw2 -n "$N" -q
expect_eq "gw2 holds $N deferred messages" "$N" "$(count_in gw2 deferred)"

# thaw: SIGCONT, then release what was held (all of it, at last).
thaw() {
	for p in $frozen; do kill -CONT "$p"; done
	check "$1: the session runs again" [ -n "$frozen" ] &&
		! ps -o stat= -p $frozen | grep -q '^T'
	frozen=""
	sleep 1
	postsuper -c "$LAB/gw2/etc" -H ALL >/dev/null 2>&1
	for i in $(seq 50); do
		[ "$(count_in gw2 hold)" = 0 ] && break
		sleep 0.2
	done
	expect_eq "$1: after the thaw everything is released" 0 "$(count_in gw2 hold)"
}

# hold_cut MODE [--json]: holds gw2's deferred mail, freezing its session.
hold_cut() {
	mode=$1
	shift
	rm -f "$T/gate.pid"
	t0=$(date +%s)
	"$B/mailnoc" queue hold --queue deferred --node gw2 --yes "$@" \
		> "$T/hold.out" 2> "$T/hold.err" &
	mp=$!
	freeze_gate
	check "$mode: the sshd session serving postsuper is frozen" \
		[ -n "$s" ] && [ "$(ps -o stat= -p "$s" | cut -c1)" = T ]
	wait $mp
	rc=$?
	took=$(($(date +%s) - t0))
	# While the session is still frozen the queue cannot change under us.
	held=$(count_in gw2 hold)
	deferred=$(count_in gw2 deferred)
	expect_eq "$mode: the hold cut short exits 1" 1 "$rc"
	check "$mode: it ends within 15 s, not at the command timeout ($took s)" \
		[ "$took" -le 15 ]
	check "$mode: part of the mail was held ($held of $N)" \
		[ "$held" -gt 0 -a "$held" -lt "$N" ]
	expect_eq "$mode: held and deferred add up" "$N" "$((held + deferred))"
	text="gw2: $(thousands "$held") of $(thousands "$N") held before the node stopped answering; $(thousands "$deferred") still deferred"
	err=$(cat "$T/hold.err")
	expect_contains "$mode: the error says what was done" "$text" "$err"
	expect_contains "$mode: and why the node was given up" \
		"no reply to a keepalive" "$err"
	rec=$("$B/mailnoc" audit --json --limit 20 |
		jq -c '[.[] | select(.cmd | test("^queue hold"))][0]')
	expect_eq "$mode: the audit record: partial, exit 1" "partial 1" \
		"$(echo "$rec" | jq -r '"\(.result) \(.exit)"')"
	expect_contains "$mode: the audit record holds the counts" "$text" \
		"$(echo "$rec" | jq -r .said)"
}

hold_cut json --json
out=$(head -n 1 "$T/hold.out")
expect_eq "json: gw2 is partial, with the held count" "true $held $N" \
	"$(echo "$out" | jq -r '.nodes[0] | "\(.partial) \(.after.done) \(.after.asked)"')"
expect_eq "json: the rest still deferred" "$deferred" \
	"$(echo "$out" | jq -r '.nodes[0].after.still.deferred')"
expect_contains "json: what cut it short" "no reply to a keepalive" \
	"$(echo "$out" | jq -r '.nodes[0].after.lost')"
thaw json

hold_cut text
expect_eq "text: standard output says what was done" "$text" "$(cat "$T/hold.out")"
thaw text
postsuper -c "$LAB/gw2/etc" -d ALL >/dev/null 2>&1

# --- a restore whose session freezes: the progress watchdog --------------
# A backup of carol with M messages, on a day that has none, so that the
# import runs long enough to be frozen in the middle.
M=8000
RUSER=carol
started=""
for n in mbx1 mbx2; do
	tests/lab/agents status "$n" >/dev/null 2>&1 || started="$started $n"
done
tests/lab/agents start mbx1 mbx2 >/dev/null
for k in $(seq 5 27); do
	D=$(date -d "$(date +%Y-%m-%d) - $k days" +%Y-%m-%d)
	[ -e "$LAB/mbx1/backup/$D" ] || break
done
BIGBACKUP=$LAB/mbx1/backup/$D
md=$BIGBACKUP/$RUSER/Maildir
install -d "$md/cur" "$md/new" "$md/tmp"
i=0
while [ $i -lt $M ]; do
	i=$((i + 1))
	printf 'From: big@lab.mailnoc.test\nTo: %s@lab.mailnoc.test\nSubject: big %d\nMessage-ID: <big-%s-%d@lab.mailnoc.test>\n\nbody %d\n' \
		"$RUSER" $i "$D" $i $i > "$md/cur/1700000000.M${i}P1.lab:2,S"
done
chown -R mail:mail "$BIGBACKUP"
RESTORED=Restored-$D
# The watchdog after 3 s; keepalives at their default (15 s) come later.
jq '.ssh.progress_timeout_s = 3 | .ssh.keepalive_s = 15' "$T/mailnoc.json" \
	> "$T/watchdog.json"
for i in $(seq 60); do
	"$B/mailnoc" --config "$T/watchdog.json" nodes --json 2>/dev/null |
		jq -e '.[] | select(.name == "mbx1" and .alive)' >/dev/null && break
	sleep 0.5
done
rm -f "$T/gate.pid"
t0=$(date +%s)
"$B/mailnoc" --config "$T/watchdog.json" restore "$RUSER" --date "$D" --yes \
	> "$T/restore.out" 2> "$T/restore.err" &
mp=$!
s=""
# mailnoc prints its line when the node says the import begins: then the
# session is frozen in the middle of the import.
for i in $(seq 500); do
	grep -q "^restore $RUSER on mbx1" "$T/restore.out" && break
	sleep 0.02
done
# The gate's pid is the shell running the restore script's sudo, alive for
# the whole command (a pgrep for the script may catch a passing subshell).
p=$(cat "$T/gate.pid" 2>/dev/null)
s=$(sshd_of "$p") && kill -STOP "$s" && frozen="$frozen $s"
check "the sshd session serving the import is frozen" \
	[ -n "$s" ] && [ "$(ps -o stat= -p "$s" | cut -c1)" = T ]
wait $mp
rc=$?
took=$(($(date +%s) - t0))
err=$(cat "$T/restore.err")
expect_eq "the frozen restore exits 3" 3 "$rc"
check "it ends by the watchdog within 10 s ($took s)" [ "$took" -le 10 ]
expect_contains "the error names the watchdog" \
	"no progress for 3 s while running the command: nothing came from the command (ssh.progress_timeout_s)" "$err"
so_far=$(echo "$err" | sed -n "s/.*; so far \([0-9,]*\) of the $(thousands $M) messages of the backup had arrived in the folder $RESTORED on mbx1.*/\1/p" | tr -d ,)
check "and says what was imported so far, and where ($so_far)" \
	[ -n "$so_far" ] && [ "$so_far" -le "$M" ]
check "the import was cut short (it had not ended)" \
	[ -n "$so_far" ] && ! grep -q "restored $M" "$T/restore.out"
for p in $frozen; do kill -CONT "$p"; done
check "the restore's session runs again" [ -n "$frozen" ] &&
	! ps -o stat= -p $frozen | grep -q '^T'
frozen=""

# --- a drain that makes no progress: the same watchdog -------------------
# gw2's mail is for dead.test: the flush cannot deliver it, the queue never
# shrinks, and the drain gives up after 3 s instead of its 60 s timeout.
for n in gw2; do
	tests/lab/agents status "$n" >/dev/null 2>&1 || started="$started $n"
done
tests/lab/agents start gw2 >/dev/null
postsuper -c "$LAB/gw2/etc" -d ALL >/dev/null 2>&1
tests/lab/bulk --gw gw2 -n 20 -q
for i in $(seq 60); do
	q=$("$B/mailnoc" nodes --json | jq -r '.[] | select(.name == "gw2" and .alive) | .queues.deferred')
	[ "$q" = 20 ] && break
	sleep 0.5
done
expect_eq "gw2's heartbeat counts 20 deferred" 20 "$q"
draining=gw2
t0=$(date +%s)
out=$("$B/mailnoc" --config "$T/watchdog.json" drain gw2 --yes --timeout 60 2>&1)
rc=$?
took=$(($(date +%s) - t0))
expect_eq "the stalled drain exits 1" 1 "$rc"
check "it gives up by the watchdog, not the timeout ($took s)" [ "$took" -le 20 ]
expect_contains "and says how much left so far" \
	"drain: no progress for 3s (ssh.progress_timeout_s): 0 messages left gw2 so far, 20 still there; it stays draining" "$out"
"$B/mailnoc" undrain gw2 --yes >/dev/null
draining=""

expect_eq "no sshd session of the lab is left stopped" "" \
	"$(ps -eo stat=,ppid= | awk -v p="$(cat "$LAB/run/sshd.pid")" '$2 == p && $1 ~ /^T/')"

finish
