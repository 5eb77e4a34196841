#!/bin/sh
# The sudoers drop-in: the shipped one is what 'mailnoc sudoers' makes of the
# example configuration, visudo accepts it and the lab's; on the lab's node
# the SSH user mailnoc may run the console's privileged commands and nothing
# else; when sudo refuses, the console says so in one line.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
T=$LAB/t-sudoers
DROPIN=/etc/sudoers.d/mailnoc-lab-$(printf '%s' "$LAB" | cksum | cut -d' ' -f1)
rm -rf "$T"
install -d -m 755 "$T"

node() {
	ssh -n -i "$LAB/ssh/id_ed25519" -o UserKnownHostsFile="$LAB/ssh/known_hosts" \
		-o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR \
		-p "$LAB_SSH_PORT" mailnoc@127.0.0.1 "$@"
}
refused() { grep -q 'is not allowed to execute\|a password is required' "$1"; }
cleanup() {
	[ -f "$T/dropin" ] && [ ! -f "$DROPIN" ] && mv "$T/dropin" "$DROPIN"
	postsuper -c "$LAB/gw1/etc" -d ALL deferred >/dev/null 2>&1
	postsuper -c "$LAB/gw1/etc" -d ALL hold >/dev/null 2>&1
	# shellcheck disable=SC2086
	[ -z "${started:-}" ] || tests/lab/agents stop $started >/dev/null 2>&1
}
trap 'cleanup' EXIT
trap 'cleanup; exit 1' INT TERM

# ------------------------------------------------------------- the files
"$B/mailnoc" --config docs/examples/config.json sudoers > "$T/example"
expect_eq "mailnoc sudoers of the example configuration exits 0" 0 $?
check "debian/mailnocd.sudoers is that drop-in (regenerate it when a template changes)" \
	cmp -s "$T/example" debian/mailnocd.sudoers
check "visudo -c accepts the shipped drop-in" visudo -c -q -f debian/mailnocd.sudoers
check "visudo -c accepts the lab's" visudo -c -q -f "$DROPIN"
check "and the whole sudoers configuration" visudo -c -q
check "the lab's drop-in is the generator's for the lab's configuration" \
	sh -c "'$B/mailnoc' sudoers | cmp -s - '$DROPIN'"
check "it names only the user mailnoc" \
	sh -c "! grep -v '^#' '$DROPIN' | grep -v '^Defaults:mailnoc ' | grep -qv '^mailnoc ALL=(root) NOPASSWD: /'"
out=$("$B/mailnoc" sudoers --node nosuch 2>&1)
expect_eq "an unknown node: exit 2" 2 $?
expect_contains "naming it" "no node 'nosuch' in the configuration" "$out"
jq '.mailbox.templates.status = "doveadm -c {config} mailbox status -u {user} messages {folder} | head"' \
	"$MAILNOC_CONFIG" > "$T/piped.json"
out=$("$B/mailnoc" --config "$T/piped.json" sudoers 2>&1)
expect_eq "a template that is not one simple command: exit 2" 2 $?
expect_contains "saying why" "cannot be allowed in sudoers: it has a shell operator or glob outside quotes" "$out"

# ------------------------------------------------ on the node, as mailnoc
node "sudo -n postsuper -c $LAB/gw1/etc -d ALL" > "$T/all.out" 2>&1
check "sudo refuses postsuper -d ALL" refused "$T/all.out"
node "sudo -n /bin/sh -c id" > "$T/sh.out" 2>&1
check "sudo refuses a shell" refused "$T/sh.out"
node "sudo -n postsuper -c /etc/postfix -d -" > "$T/other.out" 2>&1 </dev/null
check "sudo refuses postsuper of another configuration" refused "$T/other.out"
node "sudo -n postcat -c $LAB/gw1/etc -h -q ABCDEF /etc/shadow" > "$T/cat.out" 2>&1
check "sudo refuses postcat with one more argument" refused "$T/cat.out"
node "sudo -n doveadm -c $LAB/mbx1/dovecot.conf user alice" > "$T/dove.out" 2>&1
check "sudo refuses doveadm outside the templates" refused "$T/dove.out"
node "sudo -n postsuper -c $LAB/gw1/etc -h - </dev/null" > "$T/hold.out" 2>&1
expect_eq "sudo runs postsuper -h - as the console sends it" \
	"postsuper: Placed on hold: 0 messages" "$(cat "$T/hold.out")"
node "id -un" > "$T/id.out" 2>&1
expect_eq "the session runs as mailnoc" mailnoc "$(cat "$T/id.out")"

# ------------------------------------------ the console, when sudo refuses
postsuper -c "$LAB/gw1/etc" -d ALL >/dev/null 2>&1
id=$(tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 1 --to-domain dead.test --ids -q)
for i in $(seq 100); do
	postqueue -c "$LAB/gw1/etc" -j | grep -q "\"queue_name\": \"deferred\"" && break
	sleep 0.2
done
mv "$DROPIN" "$T/dropin"
out=$(timeout 60 "$B/mailnoc" queue hold "gw1:$id" --yes 2>&1)
code=$?
mv "$T/dropin" "$DROPIN"
check "without the drop-in queue hold fails (exit $code), within its timeout" \
	[ "$code" -ne 0 -a "$code" -ne 124 ]
expect_contains "in one line naming the command and the drop-in" \
	"gw1: sudo refused 'postsuper -h -': add the mailnoc sudoers drop-in" "$out"
expect_eq "one line" 1 "$(printf '%s\n' "$out" | grep -c 'sudo refused')"
check "and the message is not on hold" \
	sh -c "postqueue -c '$LAB/gw1/etc' -j | jq -r .queue_name | grep -qx deferred"
out=$(timeout 60 "$B/mailnoc" queue hold "gw1:$id" --yes 2>&1)
expect_eq "with the drop-in back the hold works" 0 $?
check "and the message is on hold" \
	sh -c "postqueue -c '$LAB/gw1/etc' -j | jq -r .queue_name | grep -qx hold"
# A mailbox node whose backup root the drop-in does not name. The console
# asks the active node: the agents' heartbeats say which.
started=""
for n in mbx1 mbx2; do
	tests/lab/agents status "$n" >/dev/null 2>&1 || started="$started $n"
done
# shellcheck disable=SC2086
[ -z "$started" ] || tests/lab/agents start $started >/dev/null
jq --arg r "$LAB/mbx1/other-backups" \
	'.nodes |= map(if .name == "mbx1" then .backup_root = $r else . end)' \
	"$MAILNOC_CONFIG" > "$T/other-root.json"
out=$(timeout 60 "$B/mailnoc" --config "$T/other-root.json" backups alice 2>&1)
check "a mailbox command sudo refuses fails" [ $? -ne 0 ]
expect_contains "naming the probe and the drop-in" \
	"mbx1: sudo refused 'restore-mailbox probe': add the mailnoc sudoers drop-in" "$out"

# ------------------------------------------- the restore script, no wildcard
# The restore nobody confirms (--yes) used to be a shell line matched by a
# sudoers wildcard: the user's value could be anything. Now every mailbox
# line is the node's restore script with a regular expression per argument.
for f in debian/mailnocd.sudoers "$DROPIN"; do
	check "$f: every line a regular expression (no sudoers wildcard)" \
		sh -c "! grep '^mailnoc ALL=' '$f' | grep -v 'NOPASSWD: /[^ ]* ^.*\\$\$'"
	check "$f: no shell" sh -c "! grep -q -e '/bin/sh' -e 'mailnoc-restore' '$f'"
done
check "the --yes restore is the script with its argument shape" \
	grep -qxF "mailnoc ALL=(root) NOPASSWD: $LAB/lib/restore-mailbox ^probe-restore $(echo "$LAB" | sed 's/\./\\./g')/mbx1/dovecot\\.conf $LAB/mbx1/backup [A-Za-z0-9@+_][A-Za-z0-9.@+_-]* [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{4}-[0-9]{2}-[0-9]{2}\$" "$DROPIN"
D=$(date +%Y-%m-%d)
node "sudo -n $LAB/lib/restore-mailbox probe-restore $LAB/mbx1/dovecot.conf $LAB/mbx1/backup 'alice /etc/shadow' $D $D" \
	> "$T/space.out" 2>&1
check "sudo refuses the script with a value that is two words" refused "$T/space.out"
node "sudo -n $LAB/lib/restore-mailbox probe-restore $LAB/mbx1/dovecot.conf /etc alice $D $D" \
	> "$T/root.out" 2>&1
check "and with another backup root" refused "$T/root.out"
node "sudo -n /bin/sh -c 'exit 0' mailnoc-restore $LAB/mbx1/dovecot.conf $LAB/mbx1/backup alice $D $D" \
	> "$T/oldform.out" 2>&1
check "and the old shell form of the --yes restore" refused "$T/oldform.out"
# The script checks its arguments itself (run here as root, as sudo would).
for args in "probe-restore - $LAB/mbx1/backup -alice $D $D" \
	"probe-restore - $LAB/mbx1/backup alice $D ../$D" \
	"restore - $LAB/mbx1/backup alice $D Restored-$D-1" \
	"status - alice INBOX" "probe - relative alice" \
	"probe - $LAB/mbx1/backup/.. alice" "probe - $LAB/mbx1/backup" \
	"rm - $LAB/mbx1/backup alice"; do
	# shellcheck disable=SC2086
	out=$("$LAB/lib/restore-mailbox" $args 2>&1)
	expect_eq "the script refuses '$args': exit 64, one line" \
		"64 1" "$? $(printf '%s\n' "$out" | wc -l)"
done
# The console with a template outside the drop-in: one line naming it.
jq '.mailbox.templates.probe_restore = "sh -c '"'"'doveadm -c \"$1\" user -- \"$3\"'"'"' mailnoc-restore {config} {root} {user} {from} {to}"' \
	"$MAILNOC_CONFIG" > "$T/old-form.json"
out=$(timeout 60 "$B/mailnoc" --config "$T/old-form.json" restore alice --latest --yes 2>&1)
check "a restore whose command is not in the drop-in fails (exit $?)" [ -n "$out" ]
expect_contains "in one line naming the command and the drop-in" \
	"mbx1: sudo refused 'sh mailnoc-restore': add the mailnoc sudoers drop-in" "$out"
expect_eq "only that line" 1 "$(printf '%s\n' "$out" | wc -l)"
finish
