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
