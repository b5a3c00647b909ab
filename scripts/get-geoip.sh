#!/bin/sh
#
# get-geoip.sh - fetch the default country database.
#
# Usage: scripts/get-geoip.sh [DEST]
#   DEST  where to put the database
#         (default: data/geo-whois-asn-country.mmdb under the repository)
#
# The database is ip-location-db's geo-whois-asn-country (GeoFeed + RIR
# whois + ASN, schema { country_code }), data CC BY 4.0 by the NRO: its
# NRO_LICENSE is copied beside DEST and must travel with it.  The npm
# package is pinned to one version and its tarball to one SHA-256, so the
# same bytes are installed every time.
#
# Idempotent: DEST.sha256 records the database's digest; when DEST matches
# it and it is the pinned one, nothing is downloaded.  DEST is replaced by
# rename, never rewritten in place: originstatd maps the file, and a
# rewrite under a running daemon would hand it a half-written database.
#
# Needs npm, tar and sha256sum.  Exits non-zero on any failure.

set -eu

PKG=@ip-location-db/geo-whois-asn-country-mmdb
VERSION=2.3.2026061719
TGZ_SHA256=91757a1b06cdcd1955f292e4c4cfc54e091204f998e159a3187f7a2ef3724be0
MMDB_SHA256=c5f7c0e9bd6a6ccb5a2e9634764544a0d08bd0bd8788b8aedfac87bea184c652
MEMBER=package/geo-whois-asn-country.mmdb
LICENSE=package/NRO_LICENSE

prog=$(basename "$0")
tmp=

die() {
	echo "$prog: $*" >&2
	exit 1
}

cleanup() {
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}

need() {
	command -v "$1" >/dev/null 2>&1 ||
	    die "$1 not found in PATH (needed to $2)"
}

sha256_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# True when DEST is the pinned database and DEST.sha256 says so.
up_to_date() {
	[ -f "$dest" ] && [ -f "$dest.sha256" ] || return 1
	[ "$(cut -d' ' -f1 "$dest.sha256")" = "$MMDB_SHA256" ] || return 1
	[ "$(sha256_of "$dest")" = "$MMDB_SHA256" ]
}

# Copy src to dst through a temporary name in dst's directory.
install_file() {
	cp "$1" "$2.tmp.$$" || die "$2: cannot write"
	mv -f "$2.tmp.$$" "$2" || die "$2: cannot rename into place"
}

case $# in
0)	root=$(cd "$(dirname "$0")/.." && pwd) ||
	    die "cannot find the repository root"
	dest=$root/data/geo-whois-asn-country.mmdb ;;
1)	case $1 in
	-h|--help)
		echo "usage: $prog [DEST]"
		exit 0 ;;
	-*)	die "unknown option $1 (usage: $prog [DEST])" ;;
	esac
	dest=$1 ;;
*)	die "usage: $prog [DEST]" ;;
esac

need sha256sum "verify the download"
if up_to_date; then
	echo "$prog: $dest is up to date ($PKG@$VERSION)"
	exit 0
fi
need npm "download $PKG"
need tar "unpack $PKG"

destdir=$(dirname "$dest")
mkdir -p "$destdir" || die "$destdir: cannot create directory"
[ -w "$destdir" ] || die "$destdir: not writable"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/get-geoip.XXXXXX") ||
    die "cannot create a temporary directory"
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

echo "$prog: downloading $PKG@$VERSION"
# A private cache keeps the user's ~/.npm out of it; pack runs no scripts.
(cd "$tmp" && npm pack --ignore-scripts --cache "$tmp/cache" \
    "$PKG@$VERSION" >"$tmp/pack.out" 2>"$tmp/pack.err") || {
	cat "$tmp/pack.err" >&2
	die "npm pack $PKG@$VERSION failed"
}
set -- "$tmp"/*.tgz
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	die "npm pack did not leave exactly one tarball in $tmp"
fi
tgz=$1

got=$(sha256_of "$tgz")
[ "$got" = "$TGZ_SHA256" ] ||
    die "$(basename "$tgz"): SHA-256 $got, expected $TGZ_SHA256"

mkdir "$tmp/x"
tar -xzf "$tgz" -C "$tmp/x" "$MEMBER" "$LICENSE" ||
    die "$(basename "$tgz"): cannot extract $MEMBER and $LICENSE"
got=$(sha256_of "$tmp/x/$MEMBER")
[ "$got" = "$MMDB_SHA256" ] ||
    die "$MEMBER: SHA-256 $got, expected $MMDB_SHA256"

install_file "$tmp/x/$LICENSE" "$destdir/NRO_LICENSE"
install_file "$tmp/x/$MEMBER" "$dest"
printf '%s  %s\n' "$MMDB_SHA256" "$(basename "$dest")" >"$tmp/sum"
install_file "$tmp/sum" "$dest.sha256"
echo "$prog: installed $dest ($PKG@$VERSION, licence in $destdir/NRO_LICENSE)"
