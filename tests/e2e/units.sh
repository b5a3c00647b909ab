#!/usr/bin/env bash
# The systemd units: "systemd-analyze verify" finds nothing to say about
# them (with ExecStart pointed at the built binaries and the man pages of
# Documentation= from docs/), and originstatd.service's offline exposure
# score is at most 2.0.
set -euo pipefail
src=${OS_SRC:?}; bin=${OS_BIN:?}
command -v systemd-analyze >/dev/null 2>&1 ||
	{ echo "SKIP: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0

mkdir -p "$tmp/units" "$tmp/man/man1" "$tmp/man/man8"
cp "$src/docs/originstatd.8" "$tmp/man/man8/"
cp "$src/docs/originstat.1" "$tmp/man/man1/"
for u in originstatd.service originstat-csv.service; do
	sed -e "s|/usr/sbin/originstatd |$bin/originstatd |" \
	    -e "s|/usr/bin/originstat |$bin/originstat |" \
	    "$src/systemd/$u" >"$tmp/units/$u"
done
# Documentation= is checked with man(1) when there is one.
man=--man=no
command -v man >/dev/null 2>&1 && man=--man=yes
if ! MANPATH=$tmp/man systemd-analyze verify "$man" "$tmp"/units/*.service \
	>"$tmp/verify" 2>&1 || [ -s "$tmp/verify" ]; then
	echo "FAIL: systemd-analyze verify:"; cat "$tmp/verify"; fail=1
fi
for u in originstatd.service originstat-csv.service; do
	score=$(systemd-analyze security --offline=true "$src/systemd/$u" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "$u: exposure $score"
	awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 <= 2.0) }' ||
		{ echo "FAIL: $u exposure '$score' over 2.0"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "ok: units verified, exposure within 2.0"
exit "$fail"
