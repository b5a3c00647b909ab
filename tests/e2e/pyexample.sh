#!/usr/bin/env bash
# docs/examples/eta_share.py, the analyst's example, against a real
# originstatd: every share it prints must be the one computed from the
# daemon's own CSV for that minute.
#
# A plain subscriber gets only what is published after it joined, so the
# daemon reads its capture from a FIFO and gets its packets only once the
# example has printed a minute: quiet minutes (one packet each, no TCP)
# before the capture's first, fed one at a time until one is printed.
set -euo pipefail
export LC_ALL=C
src=${OS_SRC:?}; bin=${OS_BIN:?}
py=/usr/bin/python3
tmp=$(mktemp -d)
pids=()
cleanup() {
	exec 3>&- 2>/dev/null || true
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! "$py" -c 'import zmq' 2>/dev/null; then
	echo "SKIP: $py has no zmq module (Debian package python3-zmq)"
	exit 77
fi
fail() {
	echo "FAIL: $*"
	tail -n 5 "$tmp/d.err" "$tmp/ex.err" "$tmp/ex.out" 2>/dev/null
	exit 1
}
wait_for() {
	local n=$(($1 * 20)) what=$2; shift 2
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "timed out waiting: $what"
		sleep 0.05
	done
}

"$bin/originstat-sim" --out "$tmp/cap.pcap" --truth "$tmp/truth.csv" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" \
	--networks "$src/tests/data/geo-networks.tsv" --hours 2 --seed 4 \
	2>/dev/null
ep=ipc://$tmp/pub.sock
# Up to 60 packet records, one a minute for the hour before the capture's
# first minute, each an ARP frame (no flow, no hit, no row) at second 30
# of its minute: each closes the minute of the one before.
"$py" "$src/tests/tools/mkcap.py" quiet-before "$tmp/cap.pcap" \
	"$tmp/quiet"

mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
"$bin/originstatd" -r - -c "$src/docs/originstatd.conf.example" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" --csv "$tmp/d.csv" \
	--publish "$ep" --linger 60 --stats-interval 1 \
	<"$tmp/fifo" 3>&- 2>"$tmp/d.err" &
d=$!
pids+=("$d")
"$py" "$src/docs/examples/eta_share.py" "$ep" \
	>"$tmp/ex.out" 2>"$tmp/ex.err" 3>&- &
ex=$!
pids+=("$ex")

head -c 24 "$tmp/cap.pcap" >&3		# the file header: it opens, binds
# A quiet minute at a time until the example prints one: its subscription
# has reached the daemon, and every later message reaches it too.
printed() {
	local i
	for i in $(seq 10); do [ -s "$tmp/ex.out" ] && return; sleep 0.05; done
	return 1
}
n=0
until printed; do
	[ "$n" -lt 60 ] || fail "the example printed none of 59 quiet minutes"
	tail -c +$((n * 58 + 1)) "$tmp/quiet" | head -c 58 >&3
	n=$((n + 1))
done
tail -c +25 "$tmp/cap.pcap" >&3
exec 3>&-
wait_for 20 "the daemon reading its capture" grep -q 'end of input' "$tmp/d.err"
last=$(tail -n 1 "$tmp/d.csv" | cut -d, -f1)
wait_for 20 "the example printing the last minute" grep -q "^$last " "$tmp/ex.out"
kill -TERM "$ex" "$d"
gone() { ! kill -0 "$ex" 2>/dev/null && ! kill -0 "$d" 2>/dev/null; }
wait_for 10 "the example and the daemon exiting" gone
wait "$ex" || fail "the example exited $? on SIGTERM"
wait "$d" || fail "originstatd exited $? on SIGTERM"
cmp -s "$tmp/truth.csv" "$tmp/d.csv" || fail "the daemon's CSV is not the truth"

# Expected lines from the CSV, the same arithmetic as the example.
python3 - "$tmp/d.csv" "$tmp/ex.out" <<'EOF'
import csv
import sys

eta, total, order = {}, {}, []
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        m = row["minute_utc"]
        if m not in total:
            order.append(m)
            eta[m] = total[m] = 0
        hits = int(row["requests"]) + int(row["tls_handshakes"])
        total[m] += hits
        if row["class"] == "eta":
            eta[m] += hits

def line(m):
    e, t = eta.get(m, 0), total.get(m, 0)
    share = f"{100 * e / t:.1f}%" if t else "-"
    return f"{m} eta {e}/{t} hits {share}"

got = open(sys.argv[2]).read().splitlines()
bad = [g for g in got if g != line(g.split(" ", 1)[0])]
if bad:
    sys.exit("FAIL: wrong lines, e.g. %r, want %r"
             % (bad[0], line(bad[0].split(" ", 1)[0])))
seen = {g.split(" ", 1)[0] for g in got}
missing = [m for m in order if m not in seen]
if missing:
    sys.exit(f"FAIL: {len(missing)} of {len(order)} minutes not printed, "
             f"first {missing[0]}")
print(f"ok: eta_share.py printed {len(got)} minutes, all equal to the "
      f"daemon's CSV ({len(order)} minutes with rows)")
EOF
