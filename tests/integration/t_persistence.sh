#!/bin/sh
# Nothing mailnoc writes is lost when Redis restarts: every kind of write
# (blocks with and without --hold, unblock, extend, permits added, imported
# and removed, agencies added and changed, audit records, events, drain
# flags, volume counters, heartbeats), then a restart by SIGTERM and one by
# SIGKILL a few seconds after the last write (appendfsync everysec); a dump
# of the prefix is the same before and after, byte for byte. Also: the
# persistence check of --check-config and status, on the lab (replayable)
# and on a Redis whose default user has no permissions.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
P=mailnoc:
T=$(mktemp -d)
export MAILNOC_AUDIT_FILE="$T/audit.jsonl"
pw=$(cat "$LAB/secrets/admin.pass")
rc() { redis-cli -p "$LAB_REDIS_PORT" --user admin --pass "$pw" --no-auth-warning "$@"; }
mn() { "$B/mailnoc" "$@" --yes </dev/null >>"$T/out" 2>&1; }
port_up() { ss -Hltn "sport = :$LAB_REDIS_PORT" 2>/dev/null | grep -q .; }
IPS="127.0.9.1 127.0.9.2 127.0.9.3"
cleanup() {
	port_up || tests/lab/up >/dev/null 2>&1
	for ip in $IPS; do "$B/mailnoc" unblock "$ip" --yes >/dev/null 2>&1; done
	"$B/mailnoc" undrain gw2 --yes >/dev/null 2>&1
	"$B/mailnoc" queue delete --filter sender:persist@agency.test --yes >/dev/null 2>&1
	rc HDEL "${P}permit" 127.0.9.10 127.0.9.11 127.0.9.12 >/dev/null 2>&1
	rc SREM "${P}agencies" ptest >/dev/null 2>&1
	rc DEL "${P}agency:ptest" >/dev/null 2>&1
	for id in $(rc ZRANGE "${P}bulks" 0 -1); do
		[ "$(rc HGET "${P}bulk:$id" agency)" = ptest ] &&
			"$B/mailnoc" bulk cancel "$id" --yes >/dev/null 2>&1
	done
	tests/lab/agents stop gw1 >/dev/null 2>&1
	[ -f "$T/r/pid" ] && kill -KILL "$(cat "$T/r/pid")" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# Every key under the prefix, one line each: key, type, absolute expiry
# (EXPIRETIME: the same before and after a restart) and the whole value.
dump() {
	rc --scan --pattern "${P}*" | LC_ALL=C sort | while read -r k; do
		t=$(rc TYPE "$k")
		case "$t" in
		string) v=$(rc GET "$k") ;;
		hash) v=$(rc HGETALL "$k" | paste - - | LC_ALL=C sort) ;;
		set) v=$(rc SMEMBERS "$k" | LC_ALL=C sort) ;;
		zset) v=$(rc ZRANGE "$k" 0 -1 WITHSCORES) ;;
		stream) v=$(rc XRANGE "$k" - +) ;;
		*) v="?" ;;
		esac
		printf '%s\t%s\t%s\t%s\n' "$k" "$t" "$(rc EXPIRETIME "$k")" \
			"$(echo "$v" | tr '\n' '\036')"
	done
}
# Keys that expire before $1 (epoch seconds), or while being dumped, may
# rightly be gone: leave them out of both sides of the comparison.
lasting() { awk -F '\t' -v t="$1" '$2 != "none" && ($3 == -1 || $3 > t)'; }
# Waits until the lab's redis-server has exited after signal $1.
redis_kill() {
	pid=$(cat "$LAB/redis/redis.pid" 2>/dev/null)
	[ -n "$pid" ] || return 1
	kill -"$1" "$pid" || return 1
	i=0
	while [ -d "/proc/$pid" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ ! -d "/proc/$pid" ]
}
compare() {   # what, before-file
	after=$T/after.$1
	dump > "$after"
	horizon=$(($(date +%s) + 5))
	lasting "$horizon" < "$2" > "$2.l"
	lasting "$horizon" < "$after" > "$after.l"
	n=$(wc -l < "$2.l")
	if cmp -s "$2.l" "$after.l"; then
		ok "after a restart by $1 all $n keys under the prefix are the same"
	else
		not_ok "after a restart by $1 all $n keys under the prefix are the same"
		diff "$2.l" "$after.l" | head -20 | sed 's/^/# /'
	fi
}

# --- the lab's Redis: append-only file on, default may replay
out=$("$B/mailnoc" --check-config 2>&1)
expect_contains "--check-config finds the lab's Redis replayable" \
	"redis persistence: append-only file on (appendfsync everysec), replayable" "$out"
out=$("$B/mailnoc" status 2>&1)
expect_contains "status says so too" "redis persistence: append-only file on" "$out"
expect_eq "status --json: persistence ok" ok \
	"$("$B/mailnoc" status --json | jq -r .persistence.state)"
out=$("$B/mailnoc" --config "$LAB/mailnoc-noc.json" --check-config 2>&1)
expect_contains "the read-only user may not ask: not checked" \
	"redis persistence: not checked: user 'noc'" "$out"

# --- every kind of write
tests/lab/agents start gw1 >/dev/null 2>&1
expect_eq "gw1's agent starts (heartbeats, events, volume counters)" 0 $?
out=$(tests/lab/traffic --gw gw1 --from-ip 127.0.1.10 -n 3 -m 2 --to-domain accept.test 2>&1)
expect_contains "agency traffic through gw1's policy service" "queued 3 message" "$out"
out=$(tests/lab/traffic --gw gw2 --from-ip 127.0.9.2 -n 2 --to-domain dead.test \
	--sender persist@agency.test 2>&1)
expect_contains "mail from 127.0.9.2 waits in gw2's queue" "queued 2 message" "$out"
sleep 1
tests/lab/agents stop gw1 >/dev/null 2>&1
check "vol:m counters were written" test -n "$(rc --scan --pattern "${P}vol:m:*" | head -1)"

naudit() { "$B/mailnoc" audit --json --limit 100000 | jq length; }
audit0=$(naudit)
: > "$T/out"
mn block 127.0.9.1 --for 1h --reason "persist temporary"
expect_eq "block --for" 0 $?
mn block 127.0.9.2 --permanent --reason "persist permanent" --hold
expect_eq "block --permanent --hold" 0 $?
mn block 127.0.9.3 --for 2h --reason "persist unblocked"
mn unblock 127.0.9.3
expect_eq "unblock" 0 $?
mn extend 127.0.9.1 --for 3h
expect_eq "extend" 0 $?
mn agency add ptest --name "Persistence test" --max-rcpts 7
expect_eq "agency add" 0 $?
mn agency set ptest --max-rcpts 9
expect_eq "agency set" 0 $?
mn permit add 127.0.9.10 ptest
expect_eq "permit add" 0 $?
printf 'agency,application,ip,expected_volume\nptest,app1,127.0.9.11,10\nptest,app2,127.0.9.12,20\n' > "$T/permits.csv"
mn permit import "$T/permits.csv"
expect_eq "permit import" 0 $?
mn permit remove 127.0.9.12
expect_eq "permit remove" 0 $?
mn drain --timeout 0 gw2
expect_eq "drain (the flag)" 0 $?
mn bulk announce ptest --start +1h --end +2h --rcpts 3000 --jobs 3 --note "persist"
expect_eq "bulk announce" 0 $?
mn bulk announce ptest --start +3h --end +4h --rcpts 10
bulk_gone=$(rc ZRANGEBYSCORE "${P}bulks" "($(($(date +%s) + 10000))" +inf | tail -1)
mn bulk cancel "$bulk_gone"
expect_eq "bulk cancel" 0 $?
check "every write went to Redis, none to the spool" test ! -s "$MAILNOC_AUDIT_FILE"
[ -s "$MAILNOC_AUDIT_FILE" ] && sed 's/^/# /' "$T/out"
expect_eq "the audit stream holds all 14" 14 $(($(naudit) - audit0))

sleep 2 # let appendfsync everysec write the last second
dump > "$T/before"
check "the dump holds the block" grep -q "^${P}block:127.0.9.1	hash" "$T/before"
check "the dump holds the bulk announcement" grep -q "^${P}bulk:[0-9]*	hash.*persist" "$T/before"
check "the dump holds the audit stream" grep -q "^${P}audit	stream" "$T/before"

# --- restart by SIGTERM
check "redis-server stops on SIGTERM" redis_kill TERM
tests/lab/up >/dev/null 2>&1
expect_eq "tests/lab/up brings redis-server back" 0 $?
compare SIGTERM "$T/before"

# --- restart by SIGKILL, after one more write and a second of appendfsync
mn block 127.0.9.3 --for 2h --reason "persist after restart"
expect_eq "a block after the restart" 0 $?
sleep 2
dump > "$T/before2"
check "redis-server dies on SIGKILL" redis_kill KILL
tests/lab/up >/dev/null 2>&1
expect_eq "tests/lab/up brings redis-server back" 0 $?
compare SIGKILL "$T/before2"
out=$("$B/mailnoc" blocks 2>&1)
expect_contains "mailnoc blocks still lists the permanent block" "127.0.9.2" "$out"
check "no transaction was dropped while replaying (no NOPERM in the log)" \
	sh -c "! grep -q NOPERM '$LAB/redis/redis.log'"

# --- a Redis whose default user may not replay: the check says what to change
RP=16398
mkdir -p "$T/r"
check "port $RP is free for a scratch redis-server" \
	sh -c "! ss -Hltn 'sport = :$RP' | grep -q ."
printf 'user default off\nuser admin on >%s ~* &* +@all\n' "$pw" > "$T/r/users.acl"
redis-server --port "$RP" --bind 127.0.0.1 --dir "$T/r" --daemonize yes \
	--pidfile "$T/r/pid" --logfile "$T/r/log" --aclfile "$T/r/users.acl" \
	--appendonly yes >/dev/null
i=0
until redis-cli -p "$RP" ping 2>/dev/null | grep -q NOAUTH || [ "$i" -ge 50 ]; do
	sleep 0.1; i=$((i + 1))
done
jq --argjson p "$RP" '.redis.port = $p' "$MAILNOC_CONFIG" > "$T/bad.json"
out=$("$B/mailnoc" --config "$T/bad.json" --check-config 2>&1)
expect_eq "--check-config with a default user that cannot replay exits 2" 2 $?
expect_contains "and says what to change" \
	"put 'user default off resetpass ~* &* +@all' in the ACL file" "$out"
out=$("$B/mailnoc" --config "$T/bad.json" status --json 2>/dev/null | jq -r .persistence.state)
expect_eq "status --json says risk" risk "$out"
redis-cli -p "$RP" --user admin --pass "$pw" --no-auth-warning CONFIG SET appendonly no >/dev/null
out=$("$B/mailnoc" --config "$T/bad.json" --check-config 2>&1)
expect_contains "an append-only file off is a problem too" \
	"problem: redis persistence: the append-only file is off" "$out"
finish
