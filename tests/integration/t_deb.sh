#!/bin/sh
# make deb and the two packages on this machine (as root): the .debs build
# in a copy of the tree (the source tree is left as it was), lintian finds
# no errors, the versions agree with core/version.h, both install, run from
# /usr/bin and /usr/sbin, the console finds its themes, the agent's user
# and unit are there (systemd-analyze verify passes), dpkg -r leaves only
# the configuration and dpkg --purge removes that too. Purges at the end.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."

skip() {
	ok "skipped: $1"
	finish
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "dpkg -i needs root"
command -v dpkg-buildpackage >/dev/null 2>&1 || skip "no dpkg-buildpackage"
for p in mailnoc mailnocd; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	*" installed" | *config-files | *unpacked | *half-*)
		skip "package $p is on this machine: not touching it" ;;
	esac
done
user_before=$(getent passwd mailnocd || true)
D=$(mktemp -d)
cleanup() {
	dpkg --purge mailnoc mailnocd >/dev/null 2>&1
	[ -z "$user_before" ] && getent passwd mailnocd >/dev/null &&
		deluser --system --quiet mailnocd >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

V=$(sed -n 's/^#define MAILNOC_VERSION "\(.*\)"$/\1/p' core/version.h)
tree_before=$(git status --porcelain 2>/dev/null)
t0=$(date +%s)
make -s deb >"$D/deb.out" 2>&1
rc=$?
secs=$(($(date +%s) - t0))
expect_eq "make deb exits 0 (lintian: no errors) in ${secs} s" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$D/deb.out"
check "make deb takes under 2 minutes" [ "$secs" -lt 120 ]
expect_eq "the source tree is as it was" "$tree_before" \
	"$(git status --porcelain 2>/dev/null)"
M=build/deb/mailnoc_${V}_$(dpkg --print-architecture).deb
A=build/deb/mailnocd_${V}_$(dpkg --print-architecture).deb
expect_eq "two packages, versioned from core/version.h" "$A $M" \
	"$(ls build/deb/*.deb | sort -r | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the package version is core/version.h's" "$V" \
	"$(dpkg-deb -f "$A" Version)"

# Versions from one place: a core/version.h the changelog does not match
# stops make deb before it builds anything.
mkdir "$D/tree"
tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C "$D/tree"
sed -i 's/^#define MAILNOC_VERSION ".*"$/#define MAILNOC_VERSION "9.9.9"/' \
	"$D/tree/core/version.h"
out=$("$D/tree/scripts/deb" 2>&1)
expect_eq "a version.h the changelog does not match stops make deb" \
	"1:deb: core/version.h says 9.9.9 but debian/changelog $V: add a changelog entry for 9.9.9 (dch -v 9.9.9)" \
	"$?:$out"
check "... before it builds" [ ! -e "$D/tree/build" ]

dpkg -i "$M" "$A" >"$D/install.out" 2>&1
expect_eq "dpkg -i installs both" 0 $?
expect_eq "/usr/bin/mailnoc --version" "mailnoc $V" \
	"$(cd / && /usr/bin/mailnoc --version 2>&1)"
expect_eq "/usr/sbin/mailnocd --version" "mailnocd $V" \
	"$(cd / && /usr/sbin/mailnocd --version 2>&1)"
out=$(cd / && /usr/bin/mailnoc --config /etc/mailnoc/config.json \
	--theme nosuch </dev/null 2>&1)
expect_eq "the console looks for themes in /usr/share/mailnoc only" \
	"mailnoc: cannot find theme 'nosuch': looked in /usr/share/mailnoc/themes/nosuch.theme" \
	"$out"
out=$(cd / && /usr/bin/mailnoc --config /etc/mailnoc/config.json \
	--theme light </dev/null 2>&1)
expect_contains "the console finds the packaged theme 'light'" \
	"needs a terminal" "$out"
check "man pages and completion are installed" [ -s \
	/usr/share/man/man1/mailnoc.1.gz -a -s /usr/share/man/man8/mailnocd.8.gz \
	-a -s /usr/share/bash-completion/completions/mailnoc ]
out=$(env -u MAILNOC_CONFIG /usr/sbin/mailnocd --node gw1 --check-config 2>&1)
expect_contains "the example configuration in /etc/mailnoc is valid" \
	"configuration /etc/mailnoc/config.json is valid" "$out"
out=$(getent passwd mailnocd | cut -d: -f6,7)
expect_eq "postinst made the mailnocd system user" \
	"/nonexistent:/usr/sbin/nologin" "$out"
U=/lib/systemd/system/mailnocd.service
check "the unit is installed" [ -s "$U" ]
check "the restore script is /usr/lib/mailnoc/restore-mailbox, root's, mode 0755" \
	[ "$(stat -c '%a %U' /usr/lib/mailnoc/restore-mailbox 2>/dev/null)" = "755 root" ]
check "the shipped drop-in allows it" \
	grep -q '^mailnoc ALL=(root) NOPASSWD: /usr/lib/mailnoc/restore-mailbox ^probe-restore ' /etc/sudoers.d/mailnoc
check "the sudoers drop-in is /etc/sudoers.d/mailnoc, mode 0440" \
	[ "$(stat -c %a /etc/sudoers.d/mailnoc 2>/dev/null)" = 440 ]
check "visudo -c accepts it with the rest" visudo -c -q
if command -v systemd-analyze >/dev/null 2>&1; then
	out=$(systemd-analyze verify "$U" 2>&1)
	rc=$?
	expect_eq "systemd-analyze verify passes" "0:" "$rc:$out"
	exp=$(systemd-analyze security --offline=yes "$U" 2>/dev/null |
		sed -n 's/.*exposure level for mailnocd.service: \([0-9.]*\).*/\1/p')
	check "systemd-analyze security: exposure $exp, below 3 (OK)" \
		[ "${exp%.*}" -lt 3 ] 2>/dev/null
else
	ok "skipped: systemd-analyze is not installed"
fi

dpkg -r mailnoc mailnocd >"$D/remove.out" 2>&1
expect_eq "dpkg -r removes both" 0 $?
left=""
for f in /usr/bin/mailnoc /usr/sbin/mailnocd /usr/share/mailnoc /usr/lib/mailnoc \
	/usr/share/doc/mailnoc /usr/share/doc/mailnocd $U \
	/usr/share/man/man1/mailnoc.1.gz /usr/share/man/man8/mailnocd.8.gz \
	/usr/share/bash-completion/completions/mailnoc; do
	[ -e "$f" ] && left="$left $f"
done
expect_eq "dpkg -r leaves no program, doc, man page or unit" "" "$left"
check "dpkg -r keeps the configuration" [ -s /etc/mailnoc/config.json -a \
	-s /etc/default/mailnocd -a -s /etc/sudoers.d/mailnoc ]
expect_eq "the console is gone, the agent's configuration stays" \
	"unknown ok not-installed deinstall ok config-files" \
	"$(dpkg-query -W -f='${Status} ' mailnoc mailnocd | sed 's/ $//')"

dpkg --purge mailnoc mailnocd >"$D/purge.out" 2>&1
expect_eq "dpkg --purge exits 0" 0 $?
check "dpkg --purge removes /etc/mailnoc, /etc/default/mailnocd and the drop-in" \
	[ ! -e /etc/mailnoc -a ! -e /etc/default/mailnocd -a ! -e /etc/sudoers.d/mailnoc ]
expect_eq "nothing of either package is known to dpkg any more" "" \
	"$(dpkg-query -W mailnoc mailnocd 2>/dev/null)"
finish
