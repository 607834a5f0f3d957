#!/bin/bash
# The fuzz targets of the parsers of outside bytes (fuzz/fuzz_TARGET.c,
# built by contrib/test.sh or contrib/fuzz.sh in build-fuzz/ with
# libFuzzer, ASan and UBSan), briefly: the short form of
# `contrib/fuzz.sh SECONDS`, so the targets cannot rot.  For each of spf,
# logesc, fingerprint, address, config, event, redisreply, dnsbl, testmode
# and session (the state machine, callbacks in any order): every seed
# of fuzz/corpus/TARGET (real inputs, and the inputs found so far) runs
# clean, and 5 s of fuzzing from that corpus finds nothing (a crash, a
# sanitizer report, a leak, or a failed assertion of what the parser
# promises).
. "$(dirname "$0")/../lib/common.sh"
targets=(spf logesc fingerprint address config event redisreply dnsbl testmode
    session)
plan $((3 * ${#targets[@]}))
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
    bin=$ZM_TOP/build-fuzz/fuzz/fuzz_$t corpus=$ZM_TOP/fuzz/corpus/$t
    mkdir -p "$T/$t/work" "$T/$t/crash"
    n=$(ls "$corpus" | wc -l)
    ok "$([ -x "$bin" ] && [ "$n" -gt 0 ]; echo $?)" "$t: the target is built and has $n seeds"
    "$bin" -runs=0 -max_len=8192 -artifact_prefix="$T/$t/crash/" "$corpus" >"$T/$t/seeds.log" 2>&1
    is "$?" 0 "$t: all $n seeds run clean"
    "$bin" -max_total_time=5 -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$T/$t/crash/" "$T/$t/work" "$corpus" >"$T/$t/fuzz.log" 2>&1
    rc=$?
    is "$rc" 0 "$t: 5 s of fuzzing finds nothing"
    [ "$rc" = 0 ] || diag "$(grep -E 'ERROR|SUMMARY|==[0-9]+==' "$T/$t/fuzz.log" | head -10)"
    diag "$t: $(grep -E '^Done' "$T/$t/fuzz.log")"
done
zm_done
