#!/usr/bin/env bash
# The first command: install what is missing, build, fetch the default
# GeoIP database, simulate the 8-10 November 2016 story and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"
scripts/get-geoip.sh data/geo-whois-asn-country.mmdb
exec scripts/demo.sh
