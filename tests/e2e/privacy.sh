#!/usr/bin/env bash
# Privacy (issue 8): no client address ever leaves originstatd.  Every
# address in a simulated capture (packet sources and destinations, IPv4
# and IPv6, and those inside X-Forwarded-For and Forwarded headers, as
# tshark reads them) is searched for, in every textual form (dotted quad,
# IPv6 compressed, expanded and without leading zeros, hex), in the CSV,
# in every ZeroMQ message of every topic (a live subscriber and a
# snapshot after the end of the file) and in the -vv log.  The search is
# first shown to find every address in the capture's own text.
set -uo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
py=/usr/bin/python3	# Debian's, with python3-zmq
[ -x "$py" ] || py=$(command -v python3) ||
	{ echo "SKIP: no python3"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
pc() { "$py" "$src/tests/tools/privcheck.py" "$@"; }
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
db=$src/tests/data/geo-iplocdb.mmdb

cat >"$tmp/originstatd.conf" <<'EOF'
[rules]
eta = onlineservices-servicesenligne.cic.gc.ca/eta/
eta = eta.cic.gc.ca
immigrate = www.cic.gc.ca/english/immigrate/
immigrate = www.cic.gc.ca/francais/immigrer/
cic = www.cic.gc.ca
cic = *.cic.gc.ca
[proxy]
trusted = 10.0.0.0/8, fd00::/8
EOF

"$bin/originstat-sim" --out "$tmp/cap.pcap" --truth "$tmp/truth.csv" \
    --geoip "$db" --networks "$src/tests/data/geo-networks.tsv" \
    --hours 1 --seed 5 >/dev/null 2>&1 ||
	{ echo "FAIL: originstat-sim"; exit 1; }

# The addresses: of the packets, and in the request heads.
tshark -r "$tmp/cap.pcap" -T fields -E separator=' ' -e ip.src -e ip.dst \
    -e ipv6.src -e ipv6.dst -e http.x_forwarded_for -e http.request.line \
    >"$tmp/cap.txt" 2>/dev/null
pc collect "$tmp/addrs" "$tmp/cap.txt"
n4=$(grep -vc : "$tmp/addrs"); n6=$(grep -c : "$tmp/addrs")
nxff=$(grep -ioE '(x-forwarded-for|forwarded):[^\\]*' "$tmp/cap.txt" |
    pc collect "$tmp/xff" && wc -l <"$tmp/xff")
echo "$n4 IPv4 and $n6 IPv6 addresses, $nxff of them in forwarding headers"
[ "$n4" -ge 20 ] && [ "$n6" -ge 3 ] && [ "$nxff" -ge 10 ] ||
	{ echo "FAIL: too few addresses found in the capture"; exit 1; }

# The search finds each form of each address, and every address in the
# capture's text: it can fail.
pc forms "$tmp/addrs" >"$tmp/forms"
nf=$(pc search "$tmp/addrs" "$tmp/forms" | wc -l)
[ "$nf" -eq "$(wc -l <"$tmp/forms")" ] ||
	bad "self-test: $nf of $(wc -l <"$tmp/forms") forms found"
np=$(pc search "$tmp/addrs" "$tmp/cap.txt" | wc -l)
[ "$np" -ge "$(wc -l <"$tmp/addrs")" ] ||
	bad "self-test: $np hits in the capture's text, want every address"

ep=ipc://$tmp/pub.sock
# Quiet minutes before the capture's: up to 60 packet records, one a
# minute for the hour before its first minute, each an ARP frame (no
# address of the capture, no flow, no hit) at second 30 of its minute,
# which closes the minute of the one before.
"$py" "$src/tests/tools/mkcap.py" quiet-before "$tmp/cap.pcap" \
	"$tmp/quiet"

# The subscriber connects first; the file reaches originstatd once it has
# subscribed: the header first (originstatd opens it, binds), then quiet
# minutes one at a time until the subscriber has one's marker, then the
# packets.  --linger 60 is ended by SIGTERM once the snapshot is taken.
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
"$bin/zsub" "$ep" 90 >"$tmp/zmq.txt" 2>"$tmp/zsub.err" 3>&- &
pids+=($!); zsub=$!
"$bin/originstatd" -vv -r - -c "$tmp/originstatd.conf" --geoip "$db" \
    --csv "$tmp/out.csv" --publish "$ep" --sensor privacy \
    --stats-interval 1 --linger 60 <"$tmp/fifo" 3>&- >"$tmp/log" 2>&1 &
pids+=($!); d=$!
head -c 24 "$tmp/cap.pcap" >&3
marked() {
	local i
	for i in $(seq 10); do
		grep -q '^minute' "$tmp/zmq.txt" && return; sleep 0.05
	done
	return 1
}
n=0
until marked; do
	[ "$n" -lt 60 ] || { echo "FAIL: zsub got none of 59 quiet minutes"
		exit 1; }
	tail -c +$((n * 58 + 1)) "$tmp/quiet" | head -c 58 >&3
	n=$((n + 1))
done
tail -c +25 "$tmp/cap.pcap" >&3
exec 3>&-

# After the end of the file: a snapshot of every closed minute.
snapped=0
for _ in $(seq 600); do
	grep -q 'end of input' "$tmp/log" && break
	sleep 0.1
done
grep -q 'end of input' "$tmp/log" || bad "originstatd did not read its file"
if "$py" -c 'import zmq' 2>/dev/null; then
	"$py" - "$ep.snapshot" >"$tmp/snap.txt" <<'EOF' &&
import sys
import zmq
s = zmq.Context().socket(zmq.DEALER)
s.connect(sys.argv[1])
s.send_multipart([b"snapshot", b'{"v":1}'])
while True:
    assert s.poll(10000), "snapshot reply stalled"
    topic, payload = s.recv_multipart()
    print(topic.decode(), payload.decode(), sep="\t")
    if topic == b"snapshot.end":
        break
EOF
	snapped=1 || bad "snapshot request failed"
else
	echo "note: no python3 zmq module; no snapshot requested"
	: >"$tmp/snap.txt"
fi
kill -TERM "$d"
wait "$d" || bad "originstatd exit $?: $(tail -5 "$tmp/log")"
kill "$zsub" 2>/dev/null; wait "$zsub" 2>/dev/null

# Something was written everywhere, or the search proves nothing.
rows=$(($(wc -l <"$tmp/out.csv") - 1))
[ "$rows" -eq $(($(wc -l <"$tmp/truth.csv") - 1)) ] ||
	bad "CSV has $rows rows, the truth $(($(wc -l <"$tmp/truth.csv") - 1))"
for t in counts. minute stats; do
	grep -q "^$t" "$tmp/zmq.txt" || bad "no '$t' message received"
done
grep -q '"sketch"' "$tmp/zmq.txt" || bad "no sketch in the messages"
[ "$snapped" = 0 ] || grep -q '^snapshot.end' "$tmp/snap.txt" ||
	bad "no snapshot received"
grep -q 'minute .* closed' "$tmp/log" || bad "no -vv minute lines in the log"

# The search itself.
if ! pc search "$tmp/addrs" "$tmp/out.csv" "$tmp/zmq.txt" "$tmp/snap.txt" \
    "$tmp/log" >"$tmp/hits"; then
	bad "client addresses in the output:"; head -20 "$tmp/hits"
fi
echo "searched $(wc -l <"$tmp/forms") forms of $(wc -l <"$tmp/addrs")" \
    "addresses in $rows CSV rows, $(wc -l <"$tmp/zmq.txt") messages," \
    "$(wc -l <"$tmp/snap.txt") snapshot messages, $(wc -l <"$tmp/log")" \
    "log lines"
[ "$fail" -eq 0 ] && echo "ok: no client address in CSV, ZeroMQ or log"
[ "$fail" -eq 0 ]
