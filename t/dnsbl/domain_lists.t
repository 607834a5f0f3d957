#!/bin/bash
# Domain lists (RHSBL/DBL style) on the MAIL FROM domain and the HELO name.
# dbl.zm-test.net (rbldnsd dnset, with the RFC 5782 test point "test"
# -> 127.0.0.2 so the zone is healthy), "127.0.1.2 spamdomain 40":
#   MAIL FROM <x@spam-domain.example>  -> rhsbl.from=dbl.zm-test.net:127.0.1.2(+40)
#   HELO spam-domain.example           -> rhsbl.helo=dbl.zm-test.net:127.0.1.2(+40)
#   both                               -> 80 points: reject (threshold 80)
#   HELO [192.0.2.1] (address literal), a dot-less HELO, a clean domain,
#   the null sender <>                 -> nothing (and no query for the
#                                         literal or the dot-less name)
# With a domain zone configured the milter asks for HELO, with no reply
# (SMFIP_NR_HELO).
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/dnsbl/dnsbl.sh"
dnsbl_require
plan 28

DBL=dbl.zm-test.net
REJ="ZM-DBL refused"

zm_rbl_file dbl.dnset <<'EOF'
spam-domain.example :127.0.1.2:Domain $ listed
spamhelo :127.0.1.2:a dot-less name, must never be asked
# RFC 5782 test point for domain lists; "invalid" must stay unlisted
test :127.0.0.2:test point
EOF
zm_rbldnsd_start "$DBL:dnset:dbl.dnset" || dnsbl_fail_all "rbldnsd did not start"

dnsbl_start "$ZM_RBL_PORT" \
    "$(dnsbl_quiet_window)" \
    "$(dnsbl_zone "$DBL" domain '127.0.1.2 spamdomain 40')" \
    'dns_budget_ms = 1000' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 80' 'threshold_quarantine = 0' \
    "reply_reject = \"$REJ\""

session --helo mx.clean-domain.example --from x@spam-domain.example 192.0.2.50 DF
session --helo spam-domain.example --from x@clean-domain.example 192.0.2.51 DH
session --helo spam-domain.example --from y@spam-domain.example 192.0.2.52 DB
session --helo '[192.0.2.1]' --from x@clean-domain.example 192.0.2.53 DL
session --helo spamhelo --from x@clean-domain.example 192.0.2.54 DN
session --helo mx.clean-domain.example --from x@clean-domain.example 192.0.2.55 DC
session --helo mx.clean-domain.example --from '' 192.0.2.56 DZ

dnsbl_stop

is "$(proto_of DF)" "nohelo=0 nr_helo=1" "a domain zone configured: HELO asked for, with no reply (SMFIP_NR_HELO)"

is "$(reply DF)" "eom accept -" "MAIL FROM <x@spam-domain.example>: accepted (40 < 80)"
log_has "$(dl DF 'action=accept host=192\.0\.2\.50 user=- score=40 reasons=rhsbl\.from=dbl\.zm-test\.net:127\.0\.1\.2\(\+40\) rcpts=1')" \
    "DF logged: score=40 reasons=rhsbl.from=dbl.zm-test.net:127.0.1.2(+40)"
is "$(reply DH)" "eom accept -" "HELO spam-domain.example: accepted (40 < 80)"
log_has "$(dl DH 'action=accept host=192\.0\.2\.51 user=- score=40 reasons=rhsbl\.helo=dbl\.zm-test\.net:127\.0\.1\.2\(\+40\) rcpts=1')" \
    "DH logged: score=40 reasons=rhsbl.helo=dbl.zm-test.net:127.0.1.2(+40)"
is "$(reply DB)" "eom replycode 550 5.7.1 $REJ" "HELO and MAIL FROM both listed: 80 points, refused"
log_has "$(dl DB 'action=reject host=192\.0\.2\.52 user=- score=80 reasons=(rhsbl\.helo=dbl\.zm-test\.net:127\.0\.1\.2\(\+40\),rhsbl\.from=dbl\.zm-test\.net:127\.0\.1\.2\(\+40\)|rhsbl\.from=dbl\.zm-test\.net:127\.0\.1\.2\(\+40\),rhsbl\.helo=dbl\.zm-test\.net:127\.0\.1\.2\(\+40\)) rcpts=1')" \
    "DB logged: score=80, both rhsbl.helo and rhsbl.from"
is "$(reply DL)" "eom accept -" "HELO [192.0.2.1] (address literal): accepted"
log_has "$(dl DL 'action=accept host=192\.0\.2\.53 user=- score=15 reasons=helo=ip\(\+15\) rcpts=1')" \
    "DL logged: not looked up, only the HELO check's helo=ip(+15)"
is "$(reply DN)" "eom accept -" "dot-less HELO spamhelo: accepted"
log_has "$(dl DN 'action=accept host=192\.0\.2\.54 user=- score=10 reasons=helo=nofqdn\(\+10\) rcpts=1')" \
    "DN logged: not looked up, only the HELO check's helo=nofqdn(+10)"
is "$(reply DC)" "eom accept -" "clean HELO and MAIL FROM: accepted"
log_has "$(dl DC 'action=accept host=192\.0\.2\.55 user=- score=0 reasons=- rcpts=1')" "DC logged: score=0 reasons=-"
is "$(reply DZ)" "eom accept -" "null sender <>: accepted"
log_has "$(dl DZ 'action=accept host=192\.0\.2\.56 user=- score=0 reasons=- rcpts=1')" "DZ logged: score=0 reasons=-"
log_count ': action=' 7 "exactly seven decision lines"
log_lacks 'dnsbl [^ ]+: down' "the zone passes its health check (test listed, invalid not)"

# the query names on the wire
is "$(zm_rbldnsd_queries 'spam-domain\.example\.dbl\.zm-test\.net')" 1 \
    "spam-domain.example.dbl.zm-test.net asked once (then cached)"
is "$(zm_rbldnsd_queries 'mx\.clean-domain\.example\.dbl\.zm-test\.net')" 1 "the HELO name mx.clean-domain.example asked"
is "$(zm_rbldnsd_queries 'clean-domain\.example\.dbl\.zm-test\.net')" 1 "the MAIL FROM domain clean-domain.example asked"
is "$(zm_rbldnsd_queries '.*192.*')" 0 "no query for the address literal [192.0.2.1] (nor the client addresses)"
is "$(zm_rbldnsd_queries '.*spamhelo.*')" 0 "no query for the dot-less HELO name"
is "$(zm_rbldnsd_queries 'test\.dbl\.zm-test\.net')" 1 "health check: test.dbl.zm-test.net asked"
is "$(zm_rbldnsd_queries 'invalid\.dbl\.zm-test\.net')" 1 "health check: invalid.dbl.zm-test.net asked"
is "$(awk '$3 != "dbl.zm-test.net" && $3 !~ /^(test|invalid|spam-domain\.example|mx\.clean-domain\.example|clean-domain\.example)\.dbl\.zm-test\.net$/' "$ZM_RBL_LOG" | wc -l)" 0 \
    "no other query"

[ "$zm_nfail" -gt 0 ] && dnsbl_diag
zm_done
