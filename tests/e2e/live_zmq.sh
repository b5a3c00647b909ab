#!/usr/bin/env bash
# Live capture on the loopback interface, with a real ZeroMQ subscriber in
# another process: HTTP requests made with curl against a local web server
# are counted per class, SIGTERM flushes the open minute to CSV and to the
# stream, and no client address appears in any output.
set -euo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: live capture needs root (CAP_NET_RAW)"; exit 77
fi
# wait_for SECONDS WHAT COMMAND...: poll COMMAND every 50 ms.
wait_for() {
	local n=$(($1 * 20)) what=$2; shift 2
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { echo "FAIL: timed out waiting: $what"
			tail -n 20 "$tmp/d.log" "$tmp/sub.out"; exit 1; }
		sleep 0.05
	done
}

# The web server takes a free port itself and says which.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp" \
	>"$tmp/web.log" 2>&1 &
pids+=($!)
serving() { grep -q 'port [0-9]' "$tmp/web.log"; }
wait_for 20 "the web server" serving
web=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$tmp/web.log" | head -n 1)
pub=ipc://$tmp/pub.sock
"$bin/originstatd" -i lo --filter "tcp port $web" -c "$src/docs/originstatd.conf.example" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" --csv "$tmp/out.csv" \
	--publish "$pub" --stats-interval 1 -vv 2>"$tmp/d.log" &
d=$!
pids+=($d)
"$bin/zsub" "$pub" 120 >"$tmp/sub.out" 2>"$tmp/sub.err" &
s=$!
pids+=($s)

# Wait until the subscriber gets a stats message: capture and stream are up.
wait_for 10 "a stats message" grep -q '^stats' "$tmp/sub.out"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$web/" && break; sleep 0.1; done

for i in 1 2 3 4 5; do
	curl -s -o /dev/null -H 'Host: onlineservices-servicesenligne.cic.gc.ca' \
		"http://127.0.0.1:$web/eta/apply?n=$i"
done
for i in 1 2 3; do
	curl -s -o /dev/null -H 'Host: www.cic.gc.ca' \
		"http://127.0.0.1:$web/english/immigrate/?n=$i"
done
# Every request captured and counted (1 + 5 + 3) before SIGTERM: stats
# from after the last one say so.
requests() {
	tail -n 1 < <(grep '^stats' "$tmp/sub.out") |
		grep -o '"http_requests":[0-9]*' | awk -F: '{ exit !($2 >= 9) }'
}
wait_for 20 "stats counting 9 requests" requests
kill -TERM "$d"
wait "$d" || { echo "FAIL: originstatd exit $?"; cat "$tmp/d.log"; exit 1; }
# The minutes, up to the CSV's last (SIGTERM flushed it), with their
# counts ahead of their markers.
last=$(tail -n 1 "$tmp/out.csv" | cut -d, -f1)
wait_for 10 "the subscriber getting minute $last" \
	grep -q "^minute	.*\"minute\":\"$last\"" "$tmp/sub.out"
kill "$s"; wait "$s" 2>/dev/null || true

sum() { awk -F, -v c="$1" '$2 == c { n += $4 } END { print n + 0 }' "$tmp/out.csv"; }
eta=$(sum eta); imm=$(sum immigrate); oth=$(sum other)
echo "csv: eta=$eta immigrate=$imm other=$oth"
[ "$eta" -eq 5 ] && [ "$imm" -eq 3 ] && [ "$oth" -ge 1 ] ||
	{ echo "FAIL: wrong counts"; cat "$tmp/out.csv"; exit 1; }
zeta=$(grep '^counts.eta	' "$tmp/sub.out" | grep -o '"requests": *[0-9]*' |
	awk -F: '{ n += $2 } END { print n + 0 }')
[ "$zeta" -eq 5 ] || { echo "FAIL: stream says eta=$zeta"; cat "$tmp/sub.out"; exit 1; }
if grep -l '127\.0\.0\.1' "$tmp/out.csv" "$tmp/d.log" <(grep -v '^stats' "$tmp/sub.out") ; then
	echo "FAIL: a client address left the process"; exit 1
fi
echo "ok: live capture counted eta=5 immigrate=3, stream agrees, no addresses"
