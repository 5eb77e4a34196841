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
