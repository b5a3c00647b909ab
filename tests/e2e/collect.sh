#!/usr/bin/env bash
# originstat collect: one capture split by TCP connection into two halves,
# each read by its own originstatd publishing to one collector.  The
# collector's CSV must equal, byte for byte, the CSV of one originstatd on
# the whole capture (and the simulator's truth): requests and handshakes
# summed, a client seen by both sensors in one minute counted once (the
# exact sketches unite exactly).  Then a sensor killed mid-capture and
# restarted on its whole half (no minute counted twice), a sensor that
# never comes up (minutes close after --timeout), and one that comes up
# late (its data published as corrections; the CSV keeps what was first
# published).  `originstat csv` following the collector writes the same.
set -euo pipefail
export LC_ALL=C
src=${OS_SRC:?}; bin=${OS_BIN:?}
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

db=$src/tests/data/geo-iplocdb.mmdb
# Sensors whose sketches are merged share the client-hash key.
conf=$tmp/originstatd.conf
{ cat "$src/docs/originstatd.conf.example"
  printf '\n[publish]\nsketch_key = 0123456789abcdef\n'; } > "$conf"
os=$bin/originstat

dump() {
	local f
	for f in "$tmp"/*.err; do
		[ -e "$f" ] || continue
		echo "--- $(basename "$f")"; tail -n 15 "$f"
	done
}
fail() { echo "FAIL: $*"; dump; exit 1; }

wait_for() {
	local n=$(($1 * 20)) what=$2; shift 2
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "timed out waiting: $what"
		sleep 0.05
	done
}

# A TCP port P with P+1 free too (the snapshot service's, by convention).
ports() {
	python3 - <<'PY'
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    print(p)
    break
PY
}

# sensor NAME FILE EP [ARGS]: originstatd on FILE publishing at EP.
sensor() {
	local name=$1 file=$2 ep=$3; shift 3
	rm -f "$tmp/$name.err"	# no "end of input" of an earlier run
	"$bin/originstatd" -r "$file" -c "$conf" --geoip "$db" \
		--publish "$ep" --sensor "$name" --linger 300 \
		--stats-interval 1 "$@" 2>"$tmp/$name.err" 3>&- &
	spid=$!
	pids+=("$spid")
}
# collector NAME ARGS: originstat collect, pid in $cpid.
collector() {
	local name=$1; shift
	"$os" collect --stats-interval 1 "$@" 2>"$tmp/$name.err" 3>&- &
	cpid=$!
	pids+=("$cpid")
}
same() { cmp -s "$1" "$2"; }
stop() {
	local p
	for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "$@"; do wait "$p" 2>/dev/null || true; done
}
# ended NAME...: each sensor NAME has read all of its half.  A sensor
# that has bound its endpoints and published every minute of its half
# before the collector starts is reached at the collector's first
# connects: no reconnect backoff (0.5 s doubling, plus jitter) delays one
# sensor's minutes by more than the timeout behind the other's.
ended() {
	local n
	for n in "$@"; do
		grep -q 'end of input' "$tmp/$n.err" 2>/dev/null || return 1
	done
}
# minutes FILE: the first and last minute (Unix time) of FILE's packets.
# A sensor sends a marker for each minute from one to the other, quiet
# ones included.
minutes() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
o, ts = 24, []
while o < len(d):
    t, _, cl, _ = struct.unpack_from("<IIII", d, o)
    ts.append(t)
    o += 16 + cl
print(min(ts) // 60 * 60, max(ts) // 60 * 60)
PY
}
# stats_seen FILE: a zsub following the collector has had a stats message
# (every --stats-interval): it is subscribed, and gets all that follows.
stats_seen() { grep -q '^stats' "$1" 2>/dev/null; }

# --- usage -------------------------------------------------------------

expect() {
	local want=$1 got=0; shift
	"$@" >"$tmp/x.out" 2>"$tmp/x.stderr" || got=$?
	[ "$got" = "$want" ] || { cat "$tmp/x.stderr"
		fail "$* -> exit $got, want $want"; }
}
expect 0 "$os" collect --help
grep -q -- '--timeout' "$tmp/x.out" || fail "collect --help says nothing"
expect 64 "$os" collect
expect 64 "$os" collect --connect tcp://127.0.0.1:1
expect 64 "$os" collect --connect tcp://127.0.0.1:1 --csv "$tmp/x" --timeout 0
expect 64 "$os" collect --connect nosuch://x --csv "$tmp/x.csv"
expect 73 "$os" collect --connect tcp://127.0.0.1:1 --csv "$tmp/no/x.csv"
echo "ok: usage"

# --- the capture, whole and split --------------------------------------

# The US surge at its peak: clients come back within a minute, often on
# another connection, so many are seen by both sensors.
"$bin/originstat-sim" --out "$tmp/all.pcap" --truth "$tmp/truth.csv" \
	--geoip "$db" --networks "$src/tests/data/geo-networks.tsv" \
	--start 2016-11-09T03:00:00Z --hours 1 --scale 20 --seed 21 \
	2>/dev/null
"$bin/originstatd" -r "$tmp/all.pcap" -c "$conf" --geoip "$db" \
	--csv "$tmp/whole.csv" 2>"$tmp/whole.err"
cmp -s "$tmp/truth.csv" "$tmp/whole.csv" || fail "whole capture != truth"
"$bin/splitcap" "$tmp/all.pcap" 2 "$tmp/half" 2>"$tmp/split.err"
"$bin/originstatd" -r "$tmp/half.0.pcap" -c "$conf" --geoip "$db" \
	--csv "$tmp/h0.csv" 2>/dev/null
"$bin/originstatd" -r "$tmp/half.1.pcap" -c "$conf" --geoip "$db" \
	--csv "$tmp/h1.csv" 2>/dev/null
# Clients seen by both halves in one (minute, class, country): the sum of
# the halves' clients exceeds the whole's.
overlap=$(awk -F, 'FNR == 1 { f++; next }
	{ k = $1 "," $2 "," $3 }
	f < 3 { sum[k] += $6; next }
	sum[k] > $6 { n++ } END { print n + 0 }' \
	"$tmp/h0.csv" "$tmp/h1.csv" "$tmp/whole.csv")
[ "$overlap" -gt 0 ] || fail "no client at both sensors in one minute"
echo "ok: split in two: $(grep -c . "$tmp/h0.csv") + $(grep -c . "$tmp/h1.csv")" \
	"rows, $overlap rows with clients at both sensors"

# --- two sensors, one collector -----------------------------------------

# Over TCP here (the snapshot service at port + 1); ipc:// below.
pa=$(ports); pb=$(ports); pc=$(ports)
a=tcp://127.0.0.1:$pa; b=tcp://127.0.0.1:$pb; c=tcp://127.0.0.1:$pc
sensor s0 "$tmp/half.0.pcap" "$a"
s0=$spid
sensor s1 "$tmp/half.1.pcap" "$b"
s1=$spid
wait_for 60 "the sensors at the end of their halves" ended s0 s1
# Each sensor marks every minute of its half, quiet ones too, and both
# halves end in the same minute: every minute closes once both have sent
# it, none by the timeout.
collector c1 --connect "$a" --connect "$b" --publish "$c" \
	--csv "$tmp/c1.csv" --timeout 5
c1=$cpid
"$os" csv --connect "$c" --out "$tmp/down.csv" 2>"$tmp/down.err" 3>&- &
down=$!
pids+=("$down")
wait_for 60 "the collector's CSV equal to the whole capture's" \
	same "$tmp/whole.csv" "$tmp/c1.csv"
wait_for 30 "originstat csv after the collector" \
	same "$tmp/whole.csv" "$tmp/down.csv"
"$bin/zsub" "$c" 10 stats 1 >"$tmp/c1.stats" || fail "no stats from collector"
grep -q '"sensor":"collector"' "$tmp/c1.stats" || fail "collector's name"
grep -q '"corrections":0' "$tmp/c1.stats" || fail "corrections"
stop "$c1" "$down" "$s0" "$s1"
echo "ok: two sensors merged: $(($(wc -l <"$tmp/c1.csv") - 1)) rows equal" \
	"to one daemon on the whole capture; originstat csv equal too"

# --- a sensor killed mid-capture, restarted on its whole half ----------

# What is tested is the restart, not the timeout: no minute closes by it.
# A minute closes once both sensors have sent it, so the collector's CSV
# grows as sensor 1 is fed, and the minutes after the last of one half
# (in the other only) stay open until the collector stops and writes them.
a=ipc://$tmp/c2a.sock; b=ipc://$tmp/c2b.sock
read -r _ last0 < <(minutes "$tmp/half.0.pcap")
read -r _ last1 < <(minutes "$tmp/half.1.pcap")
both=$((last0 < last1 ? last0 : last1))
awk -F, -v m="$(date -u -d "@$both" +%Y-%m-%dT%H:%M:%SZ)" \
	'NR == 1 || $1 <= m' "$tmp/whole.csv" >"$tmp/c2.want"
sensor s0 "$tmp/half.0.pcap" "$a"
s0=$spid
rm -f "$tmp/b.fifo"; mkfifo "$tmp/b.fifo"
exec 3<>"$tmp/b.fifo"
rm -f "$tmp/b1.err"
"$bin/originstatd" -v -r - -c "$conf" --geoip "$db" --publish "$b" \
	--sensor s1 --csv "$tmp/b1.csv" --linger 300 --stats-interval 1 \
	<"$tmp/b.fifo" 3>&- 2>"$tmp/b1.err" &
b1=$!
pids+=("$b1")
# The file header: sensor 1 opens it and binds (-v: "publishing" then).
# Both sensors' endpoints are up before the collector starts: its first
# connects succeed.
head -c 24 "$tmp/half.1.pcap" >&3
wait_for 60 "sensor 0 at the end of its half" ended s0
wait_for 60 "sensor 1 bound" grep -q 'publishing, run' "$tmp/b1.err"
collector c2 --connect "$a" --connect "$b" --csv "$tmp/c2.csv" \
	--timeout 86400
c2=$cpid
size=$(stat -c %s "$tmp/half.1.pcap")
# Fed 16 KiB at a time (originstatd -r answers snapshot requests between
# batches of packets) until the collector has merged minutes of both, and
# at most half of it: the rest of the first run's minutes are lost with it.
rows() { [ -f "$1" ] && [ "$(($(wc -l <"$1") - 1))" -ge "$2" ]; }
off=24
while ! rows "$tmp/c2.csv" 100; do
	[ "$off" -lt $((size / 2)) ] || fail "the collector merged no minute"
	head -c $((off + 16384)) "$tmp/half.1.pcap" | tail -c 16384 >&3
	off=$((off + 16384))
	sleep 0.1
done
kill -9 "$b1"; wait "$b1" 2>/dev/null || true
exec 3>&-
sensor s1 "$tmp/half.1.pcap" "$b"
s1=$spid
wait_for 90 "the collector's CSV equal after a sensor restart, up to the \
last minute of both halves" same "$tmp/c2.want" "$tmp/c2.csv"
grep -q 'publisher restarted' "$tmp/c2.err" ||
	fail "the collector did not see sensor 1 restart"
stop "$c2"
same "$tmp/whole.csv" "$tmp/c2.csv" ||
	fail "the collector's CSV at stop differs from the whole capture's"
stop "$s0" "$s1"
echo "ok: a sensor restarted mid-capture: nothing lost, nothing twice"

# --- a sensor that never comes up ---------------------------------------

a=ipc://$tmp/c3a.sock; b=ipc://$tmp/c3b.sock; c=ipc://$tmp/c3c.sock
never=ipc://$tmp/c3never.sock
sensor s0 "$tmp/half.0.pcap" "$a"
s0=$spid
sensor s1 "$tmp/half.1.pcap" "$b"
s1=$spid
wait_for 60 "the sensors at the end of their halves" ended s0 s1
collector c3 --connect "$a" --connect "$b" --connect "$never" \
	--publish "$c" --csv "$tmp/c3.csv" --timeout 2
c3=$cpid
wait_for 60 "the collector's CSV equal with a sensor missing" \
	same "$tmp/whole.csv" "$tmp/c3.csv"
grep -q "$never: silent" "$tmp/c3.err" || fail "silent not reported"
"$bin/zsub" "$c" 10 stats 1 >"$tmp/c3.stats" || fail "no stats"
grep -q '"sensors_silent":[12]' "$tmp/c3.stats" || fail "sensors_silent"
grep -q '"minutes_timed_out":[1-9]' "$tmp/c3.stats" || fail "timed out"
stop "$c3" "$s0" "$s1"
echo "ok: a sensor that never came up: minutes closed after the timeout"

# --- a sensor that comes up late: corrections ---------------------------

a=ipc://$tmp/c4a.sock; b=ipc://$tmp/c4b.sock; c=ipc://$tmp/c4c.sock
collector c4 --connect "$a" --connect "$b" --publish "$c" \
	--csv "$tmp/c4.csv" --timeout 1
c4=$cpid
"$os" csv --connect "$c" --out "$tmp/down4.csv" 2>"$tmp/down4.err" 3>&- &
down=$!
pids+=("$down")
# Sensor 0 sends a marker for every minute of its half, the quiet last
# one included (its packets end at 04:00:01): once the collector has
# closed them all, everything sensor 1 sends is late, even the rows it
# alone has in that last minute.
read -r first0 last0 < <(minutes "$tmp/half.0.pcap")
read -r first1 last1 < <(minutes "$tmp/half.1.pcap")
n0=$(((last0 - first0) / 60 + 1)); n1=$(((last1 - first1) / 60 + 1))
[ "$last1" -le "$last0" ] ||
	fail "half 1 ends after half 0: not all of it would be late"
"$bin/zsub" "$c" 60 minute "$n0" >"$tmp/c4.min0" &
zs=$!
pids+=("$zs")
wait_for 30 "zsub getting the collector's stats" stats_seen "$tmp/c4.min0"
sensor s0 "$tmp/half.0.pcap" "$a"
s0=$spid
wait "$zs" || fail "the collector closed $(grep -c "^minute" "$tmp/c4.min0") of \
half 0's $n0 minutes"
# Sensor 0's minutes close without sensor 1: the CSV is half 0's.
wait_for 60 "the collector's CSV equal to half 0" same "$tmp/h0.csv" \
	"$tmp/c4.csv"
# Each of sensor 1's minutes is late: one correction each.  60 s: the
# collector has been retrying sensor 1 with a backoff of up to 30 s.
"$bin/zsub" "$c" 60 minute "$n1" >"$tmp/c4.wire" &
zs=$!
pids+=("$zs")
wait_for 30 "zsub getting the collector's stats" stats_seen "$tmp/c4.wire"
sensor s1 "$tmp/half.1.pcap" "$b"
s1=$spid
wait "$zs" || fail "the collector published $(grep -c "^minute" \
"$tmp/c4.wire") of half 1's $n1 minutes as corrections"
[ "$(grep -c '^minute	.*"correction":true' "$tmp/c4.wire")" -eq "$n1" ] ||
	fail "not flagged"
# A correction carries the merged minute: its rows are the whole's.
python3 - "$tmp/c4.wire" "$tmp/whole.csv" <<'PY' || fail "bad correction"
import csv, json, sys
whole = {}
for r in csv.DictReader(open(sys.argv[2])):
    whole[r["minute_utc"], r["class"], r["country"]] = (
        int(r["requests"]), int(r["tls_handshakes"]), int(r["clients"]))
n = 0
for line in open(sys.argv[1]):
    topic, payload = line.rstrip("\n").split("\t", 1)
    m = json.loads(payload)
    if not topic.startswith("counts.") or not m.get("correction"):
        continue
    for r in m["rows"]:
        k = (m["minute"], m["class"], r["country"])
        got = (r["requests"], r["tls_handshakes"], r["clients"])
        assert whole[k] == got, (k, got, whole[k])
        assert r["sketch"]
        n += 1
assert n > 0
PY
wait_for 20 "corrections counted" eval \
	"\"$bin/zsub\" \"$c\" 5 stats 1 | grep -q '\"corrections\":$n1[,}]'"
wait_for 20 "originstat csv after the collector" same "$tmp/h0.csv" \
	"$tmp/down4.csv"
# The CSVs keep what was first published.  Every minute of sensor 1 has
# reached the collector (each made a correction); one it had opened anew
# instead would be written by the time the collector has stopped, as it
# writes every open minute then.
stop "$c4"
same "$tmp/h0.csv" "$tmp/c4.csv" || fail "the CSV changed"
stop "$down" "$s0" "$s1"
echo "ok: a late sensor: $n1 corrections with the merged rows, CSV unchanged"
