#!/usr/bin/env bash
# contrib/bench/redis-cost.sh keeps working: a brief run (100 hosts) exits
# 0 and prints each of its lines; a message costs 2 round trips whether
# it has a host only, a login too, or an IPv6 host with its delegated
# prefix (the subjects ride in the same pipeline); the busy-host runs and
# the busy key's size are reported.  Not a measurement: the CPU figures
# are only checked for their form.
. "$(dirname "$0")/../lib/common.sh"
for c in redis-server redis-cli python3; do
    command -v "$c" >/dev/null || { ok 1 "$c installed (contrib/deps.sh test)"; plan "$zm_ntest"; zm_done; }
done
ZM_BUILDDIR=$ZM_BUILDDIR "$ZM_TOP/contrib/bench/redis-cost.sh" 100 1 1 >"$T/cost.out" 2>&1
is "$?" 0 "contrib/bench/redis-cost.sh 100 1 1 exits 0"
us='[0-9]+\.[0-9] us Redis CPU per message'
like "$(grep '^host only:' "$T/cost.out")" "2\.00 round trips, 2\.00 commands, 1\.00 EVALSHA, $us" \
    "host only: 2 round trips, an EVALSHA a message"
like "$(grep '^with a login each:' "$T/cost.out")" "2\.00 round trips, 4\.00 commands, 2\.00 EVALSHA, $us" \
    "a login too: still 2 round trips, one EVALSHA more"
like "$(grep '^IPv6, a /56 each:' "$T/cost.out")" "2\.00 round trips, 4\.00 commands, 2\.00 EVALSHA, $us" \
    "an IPv6 host with its delegated /56: still 2 round trips, one EVALSHA more"
for n in 1 50; do
    like "$(grep "^busy, $n host(s):" "$T/cost.out")" "EVALSHA [0-9.]+ us, HGETALL [0-9.]+ us per call\$" \
        "busy, $n host(s): per-call costs reported"
done
like "$(grep '^busy host key:' "$T/cost.out")" '^busy host key: +[0-9]+ bytes \(MEMORY USAGE\), 605 fields$' \
    "the busy key has every bucket and full observation caps: 605 fields"
[ "$zm_nfail" -gt 0 ] && diag "$(cat "$T/cost.out")"
plan "$zm_ntest"
zm_done
