#!/bin/sh
# mailnocd under systemd's notify protocol, with a datagram socket standing
# in for systemd (tests/tools/notify_listen): READY=1 once the first
# heartbeat was tried (Redis is down here: ready anyway, it keeps trying),
# WATCHDOG=1 from the main loop more often than the heartbeat when
# WATCHDOG_USEC asks for it, none when WATCHDOG_PID names another process,
# STOPPING=1 on SIGTERM; with NOTIFY_SOCKET unset nothing is sent.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lab/ports"
B=$MAILNOC_BIN
LISTEN=$B/tools/notify_listen
D=$(mktemp -d)
apid=""
lpid=""
trap '[ -n "$apid" ] && kill "$apid" 2>/dev/null; [ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -rf "$D"' EXIT INT TERM

cat >"$D/config.json" <<JSON
{ "redis": { "host": "127.0.0.1", "port": $LAB_DEAD_PORT },
  "nodes": [ { "name": "sd1", "role": "mailbox", "cluster": "sd",
    "backup_root": "$D" } ] }
JSON

# wait_for FILE TEXT: up to 10 s for TEXT to appear in FILE.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# run NAME ENV...: the agent (interval 5 s) with ENV, a listener on
# $D/NAME.sock for 30 s; stops the agent 2 s after READY=1 (or its start).
run() {
	name=$1
	shift
	"$LISTEN" "$D/$name.sock" 30 >"$D/$name.out" &
	lpid=$!
	i=0
	while [ ! -S "$D/$name.sock" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	env "$@" "$B/mailnocd" --config "$D/config.json" --node sd1 \
		--interval 5 --log "$D/$name.log" &
	apid=$!
	if [ "$name" = unset ]; then
		wait_for "$D/$name.log" "heartbeat every 5 s"
	else
		wait_for "$D/$name.out" "READY=1"
	fi
	sleep 2
	kill -TERM "$apid"
	wait "$apid"
	arc=$?
	apid=""
}

run notify NOTIFY_SOCKET="$D/notify.sock" WATCHDOG_USEC=400000
expect_eq "the agent exits 0 on SIGTERM under systemd" 0 "$arc"
wait "$lpid"
expect_eq "STOPPING=1 reaches the socket" 0 $?
lpid=""
out=$(cat "$D/notify.out")
expect_contains "the first notification is READY=1 with a status" \
	"READY=1|STATUS=node sd1, heartbeat every 5 s" "$(head -1 "$D/notify.out")"
expect_contains "ready although Redis is down: the attempt is logged" \
	"cannot publish the heartbeat" "$(cat "$D/notify.log")"
n=$(grep -c '^WATCHDOG=1$' "$D/notify.out")
check "WATCHDOG=1 every 200 ms, not only at each 5 s heartbeat ($n in 2 s)" \
	[ "$n" -ge 4 ]
expect_eq "the last notification is STOPPING=1" "STOPPING=1" \
	"$(tail -1 "$D/notify.out")"

run otherpid NOTIFY_SOCKET="$D/otherpid.sock" WATCHDOG_USEC=400000 \
	WATCHDOG_PID=1
wait "$lpid"
lpid=""
expect_eq "with WATCHDOG_PID another process's: ready, no watchdog, stopping" \
	"READY=1|STATUS=node sd1, heartbeat every 5 s
STOPPING=1" "$(cat "$D/otherpid.out")"

run unset -u NOTIFY_SOCKET -u WATCHDOG_USEC
expect_eq "without NOTIFY_SOCKET the agent exits 0 on SIGTERM" 0 "$arc"
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
lpid=""
expect_eq "without NOTIFY_SOCKET nothing is sent" "" "$(cat "$D/unset.out")"
expect_contains "without NOTIFY_SOCKET it runs as before" \
	"stopping on signal 15" "$(cat "$D/unset.log")"
finish
