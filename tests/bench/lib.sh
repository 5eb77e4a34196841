# Shell helpers for the lab benches (tests/bench/lab_*.sh). Sourced, not run.
# shellcheck shell=sh

# median: the middle of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
# secs MS: milliseconds as seconds, "1.25 s".
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f s", ms / 1000 }'; }
# lab_ssh COMMAND...: runs it on the lab's node as the console's SSH user
# (LAB and LAB_SSH_PORT set).
lab_ssh() {
	ssh -n -i "$LAB/ssh/id_ed25519" -o UserKnownHostsFile="$LAB/ssh/known_hosts" \
	    -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR \
	    -p "$LAB_SSH_PORT" mailnoc@127.0.0.1 "$@"
}

# fail MESSAGE: the bench stops, saying why.
fail() { echo "bench: $*"; exit 1; }

# wait_port PORT: true once something listens on the TCP port (10 s at most).
wait_port() {
	i=0
	while ! ss -ltn "sport = :$1" | grep -q LISTEN; do
		i=$((i + 1)); [ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# seed_policy PORT [DIR]: the benches' policy data into the Redis on PORT:
# 20 agencies of 10 permitted hosts (10.1.A.H), 50 blocked addresses
# (10.2.0.H); 10.3.0.H stay unregistered (the address pools of
# tests/bench/bench_policy.c). With DIR, the permitted addresses are also
# listed in DIR/permits and the blocked ones in DIR/blocked, one a line.
seed_policy() {
	now=$(date +%s)
	{
		a=0
		while [ $a -lt 20 ]; do
			id=$(printf 'a%02d' $a)
			echo "HSET mailnoc:agency:$id name Agency-$a daily 100000 max_rcpts 5 max_per_minute 100000"
			echo "SADD mailnoc:agencies $id"
			h=1
			while [ $h -le 10 ]; do
				echo "HSET mailnoc:permit 10.1.$a.$h $id"
				[ -z "${2:-}" ] || echo "10.1.$a.$h" >> "$2/permits"
				h=$((h + 1))
			done
			a=$((a + 1))
		done
		h=1
		while [ $h -le 50 ]; do
			echo "HSET mailnoc:block:10.2.0.$h reason bench who bench since $now until 0"
			echo "ZADD mailnoc:blocks 0 10.2.0.$h"
			[ -z "${2:-}" ] || echo "10.2.0.$h" >> "$2/blocked"
			h=$((h + 1))
		done
	} | redis-cli -p "$1" > /dev/null || fail "cannot seed redis"
}
