#!/usr/bin/env bash
# bench/collect.sh - how much one `originstat collect` merges.
#
#   bench/collect.sh [-b BUILD] [-n SENSORS] [-H HOURS] [-s SCALE]
#
# Makes SENSORS simulator captures of the same HOURS (different seeds: the
# same minutes, classes and countries, different clients), runs one
# lingering originstatd -r per capture publishing on its own port, then
# starts one collector on all of them.  Each sensor already holds all its
# minutes, so the collector gets them as fast as it can take them (the
# snapshot replies) and merges them: its CPU time (user + system, from
# /proc) over the rows it received is its cost per row, and rows per
# CPU-second times 60 the rows per minute one core keeps up with.
# Defaults: BUILD=build, 4 sensors, 6 hours, scale 20.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build n=4 hours=6 scale=20
while getopts b:n:H:s:h o; do
	case $o in
	b) build=$(cd "$OPTARG" && pwd) ;;
	n) n=$OPTARG ;;
	H) hours=$OPTARG ;;
	s) scale=$OPTARG ;;
	*) sed -n '2,15p' "$0"; exit 64 ;;
	esac
done
db=$here/tests/data/geo-iplocdb.mmdb
conf=$here/docs/originstatd.conf.example
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

port() {
	python3 -c 'import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    print(p); break'
}
# user + system CPU seconds of a process, from /proc/PID/stat.
cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
		"/proc/$1/stat"
}

eps=() inrows=0
for i in $(seq 1 "$n"); do
	"$build/originstat-sim" --out "$tmp/s$i.pcap" --geoip "$db" \
		--networks "$here/tests/data/geo-networks.tsv" \
		--start 2016-11-08T20:00:00Z --hours "$hours" --scale "$scale" \
		--seed "$i" 2>/dev/null
	p=$(port)
	"$build/originstatd" -r "$tmp/s$i.pcap" -c "$conf" --geoip "$db" \
		--csv "$tmp/s$i.csv" --publish "tcp://127.0.0.1:$p" \
		--sensor "s$i" --linger 3600 2>"$tmp/s$i.err" &
	pids+=("$!")
	eps+=(--connect "tcp://127.0.0.1:$p")
	until grep -qs "end of input" "$tmp/s$i.err"; do sleep 0.1; done
	inrows=$((inrows + $(wc -l <"$tmp/s$i.csv") - 1))
done
minutes=$(cat "$tmp"/s*.csv | cut -d, -f1 | grep -v minute_utc |
	sort -u | wc -l)

start=$(date +%s.%N)
"$build/originstat" collect "${eps[@]}" --csv "$tmp/merged.csv" \
	--timeout 3600 2>"$tmp/collect.err" &
c=$!
pids+=("$c")
# Done when all but the last minute are out (the last one may wait for a
# sensor that had no traffic in it) and the CPU time stands still.
last=""
while :; do
	sleep 0.5
	got=$(($(cut -d, -f1 "$tmp/merged.csv" 2>/dev/null | sort -u |
		wc -l) - 1))
	now=$(cpu "$c")
	[ "$got" -ge $((minutes - 1)) ] && [ "$now" = "$last" ] && break
	last=$now
done
end=$(date +%s.%N)
kill -TERM "$c"; wait "$c" || true
outrows=$(($(wc -l <"$tmp/merged.csv") - 1))
awk -v n="$n" -v in_="$inrows" -v out="$outrows" -v m="$minutes" \
    -v cpu="$last" -v wall="$(echo "$end - $start" | bc)" 'BEGIN {
	printf "sensors %d, %d minutes, %d rows in (%.0f a minute), " \
	    "%d merged rows out\n", n, m, in_, in_ / m, out
	printf "collector: %.2f s CPU, %.1f s wall: %.0f rows/CPU-s, " \
	    "%.0f rows/minute on one core\n", cpu, wall, in_ / cpu,
	    in_ / cpu * 60 }'
