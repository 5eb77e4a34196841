#!/bin/sh
# Mailbox restore against the lab's Dovecot nodes: backups listing, restore
# into a new folder with live mail untouched, a second restore of the same
# date, the 28-day window, failover to mbx2, and bad input that never
# reaches a node. Every remote command goes through a recording canary.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
CFG0=$MAILNOC_CONFIG
CAN=$LAB/restore-canary
CALLS=$CAN/calls
NOROOT_SUDOERS=/etc/sudoers.d/mailnoc-lab-$(printf '%s' "$LAB" | cksum | cut -d' ' -f1)-noroot

day() { date -d "$(date +%Y-%m-%d) - $1 days" +%Y-%m-%d; }
dove() { n=$1; shift; doveadm -c "$LAB/$n/dovecot.conf" "$@"; }
# msgs NODE USER FOLDER: messages in FOLDER and its children (not -N siblings)
msgs() {
	dove "$1" mailbox status -u "$2" messages "$3*" 2>/dev/null |
		awk -v f="$3" '{ n = $NF; sub(/^messages=/, "", n); name = $0
			sub(/ messages=[0-9]+$/, "", name)
			if (name == f || index(name, f "/") == 1) t += n }
			END { print t + 0 }'
}
inbox() { dove "$1" mailbox status -u "$2" messages INBOX | sed 's/.*messages=//'; }
ncalls() { wc -l < "$CALLS" | tr -d ' '; }

# The canary: a key whose every command is recorded, then run.
rm -rf "$CAN"
install -d -m 755 "$CAN"
: > "$CALLS"
# The forced command runs as the lab's SSH user (mailnoc), which records.
chmod 666 "$CALLS"
cat > "$CAN/record" <<EOF
#!/bin/sh
printf '%s\n' "\$SSH_ORIGINAL_COMMAND" >> "$CALLS"
exec /bin/sh -c "\$SSH_ORIGINAL_COMMAND"
EOF
ssh_forced_key "$CAN" "$CAN/record" mailnoc-restore-canary
jq --arg k "$CAN/id_ed25519" '.ssh.key_file = $k' "$CFG0" > "$CAN/mailnoc.json"
MAILNOC_CONFIG=$CAN/mailnoc.json
export MAILNOC_CONFIG

# Agents: the cluster state comes from their heartbeats. Only the ones this
# test starts are stopped at the end.
started=""
for n in mbx1 mbx2; do
	tests/lab/agents status "$n" >/dev/null 2>&1 || started="$started $n"
done
cleanup() {
	for n in mbx1 mbx2; do
		for u in alice bob; do
			dove "$n" mailbox list -u "$u" 'Restored-*' 2>/dev/null |
				grep -v / | while read -r f; do
				dove "$n" mailbox delete -u "$u" -r -s "$f" >/dev/null 2>&1
			done
			rm -rf "$LAB/$n/mail/$u/.mailnoc-restore"
		done
	done
	rm -f "$NOROOT_SUDOERS"
	ssh_forced_key_undo "$CAN"
	[ "$(tr -d ' \n' < "$LAB/mbx2/role")" = active ] &&
		tests/lab/failover mbx >/dev/null 2>&1
	[ -z "$started" ] || tests/lab/agents stop $started >/dev/null 2>&1
	case "$started" in
	*mbx1*) ;;
	*) tests/lab/agents start mbx1 >/dev/null 2>&1 ;;
	esac
	rm -rf "$CAN"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tests/lab/agents start mbx1 mbx2 >/dev/null

D3=$(day 3)
D4=$(day 4)
D28=$(day 28)
D29=$(day 29)
D30=$(day 30)

# backups: every lab date, its age, base + N messages, restorable within 28.
out=$("$B/mailnoc" backups alice --json)
expect_eq "backups alice --json exits 0" 0 $?
want=""
for n in 1 2 3 5 7 10 14 21 27 28 29 30 35; do
	r=true
	[ "$n" -gt 28 ] && r=false
	want="$want$(day "$n") $n $((10 + n)) $r
"
done
expect_eq "backups lists the lab's dates, ages, counts and restorable flags" \
	"$(printf '%s' "$want")" \
	"$(echo "$out" | jq -r '.backups[] | "\(.date) \(.age_days) \(.messages) \(.restorable)"')"
expect_eq "it ran on the active node" mbx1 "$(echo "$out" | jq -r .node)"
expect_contains "a refused backup says why" "older than 28 days" \
	"$(echo "$out" | jq -r '.backups[] | select(.age_days == 29) | .reason')"
missing=""
for n in $(seq 1 28); do
	case " 1 2 3 5 7 10 14 21 27 28 " in *" $n "*) ;; *) missing="$missing $(day "$n")" ;; esac
done
expect_eq "the nights missing from the 28-day window, newest first" \
	"$missing" "$(echo "$out" | jq -r '.missing[]' | sed 's/^/ /' | tr -d '\n')"
out=$("$B/mailnoc" backups alice)
expect_contains "the text listing marks 29 days not restorable" \
	"$D29    29d        39  no: " "$out"
expect_contains "and names the nights missing" \
	"18 nights missing in the last 28: $(day 4), $(day 6), $(day 8), $(day 9)," "$out"

# Restore alice from 3 days ago: a new folder with exactly that backup.
before=$(inbox mbx1 alice)
out=$("$B/mailnoc" restore alice --date "$D3" </dev/null 2>&1)
expect_eq "without --yes and no terminal: refused" 2 $?
expect_contains "after the preview" "into the new folder Restored-$D3" "$out"
expect_eq "and no folder was made" "" "$(dove mbx1 mailbox list -u alice "Restored-*")"
probes=$(grep -c "restore-mailbox' probe " "$CALLS")
out=$("$B/mailnoc" restore alice --date "$D3" --yes --json)
expect_eq "restore --yes exits 0" 0 $?
expect_eq "the result names the folder and the count" "mbx1 Restored-$D3 13 13" \
	"$(echo "$out" | jq -r '"\(.node) \(.folder) \(.messages) \(.backup_messages)"')"
expect_eq "doveadm counts 13 messages in Restored-$D3" 13 "$(msgs mbx1 alice "Restored-$D3")"
expect_eq "INBOX untouched ($before before, same after)" "$before" "$(inbox mbx1 alice)"
expect_eq "the restored messages are the backup's, by subject" \
	"$(seq 1 13 | sed "s/.*/Backup $D3 message & of 13 for alice/" | sort)" \
	"$(dove mbx1 fetch -u alice hdr.subject mailbox "Restored-$D3/INBOX" all 2>/dev/null |
		sed -n 's/^hdr.subject: //p' | sort)"
expect_eq "nothing was written into the backup" "" \
	"$(find "$LAB/mbx1/backup/$D3/alice" -name 'dovecot*')"
out=$("$B/mailnoc" restore alice --date "$D3" --yes)
expect_eq "a second restore of the same date exits 0" 0 $?
expect_contains "into a distinct folder" "into Restored-$D3-2 on mbx1" "$out"
expect_eq "Restored-$D3-2 holds 13" 13 "$(msgs mbx1 alice "Restored-$D3-2")"
expect_eq "Restored-$D3 still holds 13" 13 "$(msgs mbx1 alice "Restored-$D3")"
expect_eq "INBOX still untouched" "$before" "$(inbox mbx1 alice)"

# The window's edges: 28 days is restored, 29 and 30 are refused.
out=$("$B/mailnoc" restore bob --date "$D28" --yes --json)
expect_eq "28 days old: restored, 20 + 28 messages" "0 48" "$? $(echo "$out" | jq -r .messages)"
n0=$(ncalls)
out=$("$B/mailnoc" restore alice --date "$D30" --yes 2>&1)
expect_eq "30 days old: refused with exit 2" 2 $?
expect_eq "in one line" "mailnoc: restore: $D30 is 30 days old; only backups of the last 28 days are restored; nothing was run" "$out"
"$B/mailnoc" restore alice --date "$D29" --yes >/dev/null 2>&1
expect_eq "29 days old: refused" 2 $?
expect_eq "neither reached a node" "$n0" "$(ncalls)"

# --latest takes the newest backup; --dry-run shows the commands, runs none.
out=$("$B/mailnoc" restore carol --latest --dry-run)
expect_contains "dry run of --latest names the probe" "probe: sudo -n '$LAB/lib/restore-mailbox' probe '$LAB/mbx1/dovecot.conf' '$LAB/mbx1/backup' 'carol'" "$out"
out=$("$B/mailnoc" restore carol --date "$D3" --dry-run --json)
expect_contains "dry run shows the exact import" \
	"sudo -n '$LAB/lib/restore-mailbox' restore '$LAB/mbx1/dovecot.conf' '$LAB/mbx1/backup' 'carol' '$D3' 'Restored-$D3'" \
	"$(echo "$out" | jq -r '.commands[1]')"
expect_eq "dry runs reached no node" "$n0" "$(ncalls)"
expect_eq "and made no folder" "" "$(dove mbx1 mailbox list -u carol 'Restored-*')"

# Bad input: one line each, nothing run on the node.
canary=/tmp/mailnoc-restore-canary-$$
rm -f "$canary"
refused() {   # DESCRIPTION ARGS...: restore ARGS --yes exits 2 in one line
	desc=$1
	shift
	out=$("$B/mailnoc" restore "$@" --yes 2>&1)
	expect_eq "refused with exit 2: $desc" 2 $?
	expect_eq "in one line: $desc" 1 "$(printf '%s\n' "$out" | wc -l)"
}
refused "a user with /" a/b --date "$D3"
refused "the user .." .. --date "$D3"
refused "a user with ..' in it" a..b --date "$D3"
refused "a user with a single quote" "al'ice" --date "$D3"
refused "a user with a double quote" 'al"ice' --date "$D3"
refused "a user with a space" "al ice" --date "$D3"
refused "a user with a leading -" -alice --date "$D3"
refused "an empty user" "" --date "$D3"
refused "a user with a newline" "alice
bob" --date "$D3"
refused "a user with ;" "alice;touch $canary" --date "$D3"
refused "a user with \$()" "\$(touch $canary)" --date "$D3"
refused "a date that does not exist" alice --date 2026-02-30
refused "a date in the future" alice --date "$(date -d "$(date +%Y-%m-%d) + 1 day" +%Y-%m-%d)"
refused "a date with a quote" alice --date "$D3';touch $canary'"
refused "a date 29 days old" alice --date "$D29"
refused "a gateway as node" alice --date "$D3" --node gw1
refused "an unknown node" alice --date "$D3" --node mbx9
refused "no date at all" alice
refused "--date and --latest" alice --date "$D3" --latest
out=$("$B/mailnoc" backups 'a/b' 2>&1)
expect_eq "backups refuses a/b" 2 $?
out=$("$B/mailnoc" backups alice --node gw1 2>&1)
expect_eq "backups refuses a gateway" "2 mailnoc: backups: 'gw1' is a gateway, not a mailbox node; nothing was run" "$? $out"
out=$("$B/mailnoc" restore alice --date "$D3" --node mbx2 --yes 2>&1)
expect_eq "the standby is refused" 1 $?
expect_contains "naming the active node" "restores run on mbx1" "$out"
expect_eq "none of these reached a node" "$n0" "$(ncalls)"
check "the canary file never appeared" test ! -e "$canary"

# Refused on the node by the read-only probe, before any import.
out=$("$B/mailnoc" restore zed --date "$D3" --yes 2>&1)
expect_eq "an unknown user: exit 2, one line" "2 mailnoc: restore: unknown user 'zed' on mbx1; nothing was restored" "$? $out"
out=$("$B/mailnoc" restore alice --date "$D4" --yes 2>&1)
expect_eq "a date without a backup: exit 2" 2 $?
expect_contains "listing the restorable ones" "alice has no backup of $D4 on mbx1 (restorable: $(day 1), $(day 2), $D3," "$out"
jq --arg r "$LAB/mbx1/no-such-backups" \
	'.nodes |= map(if .name == "mbx1" then .backup_root = $r else . end)' \
	"$MAILNOC_CONFIG" > "$CAN/noroot.json"
# The node's sudoers allows that root too: what is missing is the directory.
"$B/mailnoc" --config "$CAN/noroot.json" sudoers --node mbx1 > "$CAN/sudoers"
install -m 440 "$CAN/sudoers" "$NOROOT_SUDOERS"
out=$("$B/mailnoc" --config "$CAN/noroot.json" restore alice --date "$D3" --yes 2>&1)
expect_eq "a missing backup root: exit 1" 1 $?
expect_contains "saying so" "the backup root '$LAB/mbx1/no-such-backups' is missing" "$out"
rm -f "$NOROOT_SUDOERS"
expect_eq "these three ran one command each, with --yes the checks and the import in one" \
	3 "$(($(ncalls) - n0))"
expect_eq "each of them was that one command" 3 \
	"$(tail -n 3 "$CALLS" | grep -c "^sudo -n '[^']*/restore-mailbox' probe-restore '[^']*' '[^']*' '[^']*' '[^']*' '[^']*'$")"
# Without --yes the probe runs alone and nothing is asked of doveadm import.
n1=$(ncalls)
"$B/mailnoc" restore zed --date "$D3" </dev/null >/dev/null 2>&1
expect_eq "without --yes: an unknown user is refused by the read-only probe" \
	"2 1 0" "$? $(($(ncalls) - n1)) $(tail -n 1 "$CALLS" | grep -c import)"
expect_eq "no folder for bob beyond the 28-day restore" "Restored-$D28" \
	"$(dove mbx1 mailbox list -u bob 'Restored-*' | grep -v /)"

# Never a sync or a doveadm backup: they write into their source. Every
# mailbox command is the node's restore script, which runs only import,
# user, mailbox list/path/status.
expect_eq "every mailbox command is the restore script" "" \
	"$(grep -v -e postqueue -e postsuper -e '^true$' "$CALLS" |
		grep -v "^sudo -n '$LAB/lib/restore-mailbox' \(probe\|restore\|probe-restore\|status\) ")"
expect_eq "the script syncs nothing" "" \
	"$(grep -n -E '(doveadm|dv)[^;]* (sync|backup) ' "$LAB/lib/restore-mailbox")"
expect_eq "and imports only into the folder it was given or chose" \
	"$(printf '%s\n' 'dv import -u "$user" -s "maildir:$1:INDEX=MEMORY:CONTROL=~/.mailnoc-restore/$2" "$3" all' \
		'import "$root/$date/$user/Maildir" "$date" "$folder"' 'import "$m" "$b" "$f"')" \
	"$(grep -o -e 'dv import .* all' -e '^	import .*' "$LAB/lib/restore-mailbox" | sed 's/^	//')"
expect_eq "every import call names a Restored- folder" "" \
	"$(grep "restore-mailbox' restore " "$CALLS" | grep -v " 'Restored-[0-9-]*'$")"
expect_eq "restores with --yes ran no probe: one SSH command each" \
	$((probes + 1)) "$(grep -c "restore-mailbox' probe " "$CALLS")"

# Failover: mbx1's agent stops, the cluster moves to mbx2, restores follow.
tests/lab/agents stop mbx1 >/dev/null
tests/lab/failover mbx >/dev/null
for i in $(seq 60); do
	st=$("$B/mailnoc" nodes --json | jq -r '[.[] | select(.name | test("^mbx")) | "\(.name)=\(.alive)/\(.reported_state)"] | join(" ")')
	[ "$st" = "mbx1=false/active mbx2=true/active" ] && break
	sleep 0.5
done
expect_eq "mbx1 silent, mbx2 active" "mbx1=false/active mbx2=true/active" "$st"
before2=$(inbox mbx2 alice)
out=$("$B/mailnoc" restore alice --date "$D3" --yes --json)
expect_eq "the restore runs on mbx2" "0 mbx2 Restored-$D3 13" \
	"$? $(echo "$out" | jq -r '"\(.node) \(.folder) \(.messages)"')"
expect_eq "mbx2 has the folder" 13 "$(msgs mbx2 alice "Restored-$D3")"
expect_eq "mbx2's INBOX untouched" "$before2" "$(inbox mbx2 alice)"
expect_eq "mbx1 got no third folder" 0 \
	"$(dove mbx1 mailbox list -u alice 'Restored-*' | grep -c -x "Restored-$D3-3")"
out=$("$B/mailnoc" restore alice --date "$D3" --node mbx1 --yes 2>&1)
expect_eq "--node mbx1 is refused now" 1 $?
expect_contains "with the reason" "cluster 'mbx'" "$out"

finish
