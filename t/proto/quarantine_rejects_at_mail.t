#!/bin/bash
# Quarantine: the crossing message gets 550 5.7.1 reply_quarantine, later
# MAIL FROM of the host (or its SASL login, from any address) gets 550
# 5.7.1 at MAIL stage, logged with stage=mail; other hosts go on.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 19

proto_start \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 0' 'recipients = 3' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 50' \
    'quarantine_time = 600' \
    'support_url = "https://help.example.org/zm"' \
    'reply_quarantine = "ZM-QUAR quarantined, see %u"'
proto_lua quarantine_rejects_at_mail "miltertest: quarantine at EOM, refusals at MAIL, other hosts accepted"
proto_py quarantine_rejects_at_mail "raw client: MAIL-stage refusal text is 550 5.7.1 reply_quarantine"
proto_stop

h='host=192\.0\.2\.30 user=-'
m='score=0 reasons=quarantined rcpts=0 stage=mail'
log_has "$(dl Q1 "action=accept $h score=0 reasons=- rcpts=2")" "Q1 accepted"
log_has "$(dl Q2 "action=quarantine $h score=60 reasons=rcpts1m=4/3\(\+60\) rcpts=2")" \
    "Q2 logged action=quarantine score=60 reasons=rcpts1m=4/3(+60)"
log_has "$(dl Q3 "action=reject $h $m")" "Q3 (same connection) refused at MAIL, logged stage=mail"
log_has "$(dl Q4 "action=reject $h $m")" "Q4 (new connection) refused at MAIL, logged stage=mail"
log_has "$(dl P1 "action=reject $h $m")" "P1 (raw client) refused at MAIL, logged stage=mail"
log_has "$(dl Q5 'action=accept host=192\.0\.2\.31 user=- score=0 reasons=- rcpts=1')" \
    "Q5 from another host accepted"
log_has "$(dl S2 'action=quarantine host=198\.51\.100\.30 user=(user:)?mallory score=[0-9]+ reasons=[^ ]*rcpts1m=4/3\(\+60\)[^ ]* rcpts=2')" \
    "S2 logged action=quarantine for mallory at 198.51.100.30"
log_has "$(dl S3 "action=reject host=203\.0\.113\.31 user=(user:)?mallory $m")" \
    "S3: quarantined login refused at MAIL from 203.0.113.31"
log_has "$(dl P2 "action=reject host=203\.0\.113\.32 user=(user:)?mallory $m")" \
    "P2: quarantined login refused at MAIL from 203.0.113.32"
log_has "$(dl S4 'action=accept host=203\.0\.113\.31 user=- score=0 reasons=- rcpts=1')" \
    "S4: 203.0.113.31 without the login accepted"
log_has "$(dl S5 'action=accept host=203\.0\.113\.31 user=(user:)?trent score=0 reasons=- rcpts=1')" \
    "S5: 203.0.113.31 with another login accepted"
log_count 'stage=mail' 5 "exactly five MAIL-stage refusals logged"
log_count ' action=reject host=[^ ]+ user=[^ ]+ score=0 reasons=quarantined rcpts=0 stage=mail blocked=[^ ]+$' 5 \
    "MAIL-stage refusals logged exactly as the spec has it: reasons=quarantined, blocked=KEY"
log_count ' action=reject host=192\.0\.2\.30 .* stage=mail blocked=192\.0\.2\.30$' 3 \
    "the quarantined host's refusals name it: blocked=192.0.2.30"
log_count ' action=reject host=203\.0\.113\.3[12] user=(user:)?mallory .* stage=mail blocked=user:mallory$' 2 \
    "the quarantined login's refusals from other hosts name the login: blocked=user:mallory"
zm_done
