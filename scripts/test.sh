#!/usr/bin/env bash
# The second command: the whole test suite.  Installs what is missing,
# builds three ways with -Werror (gcc with AddressSanitizer and
# UndefinedBehaviorSanitizer, gcc release hardened, clang), runs the unit
# tests and originstatd once under valgrind memcheck, each libFuzzer target
# for OS_FUZZ_SECONDS (default 20), then every Check unit test and
# end-to-end test through CTest on the sanitizer build; tests that measure
# memory use the release build.
#   scripts/test.sh
#   OS_BUILD_DIR=dir scripts/test.sh      # build directories dir, dir-rel, dir-clang
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
dir=${OS_BUILD_DIR:-build-test}
jobs=$(nproc)

cmake -S . -B "$dir-rel" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOS_WERROR=ON >/dev/null
cmake --build "$dir-rel" -j "$jobs"
CC=clang cmake -S . -B "$dir-clang" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DOS_WERROR=ON >/dev/null
cmake --build "$dir-clang" -j "$jobs"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DOS_SANITIZE=ON \
	-DOS_WERROR=ON >/dev/null
cmake --build "$dir" -j "$jobs"

# Once under valgrind memcheck (release build), and each fuzz target for a
# bounded time; CTest runs last so that its summary closes the output.
scripts/valgrind.sh "$dir-rel"
OS_FUZZ_BUILD=$dir-fuzz scripts/fuzz.sh "${OS_FUZZ_SECONDS:-20}"

export OS_REL_BIN=$PWD/$dir-rel
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$dir"
ctest --output-on-failure -j "$jobs" --timeout 900
