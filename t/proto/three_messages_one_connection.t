#!/bin/bash
# Several messages on one connection: each logged with its own queue id
# and rcpt count; the message count accumulates and the third message
# crosses messages = 2 (451 4.7.1, default reply_tempfail text).
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 9

proto_start \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 2' 'recipients = 0' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 50' 'threshold_reject = 100' 'threshold_quarantine = 0'
proto_lua three_messages_one_connection "miltertest: M1, M2 accepted, M3 and M4 get 451 4.7.1 (default text)"
proto_stop

h='host=192\.0\.2\.40 user=-'
log_has "$(dl M1 "action=accept $h score=0 reasons=- rcpts=1")" "M1 logged with rcpts=1"
log_has "$(dl M2 "action=accept $h score=0 reasons=- rcpts=2")" "M2 logged with rcpts=2"
log_has "$(dl M3 "action=tempfail $h score=60 reasons=msgs1m=3/2\(\+60\) rcpts=3")" \
    "M3 logged action=tempfail reasons=msgs1m=3/2(+60) rcpts=3"
log_has "$(dl M4 "action=tempfail $h score=60 reasons=msgs1m=3/2\(\+60\) rcpts=1")" \
    "M4 logged msgs1m=3/2: refused M3 not counted"
log_has "$(dl M5 'action=accept host=192\.0\.2\.41 user=- score=0 reasons=- rcpts=1')" "M5 (other host) accepted"
log_count ': action=' 5 "exactly five decision lines"
zm_done
