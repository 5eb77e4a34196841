#!/bin/sh
# A queued message from an outside sender with terminal escapes in its
# Subject (retitle, clear the screen, OSC 52 clipboard write) reaches the
# operator only as visible escapes through 'queue show'; --raw gives the
# bytes to a pipe and is refused on a terminal.
. "$(dirname "$0")/../lib.sh"
B=$MAILNOC_BIN/mailnoc
T=$(mktemp -d)
ESC=$(printf '\033')
SUBJ=$(printf 'hi \033]0;OWNED\007\033[2J \033]52;c;ZXZpbA==\007 \342\200\256cod.exe')
cleanup() {
	"$B" queue delete --filter sender:hostile@agency.test --yes >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

ID=$(tests/lab/traffic --gw gw2 --from-ip 127.0.1.20 -n 1 --to-domain dead.test \
	--sender hostile@agency.test --subject "$SUBJ" --ids 2>/dev/null | head -1)
check "a message with escapes in its Subject waits on gw2 ($ID)" [ -n "$ID" ]

"$B" queue show "gw2:$ID" > "$T/out" 2>&1
expect_eq "queue show exits 0" 0 $?
check "no escape byte reaches the output" sh -c "! grep -q '$ESC' '$T/out'"
expect_contains "the Subject shows its escapes" \
	'hi \x1b]0;OWNED\x07\x1b[2J \x1b]52;c;ZXZpbA==\x07 \u202ecod.exe' "$(cat "$T/out")"
"$B" queue show --body "gw2:$ID" > "$T/body" 2>&1
check "with --body neither" sh -c "! grep -q '$ESC' '$T/body'"

"$B" queue show --raw "gw2:$ID" > "$T/raw" 2>&1
expect_eq "queue show --raw to a file exits 0" 0 $?
check "and gives the bytes as they are" grep -q "OWNED" "$T/raw"
check "escape bytes included" grep -q "$ESC" "$T/raw"
script -qec "$B queue show --raw gw2:$ID" /dev/null > "$T/tty" 2>&1
check "queue show --raw on a terminal is refused" grep -q "refused on a terminal" "$T/tty"
check "and shows nothing of the message" sh -c "! grep -q OWNED '$T/tty'"

finish
