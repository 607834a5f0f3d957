#!/bin/bash
# AF_UNIX and unknown-family / address-less connect info: no crash,
# messages accepted (never counted by host), logged host=-.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 12

proto_start \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 0' 'recipients = 1' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 50' 'threshold_reject = 100' 'threshold_quarantine = 0'
proto_lua unix_and_unknown_address "miltertest: unknown-family client accepted, not counted"
proto_py unix_and_unknown_address "raw client: AF_UNIX and family U clients accepted; IPv4 client still counted"
proto_stop

for q in U1 U2 X1 X2 X3; do
    log_has "$(dl $q 'action=accept host=- user=- score=0 reasons=- rcpts=2')" \
        "$q logged action=accept host=- score=0 rcpts=2"
done
log_has "$(dl U3 'action=accept host=- user=- score=0 reasons=- rcpts=3')" "U3 logged action=accept host=-"
log_has "$(dl X4 'action=tempfail host=192\.0\.2\.80 user=- score=60 reasons=rcpts1m=2/1\(\+60\) rcpts=2')" \
    "X4 (IPv4 after them) counted and tempfailed"
log_count ': action=' 7 "exactly seven decision lines"
zm_done
