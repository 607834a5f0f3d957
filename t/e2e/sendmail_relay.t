#!/bin/bash
# t/e2e/sendmail_relay.t -- zombie-milter behind a real (private) Sendmail
# 8.17, the Postfix end-to-end tests mirrored.
#
# A private Sendmail (t/lib/sendmail.sh: Debian's packages unpacked, never
# installed) relays to smtp-sink and asks the milter about every message,
# with the milter lines of contrib/sendmail/zombie-milter.mc (S= at the
# test's port).  Sendmail has no XCLIENT: each customer is a loopback
# address the client binds to (127.0.0.5, ...), so the milter's config
# exempts nothing.  A private rbldnsd serves the infection list.  Shown:
#   - a clean customer: delivered (250), logged action=accept;
#   - a burst (window 1m of 3 messages, 60 points): messages 1-3 delivered,
#     4-6 deferred (451 4.7.1 with the reply_tempfail text), the 7th, with
#     3 refusals behind it, quarantined (550 5.7.1, quarantine text), the
#     8th refused at MAIL FROM; a new session is refused at MAIL FROM too;
#   - a tagged message (HELO without a dot, threshold_tag 10): delivered
#     with the X-Zombie-Score header;
#   - an infected host on the DNSBL: quarantined by its first message;
#   - recipients Sendmail refuses as unknown local users reach the milter
#     ({rcpt_mailer} error): rejected=4/5(+30);
#   - the queue id (macro i) is Sendmail's at MAIL FROM and at the end.
# Every message Sendmail accepted reaches the sink, nothing else, and its
# queue is empty.

. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"
. "$ZM_TOP/t/lib/sendmail.sh"
. "$ZM_TOP/t/lib/rbldnsd.sh"

zm_e2e_require m4 unshare rbldnsd

URL="https://support.zm-test.example/zombie?case=e2e-sendmail"
DEFER_TEXT="E2E-SM slow down; see $URL"
QUAR_TEXT="E2E-SM quarantined: your computer may be infected; see $URL"
XBL=xbl.zm-test.net
LOCAL=local.zm-test.example


zm_rbl_file xbl <<'EOF2'
:127.0.0.4:Listed in xbl: $
127.0.0.9
127.0.0.2 :127.0.0.2:RFC 5782 test point
EOF2
zm_rbldnsd_start "$XBL:ip4set:xbl" || zm_sm_fail_setup "rbldnsd did not start"
zm_sink_start || zm_sm_fail_setup "smtp-sink did not start"
MP=$(zm_free_port)
zm_milter_conf "$T/zm.conf" "$MP" \
    'exempt = {}' \
    'window "1m" {
    length = 60
    buckets = 6
    messages = 3
    recipients = 0
    points = 60
}' \
    'threshold_tag = 10' \
    'refused_per_window = 2' \
    'quarantine_time = 600' \
    "dns_forwarders = { \"127.0.0.1@$ZM_RBL_PORT\" }" \
    'dns_budget_ms = 1000' \
    "dnsbl \"$XBL\" {
    type = \"ip\"
    codes = { \"127.0.0.4 infected 120\" }
}" \
    "support_url = \"$URL\"" \
    'reply_tempfail = "E2E-SM slow down; see %u"' \
    'reply_quarantine = "E2E-SM quarantined: your computer may be infected; see %u"'
"$ZM_BIN" -n -c "$T/zm.conf" >"$T/check.out" 2>&1
ok $? "zombie-milter -n accepts the config"
zm_start_milter "$T/zm.conf" || zm_sm_fail_setup "milter did not start"
ZM_SM_LOCAL_DOMAINS=$LOCAL zm_sendmail_start "$MP" || zm_sm_fail_setup "sendmail did not start"
like "$(grep '^Xzombie-milter' "$ZM_SM_DIR/sendmail.cf")" "S=inet:$MP@127\.0\.0\.1, F=T" \
    "its sendmail.cf has the milter with S= at the test's port and F=T"

# --- the sessions ------------------------------------------------------------
zm_sm_send c1 127.0.0.5 2 --helo mail.customer.example
zm_sm_send b1 127.0.0.6 8 --helo mail.burst.example
zm_sm_send b2 127.0.0.6 1 --helo mail.burst.example
zm_sm_send t1 127.0.0.7 1 --helo PC-1234
zm_sm_send i1 127.0.0.9 2 --helo mail.infected.example
zm_sm_send r1 127.0.0.8 1 --helo mail.customer8.example --keep-going \
    --to "x@remote.example,gone1@$LOCAL,gone2@$LOCAL,gone3@$LOCAL,gone4@$LOCAL"

is "$(zm_stages c1)" "eom:250 eom:250" "clean customer 127.0.0.5: delivered"
is "$(zm_stages b1)" "eom:250 eom:250 eom:250 eom:451 eom:451 eom:451 eom:550 mail:550" \
    "burst 127.0.0.6: 3 delivered, 3 deferred, the 7th quarantined, the 8th refused at MAIL FROM"
is "$(zm_texts b1 451)" "451 4.7.1 $DEFER_TEXT" "the deferrals carry 4.7.1 and the reply_tempfail text"
is "$(awk '$1 == "b1-7" { $1 = $2 = ""; sub(/^  /, ""); print }' "$T/replies")" "550 5.7.1 $QUAR_TEXT" \
    "the quarantine carries 5.7.1 and the reply_quarantine text"
like "$(awk '$1 == "b1-8" { $1 = $2 = ""; sub(/^  /, ""); print }' "$T/replies")" \
    "^550 5\.7\.1 .*$(printf '%s' "$QUAR_TEXT" | sed 's/[][\.*^$+?(){}|/]/\\&/g')\$" \
    "the refusal at MAIL FROM carries 5.7.1 and the quarantine text (after Sendmail's <address>...)"
is "$(zm_stages b2)" "mail:550" "a new session of 127.0.0.6: refused at MAIL FROM"
is "$(zm_stages t1)" "eom:250" "tagged message (HELO PC-1234): delivered"
is "$(zm_stages i1)" "eom:550 mail:550" "infected 127.0.0.9: quarantined by its first message"
is "$(awk '$1 == "i1-1" { $1 = $2 = ""; sub(/^  /, ""); print }' "$T/replies")" "550 5.7.1 $QUAR_TEXT" \
    "... with the quarantine text"
is "$(zm_stages r1)" "eom:250" "4 of 5 recipients refused as unknown local users: delivered to the other"

ZM_QUEUE_COUNT=zm_sm_queue_count zm_check_delivery "sendmail"
tagged=$(grep -l '^X-ZM-Test-Id: t1-1' "$ZM_SINK_DIR"/msg.* 2>/dev/null | head -1)
like "$(grep '^X-Zombie-Score:' "$tagged" 2>/dev/null)" '^X-Zombie-Score: 10 helo=nofqdn\(\+10\)$' \
    "the tagged message reached the sink with X-Zombie-Score: 10 helo=nofqdn(+10)"

kill -0 "$ZM_MILTER_PID" 2>/dev/null
ok $? "milter still running (no crash)"
zm_stop_milter
ok $? "milter exits 0 on SIGTERM"
L=$T/milter.log
zm_file_lacks "$L" 'Sanitizer|runtime error:|==[0-9]+==ERROR' "no sanitizer report in the milter's log"
# the queue ids Sendmail gave (in its replies) are those the milter logged
qids=$(awk '$2 == "eom" && $3 == 250 { print $5 }' "$T/replies" | sort)
is "$(for q in $qids; do grep -c "^.*$q: action=" "$L"; done | sort -u | paste -sd' ')/$(printf '%s\n' $qids | grep -c .)" "1/7" \
    "each of the 7 delivered messages' Sendmail queue ids has exactly one decision line"
is "$(zm_nfixed "$L" "action=accept host=127.0.0.5 user=- score=0 reasons=- rcpts=1")" 2 \
    "logged: the clean customer's two accepts"
is "$(zm_nfixed "$L" "action=tempfail host=127.0.0.6 user=- score=60 reasons=msgs1m=4/3(+60) rcpts=1")" 3 \
    "logged: three deferrals with msgs1m=4/3(+60)"
is "$(zm_nfixed "$L" "action=quarantine host=127.0.0.6 user=- score=130 reasons=msgs1m=4/3(+60),refused=3/2(+70) rcpts=1")" 1 \
    "logged: the quarantine with refused=3/2(+70)"
is "$(grep -cE '[0-9A-Za-z]{14}: action=reject host=127\.0\.0\.6 user=- score=0 reasons=quarantined rcpts=0 stage=mail blocked=127\.0\.0\.6$' "$L")" 2 \
    "logged: two refusals at MAIL FROM, each with Sendmail's queue id and blocked=127.0.0.6"
is "$(zm_nfixed "$L" "action=tag host=127.0.0.7 user=- score=10 reasons=helo=nofqdn(+10) rcpts=1")" 1 \
    "logged: the tag with helo=nofqdn(+10)"
is "$(zm_nfixed "$L" "action=quarantine host=127.0.0.9 user=- score=120 reasons=dnsbl=$XBL:127.0.0.4(+120) rcpts=1")" 1 \
    "logged: the infected host quarantined with dnsbl=$XBL:127.0.0.4(+120)"
like "$(grep 'host=127\.0\.0\.8 ' "$L")" 'reasons=[^ ]*rejected=4/5\(\+30\)[^ ]* rcpts=1' \
    "logged: the refused recipients counted, rejected=4/5(+30)"

[ "$zm_nfail" -gt 0 ] && { diag "replies:"; diag "$(cat "$T/replies")"; diag "decisions:"; diag "$(grep 'action=' "$L")"; zm_sendmail_diag; }
plan "$zm_ntest"
zm_done
