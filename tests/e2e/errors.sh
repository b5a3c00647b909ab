#!/usr/bin/env bash
# Bad files and arguments: a clear message naming the file or option and
# the documented exit status, never a crash; a truncated capture keeps and
# writes everything read before the cut.
set -uo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
conf=$src/docs/originstatd.conf.example
db=$src/tests/data/geo-iplocdb.mmdb

# expect STATUS PATTERN -- command...
expect() {
	local want=$1 pat=$2; shift 3
	n=$((n + 1))
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" != "$want" ] ||
	    { [ "$pat" != - ] && ! grep -qE -- "$pat" "$tmp/err"; }; then
		echo "FAIL: $* -> exit $got (want $want), stderr:"; cat "$tmp/err"
		fail=$((fail + 1))
	fi
}

d=$bin/originstatd
"$bin/originstat-sim" --out "$tmp/ok.pcap" --truth "$tmp/truth.csv" \
	--geoip "$db" --networks "$src/tests/data/geo-networks.tsv" --hours 1 \
	--seed 3 2>/dev/null
size=$(stat -c %s "$tmp/ok.pcap")
head -c $((size / 2 + 7)) "$tmp/ok.pcap" > "$tmp/cut.pcap"
head -c 1000 /dev/urandom > "$tmp/junk.pcap"
head -c 100 "$db" > "$tmp/cut.mmdb"
printf '[rules]\neta = \nbad line\n[nosuch]\n[aggregate]\ngrace = -3\n' > "$tmp/bad.conf"
: > "$tmp/empty.pcap"; : > "$tmp/empty.mmdb"
printf '[geoip]\ndatabase = %s\n' "$tmp/nosuch.mmdb" > "$tmp/nodb.conf"

expect 64 'exactly one of'      -- "$d"
expect 64 'unexpected argument' -- "$d" -r "$tmp/ok.pcap" extra
expect 64 'max-flows'           -- "$d" -r "$tmp/ok.pcap" --max-flows abc
expect 64 'usage'               -- "$d" --no-such-option
expect 66 'nosuch.pcap'         -- "$d" -r "$tmp/nosuch.pcap"
expect 65 'junk.pcap'           -- "$d" -r "$tmp/junk.pcap"
expect 78 'bad.conf:2:.*'       -- "$d" -r "$tmp/ok.pcap" -c "$tmp/bad.conf"
grep -q 'bad.conf:3:' "$tmp/err" && grep -q 'bad.conf:4:' "$tmp/err" &&
	grep -q 'bad.conf:6:' "$tmp/err" || { echo "FAIL: not all config errors"; cat "$tmp/err"; fail=$((fail + 1)); }
expect 66 'nosuch.conf'         -- "$d" -r "$tmp/ok.pcap" -c "$tmp/nosuch.conf"
expect 66 'nosuch.mmdb'         -- "$d" -r "$tmp/ok.pcap" --geoip "$tmp/nosuch.mmdb"
expect 65 'cut.mmdb'            -- "$d" -r "$tmp/ok.pcap" --geoip "$tmp/cut.mmdb"
expect 65 'empty.mmdb'          -- "$d" -r "$tmp/ok.pcap" --geoip "$tmp/empty.mmdb"
expect 66 'nosuch.mmdb'         -- "$d" -r "$tmp/ok.pcap" -c "$tmp/nodb.conf"
expect 65 'empty.pcap'          -- "$d" -r "$tmp/empty.pcap"
expect 73 'nodir/x.csv'         -- "$d" -r "$tmp/ok.pcap" --csv "$tmp/nodir/x.csv"
expect 69 'tcp://256'           -- "$d" -r "$tmp/ok.pcap" --publish tcp://256.1.1.1:1
expect 64 'filter'              -- "$d" -r "$tmp/ok.pcap" --filter 'tcp and and'
expect 0  -                     -- "$d" --help
expect 0  -                     -- "$d" -r "$tmp/ok.pcap" -c "$conf" --geoip "$db"

# A capture cut mid-packet: exit 65, counts before the cut kept and written.
expect 65 'cut.pcap.*kept'      -- "$d" -r "$tmp/cut.pcap" -c "$conf" --geoip "$db" --csv "$tmp/cut.csv"
rows=$(($(wc -l < "$tmp/cut.csv") - 1))
[ "$rows" -gt 0 ] || { echo "FAIL: truncated capture wrote no rows"; fail=$((fail + 1)); }
# ...and what it wrote is a prefix of the full run's minutes, whole.
"$d" -r "$tmp/ok.pcap" -c "$conf" --geoip "$db" --csv "$tmp/full.csv" 2>/dev/null
last=$(tail -1 "$tmp/cut.csv" | cut -d, -f1)
grep -v "^$last" "$tmp/cut.csv" > "$tmp/cut.before"
head -n "$(wc -l < "$tmp/cut.before")" "$tmp/full.csv" | cmp -s - "$tmp/cut.before" ||
	{ echo "FAIL: closed minutes of a truncated capture differ"; fail=$((fail + 1)); }

echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
