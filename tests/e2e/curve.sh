#!/usr/bin/env bash
# A private stream (docs/wire.md, "Private streams (CurveZMQ)"): originstatd
# -r a simulated capture with --curve-secret and an allow-list holding
# client A only.  originstat csv with A's key writes the truth; B (a valid
# key, not allowed), C (no key) and zsub (no CurveZMQ at all) get nothing;
# C says the server may require CurveZMQ; the daemon counts B's refused
# handshakes in curve_refused.  Then bad key files and options.
set -euo pipefail
export LC_ALL=C
src=${OS_SRC:?}; bin=${OS_BIN:?}
os=$bin/originstat
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

dump() {
	local f
	for f in "$tmp"/*.err; do
		[ -e "$f" ] || continue
		echo "--- $(basename "$f")"; tail -n 15 "$f"
	done
}
fail() { echo "FAIL: $*"; dump; exit 1; }

# wait_for SECONDS WHAT COMMAND...: poll COMMAND every 50 ms.
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
	python3 - <<'EOF'
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
EOF
}

"$os" keygen "$tmp/x" >/dev/null 2>&1 || true
if [ ! -s "$tmp/x.pub" ] && "$os" keygen "$tmp/y" 2>&1 | grep -q CurveZMQ; then
	echo "SKIP: libzmq without CurveZMQ"; exit 77
fi

# --- keygen ----------------------------------------------------------
for k in server a b; do
	"$os" keygen "$tmp/$k" >/dev/null || fail "keygen $k"
done
[ "$(stat -c %a "$tmp/server.key")" = 600 ] || fail "secret key not 0600"
for f in server.key server.pub a.key a.pub; do
	[ "$(awk '{ print length($0) }' "$tmp/$f")" = 40 ] &&
	    [ "$(wc -l <"$tmp/$f")" = 1 ] || fail "$f: not one Z85 key line"
done
cmp -s "$tmp/a.pub" "$tmp/b.pub" && fail "two key pairs alike"
rc=0; "$os" keygen "$tmp/a" 2>"$tmp/kg.err" || rc=$?
[ "$rc" = 73 ] && grep -q 'a.pub' "$tmp/kg.err" ||
	fail "keygen over existing files: exit $rc, not 73 naming the file"
echo "ok: keygen"

{ echo "# client A"; cat "$tmp/a.pub"; } >"$tmp/allow"

"$bin/originstat-sim" --out "$tmp/cap.pcap" --truth "$tmp/truth.csv" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" \
	--networks "$src/tests/data/geo-networks.tsv" --hours 1 >/dev/null

p=$(ports)
ep=tcp://127.0.0.1:$p
srv=$(cat "$tmp/server.pub")

# --- bad options and key files -----------------------------------------
daemon_rc() {
	local rc=0
	"$bin/originstatd" -r "$tmp/cap.pcap" \
		--geoip "$src/tests/data/geo-iplocdb.mmdb" \
		--publish "tcp://127.0.0.1:0" "$@" >/dev/null 2>"$tmp/bad.err" ||
		rc=$?
	echo "$rc"
}
printf 'short\n' >"$tmp/bad.key"
[ "$(daemon_rc --curve-secret "$tmp/server.key")" = 64 ] ||
	fail "--curve-secret without --curve-allow not a usage error"
[ "$(daemon_rc --curve-secret "$tmp/nope" --curve-allow "$tmp/allow")" = 66 ] &&
	grep -q "$tmp/nope" "$tmp/bad.err" || fail "missing key file"
[ "$(daemon_rc --curve-secret "$tmp/bad.key" --curve-allow "$tmp/allow")" = 65 ] &&
	grep -q "bad.key:1:" "$tmp/bad.err" || fail "bad key file"
[ "$(daemon_rc --curve-secret "$tmp/server.key" --curve-allow "$tmp/bad.key")" = 65 ] ||
	fail "bad allow-list"
rc=0; "$os" csv --connect "$ep" --out "$tmp/x.csv" \
	--curve-server-key "$srv" 2>"$tmp/bad.err" || rc=$?
[ "$rc" = 64 ] || fail "--curve-server-key alone: exit $rc, not 64"
rc=0; "$os" tail --connect "$ep" --curve-server-key "$tmp/nope" \
	--curve-key "$tmp/a.key" 2>"$tmp/bad.err" || rc=$?
[ "$rc" = 66 ] || fail "tail, missing server key file: exit $rc, not 66"
echo "ok: bad key files and options"

# --- the private stream ------------------------------------------------
"$bin/originstatd" -v -r "$tmp/cap.pcap" -c "$src/docs/originstatd.conf.example" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" --csv "$tmp/d.csv" \
	--publish "$ep" --curve-secret "$tmp/server.key" \
	--curve-allow "$tmp/allow" --linger 10 --stats-interval 1 \
	2>"$tmp/d.err" &
dpid=$!
pids+=("$dpid")
# A's server key given as a file, B's as Z85 text.
"$os" csv --connect "$ep" --out "$tmp/a.csv" --curve-server-key \
	"$tmp/server.pub" --curve-key "$tmp/a.key" 2>"$tmp/a.err" &
ca=$!; pids+=("$ca")
"$os" csv --connect "$ep" --out "$tmp/b.csv" --curve-server-key "$srv" \
	--curve-key "$tmp/b.key" 2>"$tmp/b.err" &
cb=$!; pids+=("$cb")
"$os" csv --connect "$ep" --out "$tmp/c.csv" 2>"$tmp/c.err" &
cc=$!; pids+=("$cc")
"$bin/zsub" "$ep" 8 >"$tmp/zsub.out" 2>"$tmp/zsub.err" &
cz=$!; pids+=("$cz")

wait_for 30 "A's CSV equal to the truth" cmp -s "$tmp/truth.csv" "$tmp/a.csv"
cmp -s "$tmp/truth.csv" "$tmp/d.csv" || fail "the daemon's CSV is not the truth"
wait "$cz" || true
[ -s "$tmp/zsub.out" ] && fail "zsub without CurveZMQ received messages"
wait_for 20 "C saying the server may require CurveZMQ" \
	grep -q 'CurveZMQ' "$tmp/c.err"
wait_for 20 "B told its key is not allowed" grep -q 'curve-allow' "$tmp/b.err"
for c in b c; do
	[ "$(wc -l <"$tmp/$c.csv" 2>/dev/null || echo 0)" -le 1 ] ||
		fail "$c received rows"
done
kill -TERM "$ca" "$cb" "$cc"
wait "$ca" "$cb" "$cc" || true
wait "$dpid" || fail "originstatd exited $?"
grep -Eq 'curve_refused [1-9]' "$tmp/d.err" ||
	fail "no curve_refused in the daemon's stats"
for c in b c; do
	[ "$(wc -l <"$tmp/$c.csv" 2>/dev/null || echo 0)" -le 1 ] ||
		fail "$c received rows"
done
echo "ok: A got the truth ($(($(wc -l <"$tmp/a.csv") - 1)) rows); B, C and" \
	"zsub got nothing; $(grep -Eo 'curve_refused [0-9]+' "$tmp/d.err")"
