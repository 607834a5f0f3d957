#!/bin/bash
# DNS queries in flight are capped, per session and in all (resolver.h),
# against a DNS server (t/lib/dnsserve.py) that answers the lists' health
# checks and never the names under loop(b).example.net, so every lookup of
# those stays in flight; two domain lists (RHSBL), dns_budget_ms 300:
#   - milter A: one session loops EHLO with 40 fresh names (80 lookups):
#     64 reach the server (the session's cap), the cap is logged once for
#     that host, and its message is still answered within the budget and
#     accepted (unknown, never listed);
#   - milter A: a HELO name that makes a query name longer than 253 bytes
#     with a list's zone is never sent (unknown, on purpose); its message
#     is answered;
#   - milter B, dns_max_queries = 16: a session of 20 EHLOs (40 lookups,
#     under its own cap) meets the total's: 16 queries reach the server,
#     the limit is logged once, the message is answered.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
sig_require
cat >"$T/zone" <<ZONE
test.dbl1.zm-test.net A 127.0.0.2
test.dbl2.zm-test.net A 127.0.0.2
loop.example.net.dbl1.zm-test.net DROP
loop.example.net.dbl2.zm-test.net DROP
loopb.example.net.dbl1.zm-test.net DROP
loopb.example.net.dbl2.zm-test.net DROP
ZONE
zm_dnsserve_start "$T/zone" || sig_fail_all "dnsserve.py did not start"

zones() {
    printf 'dnsbl "dbl1.zm-test.net" {\n type = "domain"\n codes = { "127.0.0.2 spam 50" }\n}\n'
    printf 'dnsbl "dbl2.zm-test.net" {\n type = "domain"\n codes = { "127.0.0.2 spam 50" }\n}\n'
}
common=("dns_forwarders = { \"127.0.0.1@$ZM_DS_PORT\" }" 'spf = false' 'bulk = false'
    'dns_budget_ms = 300' 'dns_health_interval = 0' "$(sig_quiet_window)" "$(zones)")
sig_start A "${common[@]}"
sig_start B "${common[@]}" 'dns_max_queries = 16'
BUDGET=300
SLACK=1500

# the distinct names of the queries logged after line MARK matching ERE
mark() { wc -l <"$ZM_DS_LOG"; }
sent_since() { tail -n +$(($1 + 1)) "$ZM_DS_LOG" | awk '{ print $1 }' | grep -E "$2" | sort -u | wc -l | tr -d ' '; }
zs() { # PORT ARGS...: one zmsession.py session, lines into $T/replies
    local port=$1; shift
    ZM_PORT=$port PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_TOP/t/dnsbl/zmsession.py" "$@" \
        >>"$T/replies" 2>>"$T/session.err"
}
ms() { awk -v q="$1" '$1 == q { print $4; exit }' "$T/replies"; }
rep() { awk -v q="$1" '$1 == q { r = $3; if ($2 == "eom" && r == "continue") r = "accept"; print $2, r; exit }' "$T/replies"; }
within() { local e; e=$(ms "$1"); ok "$([ -n "$e" ] && [ "$e" -lt "$2" ]; echo $?)" "$1 answered in ${e:-(none)} ms (< $2)"; }

m=$(mark)
zs "${SIG_PORT[A]}" --helo-loop 40 192.0.2.80 LOOP
is "$?" 0 "A: a session of 40 EHLOs with fresh names ran"
is "$(rep LOOP)" "eom accept" "LOOP: accepted (lookups unknown, never listed)"
within LOOP $((BUDGET + SLACK))
sleep 1
is "$(sent_since "$m" 'loop\.example\.net\.dbl[12]\.')" 64 \
    "of 80 lookups, 64 reached the server (the session's cap)"
zm_file_count "$T/A.log" 'host 192\.0\.2\.80: more than 64 DNS queries in flight in one session; its further lookups are unknown' 1 \
    "A logs the session's cap once, naming the host"
sig_decision A LOOP "action=accept host=192.0.2.80 user=- score=0 reasons=- rcpts=1" \
    "LOOP logged: accept score=0 reasons=-"

long=$(printf 'longhelo%.0s' 1); for i in 1 2 3; do long="$long.$(head -c 60 /dev/zero | tr '\0' l)"; done
long="$long.$(head -c 40 /dev/zero | tr '\0' m).example.net"
is "${#long}" 244 "a HELO name of 244 bytes (253 at most), 261 with .dbl1.zm-test.net"
m=$(mark)
zs "${SIG_PORT[A]}" --helo "$long" 192.0.2.81 LONG
is "$(rep LONG)" "eom accept" "LONG: answered, accepted"
sleep 0.5
is "$(sent_since "$m" '^longhelo')" 0 "the query name longer than 253 bytes never reached the server"

m=$(mark)
zs "${SIG_PORT[B]}" --helo-loop 20 --loop-base loopb.example.net 192.0.2.90 TOTAL
is "$(rep TOTAL)" "eom accept" "TOTAL: answered, accepted"
within TOTAL $((BUDGET + SLACK))
sleep 1
is "$(sent_since "$m" 'loopb\.example\.net\.dbl[12]\.')" 16 \
    "of 40 lookups, 16 reached the server (the total's cap)"
zm_file_count "$T/B.log" 'dns: 16 queries in flight, the limit \(dns_max_queries\): new lookups are unknown until answers come' 1 \
    "B logs the total's cap once"
zm_file_lacks "$T/B.log" 'more than 64 DNS queries' "B's session stayed under its own cap"

[ -s "$T/session.err" ] && diag "sessions: $(cat "$T/session.err")"
sig_stop A B
[ "$zm_nfail" -gt 0 ] && sig_diag A B
plan "$zm_ntest"
zm_done
