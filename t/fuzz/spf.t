#!/bin/bash
# The SPF fuzz target (fuzz/fuzz_spf.c, built by contrib/test.sh or
# contrib/fuzz.sh in build-fuzz/ with libFuzzer, ASan and UBSan), briefly:
# the short form of `contrib/fuzz.sh SECONDS`, so the target cannot rot.
#   - every seed of fuzz/corpus/spf (real records, the RFC 7208 suite, the
#     hostile records found so far) runs clean;
#   - 15 s of fuzzing from that corpus finds nothing;
#   - past our checker (ZM_FUZZ_UNCHECKED=1) the security report's record
#     still crashes libspf2's compiler: the hazard is real and the harness
#     sees it.
. "$(dirname "$0")/../lib/common.sh"
BIN=$ZM_TOP/build-fuzz/fuzz/fuzz_spf
CORPUS=$ZM_TOP/fuzz/corpus/spf
plan 5
[ -x "$BIN" ] || { ok 1 "fuzz target built in build-fuzz/ (contrib/fuzz.sh build)"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir "$T/work" "$T/crash"
n=$(ls "$CORPUS" | wc -l)
"$BIN" -runs=0 -max_len=8192 -artifact_prefix="$T/crash/" "$CORPUS" >"$T/seeds.log" 2>&1
is "$?" 0 "all $n seeds run clean"
"$BIN" -max_total_time=15 -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$T/crash/" "$T/work" "$CORPUS" >"$T/fuzz.log" 2>&1
rc=$?
is "$rc" 0 "15 s of fuzzing: no crash, no sanitizer report, no leak"
[ "$rc" = 0 ] || diag "$(grep -E 'ERROR|SUMMARY|==[0-9]+==' "$T/fuzz.log" | head -20)"
like "$(tail -n 20 "$T/fuzz.log")" '^Done [0-9]+ runs' "the fuzzer ran to its time"
diag "$(grep -E '^Done' "$T/fuzz.log")"
hostile=$(grep -l 'A\{3900\}' "$CORPUS"/* | head -1)
ok "$([ -n "$hostile" ]; echo $?)" "the report's record is in the corpus"
ZM_FUZZ_UNCHECKED=1 "$BIN" -artifact_prefix="$T/crash/" "$hostile" >"$T/unchecked.log" 2>&1
like "$(cat "$T/unchecked.log")" 'stack smashing detected|deadly signal' \
    "unchecked, that record crashes libspf2's compiler (the harness sees it)"
zm_done
