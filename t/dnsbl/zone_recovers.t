#!/bin/bash
# The periodic health check (dns_health_interval = 1) notices a zone that
# changes: rbldnsd serves answers with a TTL of 1 s and re-reads changed
# data files every second.
#   nox.zm-test.net   127.0.0.2 not listed at start: down (its listing of
#                     192.0.2.60 scores nothing); then the test point is
#                     added: "dnsbl nox.zm-test.net: up again" within a few
#                     seconds, and a client it lists scores again;
#   flip.zm-test.net  healthy at start (its listing of 192.0.2.70 scores);
#                     then it lists 127.0.0.1 too: "dnsbl flip.zm-test.net:
#                     down: ..." once, and a client it lists (with the
#                     mapped code) scores nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/dnsbl/dnsbl.sh"
dnsbl_require
plan 17

REJ="ZM-DNSBL refused: listed"
SOA='$SOA 1 ns.zm-test.net hostmaster.zm-test.net 1 1h 10m 1d 1'
ZM_RBL_TTL=1 ZM_RBL_CHECK=1

zm_rbl_file nox4 <<EOF
$SOA
:127.0.0.4:Listed \$
192.0.2.60
192.0.2.61
EOF
zm_rbl_file flip4 <<EOF
$SOA
:127.0.0.4:Listed \$
192.0.2.70
192.0.2.71
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbldnsd_start nox.zm-test.net:ip4set:nox4 flip.zm-test.net:ip4set:flip4 ||
    dnsbl_fail_all "rbldnsd did not start"

dnsbl_start "$ZM_RBL_PORT" \
    "$(dnsbl_quiet_window)" \
    "$(dnsbl_zone nox.zm-test.net ip '127.0.0.4 infected 100')" \
    "$(dnsbl_zone flip.zm-test.net ip '127.0.0.4 infected 100')" \
    'dns_budget_ms = 1000' 'dns_health_interval = 1' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 100' 'threshold_quarantine = 0' \
    "reply_reject = \"$REJ\""

session 192.0.2.60 R1
session 192.0.2.70 R2

# nox gets its test point; flip starts listing 127.0.0.1
zm_rbl_replace nox4 <<EOF || diag "nox4 not reloaded"
$SOA
:127.0.0.4:Listed \$
192.0.2.60
192.0.2.61
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbl_replace flip4 <<EOF || diag "flip4 not reloaded"
$SOA
:127.0.0.4:Listed \$
192.0.2.70
192.0.2.71
127.0.0.1
127.0.0.2 :127.0.0.2:test point
EOF
t0=$(zm__ms)
for ((i = 0; i < 60; i++)); do
    grep -q 'dnsbl nox\.zm-test\.net: up again' "$T/milter.log" &&
        grep -qE 'dnsbl flip\.zm-test\.net: down: ' "$T/milter.log" && break
    sleep 0.1
done
diag "waited $(($(zm__ms) - t0)) ms for the health check to notice"
session 192.0.2.61 R3
session 192.0.2.71 R4
sleep 1.5       # more health checks: nothing logged twice

dnsbl_stop

log_count 'dnsbl nox\.zm-test\.net: down: [^;]+; not scored until it passes again' 1 \
    "nox.zm-test.net logged down once (at start)"
log_count 'dnsbl nox\.zm-test\.net: up again' 1 \
    "nox.zm-test.net logged 'up again' once, within 6 s of getting its test point"
log_count 'dnsbl flip\.zm-test\.net: down: [^;]+; not scored until it passes again' 1 \
    "flip.zm-test.net logged down once, within 6 s of listing 127.0.0.1"
log_lacks 'dnsbl flip\.zm-test\.net: up again' "flip.zm-test.net never 'up again'"

is "$(reply R1)" "eom accept -" "R1: listed by nox while it is down: accepted"
log_has "$(dl R1 'action=accept host=192\.0\.2\.60 user=- score=0 reasons=- rcpts=1')" "R1 logged score=0 reasons=-"
is "$(reply R2)" "eom replycode 550 5.7.1 $REJ" "R2: listed by flip while it is up: refused"
log_has "$(dl R2 'action=reject host=192\.0\.2\.70 user=- score=100 reasons=dnsbl=flip\.zm-test\.net:127\.0\.0\.4\(\+100\) rcpts=1')" \
    "R2 logged dnsbl=flip.zm-test.net:127.0.0.4(+100)"
is "$(reply R3)" "eom replycode 550 5.7.1 $REJ" "R3: listed by nox once it is up again: refused"
log_has "$(dl R3 'action=reject host=192\.0\.2\.61 user=- score=100 reasons=dnsbl=nox\.zm-test\.net:127\.0\.0\.4\(\+100\) rcpts=1')" \
    "R3 logged dnsbl=nox.zm-test.net:127.0.0.4(+100)"
is "$(reply R4)" "eom accept -" "R4: listed by flip once it is down: accepted"
log_has "$(dl R4 'action=accept host=192\.0\.2\.71 user=- score=0 reasons=- rcpts=1')" "R4 logged score=0 reasons=-"
ok "$([ "$(zm_rbldnsd_queries '2\.0\.0\.127\.(nox|flip)\.zm-test\.net')" -ge 4 ] && echo 0 || echo 1)" \
    "the periodic health check asks the DNS again ($(zm_rbldnsd_queries '2\.0\.0\.127\.(nox|flip)\.zm-test\.net') queries for the 127.0.0.2 test points)"
log_count ': action=' 4 "exactly four decision lines"

[ "$zm_nfail" -gt 0 ] && { dnsbl_diag; diag "--- rbldnsd:"; diag "$(cat "$ZM_RBL_OUT")"; }
zm_done
