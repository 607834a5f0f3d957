#!/bin/bash
# t/e2e/sendmail_login.t -- a SASL login through a private Sendmail,
# counted and quarantined as a login.
#
# The private Sendmail (t/lib/sendmail.sh) offers SMTP AUTH PLAIN and
# LOGIN against a private sasldb (users anna and bob); Sendmail passes the
# login to the milter as {auth_authen} at MAIL FROM, without a realm.
# Window "1m": 3 messages worth 130 points, quarantine at 120.
#   - anna from four addresses: three delivered, the 4th quarantined at
#     end of message (550 5.7.1, user.msgs1m=4/3(+130)): the login's
#     messages are counted together wherever they come from;
#   - anna from a fifth address: refused at MAIL FROM, logged
#     blocked=user:anna;
#   - bob from that fifth address, and that address without a login:
#     delivered;
#   - a wrong password: Sendmail refuses AUTH, the milter sees nothing.

. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"
. "$ZM_TOP/t/lib/sendmail.sh"

zm_e2e_require m4 unshare perl

QUAR_TEXT="E2E-SM-LOGIN quarantined: see https://support.zm-test.example/zombie"


zm_sink_start || zm_sm_fail_setup "smtp-sink did not start"
MP=$(zm_free_port)
zm_milter_conf "$T/zm.conf" "$MP" \
    'exempt = {}' \
    'window "1m" {
    length = 60
    buckets = 6
    messages = 3
    recipients = 0
    points = 130
}' \
    'quarantine_time = 600' \
    'support_url = "https://support.zm-test.example/zombie"' \
    'reply_quarantine = "E2E-SM-LOGIN quarantined: see %u"'
zm_start_milter "$T/zm.conf" || zm_sm_fail_setup "milter did not start"
ZM_SM_SASL_USERS="anna:s3cret bob:pw2" zm_sendmail_start "$MP" ||
    zm_sm_fail_setup "sendmail did not start"

for n in 1 2 3 4; do
    zm_sm_send "a$n" "127.0.0.1$n" 1 --auth anna:s3cret
done
zm_sm_send a5 127.0.0.15 1 --auth anna:s3cret
zm_sm_send b5 127.0.0.15 1 --auth bob:pw2
zm_sm_send n5 127.0.0.15 1
zm_sm_send w5 127.0.0.16 1 --auth anna:wrong

is "$(for n in 1 2 3; do zm_stages "a$n"; echo; done | paste -sd' ')" "eom:250 eom:250 eom:250" \
    "anna from three addresses: delivered"
is "$(zm_stages a4)" "eom:550" "anna from a fourth address: refused at end of message"
is "$(zm_texts a4 550)" "550 5.7.1 $QUAR_TEXT" "... with 5.7.1 and the quarantine text"
is "$(zm_stages a5)" "mail:550" "anna from a fifth address: refused at MAIL FROM"
is "$(zm_stages b5) $(zm_stages n5)" "eom:250 eom:250" \
    "bob from that address, and the address without a login: delivered"
is "$(zm_stages w5)" "" "a wrong password: no message sent (AUTH refused by Sendmail)"
like "$(cat "$T/client.err")" '535.*5\.7\.0 authentication failed' "... Sendmail answered 535 5.7.0"

ZM_QUEUE_COUNT=zm_sm_queue_count zm_check_delivery "sendmail, SASL"
zm_stop_milter
ok $? "milter exits 0 on SIGTERM"
L=$T/milter.log
is "$(grep -c 'host=127\.0\.0\.1[123] user=user:anna score=0 reasons=- rcpts=1' "$L")" 3 \
    "logged: anna's three accepts, user=user:anna ({auth_authen} without a realm)"
is "$(zm_nfixed "$L" "action=quarantine host=127.0.0.14 user=user:anna score=130 reasons=user.msgs1m=4/3(+130) rcpts=1")" 1 \
    "logged: the quarantine with user.msgs1m=4/3(+130)"
is "$(zm_nfixed "$L" "action=reject host=127.0.0.15 user=user:anna score=0 reasons=quarantined rcpts=0 stage=mail blocked=user:anna")" 1 \
    "logged: the refusal at MAIL FROM names the login (blocked=user:anna)"
is "$(zm_nfixed "$L" "action=accept host=127.0.0.15 user=user:bob score=0 reasons=- rcpts=1")" 1 \
    "logged: bob accepted from the same address"
is "$(grep -c ': action=' "$L")" 7 "seven decision lines (nothing for the failed AUTH)"
zm_file_lacks "$L" 'Sanitizer|runtime error:|==[0-9]+==ERROR' "no sanitizer report in the milter's log"

[ "$zm_nfail" -gt 0 ] && { diag "replies:"; diag "$(cat "$T/replies")"; diag "$(grep action= "$L")"; zm_sendmail_diag; }
plan "$zm_ntest"
zm_done
