#!/usr/bin/env bash
# The demo: simulate the story, count it with originstatd, summarise it.
# Needs a build in build/ and the database in data/ (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

db=data/geo-whois-asn-country.mmdb
mkdir -p demo
rm -f demo/counts.csv
echo "== simulating 8-10 November 2016 into demo/story.pcap" >&2
build/originstat-sim --geoip "$db" --out demo/story.pcap \
	--truth demo/truth.csv "$@"
echo "== originstatd -r demo/story.pcap" >&2
time build/originstatd -r demo/story.pcap -c docs/originstatd.conf.example \
	--geoip "$db" --csv demo/counts.csv -v
echo >&2
build/originstat summary --tz America/Toronto demo/counts.csv
if cmp -s demo/counts.csv demo/truth.csv; then
	verdict="equal to the simulator's true counts"
else
	verdict="DIFFERENT from the simulator's true counts (demo/truth.csv)"
fi
echo
echo "Per-minute CSV: $(pwd)/demo/counts.csv ($(($(wc -l < demo/counts.csv) - 1)) rows, $verdict)"
