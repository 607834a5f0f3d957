#!/bin/bash
# t/e2e/sendmail_postfix_shared_redis.t -- a Postfix relay and a Sendmail
# relay, each with its own zombie-milter, sharing one Redis: one host's
# messages through both are counted together.
#
# A private redis-server, a private Postfix (its milter P) and a private
# Sendmail (its milter S), both relaying to one smtp-sink; both milters
# with window "1m" of 4 messages worth 100 points, reject at 80, nothing
# exempt.  Host 127.0.0.20 (through Postfix by XCLIENT, through Sendmail
# by binding to it) sends 2 messages through each, delivered; the 5th,
# through Sendmail, is rejected (550 5.7.1, msgs1m=5/4) and so is the
# 6th, through Postfix; zm:rate:127.0.0.20 holds the 4 counted messages
# (refused mail is not counted).  Another host through both is delivered.

. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"
. "$ZM_TOP/t/lib/sendmail.sh"
. "$ZM_TOP/t/lib/redis.sh"

zm_e2e_require m4 unshare redis-server redis-cli

REJ_TEXT="E2E-SHARED refused: too much mail; see https://support.zm-test.example/zombie"


milter_conf() { # FILE PORT RELAY
    local rl
    mapfile -t rl < <(zm_redis_milter_conf)
    zm_milter_conf "$1" "$2" "${rl[@]}" \
        'exempt = {}' \
        'window "1m" {
    length = 60
    buckets = 6
    messages = 4
    recipients = 0
    points = 100
}' \
        'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 80' \
        'threshold_quarantine = 0' \
        'support_url = "https://support.zm-test.example/zombie"' \
        'reply_reject = "E2E-SHARED refused: too much mail; see %u"' \
        "relay_name = \"$3\""
}

zm_redis_start || zm_sm_fail_setup "redis-server did not start"
zm_e2e_rig || zm_sm_fail_setup "the Postfix rig did not start"
milter_conf "$T/P.conf" "$ZM_MILTER_PORT" relay-postfix
zm_start_named P "$T/P.conf" || zm_sm_fail_setup "milter P did not start"
SP=$(zm_free_port)
milter_conf "$T/S.conf" "$SP" relay-sendmail
zm_start_named S "$T/S.conf" || zm_sm_fail_setup "milter S did not start"
zm_sendmail_start "$SP" || zm_sm_fail_setup "sendmail did not start"

H=127.0.0.20
zm_send p1 "$H" 2
zm_sm_send s1 "$H" 2
zm_sm_send s2 "$H" 1
zm_send p2 "$H" 1
zm_send o1 127.0.0.21 1
zm_sm_send o2 127.0.0.21 1

is "$(zm_stages p1) $(zm_stages s1)" "eom:250 eom:250 eom:250 eom:250" \
    "$H: 2 messages through Postfix, 2 through Sendmail, delivered"
is "$(zm_stages s2)" "eom:550" "the 5th, through Sendmail: rejected (both relays' messages counted)"
is "$(zm_texts s2 550)" "550 5.7.1 $REJ_TEXT" "... with 5.7.1 and the reply_reject text"
is "$(zm_stages p2)" "eom:550" "the 6th, through Postfix: rejected"
is "$(zm_texts p2 550)" "550 5.7.1 $REJ_TEXT" "... with 5.7.1 and the reply_reject text"
is "$(zm_stages o1) $(zm_stages o2)" "eom:250 eom:250" "another host through both: delivered"
is "$(zm_redis_window "zm:rate:$H" | cut -d' ' -f1)" 4 \
    "zm:rate:$H counts the 4 delivered messages of both relays"

ZM_QUEUE_COUNT=zm_sm_queue_count zm_check_delivery "sendmail side"
is "$(zm_postfix_queue_count)" 0 "the Postfix queue is empty too"

for n in P S; do
    kill -0 "${ZM_NPID[$n]}" 2>/dev/null
    ok $? "milter $n still running (no crash)"
done
is "$(zm_nfixed "$T/S.log" "action=reject host=$H user=- score=100 reasons=msgs1m=5/4(+100) rcpts=1")" 1 \
    "milter S logged the 5th message: msgs1m=5/4(+100)"
is "$(zm_nfixed "$T/P.log" "action=reject host=$H user=- score=100 reasons=msgs1m=5/4(+100) rcpts=1")" 1 \
    "milter P logged the 6th: msgs1m=5/4(+100) (the 5th was not counted)"
for n in P S; do
    zm_file_lacks "$T/$n.log" 'fallback=|unreachable|Sanitizer|runtime error:' \
        "milter $n: every decision used Redis, no sanitizer report"
done

[ "$zm_nfail" -gt 0 ] && { diag "replies:"; diag "$(cat "$T/replies")"; zm_sendmail_diag; }
plan "$zm_ntest"
zm_done
