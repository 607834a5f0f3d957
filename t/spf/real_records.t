#!/bin/bash
# Real SPF records (t/data/spf/real.txt: 179 records published by real
# domains, quoted in public sources) all pass our checker (lib/spfrec.c:
# grammar and limits) and libspf2 compiles what it makes of each: the
# stricter limits refuse none of them.
. "$(dirname "$0")/../lib/common.sh"
TOOL=$ZM_BUILDDIR/t/spf/spfcheck
plan 4
[ -x "$TOOL" ] || { ok 1 "spfcheck built in $ZM_BUILDDIR"; exit 1; }
out=$("$TOOL" records "$ZM_TOP/t/data/spf/real.txt")
is "$?" 0 "spfcheck reads the corpus"
n=$(grep -c $'^[^#].*\t' "$ZM_TOP/t/data/spf/real.txt")
ok "$([ "$n" -ge 150 ]; echo $?)" "the corpus holds $n records (150 at least)"
is "$(grep -c '^ok ' <<<"$out")" "$n" "every record passes the checker and compiles in libspf2"
is "$(grep -v '^ok ' <<<"$out")" "" "none refused, none failing in libspf2"
longest=$(cut -f2 "$ZM_TOP/t/data/spf/real.txt" | grep '^v=spf1' | awk '{ if (length > m) m = length } END { print m }')
diag "$n records, the longest $longest bytes, $(grep -c '%{' "$ZM_TOP/t/data/spf/real.txt") with macros"
zm_done
