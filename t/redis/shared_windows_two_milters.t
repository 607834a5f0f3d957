#!/bin/bash
# Two milter processes (two relays) share one Redis: a host's messages
# alternate between them and are counted together (window messages=5:
# messages 1-5 accepted across both, the 6th quarantines at end of
# message on the milter that saw it, 550 5.7.1 reply_quarantine); the
# OTHER milter then refuses the host at MAIL FROM (same text) within
# ~2 s (polled for up to 3 s), logged with stage=mail.  Other hosts go on.
# Likewise a SASL login whose messages come from six addresses over both.
. "$(dirname "$0")/rtest.sh"
rt_require

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }

Q='550 5.7.1 ZM-QUAR shared quarantine'
common=(
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 5' 'recipients = 0' 'points = 60' '}'
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 50'
    'quarantine_time = 600'
    'reply_quarantine = "ZM-QUAR shared quarantine"'
)
rt_start A "${common[@]}" 'relay_name = "relay-a"'
rt_start B "${common[@]}" 'relay_name = "relay-b"'
PA=${rt_port[A]}
PB=${rt_port[B]}

H=192.0.2.50
zmc "raw client: 192.0.2.50's messages 1-5 alternate A/B and are accepted" <<EOF
$PA accept $H qid=W1
$PB accept $H qid=W2
$PA accept $H qid=W3
$PB accept $H qid=W4
$PA accept $H qid=W5
EOF
is "$(zm_redis_window "zm:rate:$H" a)" "5 5" "zm:rate:$H counts the 5 messages seen by both milters (msgs rcpts)"

zmc "raw client: the 6th message (on B) is refused at end of message with '$Q'" <<EOF
$PB refuse-eom $H qid=W6 text='$Q'
EOF

zmc "raw client: A refuses 192.0.2.50 at MAIL FROM with '$Q' within 3 s" <<EOF
$PA until-refused-mail $H qid=W7 within=3 text='$Q'
EOF
el=$(zmc_get elapsed)
att=$(zmc_get attempts)
last=$(zmc_get last)
diag "A refused at MAIL FROM after ${el:-?} s, attempt ${att:-?} ($last)"
ok "$(awk -v e="${el:-99}" 'BEGIN { exit !(e <= 2.0) }'; echo $?)" \
    "A's refusal came within ~2 s of the quarantine (${el:-?} s)"

zmc "raw client: B refuses 192.0.2.50 at MAIL FROM too; another host is accepted by A and B" <<EOF
$PB refuse-mail $H qid=W8 text='$Q'
$PA accept 192.0.2.51 qid=W9
$PB accept 192.0.2.51 qid=W10
EOF

# a SASL login spread over both milters and six addresses
L=erin@example.net
zmc "raw client: login $L from six addresses alternating A/B: 1-5 accepted, the 6th (on B) quarantined" <<EOF
$PA accept 203.0.113.51 login=$L qid=E1
$PB accept 203.0.113.52 login=$L qid=E2
$PA accept 203.0.113.53 login=$L qid=E3
$PB accept 203.0.113.54 login=$L qid=E4
$PA accept 203.0.113.55 login=$L qid=E5
$PB refuse-eom 203.0.113.56 login=$L qid=E6 text='$Q'
EOF
zmc "raw client: A refuses login $L from a new address at MAIL FROM within 3 s" <<EOF
$PA until-refused-mail 198.51.100.57 login=$L qid=E7 within=3 text='$Q'
EOF
lel=$(zmc_get elapsed)
llast=$(zmc_get last)
diag "A refused the login at MAIL FROM after ${lel:-?} s ($llast)"
ok "$(awk -v e="${lel:-99}" 'BEGIN { exit !(e <= 2.0) }'; echo $?)" \
    "A's refusal of the login came within ~2 s of its quarantine (${lel:-?} s)"

# the shared record
rec=$(rhash "zm:block:$H")
like "$rec" '^relay=relay-b$' "zm:block:$H written by B: relay=relay-b"
is "$(rcli EXISTS "zm:rate:$H")" 0 "zm:rate:$H reset by the quarantine"

rt_acl_clean 2
rt_stop A B

h='host=192\.0\.2\.50 user=-'
acc="$h score=0 reasons=- rcpts=1"
rlog_has A "$(dl W1 "action=accept $acc")" "A: W1 accepted (count 1)"
rlog_has B "$(dl W2 "action=accept $acc")" "B: W2 accepted (count 2)"
rlog_has A "$(dl W3 "action=accept $acc")" "A: W3 accepted (count 3)"
rlog_has B "$(dl W4 "action=accept $acc")" "B: W4 accepted (count 4)"
rlog_has A "$(dl W5 "action=accept $acc")" "A: W5 accepted (count 5)"
rlog_has B "$(dl W6 "action=quarantine $h score=60 reasons=msgs1m=6/5\(\+60\) rcpts=1")" \
    "B: W6 quarantined with reasons=msgs1m=6/5(+60): both milters' messages counted"
if [ -n "$last" ]; then
    rlog_has A "$(dl "$last" "action=reject $h score=0 reasons=quarantined rcpts=0 stage=mail")" \
        "A: $last refused at MAIL, logged stage=mail"
else
    ok 1 "A: a MAIL-stage refusal logged (no attempt reported)"
fi
u='user=user:erin@example\.net'
rlog_has B "$(dl E6 "action=quarantine host=203\.0\.113\.56 $u score=60 reasons=user\.msgs1m=6/5\(\+60\) rcpts=1")" \
    "B: E6 quarantined the login with reasons=user.msgs1m=6/5(+60)"
if [ -n "$llast" ]; then
    rlog_has A "$(dl "$llast" "action=reject host=198\.51\.100\.57 $u score=0 reasons=quarantined rcpts=0 stage=mail")" \
        "A: $llast (the login from a new address) refused at MAIL, stage=mail"
else
    ok 1 "A: a MAIL-stage refusal of the login logged (no attempt reported)"
fi
rlog_count A ': action=reject .* stage=mail' 2 "A: exactly two MAIL-stage refusals (the host's, the login's)"
rlog_has B "$(dl W8 "action=reject $h score=0 reasons=quarantined rcpts=0 stage=mail")" \
    "B: W8 refused at MAIL, logged stage=mail"
rlog_has A "$(dl W9 'action=accept host=192\.0\.2\.51 user=- score=0 reasons=- rcpts=1')" "A: W9 (other host) accepted"
rlog_has B "$(dl W10 'action=accept host=192\.0\.2\.51 user=- score=0 reasons=- rcpts=1')" "B: W10 (other host) accepted"
rlog_count A ': action=quarantine' 0 "A quarantined nothing"
rlog_count B ': action=quarantine' 2 "B quarantined twice (the host, the login)"
rlog_count A ': action=' 9 "A: nine decision lines (W1 W3 W5, a refusal, W9, E1 E3 E5, a refusal)"
rlog_count B ': action=' 8 "B: eight decision lines (W2 W4 W6 W8 W10, E2 E4 E6)"
for n in A B; do
    rlog_lacks "$n" 'fallback=|unreachable' "$n: every decision used Redis (no fallback, no unreachable)"
done

plan "$zm_ntest"
zm_done
