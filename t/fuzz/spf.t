#!/bin/bash
# The SPF fuzz target (fuzz/fuzz_spf.c; its seeds and a brief run are in
# t/fuzz/parsers.t, with the other targets) sees what it is for: past our
# checker (ZM_FUZZ_UNCHECKED=1) the security report's record still
# crashes libspf2's compiler, so the hazard is real and the harness sees
# it.
. "$(dirname "$0")/../lib/common.sh"
BIN=$ZM_TOP/build-fuzz/fuzz/fuzz_spf
CORPUS=$ZM_TOP/fuzz/corpus/spf
plan 2
[ -x "$BIN" ] || { ok 1 "fuzz target built in build-fuzz/ (contrib/fuzz.sh build)"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir "$T/crash"
hostile=$(grep -l 'A\{3900\}' "$CORPUS"/* | head -1)
ok "$([ -n "$hostile" ]; echo $?)" "the report's record is in the corpus"
# the crash report is expected here: not a *.log, which common.sh would
# take for a finding
ZM_FUZZ_UNCHECKED=1 "$BIN" -artifact_prefix="$T/crash/" "$hostile" >"$T/unchecked.expected" 2>&1
like "$(cat "$T/unchecked.expected")" 'stack smashing detected|deadly signal' \
    "unchecked, that record crashes libspf2's compiler (the harness sees it)"
zm_done
