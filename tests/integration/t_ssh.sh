#!/bin/sh
# The SSH backend against the lab's sshd: queue listing, exit status, stdin,
# streaming, quoting, host keys, refused logins, a hung sshd, timeouts and
# cancellation. Needs the lab up, MAILNOC_CONFIG exported and the binaries
# in MAILNOC_BIN. Leaves sshd running (SIGCONT) and its own files removed.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
X=$MAILNOC_BIN/tools/ssh_exec
LAB=$(dirname "$MAILNOC_CONFIG")
MAILNOC_LAB_DIR=$LAB
export MAILNOC_LAB_DIR
T=$(mktemp -d "$LAB/t-ssh.XXXXXX")
HOST=$(jq -r '.nodes[] | select(.name == "gw1") | .ssh_host' "$MAILNOC_CONFIG")
PORT=$(jq -r '.nodes[] | select(.name == "gw1") | .ssh_port' "$MAILNOC_CONFIG")
ADDR="gw1 ($HOST:$PORT)"
SSHD_PID=$(cat "$LAB/run/sshd.pid")
trap 'kill -CONT "$SSHD_PID" 2>/dev/null; rm -rf "$T"' EXIT INT TERM

now_ms() { date +%s%3N; }

# run NAME [ssh_exec args...]: stdout in $T/NAME.out, stderr in $T/NAME.err,
# the exit code in $code, the time taken in $took (ms). stdin is inherited.
run() {
	name=$1
	shift
	t0=$(now_ms)
	"$X" "$@" > "$T/$name.out" 2> "$T/$name.err"
	code=$?
	took=$(($(now_ms) - t0))
}
out() { cat "$T/$1.out"; }
result() { tail -n 1 "$T/$1.err"; }

# config NAME JQ-FILTER: a copy of the lab configuration, changed.
config() { jq "$2" "$MAILNOC_CONFIG" > "$T/$1.json"; }

# ---------------------------------------------------------------- queue
ids=$("$ROOT/tests/lab/traffic" --gw gw1 --from-ip 127.0.1.10 -n 5 \
	--to-domain yahoo.test --ids -q)
expect_eq "traffic queued 5 messages on gw1" 5 "$(echo "$ids" | wc -l)"
# Mail still in flight may leave between the two listings: try thrice.
for try in 1 2 3; do
	run pq gw1 postqueue -c "$LAB/gw1/etc" -j
	local_ids=$(postqueue -c "$LAB/gw1/etc" -j | jq -r .queue_id | sort)
	remote_ids=$(jq -r .queue_id "$T/pq.out" | sort)
	[ "$local_ids" = "$remote_ids" ] && break
	sleep 1
done
expect_eq "postqueue -j over SSH exits 0" 0 "$code"
expect_eq "and says so" "ssh_exec: gw1: exit status 0" "$(result pq)"
expect_eq "it lists the same queue IDs as postqueue run locally" \
	"$local_ids" "$remote_ids"
missing=0
for id in $ids; do
	grep -q "\"queue_id\": \"$id\"" "$T/pq.out" || missing=$((missing + 1))
done
expect_eq "including the 5 just queued" 0 "$missing"
expect_eq "every line is one JSON object" "$(wc -l < "$T/pq.out")" \
	"$(jq -c . "$T/pq.out" | wc -l)"

# ---------------------------------------------------------- exit status
run st gw1 sh -c 'echo out; echo err >&2; exit 7'
expect_eq "a command exiting 7 makes ssh_exec exit 1" 1 "$code"
expect_eq "its status is reported" "ssh_exec: gw1: exit status 7" \
	"$(result st)"
expect_eq "its stdout arrives" out "$(out st)"
expect_eq "its stderr is kept" err "$(head -n 1 "$T/st.err")"
run pqbad gw1 postqueue -c "$LAB/no-such-dir" -j
expect_eq "postqueue with a bad config dir fails" 1 "$code"
expect_contains "with postqueue's own message" "postqueue" \
	"$(head -n 1 "$T/pqbad.err")"
run sig gw1 sh -c 'kill -KILL $$'
expect_eq "a command killed by a signal exits 1" 1 "$code"
expect_eq "and names the signal" "ssh_exec: gw1: killed by signal KILL" \
	"$(result sig)"

# ------------------------------------------------------ stdin and stdout
printf 'a\nb\nc\n' > "$T/three"
run wc --stdin gw1 wc -l < "$T/three"
expect_eq "stdin reaches the command (wc -l of 3 lines)" 3 "$(out wc)"
head -c 3000000 /dev/urandom | base64 > "$T/big"
run cat --stdin gw1 cat < "$T/big"
check "4 MB through cat come back unchanged" cmp -s "$T/big" "$T/cat.out"
run seq gw1 seq 1 200000
expect_eq "200000 lines arrive" 200000 "$(wc -l < "$T/seq.out")"
expect_eq "in order" 200000 "$(tail -n 1 "$T/seq.out")"
run last gw1 printf 'a\nlast'
expect_eq "a last line without newline is delivered" "a last" \
	"$(out last | tr '\n' ' ' | sed 's/ $//')"
run long gw1 sh -c "head -c 500000 /dev/zero | tr '\\0' x; echo"
expect_eq "a line of 500000 bytes arrives whole" 500001 "$(wc -c < "$T/long.out")"
run huge gw1 sh -c "head -c 2000000 /dev/zero | tr '\\0' x"
expect_eq "a line over 1 MiB fails the command" 1 "$code"
expect_eq "saying so" "ssh_exec: $ADDR: line 1 of the output is longer than 1048576 bytes" \
	"$(result huge)"
run flood gw1 sh -c 'seq 1 100000 >&2; echo done'
expect_eq "a stderr flood does not block stdout" done "$(out flood)"
expect_contains "and is capped" "bytes of stderr dropped" "$(cat "$T/flood.err")"

# --------------------------------------------------------------- quoting
canary=/tmp/canary-mailnoc-$$
rm -f "$canary"*
run q gw1 echo "x; touch $canary-1" "\$(touch $canary-2)" "\`touch $canary-3\`" \
	"it's | touch $canary-4" '$HOME' "a  b"
expect_eq "quoted arguments arrive literally" \
	"x; touch $canary-1 \$(touch $canary-2) \`touch $canary-3\` it's | touch $canary-4 \$HOME a  b" \
	"$(out q)"
check "no canary file was created" sh -c "! ls $canary* >/dev/null 2>&1"
run nl gw1 echo "a
touch $canary-5"
expect_eq "an argument with a newline is refused" 2 "$code"
expect_contains "before anything runs" "control characters" "$(cat "$T/nl.err")"
check "no canary file after the newline either" [ ! -e "$canary-5" ]
rm -f "$canary"*

# ------------------------------------------------------------- host keys
fp=$(ssh-keygen -lf "$LAB/ssh/ssh_host_ed25519_key.pub" | awk '{print $2}')
hostkey=$(cut -d' ' -f1,2 "$LAB/ssh/ssh_host_ed25519_key.pub")
: > "$T/kh-empty"
config nf ".ssh.known_hosts = \"$T/kh-empty\""
run nf --config "$T/nf.json" gw1 true
expect_eq "an unknown host key: exit 3" 3 "$code"
expect_eq "naming host, port, key type and fingerprint" \
	"ssh_exec: $ADDR: host key ssh-ed25519 $fp is not in $T/kh-empty; refusing to connect" \
	"$(result nf)"
echo "[$HOST]:1 $hostkey" > "$T/kh-other-port"
config op ".ssh.known_hosts = \"$T/kh-other-port\""
run op --config "$T/op.json" gw1 true
expect_eq "the key known for another port only: exit 3" 3 "$code"
ssh-keygen -q -t ed25519 -N '' -C other -f "$T/other"
echo "[$HOST]:$PORT $(cut -d' ' -f1,2 "$T/other.pub")" > "$T/kh-mismatch"
config mm ".ssh.known_hosts = \"$T/kh-mismatch\""
run mm --config "$T/mm.json" gw1 true
expect_eq "a different host key: exit 3" 3 "$code"
expect_eq "refused as a possible man-in-the-middle" \
	"ssh_exec: $ADDR: host key ssh-ed25519 $fp does NOT match the key in $T/kh-mismatch; refusing to connect (possible man-in-the-middle)" \
	"$(result mm)"
cp "$LAB/ssh/known_hosts" "$T/kh-hashed"
ssh-keygen -q -H -f "$T/kh-hashed" >/dev/null 2>&1
config hashed ".ssh.known_hosts = \"$T/kh-hashed\""
run hashed --config "$T/hashed.json" gw1 echo hashed
expect_eq "a hashed known_hosts entry matches" hashed "$(out hashed)"
{ echo "@cert-authority *.example.gov ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"
  echo "not a known_hosts line"; cat "$LAB/ssh/known_hosts"; } > "$T/kh-junk"
config junk ".ssh.known_hosts = \"$T/kh-junk\""
run junk --config "$T/junk.json" gw1 echo junk
expect_eq "lines libssh2 cannot read do not hide the host's" junk "$(out junk)"
{ echo "@revoked * $hostkey"; cat "$LAB/ssh/known_hosts"; } > "$T/kh-revoked"
config rev ".ssh.known_hosts = \"$T/kh-revoked\""
run rev --config "$T/rev.json" gw1 true
expect_eq "a @revoked host key is refused" \
	"ssh_exec: $ADDR: host key ssh-ed25519 $fp is marked @revoked in $T/kh-revoked; refusing to connect" \
	"$(result rev)"
config nokh ".ssh.known_hosts = \"$T/none\""
run nokh --config "$T/nokh.json" gw1 true
expect_eq "no known_hosts file: exit 3" 3 "$code"
expect_eq "saying so" \
	"ssh_exec: $ADDR: cannot read known_hosts '$T/none': No such file or directory" \
	"$(result nokh)"

# ----------------------------------------------------------------- login
config key ".ssh.key_file = \"$T/other\""
run key --config "$T/key.json" gw1 true
expect_eq "a key that is not authorized: exit 3" 3 "$code"
expect_eq "saying which key was refused" \
	"ssh_exec: $ADDR: login as 'mailnoc' refused: key file '$T/other' was not accepted (is its public key in the node's authorized_keys? only ed25519 and ecdsa keys work)" \
	"$(result key)"
config nokey ".ssh.key_file = \"$T/no-key\""
run nokey --config "$T/nokey.json" gw1 true
expect_eq "a missing key file: exit 3" 3 "$code"
expect_eq "saying so" \
	"ssh_exec: $ADDR: login as 'mailnoc' refused: cannot read key file '$T/no-key': No such file or directory" \
	"$(result nokey)"
if command -v ssh-agent >/dev/null 2>&1; then
	config agent 'del(.ssh.key_file) | .ssh.agent = true'
	eval "$(ssh-agent -s -a "$T/agent.sock")" >/dev/null
	ssh-add -q "$T/other" 2>/dev/null
	run agent1 --config "$T/agent.json" gw1 true
	expect_eq "ssh-agent with only a foreign key is refused" \
		"ssh_exec: $ADDR: login as 'mailnoc' refused: none of ssh-agent's 1 key was accepted (is its public key in the node's authorized_keys? only ed25519 and ecdsa keys work)" \
		"$(result agent1)"
	ssh-add -q "$LAB/ssh/id_ed25519" 2>/dev/null
	run agent2 --config "$T/agent.json" gw1 echo agent
	expect_eq "with the lab key added the login works" agent "$(out agent2)"
	kill "$SSH_AGENT_PID"
	unset SSH_AUTH_SOCK SSH_AGENT_PID
fi

# ------------------------------------------ unreachable, hung, cancelled
. "$ROOT/tests/lab/ports"
config dead ".nodes[0].ssh_port = $LAB_DEAD_PORT"
run dead --config "$T/dead.json" gw1 true
expect_eq "nothing listening: exit 3" 3 "$code"
expect_eq "connection refused" \
	"ssh_exec: gw1 ($HOST:$LAB_DEAD_PORT): cannot connect: Connection refused" \
	"$(result dead)"

config fast '.ssh.connect_timeout_ms = 1000 | .ssh.command_timeout_ms = 2000'
run slow --config "$T/fast.json" gw1 sleep 10
expect_eq "a command running past the command timeout: exit 3" 3 "$code"
expect_eq "saying which timeout" \
	"ssh_exec: $ADDR: timed out after 2000 ms while running the command (ssh.command_timeout_ms)" \
	"$(result slow)"
check "after about 2 s (took $took ms)" [ "$took" -ge 1900 -a "$took" -lt 3000 ]

kill -STOP "$SSHD_PID"
run hung --config "$T/fast.json" gw1 true
kill -CONT "$SSHD_PID"
expect_eq "sshd stopped (SIGSTOP): exit 3" 3 "$code"
expect_eq "the handshake times out" \
	"ssh_exec: $ADDR: timed out after 1000 ms during the SSH handshake (ssh.connect_timeout_ms)" \
	"$(result hung)"
check "within the connect timeout (took $took ms)" [ "$took" -ge 900 -a "$took" -lt 2000 ]
run back gw1 echo back
expect_eq "after SIGCONT sshd answers again" back "$(out back)"

# Keepalives ask for a reply: a silent command on a live node runs on, one
# whose session freezes ends within about twice the interval (1 s: libssh2
# makes it 2), long before the command timeout.
config ka '.ssh.keepalive_s = 1 | .ssh.command_timeout_ms = 60000'
run quiet --config "$T/ka.json" gw1 sh -c 'sleep 7; echo woke'
expect_eq "a command silent for 7 s with 2 s keepalives runs to its end" \
	"0 woke" "$code $(out quiet)"
t0=$(now_ms)
# A duration of its own, so that no other sleep is taken for it.
nap=31.$$
"$X" --config "$T/ka.json" gw1 sleep "$nap" > "$T/frozen.out" 2> "$T/frozen.err" &
xp=$!
for i in $(seq 250); do
	sp=$(pgrep -n -x -f "sleep $nap")
	[ -n "$sp" ] && break
	sleep 0.02
done
# The sshd session above it (its parent, or the shell's parent).
fz=$sp
while [ -n "$fz" ] && [ "$(ps -o comm= -p "$fz")" != sshd ]; do
	fz=$(ps -o ppid= -p "$fz" | tr -d ' ')
done
[ -n "$fz" ] && [ "$fz" != "$SSHD_PID" ] && kill -STOP "$fz"
wait "$xp"
code=$?
took=$(($(now_ms) - t0))
[ -n "$fz" ] && [ "$fz" != "$SSHD_PID" ] && kill -CONT "$fz"
[ -n "$sp" ] && kill "$sp" 2>/dev/null
expect_eq "a frozen session: exit 3" 3 "$code"
expect_eq "the node stopped answering" \
	"ssh_exec: $ADDR: the node stopped answering while running the command: no reply to a keepalive for 2 s (ssh.keepalive_s)" \
	"$(result frozen)"
check "within about twice the interval (took $took ms)" [ "$took" -lt 8000 ]

run cancel --cancel-after 300 gw1 sleep 10
expect_eq "cancelled: exit 1" 1 "$code"
expect_eq "saying so" "ssh_exec: $ADDR: cancelled while running the command" \
	"$(result cancel)"
check "within 100 ms or so of the cancel (took $took ms)" [ "$took" -lt 1000 ]

# ------------------------------------------------------- one connection
run rep --repeat 10 -v gw1 true
expect_eq "ten commands on one connection" 10 \
	"$(grep -c 'exit status 0' "$T/rep.err")"
timing=$(result rep)
expect_contains "one connect for all of them" "ssh_exec: gw1: 1 connect," "$timing"
echo "# $timing"
# The first command has its own sshd process killed once it is done; the
# second finds the idle connection dead and reconnects, once.
run stale -v --repeat 2 --pause 1000 gw1 sh -c \
	'p=$PPID; (sleep 0.3; kill -9 $p) >/dev/null 2>&1 </dev/null & echo $p'
expect_eq "a connection that died while idle is replaced" 0 "$code"
expect_contains "by a second connect" "ssh_exec: gw1: 2 connects," "$(result stale)"

# A sanitizer build reports memory errors on stderr.
check "no sanitizer report in any run" sh -c "! grep -l Sanitizer $T/*.err"
finish
