#!/bin/sh
# The lab's mail-log ground truth (issue 15): real traffic of every kind
# through gw2 (tests/lab/mixed), then the maillog must show each outcome
# (550 5.1.1 at RCPT for unknown recipients of inbound.test, status=bounced
# dsn=5.1.1 from the bouncing provider at RCPT and after DATA, refused
# clients, deferrals), pflogsumm's totals (tests/lab/logtotals) must equal
# the mix that was sent and the raw line counts, and a harvest run of N
# guesses must give N rejects from its address.
# Last, with gw2's agent: inbound.test's RCPTs ask it with
# policy_context=inbound, so an unregistered client reaches inbound.test
# and a blocked harvester is refused by its block.
# Needs the lab up, MAILNOC_CONFIG exported and mailnocd in MAILNOC_BIN.
# gw2's other mail is put on hold while it runs (no retry may add lines)
# and released afterwards; the test's own mail and block are deleted, and
# gw2's agent is stopped again if the test started it.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lab/ports"
LAB=$(dirname "$MAILNOC_CONFIG")
MAILNOC_LAB_DIR=$LAB
export MAILNOC_LAB_DIR
Q=$LAB/gw2/etc
LOG=$LAB/gw2/maillog
HARVEST_IP=127.0.3.78
UNKNOWN_IP=127.0.3.77
BLOCKED_IP=127.0.3.79
OUTSIDER_IP=127.0.3.80
rc() { redis-cli -p "$LAB_REDIS_PORT" --user lab --pass "$(cat "$LAB/secrets/lab.pass")" --no-auth-warning "$@"; }
TMP=$(mktemp -d /tmp/mailnoc-t-mix.XXXXXX)

# Hold what is in gw2's queue now (the other tests' mail), so that no retry
# of it writes a line while we count; release exactly that afterwards.
postqueue -c "$Q" -j | jq -r 'select(.queue_name != "hold") | .queue_id' > "$TMP/held"
postsuper -c "$Q" -h - < "$TMP/held" >/dev/null 2>&1
started=""
cleanup() {
	rc DEL "mailnoc:block:$BLOCKED_IP" >/dev/null 2>&1
	rc ZREM mailnoc:blocks "$BLOCKED_IP" >/dev/null 2>&1
	[ -z "$started" ] || "$ROOT/tests/lab/agents" stop gw2 >/dev/null 2>&1
	postqueue -c "$Q" -j 2>/dev/null | jq -r 'select(.sender == "mixed@agency.test") | .queue_id' |
		postsuper -c "$Q" -d - >/dev/null 2>&1
	postsuper -c "$Q" -H - < "$TMP/held" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# since MARK: the maillog after byte MARK
since() { tail -c +"$(($1 + 1))" "$LOG"; }
count() { since "$1" | grep -c -E "$2"; }

# ---------------------------------------------------------------- the mix
# accepted inbound throttled dead bounced_rcpt bounced_data rejected unknown
set -- 7 3 4 2 3 2 3 5
"$ROOT/tests/lab/mixed" --gw gw2 --harvest-ip "$UNKNOWN_IP" --wait \
	--accepted "$1" --inbound "$2" --throttled "$3" --dead "$4" \
	--bounced-rcpt "$5" --bounced-data "$6" --rejected "$7" --unknown "$8" \
	> "$TMP/mix" 2> "$TMP/mix.err"
rc=$?
expect_eq "mixed sent the mix through gw2 and the log settled (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/  /' "$TMP/mix.err"
kv() { sed -n "s/^$1=//p" "$TMP/mix"; }
MARK=$(kv log_from_byte)
expect_eq "mixed reports the counts asked for" "7 3 4 2 3 2 3 5" \
	"$(kv accepted) $(kv inbound) $(kv throttled) $(kv dead) $(kv bounced_rcpt) $(kv bounced_data) $(kv rejected_clients) $(kv unknown_rcpts)"
# What the log must say, from the counts (each bounce sends a notice to
# mixed@agency.test, which the accepting provider takes):
# received 7+3+4+2+3+2, delivered 7+3+(3+2), deferred 4+2, bounced 3+2,
# rejected 3+5.
WANT="received=21 delivered=15 forwarded=0 deferred=6 deferrals=6 bounced=5 rejected=8 reject_warnings=0 held=0 discarded=0"
expect_eq "mixed's expected figures are the mix's" \
	"received=21 delivered=15 deferred=6 deferrals=6 bounced=5 rejected=8" \
	"$(sed -n 's/^expect_//p' "$TMP/mix" | tr '\n' ' ' | sed 's/ $//')"

# ---------------------------------------------------------------- the log's lines
expect_eq "each unknown recipient of inbound.test: 550 5.1.1 at RCPT in the maillog" 5 \
	"$(count "$MARK" "postfix-gw2/smtpd\[[0-9]+\]: NOQUEUE: reject: RCPT from unknown\[$UNKNOWN_IP\]: 550 5\.1\.1 <[a-z0-9]+@inbound\.test>: Recipient address rejected: User unknown in relay recipient table;")"
expect_eq "the bouncing provider at RCPT: status=bounced dsn=5.1.1 (in reply to RCPT TO)" 3 \
	"$(count "$MARK" "postfix-gw2/smtp\[[0-9]+\]: [0-9A-F]+: to=<nouser1@bouncy\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$LAB_SINK_BOUNCE_PORT, .*dsn=5\.1\.1, status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 .*\(in reply to RCPT TO command\)\)$")"
expect_eq "the bouncing provider after DATA: status=bounced dsn=5.1.1 (in reply to end of DATA)" 2 \
	"$(count "$MARK" "to=<gone1@bouncy\.test>, .*dsn=5\.1\.1, status=bounced .*550 5\.1\.1 .*\(in reply to end of DATA command\)\)$")"
expect_eq "each bounce gives a notice to the sender, delivered" 5 \
	"$(count "$MARK" "to=<mixed@agency\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$LAB_SINK_ACCEPT_PORT, .*status=sent")"
expect_eq "the refused client: 554 5.7.1 at RCPT" 3 \
	"$(count "$MARK" "NOQUEUE: reject: RCPT from unknown\[127\.0\.1\.254\]: 554 5\.7\.1 ")"
expect_eq "the throttling provider: status=deferred 450 4.7.1" 4 \
	"$(count "$MARK" "to=<u1@yahoo\.test>, .*status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 450 4\.7\.1 ")"
expect_eq "the dead provider: status=deferred, connection refused" 2 \
	"$(count "$MARK" "to=<u1@dead\.test>, .*status=deferred \(.*Connection refused\)$")"
expect_eq "inbound.test's valid recipient is relayed to the accepting provider" 3 \
	"$(count "$MARK" "to=<alice@inbound\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$LAB_SINK_ACCEPT_PORT, .*status=sent")"

# ---------------------------------------------------------------- pflogsumm
got=$("$ROOT/tests/lab/logtotals" gw2 --from-byte "$MARK" 2>&1 | tr '\n' ' ' | sed 's/ $//')
expect_eq "logtotals (pflogsumm) on the mix's part of gw2's maillog equals the mix" "$WANT" "$got"
# pflogsumm reads the maillog_file's lines: every line has the timestamp
# and program form it parses, and its figures are the raw lines' counts.
expect_eq "every line is 'Mon DD HH:MM:SS gw2 postfix-gw2/PROGRAM[PID]: ...'" 0 \
	"$(since "$MARK" | grep -c -v -E '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} gw2 postfix-gw2/[a-z-]+\[[0-9]+\]: ')"
raw="received=$(count "$MARK" 'postfix-gw2/smtpd\[[0-9]+\]: [0-9A-F]+: client=')"
raw="$raw delivered=$(count "$MARK" ': to=<[^>]*>, .*, status=sent ')"
raw="$raw deferrals=$(count "$MARK" ': to=<[^>]*>, .*, status=deferred ')"
raw="$raw deferred=$(since "$MARK" | grep -E ': to=<[^>]*>, .*, status=deferred ' | sed -E 's/.*\]: ([0-9A-F]+): .*/\1/' | sort -u | wc -l)"
raw="$raw bounced=$(count "$MARK" ': to=<[^>]*>, .*, status=bounced ')"
raw="$raw rejected=$(count "$MARK" ': NOQUEUE: reject: ')"
pf=$(echo "$got" | tr ' ' '\n' | grep -E '^(received|delivered|deferrals|deferred|bounced|rejected)=' | tr '\n' ' ')
expect_eq "pflogsumm's figures are the raw line counts" \
	"$(echo "$raw" | tr ' ' '\n' | sort | tr '\n' ' ')" "$(echo "$pf" | tr ' ' '\n' | grep . | sort | tr '\n' ' ')"

# ---------------------------------------------------------------- harvest
MARK2=$("$ROOT/tests/lab/logtotals" gw2 --mark)
out=$("$ROOT/tests/lab/harvest" --gw gw2 --from-ip "$HARVEST_IP" -n 25 2>&1)
expect_contains "harvest: 25 guesses from $HARVEST_IP, all refused 550 5.1.1" \
	"25 guesses from $HARVEST_IP on gw2 (127.0.0.1:$LAB_GW2_SMTP_PORT): 25 rejected 550 5.1.1, 0 accepted, 0 other" "$out"
since "$MARK2" | grep -E "NOQUEUE: reject: RCPT from unknown\[$HARVEST_IP\]: 550 5\.1\.1 " |
	sed -E 's/.* to=<([^>]*)>.*/\1/' > "$TMP/guessed"
expect_eq "gw2's maillog: 25 rejects of $HARVEST_IP, 25 different addresses" "25 25" \
	"$(wc -l < "$TMP/guessed") $(sort -u "$TMP/guessed" | wc -l)"
expect_eq "... the addresses harvest --list names, in its order" \
	"$("$ROOT/tests/lab/harvest" --list -n 25 | tr '\n' ' ')" "$(tr '\n' ' ' < "$TMP/guessed")"
expect_eq "... over 3 connections (9 guesses each at most)" 3 \
	"$(count "$MARK2" "smtpd\[[0-9]+\]: connect from unknown\[$HARVEST_IP\]$")"
expect_eq "logtotals after the harvest: 25 rejected, nothing received" \
	"received=0 delivered=0 forwarded=0 deferred=0 deferrals=0 bounced=0 rejected=25 reject_warnings=0 held=0 discarded=0" \
	"$("$ROOT/tests/lab/logtotals" gw2 --from-byte "$MARK2" | tr '\n' ' ' | sed 's/ $//')"

# ---------------------------------------------------------------- logtotals' own checks
printf '%s\n' "Dec 05 00:49:15 gw9 postfix-gw9/smtpd[1]: 1A2B3C: client=unknown[127.0.0.9]" > "$TMP/other.log"
expect_eq "logtotals --file with another syslog_name counts nothing of it" "received=0" \
	"$("$ROOT/tests/lab/logtotals" --file "$TMP/other.log" --syslog-name postfix-gw1 | head -n 1)"
expect_eq "logtotals --file with its syslog_name counts it" "received=1" \
	"$("$ROOT/tests/lab/logtotals" --file "$TMP/other.log" --syslog-name postfix-gw9 | head -n 1)"
"$ROOT/tests/lab/logtotals" gw7 >/dev/null 2>&1
expect_eq "logtotals refuses an unknown gateway (exit 2)" 2 "$?"

# ---------------------------------------------------------------- with the agent
agent_runs() { "$ROOT/tests/lab/agents" status gw2 >/dev/null 2>&1; }
if ! agent_runs; then
	started=gw2
	"$ROOT/tests/lab/agents" start gw2 >/dev/null 2>&1
fi
check "gw2's agent runs (policy service on :$LAB_GW2_POLICY_PORT)" agent_runs
MARK3=$("$ROOT/tests/lab/logtotals" gw2 --mark)
out=$("$ROOT/tests/lab/traffic" --gw gw2 --from-ip "$OUTSIDER_IP" --to u1@accept.test 2>&1)
expect_contains "the agent refuses relay from the unregistered $OUTSIDER_IP" "$OUTSIDER_IP is not registered for relay" "$out"
out=$("$ROOT/tests/lab/traffic" --gw gw2 --from-ip "$OUTSIDER_IP" --to carol@inbound.test --ids -q 2>&1)
expect_eq "... but takes its mail for carol@inbound.test (policy_context=inbound)" 0 "$?"
delivered_carol() { since "$MARK3" | grep -q "$out: to=<carol@inbound\.test>, .*status=sent"; }
check "... and relays it to the accepting provider (within 15 s)" wait_until 15 delivered_carol
out=$("$ROOT/tests/lab/harvest" --gw gw2 --from-ip "$OUTSIDER_IP" -n 4 2>&1)
expect_contains "a harvest from $OUTSIDER_IP still gets 550 5.1.1 for each guess" ": 4 rejected 550 5.1.1, 0 accepted, 0 other" "$out"
rc HSET "mailnoc:block:$BLOCKED_IP" reason "harvest test" who t_lab_mail_mix since "$(date +%s)" until 0 >/dev/null
rc ZADD mailnoc:blocks 0 "$BLOCKED_IP" >/dev/null
out=$("$ROOT/tests/lab/harvest" --gw gw2 --from-ip "$BLOCKED_IP" -n 4 2>&1)
expect_contains "a blocked harvester's guesses are refused by the block, not answered 5.1.1" ": 0 rejected 550 5.1.1, 0 accepted, 4 other" "$out"
expect_eq "... its 4 RCPTs logged as 'is blocked: harvest test'" 4 \
	"$(count "$MARK3" "NOQUEUE: reject: RCPT from unknown\[$BLOCKED_IP\]: 554 5\.7\.1 <[a-z0-9]+@inbound\.test>: Recipient address rejected: $BLOCKED_IP is blocked: harvest test;")"

finish
