#!/bin/sh
# What the console asks is what it does: a queue action typed with its own
# message or --dry-run acts on exactly that (not on the cursor's row); a
# queue question answered n is forgotten, so a later y to another view's
# question never runs it; a restore typed with --dry-run restores nothing.
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
D3=$(date -d "$(date +%Y-%m-%d) - 3 days" +%Y-%m-%d)

before_folders=$(folders)
cleanup() {
	tui_stop
	folders_forget "$before_folders"
	queues_clear
	tests/lab/agents stop >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tests/lab/agents start >/dev/null
queues_clear
tests/lab/traffic --gw gw2 --from-ip 127.0.1.20 -n 3 --to-domain dead.test >/dev/null
for i in $(seq 100); do
	[ "$(count_in gw2 deferred)" = 3 ] && break
	sleep 0.2
done
ids=$(pq gw2 | jq -r .queue_id | sort)
ONE=$(echo "$ids" | sed -n 1p)

tui_start 100 24
expect_screen "the console is up" "mailnoc | Overview" 10
tui_keys 3
expect_screen "the queues view lists the three messages" "3 of 3 messages" 15

# --- a typed --dry-run deletes nothing
tui_keys : "queue delete gw2:$ONE --dry-run" Enter
expect_screen "a typed dry run says so in its question" "dry run (nothing will change)" 5
tui_keys y Enter
expect_screen "and says what it would do" "dry run" 15
sleep 1
expect_eq "all three are still queued" 3 "$(count_in gw2 deferred)"

# --- a typed message is the one acted on, whatever the cursor is on
tui_keys : "queue hold gw2:$ONE" Enter
expect_screen "the typed action is asked as typed" "queue hold gw2:$ONE" 5
tui_keys y Enter
for i in $(seq 50); do
	[ "$(count_in gw2 hold)" = 1 ] && break
	sleep 0.2
done
expect_eq "exactly the typed message is on hold" "$ONE" \
	"$(pq gw2 | jq -r 'select(.queue_name == "hold") | .queue_id')"

# --- a declined queue question is forgotten
tui_keys 3
expect_screen "back in the queues view" "mailnoc | Queues" 5
tui_keys D
expect_screen "D asks before deleting" "delete 1 message" 5
tui_keys n Enter
expect_screen "n: nothing" "not confirmed; nothing was done" 5
# The restore's listing arrives while the queues view is shown again: it
# must not raise its question there (a y would once have run the queue's).
tui_keys : "restore alice --date $D3" Enter 3
expect_screen "the listing arrives and only says where it is" \
	"the backups of alice are listed in the restore view" 30
tui_keys y
sleep 1
expect_eq "a stray y did nothing: still 3 messages on gw2" 3 \
	"$(pq gw2 | jq -r .queue_id | wc -l)"
tui_keys R
expect_screen "the restore view, its cursor on that backup" "mailnoc | Restore" 5
tui_keys Enter
expect_screen "Enter asks about the backup" "restore alice from $D3 into" 10
tui_keys y Enter
expect_screen "y restores, nothing else" "restored 13 messages" 30
expect_eq "and the declined delete did not run: still 3 messages on gw2" 3 \
	"$(pq gw2 | jq -r .queue_id | wc -l)"

# --- a typed restore --dry-run restores nothing
n_before=$(folders | wc -l)
tui_keys : "restore alice --date $D3 --dry-run" Enter
expect_screen "a restore dry run says so in its question" "dry run (nothing will change)" 5
tui_keys y Enter
expect_screen "and what it would run" "dry run: would restore alice" 15
sleep 1
expect_eq "no new Restored folder" "$n_before" "$(folders | wc -l)"

tui_keys Escape q
expect_screen "q quits" "EXITED 0" 15
finish
