#!/usr/bin/env bash
# The README's -t example, and -t without a working DNS.
#   - the README's try.tx, judged with the sample configuration and the
#     README's private rbldnsd recipe (its commands run as written, on a
#     free port instead of 5353), prints exactly the README's verdict
#     lines, exit 0, and nothing on standard error;
#   - with dns_forwarders at a loopback port where nothing answers: the
#     same four verdicts without spf= (unknown scores nothing), exit 0,
#     and the README's warning on standard error exactly once, for the
#     run, not for each message; with a server that never answers
#     (timeouts), the same.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/rbldnsd.sh"
plan 9
[ -x "$ZM_BIN" ] || { ok 1 "no milter binary at $ZM_BIN"; exit 1; }

# The README's example: try.tx, the verdicts, the recipe, the warning.
readme=$ZM_TOP/README
sed -n '/^    \$ cat try\.tx$/,/^    \$ zombie-milter -c/p' "$readme" |
    sed -e '1d' -e '$d' -e 's/^    //' >"$T/try.tx"
sed -n 's/^    \(try\.tx:[^ ]*: action=.*\)$/\1/p' "$readme" >"$T/want.out"
warning=$(sed -n 's/^    \(zombie-milter: DNS lookups failed.*\)$/\1/p' "$readme")
recipe=$(sed -n '/^    \$ mkdir spf /,/^    \$ rbldnsd /p' "$readme" | sed 's/^    \$ //')
ok "$([ "$(wc -l <"$T/try.tx")" = 3 ] && [ "$(wc -l <"$T/want.out")" = 4 ] &&
    [ -n "$warning" ] && [ "$(printf '%s\n' "$recipe" | wc -l)" = 3 ]; echo $?)" \
    "the README has the example: 3 transactions, 4 verdicts, the recipe, the warning"
echo "a body" >"$T/spam.txt"

# The recipe's two files, made by its own commands; its datasets served by
# the suite's rbldnsd on a free port.
(cd "$T" && eval "$(printf '%s\n' "$recipe" | sed -n '1,2p')")
zm_rbl_file net <"$T/spf/net"
zm_rbl_file example <"$T/spf/example"
read -r -a sets <<<"$(printf '%s\n' "$recipe" | sed -n '3s/.* -w spf \([^&]*\)&\{0,1\}$/\1/p')"
zm_rbldnsd_start "${sets[@]}" || { ok 1 "rbldnsd did not start"; exit 1; }
cfg() { cat "$ZM_TOP/etc/zombie-milter.conf"; echo "dns_forwarders = { \"127.0.0.1@$1\" }"; }

cfg "$ZM_RBL_PORT" >"$T/try.conf"
(cd "$T" && "$ZM_BIN" -c try.conf -t try.tx >"$T/got.out" 2>"$T/got.err"); rc=$?
is "$rc" 0 "with the records served: exit 0"
is "$(cat "$T/got.out")" "$(cat "$T/want.out")" "the README's verdict lines, exactly"
is "$(cat "$T/got.err")" "" "and no warning"

dead=$(zm_free_udp_port)
cfg "$dead" >"$T/dead.conf"
(cd "$T" && "$ZM_BIN" -c dead.conf -t try.tx >"$T/dead.out" 2>"$T/dead.err"); rc=$?
is "$rc $(grep -c 'action=' "$T/dead.out")" "0 4" "no DNS server (a dead port): exit 0, the four verdicts"
is "$(grep -c 'spf=' "$T/dead.out")" 0 "SPF unknown: no spf= reason"
is "$(cat "$T/dead.err")" "$warning" "the warning, exactly once for the run"

zm_blackhole_start || { ok 1 "the silent DNS server did not start"; exit 1; }
cfg "$ZM_BH_PORT" >"$T/bh.conf"
(cd "$T" && "$ZM_BIN" -c bh.conf -t try.tx >"$T/bh.out" 2>"$T/bh.err"); rc=$?
is "$rc $(grep -c 'action=' "$T/bh.out")" "0 4" "a server that never answers: exit 0, the four verdicts"
is "$(cat "$T/bh.err")" "$warning" "the warning, once"
zm_done
