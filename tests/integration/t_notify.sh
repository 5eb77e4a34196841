#!/bin/sh
# Notices to agencies and the role mailboxes against the lab: a notice about
# a blocked IP leaves through gw1's own sendmail and arrives at the accept
# sink (which keeps what it takes in sinks/accept.d/dump) with the facts in
# its body and its Message-ID in the audit record; an agency name cannot
# add a header; an agency without a contact and a template with an unknown
# placeholder are refused. Then abuse@ and postmaster@: the active mailbox
# node's agent reports them, and reading one with doveadm changes the
# figures. Needs the lab up (with its agents started here if they are not),
# MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
. "$(dirname "$0")/../lib.sh"
lab_env
redis_env
M=$B/mailnoc
TMP=$(mktemp -d)
DUMP=$LAB/sinks/accept.d/dump
IP=192.0.2.81
TAG=n$$x$(date +%s)
RCPT="$TAG@accept.test"
WERE_RUNNING=$(agents_running)
DOVE="doveadm -c $LAB/mbx1/dovecot.conf"
uid=

# delay_restore: the lab's configuration back, the gateways' agents
# restarted with it, the test's deferred mail gone and its alert resolved.
delay_restore() {
	[ -f "$TMP/mailnoc.json.orig" ] || return 0
	cp "$TMP/mailnoc.json.orig" "$LAB/mailnoc.json"
	rm -f "$TMP/mailnoc.json.orig"
	postsuper -c "$LAB/gw1/etc" -d ALL deferred >/dev/null 2>&1
	"$AGENTS" stop >/dev/null 2>&1
	"$AGENTS" start >/dev/null 2>&1
	delay_gone() {
		! "$M" alerts --json | jq -e '.[] | select(.kind ==
			"agency-delay" and .active)' >/dev/null
	}
	wait_until 90 delay_gone || echo "# the agency-delay alert did not resolve"
}

cleanup() {
	delay_restore
	block_forget "$IP"
	agency_forget t-notice t-nocontact
	postsuper -c "$LAB/gw1/etc" -d ALL deferred >/dev/null 2>&1
	# The abuse@ message read here unread again, as the lab made it.
	[ -z "$uid" ] || $DOVE flags remove -u abuse '\Seen' mailbox INBOX \
		uid "$uid" >/dev/null 2>&1
	agents_restore "$WERE_RUNNING"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cleanup

# An agency of the test's own, its contact an address of this run only.
"$M" agency add t-notice --name "Test Notices Office" --contact \
	"Notices desk <$RCPT>, 555-0100" --domains t-notice.test --yes >/dev/null
"$M" block "$IP" --for 2h --reason "spam run seen $TAG" --yes >/dev/null
# Two of its messages deferred on gw1 (dead.test refuses connections).
"$ROOT/tests/lab/traffic" --gw gw1 -n 2 -m 1 --to-domain dead.test \
	--sender "app@mail.t-notice.test" >/dev/null
t_deferred() {
	[ "$(pq gw1 | jq -r 'select(.queue_name == "deferred") | .sender' |
		grep -c '@mail.t-notice.test$')" = 2 ]
}
check "two messages of the agency are deferred on gw1" wait_until 30 t_deferred

# --dry-run: the text with its facts, nothing sent.
out=$("$M" notify t-notice --about block --ip "$IP" --dry-run 2>&1)
expect_contains "dry run shows the subject" "Subject: Mail from $IP (Test Notices Office) is blocked" "$out"
expect_contains "dry run shows the reason" "Reason:      spam run seen $TAG" "$out"
expect_contains "dry run shows the deferred count" "Messages:    2" "$out"
expect_contains "dry run says nothing was done" "nothing was done" "$out"

# Without --yes and without a terminal: refused, nothing sent.
out=$("$M" notify t-notice --about block --ip "$IP" </dev/null 2>&1)
expect_contains "without --yes it is refused" "refusing to send this block notice" "$out"
sleep 1
check "nothing reached the sink before the yes" sh -c "! grep -q '$RCPT' '$DUMP' 2>/dev/null"

out=$("$M" notify t-notice --about block --ip "$IP" --yes 2>&1)
expect_contains "notify sends through gw1" "sent the block notice to $RCPT through gw1" "$out"
msgid=$(printf '%s\n' "$out" | sed -n 's/.*Message-ID \(<[^>]*>\).*/\1/p')
check "a Message-ID is printed" test -n "$msgid"
arrived() { grep -q "^Message-ID: $msgid" "$DUMP" 2>/dev/null; }
check "the notice arrives at the accept sink" wait_until 30 arrived
# The message as the sink took it, from its envelope to the next one.
msg=$(awk -v id="Message-ID: $msgid" -v r="X-Rcpt-Args: <$RCPT>" '
	/^X-Client-Addr:/ { if (keep) exit; buf = "" }
	{ buf = buf $0 "\n" }
	$0 == r { mine = 1 }
	$0 == id && mine { keep = 1 }
	END { if (keep) printf "%s", buf }' "$DUMP")
[ -n "$msg" ] || msg=$(cat "$DUMP")
expect_contains "to the agency's contact" "X-Rcpt-Args: <$RCPT>" "$msg"
expect_contains "from notify.from" "X-Mail-Args: <noc@lab.mailnoc.test>" "$msg"
expect_contains "the body names the IP" "Address:     $IP" "$msg"
expect_contains "the body gives the reason" "Reason:      spam run seen $TAG" "$msg"
expect_contains "the body counts the deferred mail" "Messages:    2" "$msg"
expect_contains "the body says what to do" "What to do: find and stop" "$msg"
since=$(rcli HGET "${P}block:$IP" since)
expect_contains "the body gives the block's start (UTC)" \
	"Blocked at:  $(date -u -d "@$since" '+%Y-%m-%d %H:%M UTC')" "$msg"

rec=$("$M" audit --json | jq -c --arg id "$msgid" \
	'[.[] | select(.cmd | startswith("notify t-notice"))][0]')
expect_contains "the audit record has the Message-ID" "Message-ID $msgid" "$rec"
expect_eq "the audit record names gw1" '["gw1"]' "$(printf '%s' "$rec" | jq -c .nodes)"
expect_eq "the audit record is ok" ok "$(printf '%s' "$rec" | jq -r .result)"

# A name with CR LF (written to Redis past the commands' checks) adds no
# header: the notice has one recipient and no Bcc.
rcli HSET "${P}agency:t-notice" name "Evil
Bcc: $TAG-bcc@accept.test" >/dev/null
out=$("$M" notify t-notice --about delay --yes 2>&1)
msgid2=$(printf '%s\n' "$out" | sed -n 's/.*Message-ID \(<[^>]*>\).*/\1/p')
arrived2() { grep -q "^Message-ID: $msgid2" "$DUMP" 2>/dev/null; }
check "the delay notice arrives" wait_until 30 arrived2
check "no header came from the agency's name" sh -c "! grep -q '^Bcc:' '$DUMP'"
check "no copy went to the name's Bcc" sh -c "! grep -q 'X-Rcpt-Args: <$TAG-bcc' '$DUMP'"

# --about bulk names the agency's announced job, or says none is.
out=$("$M" notify t-notice --about bulk --dry-run 2>&1)
expect_contains "a bulk notice without an announcement says so" \
	"Announced job:      none announced" "$out"
"$M" bulk announce t-notice --start +1h --end +3h --rcpts 3000 --jobs 3 \
	--note "t_notify" --yes >/dev/null 2>&1
out=$("$M" notify t-notice --about bulk --dry-run 2>&1)
expect_contains "with one, the bulk notice names it" \
	"3000 recipients in 3 jobs 10m apart" "$out"
expect_contains "and that it has not begun" "0 sent so far (not begun)" "$out"
for id in $(rcli ZRANGE "${P}bulks" 0 -1); do
	[ "$(rcli HGET "${P}bulk:$id" agency)" = t-notice ] &&
		"$M" bulk cancel "$id" --yes >/dev/null 2>&1
done

# Refusals.
"$M" agency add t-nocontact --name "No Contact" --yes >/dev/null
out=$("$M" notify t-nocontact --about delay --yes 2>&1); code=$?
expect_eq "an agency without a contact: exit 2" 2 "$code"
expect_contains "... saying so" "agency 't-nocontact' has no contact address" "$out"
"$M" agency set t-nocontact --contact "call Ann, 555-0100" --yes >/dev/null
out=$("$M" notify t-nocontact --about delay --yes 2>&1)
expect_contains "a contact with no address is no address" "(its contact is 'call Ann, 555-0100')" "$out"
out=$("$M" notify t-notice --about weather --yes 2>&1); code=$?
expect_eq "--about weather: exit 2" 2 "$code"
out=$("$M" notify t-notice --about block --yes 2>&1)
expect_contains "--about block wants --ip" "give --ip IP" "$out"
"$M" unblock "$IP" --yes >/dev/null
out=$("$M" notify t-notice --about block --ip "$IP" --yes 2>&1)
expect_contains "an IP not blocked" "'$IP' is not blocked" "$out"

mkdir -p "$TMP/tpl"
printf 'Subject: x\n\nline 3\nhello {ipaddr}\n' > "$TMP/tpl/delay.txt"
jq --arg d "$TMP/tpl" '.notify.templates = $d' "$MAILNOC_CONFIG" > "$TMP/cfg.json"
out=$("$M" -c "$TMP/cfg.json" notify t-notice --about delay --yes 2>&1); code=$?
expect_eq "a template with an unknown placeholder: exit 2" 2 "$code"
expect_contains "... naming file and line" "$TMP/tpl/delay.txt:4: unknown placeholder '{ipaddr}'" "$out"

# ---------------------------------------------------------------- substantial delay
# With notify.delay_messages 1 and delay_minutes 0 for the agents, the two deferred messages of t-notice are a substantial delay:
# gw1's agent counts them (postqueue -j, by the agency's domains) and the
# agency-delay alert offers the notice.
cp "$LAB/mailnoc.json" "$TMP/mailnoc.json.orig"
jq '.notify.delay_messages = 1 | .notify.delay_minutes = 0' \
	"$TMP/mailnoc.json.orig" > "$TMP/cfg-delay.json"
cp "$TMP/cfg-delay.json" "$LAB/mailnoc.json"
# Every agent: whichever holds the alerts' lease judges with its own limit.
"$AGENTS" stop >/dev/null 2>&1
"$AGENTS" start >/dev/null 2>&1
delay_alert() {
	"$M" alerts --json | jq -e '.[] | select(.kind == "agency-delay" and
		.subject == "t-notice" and .active)' >/dev/null
}
check "a substantial delay of t-notice raises the agency-delay alert" \
	wait_until 120 delay_alert
text=$("$M" alerts --json | jq -r '[.[] | select(.kind == "agency-delay" and
	.subject == "t-notice")][0].text')
expect_contains "the alert counts its messages" "agency t-notice: 2 messages deferred" "$text"
expect_contains "the alert offers the notice" "notify t-notice --about delay" "$text"
fields=$(rcli HGET "${P}node:gw1" agency_delay)
expect_contains "gw1's heartbeat carries the count" "t-notice 2 " "$fields"
delay_restore

# ---------------------------------------------------------------- role mailboxes
"$AGENTS" start mbx1 mbx2 >/dev/null 2>&1
fig() { "$M" mailboxes --role --json | jq -r ".mailboxes[] | select(.user == \"$1\") | .unread"; }
t_abuse3() { [ "$(fig abuse)" = 3 ]; }
check "abuse@ reports 3 unread" wait_until 30 t_abuse3
out=$("$M" mailboxes --role --json)
expect_eq "reported by the active mailbox node" mbx1 "$(printf '%s' "$out" | jq -r .node)"
expect_eq "postmaster@ reports 1 unread" 1 "$(fig postmaster)"
age=$(printf '%s' "$out" | jq -r '.mailboxes[] | select(.user == "abuse") | .oldest_unread_age')
check "abuse@'s oldest unread is about 3 h old" test "$age" -ge 10700
out=$("$M" mailboxes --role)
expect_contains "the text form" "abuse@ 3 unread, oldest 3h" "$out"

# Reading the oldest unread changes the figures within a minute (the agent
# reads them every 60 s).
uid=$($DOVE -f tab fetch -u abuse 'uid date.received.unixtime' mailbox INBOX unseen |
	tail -n +2 | sort -k2 -n | head -1 | cut -f1)
$DOVE flags add -u abuse '\Seen' mailbox INBOX uid "$uid"
t_abuse2() { [ "$(fig abuse)" = 2 ]; }
check "after one is read, abuse@ reports 2 unread" wait_until 90 t_abuse2
age2=$("$M" mailboxes --role --json | jq -r '.mailboxes[] | select(.user == "abuse") | .oldest_unread_age')
check "... and its oldest unread is younger ($age2 s < $age s)" test "$age2" -lt "$age"

finish
