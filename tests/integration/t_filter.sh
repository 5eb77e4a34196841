#!/bin/sh
# The gateways' filter against the lab's rspamd: GTUBE through gw1 is
# rejected and counted; a message the lab's rule quarantines is in the
# quarantine list with its symbols, is released and delivered; a message
# held by hand (a hold that is not the filter's) is not taken; rspamd
# stopped -> filter-down, and with milter_default_action = accept (the
# lab's) the unscanned count and its alert rise; a controller that answers
# garbage or hangs is one line in the agent's log while its heartbeat and
# policy service go on.
. "$(dirname "$0")/../lib.sh"
lab_env
redis_env
M=$B/mailnoc
TMP=$(mktemp -d)
WAS=$(agents_running)
RUN=$(date +%s)-$$
FAKE_PID=
AGENT_PID=

cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && sleep 1
	# rspamd back (tests/lab/up repairs what died), the agents as found.
	"$ROOT/tests/lab/up" >/dev/null 2>&1
	agents_restore "$WAS"
	queues_clear
	filter_quiet
	alerts_clear
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# filter_of NODE JQ: a field of NODE in filters --json.
filter_of() {
	"$M" filters --json | jq -r --arg n "$1" ".filters[] | select(.node == \$n) | $2"
}
# send GW SUBJECT BODY MSGID [RCPT]: one message from the lab's own
# address; prints the server's reply to the end of DATA.
send() {
	swaks --server "127.0.0.1:$1" --from "t@lab.agency.example" \
		--to "${5:-u@accept.test}" --header "Subject: $2" \
		--header "Message-Id: <$4>" --body "$3" 2>&1 |
		awk '/^ -> \.$/ { d = 1; next } d && /^</ { print; exit }'
}
q_of() {   # MSGID: the quarantine list's queue ID of that Message-ID
	"$M" quarantine list --json 2>/dev/null |
		jq -r --arg m "$1" '.quarantine[] | select(.message_id == $m) | .queue_id'
}
alert_on() { "$M" alerts --json | jq -e --arg k "$1" --arg s "$2" \
	'[.[] | select(.kind == $k and .subject == $s)] | length > 0' >/dev/null; }

queues_clear
alerts_clear
"$AGENTS" start gw1 gw2 mbx1 >/dev/null 2>&1
check "the agents publish gw1's filter up with rspamd's version" \
	wait_until 20 sh -c "[ \"\$(\"$M\" filters --json | jq -r '.filters[] | select(.node == \"gw1\") | .state + \" \" + .version')\" = 'up 3.4' ]"

# ---------------------------------------------------------------- GTUBE
r0=$(filter_of gw1 .day.reject)
reply=$(send "$LAB_GW1_SMTP_PORT" "gtube $RUN" \
	'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X' "gtube-$RUN@t.test")
expect_contains "GTUBE through gw1 is rejected at the end of DATA" "554 5.7.1" "$reply"
gtube_counted() { [ "$(filter_of gw1 .day.reject)" -gt "$r0" ]; }
check "the reject is counted in gw1's day and hour" wait_until 20 gtube_counted
expect_eq "the reject is in this hour's sparkline bucket" \
	"$(filter_of gw1 .hour.reject)" "$(filter_of gw1 '.rejects_by_hour[23]')"
out=$("$M" filters)
expect_contains "filters prints the figures per gateway" "gw1: filter up, rspamd 3.4" "$out"

# ---------------------------------------------------------------- quarantine
mid=q-$RUN@t.test
reply=$(send "$LAB_GW1_SMTP_PORT" "MAILNOC-QUARANTINE $RUN" "hold me" "$mid")
expect_contains "the quarantined message is accepted" "250" "$reply"
check "it is in the quarantine list" wait_until 20 sh -c "[ -n \"\$(\"$M\" quarantine list --json | jq -r --arg m '$mid' '.quarantine[] | select(.message_id == \$m) | .queue_id')\" ]"
qid=$(q_of "$mid")
held_n() { [ "$(filter_of gw1 .quarantined)" -ge 1 ]; }
check "filters counts it as quarantined" wait_until 10 held_n
expect_eq "it sits in gw1's hold queue" hold \
	"$(pq gw1 | jq -r --arg q "$qid" 'select(.queue_id == $q) | .queue_name')"
has_symbols() { "$M" quarantine list --json | jq -e --arg q "$qid" \
	'.quarantine[] | select(.queue_id == $q) | (.symbols // "") | contains("MAILNOC_LAB_QUARANTINE")' >/dev/null; }
check "the list has its symbols from rspamd's history" wait_until 20 has_symbols
out=$("$M" quarantine show "gw1:$qid")
expect_contains "quarantine show prints the message" "MAILNOC-QUARANTINE $RUN" "$out"
"$M" quarantine release "gw1:$qid" </dev/null >/dev/null 2>&1; rc=$?
expect_eq "release without --yes is refused (exit 2)" 2 "$rc"
expect_eq "and the message stays held" hold \
	"$(pq gw1 | jq -r --arg q "$qid" 'select(.queue_id == $q) | .queue_name')"
out=$("$M" quarantine release "gw1:$qid" --yes 2>&1)
expect_contains "release --yes goes through the queue action" "Released from hold" "$out"
# Released is postsuper -H: deferred until the next queue run, or a flush.
"$M" queue flush "gw1:$qid" --yes >/dev/null 2>&1
delivered() { grep -aq "$qid: to=<u@accept.test>.*status=sent" "$LAB/gw1/maillog"; }
check "the released message is delivered" wait_until 30 delivered
gone() { [ -z "$(q_of "$mid")" ]; }
check "and leaves the quarantine list" wait_until 20 gone
check "the audit has the release" sh -c "\"$M\" audit --json | jq -e '[.[] | select(.cmd | test(\"quarantine release\"))] | length > 0' >/dev/null"

# A hold that merely looks like one: held by hand, subject and all.
mid2=h-$RUN@t.test
send "$LAB_GW1_SMTP_PORT" "milter triggers HOLD action $RUN" "x" "$mid2" u@dead.test >/dev/null
wait_until 10 sh -c "grep -aq '$mid2' '$LAB/gw1/maillog'"
qid2=$(grep -a "message-id=<$mid2>" "$LAB/gw1/maillog" | tail -n 1 | sed 's/.*: \([0-9A-F]*\): message-id.*/\1/')
postsuper -c "$LAB/gw1/etc" -h "$qid2" >/dev/null 2>&1
sleep 3
expect_eq "a message held by hand is in the hold queue" hold \
	"$(pq gw1 | jq -r --arg q "$qid2" 'select(.queue_id == $q) | .queue_name')"
expect_eq "but not in the quarantine list" "" "$(q_of "$mid2")"
"$M" quarantine release "gw1:$qid2" --yes >/dev/null 2>&1; rc=$?
expect_eq "and quarantine release refuses it (exit 2)" 2 "$rc"
postsuper -c "$LAB/gw1/etc" -d "$qid2" >/dev/null 2>&1

# ---------------------------------------------------------------- rspamd stopped
kill "$(cat "$LAB/run/rspamd.pid")"
down() { [ "$(filter_of gw1 .state)" = DOWN ]; }
check "rspamd stopped: gw1's filter reads DOWN" wait_until 20 down
check "the filter-down alert is raised for gw1" wait_until 40 alert_on filter-down gw1
u0=$(filter_of gw1 .unscanned)
reply=$(send "$LAB_GW1_SMTP_PORT" "unscanned $RUN" "no filter" "u-$RUN@t.test")
expect_contains "with milter_default_action = accept the mail goes on" "250" "$reply"
more() { [ "$(filter_of gw1 .unscanned)" -gt "$u0" ]; }
check "the unscanned count rises" wait_until 20 more
check "the filter-unscanned alert is raised for gw1" wait_until 40 alert_on filter-unscanned gw1
expect_contains "the agent said it once in its log" "is down:" \
	"$(grep 'filter: the controller' "$LAB/agents/gw1.log" | tail -n 1)"

# ---------------------------------------------------------------- a bad controller
"$AGENTS" stop gw1 >/dev/null 2>&1
perl -e '
	use IO::Socket::INET;
	my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$ARGV[0]",
	    Listen => 16, ReuseAddr => 1) or die "listen: $!";
	my @hung;
	while (my $c = $l->accept) {
		if (-e $ARGV[1]) { push @hung, $c; next }   # hang: never answer
		my $req = ""; sysread($c, $req, 4096);
		print $c "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n\x1b[2Jgarbage";
		close $c;
	}' "$LAB_FILTER_FAKE_PORT" "$TMP/hang" &
FAKE_PID=$!
wait_until 10 port_up "$LAB_FILTER_FAKE_PORT"
jq --arg c "127.0.0.1:$LAB_FILTER_FAKE_PORT" \
	'(.nodes[] | select(.name == "gw1") | .filter) |= (.controller = $c | .timeout_ms = 800 | .interval_s = 1)' \
	"$MAILNOC_CONFIG" > "$TMP/fake.json"
setsid "$B/mailnocd" --config "$TMP/fake.json" --node gw1 --interval 1 \
	--log "$TMP/gw1.log" </dev/null >/dev/null 2>&1 &
AGENT_PID=$!
said() { grep -q "$1" "$TMP/gw1.log" 2>/dev/null; }
check "garbage: one line in the agent's log" wait_until 20 said "is down: the stat is not JSON"
expect_eq "said once, not once per poll" 1 "$(grep -c 'is down: the stat is not JSON' "$TMP/gw1.log")"
expect_eq "nothing of the garbage's escape reaches the log" 0 "$(grep -c "$(printf '\033')" "$TMP/gw1.log")"
touch "$TMP/hang"
check "a hang: timed out, one line" wait_until 20 said "timed out after 800 ms"
b1=$(rcli HGET "${P}node:gw1" updated_at)
sleep 4
b2=$(rcli HGET "${P}node:gw1" updated_at)
check "the heartbeat goes on while the controller hangs" test "$b2" -gt "$b1"
t0=$(date +%s%N)
ans=$(policy_ask "$LAB_GW1_POLICY_PORT" 127.0.0.1)
t1=$(date +%s%N)
expect_contains "the policy service answers while the controller hangs" "action=" "$ans"
check "within a second" test $(((t1 - t0) / 1000000)) -lt 1000
expect_eq "the hang is said once" 1 "$(grep -c 'timed out after 800 ms' "$TMP/gw1.log")"

finish
