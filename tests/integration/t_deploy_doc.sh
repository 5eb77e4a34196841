#!/bin/sh
# docs/deploy.md, run as a new user would: every ```sh deploy:HOSTS block of
# the guide, in order, on each host it names, with the lab's addresses,
# ports and paths in place of the guide's settings. Each host is a
# directory of its own here ($T/HOST/etc for its /etc); the gateway is the
# lab's Postfix gw1, the mailbox node the lab's Dovecot mbx1. The store's
# Redis, the tunnels, the nodes' sshd and the agents are real programs of
# this test, started by a systemctl stand-in (the lab has no systemd) from
# the files the guide wrote, as the units would run them. The packages are
# built and installed for real (dpkg -i, as root) and purged at the end;
# everything else the test made is removed, and gw1's main.cf restored.
# Then: both nodes alive through the tunnels, the policy service answering
# gw1's Postfix, a block from the console enforced there, a restore listing
# through SSH and sudo, nothing in clear text on Redis's TLS port.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/ports
DOC=docs/deploy.md
LAB=$(dirname "${MAILNOC_CONFIG:-/nonexistent/x}")

skip() {
	ok "skipped: $1"
	finish
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "the guide installs packages and users: needs root"
[ -s "$LAB/mailnoc.json" ] || skip "needs the lab (tests/lab/up)"
for tool in dpkg-buildpackage stunnel4 setpriv swaks ssh-keyscan jq openssl; do
	command -v "$tool" >/dev/null 2>&1 || skip "no $tool"
done
for p in mailnoc mailnocd; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	*" installed" | *config-files | *unpacked | *half-*)
		skip "package $p is on this machine: not touching it" ;;
	esac
done

B=${LAB_DEPLOY_BASE:-16430}
for p in $(seq "$B" $((B + 6))); do
	if ss -Hltn "sport = :$p" | grep -q .; then
		not_ok "port $p (LAB_DEPLOY_BASE $B ... +6) is in use: choose another LAB_DEPLOY_BASE"
		finish
		exit 1
	fi
done
T=$(mktemp -d /tmp/mailnoc-deploy-XXXXXX)
chmod 755 "$T"
CK=$(printf '%s' "$T" | cksum | cut -d' ' -f1)
user_before=$(getent passwd mailnocd || true)
cp -p "$LAB/gw1/etc/main.cf" "$T/gw1-main.cf.orig"

cleanup() {
	for f in "$T"/*/run/*.pid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	sleep 0.3
	for f in "$T"/*/run/*.pid; do
		[ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	if [ -f "$T/gw1-main.cf.orig" ]; then
		cp -p "$T/gw1-main.cf.orig" "$LAB/gw1/etc/main.cf"
		postfix -c "$LAB/gw1/etc" reload >/dev/null 2>&1
	fi
	rm -f /etc/sudoers.d/mailnoc-deploy-*-"$CK"
	dpkg --purge mailnoc mailnocd >/dev/null 2>&1
	[ -z "$user_before" ] && getent passwd mailnocd >/dev/null &&
		deluser --system --quiet mailnocd >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# ------------------------------------------------ the guide's blocks
# Every shell block is one the test runs: none may lack its marker.
expect_eq "every sh block of the guide is marked deploy:HOSTS" "" \
	"$(grep -n '^```sh' "$DOC" | grep -v '^[0-9]*:```sh deploy:[a-z0-9,]*\( (operator)\)\{0,1\}$')"
mkdir -p "$T/blocks"
awk -v dir="$T/blocks" '
	/^```sh deploy:/ { n++; hosts = $2; sub(/^deploy:/, "", hosts)
		op = ($3 == "(operator)") ? "operator" : "root"
		file = sprintf("%s/%02d %s %s", dir, n, hosts, op); inblock = 1; next }
	/^```/ && inblock { inblock = 0; close(file); next }
	inblock { print > file }' "$DOC"

# The lab's settings, by the guide's names: the guide's own settings block
# must name exactly these (a new setting needs a lab value here).
cat > "$T/settings" <<EOF
SRC=$PWD
XFER=$T/xfer
STORE=127.0.0.1
REDIS_TLS_PORT=$B
GW1=127.0.0.1
GW1_SSH_PORT=$((B + 4))
MBX1=127.0.0.1
MBX1_SSH_PORT=$((B + 5))
POLICY_PORT=$((B + 6))
POSTFIX_CONFIG=$LAB/gw1/etc
DOVECOT_CONFIG=$LAB/mbx1/dovecot.conf
BACKUP_ROOT=$LAB/mbx1/backup
ROLE_FILE=$T/mbx1/role
MAILNOC_HOME=$T/home/mailnoc
A_USER=alice
EOF
host_settings() {   # HOST: the per-host values
	case $1 in
	store) tp=0 ;;
	gw1) tp=$((B + 1)) ;;
	mbx1) tp=$((B + 2)) ;;
	console) tp=$((B + 3)) ;;
	esac
	cat "$T/settings"
	printf 'ETC=%s\nNODE=%s\nTUNNEL_PORT=%s\nSUDOERS=%s\n' "$T/$1/etc" "$1" \
		"$tp" "/etc/sudoers.d/mailnoc-deploy-$1-$CK"
}
set -- "$T"/blocks/*" settings "*
expect_eq "the guide's settings are the ones the test gives" \
	"$(host_settings gw1 | cut -d= -f1 | sort | tr '\n' ' ')" \
	"$(sed -n 's/^\([A-Z0-9_]*\)=.*/\1/p' "$1" | sort | tr '\n' ' ')"

# ------------------------------------------------ a fresh machine per host
# What Debian gives a new host that the guide changes: redis.conf (with
# the lab's directories), sshd_config and host keys (with the lab's
# ports and the SSH user's home here).
for h in store gw1 mbx1 console; do
	install -d -m 755 "$T/$h/etc" "$T/$h/etc/default" "$T/$h/run" "$T/$h/log"
done
install -d -m 755 "$T/home" "$T/store/etc/redis"
install -d -o redis -g redis -m 750 "$T/store/lib"
chown redis "$T/store/run" "$T/store/log"
cat > "$T/store/etc/redis/redis.conf" <<EOF
# stands in for Debian's /etc/redis/redis.conf, with the test's directories
bind 127.0.0.1
daemonize yes
pidfile $T/store/run/redis-server.pid
logfile $T/store/log/redis-server.log
dir $T/store/lib
save ""
EOF
for h in gw1 mbx1; do
	install -d -m 755 "$T/$h/etc/ssh"
	ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$T/$h/etc/ssh/ssh_host_ed25519_key"
	[ "$h" = gw1 ] && port=$((B + 4)) || port=$((B + 5))
	cat > "$T/$h/etc/ssh/sshd_config" <<EOF
# stands in for Debian's /etc/ssh/sshd_config
Port $port
ListenAddress 127.0.0.1
HostKey $T/$h/etc/ssh/ssh_host_ed25519_key
PidFile $T/$h/run/sshd.pid
AuthorizedKeysFile $T/home/%u/.ssh/authorized_keys
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
done

# The systemctl stand-in: the units the guide names, run as systemd would
# (user, capabilities, configuration from ETC), each one's pid under
# $T/HOST/run. Anything else goes to the real systemctl.
install -d -m 755 "$T/bin"
cat > "$T/bin/systemctl" <<'EOF'
#!/bin/sh
run=$DEPLOY_T/$DEPLOY_HOST/run
log=$DEPLOY_T/$DEPLOY_HOST/log
stop() { [ -s "$run/$1.pid" ] && kill "$(cat "$run/$1.pid")" 2>/dev/null; rm -f "$run/$1.pid"; sleep 0.2; }
listening() { ss -Hltn "sport = :$1" | grep -q .; }
wait_port() {
	i=0
	while ! listening "$1"; do
		i=$((i + 1)); [ $i -le 100 ] || { echo "$2 does not listen on $1" >&2; exit 1; }
		sleep 0.1
	done
}
case "$*" in
daemon-reload) exit 0 ;;
"restart redis-server")
	conf=$ETC/redis/redis.conf
	stop redis-server
	setpriv --reuid=redis --regid=redis --init-groups redis-server "$conf" || exit 1
	# its pidfile (the stand-in redis.conf's) is $run/redis-server.pid
	wait_port "$(sed -n 's/^tls-port //p' "$conf" | tail -n 1)" redis-server ;;
"enable --now stunnel@mailnoc-redis")
	stop stunnel
	setsid stunnel4 "$ETC/stunnel/mailnoc-redis.conf" >"$log/stunnel.log" 2>&1 </dev/null &
	echo $! > "$run/stunnel.pid"
	wait_port "$(sed -n 's/^accept = 127\.0\.0\.1://p' "$ETC/stunnel/mailnoc-redis.conf")" stunnel ;;
"reload ssh" | "restart ssh")
	stop sshd
	/usr/sbin/sshd -f "$ETC/ssh/sshd_config" -E "$log/sshd.log" || exit 1
	wait_port "$(sed -n 's/^Port //p' "$ETC/ssh/sshd_config")" sshd ;;
"enable --now mailnocd")
	stop mailnocd
	MAILNOCD_NODE=$(hostname -s) MAILNOCD_OPTS=
	[ -f "$ETC/default/mailnocd" ] && . "$ETC/default/mailnocd"
	cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/mailnocd.service |
		sed -e "s|/etc/|$ETC/|g" -e "s|\${MAILNOCD_NODE}|$MAILNOCD_NODE|" \
			-e "s|\$MAILNOCD_OPTS|$MAILNOCD_OPTS|")
	# User=mailnocd, AmbientCapabilities=CAP_DAC_READ_SEARCH
	# shellcheck disable=SC2086
	setsid setpriv --reuid=mailnocd --regid=mailnocd --init-groups \
		--inh-caps=+dac_read_search --ambient-caps=+dac_read_search \
		$cmd >"$log/mailnocd.log" 2>&1 </dev/null &
	echo $! > "$run/mailnocd.pid"
	sleep 0.5
	kill -0 "$(cat "$run/mailnocd.pid")" 2>/dev/null || { cat "$log/mailnocd.log" >&2; exit 1; } ;;
"is-active mailnocd")
	if [ -s "$run/mailnocd.pid" ] && kill -0 "$(cat "$run/mailnocd.pid")" 2>/dev/null; then
		echo active
	else
		echo inactive; exit 3
	fi ;;
*)
	for s in /usr/bin/systemctl /bin/systemctl; do [ -x "$s" ] && exec "$s" "$@"; done
	echo "systemctl stand-in: '$*' is not handled" >&2; exit 1 ;;
esac
EOF
chmod 755 "$T/bin/systemctl"

# ------------------------------------------------ step by step
# run_block FILE HOST USER: the block in a login-like environment of its
# own, with the settings of HOST; stops at the first failing command.
run_block() {
	home=$T/$2/root
	[ "$3" = operator ] && home=$T/$2/operator
	install -d -m 700 "$home"
	host_settings "$2" > "$T/settings.$2"
	env -i PATH="$T/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME="$home" LANG=C.UTF-8 \
		USER=root LOGNAME=root TERM=dumb DEPLOY_T="$T" DEPLOY_HOST="$2" \
		ETC="$T/$2/etc" \
		sh -e -c '. "$1"; cd "$HOME"; . "$2"' sh "$T/settings.$2" "$1" \
		> "$T/step.out" 2>&1
}
failed=""
for f in "$T"/blocks/*; do
	name=$(basename "$f")
	set -- $name
	num=$1 hosts=$2 who=$3
	[ "$hosts" = settings ] && continue
	first=$(grep -v '^#' "$f" | grep -v '^ *$' | head -n 1 | cut -c1-60)
	for h in $(echo "$hosts" | tr ',' ' '); do
		t0=$(date +%s)
		if run_block "$f" "$h" "$who"; then
			ok "step $num on $h ($(($(date +%s) - t0)) s): $first"
		else
			not_ok "step $num on $h: $first"
			sed 's/^/  | /' "$T/step.out" | tail -n 25
			failed=$num
			break
		fi
	done
	[ -z "$failed" ] || break
done
[ -z "$failed" ] || { finish; exit 1; }

# ------------------------------------------------ it works
console() {   # the operator's mailnoc on the console host
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T/console/operator" \
		LANG=C.UTF-8 TERM=dumb mailnoc "$@"
}
alive=""
for i in $(seq 60); do
	alive=$(console nodes --json 2>/dev/null | jq -r '[.[] | select(.alive) | .name] | sort | join(" ")')
	[ "$alive" = "gw1 mbx1" ] && break
	sleep 0.5
done
expect_eq "both agents report through their tunnels: gw1 and mbx1 alive" "gw1 mbx1" "$alive"
expect_eq "the agents run as mailnocd" "mailnocd mailnocd" \
	"$(ps -o user= -p "$(cat "$T/gw1/run/mailnocd.pid")" -p "$(cat "$T/mbx1/run/mailnocd.pid")" 2>/dev/null |
		tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
check "the console's connection is on the TLS port only: nothing answers in clear" \
	sh -c "! timeout 5 redis-cli -h 127.0.0.1 -p $B ping 2>/dev/null | grep -q PONG"

# gw1's Postfix asks the new policy service: a sender without a permit is
# refused for relay, and once the console blocks it, refused as blocked.
ip=127.0.1.99
rcpt() {
	swaks --server "127.0.0.1:$LAB_GW1_SMTP_PORT" --local-interface "$ip" \
		--from sender@deploy.test --to rcpt@example.org --quit-after RCPT \
		--timeout 20 2>&1 | sed -n 's/^<\*\* *//p' | head -n 1
}
expect_contains "gw1's Postfix asks the policy service: no permit, no relay" \
	"$ip is not registered for relay" "$(rcpt)"
out=$(console block "$ip" --for 1h --reason "deploy guide" 2>&1)
expect_eq "the console blocks $ip" 0 $?
got=""
for i in $(seq 20); do
	got=$(rcpt)
	case $got in *"is blocked"*) break ;; esac
	sleep 0.5
done
expect_contains "and gw1 refuses it as blocked" "$ip is blocked: deploy guide" "$got"
out=$(console backups alice --json 2>&1)
expect_eq "backups on mbx1 through SSH as mailnoc and the sudo drop-in" 0 $?
check "listing alice's backups" sh -c "echo '$out' | jq -e '.backups | length > 0' >/dev/null"
finish
