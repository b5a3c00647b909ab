#!/usr/bin/env bash
# Compare originstatd's counts with tshark's on capture files.
#
#   compare-tshark.sh [--oracle DIR] [--explained TSV] [--tsv OUT]
#                     [--originstatd PATH] FILE...
#
# For each capture: originstatd -r FILE --csv (no configuration and no GeoIP,
# so every hit is class "other"), summing requests and tls_handshakes over
# all rows; and tshark's count of HTTP requests and TLS ClientHellos over
# TCP, either from tshark itself or, with --oracle DIR, from answers tshark
# stored earlier (DIR/SUMMARY.tsv, see ../shared/captures/README.md).
# Counts agree when they differ by at most 1 or by at most 2 % of tshark's.
#
# --explained TSV lists files whose disagreement has been examined
# (docs/tshark-agreement.md): columns file, requests, hellos, why.  A file
# that disagrees with tshark but whose originstatd counts are exactly the
# listed ones, with a why other than "-", is "explained".
# --tsv OUT writes the results as tab-separated values for other scripts.
#
# Files libpcap cannot read are counted apart and left out of the total.
# Exit 0 when at least 95 % of the files agree (counting explained ones
# when --explained is given), 1 when fewer do, 2 on a usage error.
set -uo pipefail

usage() {
	echo "usage: compare-tshark.sh [--oracle DIR] [--explained TSV]" \
	    "[--tsv OUT] [--originstatd PATH] FILE..." >&2
	exit 2
}

die() {
	echo "compare-tshark: $*" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
oracle='' explained='' tsvout='' osd=${ORIGINSTATD:-}
while [ $# -gt 0 ]; do
	case $1 in
	--oracle)	[ $# -ge 2 ] || usage; oracle=$2; shift 2 ;;
	--explained)	[ $# -ge 2 ] || usage; explained=$2; shift 2 ;;
	--tsv)		[ $# -ge 2 ] || usage; tsvout=$2; shift 2 ;;
	--originstatd)	[ $# -ge 2 ] || usage; osd=$2; shift 2 ;;
	-h|--help)	usage ;;
	--)		shift; break ;;
	-*)		echo "compare-tshark: unknown option $1" >&2; usage ;;
	*)		break ;;
	esac
done
[ $# -gt 0 ] || usage

if [ -z "$osd" ]; then
	for c in "${OS_BIN:-/nonexistent}/originstatd" \
	    "$here/../build/originstatd"; do
		[ -x "$c" ] && { osd=$c; break; }
	done
	[ -n "$osd" ] || osd=$(command -v originstatd) ||
		die "no originstatd (use --originstatd PATH or set OS_BIN)"
fi
[ -x "$osd" ] || die "$osd: not executable"
if [ -n "$oracle" ]; then
	[ -r "$oracle/SUMMARY.tsv" ] || die "$oracle/SUMMARY.tsv: not readable"
else
	command -v tshark >/dev/null ||
		die "tshark not installed (or use --oracle DIR)"
fi
[ -z "$explained" ] || [ -r "$explained" ] || die "$explained: not readable"

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# Print "requests hellos" summed over an originstatd CSV, by column name.
csv_sum() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	    { r += $c["requests"]; h += $c["tls_handshakes"] }
	    END { print r + 0, h + 0 }' "$1"
}

# Print "requests hellos encapsulation" for one file from the oracle's
# SUMMARY.tsv, or nothing if it has no line for it.  Requests over UDP
# (SSDP) and QUIC ClientHellos are taken out: originstatd reads TCP only.
oracle_counts() {
	awk -F'\t' -v name="$1" '
	    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	    $1 == name {
		r = $c["http_requests"] - $c["http_req_not_tcp"]
		h = ("hellos_tcp" in c) ? $c["hellos_tcp"] : \
		    $c["sni_hellos"] - $c["hellos_quic"]
		e = $c["encapsulation"]
		print r, h, (e == "" ? "?" : e)
		exit
	    }' "$oracle/SUMMARY.tsv"
}

# Print "requests hellos" as tshark counts them.  One pass with the union
# of the two display filters: a frame with an HTTP request carries method
# fields only if http.request matched, and ClientHellos are only the
# handshake-type values equal to 1, so this equals two separate passes.
# Pipelined requests in one frame come comma-joined; so do handshake
# messages, several of which may share one frame.
tshark_counts() {
	tshark -n -o tcp.reassemble_out_of_order:TRUE -r "$1" \
	    -Y '(http.request || tls.handshake.type == 1) && tcp' \
	    -T fields -e http.request.method -e tls.handshake.type \
	    -E separator=/t -E occurrence=a -E aggregator=, 2>"$tmp/tshark.err" |
	awk -F'\t' '{
		if ($1 != "")
			r += split($1, m, ",")
		n = split($2, t, ",")
		for (i = 1; i <= n; i++)
			if (t[i] == 1)
				h++
	    } END { print r + 0, h + 0 }'
}

link_type() {
	local e
	e=$(capinfos -T -r -E "$1" 2>/dev/null | cut -f2)
	echo "${e:-?}"
}

# Print the why of an explained file whose counts match, else nothing.
explained_why() {
	[ -n "$explained" ] || return 0
	awk -F'\t' -v f="$1" -v r="$2" -v h="$3" '
	    /^#/ || NF < 4 { next }
	    $1 == f && $2 == r && $3 == h && $4 != "-" { print $4; exit }' \
	    "$explained"
}

# within 2 % of tshark's count, or 1 absolute
close() {
	local d=$(($1 - $2))
	[ "$d" -lt 0 ] && d=$((-d))
	[ "$d" -le 1 ] || [ $((d * 50)) -le "$2" ]
}

# row FILE LINK OSD_REQ OSD_TLS TS_REQ TS_TLS RESULT [NOTE]: one line of the
# table and, with --tsv, of the TSV.
row() {
	printf '%-52s %-20s %8s %6s %8s %6s  %s%s\n' "$1" "$2" "$3" "$4" "$5" \
	    "$6" "$7" "${8:+ ($8)}"
	[ -z "$tsvout" ] ||
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" \
		    "$6" "${7%%:*}" >> "$tsvout"
}

printf '%-52s %-20s %8s %6s %8s %6s  %s\n' file link osd_req osd_tls \
    ts_req ts_tls agree
[ -z "$tsvout" ] || printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' file link \
    osd_requests osd_hellos tshark_requests tshark_hellos result > "$tsvout"
m=0 agree=0 expl=0 unreadable=0 noracle=0
for f in "$@"; do
	name=$(basename "$f")
	rm -f "$tmp/out.csv"
	"$osd" -r "$f" --csv "$tmp/out.csv" 2>"$tmp/osd.err"
	rc=$?
	note=$(grep -v 'no GeoIP' "$tmp/osd.err" | head -1)
	if [ "$rc" -eq 66 ] ||
	    grep -q 'not a readable capture file' "$tmp/osd.err"; then
		row "$name" - - - - - unreadable "$note"
		unreadable=$((unreadable + 1))
		continue
	fi
	# Exit 65 with a CSV is a capture cut short: what was read counts.
	# Without a CSV (unsupported link type) originstatd counted nothing.
	[ "$rc" -eq 0 ] && note=
	# Hits for minutes already closed are not in the CSV: say so.
	late=$(sed -n 's/.* \([0-9][0-9]*\) late, .*/\1/p' "$tmp/osd.err")
	[ "${late:-0}" -eq 0 ] || note="${note:+$note; }$late late hits not in the CSV"
	oreq=0 ohel=0
	[ -s "$tmp/out.csv" ] && read -r oreq ohel < <(csv_sum "$tmp/out.csv")
	if [ -n "$oracle" ]; then
		o=$(oracle_counts "$name")
		if [ -z "$o" ]; then
			row "$name" - "$oreq" "$ohel" - - no-oracle "$note"
			noracle=$((noracle + 1))
			continue
		fi
		read -r treq thel link <<< "$o"
	else
		read -r treq thel < <(tshark_counts "$f")
		link=$(link_type "$f")
	fi
	m=$((m + 1))
	if close "$oreq" "$treq" && close "$ohel" "$thel"; then
		agree=$((agree + 1))
		res=yes
	elif why=$(explained_why "$name" "$oreq" "$ohel") && [ -n "$why" ]; then
		expl=$((expl + 1))
		res="explained: $why"
	else
		res=NO
	fi
	row "$name" "$link" "$oreq" "$ohel" "$treq" "$thel" "$res" "$note"
done

pct() {
	awk -v n="$1" -v m="$2" 'BEGIN { printf "%.1f", m ? 100 * n / m : 0 }'
}
[ "$unreadable" -eq 0 ] ||
	echo "$unreadable file(s) libpcap cannot read, not counted"
[ "$noracle" -eq 0 ] ||
	echo "$noracle file(s) without an oracle answer, not counted"
echo "$agree of $m files agree ($(pct "$agree" "$m") %)"
ok=$agree
if [ -n "$explained" ]; then
	ok=$((agree + expl))
	echo "$ok of $m files agree or differ as explained in" \
	    "$(basename "$explained") ($(pct "$ok" "$m") %)"
fi
[ "$m" -gt 0 ] && [ $((ok * 100)) -ge $((m * 95)) ]
