#!/bin/sh
# Notices and the role mailboxes in the console: n in the blocklist view asks
# to send the blocked IP's agency its notice, the question showing the text,
# and y sends it (it arrives at the accept sink); the overview shows abuse@
# and postmaster@ on one line.
. "$(dirname "$0")/lib.sh"
lab_env
redis_env
IP=127.0.2.57
TAG=e$$x$(date +%s)
RCPT="$TAG@accept.test"
DUMP=$LAB/sinks/accept.d/dump
WERE_RUNNING=$(agents_running)

cleanup() {
	tui_stop
	block_forget "$IP"
	rcli DEL "${P}permit:$IP" >/dev/null
	rcli HDEL "${P}permit" "$IP" >/dev/null
	agency_forget t-e2en
	agents_restore "$WERE_RUNNING"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cleanup

"$MAILNOC_BIN/mailnoc" agency add t-e2en --name "E2E Notices" --contact \
	"$RCPT" --yes >/dev/null
"$MAILNOC_BIN/mailnoc" permit add "$IP" t-e2en --yes >/dev/null
"$MAILNOC_BIN/mailnoc" block "$IP" --for 1h --reason "e2e-notice $TAG" \
	--yes >/dev/null
"$AGENTS" start mbx1 mbx2 >/dev/null 2>&1

# Wide, so that the question's wrapped lines keep the facts whole.
tui_start 320 30
tui_keys 4
expect_screen "4 opens the blocklist view" "mailnoc | Blocklist" 10
expect_screen "its key bar names n" "n notify"
tui_keys / "$IP" Enter
expect_screen "the filter leaves the block's row" "e2e-notice $TAG" 10
tui_keys n
expect_screen "n asks, the question showing the notice's text" \
	"send to $RCPT: \"Mail from $IP (E2E Notices) is blocked at the campus relay\" | Hello E2E Notices," 5
expect_screen "... with the block's reason" "| Reason: e2e-notice" 5
expect_screen "... and what to do" "| What to do: find and stop the" 5
expect_screen "... then y/N" "? y/N" 5
tui_keys y Enter
expect_screen "y sends it through gw1" "sent the block notice to $RCPT through gw1" 20
arrived() { grep -q "^X-Rcpt-Args: <$RCPT>" "$DUMP" 2>/dev/null; }
check "it arrives at the accept sink" wait_until 30 arrived
rec=$("$MAILNOC_BIN/mailnoc" audit --json | jq -c \
	'[.[] | select(.cmd | startswith("notify t-e2en"))][0]')
expect_eq "audited as run from the console" console "$(printf '%s' "$rec" | jq -r .via)"
expect_contains "with the Message-ID" "Message-ID <" "$(printf '%s' "$rec" | jq -r .said)"

tui_keys Escape 1
expect_screen "the overview shows the role mailboxes' line" \
	"role mailboxes (mbx1): abuse@ 3 unread, oldest" 30
expect_screen "... and postmaster@ on it" "postmaster@ 1 unread" 5

finish
