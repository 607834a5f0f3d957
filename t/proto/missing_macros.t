#!/bin/bash
# Missing macros: without "i" and "{auth_authen}" the milter works and logs
# NOQUEUE and user=-.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 8

proto_start \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 0' 'recipients = 3' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 50' 'threshold_reject = 100' 'threshold_quarantine = 0' \
    'reply_tempfail = "ZM-TEMP no macros"'
proto_lua missing_macros "miltertest: messages without macros accepted, crossing one tempfailed"
proto_stop

log_has "$(dl NOQUEUE 'action=accept host=192\.0\.2\.60 user=- score=0 reasons=- rcpts=1')" \
    "no macros: logged NOQUEUE, user=-"
log_has "$(dl NOQUEUE 'action=accept host=192\.0\.2\.61 user=- score=0 reasons=- rcpts=2')" \
    "{mail_addr} only: logged NOQUEUE, user=-"
log_has "$(dl NOQUEUE 'action=accept host=192\.0\.2\.62 user=- score=0 reasons=- rcpts=2')" \
    "192.0.2.62 first message NOQUEUE accepted"
log_has "$(dl NOQUEUE 'action=tempfail host=192\.0\.2\.62 user=- score=60 reasons=rcpts1m=4/3\(\+60\) rcpts=2')" \
    "192.0.2.62 second message NOQUEUE tempfail"
log_count ': action=' 4 "exactly four decision lines"
zm_done
