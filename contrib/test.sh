#!/usr/bin/env bash
# contrib/test.sh -- install what is missing, build, run the whole suite.
#
# The suite runs twice: against a plain build (build/) and against an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/), where
# any sanitizer report, leaks included, fails the test that caused it.
# The libFuzzer targets are built too (build-fuzz/, clang), and t/fuzz/
# runs each briefly.
# Each run is `prove` over t/unit (cmocka), t/proto (miltertest against
# the real binary) and t/e2e (a private Postfix); the last line totals both.
#
#   contrib/test.sh            everything
#   ZM_SANITIZE=0 contrib/test.sh   plain build only
#   contrib/test.sh t/proto/x.t     selected tests (both builds)
set -uo pipefail
shopt -s nullglob
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh test || exit 1
[ -x configure ] || ./autogen.sh >/dev/null || exit 1

build() {	# build DIR [CFLAGS]
    local dir=$1 cflags=${2:-}
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ]; then
        (cd "$dir" && ../configure -q CFLAGS="-g -O2 $cflags") || return 1
    fi
    make -s -C "$dir" -j"$(nproc)" all >/dev/null || return 1
    make -s -C "$dir" -j"$(nproc)" check TESTS= >/dev/null
}

asan_flags="-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
builds=(build)
build build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
contrib/fuzz.sh build ||
    { echo "fuzz target build failed"; echo "0 passed, 1 failed"; exit 1; }
if [ "${ZM_SANITIZE:-1}" = 1 ]; then
    build build-asan "$asan_flags" ||
        { echo "sanitizer build failed"; echo "0 passed, 1 failed"; exit 1; }
    builds+=(build-asan)
fi

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t/unit/*.t t/cli/*.t t/proto/*.t t/redis/*.t t/redis-faults/*.t t/dnsbl/*.t t/signals/*.t t/spf/*.t t/fuzz/*.t t/replay/*.t t/bench/*.t t/e2e/*.t)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
passed=0 failed=0 status=0
for b in "${builds[@]}"; do
    echo "=== suite against $b/"
    out=$(mktemp)
    ZM_BUILDDIR=$top/$b prove -f -j2 "${tests[@]}" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$out")
    bad=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$out" |
        awk '{s += $1} END {print s + 0}')
    # A script that died before its plan counts as one failure.
    [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
    passed=$((passed + ${total:-0} - bad))
    failed=$((failed + bad))
    [ "$rc" -eq 0 ] || status=1
    rm -f "$out"
done
echo "all builds: $passed passed, $failed failed"
exit $status
