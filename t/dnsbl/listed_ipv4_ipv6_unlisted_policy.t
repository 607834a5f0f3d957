#!/bin/bash
# DNSBL on the client address, against a private rbldnsd:
#   xbl.zm-test.net, an infection list (ip4set + ip6trie), "127.0.0.4
#   infected 100": a listed IPv4 client and a listed IPv6 client (one exact
#   /128, one inside a listed /64) get dnsbl=xbl.zm-test.net:127.0.0.4(+100)
#   and 100 points, which is the reject threshold: 550 5.7.1 with the text;
#   a code the zone does not map (127.0.0.9) is a reason with no points;
#   pbl.zm-test.net, a policy list, "127.0.0.10-127.0.0.11 policy 0": a
#   listing is shown bare (no points) and the message is accepted;
#   unlisted IPv4 / IPv6 clients: score 0, reasons -.
# The query names are the reversed octets / the 32 reversed nibbles.
# With only "ip" zones, SPF off and no HELO checks the milter negotiates
# HELO away.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/dnsbl/dnsbl.sh"
dnsbl_require
plan 32

XBL=xbl.zm-test.net
PBL=pbl.zm-test.net
REJ="ZM-DNSBL refused: your address is listed"

zm_rbl_file xbl4 <<'EOF'
:127.0.0.4:Listed in xbl: $
192.0.2.99
203.0.113.50
203.0.113.9 :127.0.0.9:Listed with a code nobody maps
# RFC 5782 test point
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbl_file xbl6 <<'EOF'
:127.0.0.4:Listed in xbl: $
2001:db8::99
2001:db8:5:6::/64
EOF
zm_rbl_file pbl4 <<'EOF'
:127.0.0.10:Dynamic range $
198.51.100.10
203.0.113.50
198.51.100.11 :127.0.0.11:Dynamic range (other code) $
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbldnsd_start "$XBL:ip4set:xbl4" "$XBL:ip6trie:xbl6" "$PBL:ip4set:pbl4" ||
    dnsbl_fail_all "rbldnsd did not start"

dnsbl_start "$ZM_RBL_PORT" \
    "$(dnsbl_quiet_window)" \
    "$(dnsbl_zone "$XBL" ip '127.0.0.4 infected 100')" \
    "$(dnsbl_zone "$PBL" ip '127.0.0.10-127.0.0.11 policy 0')" \
    'dns_budget_ms = 1000' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 100' 'threshold_quarantine = 0' \
    "reply_reject = \"$REJ\"" \
    'helo_ip_points = 0' 'helo_not_fqdn_points = 0' 'helo_self_points = 0' \
    'helo_freemail_points = 0'

session 192.0.2.99 L4
session 2001:db8::99 L6
session 2001:db8:5:6::1234 L6N
session 192.0.2.98 U4
session 2001:db8:7::1 U6
session 198.51.100.10 P10
session 198.51.100.11 P11
session 203.0.113.9 C9
session 203.0.113.50 XP

dnsbl_stop

is "$(proto_of L4)" "nohelo=1 nr_helo=0" "only ip zones, no HELO checks: HELO negotiated away"

is "$(reply L4)" "eom replycode 550 5.7.1 $REJ" "listed IPv4 192.0.2.99: 550 5.7.1 reply_reject"
log_has "$(dl L4 "action=reject host=192\.0\.2\.99 user=- score=100 reasons=dnsbl=xbl\.zm-test\.net:127\.0\.0\.4\(\+100\) rcpts=1")" \
    "L4 logged: reject score=100 reasons=dnsbl=xbl.zm-test.net:127.0.0.4(+100)"
is "$(reply L6)" "eom replycode 550 5.7.1 $REJ" "listed IPv6 2001:db8::99: 550 5.7.1 reply_reject"
log_has "$(dl L6 "action=reject host=2001:db8::/64 user=- score=100 reasons=dnsbl=xbl\.zm-test\.net:127\.0\.0\.4\(\+100\) rcpts=1")" \
    "L6 logged: reject host=2001:db8::/64 score=100 reasons=dnsbl=xbl.zm-test.net:127.0.0.4(+100)"
is "$(reply L6N)" "eom replycode 550 5.7.1 $REJ" "IPv6 2001:db8:5:6::1234 in a listed /64: refused"
log_has "$(dl L6N "action=reject host=2001:db8:5:6::/64 user=- score=100 reasons=dnsbl=xbl\.zm-test\.net:127\.0\.0\.4\(\+100\) rcpts=1")" \
    "L6N logged: reject score=100 reasons=dnsbl=xbl.zm-test.net:127.0.0.4(+100)"

is "$(reply U4)" "eom accept -" "unlisted IPv4 192.0.2.98: accepted"
log_has "$(dl U4 "action=accept host=192\.0\.2\.98 user=- score=0 reasons=- rcpts=1")" "U4 logged: accept score=0 reasons=-"
is "$(reply U6)" "eom accept -" "unlisted IPv6 2001:db8:7::1: accepted"
log_has "$(dl U6 "action=accept host=2001:db8:7::/64 user=- score=0 reasons=- rcpts=1")" "U6 logged: accept score=0 reasons=-"

is "$(reply P10)" "eom accept -" "policy-listed 198.51.100.10: accepted"
log_has "$(dl P10 "action=accept host=198\.51\.100\.10 user=- score=0 reasons=dnsbl=pbl\.zm-test\.net:127\.0\.0\.10 rcpts=1")" \
    "P10 logged: score=0 reasons=dnsbl=pbl.zm-test.net:127.0.0.10 (bare, no points)"
is "$(reply P11)" "eom accept -" "policy-listed 198.51.100.11 (code 127.0.0.11 in the range): accepted"
log_has "$(dl P11 "action=accept host=198\.51\.100\.11 user=- score=0 reasons=dnsbl=pbl\.zm-test\.net:127\.0\.0\.11 rcpts=1")" \
    "P11 logged: score=0 reasons=dnsbl=pbl.zm-test.net:127.0.0.11"
is "$(reply C9)" "eom accept -" "listed with an unmapped code 127.0.0.9: accepted"
log_has "$(dl C9 "action=accept host=203\.0\.113\.9 user=- score=0 reasons=dnsbl=xbl\.zm-test\.net:127\.0\.0\.9 rcpts=1")" \
    "C9 logged: a reason with no points, dnsbl=xbl.zm-test.net:127.0.0.9"
is "$(reply XP)" "eom replycode 550 5.7.1 $REJ" "listed on both lists 203.0.113.50: refused"
# the order of the two reasons is not specified
log_has "$(dl XP "action=reject host=203\.0\.113\.50 user=- score=100 reasons=(dnsbl=xbl\.zm-test\.net:127\.0\.0\.4\(\+100\),dnsbl=pbl\.zm-test\.net:127\.0\.0\.10|dnsbl=pbl\.zm-test\.net:127\.0\.0\.10,dnsbl=xbl\.zm-test\.net:127\.0\.0\.4\(\+100\)) rcpts=1")" \
    "XP logged: score=100, both reasons"
log_count ': action=' 9 "exactly nine decision lines"
log_lacks 'dnsbl [^ ]+: down' "no zone marked down (both pass the health check)"

# the query names on the wire
is "$(zm_rbldnsd_queries '99\.2\.0\.192\.xbl\.zm-test\.net')" 1 "IPv4: one query 99.2.0.192.xbl.zm-test.net"
is "$(zm_rbldnsd_queries '99\.2\.0\.192\.pbl\.zm-test\.net')" 1 "IPv4: one query 99.2.0.192.pbl.zm-test.net"
q6=$(zm_dnsq qname 2001:db8::99 "$XBL" | sed 's/\./\\./g')
is "$(zm_rbldnsd_queries "$q6")" 1 "IPv6: one query with the 32 reversed nibbles (9.9.0.0...8.b.d.0.1.0.0.2.$XBL)"
q6=$(zm_dnsq qname 2001:db8:5:6::1234 "$PBL" | sed 's/\./\\./g')
is "$(zm_rbldnsd_queries "$q6")" 1 "IPv6 is looked up on every ip zone (pbl too)"
is "$(zm_rbldnsd_queries '2\.0\.0\.127\.(xbl|pbl)\.zm-test\.net')" 2 "health check: 2.0.0.127 asked once per zone"
is "$(zm_rbldnsd_queries '1\.0\.0\.127\.(xbl|pbl)\.zm-test\.net')" 2 "health check: 1.0.0.127 asked once per zone"
is "$(awk '$3 !~ /^[0-9a-f.]+\.(xbl|pbl)\.zm-test\.net$/ && $3 != "xbl.zm-test.net"' "$ZM_RBL_LOG" | wc -l)" 0 \
    "no query other than reversed addresses in the two zones (and the test's own probe)"
is "$(awk '$4 != "A"' "$ZM_RBL_LOG" | wc -l)" 0 "only A queries"

[ "$zm_nfail" -gt 0 ] && dnsbl_diag
zm_done
