#!/bin/sh
# The restore view as an operator uses it: R opens it, u types a user (a bad
# one is refused on the status line), the backups show with their age and a
# 30-day-old one is listed but refused with the reason, the nights missing
# from the 28-day window are named, Enter on the one of
# 3 days ago shows the preview and asks, y restores, the result shows the
# folder and 13 messages; doveadm agrees and INBOX is unchanged. The view's
# restore runs through the one flow: its audit record is batch mode's.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
day() { date -d "$(date +%Y-%m-%d) - $1 days" +%Y-%m-%d; }
# msgs FOLDER: messages in FOLDER and its children (not its -N siblings)
msgs() {
	dove mailbox status -u alice messages "$1*" 2>/dev/null |
		awk -v f="$1" '{ n = $NF; sub(/^messages=/, "", n); name = $0
			sub(/ messages=[0-9]+$/, "", name)
			if (name == f || index(name, f "/") == 1) t += n }
			END { print t + 0 }'
}
inbox() { dove mailbox status -u alice messages INBOX | sed 's/.*messages=//'; }
D3=$(day 3)
D30=$(day 30)

# The cluster state comes from the agents' heartbeats; stop only ours.
started=""
for n in mbx1 mbx2; do
	tests/lab/agents status "$n" >/dev/null 2>&1 || started="$started $n"
done
before_folders=$(folders)
cleanup() {
	tui_stop
	folders_forget "$before_folders"
	[ -z "$started" ] || tests/lab/agents stop $started >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tests/lab/agents start mbx1 mbx2 >/dev/null
before=$(inbox)

# The console; once it quits and is told, batch mode in the same pane
# (the same terminal, so the audit records' tty is the same).
T=$(mktemp -d)
tui_then_batch 80 24 "$T" \
	"$MAILNOC_BIN/mailnoc restore alice --date $D3 --node mbx1 --yes"
expect_screen "the console is up" "mailnoc | Overview" 10
wait_gone "connecting to redis" 10
tui_keys R
expect_screen "R opens the restore view" "mailnoc | Restore" 5
expect_screen "which says how to start" "u types the user" 3
expect_screen "and names its keys" "u user  Enter restore  x cancel"

tui_keys u
expect_screen "u opens the prompt for a user" "backups>" 3
tui_keys "a/b" Enter
expect_screen "a user with / is refused on the status line" \
	"backups: user 'a/b' is not accepted: use 1-64 letters" 3

tui_keys u alice Enter
expect_screen "alice's backups are listed from the active node" \
	"backups of alice on mbx1" 10
expect_screen "with the date, age and messages of 3 days ago" \
	"$D3    3d       13 yes" 5
expect_screen "a 30-day-old backup is shown, not restorable, with why" \
	"$D30   30d       40 no: it is older than 28 days" 3
# The lab's backups miss nights on purpose: 18 of the last 28, newest first.
expect_screen "the nights missing from the window are shown" \
	" 18 nights missing in the last 28: $(day 4), $(day 6), $(day 8)," 3

# The 30-day-old one: Enter says why not, and asks nothing.
tui_keys / "$D30" Enter
expect_screen "the filter leaves its row" "filter: $D30" 3
tui_keys Enter
expect_screen "Enter on it refuses with the reason" \
	"restore: the backup of $D30 is 30 days old: it is older than 28" 3
check "and asks nothing" sh -c '! tmux -L "$1" capture-pane -p -t "$1" | grep -q "y/N"' \
	- "$E2E_SESSION"

# Nothing runs: cancel is refused, saying so, and asks nothing.
tui_keys : cancel Enter
expect_screen ":cancel with no restore running is refused" \
	"cancel: no restore is running here" 3

t0=$(($(date +%s) * 1000 - 1000))
tui_keys / C-u "$D3" Enter
expect_screen "the filter leaves the row of 3 days ago" "filter: $D3" 3
tui_keys Enter
expect_screen "Enter on the backup of 3 days ago asks" \
	"restore alice from $D3 into Restored-$D3? y/N" 5
expect_screen "with the preview: user, node, date, age, messages" \
	"restore  user alice   node mbx1   backup $D3 (3 days old, 13 messages)" 3
expect_screen "and the new folder" "into the new folder Restored-$D3; live mail is not touched" 3
tui_keys y Enter
expect_screen "y restores: the result names the count and the folder" \
	"restored 13 messages into Restored-$D3 on mbx1 in" 20
expect_screen "from the backup of 3 days ago" "from the backup of $D3; mail clients show" 3
expect_eq "doveadm counts 13 messages in Restored-$D3" 13 "$(msgs "Restored-$D3")"
expect_eq "INBOX unchanged ($before before, same after)" "$before" "$(inbox)"

# Esc clears the result; q quits.
tui_keys Escape
wait_gone "restored 13 messages" 3 || true
check "Esc clears the result" sh -c '! tmux -L "$1" capture-pane -p -t "$1" | grep -q "restored 13 messages"' \
	- "$E2E_SESSION"
tui_keys Escape q
expect_screen "q quits" "EXITED 0" 15

# The one path: the view's restore left the record batch mode leaves for
# the same restore in the same pane (into the same folder, so the first
# one goes first), apart from when and via.
dove mailbox delete -u alice -r -s "Restored-$D3" >/dev/null 2>&1
touch "$T/go"
expect_screen "batch mode's restore ends" "BATCH 0" 30
recs=$("$MAILNOC_BIN/mailnoc" audit --json --limit 50 | jq -c \
	--arg c "restore alice --date $D3" --argjson t0 "$t0" \
	'[.[] | select(.at >= $t0 and (.cmd | startswith($c)))] | reverse')
expect_eq "two restore records" 2 "$(echo "$recs" | jq length)"
expect_eq "the view's, then batch mode's" '["console","batch"]' \
	"$(echo "$recs" | jq -c 'map(.via)')"
expect_eq "the command, word for word" \
	"restore alice --date $D3 --node mbx1 --yes" \
	"$(echo "$recs" | jq -r '.[0].cmd')"
records_alike two "$recs"

finish
