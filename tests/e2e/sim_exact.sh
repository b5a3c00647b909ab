#!/usr/bin/env bash
# End to end: the simulator writes a capture and its true counts; originstatd
# must produce exactly the same CSV, row for row, in every link framing.
#   sim_exact.sh LINKTYPE [extra simulator options]
set -euo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
link=${1:?linktype}; shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$bin/originstat-sim" --out "$tmp/cap.pcap" --truth "$tmp/truth.csv" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" \
	--networks "$src/tests/data/geo-networks.tsv" \
	--linktype "$link" "$@"
"$bin/originstatd" -r "$tmp/cap.pcap" -c "$src/docs/originstatd.conf.example" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" --csv "$tmp/out.csv"

rows=$(($(wc -l < "$tmp/truth.csv") - 1))
[ "$rows" -gt 50 ] || { echo "too few truth rows: $rows"; exit 1; }
if ! diff -u "$tmp/truth.csv" "$tmp/out.csv" > "$tmp/diff"; then
	head -40 "$tmp/diff"
	echo "FAIL: $link: CSV differs from the truth ($(grep -c '^[-+][0-9]' "$tmp/diff") lines)"
	exit 1
fi
echo "ok: $link: $rows rows equal the truth"
