#!/bin/bash
# t/e2e/postfix_burst.t -- zombie-milter behind a real (private) Postfix.
#
# A private Postfix instance on loopback relays to smtp-sink and asks the
# milter about every message.  A test client poses as customers through
# XCLIENT (t/lib/smtpclient.py):
#   1. reject: a 1-minute window of 5 messages worth 100 points, reject at
#      80.  Normal hosts (IPv4, and two addresses of one IPv6 /64) stay
#      under the limit and are delivered; a bursting host gets 250 for its
#      first 5 messages and 550 5.7.1 with the configured text for the rest.
#   2. quarantine: same window, quarantine at 100.  The burst's 6th message
#      quarantines the host: 550 5.7.1 at end of message, then 550 5.7.1 at
#      MAIL FROM for the rest of the session and for a new session; other
#      hosts (one in the same /24) are still delivered.
# Every message Postfix accepted must reach smtp-sink (nothing lost), and
# the milter's decision log and Postfix's maillog must agree.

. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"

zm_e2e_require

plan 48

URL="https://support.zm-test.example/zombie?case=e2e-burst"
REJ_TEXT="E2E-BURST refused: too many messages from your connection; see $URL"
QUAR_TEXT="E2E-BURST quarantined: your computer may be infected; see $URL"

# the milter config: one 1-minute window, 5 messages, 100 points
milter_conf() { # FILE THRESHOLD_QUARANTINE
    zm_milter_conf "$1" "$ZM_MILTER_PORT" \
        'mode = "enforce"' \
        'window "1m" {
    length = 60
    buckets = 6
    messages = 5
    recipients = 0
    points = 100
}' \
        'threshold_tag = 0' \
        'threshold_tempfail = 0' \
        'threshold_reject = 80' \
        "threshold_quarantine = $2" \
        'quarantine_time = 600' \
        "support_url = \"$URL\"" \
        'reply_reject = "E2E-BURST refused: too many messages from your connection; see %u"' \
        'reply_quarantine = "E2E-BURST quarantined: your computer may be infected; see %u"' \
        'reply_tempfail = "E2E-BURST slow down; see %u"'
}



# rep WORD N: WORD repeated N times, space separated
rep() {
    local i s=
    for ((i = 0; i < $2; i++)); do s="$s${s:+ }$1"; done
    printf '%s' "$s"
}




# Postfix queue ids of the accepted messages of LABEL ("queued as QID")
accepted_qids() {
    awk -v l="$1" '(l == "" || index($1, l "-") == 1) && $2 == "eom" && $3 == 250 {
        print $NF }' "$T/replies" | sort
}
# queue ids of the milter decision lines matching the fixed string S
milter_qids() {
    grep -F -- "$2" "$1" | sed -n 's/.*[^A-Za-z0-9]\([A-Za-z0-9]*\): action=.*/\1/p;
        s/^\([A-Za-z0-9]*\): action=.*/\1/p' | sort -u
}


fail_setup() {
    diag "$1"
    [ -f "$T/milter.log" ] && diag "milter log:" && diag "$(cat "$T/milter.log")"
    zm_postfix_diag
    exit 1
}

# --- set-up ---------------------------------------------------------------

zm_e2e_rig || fail_setup "the Postfix rig did not start"

# --- 1. reject --------------------------------------------------------------

milter_conf "$T/reject.conf" 0
"$ZM_BIN" -n -c "$T/reject.conf" >"$T/check.out" 2>&1
rc=$?
ok $rc "zombie-milter -n accepts the reject config"
[ $rc = 0 ] || diag "$(cat "$T/check.out")"
zm_start_milter "$T/reject.conf" || fail_setup "milter did not start"

BURST=203.0.113.66
zm_send n1 192.0.2.10 3
zm_send n2 198.51.100.20 4
zm_send n3 2001:db8:1:2::5 3
zm_send n4 2001:db8:1:2::6 2          # same /64: 5 in all, still at the limit
zm_send b1 "$BURST" 12

is "$(zm_stages n1)" "$(rep eom:250 3)" "normal IPv4 host 192.0.2.10: all 250"
is "$(zm_stages n2)" "$(rep eom:250 4)" "normal IPv4 host 198.51.100.20: all 250"
is "$(zm_stages n3) $(zm_stages n4)" "$(rep eom:250 5)" "normal IPv6 /64 (5 messages, 2 addresses): all 250"
is "$(zm_stages b1)" "$(rep eom:250 5) $(rep eom:550 7)" \
    "burst $BURST: 5 accepted, messages 6..12 refused at end of message"
is "$(zm_texts b1 550)" "550 5.7.1 $REJ_TEXT" "refusals carry 5.7.1 and the reply_reject text, %u expanded"

zm_check_delivery "reject"

zm_stop_milter
ok $? "milter exits 0 on SIGTERM"
mv "$T/milter.log" "$T/milter-reject.log"
L=$T/milter-reject.log
REJ_LINE="action=reject host=$BURST user=- score=100 reasons=msgs1m=6/5(+100) rcpts=1"
is "$(zm_nfixed "$L" "$REJ_LINE")" 7 "milter logged 7 rejects for $BURST with msgs1m=6/5(+100)"
is "$(zm_nfixed "$L" "action=accept host=$BURST user=- score=0 reasons=- rcpts=1")" 5 \
    "milter logged 5 plain accepts for $BURST"
is "$(grep -Ec ': action=[a-z]+ host=' "$L")" 24 "milter logged one decision per message (24)"
is "$(grep -E ': action=[a-z]+ host=' "$L" | grep -v "host=$BURST " | grep -vc "action=accept ")" 0 \
    "no other host got anything but accept"
is "$(zm_nfixed "$L" "action=accept host=2001:db8:1:2::/64 user=- score=0")" 5 \
    "the two IPv6 addresses count as one host 2001:db8:1:2::/64"
is "$(zm_nfixed "$L" "action=accept host=192.0.2.10 user=- score=0")" 3 "192.0.2.10 counted as its own host"
is "$(milter_qids "$L" "action=accept ")" "$(accepted_qids '')" \
    "milter accept lines carry the Postfix queue ids of the accepted messages"

PF_REJ="milter-reject: END-OF-MESSAGE from unknown[$BURST]: 5.7.1 $REJ_TEXT;"
zm_wait_fixed "$ZM_PF_LOG" "$PF_REJ" 7
is "$(zm_nfixed "$ZM_PF_LOG" "$PF_REJ")" 7 "Postfix maillog shows 7 milter-reject lines for $BURST"
pf_qids=$(grep -F -- "$PF_REJ" "$ZM_PF_LOG" | sed -n 's/.*: \([0-9A-Za-z]*\): milter-reject: .*/\1/p' | sort -u)
is "$(milter_qids "$L" "$REJ_LINE")" "$pf_qids" "milter reject lines and Postfix milter-reject lines name the same queue ids"
is "$(grep -c 'milter-reject' "$ZM_PF_LOG")" 7 "no other milter-reject in the maillog"
is "$(grep -Ec 'warning: milter|milter.*(timeout|error|unavailable)' "$ZM_PF_LOG")" 0 \
    "no milter warning in the maillog"

# --- 2. quarantine ------------------------------------------------------------

milter_conf "$T/quarantine.conf" 100
"$ZM_BIN" -n -c "$T/quarantine.conf" >"$T/check.out" 2>&1
rc=$?
ok $rc "zombie-milter -n accepts the quarantine config"
[ $rc = 0 ] || diag "$(cat "$T/check.out")"
zm_start_milter "$T/quarantine.conf" || fail_setup "milter did not restart"

Q=203.0.113.77
zm_send q1 "$Q" 12
zm_send q2 "$Q" 2                      # a new session: still quarantined
zm_send o1 198.51.100.33 3
zm_send o2 203.0.113.78 2              # same /24 as the zombie, another host
zm_send o3 2001:db8:77::1 2

is "$(zm_stages q1)" "$(rep eom:250 5) eom:550 $(rep mail:550 6)" \
    "burst $Q: 5 accepted, 6th refused at end of message, 7..12 refused at MAIL FROM"
is "$(zm_texts q1 550)" "550 5.7.1 $QUAR_TEXT" "all refusals carry 5.7.1 and the reply_quarantine text"
is "$(zm_stages q2)" "$(rep mail:550 2)" "a new session of $Q is refused at MAIL FROM"
is "$(zm_texts q2 550)" "550 5.7.1 $QUAR_TEXT" "... with the quarantine text"
is "$(zm_stages o1)" "$(rep eom:250 3)" "another host 198.51.100.33 still delivers"
is "$(zm_stages o2)" "$(rep eom:250 2)" "203.0.113.78 (same /24) still delivers"
is "$(zm_stages o3)" "$(rep eom:250 2)" "IPv6 host 2001:db8:77::1 still delivers"
is "$(grep -v '^[a-z0-9]*-[0-9]* \(eom\|mail\) \(250\|550\) ' "$T/replies" | wc -l)" 0 \
    "no reply other than 250 and 550 (no tempfail, no lost session)"

zm_check_delivery "quarantine"

zm_stop_milter
ok $? "milter exits 0 on SIGTERM again"
mv "$T/milter.log" "$T/milter-quarantine.log"
L=$T/milter-quarantine.log
is "$(zm_nfixed "$L" "action=quarantine host=$Q user=- score=100 reasons=msgs1m=6/5(+100) rcpts=1")" 1 \
    "milter logged the quarantine of $Q with msgs1m=6/5(+100)"
is "$(zm_nfixed "$L" "action=reject host=$Q user=- score=0 reasons=quarantined rcpts=0 stage=mail")" 8 \
    "milter logged 8 MAIL-stage refusals of $Q (reasons=quarantined)"
is "$(zm_nfixed "$L" "action=accept host=$Q user=- score=0 reasons=- rcpts=1")" 5 \
    "milter logged 5 accepts for $Q"
is "$(grep -E ': action=[a-z]+ host=' "$L" | grep -v "host=$Q " | grep -vc "action=accept ")" 0 \
    "no other host got anything but accept"
is "$(zm_nfixed "$L" "action=accept host=203.0.113.78 user=- score=0")" 2 "203.0.113.78 is its own host"

PF_QEOM="milter-reject: END-OF-MESSAGE from unknown[$Q]: 5.7.1 $QUAR_TEXT;"
PF_QMAIL="milter-reject: MAIL from unknown[$Q]: 550 5.7.1 $QUAR_TEXT;"
zm_wait_fixed "$ZM_PF_LOG" "$PF_QMAIL" 8
is "$(zm_nfixed "$ZM_PF_LOG" "$PF_QEOM")" 1 "Postfix maillog shows the end-of-message milter-reject of $Q"
is "$(zm_nfixed "$ZM_PF_LOG" "$PF_QMAIL")" 8 "Postfix maillog shows 8 MAIL-stage milter-rejects of $Q"
is "$(grep -c 'milter-reject' "$ZM_PF_LOG")" 16 "no other milter-reject in the maillog (7 + 1 + 8)"
is "$(grep -Ec 'warning: milter|milter.*(timeout|error|unavailable)' "$ZM_PF_LOG")" 0 \
    "no milter warning in the maillog"

# --- 3. summary over both parts ------------------------------------------------

is "$(zm_accepted_ids | wc -l)" 29 "29 messages accepted in all (17 + 12)"
is "$(awk '$3 == 550' "$T/replies" | wc -l)" 16 "16 messages refused in all (7 + 9)"
is "$(grep -c ' status=sent ' "$ZM_PF_LOG")" 29 "Postfix logged 29 deliveries to the sink"
is "$(grep -Ec ' status=(deferred|bounced)' "$ZM_PF_LOG")" 0 "no deferral or bounce"
is "$(grep -Ec '(fatal|panic|warning):' "$ZM_PF_LOG")" 0 "no Postfix warning, fatal or panic"

if [ "$zm_nfail" -gt 0 ]; then
    diag "client replies:"; diag "$(cat "$T/replies")"
    for f in "$T"/milter-*.log; do diag "--- $f:"; diag "$(cat "$f")"; done
    zm_postfix_diag
fi
zm_done
