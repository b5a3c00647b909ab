#!/usr/bin/env bash
# originstat report on a simulated election night: the PNG decodes at the
# size asked, the SVG parses, the hourly numbers equal sums made with awk
# from the same CSV, alert periods are drawn, and every failure has its
# exit status.  Skips (77) without gnuplot.
set -uo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
command -v gnuplot >/dev/null || { echo "SKIP: no gnuplot (gnuplot-nox)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

die() { echo "FAIL: $*"; fail=$((fail + 1)); }

"$bin/originstat-sim" --out "$tmp/x.pcap" --truth "$tmp/t.csv" \
	--geoip "$src/tests/data/geo-iplocdb.mmdb" \
	--networks "$src/tests/data/geo-networks.tsv" \
	--start 2016-11-08T17:00:00Z --hours 14 2>/dev/null ||
	{ echo "FAIL: simulator"; exit 1; }
cat > "$tmp/alerts.csv" <<'CSV'
start_utc,end_utc,class,rate,baseline,countries
2016-11-08T19:07:00Z,2016-11-08T23:30:00Z,eta,3.5,0.6,"GB 26%, FR 20%"
2016-11-09T04:06:00Z,,immigrate,40.0,1.2,US 83%
CSV

out=$tmp/out
"$bin/originstat" report --csv "$tmp/t.csv" --out "$out" \
	--tz America/Toronto --alerts "$tmp/alerts.csv" --width 1000 \
	--height 600 --title 'Test "report" \ with quotes' 2>"$tmp/err" ||
	{ echo "FAIL: report exit $?"; cat "$tmp/err"; exit 1; }
[ -s "$tmp/err" ] && { echo "stderr not empty:"; cat "$tmp/err"; fail=$((fail + 1)); }
for f in chart.png chart.svg hourly.csv hourly.md; do
	[ -s "$out/$f" ] || die "$f missing"
done
ls -A "$out" | grep -q '^\.report' && die "private directory left behind"

# The PNG: signature, IHDR size, and every IDAT decompresses to the rows.
python3 - "$out/chart.png" <<'PY' || die "chart.png"
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'signature'
pos, idat, ihdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
    assert zlib.crc32(kind + body) == crc, 'crc of ' + kind.decode()
    if kind == b'IHDR':
        ihdr = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
w, h, depth, ctype = ihdr[:4]
assert (w, h) == (1000, 600), 'size %dx%d' % (w, h)
chans = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
raw = zlib.decompress(idat)
assert len(raw) == h * (1 + w * chans * depth // 8), 'pixel data length'
PY

# The SVG parses, has the size, the zone, the legend and the alerts.
python3 - "$out/chart.svg" <<'PY' || die "chart.svg"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith('svg'), root.tag
assert root.get('width') == '1000' and root.get('height') == '600'
text = ' '.join(t for t in root.itertext())
for want in ('America/Toronto', 'eta \u2014 GB', 'immigrate \u2014 US',
             'alert: 3.5/min', 'Test "report" \\ with quotes'):
    assert want in text, 'no %r in the SVG text' % want
PY

# Hourly numbers: per UTC hour (whole-hour zone) and class, the sums, the
# busiest minute's clients and the top country, from the CSV with awk.
awk -F, 'NR > 1 {
	h = substr($1, 1, 13) ":00:00Z"; k = h "," $2
	req[k] += $4; tls[k] += $5; cc[k "," $3] += $4 + $5
	m[k "," $1] += $6; keys[k] = 1; mins[k "," $1] = k
	ccs[k "," $3] = k
}
END {
	for (x in mins) if (m[x] > peak[mins[x]]) peak[mins[x]] = m[x]
	for (x in ccs) {
		k = ccs[x]; c = substr(x, length(k) + 2)
		if (!(k in best) || cc[x] > cc[k "," best[k]] ||
		    (cc[x] == cc[k "," best[k]] && c < best[k]))
			best[k] = c
	}
	for (k in keys) {
		t = req[k] + tls[k]
		if (t == 0) continue
		printf "%s,%d,%d,%d,%s,%.1f\n", k, req[k], tls[k], peak[k] + 0,
		    best[k], cc[k "," best[k]] * 100 / t
	}
}' "$tmp/t.csv" | sort > "$tmp/want"
tail -n +2 "$out/hourly.csv" | cut -d, -f1,3-8 | sort > "$tmp/got"
[ -s "$tmp/want" ] || die "awk made nothing"
diff "$tmp/want" "$tmp/got" > "$tmp/diff" || { die "hourly.csv differs"; head "$tmp/diff"; }
head -1 "$out/hourly.csv" | grep -qx 'hour_utc,hour_local,class,requests,tls_handshakes,peak_minute_clients,top1,top1_pct,top2,top2_pct,top3,top3_pct' ||
	die "hourly.csv header"
grep -q '^2016-11-08T19:00:00Z,2016-11-08T14:00:00-05:00,' "$out/hourly.csv" ||
	die "hour_local column"
# the Markdown holds the same requests for each class
for cls in eta immigrate; do
	want=$(awk -F, -v c=$cls 'NR > 1 && $2 == c { s += $4 } END { print s }' "$tmp/t.csv")
	got=$(awk -v c=$cls '/^## / { in_c = ($2 == c) } in_c && /^\| 2016/ {
		split($0, f, "|"); gsub(/[ ,]/, "", f[3]); s += f[3] } END { print s }' "$out/hourly.md")
	[ "$want" = "$got" ] || die "hourly.md $cls requests $got, want $want"
done
grep -q 'lower bound' "$out/hourly.md" || die "hourly.md footer"
grep -q '^## Alerts' "$out/hourly.md" || die "hourly.md alerts"

# expect STATUS PATTERN -- command...
expect() {
	local want=$1 pat=$2; shift 3
	"$@" >"$tmp/o" 2>"$tmp/e"
	local got=$?
	if [ "$got" != "$want" ] || ! grep -qE -- "$pat" "$tmp/e"; then
		echo "FAIL: $* -> exit $got (want $want), stderr:"; cat "$tmp/e"
		fail=$((fail + 1))
	fi
}
r=("$bin/originstat" report)
printf 'minute_utc,class,country,requests,tls_handshakes,clients\n2016-11-08T19:00:00Z,eta,GB,1,0,1\n2016-11-08T19:01:00Z,eta,GB,x,0,1\n' > "$tmp/bad.csv"
printf 'minute_utc,class,country,requests,tls_handshakes,clients\n' > "$tmp/empty.csv"
printf 'start_utc,end_utc,class,rate,baseline,countries\n2016-11-08T19:07:00Z,,eta,fast,1,\n' > "$tmp/badal.csv"
touch "$tmp/file"
expect 64 'required'        -- "${r[@]}" --csv "$tmp/t.csv"
expect 64 'usage'           -- "${r[@]}" --nosuch
expect 64 'time zone'       -- "${r[@]}" --csv "$tmp/t.csv" --out "$tmp/o1" --tz Nowhere/City
expect 64 'width'           -- "${r[@]}" --csv "$tmp/t.csv" --out "$tmp/o1" --width 5
expect 66 'nosuch.csv'      -- "${r[@]}" --csv "$tmp/nosuch.csv" --out "$tmp/o1"
expect 66 'nosuch.alerts'   -- "${r[@]}" --csv "$tmp/t.csv" --out "$tmp/o1" --alerts "$tmp/nosuch.alerts"
expect 65 'bad.csv:3: requests is not a count' -- "${r[@]}" --csv "$tmp/bad.csv" --out "$tmp/o1"
expect 65 'empty.csv: no rows' -- "${r[@]}" --csv "$tmp/empty.csv" --out "$tmp/o1"
expect 65 'badal.csv:2: rate' -- "${r[@]}" --csv "$tmp/t.csv" --out "$tmp/o1" --alerts "$tmp/badal.csv"
expect 73 'file/sub'        -- "${r[@]}" --csv "$tmp/t.csv" --out "$tmp/file/sub"
expect 69 'gnuplot-nox'     -- env PATH=/nonexistent "${r[@]}" --csv "$tmp/t.csv" --out "$tmp/o1"
[ -e "$tmp/o1" ] && die "a failed run made its output directory"
# a read-only output directory: nothing written, no private directory left
mkdir "$tmp/ro"; chmod 555 "$tmp/ro"
if [ "$(id -u)" -ne 0 ]; then
	expect 73 'ro'      -- "${r[@]}" --csv "$tmp/t.csv" --out "$tmp/ro"
fi
# stdin works too
"${r[@]}" --csv - --out "$tmp/o2" < "$tmp/t.csv" 2>"$tmp/e" || die "stdin: $(cat "$tmp/e")"
cmp -s "$out/hourly.csv" "$tmp/o2/hourly.csv" && die "--tz had no effect on hourly.csv"

[ $fail -eq 0 ] && echo "report: all checks passed"
exit $((fail > 0))
