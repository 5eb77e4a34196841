#!/bin/sh
# mailnoc batch FILE: comments, a failing line stops the script with its
# exit code and line number, --keep-going goes on, --json gives one result
# per line, a line not understood runs nothing, confirmations need --yes.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN/mailnoc
LAB=$(dirname "$MAILNOC_CONFIG")
T=$(mktemp -d)
IP1=127.0.3.11
IP2=127.0.3.12
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
clean() {
	for ip in $IP1 $IP2; do
		rc del "mailnoc:block:$ip" >/dev/null
		rc zrem mailnoc:blocks "$ip" >/dev/null
	done
}
clean
trap 'clean; rm -rf "$T"' EXIT INT TERM

cat > "$T/ok.txt" <<EOS
# a comment, then a blank line

status
block $IP1 --for 1h --reason "script test"
   # an indented comment
blocks --json
EOS
out=$("$B" batch "$T/ok.txt" 2>"$T/err")
expect_eq "a good script exits 0" 0 $?
expect_eq "its block is in Redis" "script test" "$(rc hget "mailnoc:block:$IP1" reason)"
expect_eq "nothing on stderr" "" "$(cat "$T/err")"
clean

# Line 5 fails (not blocked): exit 1, line 5 named, line 6 never runs.
cat > "$T/bad.txt" <<EOS
# blocks one IP, then fails
block $IP1 --for 1h --reason first

unblock $IP2
block $IP2 --for 1h --reason never
EOS
"$B" batch "$T/bad.txt" >/dev/null 2>"$T/err"
expect_eq "a failing line: the script exits with its code (1)" 1 $?
expect_contains "the error names file and line" \
	"$T/bad.txt:4: cannot unblock '$IP2': it is not blocked" "$(cat "$T/err")"
expect_contains "and says where it stopped" "stopped at line 4 (exit 1); 1 later command not run" \
	"$(cat "$T/err")"
expect_eq "the line before it ran" 1 "$(rc exists "mailnoc:block:$IP1")"
expect_eq "the line after it did not" 0 "$(rc exists "mailnoc:block:$IP2")"
clean

"$B" batch --keep-going "$T/bad.txt" >/dev/null 2>"$T/err"
expect_eq "--keep-going: exit is still the first failure's (1)" 1 $?
expect_eq "--keep-going ran the line after the failure" 1 "$(rc exists "mailnoc:block:$IP2")"
expect_contains "and counts the failures" "1 of 3 commands failed; the first at line 4" \
	"$(cat "$T/err")"
clean

# --json: one object per line, the command's JSON embedded.
out=$("$B" --json batch "$T/bad.txt" 2>/dev/null)
expect_eq "--json: exit 1" 1 $?
expect_eq "one result per run line, then the summary" 3 "$(echo "$out" | wc -l)"
expect_eq "line 2: exit 0 and the block as its result" "2 0 $IP1" \
	"$(echo "$out" | sed -n 1p | jq -r '"\(.line) \(.exit) \(.result.ip)"')"
expect_eq "line 4: exit 1 and the error" "4 1 cannot unblock '$IP2': it is not blocked" \
	"$(echo "$out" | sed -n 2p | jq -r '"\(.line) \(.exit) \(.error)"')"
expect_eq "the summary carries the exit code" 1 "$(echo "$out" | sed -n 3p | jq -r .exit)"
clean

# A line that is not understood: nothing runs at all.
printf 'block %s --for 1h --reason x\nfrobnicate now\nblocks --bogus\n' "$IP1" > "$T/typo.txt"
"$B" batch "$T/typo.txt" >/dev/null 2>"$T/err"
expect_eq "a line not understood: exit 2" 2 $?
expect_contains "each such line is reported" "$T/typo.txt:2: unknown command 'frobnicate'" "$(cat "$T/err")"
expect_contains "with its line number" "$T/typo.txt:3: blocks: unknown option '--bogus'" "$(cat "$T/err")"
expect_eq "and nothing ran" 0 "$(rc exists "mailnoc:block:$IP1")"

# Standard input, and confirmations: a script never asks.
out=$(printf 'undrain gw2\n' | "$B" batch - 2>&1)
expect_eq "a line that needs confirmation, no --yes: exit 2" 2 $?
expect_contains "refused with the line number" "stdin:1: refusing to return gw2 to service" "$out"
out=$(printf 'undrain gw2 --dry-run\n' | "$B" batch - 2>&1)
expect_eq "--dry-run on the line previews" 0 $?
expect_contains "what it would do" "dry run: would return gw2 to service" "$out"
printf 'undrain gw2\n' | "$B" --yes batch - >/dev/null 2>&1
expect_eq "--yes given to batch is passed to every line" 0 $?
printf 'undrain gw2 --yes\n' | "$B" batch - >/dev/null 2>&1
expect_eq "--yes on the line works too" 0 $?

out=$(printf 'batch -\n' | "$B" batch - 2>&1)
expect_eq "a script cannot run a script" 2 $?
out=$("$B" batch "$T/missing.txt" 2>&1)
expect_eq "a missing file: exit 2" 2 $?
expect_contains "with the reason" "cannot open '$T/missing.txt'" "$out"
finish
