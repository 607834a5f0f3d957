#!/bin/bash
# Error answers are unknown, never listed; misbehaving zones go down.
# Zones (private rbldnsd), each mapping "127.0.0.4 infected 100" and
# "127.0.0.0/8 anything 50", so a misread error answer would score:
#   all.zm-test.net    answers 127.255.255.254 for every name (ip4trie
#                      0/0 + ip6trie ::/0): fails the RFC 5782 check
#   one.zm-test.net    127.0.0.2 listed right, but 127.0.0.1 listed too
#   nox.zm-test.net    127.0.0.2 not listed
#   alldn.zm-test.net  a domain zone answering 127.255.255.254 for all
#   good.zm-test.net   healthy; per-entry error answers 127.255.255.254
#                      (IPv4 and IPv6) and 10.0.0.4 (outside 127/8)
# The four bad zones are logged "dnsbl ZONE: down: ...; not scored until it
# passes again" once, before the milter listens, and never score (a
# client each of them "lists" gets score 0, reasons -); the healthy zone
# still scores; its error answers score nothing and give no reason.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/dnsbl/dnsbl.sh"
dnsbl_require
plan 32

REJ="ZM-DNSBL refused: listed"
CODES=('127.0.0.4 infected 100' '127.0.0.0/8 anything 50')

zm_rbl_file all4 <<'EOF'
0.0.0.0/0 :127.255.255.254:query refused
EOF
zm_rbl_file all6 <<'EOF'
::/0 :127.255.255.254:query refused
EOF
zm_rbl_file one4 <<'EOF'
:127.0.0.4:Listed $
192.0.2.20
127.0.0.1
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbl_file nox4 <<'EOF'
:127.0.0.4:Listed $
192.0.2.20
EOF
zm_rbl_file empty.dnset <<'EOF'
# nothing: the acl answers every query
EOF
zm_rbl_file all.acl <<'EOF'
127.0.0.0/8 :127.255.255.254:query refused
EOF
zm_rbl_file good4 <<'EOF'
:127.0.0.4:Listed $
192.0.2.21
192.0.2.25 :127.0.0.5:Listed with another code
192.0.2.22 :127.255.255.254:query refused
192.0.2.23 :10.0.0.4:outside 127/8
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbl_file good6 <<'EOF'
2001:db8::22 :127.255.255.254:query refused
EOF
zm_rbldnsd_start good.zm-test.net:ip4set:good4 good.zm-test.net:ip6trie:good6 \
    all.zm-test.net:ip4trie:all4 all.zm-test.net:ip6trie:all6 \
    one.zm-test.net:ip4set:one4 nox.zm-test.net:ip4set:nox4 \
    alldn.zm-test.net:dnset:empty.dnset alldn.zm-test.net:acl:all.acl ||
    dnsbl_fail_all "rbldnsd did not start"

dnsbl_start "$ZM_RBL_PORT" \
    "$(dnsbl_quiet_window)" \
    "$(dnsbl_zone all.zm-test.net ip "${CODES[@]}")" \
    "$(dnsbl_zone one.zm-test.net ip "${CODES[@]}")" \
    "$(dnsbl_zone nox.zm-test.net ip "${CODES[@]}")" \
    "$(dnsbl_zone alldn.zm-test.net domain "${CODES[@]}")" \
    "$(dnsbl_zone good.zm-test.net ip "${CODES[@]}")" \
    'dns_budget_ms = 1000' 'dns_health_interval = 1' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 100' 'threshold_quarantine = 0' \
    "reply_reject = \"$REJ\""

# the start-up check is synchronous: its lines come before "starting:"
for z in all one nox alldn; do
    is "$(awk -v re="dnsbl $z\\.zm-test\\.net: down: [^;]+; not scored until it passes again" \
        '/starting: / { exit } $0 ~ re { n++ } END { print n + 0 }' "$T/milter.log")" 1 \
        "$z.zm-test.net logged down by the start-up check, before the start-up line"
done

session 192.0.2.20 E20
session --helo spam.example --from x@spam.example 192.0.2.30 ED
session 2001:db8::20 E6
session 192.0.2.21 E21
session 192.0.2.25 E25
session 192.0.2.22 E22
session 192.0.2.23 E23
session 2001:db8::22 E26
sleep 2.5       # two more health checks (interval 1 s): still logged once

dnsbl_stop

for z in all one nox alldn; do
    log_count "dnsbl $z\.zm-test\.net: down: [^;]+; not scored until it passes again" 1 \
        "$z.zm-test.net: down logged exactly once"
done
log_lacks 'dnsbl good\.zm-test\.net: down' "the healthy zone is not down"
log_lacks 'up again' "no zone comes up again (nothing changed)"

is "$(reply E20)" "eom accept -" "192.0.2.20, 'listed' by all, one and nox (all down): accepted"
log_has "$(dl E20 'action=accept host=192\.0\.2\.20 user=- score=0 reasons=- rcpts=1')" "E20 logged score=0 reasons=-"
is "$(reply ED)" "eom accept -" "HELO / MAIL FROM spam.example 'listed' by alldn (down): accepted"
log_has "$(dl ED 'action=accept host=192\.0\.2\.30 user=- score=0 reasons=- rcpts=1')" "ED logged score=0 reasons=-"
is "$(reply E6)" "eom accept -" "IPv6 2001:db8::20 'listed' by all (down): accepted"
log_has "$(dl E6 'action=accept host=2001:db8::/64 user=- score=0 reasons=- rcpts=1')" "E6 logged score=0 reasons=-"
is "$(reply E21)" "eom replycode 550 5.7.1 $REJ" "192.0.2.21 listed 127.0.0.4 by the healthy zone: refused"
log_has "$(dl E21 'action=reject host=192\.0\.2\.21 user=- score=100 reasons=dnsbl=good\.zm-test\.net:127\.0\.0\.4\(\+100\) rcpts=1')" \
    "E21 logged score=100 reasons=dnsbl=good.zm-test.net:127.0.0.4(+100) only (the entry worth most wins)"
is "$(reply E25)" "eom accept -" "192.0.2.25 listed 127.0.0.5 (matches only the /8 entry, 50 points): accepted"
log_has "$(dl E25 'action=accept host=192\.0\.2\.25 user=- score=50 reasons=dnsbl=good\.zm-test\.net:127\.0\.0\.5\(\+50\) rcpts=1')" \
    "E25 logged score=50 reasons=dnsbl=good.zm-test.net:127.0.0.5(+50)"
is "$(reply E22)" "eom accept -" "192.0.2.22 answered 127.255.255.254 by the healthy zone: accepted"
log_has "$(dl E22 'action=accept host=192\.0\.2\.22 user=- score=0 reasons=- rcpts=1')" "E22 logged score=0 reasons=- (error code unknown)"
is "$(reply E23)" "eom accept -" "192.0.2.23 answered 10.0.0.4 (outside 127/8): accepted"
log_has "$(dl E23 'action=accept host=192\.0\.2\.23 user=- score=0 reasons=- rcpts=1')" "E23 logged score=0 reasons=- (answer outside 127/8 unknown)"
is "$(reply E26)" "eom accept -" "2001:db8::22 answered 127.255.255.254: accepted"
log_has "$(dl E26 'action=accept host=2001:db8::/64 user=- score=0 reasons=- rcpts=1')" "E26 logged score=0 reasons=-"
log_count ': action=' 8 "exactly eight decision lines"
log_lacks 'reasons=[^ ]*(all|one|nox|alldn)\.zm-test\.net' "no reason ever names a down zone"
log_lacks 'reasons=[^ ]*127\.255\.255\.' "no reason ever carries an error code"

[ "$zm_nfail" -gt 0 ] && dnsbl_diag
zm_done
