#!/bin/sh
# Least privilege in Redis: the lab's agents run under their own ACL users
# (agent-NODE, the lines of `mailnoc acl`), which may write only their
# node's keys, the counts and events, and only read blocks (but count their
# hits), permits and agencies. t_policy.sh, t_policy_agent.sh and
# t_heartbeat.sh show the policy service and the heartbeat working so.
# Needs the lab up, MAILNOC_CONFIG exported and the binaries in MAILNOC_BIN.
. "$(dirname "$0")/../lib.sh"
. tests/lab/ports
B=$MAILNOC_BIN
LAB=$(dirname "$MAILNOC_CONFIG")
MAILNOC_LAB_DIR=$LAB
export MAILNOC_LAB_DIR
P=$(jq -r '.redis.prefix // "mailnoc:"' "$MAILNOC_CONFIG")
IP=127.0.2.211        # a block this test owns (not permitted)
PERMITTED=127.0.1.20  # seeded: health

as() {   # USER ARGS...: redis-cli as that lab user
	u=$1
	shift
	REDISCLI_AUTH=$(cat "$LAB/secrets/$u.pass") redis-cli -h 127.0.0.1 \
		-p "$LAB_REDIS_PORT" --user "$u" --no-auth-warning "$@" 2>&1
}
# refused USER ARGS...: the command answers NOPERM (or, in a script, the
# ACL's error) and nothing else.
refused() {
	r=$(as "$@")
	case "$r" in
	NOPERM*|*"can't run this command"*|*"no permissions to access"*) return 0 ;;
	esac
	echo "# $* answered: $r" >&2
	return 1
}

cleanup() {
	tests/lab/agents stop >/dev/null 2>&1
	as admin DEL "${P}block:$IP" >/dev/null
	as admin ZREM "${P}blocks" "$IP" >/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- the ACL file is the generated one, with hashes, and nothing in clear
acl=$(as lab ACL LIST)
for u in noc admin agent-gw1 agent-gw2 agent-mbx1 agent-mbx2; do
	check "redis has the user $u" sh -c "echo '$acl' | grep -q '^user $u on #'"
done
check "users.acl holds no password in clear" sh -c \
	"! grep -qF -e \"\$(cat $LAB/secrets/admin.pass)\" -e \"\$(cat $LAB/secrets/agent-gw1.pass)\" $LAB/redis/users.acl"
expect_eq "the agents' lines are those of 'mailnoc acl'" \
	"$("$B/mailnoc" acl --prefix "$P" --node gw1 --node gw2 --node mbx1 --node mbx2 |
		grep '^user agent-' | sed 's/#<sha256> //' | sort)" \
	"$(grep '^user agent-' "$LAB/redis/users.acl" | sed 's/#[0-9a-f]\{64\} //' | sort)"

# --- the running agents are connected as their own users
tests/lab/agents start >/dev/null
expect_eq "the agents run" 0 "$?"
users=$(as lab CLIENT LIST | grep -o ' user=[^ ]*' | sort -u | tr '\n' ' ')
for u in agent-gw1 agent-gw2 agent-mbx1 agent-mbx2; do
	expect_contains "a connection of $u" "user=$u " "$users"
done

# --- what an agent's user may not do
as admin HSET "${P}block:$IP" reason "t_acl" who t since 0 until 0 >/dev/null
as admin ZADD "${P}blocks" 0 "$IP" >/dev/null
check "agent-gw1 cannot DEL a block" refused agent-gw1 DEL "${P}block:$IP"
check "nor UNLINK it" refused agent-gw1 UNLINK "${P}block:$IP"
check "nor HDEL its reason" refused agent-gw1 HDEL "${P}block:$IP" reason until
check "nor EXPIRE it" refused agent-gw1 EXPIRE "${P}block:$IP" 1
check "nor remove it from the index" refused agent-gw1 ZREM "${P}blocks" "$IP"
check "nor delete it in a script" refused agent-gw1 EVAL "return redis.call('DEL', ARGV[1])" 0 "${P}block:$IP"
check "nor delete it in a loaded script" refused agent-gw1 EVALSHA \
	"$(as admin SCRIPT LOAD "return redis.call('DEL', ARGV[1])")" 0 "${P}block:$IP"
check "agent-gw1 cannot delete a permit" refused agent-gw1 HDEL "${P}permit" "$PERMITTED"
check "nor DEL the permits" refused agent-gw1 DEL "${P}permit"
check "nor add one" refused agent-gw1 HSET "${P}permit" 127.0.2.212 health
check "nor change an agency's limits" refused agent-gw1 HSET "${P}agency:health" max_rcpts 0
check "nor write another node's hash" refused agent-gw1 HSET "${P}node:gw2" state down
# The alert rules read every node; the records are the agents', the
# acknowledgements and silences the console's.
expect_eq "agent-gw1 may read another node's hash (the alert rules)" \
	"$(as admin HMGET "${P}node:mbx1" role)" "$(as agent-gw1 HMGET "${P}node:mbx1" role)"
check "but not write a silence" refused agent-gw1 HSET "${P}silence:cluster:mbx" until 1
check "nor delete the audit trail from a script" refused agent-gw1 EVAL \
	"return redis.call('DEL', ARGV[1])" 0 "${P}audit"
check "nor its alive key" refused agent-gw1 SET "${P}node:gw2:alive" 1
check "agent-mbx1 cannot write mbx2's hash" refused agent-mbx1 HSET "${P}node:mbx2" state active
check "nor read it" refused agent-mbx1 HGET "${P}node:mbx2" state
check "an agent cannot overwrite the nodes set" refused agent-gw1 SET "${P}nodes" x
check "nor the events stream" refused agent-gw1 DEL "${P}events"
check "nor write the audit trail" refused agent-gw1 XADD "${P}audit" '*' who agent
check "nor read it" refused agent-gw1 XREVRANGE "${P}audit" + - COUNT 1
check "nor flush the database" refused agent-gw1 FLUSHALL
check "nor read the configuration" refused agent-gw1 CONFIG GET requirepass
check "nor touch keys outside the prefix" refused agent-gw1 HGET other:permit x
check "nor move the policy copy's version counter" refused agent-gw1 INCR "${P}policy:version"
check "nor set it" refused agent-gw1 SET "${P}policy:version" 0
check "nor DEL the mail log counters" refused agent-gw1 DEL "${P}log:t:m:1"
check "nor write another node's log position" refused agent-gw1 HSET "${P}log:pos:gw2" offset 0
check "nor DEL a harvest suspect" refused agent-gw1 DEL "${P}suspect:192.0.2.1"
check "nor block without maillog.harvest.auto_block" refused agent-gw1 ZADD "${P}blocks" 0 192.0.2.1
# The block-list watch: its own rep hash, and rep:check read only.
check "agent-gw1 cannot write gw2's block-list state" refused agent-gw1 HSET "${P}rep:gw2" "203.0.113.9|bl.example.org" '{}'
check "nor delete it" refused agent-gw1 DEL "${P}rep:gw2"
check "nor delete its own" refused agent-gw1 DEL "${P}rep:gw1"
check "nor ask for a check (SET rep:check)" refused agent-gw1 SET "${P}rep:check" 1
expect_eq "it may write its own block-list state" "1 1" \
	"$(as agent-gw1 HSET "${P}rep:gw1" t_acl x) $(as agent-gw1 HDEL "${P}rep:gw1" t_acl)"
as admin SET "${P}rep:check" t_acl >/dev/null
expect_eq "and read rep:check" t_acl "$(as agent-gw1 GET "${P}rep:check")"
as admin DEL "${P}rep:check" >/dev/null
expect_eq "the block is still whole" "t_acl 0" \
	"$(as admin HMGET "${P}block:$IP" reason until | tr '\n' ' ' | sed 's/ $//')"
expect_eq "and indexed" 0 "$(as admin ZSCORE "${P}blocks" "$IP")"

# --- what it may: its own node, the counts and events, a block's hits
expect_eq "agent-gw1 may write its node's hash" 1 "$(as agent-gw1 HSET "${P}node:gw1" t_acl 1)"
as agent-gw1 HDEL "${P}node:gw1" t_acl >/dev/null
expect_eq "and read a permit" health "$(as agent-gw1 HGET "${P}permit" "$PERMITTED")"
expect_eq "and count a block's hits" 1 "$(as agent-gw1 HINCRBY "${P}block:$IP" hits 1)"
# The policy copy's reads (agent/policy_copier.c).
expect_eq "and read the version counter" "$(as admin GET "${P}policy:version")" \
	"$(as agent-gw1 GET "${P}policy:version")"
expect_contains "and the blocks index" "$IP" "$(as agent-gw1 ZRANGE "${P}blocks" 0 -1)"
expect_contains "and all the permits" "$PERMITTED" "$(as agent-gw1 HGETALL "${P}permit")"
check "and loaded its copy without an ACL error" grep -q "policy: copy loaded" "$LAB/agents/gw1.log"
# The mail log follower's writes (agent/maillog.c).
expect_eq "and count mail log lines" 1 "$(as agent-gw1 HINCRBY "${P}log:t:m:1" "gw1|t_acl" 1)"
expect_eq "and keep its log position" 1 "$(as agent-gw1 HSET "${P}log:pos:gw1" t_acl 1)"
expect_eq "and record a harvest suspect" 1 "$(as agent-gw1 HINCRBY "${P}suspect:192.0.2.1" count 1)"
expect_eq "and list it" 1 "$(as agent-gw1 ZADD "${P}suspects" 1 192.0.2.1)"
as admin DEL "${P}log:t:m:1" "${P}suspect:192.0.2.1" >/dev/null
as admin HDEL "${P}log:pos:gw1" t_acl >/dev/null
as admin ZREM "${P}suspects" 192.0.2.1 >/dev/null

# --- the policy service under agent-gw1: the block refuses and is counted
out=$(tests/lab/traffic --gw gw1 --from-ip "$IP" -n 1 --to-domain accept.test 2>&1)
expect_contains "the agent enforces the block" "$IP is blocked: t_acl" "$out"
expect_eq "and counts the hit" 2 "$(as admin HGET "${P}block:$IP" hits)"
check "with no ACL error in its log" sh -c "! grep -q -i -e noperm -e 'permission denied' '$LAB/agents/gw1.log'"
finish
