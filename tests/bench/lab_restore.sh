#!/bin/sh
# Mailbox restore at scale, from one run on the lab: a backup of 10,000
# messages restored with `mailnoc restore` against the same doveadm import
# run by hand over the same sshd (ssh node "doveadm import ..."). Both pay
# one SSH connection and one command: with --yes mailnoc's one command does
# the probe's checks, the import and the count after it (plus a Redis read
# for the cluster state). Goal: ratio <= 1.05.
#
# The backup is a backup of today for carol on mbx1 (the lab's userdb knows
# only alice, bob and carol, and has no backup of today), written here and
# removed at the end with every folder the runs made.
#
# Environment: MAILNOC_BIN (default build), the lab's MAILNOC_LAB_DIR and
# LAB_*_PORT variables (so it also runs on an isolated lab), and
#   BENCH_RESTORE_MESSAGES  messages in the backup (default 10000)
#   BENCH_RESTORE_RUNS      timed runs of each, the median is shown (default 3)
# A lab that was up before is left up; else it is torn down at the end.
set -u
B=${MAILNOC_BIN:-build}
N=${BENCH_RESTORE_MESSAGES:-10000}
RUNS=${BENCH_RESTORE_RUNS:-3}
U=carol
NODE=mbx1

# shellcheck source=../lab/ports
. tests/lab/ports
# shellcheck source=lib.sh
. tests/bench/lib.sh
LAB=${MAILNOC_LAB_DIR:-/tmp/mailnoc-lab}
was_up=0
[ -f "$LAB/.up-complete" ] && was_up=1
out=$(tests/lab/up 2>&1) || { echo "$out"; echo "bench: the lab did not come up"; exit 1; }
MAILNOC_CONFIG=$(echo "$out" | sed -n 's/^MAILNOC_CONFIG=//p' | tail -n 1)
export MAILNOC_CONFIG
LAB=$(dirname "$MAILNOC_CONFIG")
CONF=$LAB/$NODE/dovecot.conf
TODAY=$(date +%Y-%m-%d)
BACKUP=$LAB/$NODE/backup/$TODAY
MD=$BACKUP/$U/Maildir
HOMEDIR=$LAB/$NODE/mail/$U

started=""
tests/lab/agents status mbx1 >/dev/null 2>&1 || started="$started mbx1"
tests/lab/agents status mbx2 >/dev/null 2>&1 || started="$started mbx2"

dove() { doveadm -c "$CONF" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
# By hand is as the console: the lab's user mailnoc through sudo, here with
# a drop-in of the bench's own for doveadm (removed at the end).
BENCH_SUDOERS=/etc/sudoers.d/mailnoc-lab-$(printf '%s' "$LAB" | cksum | cut -d' ' -f1)-bench
# drop_folders PATTERN: deletes carol's folders matching it, and the control
# files of the import, so that every run starts alike.
drop_folders() {
	dove mailbox list -u "$U" "$1" 2>/dev/null | grep -v / | while read -r f; do
		dove mailbox delete -u "$U" -r -s "$f" >/dev/null 2>&1
	done
	rm -rf "$HOMEDIR/.mailnoc-restore"
}
cleanup() {
	drop_folders "Restored-$TODAY*"
	drop_folders "Bench-Hand-*"
	rm -rf "$BACKUP"
	rm -f "$BENCH_SUDOERS"
	[ -z "$started" ] || tests/lab/agents stop $started >/dev/null 2>&1
	[ "$was_up" = 1 ] || tests/lab/down >/dev/null 2>&1
}
[ ! -e "$BACKUP" ] || { echo "bench: $BACKUP exists already; not touching it"; exit 1; }
trap cleanup EXIT
trap 'exit 130' INT TERM
tests/lab/agents start mbx1 mbx2 >/dev/null || { echo "bench: agents did not start"; exit 1; }

# ---------------------------------------------------------------- the backup
t0=$(now_ms)
install -d "$MD/cur" "$MD/new" "$MD/tmp"
epoch=$(date +%s)
# One small message per file, named as Maildir wants, flag S like the lab's.
awk -v n="$N" -v dir="$MD/cur" -v e="$epoch" -v u="$U" -v d="$TODAY" 'BEGIN {
	for (i = 1; i <= n; i++) {
		body = sprintf("From: sender%d@agency.test\nTo: %s@lab.mailnoc.test\n" \
		    "Subject: Bench %s message %d of %d for %s\n" \
		    "Message-ID: <bench-%s-%d@lab.mailnoc.test>\n" \
		    "Date: Thu, 01 Jan 2026 00:00:00 +0000\n\nmessage %d\n",
		    i, u, d, i, n, u, d, i, i)
		f = sprintf("%s/%d.M%dP1.bench,S=%d:2,S", dir, e - i, i, length(body))
		printf "%s", body > f
		close(f)
	}
}'
chown -R mail:mail "$BACKUP"
echo "backup of $N messages for $U on $NODE ($TODAY): written in $(secs $(($(now_ms) - t0)))"
got=$("$B/mailnoc" backups "$U" --json | jq -r --arg d "$TODAY" '.backups[] | select(.date == $d) | .messages')
[ "$got" = "$N" ] || { echo "bench: mailnoc backups sees $got messages, not $N"; exit 1; }

echo "mailnoc ALL=(root) NOPASSWD: $(command -v doveadm)" > "$BENCH_SUDOERS.tmp"
chmod 440 "$BENCH_SUDOERS.tmp" && mv "$BENCH_SUDOERS.tmp" "$BENCH_SUDOERS"
HAND="sudo -n doveadm -c '$CONF' import -u '$U' -s 'maildir:$MD:INDEX=MEMORY:CONTROL=~/.mailnoc-restore/$TODAY'"
# Warm the page cache once, untimed, so that neither side pays for it.
lab_ssh "$HAND 'Bench-Hand-0' all" || { echo "bench: the warm-up import failed"; exit 1; }
drop_folders "Bench-Hand-*"

hand_ms=""
mn_ms=""
i=1
while [ "$i" -le "$RUNS" ]; do
	t0=$(now_ms)
	lab_ssh "$HAND 'Bench-Hand-$i' all" || { echo "bench: doveadm import by hand failed"; exit 1; }
	hand_ms="$hand_ms $(($(now_ms) - t0))"
	c=$(dove mailbox status -u "$U" messages "Bench-Hand-$i/INBOX" | sed 's/.*messages=//')
	[ "$c" = "$N" ] || { echo "bench: by hand: $c messages, not $N"; exit 1; }
	drop_folders "Bench-Hand-*"

	t0=$(now_ms)
	out=$("$B/mailnoc" restore "$U" --date "$TODAY" --yes --json) ||
		{ echo "bench: mailnoc restore failed"; exit 1; }
	mn_ms="$mn_ms $(($(now_ms) - t0))"
	c=$(echo "$out" | jq -r .messages)
	[ "$c" = "$N" ] || { echo "bench: mailnoc restore reports $c messages, not $N"; exit 1; }
	drop_folders "Restored-$TODAY*"
	i=$((i + 1))
done
h=$(echo "$hand_ms" | tr ' ' '\n' | grep . | median)
m=$(echo "$mn_ms" | tr ' ' '\n' | grep . | median)
echo "restore of $N messages, median of $RUNS (runs:$hand_ms ms by hand;$mn_ms ms mailnoc):"
echo "  by hand over ssh (doveadm import):        $(secs "$h")"
echo "  mailnoc restore --yes (one command):      $(secs "$m")"
echo "  ratio mailnoc / by hand:                   $(ratio "$m" "$h") (goal <= 1.05)"
