#!/bin/bash
# IPv6 clients: two addresses of one /64 count as host 2001:db8:1:2::/64,
# another /64 is separate, IPv4-mapped ::ffff:192.0.2.33 is host
# 192.0.2.33 (shares its counts with the IPv4 client).
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 12

proto_start \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 0' 'recipients = 3' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 50' 'threshold_reject = 100' 'threshold_quarantine = 0' \
    'reply_tempfail = "ZM-TEMP v6"'
proto_lua ipv6_client "miltertest: /64 counted as one host, mapped IPv4 as IPv4"
proto_stop

p='host=2001:db8:1:2::/64 user=-'
log_has "$(dl V1 "action=accept $p score=0 reasons=- rcpts=2")" "V1 (2001:db8:1:2::a) logged host=2001:db8:1:2::/64"
log_has "$(dl V2 "action=tempfail $p score=60 reasons=rcpts1m=4/3\(\+60\) rcpts=2")" \
    "V2 (2001:db8:1:2::b) counted with V1: rcpts1m=4/3"
log_has "$(dl V3 'action=accept host=2001:db8:1:3::/64 user=- score=0 reasons=- rcpts=2')" \
    "V3 (2001:db8:1:3::a) is another host"
log_has "$(dl V4 "action=accept $p score=0 reasons=- rcpts=1")" \
    "V4 (2001:DB8:1:2:0:0:0:C) same host, count 3 not over"
log_has "$(dl V5 'action=accept host=192\.0\.2\.33 user=- score=0 reasons=- rcpts=2')" "V5 (IPv4) accepted"
log_has "$(dl V6 'action=tempfail host=192\.0\.2\.33 user=- score=60 reasons=rcpts1m=4/3\(\+60\) rcpts=2')" \
    "V6 (::ffff:192.0.2.33) logged host=192.0.2.33, counted with V5"
log_has "$(dl V7 'action=accept host=192\.0\.2\.34 user=- score=0 reasons=- rcpts=1')" \
    "V7 (::ffff:192.0.2.34) logged host=192.0.2.34"
log_lacks 'host=[^ ]*ffff' "no host logged in IPv4-mapped form"
log_count ': action=' 7 "exactly seven decision lines"
zm_done
