#!/usr/bin/env bash
# Hostile input (issue 8): the sanitized originstatd (OS_BIN is the ASan +
# UBSan build) is fed randomly mutated captures (bytes flipped in packets
# and in record headers, file headers broken, cut at random offsets, two
# files spliced), truncated captures, garbage and truncated GeoIP
# databases, broken configurations, missing files, pcapng with several
# interfaces and an unsupported link type.  Every run, under timeout 60,
# must end by itself (no hang), without a signal or a sanitizer report,
# with a documented status, and with a message naming the file when the
# status is not 0.  A truncated capture must still write its counts: for
# the minutes it closed, exactly those of the whole file.
#
# The mutations are seeded (HOSTILE_SEED, default 8): a failure repeats.
# Inputs of failed runs are kept in $OS_BIN/hostile-failures/.
set -uo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
py=/usr/bin/python3	# Debian's, with python3-zmq
[ -x "$py" ] || py=$(command -v python3) ||
	{ echo "SKIP: no python3"; exit 77; }
seed=${HOSTILE_SEED:-8}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
keep=$bin/hostile-failures
d=$bin/originstatd
conf=$tmp/originstatd.conf
db=$src/tests/data/geo-iplocdb.mmdb
caps=$src/../shared/captures
fail=0 n=0

mut() { "$py" "$src/tests/tools/mutcap.py" "$@"; }
mkcap() { "$py" "$src/tests/tools/mkcap.py" "$@"; }

# check "STATUSES" NAME WHAT -- command...
# STATUSES: the allowed exit statuses; NAME: what stderr must contain
# when the status is not 0 (the file); WHAT: for messages.
check() {
	local want=$1 name=$2 what=$3 got why=
	shift 4
	n=$((n + 1))
	timeout 60 "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq 124 ]; then
		why="hung (killed after 60 s)"
	elif [ "$got" -ge 128 ]; then
		why="killed by signal $((got - 128))"
	elif grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
		why="sanitizer report"
	elif [[ " $want " != *" $got "* ]]; then
		why="exit $got, want one of: $want"
	elif [ "$got" -ne 0 ] && ! grep -qF -- "$name" "$tmp/err"; then
		why="exit $got without a message naming $name"
	fi
	status=$got
	[ -z "$why" ] && return 0
	echo "FAIL: $what: $why"
	echo "  command: $*"
	head -30 "$tmp/err" | sed 's/^/  /'
	mkdir -p "$keep" && cp -- "$name" "$keep/" 2>/dev/null
	fail=$((fail + 1))
	return 1
}

bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# The minutes a truncated capture closed (all but its last two) must equal
# those of the whole capture; the two it flushed at the cut can only hold
# fewer requests and handshakes, never more or others.
prefix_check() {
	local cut=$1 full=$2 what=$3 need=$4 last cutoff
	last=$(tail -n +2 "$cut" 2>/dev/null | tail -1 | cut -d, -f1)
	if [ -z "$last" ]; then
		[ "$need" = 1 ] && bad "$what: no rows written"
		return
	fi
	cutoff=$(date -u -d "@$(($(date -u -d "$last" +%s) - 60))" \
	    +%Y-%m-%dT%H:%M:%SZ)
	cmp -s <(awk -F, -v c="$cutoff" 'NR > 1 && $1 < c' "$cut") \
	    <(awk -F, -v c="$cutoff" 'NR > 1 && $1 < c' "$full") ||
		bad "$what: minutes before $cutoff differ from the whole file's"
	awk -F, -v c="$cutoff" '
	    FNR == 1 { next }
	    { k = $1 "," $2 "," $3 }
	    NR == FNR { r[k] = $4; t[k] = $5; next }
	    $1 >= c {
		if (!(k in r) || $4 > r[k] || $5 > t[k]) { print k; bad = 1 } }
	    END { exit bad }' "$full" "$cut" >"$tmp/more" ||
		bad "$what: flushed minutes count more than the whole" \
		    "file: $(head -3 "$tmp/more")"
}

# Its own rules: the example configuration may grow sections.
cat >"$conf" <<'EOF'
[rules]
eta = onlineservices-servicesenligne.cic.gc.ca/eta/
eta = eta.cic.gc.ca
immigrate = www.cic.gc.ca/english/immigrate/
immigrate = www.cic.gc.ca/francais/immigrer/
cic = www.cic.gc.ca
cic = *.cic.gc.ca
[proxy]
trusted = 10.0.0.0/8, fd00::/8
EOF

echo "seed $seed"
sim() {
	"$bin/originstat-sim" --out "$1" --truth "$tmp/truth.csv" \
	    --geoip "$db" --networks "$src/tests/data/geo-networks.tsv" \
	    --hours 1 --chaos 0.3 --seed "$seed" "${@:2}" >/dev/null 2>&1
}
sim "$tmp/sim.pcap" || { echo "FAIL: originstat-sim"; exit 1; }
sim "$tmp/sim6.pcap" --linktype sll2 --seed $((seed + 1)) ||
	{ echo "FAIL: originstat-sim"; exit 1; }
# originstatd -r FILE --csv CSV ... (a later --geoip wins)
run=("$d" -c "$conf" --geoip "$db")
"${run[@]}" -r "$tmp/sim.pcap" --csv "$tmp/full.csv" 2>/dev/null ||
	{ echo "FAIL: originstatd on the clean capture"; exit 1; }

# 1. Mutated captures: the simulator's and a few real ones.
inputs=("$tmp/sim.pcap" "$tmp/sim6.pcap")
for f in zeek__wikipedia.pcap ark__http-xff.pcap zeek__tls-hrr.pcap \
    zeek__nflog-http.pcap ark__80211http.pcap zeek__http-qinq-0.pcap; do
	[ -f "$caps/$f" ] && inputs+=("$caps/$f")
done
plan=(data data data data rechdr rechdr rechdr rechdr filehdr filehdr
    trunc trunc trunc splice splice any any any mixed mixed mixed)
nmut=0
for in in "${inputs[@]}"; do
	if [ "$in" = "$tmp/sim.pcap" ]; then
		modes=("${plan[@]}" "${plan[@]}")
	elif [ "$in" = "$tmp/sim6.pcap" ]; then
		modes=("${plan[@]}")
	else
		modes=(data rechdr trunc any mixed)
	fi
	i=0
	for mode in "${modes[@]}"; do
		i=$((i + 1)); nmut=$((nmut + 1))
		m=$tmp/m$nmut-$mode.pcap
		what=$(mut "$seed$i" "$mode" "$m" "$in" "$tmp/sim.pcap") ||
			{ bad "mutcap.py $mode $in"; continue; }
		rm -f "$tmp/m.csv"
		check "0 65" "$m" "$(basename "$in") $mode ($what)" -- \
		    "${run[@]}" -r "$m" --csv "$tmp/m.csv" || continue
		if [ "$in" = "$tmp/sim.pcap" ] && [ "$mode" = trunc ]; then
			prefix_check "$tmp/m.csv" "$tmp/full.csv" \
			    "sim.pcap $mode ($what)" 0
		fi
		rm -f "$m"
	done
done
[ "$nmut" -ge 40 ] || bad "only $nmut mutated captures"

# 2. Truncated captures, at fixed fractions: exit 65 (0 if the cut falls
# between records), "kept" said, counts of the closed minutes written.
size=$(stat -c %s "$tmp/sim.pcap")
for pct in 10 25 40 55 70 85 99; do
	c=$tmp/cut$pct.pcap; rm -f "$tmp/cut.csv"
	head -c $((size * pct / 100 + 7)) "$tmp/sim.pcap" >"$c"
	check "0 65" "$c" "cut at $pct %" -- \
	    "${run[@]}" -r "$c" --csv "$tmp/cut.csv" || continue
	[ "$status" -eq 65 ] && ! grep -q "cut$pct.pcap.*kept" "$tmp/err" &&
		bad "cut at $pct %: no 'counts ... kept' message"
	prefix_check "$tmp/cut.csv" "$tmp/full.csv" "cut at $pct %" \
	    $((pct >= 25))
	rm -f "$tmp/cut.csv"
done
# From standard input, cut mid-packet.
rm -f "$tmp/cut.csv"
check 65 "-:" "stdin cut" -- sh -c \
    "head -c $((size / 2 + 5)) '$tmp/sim.pcap' | '$d' -r - -c '$conf' \
    --geoip '$db' --csv '$tmp/cut.csv'"
prefix_check "$tmp/cut.csv" "$tmp/full.csv" "stdin cut" 1

# 3. GeoIP databases: garbage, truncated, flipped.  65 naming the file;
# a flipped database libmaxminddb accepts may also give 0.  Never a crash.
: >"$tmp/empty.mmdb"
head -c 5000 /dev/urandom >"$tmp/random.mmdb"
{ head -c 3000 /dev/urandom; printf '\xab\xcd\xefMaxMind.com'
  head -c 300 /dev/urandom; } >"$tmp/fakemeta.mmdb"
mkdir "$tmp/dir.mmdb"
for g in empty random fakemeta; do
	check 65 "$g.mmdb" "GeoIP $g" -- \
	    "${run[@]}" -r "$tmp/sim.pcap" --csv /dev/null \
	    --geoip "$tmp/$g.mmdb"
done
check "65 66" "dir.mmdb" "GeoIP a directory" -- \
    "${run[@]}" -r "$tmp/sim.pcap" --csv /dev/null --geoip "$tmp/dir.mmdb"
for src_db in "$src"/tests/data/geo-*.mmdb; do
	b=$(basename "$src_db" .mmdb)
	sz=$(stat -c %s "$src_db")
	for off in 1 16 $((sz / 3)) $((sz / 2)) $((sz - 100)) $((sz - 20)) \
	    $((sz - 1)); do
		g=$tmp/$b-cut$off.mmdb
		head -c "$off" "$src_db" >"$g"
		check "0 65" "$g" "GeoIP $b cut at $off" -- \
		    "${run[@]}" -r "$tmp/sim.pcap" --csv /dev/null --geoip "$g"
	done
	for k in 1 2 3 4 5 6; do
		g=$tmp/$b-flip$k.mmdb
		mut "$seed$k" any "$g" "$src_db" >/dev/null
		check "0 65" "$g" "GeoIP $b with bytes flipped ($k)" -- \
		    "${run[@]}" -r "$tmp/sim.pcap" --csv /dev/null --geoip "$g"
	done
done
printf '[geoip]\ndatabase = %s\n' "$tmp/random.mmdb" >"$tmp/gconf.conf"
check 65 random.mmdb "GeoIP from [geoip] database" -- \
    "$d" -r "$tmp/sim.pcap" -c "$tmp/gconf.conf"

# 4. Broken configurations: 78, every error as file:line; or 0 if valid.
cf=$tmp/conf; mkdir "$cf"
# Random bytes after two that make line 1 junk whatever follows (random
# bytes alone start with a newline or a '#' now and then).
{ printf '\001\376'; head -c 3000 /dev/urandom; } >"$cf/junk.conf"
printf '[rules]\neta = eta.cic\0.gc.ca\n' >"$cf/nul.conf"
{ printf '[rules]\neta = '; head -c 1000000 /dev/zero | tr '\0' a
  printf '.ca\n'; } >"$cf/hugeline.conf"
printf '[rules]\neta = eta.cic.gc.ca\n[nosuch]\nx = y\n' >"$cf/section.conf"
printf '[proxy]\ntrusted = 10.0.0.0/33\ntrusted = 300.1.1.1/8\n'\
'trusted = fd00::/129\ntrusted = 10.0.0.0/\ntrusted = /8\n'\
'trusted = 10.0.0.0/8,,\n' >"$cf/cidr.conf"
printf '[rules]\n= x\nother = a.b\neta\n[aggregate]\ngrace = 1e99\n'\
'[geoip]\ncache = -1\n[rules\n' >"$cf/syntax.conf"
printf '\xef\xbb\xbf[rules]\neta = eta.cic.gc.ca\n' >"$cf/bom.conf"
head -c $((17 << 20)) /dev/zero | tr '\0' '#' >"$cf/toobig.conf"
mkconf() {	# NAME RULES CLASSES
	{ echo '[rules]'; for ((i = 1; i <= $2; i++)); do
		echo "c$((i % $3)) = h$i.example.com/p$i"
	done; } >"$cf/$1.conf"
}
mkconf rules10000 10000 200
mkconf rules4096 4096 200
mkconf classes255 255 255
mkconf classes254 254 254
printf '[rules]\neta = eta.cic.gc.ca\neta = eta.cic.gc.ca\neta = x.ca\n'\
'[rules]\ncic = *.cic.gc.ca\n' >"$cf/dupclass.conf"
printf '[rules]\r\neta = eta.cic.gc.ca\r\n' >"$cf/crlf.conf"
printf '[rules]\neta = eta.cic.gc.ca' >"$cf/noeol.conf"
: >"$cf/empty.conf"
# file, status, lines that must each have a message
while read -r f want lines; do
	check "$want" "$f.conf" "config $f" -- \
	    "$d" -r "$tmp/sim.pcap" -c "$cf/$f.conf" --csv /dev/null || continue
	for l in $lines; do
		grep -q "$f.conf:$l: " "$tmp/err" ||
			bad "config $f: no message for line $l"
	done
done <<EOF
junk		78	1
nul		78	2
hugeline	78	2
section		78	3
cidr		78	2 3 4 5 6 7
syntax		78	2 3 4 6 8 9
bom		78	1
toobig		78
rules10000	78	4098
classes255	78	256
rules4096	0
classes254	0
dupclass	0
crlf		0
noeol		0
empty		0
EOF

# 5. Missing and unreadable files: 66 naming the file.
printf '[geoip]\ndatabase = %s\n' "$tmp/nosuch.mmdb" >"$tmp/nodb.conf"
check 66 nosuch.pcap "missing capture" -- "$d" -r "$tmp/nosuch.pcap"
check 66 nosuch.conf "missing config" -- \
    "$d" -r "$tmp/sim.pcap" -c "$tmp/nosuch.conf"
check 66 nosuch.mmdb "missing --geoip" -- \
    "$d" -r "$tmp/sim.pcap" --geoip "$tmp/nosuch.mmdb"
check 66 nosuch.mmdb "missing [geoip] database" -- \
    "$d" -r "$tmp/sim.pcap" -c "$tmp/nodb.conf"
: >"$tmp/empty.pcap"
check 65 empty.pcap "empty capture" -- "$d" -r "$tmp/empty.pcap"
mkdir "$tmp/dir.pcap"
check "65 66" dir.pcap "capture is a directory" -- "$d" -r "$tmp/dir.pcap"

# 6. pcapng with two interfaces, of one link type or of two (or two
# snapshot lengths), which libpcap 1.10 refuses: read whole by capture.c,
# each packet with its interface's link type; and one with 70 interfaces.
for k in same mixed sll mixed-late snaplen many; do
	mkcap "pcapng-$k" "$tmp/$k.pcapng"
	check 0 "$k.pcapng" "pcapng $k" -- \
	    "${run[@]}" -r "$tmp/$k.pcapng" --csv "$tmp/$k.csv" || continue
	rows=$(tail -n +2 "$tmp/$k.csv" | cut -d, -f2-4 | sort | tr '\n' ' ')
	[ "$rows" = "eta,FR,2 eta,US,3 " ] ||
		bad "pcapng $k: rows '$rows', want eta,FR,2 eta,US,3"
done
# The second interface (byte 56, its link type) made USER0 (147): its
# packets are dropped, the first interface's read.
cp "$tmp/mixed.pcapng" "$tmp/user0.pcapng"
printf '\223' | dd of="$tmp/user0.pcapng" bs=1 seek=56 conv=notrunc \
    2>/dev/null
check 0 user0.pcapng "pcapng, second interface USER0" -- \
    "${run[@]}" -r "$tmp/user0.pcapng" --csv "$tmp/u0.csv" &&
	{ [ "$(tail -n +2 "$tmp/u0.csv" | cut -d, -f2-4)" = "eta,US,3" ] ||
	    bad "pcapng, second interface USER0: not 3 eta requests from US"; }

# Interfaces whose if_tsoffset puts their packets past 9999 and before
# 1970: those packets are counted and skipped, said at the end; the first
# interface's minute is whole (before, the far-future packets closed it
# early and a clock reset followed).
mkcap pcapng-badtime "$tmp/badtime.pcapng"
check 0 badtime.pcapng "pcapng, time stamps out of range" -- \
    "${run[@]}" -r "$tmp/badtime.pcapng" --csv "$tmp/bt.csv" &&
	{ [ "$(tail -n +2 "$tmp/bt.csv" | cut -d, -f1-4)" = \
	    "2016-11-08T19:00:00Z,eta,US,3" ] ||
	    bad "pcapng, time stamps out of range: not one row of 3 from US"
	  grep -q 'badtime.pcapng: 14 packets with a time stamp before 1970 or after 9999' \
	    "$tmp/err" || bad "pcapng, time stamps out of range: not said"
	  grep -q ' 0 clock resets' "$tmp/err" ||
	    bad "pcapng, time stamps out of range: a clock reset"; }

# 7. An unsupported link type (147, USER0): 65, "unsupported link type".
mkcap linktype "$tmp/user0.pcap" 147
check 65 user0.pcap "link type 147" -- \
    "${run[@]}" -r "$tmp/user0.pcap" --csv "$tmp/u.csv" &&
	{ grep -q 'unsupported link type 147' "$tmp/err" ||
	    bad "link type 147: message does not say 'unsupported link type'"; }
mkcap linktype "$tmp/ether.pcap" 1
check 0 ether.pcap "link type 1 (control)" -- \
    "${run[@]}" -r "$tmp/ether.pcap" --csv "$tmp/e.csv"
[ "$(tail -n +2 "$tmp/e.csv" | cut -d, -f2-4)" = "eta,US,3" ] ||
	bad "link type 1: not 3 eta requests from US"

echo "$nmut mutated captures; $((n - fail)) of $n runs passed, $fail failures"
[ "$fail" -eq 0 ]
