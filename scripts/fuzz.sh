#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/) with clang and run each on its seed
# corpus for SECONDS (default 60).  New inputs and any crash go to a fresh
# temporary directory, never into the repository; to keep a crasher, copy
# it to fuzz/corpus/TARGET/crash-NAME so the replay test reproduces it.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#   TARGET: decode_flow http tls proxy config capfile (default: all)
#   OS_FUZZ_BUILD=dir   build directory (default build-fuzz)
#   OS_FUZZ_OUT=dir     output directory (default: mktemp -d)
# Exit 0 when no target crashed, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(decode_flow http tls proxy config capfile)
fi
dir=${OS_FUZZ_BUILD:-build-fuzz}
out=${OS_FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/originstat-fuzz.XXXXXX")}

CC=clang cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DOS_FUZZ=ON >/dev/null
for t in "${targets[@]}"; do
	cmake --build "$dir" -j "$(nproc)" --target "fuzz_$t" >/dev/null
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rc=0
for t in "${targets[@]}"; do
	mkdir -p "$out/$t/new" "$out/$t/crashes"
	dict=()
	if [ -f "fuzz/$t.dict" ]; then
		dict=(-dict="fuzz/$t.dict")
	fi
	echo "fuzz_$t: ${secs}s, log $out/$t/log"
	if ! "$dir/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$out/$t/crashes/" "${dict[@]}" \
	    "$out/$t/new" "fuzz/corpus/$t" >"$out/$t/log" 2>&1; then
		rc=1
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss' \
	    "$out/$t/log" || true
	if [ -n "$(ls -A "$out/$t/crashes")" ]; then
		echo "fuzz_$t: CRASH, see $out/$t/crashes and $out/$t/log"
		rc=1
	fi
done
echo "output: $out"
exit $rc
