#!/usr/bin/env bash
# originstatd -r FILE --publish EP --linger S: after the end of the file it
# keeps the snapshot service up.  A client that was not there while the
# minutes were published (they go out in well under a second) waits until
# the stats show the whole file read, asks for a snapshot on the announced
# endpoint (the PUB port + 1) with a ZeroMQ DEALER, and rebuilds from it
# CSV rows that must equal the simulator's truth, and a `minute` marker for
# every minute, quiet ones included.  Then: from_minute_ts, the exit after
# the linger, and SIGTERM ending a linger early.
set -euo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
py=/usr/bin/python3
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

if ! "$py" -c 'import zmq' 2>/dev/null; then
	echo "SKIP: $py has no zmq module (python3-zmq)"; exit 77
fi

"$bin/originstat-sim" --out "$tmp/cap.pcap" --truth "$tmp/truth.csv" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" \
	--networks "$src/tests/data/geo-networks.tsv" --hours 1 >/dev/null

cat >"$tmp/client.py" <<'EOF'
"""Wait for stats showing the capture read, then rebuild CSV rows from a
snapshot.  argv: pub endpoint, capture, expected snapshot endpoint, out
CSV, from_minute_ts (0: all)."""
import json
import struct
import sys
import time

import zmq

pub_ep, cap, want_snap, out, from_ts = sys.argv[1:6]
from_ts = int(from_ts)

# Records in a classic little-endian pcap file (what originstat-sim writes).
with open(cap, "rb") as f:
    data = f.read()
assert data[:4] == b"\xd4\xc3\xb2\xa1", "not a little-endian pcap"
npackets, off = 0, 24
while off + 16 <= len(data):
    off += 16 + struct.unpack_from("<I", data, off + 8)[0]
    npackets += 1

ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.connect(pub_ep)
sub.subscribe(b"stats")
deadline = time.monotonic() + 30
stats = None
while time.monotonic() < deadline:
    if not sub.poll(500):
        continue
    topic, payload = sub.recv_multipart()
    msg = json.loads(payload)
    if msg["counters"]["packets"] == npackets:
        stats = msg
        break
assert stats is not None, f"no stats with packets == {npackets}"
assert stats["snapshot"] == want_snap, stats["snapshot"]
run = stats["run"]
assert len(run) == 16 and all(c in "0123456789abcdef" for c in run), run

dealer = ctx.socket(zmq.DEALER)
dealer.connect(stats["snapshot"])
req = {"v": 1}
if from_ts:
    req["from_minute_ts"] = from_ts
dealer.send_multipart([b"snapshot", json.dumps(req).encode()])
rows, minutes, last_seen = [], 0, 0
marks, empty = [], 0
while True:
    assert dealer.poll(10000), "snapshot reply stalled"
    topic, payload = dealer.recv_multipart()
    msg = json.loads(payload)
    assert msg["run"] == run
    if topic == b"snapshot.end":
        break
    assert msg["minute_ts"] >= from_ts
    assert msg["seq"] > last_seen, "not in publication order"
    last_seen = msg["seq"]
    if topic == b"minute":
        minutes += 1
        marks.append(msg["minute_ts"])
        if msg["rows"] == 0:
            assert msg["classes"] == [] and msg["requests"] == 0, msg
            empty += 1
        continue
    assert topic == b"counts." + msg["class"].encode()
    for r in msg["rows"]:
        rows.append(f'{msg["minute"]},{msg["class"]},{r["country"]},'
                    f'{r["requests"]},{r["tls_handshakes"]},{r["clients"]}')
end = msg
assert end["type"] == "snapshot_end" and end["sensor"] == stats["sensor"]
# seq counts stats too; the request went out after those stats came.
assert end["last_seq"] >= last_seen and end["last_seq"] >= stats["seq"]
assert minutes > 0
# Quiet minutes have their marker too: one for every minute, in order.
assert marks == list(range(marks[0], marks[0] + 60 * len(marks), 60)), marks
assert minutes == len({r.split(",")[0] for r in rows}) + empty
if from_ts == 0:
    assert empty > 0, "no quiet minute in the capture?"
assert end["newest_minute_ts"] >= end["oldest_minute_ts"]
with open(out, "w") as f:
    f.write("minute_utc,class,country,requests,tls_handshakes,clients\n")
    f.writelines(r + "\n" for r in rows)
print(f"snapshot: {minutes} minutes ({empty} quiet), {len(rows)} rows, "
      f"last_seq {end['last_seq']}")
EOF

port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for _ in 1 2 3 4 5; do
	p=$(port)
	"$py" -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',$p+1))" \
		2>/dev/null && break
done
ep="tcp://127.0.0.1:$p"; snap="tcp://127.0.0.1:$((p + 1))"

daemon() {
	"$bin/originstatd" -r "$tmp/cap.pcap" -c "$src/docs/originstatd.conf.example" \
		--geoip "$src/tests/data/geo-iplocdb.mmdb" --publish "$ep" \
		--sensor e2e --stats-interval 1 "$@" 2>>"$tmp/d.log" &
	d=$!
	pids+=($d)
}

# since START: seconds (and microseconds) from START (an $EPOCHREALTIME).
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
# at_least X Y: X >= Y, as decimals.
at_least() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }'; }

# 1. Everything, then the daemon exits 0 by itself when the linger ends.
# 10 s: time enough for the client to start, see stats and ask.
start=$EPOCHREALTIME
daemon --linger 10
"$py" "$tmp/client.py" "$ep" "$tmp/cap.pcap" "$snap" "$tmp/all.csv" 0 ||
	{ echo "FAIL: client"; cat "$tmp/d.log"; exit 1; }
wait "$d" || { echo "FAIL: originstatd exit $?"; cat "$tmp/d.log"; exit 1; }
took=$(since "$start")
at_least "$took" 9.9 ||
	{ echo "FAIL: exited after ${took}s, linger is 10"; exit 1; }
grep -q 'end of input; serving snapshots on tcp://127.0.0.1:' "$tmp/d.log" ||
	{ echo "FAIL: no linger notice"; cat "$tmp/d.log"; exit 1; }
if ! diff -u "$tmp/truth.csv" "$tmp/all.csv" >"$tmp/diff"; then
	head -40 "$tmp/diff"; echo "FAIL: snapshot rows differ from the truth"; exit 1
fi
rows=$(($(wc -l <"$tmp/truth.csv") - 1))

# 2. From the middle minute: the truth's rows from there on.
mid=$(sed -n "$((rows / 2 + 1))p" "$tmp/truth.csv" | cut -d, -f1)
mid_ts=$(date -u -d "$mid" +%s)
daemon --linger 60
"$py" "$tmp/client.py" "$ep" "$tmp/cap.pcap" "$snap" "$tmp/from.csv" "$mid_ts" ||
	{ echo "FAIL: client from $mid"; cat "$tmp/d.log"; exit 1; }
{ head -1 "$tmp/truth.csv"; awk -F, -v m="$mid" 'NR > 1 && $1 >= m' "$tmp/truth.csv"; } \
	>"$tmp/truth_from.csv"
diff -u "$tmp/truth_from.csv" "$tmp/from.csv" >"$tmp/diff" ||
	{ head -20 "$tmp/diff"; echo "FAIL: from_minute_ts $mid_ts"; exit 1; }

# 3. SIGTERM ends that 60 s linger early, exit 0: within 5 s (an
# AddressSanitizer build's exit on a loaded machine included), where the
# linger has most of its 60 s left.
start=$EPOCHREALTIME
kill -TERM "$d"
wait "$d" || { echo "FAIL: originstatd exit $? after SIGTERM"; cat "$tmp/d.log"; exit 1; }
took=$(since "$start")
at_least 5 "$took" ||
	{ echo "FAIL: SIGTERM did not end the linger (${took}s)"; exit 1; }
echo "ok: linger: $rows snapshot rows equal the truth, from $mid too; SIGTERM ends it"
