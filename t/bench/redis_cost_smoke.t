#!/usr/bin/env bash
# contrib/bench/redis-cost.sh keeps working: a brief run (100 hosts) exits
# 0 and prints each of its lines; a message costs 2 round trips whether
# it has a host only, a login too, or an IPv6 host with its delegated
# prefix (the subjects ride in the same pipeline); a busy host costs one
# EVALSHA a message; a sweep deletes what left the counts during the run;
# keys the previous version left carry on in the new form; the busy key's
# size is reported.  Not a measurement: the CPU figures are only checked
# for their form.
. "$(dirname "$0")/../lib/common.sh"
for c in redis-server redis-cli python3; do
    command -v "$c" >/dev/null || { ok 1 "$c installed (contrib/deps.sh test)"; plan "$zm_ntest"; zm_done; }
done
ZM_BUILDDIR=$ZM_BUILDDIR "$ZM_TOP/contrib/bench/redis-cost.sh" 100 1 1 >"$T/cost.out" 2>&1
is "$?" 0 "contrib/bench/redis-cost.sh 100 1 1 exits 0"
us='[0-9]+\.[0-9] us Redis CPU, [0-9]+\.[0-9] us in commands per message'
calls='EVALSHA p50 [0-9]+, p99 [0-9]+, max [0-9]+ us'
like "$(grep '^defaults:' "$T/cost.out")" "2\.00 round trips, 5\.00 commands, 1\.00 EVALSHA, $us\$" \
    "the defaults: 2 round trips, the script and the body's PFADD, EXPIRE, PFCOUNT"
like "$(grep '^defaults, 100 hosts:' "$T/cost.out")" "2\.00 round trips, 5\.00 commands, 1\.00 EVALSHA, $us; $calls\$" \
    "the defaults again: EVALSHA's time per call reported"
like "$(grep '^host only:' "$T/cost.out")" "2\.00 round trips, 2\.00 commands, 1\.00 EVALSHA, $us" \
    "host only: 2 round trips, an EVALSHA a message"
like "$(grep '^with a login each:' "$T/cost.out")" "2\.00 round trips, 4\.00 commands, 2\.00 EVALSHA, $us" \
    "a login too: still 2 round trips, one EVALSHA more"
like "$(grep '^IPv6, a /56 each:' "$T/cost.out")" "2\.00 round trips, 4\.00 commands, 2\.00 EVALSHA, $us" \
    "an IPv6 host with its delegated /56: still 2 round trips, one EVALSHA more"
for n in 1 50; do
    # (and a MAIL FROM check a second for each host)
    like "$(grep "^busy, $n host(s):" "$T/cost.out")" "1\.0[0-9] round trips, 1\.0[0-9] commands, 1\.00 EVALSHA, $us; $calls\$" \
        "busy, $n host(s): one round trip, one EVALSHA a message, its time per call reported"
done
like "$(grep '^busy, sweeping 600:' "$T/cost.out")" "$us; $calls; 0 of the 600 left\$" \
    "busy, sweeping: the 600 domains gone from the counts were deleted during the run"
like "$(grep '^busy, 50 earlier-version keys:' "$T/cost.out")" "$us; $calls; 50 of 50 carry on in this version's form\$" \
    "the previous version's busy keys are read on and carry on in the new form"
like "$(grep '^busy host key:' "$T/cost.out")" '^busy host key: +[0-9]+ bytes \(MEMORY USAGE\), 607 fields$' \
    "the busy key has every bucket and full observation caps: 607 fields"
[ "$zm_nfail" -gt 0 ] && diag "$(cat "$T/cost.out")"
plan "$zm_ntest"
zm_done
