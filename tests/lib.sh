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
