#!/bin/bash
# Tag: score between threshold_tag and threshold_tempfail -> header
# X-Zombie-Score "SCORE REASONS" added, message delivered, action=tag.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 8

proto_start \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 0' 'recipients = 3' 'points = 30' '}' \
    'threshold_tag = 20' 'threshold_tempfail = 50' 'threshold_reject = 80' 'threshold_quarantine = 120'
proto_lua tag_adds_header "miltertest: X-Zombie-Score added with score and reasons, messages delivered"
proto_stop

h='host=192\.0\.2\.110 user=-'
log_has "$(dl G1 "action=accept $h score=0 reasons=- rcpts=2")" "G1 accepted untagged"
log_has "$(dl G2 "action=tag $h score=30 reasons=rcpts1m=4/3\(\+30\) rcpts=2")" \
    "G2 logged action=tag score=30 reasons=rcpts1m=4/3(+30)"
log_has "$(dl G3 "action=tag $h score=30 reasons=rcpts1m=5/3\(\+30\) rcpts=1")" \
    "G3 logged action=tag rcpts1m=5/3: the tagged G2 was counted"
log_has "$(dl G4 'action=accept host=192\.0\.2\.111 user=- score=0 reasons=- rcpts=1')" "G4 other host accepted"
log_count ': action=' 4 "exactly four decision lines"
zm_done
