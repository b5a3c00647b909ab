#!/usr/bin/env bash
# The demo: simulate the story, count it with originstatd, summarise it,
# chart it.
# Needs a build in build/ and the database in data/ (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

db=data/geo-whois-asn-country.mmdb
mkdir -p demo
rm -f demo/counts.csv demo/alerts.csv
echo "== simulating 8-10 November 2016 into demo/story.pcap" >&2
build/originstat-sim --geoip "$db" --out demo/story.pcap \
	--truth demo/truth.csv "$@"
echo "== originstatd -r demo/story.pcap" >&2
time build/originstatd -r demo/story.pcap -c docs/originstatd.conf.example \
	--geoip "$db" --csv demo/counts.csv --alerts-csv demo/alerts.csv
echo >&2
build/originstat summary --tz America/Toronto demo/counts.csv
if cmp -s demo/counts.csv demo/truth.csv; then
	verdict="equal to the simulator's true counts"
else
	verdict="DIFFERENT from the simulator's true counts (demo/truth.csv)"
fi
# the chart needs gnuplot (gnuplot-nox, installed by scripts/setup.sh)
echo "== originstat report --csv demo/counts.csv --out demo/report" >&2
build/originstat report --csv demo/counts.csv --out demo/report \
	--tz America/Toronto --alerts demo/alerts.csv \
	--title "Canada's immigration website, 8-9 November 2016 (simulated traffic)"
echo
echo "Per-minute CSV: $(pwd)/demo/counts.csv ($(($(wc -l < demo/counts.csv) - 1)) rows, $verdict)"
echo "Surge alerts:   $(pwd)/demo/alerts.csv ($(($(wc -l < demo/alerts.csv) - 1)) alerts), the first:"
sed -n 2p demo/alerts.csv
echo "Hourly table:   $(pwd)/demo/report/hourly.md"
echo "Chart:          $(pwd)/demo/report/chart.png (and chart.svg)"
