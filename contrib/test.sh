#!/usr/bin/env bash
# contrib/test.sh -- install what is missing, build, run the whole suite.
#
# The suite runs against a plain build (build/), then against an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/), where
# any sanitizer report, leaks included, fails the test that caused it;
# then its tests with threads at work -- the unit tests, the milter
# protocol, Redis, Redis faults, DNSBL, the benchmark smoke tests and the
# short soak -- run against a ThreadSanitizer build (build-tsan/, clang),
# where any report fails the test too (contrib/tsan.supp: only
# libmilter's own code is suppressed, and why).
# The libFuzzer targets are built too (build-fuzz/, clang), and t/fuzz/
# runs each briefly, in the first run only (they are the same binaries
# whatever the build).
# Each run is `prove` over the t/ directories (cmocka unit tests, the real
# binary through miltertest and the protocol, private Redis, DNS and
# Postfix servers).  Then, once and against no build of these, the
# Debian package is built from the committed tree, installed and purged
# (t/pkg/package.t: slow, a whole compile).  The last line totals all
# runs.
#
#   contrib/test.sh            everything
#   ZM_SANITIZE=0 contrib/test.sh   plain build only (and the package)
#   contrib/test.sh t/proto/x.t     selected tests (every build; a test
#                                   the TSan run does not take is left
#                                   out of it; t/pkg/package.t runs once,
#                                   and alone it needs no build)
set -uo pipefail
shopt -s nullglob
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh test || exit 1
[ -x configure ] || ./autogen.sh >/dev/null || exit 1

build() {	# build DIR [CFLAGS [CONFIGURE-ARGS...]]
    local dir=$1 cflags=${2:-}
    shift 2 2>/dev/null || shift $#
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ]; then
        (cd "$dir" && ../configure -q CFLAGS="-g -O2 $cflags" "$@") || return 1
    fi
    make -s -C "$dir" -j"$(nproc)" all >/dev/null || return 1
    make -s -C "$dir" -j"$(nproc)" check TESTS= >/dev/null
}

tests=("$@")
# the longest first (prove -j2 starts them in this order)
[ ${#tests[@]} -gt 0 ] || tests=(t/soak/*.t t/e2e/*.t t/redis/churn_expiry.t t/unit/*.t t/cli/*.t t/proto/*.t t/redis/*.t t/redis-faults/*.t t/dnsbl/*.t t/signals/*.t t/spf/*.t t/fuzz/*.t t/replay/*.t t/bench/*.t t/pkg/*.t)
# (a test named twice runs once)
mapfile -t tests < <(printf '%s\n' "${tests[@]}" | awk '!seen[$0]++')
# the package's tests run once, after the builds' runs, not in them
pkg_tests=() rest=()
for t in "${tests[@]}"; do
    case $t in
    t/pkg/*) pkg_tests+=("$t") ;;
    *) rest+=("$t") ;;
    esac
done
tests=("${rest[@]}")

asan_flags="-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
tsan_flags="-O1 -fsanitize=thread -fno-omit-frame-pointer"
fail() { echo "$1"; echo "0 passed, 1 failed"; exit 1; }
builds=()
# (with only the package's tests named, no build is needed)
if [ ${#tests[@]} -gt 0 ]; then
    builds=(build)
    build build || fail "build failed"
    contrib/fuzz.sh build || fail "fuzz target build failed"
    if [ "${ZM_SANITIZE:-1}" = 1 ]; then
        build build-asan "$asan_flags" || fail "sanitizer build failed"
        builds+=(build-asan)
        # TSan maps its shadow memory at fixed places, which more than 28
        # bits of mmap randomisation can collide with: lower it for the run
        tsan=1
        rnd=$(sysctl -n vm.mmap_rnd_bits 2>/dev/null || echo 28)
        if [ "$rnd" -gt 28 ]; then
            if sysctl -qw vm.mmap_rnd_bits=28 2>/dev/null; then
                trap 'sysctl -qw vm.mmap_rnd_bits='"$rnd" EXIT
            else
                echo "test.sh: no ThreadSanitizer run: it needs vm.mmap_rnd_bits <= 28 (now $rnd), and it cannot be set here"
                tsan=0
            fi
        fi
        if [ "$tsan" = 1 ]; then
            build build-tsan "$tsan_flags" CC=clang || fail "ThreadSanitizer build failed"
            builds+=(build-tsan)
        fi
    fi
fi

tsan_tests=()	# of those, the ones with threads at work
for t in "${tests[@]}"; do
    case $t in
    t/unit/* | t/proto/* | t/redis/* | t/redis-faults/* | t/dnsbl/* | \
    t/bench/*smoke* | t/soak/*) tsan_tests+=("$t") ;;
    esac
done

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="suppressions=$top/contrib/tsan.supp:halt_on_error=0:exitcode=66:second_deadlock_stack=1"
passed=0 failed=0 status=0
# prove_count BUILDDIR SCRIPT...: one prove run, added to the totals
prove_count() {
    local dir=$1 out rc total bad
    shift
    out=$(mktemp)
    ZM_BUILDDIR=$dir prove -f -j2 "$@" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$out")
    # prove's summary: each failed script with its failed tests; one that
    # passed every test but exited non-zero (died before its plan, or a
    # sanitizer report found at its end) counts as one failure
    bad=$(sed -n 's/.*(Wstat: [0-9]* .*Tests: [0-9]* Failed: \([0-9]*\)).*/\1/p' "$out" |
        awk '{s += ($1 > 0 ? $1 : 1)} END {print s + 0}')
    [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
    passed=$((passed + ${total:-0} - bad))
    failed=$((failed + bad))
    [ "$rc" -eq 0 ] || status=1
    rm -f "$out"
}
for b in "${builds[@]}"; do
    run=("${tests[@]}")
    # the fuzz targets are build-fuzz/'s whatever the build: once is enough
    [ "$b" = "${builds[0]}" ] || mapfile -t run < <(printf '%s\n' "${run[@]}" | grep -v '^t/fuzz/')
    [ "$b" = build-tsan ] && run=("${tsan_tests[@]}")
    [ ${#run[@]} -gt 0 ] || continue
    echo "=== suite against $b/"
    prove_count "$top/$b" "${run[@]}"
done
if [ ${#pkg_tests[@]} -gt 0 ]; then
    echo "=== the Debian package, once"
    prove_count "$top/build" "${pkg_tests[@]}"
fi
echo "all builds: $passed passed, $failed failed"
exit $status
