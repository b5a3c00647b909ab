#!/usr/bin/env bash
# Run the whole test suite: install what is missing, build with
# AddressSanitizer and UndefinedBehaviorSanitizer and -Werror, run every
# Check unit test and end-to-end test through CTest.
#   scripts/test.sh            # sanitizer build in build-test/
#   OS_BUILD_DIR=dir scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
dir=${OS_BUILD_DIR:-build-test}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DOS_SANITIZE=ON \
	-DOS_WERROR=ON >/dev/null
cmake --build "$dir" -j "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$dir"
ctest --output-on-failure -j "$(nproc)" --timeout 900
