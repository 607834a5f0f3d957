#!/bin/bash
# Monitor mode: the crossing message is accepted and logged
# "action=accept would=quarantine"; no refusal at EOM or MAIL afterwards.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 12

proto_start 'mode = "monitor"' \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 0' 'recipients = 3' 'points = 200' '}' \
    'threshold_tag = 20' 'threshold_tempfail = 50' 'threshold_reject = 100' 'threshold_quarantine = 150'
proto_lua monitor_mode "miltertest: every message accepted in monitor mode"
proto_stop

h='host=192\.0\.2\.100 user=-'
log_has "$(dl W1 "action=accept $h score=0 reasons=- rcpts=2")" "W1 accepted, score 0"
log_has "$(dl W2 "action=accept would=quarantine $h score=200 reasons=rcpts1m=4/3\(\+200\) rcpts=2")" \
    "W2 logged action=accept would=quarantine score=200 reasons=rcpts1m=4/3(+200)"
log_has "$(dl W3 "action=accept would=quarantine $h score=200 reasons=rcpts1m=[0-9]+/3\(\+200\) rcpts=1")" \
    "W3 logged action=accept would=quarantine"
log_has "$(dl W4 "action=accept would=quarantine $h score=200 reasons=rcpts1m=[0-9]+/3\(\+200\) rcpts=1")" \
    "W4 (new connection) not refused at MAIL, logged would=quarantine"
log_has "$(dl W5 'action=accept would=quarantine host=198\.51\.100\.100 user=(user:)?monty score=[0-9]+ reasons=[^ ]+ rcpts=4')" \
    "W5 (login monty) logged would=quarantine"
log_has "$(dl W6 'action=accept( would=[a-z]+)? host=203\.0\.113\.100 user=(user:)?monty score=[0-9]+ reasons=[^ ]+ rcpts=1')" \
    "W6 (monty from another address) accepted"
log_lacks 'stage=mail' "no MAIL-stage refusal"
log_lacks ': action=(tag|tempfail|reject|quarantine)' "no decision other than accept"
log_count ': action=accept' 6 "six accept decisions"
zm_done
