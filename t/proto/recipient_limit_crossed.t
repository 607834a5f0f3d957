#!/bin/bash
# Crossing a window's recipient limit: tempfail (451 4.7.1, configured
# text with %u expanded), reject when the score reaches threshold_reject
# (550 5.7.1); reasons rcpts1m=N/L(+P); refused mail is not counted.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 13

proto_start \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 0' 'recipients = 5' 'points = 60' '}' \
    'window "5m" {' 'length = 300' 'buckets = 10' 'messages = 0' 'recipients = 9' 'points = 50' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 50' 'threshold_reject = 100' 'threshold_quarantine = 0' \
    'support_url = "https://help.example.org/zm"' \
    'reply_tempfail = "ZM-TEMP slow down, see %u please"' \
    'reply_reject = "ZM-REJ refused (100%% sure), see %u"'
proto_lua recipient_limit_crossed "miltertest: replies as expected (451 4.7.1 / 550 5.7.1 texts, accepts)"
proto_stop

h='host=192\.0\.2\.20 user=-'
log_has "$(dl T1 "action=accept $h score=0 reasons=- rcpts=2")" "T1 accepted (count 2)"
log_has "$(dl T2 "action=accept $h score=0 reasons=- rcpts=2")" "T2 accepted (count 4)"
log_has "$(dl T3 "action=tempfail $h score=60 reasons=rcpts1m=6/5\(\+60\) rcpts=2")" \
    "T3 logged action=tempfail score=60 reasons=rcpts1m=6/5(+60)"
log_has "$(dl T4 "action=accept $h score=0 reasons=- rcpts=1")" \
    "T4 accepted: refused T3 was not counted"
log_has "$(dl T5 "action=tempfail $h score=60 reasons=rcpts1m=6/5\(\+60\) rcpts=1")" \
    "T5 logged action=tempfail rcpts1m=6/5(+60)"
h='host=198\.51\.100\.20 user=-'
log_has "$(dl R2 "action=accept $h score=0 reasons=- rcpts=2")" "R2 accepted (count 4)"
log_has "$(dl R3 "action=reject $h score=110 reasons=rcpts1m=10/5\(\+60\),rcpts5m=10/9\(\+50\) rcpts=6")" \
    "R3 logged action=reject score=110 reasons=rcpts1m=10/5(+60),rcpts5m=10/9(+50)"
log_has "$(dl R4 "action=accept $h score=0 reasons=- rcpts=1")" \
    "R4 accepted: refused R3 was not counted"
log_count ': action=' 9 "exactly nine decision lines"
log_lacks 'stage=mail' "no MAIL-stage refusal (nothing quarantined)"
zm_done
