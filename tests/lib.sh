# Shell helpers for the integration and e2e tests: TAP-like ok/not ok lines.
# shellcheck shell=sh

T_PASS=0
T_FAIL=0
T_NAME=$(basename "$0")

ok() {
	T_PASS=$((T_PASS + 1))
	echo "ok - $T_NAME: $*"
}

not_ok() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $T_NAME: $*"
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '  expected: %s\n  actual:   %s\n' "$2" "$3"
	fi
}

# expect_contains DESCRIPTION NEEDLE HAYSTACK
expect_contains() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*)
		not_ok "$1"
		printf '  expected to contain: %s\n  actual: %s\n' "$2" "$3"
		;;
	esac
}

finish() {
	echo "# $T_NAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

# lab_env: the lab a test runs against, from MAILNOC_CONFIG and MAILNOC_BIN:
# B (the binaries), ROOT (the tree), LAB (the lab directory, exported as
# MAILNOC_LAB_DIR for the lab's scripts), AGENTS (tests/lab/agents) and
# every LAB_*_PORT (tests/lab/ports).
lab_env() {
	B=$MAILNOC_BIN
	ROOT=$(cd "$(dirname "$0")/../.." && pwd)
	LAB=$(dirname "$MAILNOC_CONFIG")
	MAILNOC_LAB_DIR=$LAB
	export MAILNOC_LAB_DIR MAILNOC_BIN
	. "$ROOT/tests/lab/ports"
	AGENTS=$ROOT/tests/lab/agents
}

# redis_env: the Redis of MAILNOC_CONFIG, for rcli: REDIS_HOST, REDIS_PORT,
# REDIS_USER, REDIS_PASS_FILE and the key prefix P.
redis_env() {
	REDIS_HOST=$(jq -r .redis.host "$MAILNOC_CONFIG")
	REDIS_PORT=$(jq -r .redis.port "$MAILNOC_CONFIG")
	REDIS_USER=$(jq -r .redis.user "$MAILNOC_CONFIG")
	REDIS_PASS_FILE=$(jq -r .redis.password_file "$MAILNOC_CONFIG")
	P=$(jq -r '.redis.prefix // "mailnoc:"' "$MAILNOC_CONFIG")
}

# rcli ARGS...: redis-cli as the configured user (after redis_env).
rcli() {
	REDISCLI_AUTH=$(cat "$REDIS_PASS_FILE") redis-cli -h "$REDIS_HOST" \
		-p "$REDIS_PORT" --user "$REDIS_USER" --no-auth-warning "$@"
}

# lcli ARGS...: redis-cli as the lab's own superuser on the plain port (after
# lab_env), for what no role of mailnoc may do: SHUTDOWN, other prefixes,
# ACL SETUSER.
lcli() {
	REDISCLI_AUTH=$(cat "$LAB/secrets/lab.pass") redis-cli -h 127.0.0.1 \
		-p "$LAB_REDIS_PORT" --user lab --no-auth-warning "$@"
}

# port_up PORT: something listens on that TCP port.
port_up() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# wait_until SECONDS COMMAND...: runs the command every 0.2 s until it
# succeeds (true) or SECONDS have passed (false).
wait_until() {
	w_limit=$(($1 * 5))
	shift
	w_i=0
	while [ "$w_i" -lt "$w_limit" ]; do
		if "$@"; then return 0; fi
		sleep 0.2
		w_i=$((w_i + 1))
	done
	return 1
}

# ssh_forced_key DIR SCRIPT COMMENT: a key of the test's own, DIR/id_ed25519,
# that the lab's sshd lets run only SCRIPT (the command asked for is in its
# SSH_ORIGINAL_COMMAND). The lab's authorized_keys is kept in
# DIR/authorized_keys.orig for ssh_forced_key_undo.
ssh_forced_key() {
	ssh-keygen -q -t ed25519 -N '' -C "$3" -f "$1/id_ed25519"
	chmod 755 "$2"
	cp "$LAB/ssh/authorized_keys" "$1/authorized_keys.orig"
	printf 'command="%s",no-pty,no-port-forwarding,no-agent-forwarding %s\n' \
		"$2" "$(cat "$1/id_ed25519.pub")" >> "$LAB/ssh/authorized_keys"
}

# ssh_forced_key_undo DIR: the lab's authorized_keys as ssh_forced_key found
# it (nothing when it did not run).
ssh_forced_key_undo() {
	[ ! -f "$1/authorized_keys.orig" ] ||
		cp "$1/authorized_keys.orig" "$LAB/ssh/authorized_keys"
}

# rc ARGS...: redis-cli as the lab's admin on the plain port (LAB and
# LAB_REDIS_PORT set).
rc() {
	REDISCLI_AUTH=$(cat "$LAB/secrets/admin.pass") redis-cli \
		-p "$LAB_REDIS_PORT" --user admin --no-auth-warning "$@"
}

# unblock IP: the block of IP gone from Redis, as if it never was.
unblock() {
	rc del "mailnoc:block:$1" >/dev/null
	rc zrem mailnoc:blocks "$1" >/dev/null
}

# ssh_gate_key DIR PATTERN COMMENT: ssh_forced_key through a gate, DIR/gate,
# that before a command matching the case PATTERN writes its pid to
# DIR/gate.pid and waits a second, so that a test can freeze the sshd session
# serving it at a known point: the command started, nothing done yet. DIR
# (made here, empty) belongs to the lab's SSH user, who runs the gate.
ssh_gate_key() {
	rm -rf "$1"
	install -d -m 755 -o mailnoc "$1"
	cat > "$1/gate" <<EOF
#!/bin/sh
case "\$SSH_ORIGINAL_COMMAND" in
$2)
	echo \$\$ > "$1/gate.pid.tmp" && mv "$1/gate.pid.tmp" "$1/gate.pid"
	sleep 1 ;;
esac
exec /bin/sh -c "\$SSH_ORIGINAL_COMMAND"
EOF
	ssh_forced_key "$1" "$1/gate" "$3"
}

# agency_forget ID...: the agencies gone from Redis with their counts in
# every volume bucket (after redis_env).
agency_forget() {
	for a; do
		rcli DEL "${P}agency:$a" >/dev/null
		rcli SREM "${P}agencies" "$a" >/dev/null
		for k in $(rcli --scan --pattern "${P}vol:*"); do
			for m in msgs rcpts bytes rejected deferred; do
				rcli HDEL "$k" "$a|$m" >/dev/null
			done
		done
	done
}

# block_forget IP...: the blocks gone from Redis (after redis_env).
block_forget() {
	for ip; do
		rcli DEL "${P}block:$ip" >/dev/null
		rcli ZREM "${P}blocks" "$ip" >/dev/null
	done
}

# pq GW: gateway GW's queue as postqueue -j lists it (LAB set).
pq() { postqueue -c "$LAB/$1/etc" -j; }

# count_in GW QUEUE: how many messages GW holds in QUEUE.
count_in() {
	pq "$1" | jq -r "select(.queue_name == \"$2\") | .queue_id" | wc -l |
		tr -d ' '
}

# deferred_are N1 N2: gw1 and gw2 hold N1 and N2 deferred messages.
deferred_are() {
	[ "$(count_in gw1 deferred)" = "$1" ] &&
		[ "$(count_in gw2 deferred)" = "$2" ]
}

# queues_clear: both gateways' queues emptied.
queues_clear() {
	for gw in gw1 gw2; do
		postsuper -c "$LAB/$gw/etc" -d ALL >/dev/null 2>&1
	done
}

# thousands N: N as mailnoc writes counts (1681 -> 1,681).
thousands() {
	echo "$1" | awk '{ s = $1; r = ""; while (length(s) > 3) {
		r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
		print s r }'
}

# The lab's agents that run now (tests/lab/agents), as "gw1 mbx2 ".
# agents_restore LIST: starts those and stops the others, so a test that
# starts or stops agents leaves them as it found them.
T_AGENTS=$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)/tests/lab/agents
agents_running() {
	for a_n in gw1 gw2 mbx1 mbx2; do
		"$T_AGENTS" status "$a_n" >/dev/null 2>&1 && printf '%s ' "$a_n"
	done
}
agents_restore() {
	for a_n in gw1 gw2 mbx1 mbx2; do
		case " $1 " in
		*" $a_n "*) "$T_AGENTS" start "$a_n" >/dev/null 2>&1 ;;
		*) "$T_AGENTS" stop "$a_n" >/dev/null 2>&1 ;;
		esac
	done
}

# policy_ask PORT IP: the answer of the policy service on PORT to a relay
# request from IP (3 s at most; empty when it does not answer).
policy_ask() {
	perl -e '
		use IO::Socket::INET;
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or exit 0;
		print $s "request=smtpd_access_policy\nprotocol_state=RCPT\n" .
			"client_address=$ARGV[1]\n\n";
		local $SIG{ALRM} = sub { exit 0 }; alarm 3;
		while (defined(my $l = <$s>)) { chomp $l; last if $l eq ""; print "$l\n" }' "$1" "$2"
}

# policy_wait PORT SECONDS EXPECTED IP: true once the policy service on PORT
# answers EXPECTED for IP, asking every 0.2 s for SECONDS at most.
policy_wait() {
	pw_i=0
	while [ "$pw_i" -lt "$(($2 * 5))" ]; do
		[ "$(policy_ask "$1" "$4")" = "$3" ] && return 0
		sleep 0.2
		pw_i=$((pw_i + 1))
	done
	return 1
}

# sentinel_seed_gw1 MASTER REPLICA: the Sentinel tests' node: an active
# gateway gw1 of cluster gw with 7 deferred, written to the Redis on port
# MASTER; returns once the replica on port REPLICA has it too (5 s at most),
# so that it outlives the master's going.
sentinel_seed_gw1() {
	redis-cli -p "$1" hset mailnoc:node:gw1 role gateway cluster gw \
		state active q_deferred 7 updated_at "$(date +%s)" >/dev/null
	redis-cli -p "$1" set mailnoc:node:gw1:alive 1 ex 60 >/dev/null
	for sg_i in $(seq 50); do
		[ "$(redis-cli -p "$2" hget mailnoc:node:gw1 q_deferred)" = 7 ] && break
		sleep 0.1
	done
}

# sentinel_failover MASTER SENTINEL PORT: shuts down the Redis master on
# port MASTER; true once the Sentinel on port SENTINEL names the master of
# "lab" at PORT (30 s at most).
sentinel_failover() {
	redis-cli -p "$1" shutdown nosave >/dev/null 2>&1
	sf_i=0
	while [ "$sf_i" -lt 300 ]; do
		[ "$(redis-cli -p "$2" sentinel get-master-addr-by-name lab \
			2>/dev/null | tail -n 1)" = "$3" ] && return 0
		sleep 0.1
		sf_i=$((sf_i + 1))
	done
	return 1
}

# suspect_forget IP: the harvest suspect IP (its block too) and the mail
# tests/lab/mixed left queued on gw1 go, so no ALERT or queue is left for
# other tests (after lab_env).
suspect_forget() {
	lcli DEL "mailnoc:block:$1" "mailnoc:suspect:$1" >/dev/null
	lcli ZREM mailnoc:blocks "$1" >/dev/null
	lcli ZREM mailnoc:suspects "$1" >/dev/null
	postqueue -c "$LAB/gw1/etc" -j 2>/dev/null |
		jq -r 'select(.sender == "mixed@agency.test") | .queue_id' |
		postsuper -c "$LAB/gw1/etc" -d - >/dev/null 2>&1
}

# harvest_alert_gone IP: waits up to 20 s for the agents to resolve the
# harvest alert of a forgotten suspect (none left for other tests).
harvest_alert_gone() {
	wait_until 20 sh -c '! "$1" alerts --json 2>/dev/null | jq -e --arg ip "$2" \
		"any(.[]; .kind == \"harvest\" and .subject == \$ip)" >/dev/null' \
		sh "$MAILNOC_BIN/mailnoc" "$1"
	return 0
}

# alerts_clear: every alert and silence record goes (after lab_env).
alerts_clear() {
	for a_k in $(lcli --scan --pattern 'mailnoc:alert*') \
	    $(lcli --scan --pattern 'mailnoc:silence*'); do
		lcli DEL "$a_k" >/dev/null
	done
}

# scratch_redis DIR PORT [ARGS...]: a throw-away redis-server of a test's
# own on 127.0.0.1:PORT (no persistence), its files in DIR.
scratch_redis() {
	s_dir=$1 s_port=$2
	shift 2
	redis-server --port "$s_port" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$s_dir" --dbfilename "dump$s_port.rdb" --daemonize yes \
		--logfile "$s_dir/redis$s_port.log" --pidfile "$s_dir/redis$s_port.pid" \
		"$@" >/dev/null
}

# scratch_sentinel DIR PORT NAME MASTER REPLICA: a Sentinel of a test's own
# on 127.0.0.1:PORT watching master NAME at MASTER (quorum 1, down after
# 1 s), its files in DIR; returns once it and the REPLICA answer.
scratch_sentinel() {
	cat > "$1/sentinel.conf" <<EOC
port $2
bind 127.0.0.1
daemonize yes
logfile $1/sentinel.log
pidfile $1/sentinel.pid
dir $1
sentinel monitor $3 127.0.0.1 $4 1
sentinel down-after-milliseconds $3 1000
sentinel failover-timeout $3 5000
EOC
	redis-server "$1/sentinel.conf" --sentinel >/dev/null
	for s_i in $(seq 50); do
		redis-cli -p "$2" ping >/dev/null 2>&1 &&
			redis-cli -p "$5" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
}

# harvest_quiet: the gateways' followers have read their logs to the end
# (log:pos:NODE's offset is the file's size), then every harvest suspect
# goes and the agents resolve their alerts: an earlier test's harvest
# (t_lab_mail_mix) raises none under a test that counts alerts (after
# lab_env or with LAB and LAB_REDIS_PORT set).
harvest_quiet() {
	for h_n in gw1 gw2; do
		wait_until 30 sh -c '[ "$(REDISCLI_AUTH=$(cat "$1/secrets/lab.pass") \
			redis-cli -p "$2" --user lab --no-auth-warning \
			HGET mailnoc:log:pos:$3 offset)" = "$(stat -c %s "$1/$3/maillog")" ]' \
			sh "$LAB" "$LAB_REDIS_PORT" "$h_n" || true
	done
	for h_k in $(lcli --scan --pattern 'mailnoc:suspect:*'); do
		lcli DEL "$h_k" >/dev/null
	done
	lcli DEL mailnoc:suspects >/dev/null
	wait_until 20 sh -c '! "$1" alerts --json 2>/dev/null |
		jq -e "any(.[]; .kind == \"harvest\")" >/dev/null' \
		sh "$MAILNOC_BIN/mailnoc" || true
}

# filter_quiet: after a test that stopped the lab's rspamd, what the mail
# passing meanwhile left goes: the followers first read their logs to the
# end (they count unscanned mail as they read it), then the filter keys are
# deleted and the filter alerts resolve, so that later tests count only
# their own alerts.
filter_quiet() {
	for f_n in gw1 gw2; do
		wait_until 30 sh -c '[ "$(REDISCLI_AUTH=$(cat "$1/secrets/lab.pass") \
			redis-cli -p "$2" --user lab --no-auth-warning \
			HGET mailnoc:log:pos:$3 offset)" = "$(stat -c %s "$1/$3/maillog")" ]' \
			sh "$LAB" "$LAB_REDIS_PORT" "$f_n" || true
	done
	for f_k in $(lcli --scan --pattern 'mailnoc:filter:*'); do
		lcli DEL "$f_k" >/dev/null
	done
	wait_until 30 sh -c '! "$1" alerts --json 2>/dev/null |
		jq -e "any(.[]; .kind == \"filter-unscanned\" or .kind == \"filter-down\")" >/dev/null' \
		sh "$MAILNOC_BIN/mailnoc" || true
}
