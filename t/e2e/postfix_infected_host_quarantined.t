#!/bin/bash
# t/e2e/postfix_infected_host_quarantined.t -- the DNSBL signal end to end.
#
# A private Postfix on loopback relays to smtp-sink and asks the milter
# about every message; a private rbldnsd serves the infection list
# xbl.zm-test.net, mapped "127.0.0.4 infected 120" with
# threshold_quarantine = 100; the milter's only forwarder is that rbldnsd.
# A test client poses as customers through XCLIENT (t/lib/smtpclient.py):
#   - an infected host (192.0.2.99, listed) is quarantined by its FIRST
#     message: 550 5.7.1 with the quarantine text at end of message, its
#     next MAIL FROM in the same session and in a new session are refused
#     550 5.7.1 too;
#   - an infected IPv6 host (2001:db8::99) likewise;
#   - clean hosts (IPv4, IPv6) are delivered.
# Every message Postfix accepted reaches smtp-sink, nothing else; the
# milter's decision log and Postfix's maillog agree.

. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"
. "$ZM_TOP/t/lib/rbldnsd.sh"

zm_e2e_require rbldnsd

plan 28

XBL=xbl.zm-test.net
URL="https://support.zm-test.example/zombie?case=e2e-dnsbl"
QUAR_TEXT="E2E-DNSBL quarantined: your computer is listed as infected; see $URL"
INF4=192.0.2.99
INF6=2001:db8::99

fail_setup() {
    diag "$1"
    [ -f "$T/milter.log" ] && diag "milter log:" && diag "$(cat "$T/milter.log")"
    [ -f "$ZM_RBL_OUT" ] && diag "rbldnsd:" && diag "$(cat "$ZM_RBL_OUT")"
    zm_postfix_diag
    exit 1
}

# --- set-up ---------------------------------------------------------------

zm_rbl_file xbl4 <<'EOF'
:127.0.0.4:Listed in xbl: $
192.0.2.99
127.0.0.2 :127.0.0.2:RFC 5782 test point
EOF
zm_rbl_file xbl6 <<'EOF'
:127.0.0.4:Listed in xbl: $
2001:db8::99
EOF
zm_rbldnsd_start "$XBL:ip4set:xbl4" "$XBL:ip6trie:xbl6" || fail_setup "rbldnsd did not start"

zm_e2e_rig || fail_setup "the Postfix rig did not start"

zm_milter_conf "$T/zm.conf" "$ZM_MILTER_PORT" \
    'mode = "enforce"' \
    'window "1m" {
    length = 60
    buckets = 6
    messages = 1000
    recipients = 0
    points = 1
}' \
    "dns_forwarders = { \"127.0.0.1@$ZM_RBL_PORT\" }" \
    'dns_budget_ms = 1000' \
    "dnsbl \"$XBL\" {
    type = \"ip\"
    codes = { \"127.0.0.4 infected 120\" }
}" \
    'threshold_tag = 0' \
    'threshold_tempfail = 0' \
    'threshold_reject = 0' \
    'threshold_quarantine = 100' \
    'quarantine_time = 600' \
    "support_url = \"$URL\"" \
    'reply_quarantine = "E2E-DNSBL quarantined: your computer is listed as infected; see %u"'
"$ZM_BIN" -n -c "$T/zm.conf" >"$T/check.out" 2>&1
rc=$?
ok $rc "zombie-milter -n accepts the config with the dnsbl section"
[ $rc = 0 ] || diag "$(cat "$T/check.out")"
zm_start_milter "$T/zm.conf" || fail_setup "milter did not start"

# --- the sessions -------------------------------------------------------------

zm_send i1 "$INF4" 3
zm_send i2 "$INF4" 2               # a new session: still quarantined
zm_send i6 "$INF6" 2
zm_send c1 198.51.100.20 3
zm_send c2 2001:db8:7::20 2

is "$(zm_stages i1)" "eom:550 mail:550 mail:550" \
    "infected $INF4: first message refused at end of message, the next at MAIL FROM"
is "$(zm_texts i1 550)" "550 5.7.1 $QUAR_TEXT" "all refusals carry 5.7.1 and the reply_quarantine text, %u expanded"
is "$(zm_stages i2)" "mail:550 mail:550" "a new session of $INF4 is refused at MAIL FROM"
is "$(zm_texts i2 550)" "550 5.7.1 $QUAR_TEXT" "... with the quarantine text"
is "$(zm_stages i6)" "eom:550 mail:550" "infected IPv6 $INF6: first message refused, the next at MAIL FROM"
is "$(zm_texts i6 550)" "550 5.7.1 $QUAR_TEXT" "... with the quarantine text"
is "$(zm_stages c1)" "eom:250 eom:250 eom:250" "clean host 198.51.100.20: delivered"
is "$(zm_stages c2)" "eom:250 eom:250" "clean IPv6 host 2001:db8:7::20: delivered"

zm_check_delivery "clean hosts"
is "$(zm_delivered_ids | paste -sd' ')" "c1-1 c1-2 c1-3 c2-1 c2-2" \
    "the sink received exactly the five clean messages"

kill -0 "$ZM_MILTER_PID" 2>/dev/null
ok $? "milter still running (no crash)"
zm_stop_milter
ok $? "milter exits 0 on SIGTERM"
L=$T/milter.log
is "$(grep -cE "$ZM_SANITIZER_RE" "$L")" 0 \
    "no sanitizer report in the milter's output"

R="reasons=dnsbl=$XBL:127.0.0.4(+120) rcpts=1"
is "$(zm_nfixed "$L" "action=quarantine host=$INF4 user=- score=120 $R")" 1 \
    "milter logged the quarantine of $INF4 with dnsbl=$XBL:127.0.0.4(+120)"
is "$(zm_nfixed "$L" "action=quarantine host=2001:db8::/64 user=- score=120 $R")" 1 \
    "milter logged the quarantine of 2001:db8::/64 with dnsbl=$XBL:127.0.0.4(+120)"
is "$(zm_nfixed "$L" "action=reject host=$INF4 user=- score=0 reasons=quarantined rcpts=0 stage=mail")" 4 \
    "milter logged 4 MAIL-stage refusals of $INF4 (2 + 2)"
is "$(zm_nfixed "$L" "action=reject host=2001:db8::/64 user=- score=0 reasons=quarantined rcpts=0 stage=mail")" 1 \
    "milter logged 1 MAIL-stage refusal of 2001:db8::/64"
is "$(grep -cE ': action=accept host=(198\.51\.100\.20|2001:db8:7::/64) user=- score=0 reasons=- rcpts=1( |$)' "$L")" 5 \
    "milter logged 5 plain accepts for the clean hosts"
is "$(grep -cE ': action=[a-z]+ host=' "$L")" 12 "one decision line per message (12)"
is "$(grep -cE 'dnsbl [^ ]+: down' "$L")" 0 "the zone passed its health check"
is "$(zm_rbldnsd_queries '99\.2\.0\.192\.xbl\.zm-test\.net')" 1 \
    "one DNS query for $INF4 over its two sessions (cached)"

PF_QEOM="milter-reject: END-OF-MESSAGE from unknown[$INF4]: 5.7.1 $QUAR_TEXT;"
PF_QMAIL="milter-reject: MAIL from unknown[$INF4]: 550 5.7.1 $QUAR_TEXT;"
zm_wait_fixed "$ZM_PF_LOG" "$PF_QMAIL" 4
is "$(zm_nfixed "$ZM_PF_LOG" "$PF_QEOM")" 1 "Postfix maillog: the end-of-message milter-reject of $INF4"
is "$(zm_nfixed "$ZM_PF_LOG" "$PF_QMAIL")" 4 "Postfix maillog: 4 MAIL-stage milter-rejects of $INF4"
is "$(grep -c 'milter-reject' "$ZM_PF_LOG")" 7 "no other milter-reject in the maillog (1 + 4 + 2)"
is "$(grep -Ec 'warning: milter|milter.*(timeout|error|unavailable)' "$ZM_PF_LOG")" 0 \
    "no milter warning in the maillog"

if [ "$zm_nfail" -gt 0 ]; then
    diag "client replies:"; diag "$(cat "$T/replies")"
    diag "--- milter log:"; diag "$(cat "$L")"
    diag "--- rbldnsd query log:"; diag "$(cat "$ZM_RBL_LOG")"
    zm_postfix_diag
fi
zm_done
