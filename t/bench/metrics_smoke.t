#!/usr/bin/env bash
# The metrics benchmark keeps working: contrib/bench/metrics.sh, briefly
# (2 runs of each kind, 200 connections), prints its table with both
# kinds, the scraped/quiet ratios and the scrapes made, and reports no
# failure (every message accepted, every scrape answered).  Not a
# measurement: the numbers are only checked for their form.
. "$(dirname "$0")/../lib/common.sh"
plan 6

"$ZM_TOP/contrib/bench/metrics.sh" -c 8 -n 200 -m 2 -R 2 -i 0.02 >"$T/out" 2>"$T/err"
is "$?" 0 "metrics.sh exits 0"
is "$(cat "$T/err")" "" "and reports no failure"
like "$(grep '^quiet ' "$T/out")" '^quiet +[0-9]+ +[0-9.]+ +[0-9.]+$' "a line for the quiet runs"
like "$(grep '^scraped ' "$T/out")" '^scraped +[0-9]+ +[0-9.]+ +[0-9.]+$' "a line for the scraped runs"
like "$(grep '^scraped/quiet' "$T/out")" '^scraped/quiet: msgs/s [0-9.]+, p50 [0-9.]+, p99 [0-9.]+$' "the ratios"
n=$(sed -n 's/^scrapes: \([0-9]*\) in the scraped runs.*/\1/p' "$T/out")
ok "$([ "${n:-0}" -ge 2 ]; echo $?)" "scrapes were made during the scraped runs (${n:-0})"
[ "$zm_nfail" -gt 0 ] && diag "$(cat "$T/out" "$T/err")"
zm_done
