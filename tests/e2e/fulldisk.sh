#!/usr/bin/env bash
# A full disk loses nothing: the CSV is on a tiny tmpfs that fills half way
# through a capture; originstatd warns once, keeps the minutes, goes on
# capturing, and when the disk grows writes them in order, so the CSV ends
# equal to the simulator's truth.  If the disk is still full at exit it
# says how many minutes were not written and exits 74 (EX_IOERR), leaving
# only whole minutes behind.  Needs root (mount); 77 (skipped) otherwise.
set -uo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
if [ "$(id -u)" != 0 ]; then
	echo "skip: needs root to mount a tmpfs"; exit 77
fi
tmp=$(mktemp -d)
disk=$tmp/disk
mkdir "$disk"
pid=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	mountpoint -q "$disk" && umount "$disk"
	rm -rf "$tmp"
}
trap cleanup EXIT
mount -t tmpfs -o size=16k tmpfs "$disk" ||
	{ echo "skip: cannot mount a tmpfs here"; exit 77; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 2 hours at 20 times the traffic: a CSV of about 33 KB, twice the disk.
"$bin/originstat-sim" --out "$tmp/cap.pcap" --truth "$tmp/truth.csv" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" \
	--networks "$src/tests/data/geo-networks.tsv" --hours 2 --scale 20 \
	2>/dev/null || { echo "FAIL: simulator"; exit 1; }
run=("$bin/originstatd" -c "$src/docs/originstatd.conf.example"
	--geoip "$src/tests/data/geo-iplocdb.mmdb" --csv "$disk/out.csv")

# Still full at exit: 74, a count of the minutes lost, whole minutes only.
"${run[@]}" -r "$tmp/cap.pcap" 2> "$tmp/log1"
st=$?
[ "$st" = 74 ] || bad "full at exit: status $st, want 74"
grep -qE "out\.csv: [0-9]+ minutes could not be written" "$tmp/log1" ||
	bad "full at exit: no count of minutes lost"
n=$(wc -c < "$disk/out.csv")
head -c "$n" "$tmp/truth.csv" | cmp -s - "$disk/out.csv" ||
	bad "full at exit: the CSV is not a prefix of the truth"
[ "$(tail -c 1 "$disk/out.csv" | od -An -c | tr -d ' ')" = '\n' ] ||
	bad "full at exit: torn last row"
rm -f "$disk/out.csv"

# The disk fills, then grows: the capture arrives through a FIFO, so the
# second half waits until the disk has been found full.
mkfifo "$tmp/fifo"
"${run[@]}" -r - < "$tmp/fifo" 2> "$tmp/log2" &
pid=$!
exec 3> "$tmp/fifo"
size=$(stat -c %s "$tmp/cap.pcap")
cut=$((size * 3 / 4))
head -c "$cut" "$tmp/cap.pcap" >&3
for _ in $(seq 300); do
	grep -q "CSV write failed" "$tmp/log2" && break
	sleep 0.1
done
grep -q "CSV write failed" "$tmp/log2" || bad "no warning for the full disk"
[ "$(wc -c < "$disk/out.csv")" -lt "$(wc -c < "$tmp/truth.csv")" ] ||
	bad "the disk did not fill"
kill -0 "$pid" 2>/dev/null || bad "originstatd stopped on a full disk"
mount -o remount,size=4m "$disk" || bad "remount"
tail -c +$((cut + 1)) "$tmp/cap.pcap" >&3
exec 3>&-
wait "$pid"
st=$?
pid=
[ "$st" = 0 ] || bad "status $st after the disk grew, want 0"
warned=$(grep -c "CSV write failed" "$tmp/log2")
[ "$warned" = 1 ] || bad "$warned warnings, want 1 (at most one a minute)"
grep -q "CSV writes work again" "$tmp/log2" || bad "no recovery message"
if ! diff -u "$tmp/truth.csv" "$disk/out.csv" > "$tmp/diff"; then
	head -20 "$tmp/diff"
	bad "CSV differs from the truth"
fi
if [ "$fail" != 0 ]; then
	echo "--- log (full at exit):"; cat "$tmp/log1"
	echo "--- log (disk grown):"; cat "$tmp/log2"
	exit 1
fi
echo "ok: full disk: $(($(wc -l < "$tmp/truth.csv") - 1)) rows equal the truth"
