#!/bin/sh
# The backup watch against the lab: the mailbox agents report the last good
# backup (completion, size, mailboxes) from the status file the lab's backup
# tool (tests/lab/backup) leaves; a backup older than backups.max_age_s
# (26 h) raises the backup alert and `mailnoc check node` goes CRITICAL; a
# night missing in the watched window raises it too; fixing each resolves
# it. Without the status file, the newest dated directory's time counts.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the backups, the status files and the agents as it found them.
. "$(dirname "$0")/../lib.sh"
lab_env
MAILNOC_AGENT_INTERVAL=2
export MAILNOC_AGENT_INTERVAL
BACKUP=$ROOT/tests/lab/backup
WERE_RUNNING=$(agents_running)
day() { date -d "$(date +%Y-%m-%d) - $1 days" +%Y-%m-%d; }
D1=$(day 1)
D2=$(day 2)
ROOT1=$LAB/mbx1/backup

cleanup() {
	[ -d "$LAB/t-backups-$D2" ] && mv "$LAB/t-backups-$D2" "$ROOT1/$D2"
	touch "$ROOT1/$D1"
	"$BACKUP" mbx1 >/dev/null
	agents_restore "$WERE_RUNNING"
	alerts_clear
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# node_field NODE FIELD: the node hash's field.
node_field() { lcli HGET "mailnoc:node:$1" "$2"; }
# backup_alert NODE: the text of the node's active backup alert, or nothing.
backup_alert() {
	"$B/mailnoc" alerts --json | jq -r --arg s "$1" \
		'.[] | select(.kind == "backup" and .subject == $s) | .text'
}
has_backup_alert() { [ -n "$(backup_alert "$1")" ]; }
no_backup_alert() { [ -z "$(backup_alert "$1")" ]; }
done_at_is() { [ "$(node_field mbx1 backup_done_at)" = "$1" ]; }
gaps_are() { [ "$(node_field mbx1 backup_gaps)" = "$1" ]; }
result_is() { [ "$(node_field mbx1 backup_result)" = "$1" ]; }
lease_taken() { [ "$(lcli EXISTS mailnoc:alerts:lease)" = 1 ]; }
alert_says() { case "$(backup_alert "$1")" in *"$2"*) return 0 ;; esac; return 1; }

alerts_clear
"$B/mailnoc" silence listed --for 1h --reason "the lab's standing listing of gw1" \
	>/dev/null
"$BACKUP" mbx1 --completed "$(date +%s)" >/dev/null
DONE=$(sed -n 's/^completed_at=//p' "$ROOT1/status")
BYTES=$(du -sb "$ROOT1/$D1" | cut -f1)
"$AGENTS" start >/dev/null 2>&1

# --- what the agent reports, from the status file
check "mbx1's agent reports the status file's completion" wait_until 30 done_at_is "$DONE"
expect_eq "its size is the backup's (du -sb)" "$BYTES" "$(node_field mbx1 backup_bytes)"
expect_eq "3 mailboxes, result ok, no night missing, last $D1" "3 ok 0 $D1" \
	"$(node_field mbx1 backup_mailboxes) $(node_field mbx1 backup_result) $(node_field mbx1 backup_gaps) $(node_field mbx1 last_backup)"
out=$("$B/mailnoc" nodes --json | jq -c '.[] | select(.name == "mbx1") | .backup')
expect_eq "nodes --json shows them" \
	"{\"done_at\":$DONE,\"bytes\":$BYTES,\"mailboxes\":3,\"result\":\"ok\",\"gaps\":0,\"newest_gap\":null}" "$out"
check "an agent evaluates the rules" wait_until 40 lease_taken
# Two rounds of the rules (every 5 s) after the lease.
sleep 12
check "no backup alert while the backups are fine" no_backup_alert mbx1
"$B/mailnoc" check node mbx1 >/dev/null
expect_eq "check node mbx1 exits 0" 0 $?

# --- the last good backup 27 hours old
OLD=$(( $(date +%s) - 27 * 3600 ))
"$BACKUP" mbx1 --completed "$OLD" >/dev/null
check "a backup completed 27 h ago raises the backup alert" wait_until 40 has_backup_alert mbx1
expect_contains "which says how old it is and the limit" \
	"mbx1: backups: last good backup 1d 3h ago (more than 1d 2h)" "$(backup_alert mbx1)"
out=$("$B/mailnoc" check node mbx1); rc=$?
expect_eq "check node mbx1 exits 2 (CRITICAL)" 2 "$rc"
expect_contains "and says why" "last good backup 1d 3h ago" "$out"
check "mbx2's backups are fine: no alert for it" no_backup_alert mbx2
"$BACKUP" mbx1 >/dev/null
check "tonight's backup resolves it" wait_until 40 no_backup_alert mbx1

# --- a failed run: the last good one is the night before's directory
"$BACKUP" mbx1 --result failed --completed "$(date +%s)" >/dev/null
check "a failed run is reported" wait_until 30 result_is failed
expect_eq "its last good backup is $D2's directory, made by the lab's up" \
	"$(stat -c %Y "$ROOT1/$D2")" "$(node_field mbx1 backup_done_at)"
touch -d '30 hours ago' "$ROOT1/$D2"
check "that directory 30 h old raises the alert, saying the run failed" \
	wait_until 40 alert_says mbx1 "the last run failed"
touch "$ROOT1/$D2"
"$BACKUP" mbx1 >/dev/null
check "a good run resolves it" wait_until 40 no_backup_alert mbx1

# --- no status file: the newest directory's time
rm -f "$ROOT1/status"
touch -d '30 hours ago' "$ROOT1/$D1"
check "without a status file, a newest backup 30 h old raises it" wait_until 40 has_backup_alert mbx1
expect_eq "size and result are then unknown" "" \
	"$(node_field mbx1 backup_bytes)$(node_field mbx1 backup_result)"
touch "$ROOT1/$D1"
check "touching it resolves it" wait_until 40 no_backup_alert mbx1
"$BACKUP" mbx1 >/dev/null

# --- a missing night
mv "$ROOT1/$D2" "$LAB/t-backups-$D2"
check "the night of $D2 missing raises the alert" wait_until 40 has_backup_alert mbx1
expect_eq "which names it, as a warning" \
	"mbx1: backups: 1 night missing, the newest $D2 warning" \
	"$(backup_alert mbx1) $("$B/mailnoc" alerts --json | jq -r '.[] | select(.kind == "backup") | .severity')"
expect_eq "the node reports 1 gap" "1 $D2" "$(node_field mbx1 backup_gaps) $(node_field mbx1 backup_gap)"
"$B/mailnoc" check node mbx1 >/dev/null
expect_eq "check node mbx1 exits 1 (WARNING)" 1 $?
mv "$LAB/t-backups-$D2" "$ROOT1/$D2"
check "the night back resolves it" wait_until 40 no_backup_alert mbx1
check "the node reports no gap" wait_until 20 gaps_are 0

finish
