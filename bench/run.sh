#!/bin/bash
#
# run.sh - how close originstatd comes to the cost of merely reading the
# packets, against httpry and tshark, and how fast it can capture live.
#
# Usage: bench/run.sh [--runs N] [--no-live] [--no-tshark] [--tshark-full]
#                     [--no-callgrind] [--no-double] [--page-bytes N]
#
#   --runs N        alternating runs of floor/originstatd/httpry (default 5)
#   --no-live       skip the live-capture part (needs root: netns + veth)
#   --no-tshark     skip tshark
#   --tshark-full   tshark 3 times on the main capture (slow: minutes);
#                   by default it runs 3 times on a 1-hour capture and its
#                   CPU time is scaled up by the packet count
#   --no-callgrind  skip the instruction counts (valgrind, about 2 minutes)
#   --no-double     skip the capture twice as long (peak RSS stays flat?)
#   --no-build      use the programs already in build-bench/
#   --page-bytes N  extra bytes in each simulated page (default 4400: one
#                   packet in eight is a request or handshake, the rest
#                   handshakes, acknowledgements and responses of several
#                   segments); 0 gives the simulator's short pages
#
# Builds into build-bench/ (RelWithDebInfo), installs missing Debian
# packages with apt-get, writes the captures under build-bench/ (reused on
# the next run) and prints every figure.  CPU time is user + system of the
# whole process, peak RSS the maximum resident set, both from GNU time.
# The live part makes its own network namespace and veth pair, replays only
# into that veth, and removes both at exit.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
b=$root/build-bench
runs=5
live=1
tshark=1
tshark_full=0
callgrind=1
double=1
build=1
page_bytes=4400

while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift ;;
	--no-live) live=0 ;;
	--no-tshark) tshark=0 ;;
	--tshark-full) tshark_full=1 ;;
	--no-callgrind) callgrind=0 ;;
	--no-double) double=0 ;;
	--no-build) build=0 ;;
	--page-bytes) page_bytes=$2; shift ;;
	-h|--help) sed -n '3,29p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 64 ;;
	esac
	shift
done

say() { printf '%s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

# --- packages -------------------------------------------------------------

need=()
command -v /usr/bin/time >/dev/null || need+=(time)
command -v cmake >/dev/null || need+=(cmake)
command -v httpry >/dev/null || need+=(httpry)
[ "$tshark" = 0 ] || command -v tshark >/dev/null || need+=(tshark)
[ "$callgrind" = 0 ] || command -v valgrind >/dev/null || need+=(valgrind)
if [ "$live" = 1 ]; then
	command -v ip >/dev/null || need+=(iproute2)
fi
if [ ${#need[@]} -gt 0 ]; then
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	say "installing: ${need[*]}"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
fi

# --- build ----------------------------------------------------------------

if [ "$build" = 1 ]; then
	mkdir -p "$b"
	{ cmake -S "$root" -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
	    cmake --build "$b" -j"$(nproc)" \
	    --target originstatd originstat-sim floor; } >"$b/build.log" 2>&1 ||
	    die "build failed, see $b/build.log: $(tail -3 "$b/build.log")"
fi

conf=$root/docs/originstatd.conf.example
db=$root/data/geo-whois-asn-country.mmdb
[ -f "$db" ] || "$root/scripts/get-geoip.sh" >/dev/null 2>&1 || true
if [ -f "$db" ]; then
	dbnote="GeoIP: $db (default database)"
	simdb=(--geoip "$db")
else
	db=$root/tests/data/geo-iplocdb.mmdb
	dbnote="GeoIP: $db (fallback: the default database is absent)"
	simdb=(--geoip "$db" --networks "$root/tests/data/geo-networks.tsv")
fi

# --- captures -------------------------------------------------------------

# mkcap NAME HOURS START: the simulator at --scale 200; the daily peak is
# around 20:00 UTC, so captures centred there have the same peak rate.
mkcap() {
	local f=$b/$1-p$page_bytes.pcap

	if [ ! -s "$f" ] || [ ! -s "$f.info" ]; then
		"$b/originstat-sim" --hours "$2" --start "$3" --scale 200 \
		    --page-bytes "$page_bytes" "${simdb[@]}" --out "$f" \
		    2>"$f.info" ||
		    die "originstat-sim: $(cat "$f.info")"
	fi
}

# capinfo NAME: "packets requests handshakes bytes" from the simulator.
capinfo() {
	tr -d , <"$b/$1-p$page_bytes.pcap.info" | awk '/ packets / {
	    for (i = 1; i < NF; i++) {
		if ($(i + 1) == "packets") p = $i
		if ($(i + 1) == "requests") r = $i
		if ($(i + 1) == "handshakes") h = $i
		if ($(i + 1) == "bytes") b = $i
	    } } END { print p, r, h, b }'
}

mkcap main 8 2016-11-07T16:00:00Z
cap=$b/main-p$page_bytes.pcap
read -r npk nreq nhs nbytes < <(capinfo main)
[ "$npk" -ge 2000000 ] || die "main capture has only $npk packets"

# --- measuring ------------------------------------------------------------

# measure TAG CMD...: run once, append "cpu_s rss_kib" to $b/m.TAG.
measure() {
	local tag=$1 t
	shift
	t=$b/time.out
	/usr/bin/time -f '%U %S %M' -o "$t" "$@" >/dev/null 2>"$b/err.$tag" ||
	    die "$tag failed: $(tail -3 "$b/err.$tag")"
	awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$t" >>"$b/m.$tag"
}

# median TAG COLUMN
median() {
	awk -v c="$2" '{ print $c }' "$b/m.$1" | sort -g |
	    awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

run_osd() {
	rm -f "$b/out.csv"
	measure "$1" "$b/originstatd" -r "$2" -c "$conf" --geoip "$db" \
	    --csv "$b/out.csv"
}

run_httpry() {
	# The same fields: client, host, path; one line per request.
	measure "$1" httpry -q -r "$2" -f source-ip,host,request-uri \
	    -o "$b/httpry.out"
}

run_tshark() {
	measure "$1" sh -c 'exec tshark -n -r "$1" -Y http.request -T fields \
	    -e ip.src -e http.host -e http.request.uri >"$2"' sh "$2" \
	    "$b/tshark.out"
}

rm -f "$b"/m.*

say "originstat benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
say "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
    "$(nproc) CPUs; $(uname -sr)"
say "$dbnote"
say "capture: $cap"
awk -v p="$npk" -v r="$nreq" -v h="$nhs" -v by="$nbytes" 'BEGIN {
	printf "  %d packets, %.0f MB, %d requests + %d handshakes:" \
	    " one packet in %.1f is a request or handshake\n",
	    p, by / 1e6, r, h, p / (r + h) }'
say

# Warm the page cache, then alternate.
cat "$cap" >/dev/null
say "runs: $runs alternating (floor, floor --own, originstatd, httpry)"
for i in $(seq "$runs"); do
	measure floor "$b/floor" "$cap"
	measure own "$b/floor" --own "$cap"
	run_osd osd "$cap"
	run_httpry httpry "$cap"
	printf '  run %d: floor %s s, floor --own %s s, originstatd %s s,' \
	    "$i" "$(tail -1 "$b/m.floor" | cut -d' ' -f1)" \
	    "$(tail -1 "$b/m.own" | cut -d' ' -f1)" \
	    "$(tail -1 "$b/m.osd" | cut -d' ' -f1)"
	printf ' httpry %s s\n' "$(tail -1 "$b/m.httpry" | cut -d' ' -f1)"
done

tsnote=
if [ "$tshark" = 1 ]; then
	if [ "$tshark_full" = 1 ]; then
		tcap=$cap
		tscale=1
		tsnote="3 runs on the main capture"
	else
		mkcap small 1 2016-11-07T19:30:00Z
		tcap=$b/small-p$page_bytes.pcap
		read -r tpk _ < <(capinfo small)
		tscale=$(awk -v a="$npk" -v b="$tpk" 'BEGIN { print a / b }')
		tsnote="3 runs on a 1-hour capture ($tpk packets), CPU scaled by $tscale"
	fi
	cat "$tcap" >/dev/null
	for i in 1 2 3; do
		run_tshark tshark "$tcap"
	done
fi

osd=$(median osd 1)
flo=$(median floor 1)
own=$(median own 1)
hry=$(median httpry 1)

say
say "| program | CPU s (median) | peak RSS MiB (median) | runs |"
say "| --- | ---: | ---: | ---: |"
row() {
	awk -v n="$1" -v c="$2" -v r="$3" -v k="$4" 'BEGIN {
	    printf "| %s | %.2f | %.1f | %s |\n", n, c, r / 1024, k }'
}
row "floor (libpcap, no-op callback)" "$flo" "$(median floor 2)" "$runs"
row "floor --own (originstatd's reader, no-op)" "$own" "$(median own 2)" \
    "$runs"
row "originstatd (GeoIP, CSV)" "$osd" "$(median osd 2)" "$runs"
row "httpry" "$hry" "$(median httpry 2)" "$runs"
if [ "$tshark" = 1 ]; then
	tsh=$(awk -v c="$(median tshark 1)" -v s="$tscale" \
	    'BEGIN { print c * s }')
	row "tshark${tscale:+ (scaled)}" "$tsh" "$(median tshark 2)" 3
	say "tshark: $tsnote (peak RSS is that of the capture measured)"
fi
say
awk -v o="$osd" -v f="$flo" -v w="$own" -v h="$hry" -v t="${tsh:-0}" \
    'BEGIN {
	printf "originstatd / floor   = %.2f   (target <= 2.0)\n", o / f
	printf "originstatd / floor --own = %.2f   (reading as originstatd" \
	    " reads; no target)\n", o / w
	printf "httpry / originstatd  = %.2f   (target >= 3)\n", h / o
	if (t > 0)
		printf "tshark / originstatd  = %.0f    (target >= 100)\n", t / o
}'
say "originstatd peak RSS   = $(awk -v k="$(median osd 2)" \
    'BEGIN { printf "%.1f", k / 1024 }') MiB (target <= 48)"

if [ "$double" = 1 ]; then
	mkcap double 16 2016-11-07T12:00:00Z
	read -r dpk _ < <(capinfo double)
	cat "$b/double-p$page_bytes.pcap" >/dev/null
	run_osd osd2 "$b/double-p$page_bytes.pcap"
	awk -v p="$dpk" '{ printf "twice as long (%d packets): originstatd" \
	    " %.2f s CPU, peak RSS %.1f MiB\n", p, $1, $2 / 1024 }' \
	    "$b/m.osd2"
fi

if [ "$callgrind" = 1 ]; then
	say
	say "instructions (valgrind --tool=callgrind, whole process):"
	for t in floor own originstatd; do
		case $t in
		floor) cmd=("$b/floor" "$cap") ;;
		own) cmd=("$b/floor" --own "$cap") ;;
		*) cmd=("$b/originstatd" -r "$cap" -c "$conf" --geoip "$db"
		    --csv /dev/null) ;;
		esac
		valgrind --tool=callgrind --callgrind-out-file="$b/cg.$t" \
		    "${cmd[@]}" >/dev/null 2>"$b/cg.$t.log"
		eval "ir_$t=$(sed -n 's/.*Collected : //p' "$b/cg.$t.log")"
	done
	awk -v f="$ir_floor" -v w="$ir_own" -v o="$ir_originstatd" \
	    -v p="$npk" 'BEGIN {
		printf "  floor        %14.0f  (%.0f per packet)\n", f, f / p
		printf "  floor --own  %14.0f  (%.0f per packet)\n", w, w / p
		printf "  originstatd  %14.0f  (%.0f per packet)\n", o, o / p
		printf "  ratio        %14.2f  (to floor)\n", o / f }'
	say "  top functions of originstatd (self, share of all instructions):"
	callgrind_annotate "$b/cg.originstatd" 2>/dev/null |
	    sed -n 's/^ *\([0-9,]*\) (\( *[0-9.]*%\)) *\([^ ]*\).*/    \2  \3/p' |
	    awk 'NR > 1 && NR <= 16'	# all input read: no SIGPIPE
fi

# --- live capture ---------------------------------------------------------

[ "$live" = 1 ] || exit 0
[ "$(id -u)" = 0 ] || { say "live: skipped (needs root)"; exit 0; }

# blast (bench/blast.c) sends the frames: tcpreplay could not go past about
# 360 000 packets/s here, short of what originstatd takes.
if [ "$build" = 1 ] || [ ! -x "$b/blast" ]; then
	cmake --build "$b" --target blast >>"$b/build.log" 2>&1 ||
	    die "building blast failed, see $b/build.log"
fi

ns=osbench$$
host_if=osb$$h
peer_if=osb$$p
osd_pid=

cleanup() {
	[ -z "$osd_pid" ] || kill "$osd_pid" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	ip link del "$host_if" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns"
ip link add "$host_if" type veth peer name "$peer_if"
ip link set "$peer_if" netns "$ns"
# The capture holds VLAN and QinQ frames: room for them and then some.
ip link set "$host_if" mtu 9000 up
ip -n "$ns" link set "$peer_if" mtu 9000 up

# The sender on one CPU, originstatd on another.  A veth delivers a frame
# in the sender's system call: the receive path on the host end, including
# the copy into originstatd's ring (tpacket_rcv), runs on the sender's CPU
# and is paid there, unless RPS moves it (the second pass).
snd_cpu=0
osd_cpu=1
[ "$(nproc)" -ge 2 ] || die "live: needs 2 CPUs"
tck=$(getconf CLK_TCK)

# Ticks of CPU time: originstatd's (user + system), and all of osd_cpu's.
osd_ticks() { awk '{ print $14 + $15 }' "/proc/$osd_pid/stat"; }
cpu_ticks() {
	awk -v c="cpu$osd_cpu" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' \
	    /proc/stat
}
# Frames the kernel dropped before any packet socket saw them: backlog
# queues (softnet_stat, hex) and the veth.
kernel_drops() {
	local t x
	t=$(ip netns exec "$ns" cat "/sys/class/net/$peer_if/statistics/tx_dropped")
	while read -r _ x _; do
		t=$((t + 0x$x))
	done </proc/net/softnet_stat
	echo "$t"
}

# live_try PPS: send PPS * 5 packets (at most the capture) at PPS, or the
# whole capture as fast as blast can if PPS is "max"; prints "sent_pps
# received dropped ifdropped kernel_drops osd_cpu_s cpu_busy_s wall_s".
live_try() {
	local pps=$1 lim log=$b/live.log out=$b/blast.out rate=() o0 c0 k0 w0
	if [ "$pps" = max ]; then
		lim=$npk
	else
		lim=$((pps * 5))
		[ "$lim" -le "$npk" ] || lim=$npk
		rate=(--pps "$pps")
	fi
	taskset -c "$osd_cpu" "$b/originstatd" -v -i "$host_if" -c "$conf" \
	    --geoip "$db" --csv /dev/null 2>"$log" &
	osd_pid=$!
	sleep 1
	w0=$(date +%s%N)
	o0=$(osd_ticks)
	c0=$(cpu_ticks)
	k0=$(kernel_drops)
	ip netns exec "$ns" taskset -c "$snd_cpu" "$b/blast" "${rate[@]}" \
	    --limit "$lim" "$peer_if" "$cap" >"$out" 2>&1 ||
	    die "blast: $(cat "$out")"
	sleep 1
	printf '%s %s %s %s\n' "$(osd_ticks)" "$(cpu_ticks)" \
	    "$(kernel_drops)" "$(date +%s%N)" >"$b/live.after"
	kill -TERM "$osd_pid"
	wait "$osd_pid" || true
	osd_pid=
	awk -v o0="$o0" -v c0="$c0" -v k0="$k0" -v w0="$w0" -v t="$tck" '
	    FNR == 1 && FILENAME ~ /after$/ {
		o = ($1 - o0) / t; c = ($2 - c0) / t; k = $3 - k0
		w = ($4 - w0) / 1e9 }
	    / pps / { p = $8 }
	    /pcap_received/ { r = $NF }
	    /pcap_dropped/ { d = $NF }
	    /pcap_ifdropped/ { i = $NF }
	    END { printf "%d %d %d %d %d %.2f %.2f %.3f\n",
		p, r, d, i, k, o, c, w }' "$b/live.after" "$out" "$log"
}

# live_pass TITLE: step up the rate until drops appear or blast cannot
# send faster (then once more, flat out); sets best.
live_pass() {
	local pps got rcv drp ifd kd ocpu busy wall sat=0
	say
	say "live capture, $1:"
	say "| --pps | sent pkt/s | received | dropped | ifdropped |" \
	    "kernel drops | originstatd CPU s (us/pkt) | CPU $osd_cpu busy |"
	say "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	best=0
	for pps in 100000 200000 300000 400000 600000 800000 1200000 \
	    1600000 2400000 max; do
		# Past blast's own limit only "max" is worth a run.
		[ "$sat" = 0 ] || [ "$pps" = max ] || continue
		read -r got rcv drp ifd kd ocpu busy wall < <(live_try "$pps")
		awk -v a="$pps" -v g="$got" -v r="$rcv" -v d="$drp" \
		    -v i="$ifd" -v k="$kd" -v o="$ocpu" -v c="$busy" \
		    -v w="$wall" 'BEGIN {
			printf "| %s | %d | %d | %d | %d | %d |" \
			    " %.2f (%.2f) | %.0f %% |\n", a, g, r, d, i, k, o,
			    (r > 0 ? o * 1e6 / r : 0), 100 * c / w }'
		[ "$drp" = 0 ] && [ "$kd" = 0 ] && [ "$rcv" -gt 0 ] || break
		[ "$got" -le "$best" ] || best=$got
		[ "$pps" = max ] || [ "$got" -ge $((pps * 95 / 100)) ] || sat=1
	done
	say "highest rate with zero drops: $best packets/s" \
	    "(limit: $([ "$drp" = 0 ] && [ "$kd" = 0 ] && echo "the sender" ||
	    echo "drops"))"
}

say
say "live: originstatd -i on a veth (CPU $osd_cpu), blast from a netns" \
    "(CPU $snd_cpu), 5 s per rate; CPU over the send and 1 s after"
live_pass "delivery on the sender's CPU"
# RPS: the receive path (and the copy into the ring) on originstatd's CPU,
# as when a NIC interrupts the core the daemon runs on.
echo $((1 << osd_cpu)) >"/sys/class/net/$host_if/queues/rx-0/rps_cpus"
live_pass "delivery on originstatd's CPU (RPS)"
