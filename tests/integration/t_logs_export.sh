#!/bin/sh
# mailnoc logs export against the lab: mail from one client through both
# gateways (tests/lab/mixed), a rotated and compressed log beside gw2's;
# the export for that client IP is exactly the grep of the lab's logs
# (sorted by time, each line led by its gateway); --to likewise; the
# read-only role is refused; the audit records the query and the count;
# an existing file is never replaced; a gateway whose log cannot be read
# leaves a partial export that names it.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
. "$(dirname "$0")/../lib.sh"
lab_env
M=$B/mailnoc
NOC=$LAB/mailnoc-noc.json
TMP=$(mktemp -d /tmp/mailnoc-t-logs.XXXXXX)
ROT=$LAB/gw2/maillog.1.gz
IP=127.0.1.10

cleanup() {
	chmod 644 "$LAB/gw2/maillog"
	rm -f "$ROT"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Mail from $IP through each gateway, and a rejected client for contrast.
for gw in gw1 gw2; do
	"$ROOT/tests/lab/mixed" --gw "$gw" --from-ip "$IP" --accepted 2 \
		--inbound 1 --throttled 0 --dead 0 --bounced-rcpt 0 \
		--bounced-data 0 --rejected 1 --unknown 0 --wait \
		>"$TMP/mix-$gw" 2>&1 || { not_ok "lab mail through $gw"; cat "$TMP/mix-$gw"; finish; exit 1; }
done
# A rotated, compressed log beside gw2's: two lines of $IP (now) and one
# of 127.0.1.100, which "[127.0.1.10]" must not match.
NOWTS=$(date '+%b %d %H:%M:%S')
printf '%s gw2 postfix-gw2/smtpd[1]: 4XROT1: client=rot.test[%s]\n%s gw2 postfix-gw2/smtpd[1]: 4XROT2: client=rot.test[127.0.1.100]\n%s gw2 postfix-gw2/smtpd[1]: connect from rot.test[%s]\n' \
	"$NOWTS" "$IP" "$NOWTS" "$NOWTS" "$IP" | gzip -c > "$ROT"

# expected NEEDLE: what the export must hold, from the lab's own files:
# grep -F -i on each gateway's log and rotated files, each line led by its
# gateway, sorted by time (stable: gw1 before gw2 within a second).
expected() {
	for gw in gw1 gw2; do
		for f in "$LAB/$gw/maillog" "$LAB/$gw"/maillog.*[0-9].gz; do
			[ -f "$f" ] || continue
			gzip -dcf "$f" | grep -F -i -e "$1" | sed "s/^/$gw /"
		done
	done | sort -s -k2,2M -k3,3n -k4,4
}

# --- one client IP: exactly the grep of the lab's logs
out=$("$M" logs export --since 2000-01-01 --client "$IP" --output "$TMP/c.gz" --yes --json)
expect_eq "export --client exits 0" 0 $?
expected "[$IP]" > "$TMP/want"
zcat "$TMP/c.gz" > "$TMP/got"
check "the lab's grep finds lines of $IP on both gateways" \
	sh -c 'grep -q "^gw1 " "$1" && grep -q "^gw2 .*4XROT1" "$1"' sh "$TMP/want"
expect_eq "the export equals the grep of the lab's logs, rotated .gz included" \
	"$(cat "$TMP/want")" "$(cat "$TMP/got")"
expect_eq "its JSON counts the lines, per gateway" \
	"$(wc -l < "$TMP/want") $(grep -c '^gw1 ' "$TMP/want") $(grep -c '^gw2 ' "$TMP/want") false" \
	"$(echo "$out" | jq -r '"\(.lines) \(.gateways[0].lines) \(.gateways[1].lines) \(.partial)"')"
check "127.0.1.100 is not taken for $IP" sh -c '! grep -q 4XROT2 "$1"' sh "$TMP/got"
expect_eq "the file is the owner's only" 600 "$(stat -c %a "$TMP/c.gz")"

# --- a recipient
"$M" logs export --since 2000-01-01 --to u1@accept.test --output "$TMP/t.gz" --yes >/dev/null
expected "to=<u1@accept.test>" > "$TMP/want-to"
expect_eq "export --to equals the grep of to=<u1@accept.test>" \
	"$(cat "$TMP/want-to")" "$(zcat "$TMP/t.gz")"

# --- the period is applied: nothing from the future
"$M" logs export --since 1796400000 --until 1796400001 --client "$IP" \
	--output "$TMP/none.gz" --yes >/dev/null
expect_eq "a period with no line gives an empty file" 0 "$(zcat "$TMP/none.gz" | wc -l)"

# --- the audit: what was asked and how many lines went out
rec=$("$M" audit --json --limit 20 | jq -c '[.[] | select(.cmd | test("logs export .*--client.*/c[.]gz"))] | first')
expect_contains "the audit records the query" "--client $IP" "$(echo "$rec" | jq -r .cmd)"
expect_contains "and how many lines went out" \
	"$(wc -l < "$TMP/want") lines written to $TMP/c.gz" "$(echo "$rec" | jq -r .said)"
expect_eq "with the gateways it read" "gw1,gw2" "$(echo "$rec" | jq -r '.nodes | join(",")')"

# --- refusals: read-only role, existing file, no answer, bad input
out=$("$M" --config "$NOC" logs export --since 1h --client "$IP" --output "$TMP/ro.gz" --yes 2>&1)
expect_eq "the read-only role is refused (exit 4)" 4 $?
expect_contains "saying why" "read-only" "$out"
check "and writes no file" test ! -e "$TMP/ro.gz"
out=$("$M" logs export --since 1h --client "$IP" --output "$TMP/c.gz" --yes 2>&1)
expect_eq "an existing file is refused" "2 mailnoc: logs export: '$TMP/c.gz' exists; give a new file (an export never replaces one); nothing was run" "$? $out"
out=$("$M" logs export --since 1h --client "$IP" --output "$TMP/ask.gz" </dev/null 2>&1)
check "without --yes and no terminal it asks nobody and refuses ($out)" test $? -ne 0 -a ! -e "$TMP/ask.gz"
out=$("$M" logs export --since 1h --client "10.0.0.0/8" --output "$TMP/bad.gz" --yes 2>&1)
expect_contains "a range is refused before anything runs" \
	"2 mailnoc: logs export: --client '10.0.0.0/8' is not accepted" "$? $out"

# --- a gateway that cannot be read: a partial export that names it
chmod 600 "$LAB/gw2/maillog"
out=$("$M" logs export --since 2000-01-01 --client "$IP" --output "$TMP/p.gz" --yes 2>&1)
expect_eq "a partial export exits 1" 1 $?
expect_contains "naming the gateway that failed" "logs export: partial: gw2: reading the mail log failed" "$out"
expect_contains "and saying the file holds what arrived" "the file holds what arrived" "$out"
expect_eq "the file holds gw1's lines" "$(grep '^gw1 ' "$TMP/want")" "$(zcat "$TMP/p.gz")"
rec=$("$M" audit --json --limit 20 | jq -c '[.[] | select(.cmd | test("p.gz"))] | first')
expect_contains "audited as partial" "partial" "$(echo "$rec" | jq -r .result)"
chmod 644 "$LAB/gw2/maillog"

finish
