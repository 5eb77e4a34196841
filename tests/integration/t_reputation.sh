#!/bin/sh
# Reputation against the lab's unbound: the agents' block-list watch (listed
# on both zones with the reason, a removed record delisted by a forced check
# with an event, a garbage TXT shown sanitized and cut, a stopped resolver
# never "not listed"), the SPF check of agencies against spfquery for every
# case of the lab's records, permit import's warning, and bad names in the
# configuration refused with their key path.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN/mailnoc
LAB=$(dirname "$MAILNOC_CONFIG")
P=mailnoc:
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
ctl() { unbound-control -c "$LAB/dns/unbound.conf" "$@" >/dev/null; }
TMP=$(mktemp -d)
AGENCIES="t-spfok t-spfmiss t-spfinc t-spfmany t-spfsyn t-spfnone"
BL=25.113.0.203.bl.lab.example

dns_start() {
	if ! ss -Hltn "sport = :$LAB_DNS_PORT" | grep -q .; then
		setsid unbound -d -c "$LAB/dns/unbound.conf" </dev/null \
			>>"$LAB/dns/start.log" 2>&1 &
		i=0
		while [ $i -lt 100 ] && ! ss -Hltn "sport = :$LAB_DNS_PORT" | grep -q .; do
			sleep 0.1; i=$((i + 1))
		done
	fi
}
cleanup() {
	tests/lab/agents stop gw1 gw2 >/dev/null 2>&1
	# The events this test made (a garbage reason among them) would reach
	# the tests that follow: removed.
	for id in $("$B" events --count 50 --json 2>/dev/null | jq -r --argjson t "$t0" \
		'.[] | select(.at >= $t and (.type == "listed" or .type == "delisted")) | .id'); do
		rc xdel "${P}events" "$id" >/dev/null
	done
	dns_start
	# The records as tests/lab/up wrote them.
	ctl local_data "$BL. 300 IN A 127.0.0.2"
	ctl local_data "$BL. 300 IN TXT \"Listed for bulk mail to spam traps; see http://bl.lab.example/q?ip=203.0.113.25\""
	echo "server:" > "$LAB/dns/extra.conf"
	ctl reload
	for a in $AGENCIES; do rc del "${P}agency:$a" >/dev/null; rc srem "${P}agencies" "$a" >/dev/null; done
	rc hdel "${P}permit" 192.0.2.90 >/dev/null
	rc del "${P}permit:192.0.2.90" >/dev/null
	rm -rf "$TMP"
}
t0=$(date +%s)
trap cleanup EXIT
# jq on reputation --json: the entry of IP on ZONE.
entry() { jq -r --arg ip "$2" --arg z "$3" \
	'.entries[] | select(.ip == $ip and .zone == $z) | '"$4" "$1"; }

# ---------------------------------------------------------------- the watch
dns_start
for a in $AGENCIES; do rc del "${P}agency:$a" >/dev/null; rc srem "${P}agencies" "$a" >/dev/null; done
echo "server:" > "$LAB/dns/extra.conf"
ctl reload
tests/lab/agents stop gw1 gw2 >/dev/null 2>&1
rc del "${P}rep:gw1" "${P}rep:gw2" "${P}rep:check" >/dev/null
tests/lab/agents start gw1 gw2 >/dev/null 2>&1
i=0
while [ $i -lt 100 ] && { [ -z "$(rc hget "${P}rep:gw1" round_at)" ] ||
	[ -z "$(rc hget "${P}rep:gw2" round_at)" ]; }; do
	sleep 0.2; i=$((i + 1))
done
"$B" reputation --json > "$TMP/rep.json"
expect_eq "gw1 203.0.113.25 is listed on both zones at start" "listed listed" \
	"$(entry "$TMP/rep.json" 203.0.113.25 bl.lab.example .state) $(entry "$TMP/rep.json" 203.0.113.25 dnsbl.lab.example .state)"
expect_eq "... with the lists' codes" "127.0.0.2 127.0.0.4" \
	"$(entry "$TMP/rep.json" 203.0.113.25 bl.lab.example .code) $(entry "$TMP/rep.json" 203.0.113.25 dnsbl.lab.example .code)"
expect_eq "... and the TXT reasons" "Listed for bulk mail to spam traps; see http://bl.lab.example/q?ip=203.0.113.25|Poor reputation: too many invalid recipients from 203.0.113.25" \
	"$(entry "$TMP/rep.json" 203.0.113.25 bl.lab.example .reason)|$(entry "$TMP/rep.json" 203.0.113.25 dnsbl.lab.example .reason)"
expect_eq "the other egress addresses are not listed (4 pairs)" "4" \
	"$(jq '[.entries[] | select(.ip != "203.0.113.25" and .state == "not listed")] | length' "$TMP/rep.json")"
expect_eq "one round per gateway: an A per pair, a TXT per listing" "gw1 6 gw2 2" \
	"$(jq -r '[.nodes[] | .node, .queries] | join(" ")' "$TMP/rep.json")"
"$B" events --count 50 --json > "$TMP/ev.json"
expect_eq "a listed event per zone" "2" \
	"$(jq --argjson t "$t0" '[.[] | select(.at >= $t and .type == "listed" and .node == "gw1" and (.detail | startswith("203.0.113.25 on ")))] | length' "$TMP/ev.json")"
out=$("$B" reputation)
expect_contains "the text form says listed, since and the reason" \
	"gw1      203.0.113.25     bl.lab.example         listed" "$out"

# A restart reads the published state back: no second listed event.
tests/lab/agents stop gw1 >/dev/null 2>&1
before=$(rc hget "${P}rep:gw1" round_at)
tests/lab/agents start gw1 >/dev/null 2>&1
i=0
while [ $i -lt 50 ] && [ "$(rc hget "${P}rep:gw1" round_at)" = "$before" ]; do sleep 0.2; i=$((i + 1)); done
"$B" events --count 50 --json > "$TMP/ev.json"
expect_eq "an agent's restart announces no standing listing again" "2" \
	"$(jq --argjson t "$t0" '[.[] | select(.at >= $t and .type == "listed" and .node == "gw1")] | length' "$TMP/ev.json")"

# ---------------------------------------------------------------- garbage TXT
# 4 KB of escape sequences: 16 strings of 18 times 14 bytes (unbound's
# \DDD escapes are decimal).
s=$(printf '\\027[2J\\027]0;pwned\\007%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18)
txt=""
for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do txt="$txt \"$s\""; done
# unbound-control takes lines of about 1 KB: the lab's extra.conf, reloaded.
printf "server:\n    local-data: '%s'\n    local-data: '%s'\n" \
	"26.113.0.203.dnsbl.lab.example. 300 IN A 127.0.0.9" \
	"26.113.0.203.dnsbl.lab.example. 300 IN TXT$txt" > "$LAB/dns/extra.conf"
ctl reload
"$B" reputation --check --json > "$TMP/rep.json"
reason=$(entry "$TMP/rep.json" 203.0.113.26 dnsbl.lab.example .reason)
expect_eq "a garbage TXT listing is listed" "listed" \
	"$(entry "$TMP/rep.json" 203.0.113.26 dnsbl.lab.example .state)"
check "... its reason holds no control character" \
	sh -c "! printf '%s' \"\$1\" | LC_ALL=C grep -q '[[:cntrl:]]'" _ "$reason"
expect_contains "... shows the escapes visibly" '\x1b[2J\x1b]0;pwned\x07' "$reason"
check "... and is cut to 255 bytes with a mark (${#reason})" \
	sh -c '[ "${#1}" -le 255 ] && [ "${1%...}" != "$1" ]' _ "$reason"
out=$("$B" reputation)
check "the text form holds no escape character either" \
	sh -c "! printf '%s' \"\$1\" | LC_ALL=C grep -q \"\$(printf '\\033')\"" _ "$out"
echo "server:" > "$LAB/dns/extra.conf"
ctl reload

# ---------------------------------------------------------------- delisting
ctl local_data_remove "$BL"
"$B" reputation --check --json > "$TMP/rep.json"; code=$?
expect_eq "reputation --check: every gateway answered" "0 []" \
	"$code $(jq -c .not_answered "$TMP/rep.json")"
expect_eq "the removed record is delisted at once (the TTL of 300 s is not waited)" "not listed listed" \
	"$(entry "$TMP/rep.json" 203.0.113.25 bl.lab.example .state) $(entry "$TMP/rep.json" 203.0.113.25 dnsbl.lab.example .state)"
"$B" events --count 50 --json > "$TMP/ev.json"
expect_eq "... with a delisted event" "1" \
	"$(jq --argjson t "$t0" '[.[] | select(.at >= $t and .type == "delisted" and .node == "gw1" and .detail == "203.0.113.25 on bl.lab.example")] | length' "$TMP/ev.json")"
out=$(MAILNOC_CONFIG=$LAB/mailnoc-noc.json "$B" reputation --check 2>&1); code=$?
expect_eq "the read-only noc user may not ask for a check (exit 4)" 4 "$code"

# ---------------------------------------------------------------- SPF
set -- t-spfok:tax t-spfmiss:health t-spfinc:dmv t-spfmany:edu t-spfsyn:parks t-spfnone:lab
for pair in "$@"; do
	a=${pair%%:*} d=${pair#*:}.agency.example
	"$B" agency add "$a" --name "SPF test $a" --domains "$d" >/dev/null
done
"$B" spf --json > "$TMP/spf.json"; code=$?
expect_eq "spf exits 0: records that do not pass are its findings" 0 "$code"
# spfquery asks port 53 of /etc/resolv.conf's server: the lab's, in a
# mount namespace of its own.
for pair in "$@"; do
	a=${pair%%:*} d=${pair#*:}.agency.example
	for ip in 203.0.113.25 203.0.113.26 198.51.100.7; do
		ours=$(jq -r --arg a "$a" --arg ip "$ip" \
			'.[] | select(.agency == $a) | .checks[] | select(.ip == $ip) | .result' "$TMP/spf.json")
		ref=$(unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && spfquery -ip "$2" -sender "postmaster@$3" 2>/dev/null' \
			_ "$LAB/dns/resolv.conf" "$ip" "$d" | sed -n '/^EndError$/{n;p;q}; /^[a-z(]/{p;q}')
		# libspf2 calls a record that does not compile "(invalid)":
		# RFC 7208's permerror.
		[ "$ref" = "(invalid)" ] && ref=permerror
		expect_eq "spf $d from $ip equals spfquery's result ($ref)" "$ref" "$ours"
	done
done
got=""
for a in $AGENCIES; do
	got="$got $(jq -r --arg a "$a" '.[] | select(.agency == $a) | .checks[2].result' "$TMP/spf.json")"
done
expect_eq "from gw2, one result per case" " pass softfail pass permerror permerror none" "$got"
expect_contains "the over-limit case says why" "too many DNS lookups" \
	"$(jq -r '.[] | select(.agency == "t-spfmany") | .checks[0].reason' "$TMP/spf.json")"
out=$("$B" spf t-spfmiss)
expect_contains "the text form lists the failing pair with the record" \
	"record: v=spf1 ip4:203.0.113.25 ip4:203.0.113.26 ~all" "$out"
"$B" spf t-spfok >/dev/null; code=$?
expect_eq "spf of an agency that passes everywhere exits 0" 0 "$code"

printf 'agency,application,ip,expected_volume\nt-spfmiss,notices,192.0.2.90,10\n' > "$TMP/p.csv"
out=$("$B" permit import "$TMP/p.csv" --yes 2>&1)
expect_contains "permit import warns about the agency's SPF" \
	"warning: agency t-spfmiss: SPF of health.agency.example does not pass from gw2 198.51.100.7: softfail" "$out"
expect_eq "... and imported the permit all the same" "t-spfmiss" "$(rc hget "${P}permit" 192.0.2.90)"

# ---------------------------------------------------------------- no resolver
kill "$(cat "$LAB/run/unbound.pid")"
i=0
while [ $i -lt 50 ] && ss -Hltn "sport = :$LAB_DNS_PORT" | grep -q .; do sleep 0.1; i=$((i + 1)); done
ev1=$(rc xlen "${P}events")
since=$(entry "$TMP/rep.json" 203.0.113.25 dnsbl.lab.example .since)
"$B" spf t-spfok --json > "$TMP/raw.json" 2>/dev/null; code=$?
jq -s '.[0]' "$TMP/raw.json" > "$TMP/spf.json"
expect_eq "spf with unbound stopped: temperror, exit 3" "3 temperror temperror temperror" \
	"$code $(jq -r '[.[0].checks[].result] | join(" ")' "$TMP/spf.json")"
expect_contains "... the reason says the resolver is unreachable" "resolver unreachable" \
	"$(jq -r '.[0].checks[0].reason' "$TMP/spf.json")"
"$B" reputation --check --json > "$TMP/rep.json" &
check_pid=$!
# While the agents' rounds wait for answers that do not come, their
# policy services answer at once (the watch is a thread of its own).
sleep 2.5
ms=$(perl -MIO::Socket::INET -MTime::HiRes=time -e '
	my $t = time;
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]", Timeout => 5) or die "connect: $!\n";
	print $s "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.77\n" .
		"sender=a\@x.example\nrecipient=b\@y.example\n\n";
	local $SIG{ALRM} = sub { print "timeout\n"; exit 0 }; alarm 5;
	while (defined(my $l = <$s>)) { last if $l eq "\n"; }
	printf "%d\n", (time - $t) * 1000;' "$LAB_GW1_POLICY_PORT")
check "gw1's policy service answers within 500 ms while its round hangs ($ms ms)" \
	test "$ms" != timeout -a "${ms:-9999}" -lt 500
wait "$check_pid"
expect_eq "reputation with unbound stopped: no pair is 'not listed'" "0" \
	"$(jq '[.entries[] | select(.state == "not listed")] | length' "$TMP/rep.json")"
expect_eq "... the listing stands, the rest is unknown" "listed 5" \
	"$(entry "$TMP/rep.json" 203.0.113.25 dnsbl.lab.example .state) $(jq '[.entries[] | select(.state == "unknown")] | length' "$TMP/rep.json")"
expect_contains "... with the error" "resolver unreachable" \
	"$(entry "$TMP/rep.json" 203.0.113.26 bl.lab.example .error)"
expect_eq "... and no event (a failure is not a delisting)" "$ev1" "$(rc xlen "${P}events")"
dns_start
"$B" reputation --check --json > "$TMP/rep.json"
expect_eq "unbound back (with its records as at start): answered again" "listed listed 4" \
	"$(entry "$TMP/rep.json" 203.0.113.25 bl.lab.example .state) $(entry "$TMP/rep.json" 203.0.113.25 dnsbl.lab.example .state) $(jq '[.entries[] | select(.state == "not listed")] | length' "$TMP/rep.json")"
expect_eq "... the standing listing kept its since" "$since" \
	"$(entry "$TMP/rep.json" 203.0.113.25 dnsbl.lab.example .since)"

# ---------------------------------------------------------------- bad names
for bad in 'bl example.org' 'bl.example.org"' 'bl.example.org.'; do
	jq --arg z "$bad" '.dnsbl.zones = ["bl.lab.example", $z]' "$MAILNOC_CONFIG" > "$TMP/bad.json"
	out=$("$B" --config "$TMP/bad.json" --check-config 2>&1); code=$?
	expect_contains "zone '$bad' refused at load with its key path (exit $code)" \
		"$TMP/bad.json: dnsbl.zones[1]: '$bad' is not a DNS zone name" "$out"
done
jq '.nodes[0].egress = ["203.0.113.0/24"]' "$MAILNOC_CONFIG" > "$TMP/bad.json"
out=$("$B" --config "$TMP/bad.json" --check-config 2>&1)
expect_contains "an egress network is refused at load" "nodes[0].egress[0]: '203.0.113.0/24' is not an IP address" "$out"
for bad in 'a b.example' 'a.example.' "a'.example"; do
	out=$("$B" agency set t-spfok --domains "$bad" 2>&1); code=$?
	expect_eq "agency --domains '$bad' refused (exit 2)" 2 "$code"
done
out=$("$B" --check-config 2>&1)
expect_contains "--check-config shows the egress addresses" "egress 203.0.113.25, 203.0.113.26" "$out"
expect_contains "... the resolver and the zones" "dnsbl: every 600 s on bl.lab.example, dnsbl.lab.example" "$out"

finish
