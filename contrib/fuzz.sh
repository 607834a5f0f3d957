#!/usr/bin/env bash
# contrib/fuzz.sh -- build the libFuzzer targets and run them.
#
#   contrib/fuzz.sh [SECONDS [TARGET]]     each target (or TARGET) for
#                                          SECONDS (default 60)
#   contrib/fuzz.sh build                  build only
#
# The targets (fuzz/fuzz_TARGET.c: spf, logesc, fingerprint, address,
# config, event, redisreply, dnsbl, testmode, session) are built with clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer in build-fuzz/; a run starts from the seed
# corpus fuzz/corpus/TARGET/ and keeps the inputs it finds in a work
# directory ($ZM_FUZZ_WORK/TARGET, else a fresh temp dir), never in the
# tree.  A crash, a sanitizer report, a failed assertion or a leak stops
# the run with the input saved under build-fuzz/crashes/ and exit status
# 1; fix it, then add the input to the target's corpus (or, for spf,
# fuzz/spf-hostile.txt) so it stays tested.  Each run ends with
# libFuzzer's statistics (executions per second, edges covered).  Runs
# for hours belong here, not in the test suite, which runs each target
# for a few seconds (t/fuzz/).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh fuzz
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p build-fuzz
if [ ! -f build-fuzz/Makefile ]; then
    (cd build-fuzz && ../configure -q --enable-fuzz CC=clang \
        CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined")
fi
targets=()
for f in fuzz/fuzz_*.c; do
    t=${f#fuzz/fuzz_}
    targets+=("${t%.c}")
done
make -s -C build-fuzz -j"$(nproc)" "${targets[@]/#/fuzz/fuzz_}" >/dev/null
[ "${1:-}" = build ] && exit 0

secs=${1:-60}
[ -n "${2:-}" ] && targets=("$2")
work=${ZM_FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/zm-fuzz.XXXXXX")}
mkdir -p build-fuzz/crashes
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for target in "${targets[@]}"; do
    bin=build-fuzz/fuzz/fuzz_$target
    [ -x "$bin" ] || { echo "fuzz.sh: no target $target" >&2; exit 2; }
    mkdir -p "$work/$target"
    echo "fuzz.sh: $target for $secs s, new inputs in $work/$target"
    TIMEFORMAT="fuzz.sh: $target: %R s, %U s user and %S s system CPU"
    time "$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$top/build-fuzz/crashes/$target-" \
        "$work/$target" "fuzz/corpus/$target" || status=1
done
exit $status
