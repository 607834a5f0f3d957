#!/bin/bash
# Abort mid-message: MAIL/RCPT/abort and MAIL/abort leave no decision and
# no count; the next message on the connection is accepted and logged with
# its own rcpt count.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 10

proto_start \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 0' 'recipients = 5' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 50' 'threshold_reject = 100' 'threshold_quarantine = 0' \
    'reply_tempfail = "ZM-TEMP abort test"'
proto_lua abort_mid_message "miltertest: messages after aborts accepted, B5 tempfailed"
proto_stop

h='host=192\.0\.2\.50 user=-'
log_has "$(dl B2 "action=accept $h score=0 reasons=- rcpts=2")" \
    "B2 logged rcpts=2 (aborted B1's recipients not included)"
log_has "$(dl B4 "action=accept $h score=0 reasons=- rcpts=3")" \
    "B4 logged rcpts=3, score=0 (aborted messages not counted)"
log_has "$(dl B5 "action=tempfail $h score=60 reasons=rcpts1m=6/5\(\+60\) rcpts=1")" \
    "B5 logged tempfail rcpts1m=6/5(+60)"
log_lacks "$(dl B1 'action=')" "no decision for aborted B1"
log_lacks "$(dl B3 'action=')" "no decision for aborted B3"
log_lacks "$(dl B6 'action=')" "no decision for B6 (connection closed mid-message)"
log_count ': action=' 3 "exactly three decision lines"
zm_done
