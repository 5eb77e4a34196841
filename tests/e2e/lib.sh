# tmux helpers for the e2e tests: run the console as a person would, type
# with send-keys, read the screen with capture-pane.
# shellcheck shell=sh
. "$(dirname "$0")/../lib.sh"

E2E_RUN=0
E2E_SESSION="mailnoc-e2e-$$-0"
# A tmux server of our own: no user settings, no shared environment.
tmx() {
	tmux -L "$E2E_SESSION" -f /dev/null "$@"
}

# tui_start COLS LINES [ARGS...]: starts the console in a fresh tmux session.
tui_start() {
	cols=$1
	lines=$2
	shift 2
	tui_end
	# A fresh server each time: a dying one could swallow the new session.
	E2E_RUN=$((E2E_RUN + 1))
	E2E_SESSION="mailnoc-e2e-$$-$E2E_RUN"
	tmx new-session -d -s "$E2E_SESSION" -x "$cols" -y "$lines" \
		-e "MAILNOC_CONFIG=$MAILNOC_CONFIG" -e "TERM=xterm-256color" \
		"$MAILNOC_BIN/mailnoc $* 2>/tmp/$E2E_SESSION.err; echo EXITED \$? ; sleep 30"
}

tui_keys() {
	tmx send-keys -t "$E2E_SESSION" "$@"
}

tui_screen() {
	tmx capture-pane -p -t "$E2E_SESSION"
}

tui_resize() {
	tmx resize-window -t "$E2E_SESSION" -x "$1" -y "$2"
}

# wait_for TEXT [SECONDS]: polls the screen until TEXT shows; 1 on timeout.
wait_for() {
	i=0
	limit=$(( ${2:-5} * 10 ))
	while [ $i -lt $limit ]; do
		if tui_screen | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_gone TEXT [SECONDS]: polls until TEXT is no longer on the screen.
wait_gone() {
	i=0
	limit=$(( ${2:-5} * 10 ))
	while [ $i -lt $limit ]; do
		if ! tui_screen | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# expect_screen DESCRIPTION TEXT [SECONDS]
expect_screen() {
	if wait_for "$2" "${3:-5}"; then
		ok "$1"
	else
		not_ok "$1"
		echo "  expected on screen: $2"
		tui_screen | sed 's/^/  | /'
	fi
}

tui_stop() {
	tui_end
}

# tui_end: quits the current console as a person would (Escape, q), then
# ends its tmux server. A console still running after that is killed: hung
# up on, a sanitizer build can spin for ever in LeakSanitizer's exit check.
tui_end() {
	e_pids=$(tmx list-panes -a -F '#{pane_pid}' 2>/dev/null) || {
		rm -f "/tmp/$E2E_SESSION.err"
		return 0
	}
	e_kids=""
	for e_p in $e_pids; do
		e_kids="$e_kids $(pgrep -P "$e_p" 2>/dev/null)"
	done
	if ! tui_screen 2>/dev/null | grep -q "^EXITED"; then
		tui_keys Escape 2>/dev/null
		tui_keys q 2>/dev/null
		wait_for EXITED 5 >/dev/null 2>&1
	fi
	tmx kill-server 2>/dev/null
	for e_p in $e_kids; do
		kill -9 "$e_p" 2>/dev/null
	done
	rm -f "/tmp/$E2E_SESSION.err"
}

# dove ARGS...: doveadm on mbx1.
dove() { doveadm -c "$LAB/mbx1/dovecot.conf" "$@"; }
# folders: alice's restored folders on mbx1, one a line, sorted.
folders() { dove mailbox list -u alice 'Restored-*' 2>/dev/null | grep -v / | sort; }
# folders_forget BEFORE: deletes the restored folders that are not in
# BEFORE (what `folders` printed when the test began).
folders_forget() {
	folders | while read -r f; do
		printf '%s\n' "$1" | grep -qxF -- "$f" ||
			dove mailbox delete -u alice -r -s "$f" >/dev/null 2>&1
	done
}

# tui_then_batch COLS ROWS DIR COMMAND: the console in a fresh pane; once it
# has quit and DIR/go exists, COMMAND (batch mode) runs in the same pane, so
# both have the same terminal (the audit records' tty). The console's
# stderr goes to DIR/err, COMMAND's output to DIR/out; the pane shows
# "EXITED code" and "BATCH code".
tui_then_batch() {
	tui_end
	E2E_RUN=$((E2E_RUN + 1))
	E2E_SESSION="mailnoc-e2e-$$-$E2E_RUN"
	tmx new-session -d -s "$E2E_SESSION" -x "$1" -y "$2" \
		-e "MAILNOC_CONFIG=$MAILNOC_CONFIG" -e "TERM=xterm-256color" \
		"$MAILNOC_BIN/mailnoc 2>$3/err; echo EXITED \$?; \
		while [ ! -e $3/go ]; do sleep 0.1; done; \
		$4 >$3/out 2>&1; echo BATCH \$?; sleep 30"
}

# records_alike WHAT RECS: the audit records RECS (a JSON array) are the
# same apart from their time, ids and via; if not, they are printed.
records_alike() {
	r_same=$(echo "$2" | jq -c 'map(del(.at, .time, .started_at, .stream_id,
		.id, .action, .via)) | unique')
	expect_eq "the rest of the $1 is the same" 1 "$(echo "$r_same" | jq length)"
	[ "$(echo "$r_same" | jq length)" = 1 ] ||
		echo "$2" | jq -c '.[]' | sed 's/^/  | /'
}
