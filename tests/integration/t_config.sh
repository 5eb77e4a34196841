#!/bin/sh
# The configuration the lab writes is valid and complete for both binaries.
. "$(dirname "$0")/../lib.sh"
B=$MAILNOC_BIN

out=$("$B/mailnoc" --check-config 2>&1)
rc=$?
expect_eq "mailnoc --check-config on the lab exits 0" 0 "$rc"
expect_contains "it reports no problems" "0 problems found" "$out"
expect_contains "it lists the four nodes" "nodes: 4 (2 gateways, 2 mailbox)" "$out"
expect_contains "it found the password file" "(readable)" "$out"

for n in gw1 gw2 mbx1 mbx2; do
	check "mailnocd --check-config --node $n" \
		"$B/mailnocd" --node "$n" --check-config
done

out=$("$B/mailnocd" --node gw9 --check-config 2>&1)
expect_eq "an unknown node is refused with exit 2" 2 "$?"
expect_contains "naming the node" "node 'gw9' is not in" "$out"

noc=$(dirname "$MAILNOC_CONFIG")/mailnoc-noc.json
out=$("$B/mailnoc" --config "$noc" --check-config 2>&1)
expect_contains "the noc configuration uses the noc user" "user noc" "$out"

finish
