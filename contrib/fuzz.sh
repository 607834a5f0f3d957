#!/usr/bin/env bash
# contrib/fuzz.sh -- build the libFuzzer targets and run one.
#
#   contrib/fuzz.sh [SECONDS [TARGET]]     default: 60 seconds of spf
#   contrib/fuzz.sh build                  build only
#
# The targets (fuzz/fuzz_TARGET.c) are built with clang, libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/; the run
# starts from the seed corpus fuzz/corpus/TARGET/ and keeps the inputs it
# finds in a work directory ($ZM_FUZZ_WORK, else a fresh temp dir), never
# in the tree.  A crash, a sanitizer report or a leak stops the run with
# the input saved under build-fuzz/crashes/ and exit status 1; fix it, then
# add the input to fuzz/spf-hostile.txt (or the corpus) so it stays
# tested.  Runs for hours belong here, not in the test suite, which runs
# each target for a few seconds (t/fuzz/).
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
make -s -C build-fuzz -j"$(nproc)" fuzz/fuzz_spf >/dev/null
[ "${1:-}" = build ] && exit 0

secs=${1:-60}
target=${2:-spf}
bin=build-fuzz/fuzz/fuzz_$target
[ -x "$bin" ] || { echo "fuzz.sh: no target $target" >&2; exit 2; }
work=${ZM_FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/zm-fuzz.XXXXXX")}
mkdir -p "$work" build-fuzz/crashes
echo "fuzz.sh: $target for $secs s, new inputs in $work"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec "$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$top/build-fuzz/crashes/$target-" \
    "$work" "fuzz/corpus/$target"
