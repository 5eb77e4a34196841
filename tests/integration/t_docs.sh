#!/bin/sh
# make install into a temporary DESTDIR: binaries, man pages, completion;
# the man pages render without warnings; the completion script completes
# commands, subcommands, options and the configuration's node names.
. "$(dirname "$0")/../lib.sh"
B=$MAILNOC_BIN
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT INT TERM

# 'all' is taken as built: the binaries under test are installed.
make -s -o all install DESTDIR="$D" PREFIX=/usr B="$B" >/dev/null 2>"$D.err"
expect_eq "make install into a DESTDIR exits 0" 0 $?
for f in usr/bin/mailnoc usr/sbin/mailnocd usr/share/man/man1/mailnoc.1 \
	usr/share/man/man8/mailnocd.8 \
	usr/share/bash-completion/completions/mailnoc; do
	check "installed: $f" [ -s "$D/$f" ]
done
check "nothing is installed outside DESTDIR's /usr" \
	[ "$(ls "$D")" = usr ]
rm -f "$D.err"

for m in docs/mailnoc.1 docs/mailnocd.8; do
	out=$(groff -ww -z -man "$m" 2>&1)
	expect_eq "$m renders without warnings (groff -ww)" "" "$out"
done
if command -v mandoc >/dev/null 2>&1; then
	out=$(mandoc -T lint -W warning docs/mailnoc.1 2>&1)
	expect_eq "mandoc -T lint finds nothing" "" "$out"
fi
out=$(MANWIDTH=80 man -l "$D/usr/share/man/man1/mailnoc.1" 2>&1 | head -5)
expect_contains "man -l shows mailnoc(1)" "mailnoc - operations console" "$out"

comp=$D/usr/share/bash-completion/completions/mailnoc
check "the completion script is valid bash" bash -n "$comp"
# complete WORDS...: what bash would offer for the last word.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_mailnoc; echo "${COMPREPLY[*]}"' _ "$comp" "$@"
}
PATH=$B:$PATH
export PATH
expect_eq "commands complete" "drain" "$(complete_words mailnoc dr)"
expect_eq "global options complete" "--read-only" "$(complete_words mailnoc --rea)"
expect_eq "subcommands complete" "hold" "$(complete_words mailnoc queue ho)"
expect_eq "a command's options complete" "--keep-going" \
	"$(complete_words mailnoc batch --ke)"
expect_eq "node names come from the configuration" "gw1 gw2" \
	"$(complete_words mailnoc --config "$MAILNOC_CONFIG" drain gw)"
expect_eq "--node takes node names" "mbx1 mbx2" \
	"$(complete_words mailnoc --config "$MAILNOC_CONFIG" backups --node mb)"
expect_eq "nodes --names needs no Redis" "gw1 gw2 mbx1 mbx2" \
	"$(MAILNOC_CONFIG=$MAILNOC_CONFIG "$B/mailnoc" nodes --names | tr '\n' ' ' | sed 's/ $//')"
out=$("$B/mailnoc" --config /nonexistent completion bash 2>&1 | head -1)
expect_contains "completion needs no configuration" "bash completion" "$out"
finish
