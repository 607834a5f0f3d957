#!/bin/bash
# The in-process cache: a second (and third) message from the same host,
# over a second connection, makes no DNS query.  rbldnsd's query log
# shows exactly one query for the listed IPv4 host's name, one for the
# listed IPv6 host's name and one for the unlisted host's name (NXDOMAIN
# is cached too); the later decisions still carry the reason and score.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/dnsbl/dnsbl.sh"
dnsbl_require
plan 16

XBL=xbl.zm-test.net
REJ="ZM-DNSBL refused: listed"

zm_rbl_file xbl4 <<'EOF'
$SOA 300 ns.zm-test.net hostmaster.zm-test.net 1 1h 10m 1d 5m
$NS 300 ns.zm-test.net
:127.0.0.4:Listed in xbl: $
192.0.2.99
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbl_file xbl6 <<'EOF'
:127.0.0.4:Listed in xbl: $
2001:db8::99
EOF
zm_rbldnsd_start "$XBL:ip4set:xbl4" "$XBL:ip6trie:xbl6" || dnsbl_fail_all "rbldnsd did not start"

dnsbl_start "$ZM_RBL_PORT" \
    "$(dnsbl_quiet_window)" \
    "$(dnsbl_zone "$XBL" ip '127.0.0.4 infected 100')" \
    'dns_budget_ms = 1000' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 100' 'threshold_quarantine = 0' \
    "reply_reject = \"$REJ\""

session 192.0.2.99 A1
session 192.0.2.99 A2 A3
session 2001:db8::99 B1
session 2001:db8::99 B2
session 192.0.2.98 N1
session 192.0.2.98 N2

dnsbl_stop

for q in A1 A2 A3 B1 B2; do
    is "$(reply $q)" "eom replycode 550 5.7.1 $REJ" "$q from a listed host: 550 5.7.1"
done
for q in A1 A2 A3; do
    log_has "$(dl $q "action=reject host=192\.0\.2\.99 user=- score=100 reasons=dnsbl=xbl\.zm-test\.net:127\.0\.0\.4\(\+100\) rcpts=1")" \
        "$q logged with dnsbl=xbl.zm-test.net:127.0.0.4(+100)"
done
log_count "action=reject host=2001:db8::/64 user=- score=100 reasons=dnsbl=xbl\.zm-test\.net:127\.0\.0\.4\(\+100\) rcpts=1" 2 \
    "B1 and B2 logged with dnsbl=xbl.zm-test.net:127.0.0.4(+100)"
log_count "action=accept host=192\.0\.2\.98 user=- score=0 reasons=- rcpts=1" 2 "N1 and N2 accepted, score 0"

n=$(zm_rbldnsd_queries '99\.2\.0\.192\.xbl\.zm-test\.net')
is "$n" 1 "one DNS query for 99.2.0.192.xbl.zm-test.net for three messages over two connections"
[ "$n" = 1 ] || diag "$(zm_rbldnsd_query_lines '99\.2\.0\.192\.xbl\.zm-test\.net')"
q6=$(zm_dnsq qname 2001:db8::99 "$XBL" | sed 's/\./\\./g')
n=$(zm_rbldnsd_queries "$q6")
is "$n" 1 "one DNS query for the IPv6 host over two connections"
[ "$n" = 1 ] || diag "$(zm_rbldnsd_query_lines "$q6")"
n=$(zm_rbldnsd_queries '98\.2\.0\.192\.xbl\.zm-test\.net')
is "$n" 1 "one DNS query for the unlisted 98.2.0.192.xbl.zm-test.net (NXDOMAIN cached)"
[ "$n" = 1 ] || diag "$(zm_rbldnsd_query_lines '98\.2\.0\.192\.xbl\.zm-test\.net')"
diag "message times (ms): $(awk '$1 != "PROTO" { printf "%s=%s ", $1, $4 }' "$T/replies")"

[ "$zm_nfail" -gt 0 ] && dnsbl_diag
zm_done
