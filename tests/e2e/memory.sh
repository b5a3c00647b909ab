#!/usr/bin/env bash
# originstatd's memory is bounded: a flood of a million connections that
# are never closed, with and without requests, stays under 128 MiB of peak
# RSS with default settings, and a capture twice as long at the same rate
# does not need more memory.  Prints a table of every figure.
#
# Sanitizer builds have their own memory overhead, so the figures only mean
# something for a plain build: with an ASan originstatd in OS_BIN, OS_REL_BIN
# names a plain build directory to use instead, else the test is skipped.
set -uo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

limit_kib=$((128 * 1024))
max_flows=262144		# FLOW_DEFAULT_MAX in daemon/flow.h
conf=$src/docs/originstatd.conf.example
db=$src/tests/data/geo-iplocdb.mmdb
nets=$src/tests/data/geo-networks.tsv
fail=0

# Not "nm | grep -q": with pipefail, grep quitting early fails nm.
is_asan() {
	local syms

	syms=$(nm -D "$1" 2>/dev/null) || syms=$(grep -ao __asan_init "$1")
	[[ $syms == *__asan_init* ]]
}

if is_asan "$bin/originstatd"; then
	if [ -z "${OS_REL_BIN:-}" ] || is_asan "$OS_REL_BIN/originstatd"; then
		echo "SKIP: $bin/originstatd has AddressSanitizer;" \
		    "set OS_REL_BIN to a plain build directory"
		exit 77
	fi
	bin=$OS_REL_BIN
fi
d=$bin/originstatd
mk=$bin/mkflood
[ -x "$mk" ] || mk=$OS_BIN/mkflood
sim=$bin/originstat-sim
for f in "$d" "$mk" "$sim"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

# measure OUT command...: run command, write "peak-RSS-KiB seconds" to the
# last line of OUT.  GNU time forks a small process that execs the command,
# so the peak is the command's own (python's getrusage would count the
# python process the child was forked from).
if [ ! -x /usr/bin/time ]; then
	echo "SKIP: need /usr/bin/time (Debian package time)"
	exit 77
fi
measure() {
	local out=$1; shift
	/usr/bin/time -o "$out" -f '%M %e' "$@"
}

# An exit counter from originstatd -v (only non-zero ones are logged).
counter() {
	local v
	v=$(sed -n "s/^originstatd: $1 \([0-9]*\)$/\1/p" "$tmp/err" | tail -1)
	echo "${v:-0}"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

row() {
	printf '%-34s %9s %9s %9s %7s %7s %9s  %s\n' "$@"
}

bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

# A world GeoIP database: 11.K.0.0/16 is country K, 256 countries, so a
# flood from 11.0.0.0/8 (mkflood's clients) fills one distinct-client
# sketch per minute, class and country.
world=
if perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null; then
	abc=ABCDEFGHIJKLMNOPQRSTUVWXYZ
	for k in $(seq 0 255); do
		printf '11.%d.0.0/16\t%s\tall\n' "$k" \
		    "${abc:k / 26:1}${abc:k % 26:1}"
	done > "$tmp/world.tsv"
	perl "$src/scripts/make-test-mmdb.pl" "$tmp" "$tmp/world.tsv" \
	    >/dev/null 2>&1 && world=$tmp/geo-iplocdb.mmdb
fi

# flood NAME DB N EXPECT_REQUESTS mkflood-args...: N connections piped
# straight from mkflood into originstatd -r -.
flood() {
	local name=$1 fdb=$2 n=$3 want_req=$4; shift 4
	local kib secs created evicted req st

	if [ -z "$fdb" ]; then
		row "$name" "$n" - skipped - - - "(no MaxMind::DB::Writer)"
		return
	fi
	"$mk" --out /dev/stdout --connections "$n" "$@" 2>"$tmp/mk.err" |
	    measure "$tmp/m" "$d" -v -r - -c "$conf" --geoip "$fdb" \
	    --csv "$tmp/out.csv" 2>"$tmp/err"
	st=("${PIPESTATUS[@]}")
	read -r kib secs < <(tail -1 "$tmp/m")
	created=$(counter flows_created)
	evicted=$(counter flows_evicted)
	req=$(counter http_requests)
	row "$name" "$n" "$(counter packets)" "$(mib "$kib")" 128 "$secs" \
	    "$evicted" \
	    "requests $req, oversized_heads $(counter oversized_heads)"
	[ "${st[0]}" = 0 ] ||
	    bad "$name: mkflood exit ${st[0]}: $(cat "$tmp/mk.err")"
	[ "${st[1]}" = 0 ] ||
	    bad "$name: originstatd exit ${st[1]}: $(tail -3 "$tmp/err")"
	[ "$kib" -lt "$limit_kib" ] ||
	    bad "$name: peak RSS $kib KiB >= $limit_kib KiB"
	# The flood really reached the table and the parser.
	[ "$created" = "$n" ] || bad "$name: flows_created $created, want $n"
	[ "$n" -le "$max_flows" ] || [ "$evicted" -gt 0 ] ||
	    bad "$name: the flow table never filled"
	[ "$req" = "$want_req" ] ||
	    bad "$name: http_requests $req, want $want_req"
}

# simrun HOURS START: originstatd on a simulated capture; writes "peak-KiB
# seconds packets flows timed-out" to $tmp/simHOURS.
simrun() {
	local kib secs st

	"$sim" --hours "$1" --start "$2" --scale 200 --geoip "$db" \
	    --networks "$nets" --out /dev/stdout 2>"$tmp/mk.err" |
	    measure "$tmp/m" "$d" -v -r - -c "$conf" --geoip "$db" \
	    --csv "$tmp/out.csv" 2>"$tmp/err"
	st=("${PIPESTATUS[@]}")
	read -r kib secs < <(tail -1 "$tmp/m")
	[ "${st[0]}" = 0 ] ||
	    bad "sim $1 h: originstat-sim exit ${st[0]}: $(cat "$tmp/mk.err")"
	[ "${st[1]}" = 0 ] ||
	    bad "sim $1 h: originstatd exit ${st[1]}: $(tail -3 "$tmp/err")"
	echo "$kib $secs $(counter packets) $(counter flows_created)" \
	    "$(counter flows_timed_out)" > "$tmp/sim$1"
}

echo "originstatd: $d (default --max-flows, --head-limit)"
echo
row case connections packets "peak MiB" "limit" seconds evicted notes
flood "SYN only" "$db" 1000000 0
flood "SYN, handshake, GET" "$db" 1000000 1000000 --payload
flood "SYN, handshake, unfinished GET" "$db" 1000000 0 --partial
flood "unfinished 16000-byte heads" "$db" 8192 0 --partial --head-bytes 16000
flood "GET, 256 countries x 4 classes" "$world" 2000000 2000000 --payload \
    --interval-us 25

# The 4-hour window sits inside the 8-hour one, both centred on the
# simulator's daily peak (20:00Z, before the story's surges): the same
# peak rate, twice the length.
simrun 4 2016-11-07T18:00:00Z
simrun 8 2016-11-07T16:00:00Z
read -r k4 s4 p4 c4 t4 < "$tmp/sim4"
read -r k8 s8 p8 c8 t8 < "$tmp/sim8"
allow=$(( k4 + k4 / 10 + 2048 ))
echo
printf '%-20s %9s %9s %9s %9s %7s\n' simulation packets flows "timed out" \
    "peak MiB" seconds
printf '%-20s %9s %9s %9s %9s %7s\n' "4 h, scale 200" "$p4" "$c4" "$t4" \
    "$(mib "$k4")" "$s4"
printf '%-20s %9s %9s %9s %9s %7s\n' "8 h, scale 200" "$p8" "$c8" "$t8" \
    "$(mib "$k8")" "$s8"
echo "8 h may use at most 4 h + 10 % + 2 MiB = $(mib "$allow") MiB"
[ "$k8" -le "$allow" ] || bad "8-hour capture: $k8 KiB > $allow KiB"
[ "$p8" -gt "$p4" ] || bad "8-hour capture is not longer ($p8 <= $p4 packets)"

echo
[ "$fail" -eq 0 ] && echo "memory: all bounds held" ||
	echo "memory: $fail failures"
[ "$fail" -eq 0 ]
