#!/usr/bin/env bash
# Run the unit tests and originstatd itself once under valgrind memcheck
# (on a build without sanitizers): any error or leak fails.
#   scripts/valgrind.sh BUILD_DIR
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:?usage: valgrind.sh BUILD_DIR}" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect)
export OS_SRC=$src OS_BIN=$bin CK_FORK=no CK_DEFAULT_TIMEOUT=600
fail=0 n=0

run() {
	local name=$1; shift
	n=$((n + 1))
	if "${vg[@]}" "$@" >"$tmp/out" 2>"$tmp/err"; then
		echo "valgrind ok: $name"
	else
		echo "valgrind FAIL: $name"; tail -30 "$tmp/err"; fail=$((fail + 1))
	fi
}

# The ZeroMQ tests are timing-bound and excluded; everything else runs.
for t in "$bin"/tests/test_*; do
	case $(basename "$t") in test_pub|test_snapshot|test_priv) continue ;; esac
	run "$(basename "$t")" "$t"
done

"$bin/originstat-sim" --out "$tmp/c.pcap" --truth "$tmp/truth.csv" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" \
	--networks "$src/tests/data/geo-networks.tsv" --hours 2 --chaos 0.3 \
	--seed 5 2>/dev/null
run originstatd "$bin/originstatd" -r "$tmp/c.pcap" \
	-c "$src/docs/originstatd.conf.example" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" --csv "$tmp/out.csv"
cmp -s "$tmp/out.csv" "$tmp/truth.csv" ||
	{ echo "valgrind FAIL: originstatd CSV differs from the truth"; fail=$((fail + 1)); }
run "originstat summary" "$bin/originstat" summary "$tmp/out.csv"

echo "valgrind: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
