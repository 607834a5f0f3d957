#!/bin/bash
# A host under its limits: MAIL/RCPT/EOM accepted, decision logged with
# the queue id from macro i, score=0 reasons=- and the rcpt count.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 9

proto_start   # default windows and thresholds
proto_lua accept_under_limits "miltertest: exempt loopback accepted at connect, three messages accepted"
proto_stop

log_has "$(dl ACC1 'action=accept host=192\.0\.2\.10 user=- score=0 reasons=- rcpts=2')" \
    "ACC1 logged: action=accept host=192.0.2.10 user=- score=0 reasons=- rcpts=2"
log_has "$(dl ACC2 'action=accept host=192\.0\.2\.10 user=- score=0 reasons=- rcpts=1')" \
    "ACC2 (queue id given at end of message) logged with rcpts=1"
log_has "$(dl ACC3 'action=accept host=192\.0\.2\.10 user=(user:)?alice score=0 reasons=- rcpts=3')" \
    "ACC3 logged with the SASL login, rcpts=3"
log_count ': action=' 3 "exactly three decision lines"
log_lacks 'host=127\.0\.0\.1' "no decision for the exempt loopback client"
log_lacks 'NOQUEUE: action=' "no decision without its queue id"
zm_done
