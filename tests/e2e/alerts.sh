#!/usr/bin/env bash
# End to end: surge alerts and local time on the simulator's story of
# 8-10 November 2016 (its default window, 05:00Z on the 8th for 43 hours).
# The eTA alert must be raised within 15 minutes of 19:00Z on the 8th, the
# immigration alert within 15 minutes of 04:00Z on the 9th, and nothing
# before 19:00Z; the alert log must list both with their countries.
# --tz adds minute_local and leaves the fixed columns as they were.
set -euo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
db=$src/tests/data/geo-iplocdb.mmdb
fail() { echo "FAIL: $*"; exit 1; }

"$bin/originstat-sim" --out "$tmp/cap.pcap" --truth "$tmp/truth.csv" \
	--geoip "$db" --networks "$src/tests/data/geo-networks.tsv"
"$bin/originstatd" -r "$tmp/cap.pcap" -c "$src/docs/originstatd.conf.example" \
	--geoip "$db" --csv "$tmp/utc.csv" --alerts-csv "$tmp/alerts.csv" \
	2> "$tmp/log"

# "originstatd: alert: eta surge at 2016-11-08T19:09:00Z: ..."
raised() {
	sed -n 's/^.*alert: \([A-Za-z0-9_-]*\) surge at \([0-9TZ:-]*\): .*/\2 \1/p' \
	    "$tmp/log"
}
raised > "$tmp/raised"
cat "$tmp/raised"
[ -s "$tmp/raised" ] || fail "no alert raised"
# ISO 8601 UTC times of one format compare as strings.
first=$(head -1 "$tmp/raised" | cut -d' ' -f1)
[[ "$first" > "2016-11-08T18:59:59Z" ]] || fail "alert before 19:00Z: $first"
within() {	# CLASS FROM TO: the first alert of CLASS in [FROM, TO]
	local t
	t=$(awk -v c="$1" '$2 == c { print $1; exit }' "$tmp/raised")
	[ -n "$t" ] || fail "no $1 alert"
	[[ ! "$t" < "$2" && ! "$t" > "$3" ]] ||
		fail "$1 alert at $t, not within $2 .. $3"
	echo "ok: $1 alert at $t"
}
within eta 2016-11-08T19:00:00Z 2016-11-08T19:15:00Z
within immigrate 2016-11-09T04:00:00Z 2016-11-09T04:15:00Z
grep -q 'alert: .*rise from ' "$tmp/log" || fail "alert without countries"
! grep -Eq 'alert.*([0-9]{1,3}\.){3}[0-9]{1,3}' "$tmp/log" ||
	fail "an address in the alert log lines"

# The alert log: header, one row per alert, immigration driven by the US.
head -1 "$tmp/alerts.csv" | grep -qx \
	'start_utc,end_utc,class,rate,baseline,countries' || fail "alert log header"
[ "$(($(wc -l < "$tmp/alerts.csv") - 1))" -eq "$(wc -l < "$tmp/raised")" ] ||
	fail "alert log rows differ from alerts raised"
grep -Eq '^2016-11-08T19:[01][0-9]:00Z,[0-9TZ:-]*,eta,[0-9]+\.[0-9],[0-9]+\.[0-9],"[A-Z]{2} [0-9]+%' \
	"$tmp/alerts.csv" || fail "no eta row in the alert log"
grep -Eq '^2016-11-09T04:[01][0-9]:00Z,[0-9TZ:-]*,immigrate,[0-9.]+,[0-9.]+,"US [0-9]+%' \
	"$tmp/alerts.csv" || fail "no immigrate row led by US in the alert log"
cat "$tmp/alerts.csv"

# --tz: minute_local after the fixed columns, which are unchanged.
"$bin/originstatd" -r "$tmp/cap.pcap" -c "$src/docs/originstatd.conf.example" \
	--geoip "$db" --csv "$tmp/local.csv" --tz America/Toronto 2> /dev/null
head -1 "$tmp/local.csv" | grep -qx \
	'minute_utc,class,country,requests,tls_handshakes,clients,minute_local' ||
	fail "--tz header"
cut -d, -f1-6 "$tmp/local.csv" | cmp -s - "$tmp/utc.csv" ||
	fail "--tz changed the fixed columns"
cmp -s "$tmp/utc.csv" "$tmp/truth.csv" || fail "default CSV differs from the truth"
grep -q '^2016-11-08T19:00:00Z,.*,2016-11-08T14:00:00-05:00$' "$tmp/local.csv" ||
	fail "19:00Z is not 14:00-05:00"
! "$bin/originstatd" -r "$tmp/cap.pcap" --csv "$tmp/x.csv" --tz Nowhere/Atlantis \
	2> /dev/null || fail "--tz accepted an unknown zone"
echo "ok: --tz America/Toronto adds minute_local"
