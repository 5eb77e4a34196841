#!/bin/sh
# The policy service under attack (issue 12): a request count Postfix cannot
# send, client addresses in other spellings, out of descriptors, half
# requests holding every slot, peers not on the allow-list and one peer
# taking every slot. The lab's own gw1 agent first, then private agents
# (node gw1, on a port of their own) with low limits.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
# Leaves the agents stopped and removes the keys it wrote.
. "$(dirname "$0")/../lib.sh"
lab_env
TMP=$(mktemp -d /tmp/mailnoc-t-harden.XXXXXX)
# The private agents' port: next to the lab's, overridable.
HPORT=${LAB_HARDEN_PORT:-$((LAB_GW1_POLICY_PORT + 40))}

redis_env
GW1_PORT=$LAB_GW1_POLICY_PORT
# Addresses this test owns.
T_IP=127.0.2.211
T_AGENCY=t-harden
V6_BLOCK=2001:db8::25
HPID=

stop_private() {
	[ -n "$HPID" ] || return 0
	kill "$HPID" 2>/dev/null
	i=0
	while kill -0 "$HPID" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$HPID" 2>/dev/null
	wait "$HPID" 2>/dev/null
	HPID=
}

cleanup() {
	stop_private
	"$AGENTS" stop >/dev/null 2>&1
	block_forget "$V6_BLOCK"
	rcli HDEL "${P}permit" "$T_IP" >/dev/null
	agency_forget "$T_AGENCY"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ask PORT REQUEST-TEXT: one request (\n escapes), prints the answer line.
ask() {
	perl -e '
		use IO::Socket::INET;
		my ($port, $data) = @ARGV;
		$data =~ s/\\n/\n/g;
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
			or die "cannot connect to $port: $!\n";
		print $s $data; $s->flush;
		local $SIG{ALRM} = sub { exit 0 }; alarm 3;
		while (defined(my $l = <$s>)) {
			chomp $l;
			last if $l eq "";
			print "$l\n";
		}' "$1" "$2"
}

REQ='request=smtpd_access_policy\nprotocol_name=ESMTP\n'

# clients PORT REPORT-AT-SECONDS GROUP...: opens every group's connections
# in order, each GROUP being COUNT:FROM-ADDRESS:half|full|none (half sends
# a request without its end, full a whole one, none nothing), keeps them,
# and at each
# report time (a comma list of seconds since the start) prints one line
# per group: "T GROUP answered=A closed=C open=O".
clients() {
	perl -e '
		use IO::Socket::INET; use IO::Select; use Time::HiRes qw(time sleep);
		my ($port, $at, @groups) = @ARGV;
		my $half = "request=smtpd_access_policy\nclient_address=127.0.0.1\n";
		my $full = $half . "\n";
		my @c;
		my $t0 = time;
		for my $g (@groups) {
			my ($n, $from, $mode) = split /:/, $g;
			for (1 .. $n) {
				my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
					LocalAddr => $from) or die "connect: $!\n";
				$s->blocking(0);
				syswrite($s, $mode eq "full" ? $full : $half)
					unless $mode eq "none";
				push @c, { g => $g, s => $s, st => "open", buf => "" };
			}
			sleep 0.2;
		}
		for my $t (split /,/, $at) {
			while (time - $t0 < $t) {
				for my $c (@c) {
					next if $c->{st} ne "open";
					my $r = sysread($c->{s}, my $b, 4096);
					if (defined $r && $r == 0) { $c->{st} = "closed" }
					elsif (!defined $r && !$!{EAGAIN}) { $c->{st} = "closed" }
					elsif (defined $r) {
						$c->{buf} .= $b;
						$c->{st} = "answered" if $c->{buf} =~ /\n\n/;
					}
				}
				sleep 0.05;
			}
			for my $g (@groups) {
				my %n = (answered => 0, closed => 0, open => 0);
				$n{$_->{st}}++ for grep { $_->{g} eq $g } @c;
				print "$t $g answered=$n{answered} closed=$n{closed} open=$n{open}\n";
			}
		}' "$@"
}

# private CONFIG-JQ [PRLIMIT-ARGS]: starts mailnocd for gw1 with its
# policy service on $HPORT only, the lab configuration changed by the jq
# filter applied to gw1's policy object; log in $TMP/agent.log.
private() {
	p_jq=$1
	shift
	jq --arg listen "127.0.0.1:$HPORT" '.nodes |= map(if .name == "gw1"
		then .policy = ({ listen: [ $listen ] } | '"$p_jq"') else . end)' \
		"$MAILNOC_CONFIG" > "$TMP/private.json" || return 1
	: > "$TMP/agent.log"
	if [ $# -gt 0 ]; then
		prlimit "$@" -- "$B/mailnocd" --config "$TMP/private.json" \
			--node gw1 --interval 2 --log "$TMP/agent.log" &
	else
		"$B/mailnocd" --config "$TMP/private.json" --node gw1 \
			--interval 2 --log "$TMP/agent.log" &
	fi
	HPID=$!
	wait_until 10 port_up "$HPORT"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

"$AGENTS" stop >/dev/null 2>&1
if port_up "$HPORT"; then
	not_ok "port $HPORT for the private agents is taken; set LAB_HARDEN_PORT"
	finish
	exit 1
fi

# --- the lab's agent: counts Postfix cannot send, addresses as the console
# writes them
rcli SADD "${P}agencies" "$T_AGENCY" >/dev/null
rcli HSET "${P}agency:$T_AGENCY" name "hardening test" >/dev/null
rcli HSET "${P}permit" "$T_IP" "$T_AGENCY" >/dev/null
out=$("$AGENTS" start gw1 2>&1)
expect_eq "the lab's gw1 agent starts" 0 "$?"
LOG1=$LAB/agents/gw1.log
m0=$(($(date +%s) / 60))
out=$(ask "$GW1_PORT" "${REQ}protocol_state=END-OF-MESSAGE\nclient_address=$T_IP\nrecipient_count=1000000000000\nsize=500\n\n")
expect_eq "an END-OF-MESSAGE with a trillion recipients is answered" "action=DUNNO" "$out"
check "and logged as malformed, naming the cap" grep -q \
	"policy: malformed request answered DUNNO: recipient_count 1000000000000 is more than Postfix sends (policy.max_recipient_count 10000)" "$LOG1"
out=$(ask "$GW1_PORT" "${REQ}protocol_state=RCPT\nclient_address=$T_IP\n\n")
expect_eq "the agency's next RCPT is not deferred by it (bulk limit 1000)" "action=DUNNO" "$out"
out=$(ask "$GW1_PORT" "${REQ}protocol_state=END-OF-MESSAGE\nclient_address=$T_IP\nrecipient_count=3\nsize=500\n\n")
expect_eq "a real END-OF-MESSAGE is answered" "action=DUNNO" "$out"
vol() {
	v_n=0
	for v_m in $(seq "$((m0 - 1))" "$(($(date +%s) / 60))"); do
		v=$(rcli HGET "${P}vol:m:$v_m" "$T_AGENCY|rcpts")
		v_n=$((v_n + ${v:-0}))
	done
	echo "$v_n"
}
three() { [ "$(vol)" = 3 ]; }
check "only its 3 recipients are counted" wait_until 5 three
out=$(ask "$GW1_PORT" "${REQ}protocol_state=RCPT\nclient_address=::ffff:$T_IP\n\n")
expect_eq "::ffff:$T_IP finds the permit of $T_IP" "action=DUNNO" "$out"
rcli HSET "${P}block:$V6_BLOCK" reason "t-harden" who "t@lab" since "$(date +%s)" until 0 >/dev/null
rcli ZADD "${P}blocks" 0 "$V6_BLOCK" >/dev/null
out=$(ask "$GW1_PORT" "${REQ}protocol_state=RCPT\nclient_address=2001:DB8:0:0::25\n\n")
expect_eq "2001:DB8:0:0::25 finds the block of $V6_BLOCK" \
	"action=REJECT $V6_BLOCK is blocked: t-harden" "$out"
expect_eq "and counts its hit there" 1 "$(rcli HGET "${P}block:$V6_BLOCK" hits)"
check "the agent logs whom it accepts over TCP" grep -q \
	"policy: TCP clients accepted from 127.0.0.0/8, ::1 (loopback and the gateways; set policy.allow to choose)" "$LOG1"
"$AGENTS" stop gw1 >/dev/null

# --- out of descriptors: 40 at most (the hard limit too), 60 clients
private '.' --nofile=40:40
check "a private agent starts with 40 descriptors on :$HPORT" port_up "$HPORT"
check "max_clients is lowered to fit and says so" grep -q \
	"policy: max_clients 1024 lowered to 7: the descriptor limit (ulimit -n, the hard limit) is 40" "$TMP/agent.log"
lines0=$(wc -l < "$TMP/agent.log")
cpu0=$(cpu_ticks "$HPID")
out=$(clients "$HPORT" 5 60:127.0.0.1:full)
cpu1=$(cpu_ticks "$HPID")
lines1=$(wc -l < "$TMP/agent.log")
expect_eq "60 clients: 7 answered, the rest closed at once, none left waiting" \
	"5 60:127.0.0.1:full answered=7 closed=53 open=0" "$out"
check "the log grew by $((lines1 - lines0)) lines (< 20)" test "$((lines1 - lines0))" -lt 20
hz=$(getconf CLK_TCK)
check "the agent used $((cpu1 - cpu0)) ticks of CPU in 5 s (< $hz, a second)" \
	test "$((cpu1 - cpu0))" -lt "$hz"
out=$(ask "$HPORT" "${REQ}protocol_state=RCPT\nclient_address=$T_IP\n\n")
expect_eq "afterwards a request is answered" "action=DUNNO" "$out"
check "the agent lives" kill -0 "$HPID"
stop_private

# --- slots held: half requests, one peer taking them all, peers not allowed
private '. + { max_clients: 50, max_clients_per_peer: 40, request_timeout_s: 2,
	allow: [ "127.0.0.1", "127.0.0.3" ] }'
check "a private agent starts with max_clients 50 on :$HPORT" port_up "$HPORT"
clients "$HPORT" 1.5,9 40:127.0.0.1:half 1:127.0.0.1:full 5:127.0.0.3:half \
	5:127.0.0.3:none 1:127.0.0.3:full 1:127.0.0.2:full > "$TMP/clients"
expect_eq "at first: 40 half requests from 127.0.0.1 hold their slots" \
	"1.5 40:127.0.0.1:half answered=0 closed=0 open=40" "$(grep '^1.5 40:' "$TMP/clients")"
expect_eq "a 41st connection from 127.0.0.1 is closed at once (max_clients_per_peer 40)" \
	"1.5 1:127.0.0.1:full answered=0 closed=1 open=0" "$(grep '^1.5 1:127.0.0.1:' "$TMP/clients")"
expect_eq "5 half requests and 5 silent connections from 127.0.0.3 take the last slots" \
	"1.5 5:127.0.0.3:half answered=0 closed=0 open=5
1.5 5:127.0.0.3:none answered=0 closed=0 open=5" "$(grep '^1.5 5:' "$TMP/clients")"
expect_eq "the 51st connection is closed at once (max_clients 50)" \
	"1.5 1:127.0.0.3:full answered=0 closed=1 open=0" "$(grep '^1.5 1:127.0.0.3:' "$TMP/clients")"
expect_eq "127.0.0.2, not on the allow-list, is closed at once" \
	"1.5 1:127.0.0.2:full answered=0 closed=1 open=0" "$(grep '^1.5 1:127.0.0.2:' "$TMP/clients")"
expect_eq "within 9 s the server freed all 40 half requests of 127.0.0.1 (request_timeout_s 2)" \
	"9 40:127.0.0.1:half answered=0 closed=40 open=0" "$(grep '^9 40:' "$TMP/clients")"
expect_eq "and the 10 of 127.0.0.3, silent ones too" \
	"9 5:127.0.0.3:half answered=0 closed=5 open=0
9 5:127.0.0.3:none answered=0 closed=5 open=0" "$(grep '^9 5:' "$TMP/clients")"
out=$(ask "$HPORT" "${REQ}protocol_state=RCPT\nclient_address=$T_IP\n\n")
expect_eq "then a request is answered again" "action=DUNNO" "$out"
check "the refused peer is logged" grep -q \
	"policy: refused a connection from 127.0.0.2 on 127.0.0.1:$HPORT: not on the allow-list (policy.allow)" "$TMP/agent.log"
check "the peer at its cap is logged" grep -q \
	"policy: 127.0.0.1 holds 40 connections, the limit (max_clients_per_peer): refusing more from it" "$TMP/agent.log"
check "the freed slots are logged once" test "$(grep -c 'for 2 s (request_timeout_s)' "$TMP/agent.log")" -eq 1
check "the agent lives" kill -0 "$HPID"
stop_private
line=$(grep 'policy: stopping:' "$TMP/agent.log" | tail -n 1)
expect_contains "its counters at exit" "1 peers not allowed, 1 over the per-peer limit, 0 closed idle, 50 closed stuck" "$line"

cleanup
trap - EXIT
finish
