#!/usr/bin/env bash
# The Sendmail benchmark keeps working: a brief contrib/bench/sendmail.sh
# run (5 sessions, 30 messages, one run per target) exits 0, prints its
# table with a row for each of none, noop and zm, and zombie-milter
# decided every message with a plain accept.  Not a measurement: the
# numbers are only checked for their form.
. "$(dirname "$0")/../lib/common.sh"

if [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP a private Sendmail needs root"; exit 0
fi
for c in smtp-source smtp-sink m4 unshare; do
    command -v "$c" >/dev/null || { ok 1 "$c installed (contrib/deps.sh test)"; plan "$zm_ntest"; zm_done; }
done
ZM_BUILDDIR=$ZM_BUILDDIR "$ZM_TOP/contrib/bench/sendmail.sh" -s 5 -m 30 -n 1 -w 0 \
    >"$T/bench.out" 2>&1
rc=$?
is "$rc" 0 "contrib/bench/sendmail.sh -s 5 -m 30 -n 1 -w 0 exits 0"
row='[0-9]+\.[0-9] +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} +[0-9.]+$'
for t in none noop zm; do
    like "$(grep "^$t " "$T/bench.out")" "^$t +$row" "a table row for $t: msgs/s and both ratios"
done
like "$(grep '^# zombie-milter:' "$T/bench.out")" \
    '^# zombie-milter: 30 decisions for 30 messages, 30 of them a plain accept' \
    "zombie-milter decided every message, each a plain accept"
[ "$zm_nfail" -gt 0 ] && diag "$(cat "$T/bench.out")"
plan "$zm_ntest"
zm_done
