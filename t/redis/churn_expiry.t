#!/bin/bash
# t/redis/churn_expiry.t -- the short form of contrib/bench/redis-churn.sh:
# 2,000 distinct IPv6 hosts, one message each, through the milter into a
# private Redis with 60-second windows; every key it holds has a TTL at
# every sample, three keys a host at the peak (the /64's and the /56's
# zm:rate, the body's zm:fp), and all are gone within 120 s of the last
# message, Redis's memory back where it started.
. "$(dirname "$0")/../lib/common.sh"
command -v redis-server >/dev/null || { echo "1..0 # SKIP no redis-server"; exit 0; }
plan 4
out=$("$ZM_TOP/contrib/bench/redis-churn.sh" 2000 2>&1); rc=$?
diag "$(printf '%s\n' "$out" | grep -E '^(load|churn):')"
is "$rc" 0 "redis-churn.sh 2000 exits 0"
like "$out" "load: msgs=2000 .* errors=0 replies=accept:2000," "2000 messages, each accepted"
like "$out" "at most 6000 keys, .*; keys without a TTL in 0 samples" \
    "every key has a TTL; 3 keys a host at the peak"
like "$out" "; 0 keys left [0-9]+ s after the last message" "every key expired"
zm_done
