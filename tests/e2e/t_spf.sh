#!/bin/sh
# The agencies view's SPF column against the lab's unbound: an agency whose
# record lists every gateway's egress address shows "pass"; one whose record
# misses gw2's 198.51.100.7 is flagged with its worst result and how many
# (domain, address) pairs fail ("!soft 1/3": a text mark, so it shows
# without colours too); Enter lists the failing pair with the record text;
# S re-checks at once (the spf command as a job, asked first) and the
# column follows a changed sending domain; without a key the view checks
# again a minute after its last check when an agency's domains changed. At 100x30 (the SPF column costs
# the sparkline its room at 80).
. "$(dirname "$0")/lib.sh"
LAB=$(dirname "$MAILNOC_CONFIG")
. tests/lab/ports
B=$MAILNOC_BIN/mailnoc
OK=t-spfeok
MISS=t-spfemis
rc() {
	redis-cli -p "$LAB_REDIS_PORT" --user admin \
		--pass "$(cat "$LAB/secrets/admin.pass")" --no-auth-warning "$@"
}
cleanup() {
	for a in $OK $MISS; do
		rc del "mailnoc:agency:$a" >/dev/null
		rc srem mailnoc:agencies "$a" >/dev/null
	done
}
# spf_cell AGENCY: the SPF column of the agency's row.
spf_cell() {
	tui_screen | awk -v a="$1" '$1 == a { print $2; exit }'
}

cleanup
trap 'cleanup; tui_stop' EXIT INT TERM
"$B" agency add $OK --name "SPF ok" --domains tax.agency.example >/dev/null
check "an agency whose SPF lists every gateway" [ $? -eq 0 ]
"$B" agency add $MISS --name "SPF miss" --domains health.agency.example >/dev/null
check "an agency whose SPF misses gw2" [ $? -eq 0 ]
# What the batch command says, for the same pairs.
expect_eq "spf --json: $MISS's one failing pair is gw2's softfail" \
	"198.51.100.7 softfail" "$("$B" spf $MISS --json | jq -r \
	'.[0].checks[] | select(.pass | not) | "\(.ip) \(.result)"')"
npairs=$("$B" spf $MISS --json | jq -r '.[0].checks | length')

tui_start 100 30
tui_keys 5
expect_screen "5 opens the agencies view" "mailnoc | Agencies" 10
expect_screen "the SPF column" " SPF " 5
tui_keys / "t-spfe" Enter
wait_for "$MISS " 10
# The view checks SPF by itself once shown (a job: the DNS is not asked
# on the UI thread, which the sanitizer build would abort on).
expect_screen "the check ran and the summary counts the flagged" \
	"not passing SPF (!)" 30
expect_eq "$OK passes for every gateway" "pass" "$(spf_cell $OK)"
expect_eq "$MISS: softfail, 1 of its $npairs pairs, marked !" "!soft" \
	"$(spf_cell $MISS)"
expect_contains "... with the count of pairs" "1/$npairs" \
	"$(tui_screen | grep "^$MISS ")"
# The cursor's agency: the first row, $MISS (by id).
expect_screen "the detail says it does not pass" \
	"SPF: ! DOES NOT PASS for every gateway (!soft 1/$npairs" 5
tui_keys Enter
expect_screen "Enter lists the failing pair" "health.agency.example" 10
expect_screen "... its gateway, address and result" "gw2    198.51.100.7    softfail" 5
expect_screen "... and the record text" \
	"record: v=spf1 ip4:203.0.113.25 ip4:203.0.113.26 ~all" 5
tui_keys Escape

# A changed sending domain: S checks again at once (not in 5 minutes).
"$B" agency set $MISS --domains tax.agency.example >/dev/null
tui_keys S
expect_screen "S asks before the look-ups" "check the agencies' SPF records now" 10
tui_keys y Enter
passes() { [ "$(spf_cell $MISS)" = pass ]; }
check "after S the agency passes" wait_until 30 passes
# Without a key: a result that no longer answers for the agency's domains
# is checked again a minute after the last check (not at every refresh).
"$B" agency set $MISS --domains health.agency.example >/dev/null
soft() { [ "$(spf_cell $MISS)" = '!soft' ]; }
check "the view re-checks a changed agency by itself within 100 s" \
	wait_until 100 soft
tui_keys q
expect_screen "q quits" "EXITED 0" 15
finish
