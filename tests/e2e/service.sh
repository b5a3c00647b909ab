#!/usr/bin/env bash
# originstatd under a service manager, played by this script: live capture
# on lo with NOTIFY_SOCKET and WATCHDOG_USEC set, run as root and dropped
# to "nobody" with -u.  Checks READY=1, STATUS= rates, WATCHDOG=1 pings in
# time, RELOADING=1/READY=1 around each SIGHUP, STOPPING=1 and exit 0 on
# SIGTERM; and that every request, sent through a trusted 127.0.0.0/8
# proxy (X-Forwarded-For) before and after reloads, is in the CSV written
# at stop with the class of the rules and the country of the GeoIP
# database in force when it arrived:
#   1. rules A, database 1      apply.cic.gc.ca is eta, www is immigrate
#   2. SIGHUP: rules B (apply.cic.gc.ca moves to visa, immigrate is gone),
#      database 2 (198.51.100.0/25 is FR, not US) renamed over the file
#   3. SIGHUP with a broken configuration: refused, rules B stay
#   4. a broken database renamed over the file: refused, database 2 stays
#   5. database 1 renamed over the file, no signal: noticed and loaded
set -euo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: live capture needs root (CAP_NET_RAW)"; exit 77
fi
if ! perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
	echo "SKIP: needs MaxMind::DB::Writer (libmaxmind-db-writer-perl)"; exit 77
fi
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
chmod 755 "$tmp"	# -u nobody reads the configuration and database here

fail() { echo "FAIL: $*"; echo "--- daemon log"; cat "$tmp/d.log"; \
	echo "--- notify"; cat "$tmp/notify.log"; exit 1; }
# wait_for FILE PATTERN [COUNT]: until PATTERN is in FILE COUNT times (10 s).
wait_for() {
	local n=${3:-1}
	for _ in $(seq 100); do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null || true)" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "no '$2' (x$n) in $1"
}

# Database 2: the test table with 198.51.100.0/25 in France.
mkdir "$tmp/db2"
sed 's|^198\.51\.100\.0/25	US	|198.51.100.0/25	FR	|' \
	"$src/tests/data/geo-networks.tsv" >"$tmp/db2/networks.tsv"
perl "$src/scripts/make-test-mmdb.pl" "$tmp/db2" "$tmp/db2/networks.tsv"
cp "$src/tests/data/geo-iplocdb.mmdb" "$tmp/geo.mmdb"
head -c 300 "$src/tests/data/geo-iplocdb.mmdb" >"$tmp/broken.mmdb"
# replace FROM: write elsewhere, rename over (a new inode, never in place)
replace_db() { cp "$1" "$tmp/geo.mmdb.new"; chmod 644 "$tmp/geo.mmdb.new"; \
	mv "$tmp/geo.mmdb.new" "$tmp/geo.mmdb"; }

conf() {	# conf RULES...: the configuration, replaced by rename
	{ echo "[rules]"; printf '%s\n' "$@"
	  printf '[proxy]\ntrusted = 127.0.0.0/8\n'
	  printf '[geoip]\ndatabase = %s\n[aggregate]\ngrace = 5\n' "$tmp/geo.mmdb"
	} >"$tmp/conf.new"
	chmod 644 "$tmp/conf.new"; mv "$tmp/conf.new" "$tmp/originstatd.conf"
}
conf "eta = eta.cic.gc.ca" "eta = apply.cic.gc.ca" \
	"immigrate = www.cic.gc.ca/english/immigrate/" "cic = *.cic.gc.ca"

# The service manager's end of the notify socket: one line per datagram,
# "seconds message" with newlines inside the message shown as '|'.
cat >"$tmp/listen.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        out.write("%.3f %s\n" % (time.monotonic(), msg.replace("\n", "|")))
PY
python3 "$tmp/listen.py" "$tmp/notify.sock" "$tmp/notify.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/notify.sock" ] && break; sleep 0.1; done
# The web server takes a free port itself and says which.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/db2" \
	>"$tmp/web.log" 2>&1 &
pids+=($!)
wait_for "$tmp/web.log" 'port [0-9]'
web=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$tmp/web.log" | head -n 1)

NOTIFY_SOCKET=$tmp/notify.sock WATCHDOG_USEC=1000000 \
	"$bin/originstatd" -i lo --filter "tcp port $web" -c "$tmp/originstatd.conf" \
	--csv "$tmp/out.csv" --stats-interval 1 -u nobody -vv 2>"$tmp/d.log" &
d=$!
pids+=($d)
wait_for "$tmp/notify.log" ' READY=1'
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$web/" && break; sleep 0.1; done

# Privileges: "nobody", no capability left.
uid=$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$d/status")
capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$d/status")
capprm=$(awk '/^CapPrm:/ { print $2 }' "/proc/$d/status")
[ "$uid" = "65534655346553465534" ] || fail "uids $uid, want nobody"
[ "$capeff$capprm" = "00000000000000000000000000000000" ] ||
	fail "capabilities left: eff $capeff prm $capprm"

# get N HOST PATH CLIENT: N requests from CLIENT via the local proxy
get() {
	local i
	for i in $(seq "$1"); do
		curl -s -o /dev/null -H "Host: $2" -H "X-Forwarded-For: $4" \
			"http://127.0.0.1:$web$3?n=$i" || fail "curl"
	done
}
# settle N: the daemon has counted N hits in all (its STATUS, every
# --stats-interval, says so): every request sent so far was classified
# under the rules and database of its phase, before the next one.
settle() {
	local n
	for _ in $(seq 300); do
		n=$(grep -o '[0-9]* hits in all' "$tmp/notify.log" |
			tail -n 1 | cut -d' ' -f1)
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "STATUS never said $1 hits in all (last: ${n:-none})"
}

# 1. rules A, database 1
get 3 apply.cic.gc.ca /form 198.51.100.7		# eta US
get 2 eta.cic.gc.ca / 203.0.113.9			# eta MX
get 1 www.cic.gc.ca /english/immigrate/ 198.51.100.7	# immigrate US
settle 7

# 2. rules B and database 2, one SIGHUP
conf "eta = eta.cic.gc.ca" "visa = apply.cic.gc.ca" "cic = *.cic.gc.ca"
replace_db "$tmp/db2/geo-iplocdb.mmdb"
kill -HUP "$d"
wait_for "$tmp/notify.log" ' READY=1' 2
wait_for "$tmp/d.log" 'reloaded: 3 rules'
get 4 apply.cic.gc.ca /form 198.51.100.7		# visa FR
get 1 eta.cic.gc.ca / 203.0.113.9			# eta MX
get 1 www.cic.gc.ca /english/immigrate/ 198.51.100.7	# cic FR
settle 13

# 3. a broken configuration: refused, the log says why
printf '[rules]\nvisa = \n' >"$tmp/originstatd.conf"
kill -HUP "$d"
wait_for "$tmp/notify.log" ' READY=1' 3
wait_for "$tmp/d.log" 'reload failed'
grep -q 'originstatd.conf:2:' "$tmp/d.log" || fail "the reason is not logged"
get 1 eta.cic.gc.ca / 198.51.100.130			# eta CA
settle 14

# 4. a broken database renamed over the file: refused, database 2 stays
replace_db "$tmp/broken.mmdb"
wait_for "$tmp/d.log" 'GeoIP database in force is kept'
get 1 apply.cic.gc.ca /form 198.51.100.7		# visa FR
settle 15

# 5. database 1 renamed over the file, no signal
replace_db "$src/tests/data/geo-iplocdb.mmdb"
wait_for "$tmp/d.log" 'GeoIP database reloaded'
get 5 apply.cic.gc.ca /form 198.51.100.7		# visa US
settle 20

kill -TERM "$d"
st=0; wait "$d" || st=$?
[ "$st" -eq 0 ] || fail "exit status $st on SIGTERM"
wait_for "$tmp/notify.log" ' STOPPING=1'

# The notify protocol: READY first, RELOADING then READY per SIGHUP,
# STOPPING last, STATUS with rates, WATCHDOG within the interval.
seq=$(grep -oE 'READY=1|RELOADING=1|STOPPING=1' "$tmp/notify.log" | tr '\n' ' ')
[ "$seq" = "READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1 STOPPING=1 " ] ||
	fail "notify sequence: $seq"
grep -q 'RELOADING=1|MONOTONIC_USEC=[0-9]' "$tmp/notify.log" ||
	fail "RELOADING=1 without MONOTONIC_USEC"
grep -qE 'STATUS=lo: [0-9]+ packets/s, [0-9.]+ hits/s' "$tmp/notify.log" ||
	fail "no STATUS with rates"
awk '/ WATCHDOG=1/ { if (n++ && $1 - last > gap) gap = $1 - last; last = $1 }
	END { printf "watchdog: %d pings, longest gap %.3f s\n", n, gap;
	      exit !(n >= 10 && gap < 1.0) }' "$tmp/notify.log" ||
	fail "watchdog pings too few or too far apart"

# The CSV: every request, each under the rules and database of its time.
echo "--- csv"; cat "$tmp/out.csv"
got=$(awk -F, 'NR > 1 && $2 != "other" { n[$2 "/" $3] += $4 }
	END { for (k in n) print k, n[k] }' "$tmp/out.csv" | sort | tr '\n' ' ')
want="cic/FR 1 eta/CA 1 eta/MX 3 eta/US 3 immigrate/US 1 visa/FR 5 visa/US 5 "
[ "$got" = "$want" ] || fail "counts: got '$got', want '$want'"
# -vv: one line per minute, with the minute's totals.
csvsum=$(awk -F, 'NR > 1 { n += $4 } END { print n + 0 }' "$tmp/out.csv")
logsum=$(sed -n 's/.*minute [0-9T:-]*Z closed: [0-9]* rows, \([0-9]*\) requests.*/\1/p' \
	"$tmp/d.log" | awk '{ n += $1 } END { print n + 0 }')
[ "$logsum" -eq "$csvsum" ] && [ "$csvsum" -ge 20 ] ||
	fail "per-minute log lines say $logsum requests, the CSV $csvsum"
dups=$(awk -F, 'NR > 1 { print $1 "," $2 "," $3 }' "$tmp/out.csv" | sort | uniq -d)
[ -z "$dups" ] || fail "a (minute, class, country) written twice: $dups"
if grep -l -e '198\.51\.100' -e '203\.0\.113' -e '127\.0\.0\.1' "$tmp/out.csv" "$tmp/d.log"; then
	fail "a client address left the process"
fi
echo "ok: notify protocol, reloads and database swaps, every request counted"
