#!/bin/bash
# Release with redis-cli: a quarantined host is refused at MAIL FROM;
# after `redis-cli DEL zm:block:<host>` a new message from it is accepted
# within ~2 s with score=0 (its counts start fresh: two more messages fit
# under a limit of 2).  A quarantined SASL login likewise after
# `DEL zm:block:user:<login>`, while the host it was quarantined from
# stays quarantined until its own key is deleted.
. "$(dirname "$0")/rtest.sh"
rt_require

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }

rt_start M \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 2' 'recipients = 0' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 50' \
    'quarantine_time = 600' \
    'reply_quarantine = "ZM-QUAR release test"'
PM=${rt_port[M]}
Q='550 5.7.1 ZM-QUAR release test'
within2() { awk -v e="${1:-99}" 'BEGIN { exit !(e <= 2.0) }'; echo $?; }

# --- a host ---------------------------------------------------------------
H=192.0.2.80
zmc "raw client: 192.0.2.80 R1 R2 accepted, R3 quarantined, R4 refused at MAIL with '$Q'" <<EOF
$PM accept $H qid=R1
$PM accept $H qid=R2
$PM refuse-eom $H qid=R3 text='$Q'
$PM refuse-mail $H qid=R4 text='$Q'
EOF
is "$(rcli EXISTS "zm:block:$H")" 1 "zm:block:$H exists"
is "$(rcli DEL "zm:block:$H")" 1 "redis-cli DEL zm:block:$H deletes it"
zmc "raw client: after the DEL, 192.0.2.80 is accepted again within ~2 s (R5), and R6 too" <<EOF
$PM until-accepted $H qid=R5 within=3 text='$Q'
$PM accept $H qid=R6
EOF
# R5's line says how long it took
el=$(sed -n '1s/.* elapsed=\([^ ]*\).*/\1/p' "$ZMC_OUT")
nref=$(sed -n '1s/.* refused=\([^ ]*\).*/\1/p' "$ZMC_OUT")
diag "the release took effect after ${el:-?} s (${nref:-?} refused attempts before)"
ok "$(within2 "$el")" "the release took effect within ~2 s (${el:-?} s)"
is "$(rcli EXISTS "zm:block:$H")" 0 "no zm:block:$H re-created"
is "$(zm_redis_window "zm:rate:$H" a)" "2 2" "zm:rate:$H counts only R5 and R6: the counts started fresh"

# --- a SASL login -----------------------------------------------------------
L=dave@example.net
zmc "raw client: login $L quarantined from 198.51.100.82, refused at MAIL from 203.0.113.80" <<EOF
$PM accept 198.51.100.80 login=$L qid=U1
$PM accept 198.51.100.81 login=$L qid=U2
$PM refuse-eom 198.51.100.82 login=$L qid=U3 text='$Q'
$PM refuse-mail 203.0.113.80 login=$L qid=U4 text='$Q'
EOF
is "$(rcli DEL "zm:block:user:$L")" 1 "redis-cli DEL zm:block:user:$L deletes it"
zmc "raw client: after the DEL, $L from 203.0.113.80 is accepted within ~2 s (U5); 198.51.100.82 stays quarantined (U6)" <<EOF
$PM until-accepted 203.0.113.80 login=$L qid=U5 within=3 text='$Q'
$PM refuse-mail 198.51.100.82 qid=U6 text='$Q'
EOF
el=$(sed -n '1s/.* elapsed=\([^ ]*\).*/\1/p' "$ZMC_OUT")
nref2=$(sed -n '1s/.* refused=\([^ ]*\).*/\1/p' "$ZMC_OUT")
diag "the login release took effect after ${el:-?} s (${nref2:-?} refused attempts before)"
ok "$(within2 "$el")" "the login release took effect within ~2 s (${el:-?} s)"
is "$(rcli EXISTS zm:block:198.51.100.82)" 1 "zm:block:198.51.100.82 (the host) is still there"

rt_acl_clean
rt_stop M

h='host=192\.0\.2\.80 user=-'
m='score=0 reasons=quarantined rcpts=0 stage=mail'
rlog_has M "$(dl R1 "action=accept $h score=0 reasons=- rcpts=1")" "R1 accepted"
rlog_has M "$(dl R2 "action=accept $h score=0 reasons=- rcpts=1")" "R2 accepted"
rlog_has M "$(dl R3 "action=quarantine $h score=60 reasons=msgs1m=3/2\(\+60\) rcpts=1")" "R3 quarantined (msgs1m=3/2)"
rlog_has M "$(dl R4 "action=reject $h $m")" "R4 refused at MAIL, stage=mail"
rlog_has M "$(dl R5 "action=accept $h score=0 reasons=- rcpts=1")" \
    "R5 (after the release) logged action=accept score=0 reasons=-"
rlog_has M "$(dl R6 "action=accept $h score=0 reasons=- rcpts=1")" \
    "R6 accepted too: the counts started fresh (count 2 of 2)"
rlog_count M "(^|[ :])R5\.[0-9]+: action=reject $h $m" "${nref:-x}" \
    "each refused attempt before the release took effect logged stage=mail"
u='user=user:dave@example\.net'
rlog_has M "$(dl U3 "action=quarantine host=198\.51\.100\.82 $u score=60 reasons=user\.msgs1m=3/2\(\+60\) rcpts=1")" \
    "U3 quarantined (user.msgs1m=3/2)"
rlog_has M "$(dl U4 "action=reject host=203\.0\.113\.80 $u $m")" "U4 (login from another host) refused at MAIL"
rlog_has M "$(dl U5 "action=accept host=203\.0\.113\.80 $u score=0 reasons=- rcpts=1")" \
    "U5 (after the login's release) logged action=accept score=0 reasons=-"
rlog_has M "$(dl U6 "action=reject host=198\.51\.100\.82 user=- $m")" "U6: the host 198.51.100.82 is still refused at MAIL"
rlog_count M ': action=quarantine' 2 "two quarantines logged"
rlog_lacks M 'fallback=|unreachable' "every decision used Redis (no fallback, no unreachable)"

plan "$zm_ntest"
zm_done
