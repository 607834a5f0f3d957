#!/bin/bash
# After a quarantine (hmac_key_file set): zm:block:<host> holds reason (=
# the decision line's reasons), score, since, relay (= relay_name), until
# (= since + quarantine_time) and a TTL in (0, quarantine_time];
# zm:rate:<host> is gone; the stream zm:events has exactly one entry, one
# field "json", with exactly the documented keys and values and a valid
# HMAC "sig"; a SUBSCRIBE zm:events started before the burst got exactly
# that JSON once.  A SASL login quarantined likewise: "user":"user:LOGIN",
# zm:block:user:LOGIN (and the host's) with TTL, a second event.
. "$(dirname "$0")/rtest.sh"
rt_require

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }

QT=900
printf 'k3y-for-zm-tests\n\n' >"$T/hmac.key"
rt_start M \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 3' 'recipients = 0' 'points = 60' '}' \
    'window "1h" {' 'length = 3600' 'buckets = 12' 'messages = 3' 'recipients = 0' 'points = 80' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 120' \
    "quarantine_time = $QT" \
    'relay_name = "relay-q"' \
    "hmac_key_file = \"$T/hmac.key\"" \
    'reply_quarantine = "ZM-QUAR record"'
PM=${rt_port[M]}
Q='550 5.7.1 ZM-QUAR record'

# the subscriber, before the burst
timeout 60 redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --raw SUBSCRIBE zm:events >"$T/sub.out" 2>&1 &
SUBPID=$!
zm_pids+=($SUBPID)
for ((i = 0; i < 40; i++)); do
    [ "$(rcli PUBSUB NUMSUB zm:events | sed -n 2p)" = 1 ] && break
    sleep 0.05
done
is "$(rcli PUBSUB NUMSUB zm:events | sed -n 2p)" 1 "a redis-cli SUBSCRIBE zm:events is listening before the burst"

rjson() { redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --json "$@"; }
# stream entries: "N" / the field names of entry I / the json of entry I
stream_n() { rjson XRANGE zm:events - + | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
stream_fields() {
    rjson XRANGE zm:events - + |
        python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)[int(sys.argv[1])][1][0::2]))' "$1"
}
stream_json() {
    rjson XRANGE zm:events - + |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[int(sys.argv[1])][1][1])' "$1"
}
# messages the subscriber received, one a line
sub_messages() {
    awk 'p == 2 { print; p = 0; next }
         p == 1 { p = ($0 == "zm:events") ? 2 : 0; next }
         $0 == "message" { p = 1 }' "$T/sub.out"
}
sub_wait() {	# until the subscriber has N messages (2 s at most)
    local i
    for ((i = 0; i < 40; i++)); do
        [ "$(sub_messages | wc -l)" -ge "$1" ] && return 0
        sleep 0.05
    done
}
# field of a decision line: dfield QID NAME
dfield() { rlog_line M "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

# check_block KEY REASONS SCORE: the record and its TTL
check_block() {
    local key=$1 reasons=$2 score=$3 rec since until ttl now
    rec=$(rhash "$key")
    is "$(printf '%s\n' "$rec" | cut -d= -f1 | LC_ALL=C sort | tr '\n' ' ')" \
        "reason relay score since until " "$key has exactly the fields reason relay score since until"
    hf() { printf '%s\n' "$rec" | sed -n "s/^$1=//p"; }
    is "$(hf reason)" "$reasons" "$key reason is the decision line's reasons"
    is "$(hf score)" "$score" "$key score is the decision line's score"
    is "$(hf relay)" relay-q "$key relay is relay_name"
    since=$(hf since)
    until=$(hf until)
    now=$(rcli TIME | head -1)
    ok "$( [[ $since =~ ^[0-9]+$ ]] && [ $((since - now)) -le 2 ] && [ $((now - since)) -le 30 ]; echo $?)" \
        "$key since is a unix time near now ($since, now $now)"
    is "$((until - since))" "$QT" "$key until = since + quarantine_time"
    ttl=$(rcli TTL "$key")
    ok "$( [ "$ttl" -gt 0 ] && [ "$ttl" -le "$QT" ]; echo $?)" "$key TTL in (0, $QT] ($ttl)"
    ok "$( d=$((until - now - ttl)); [ "${d#-}" -le 2 ]; echo $?)" \
        "$key TTL is until - now (TTL $ttl, until - now $((until - now)))"
    B_SINCE=$since B_UNTIL=$until
}

# --- a host ---------------------------------------------------------------
H=192.0.2.60
zmc "raw client: 192.0.2.60 E1-E3 accepted, E4 quarantined with '$Q'" <<EOF
$PM accept $H eomqid=E1
$PM accept $H eomqid=E2
$PM accept $H eomqid=E3
$PM refuse-eom $H eomqid=E4 text='$Q'
EOF
rlog_has M "$(dl E4 'action=quarantine host=192\.0\.2\.60 user=- score=140 reasons=msgs1m=4/3\(\+60\),msgs1h=4/3\(\+80\) rcpts=1')" \
    "E4 logged action=quarantine score=140 reasons=msgs1m=4/3(+60),msgs1h=4/3(+80)"
R=$(dfield E4 reasons)
S=$(dfield E4 score)
[ -n "$R" ] || R='msgs1m=4/3(+60),msgs1h=4/3(+80)'
[ -n "$S" ] || S=140

check_block "zm:block:$H" "$R" "$S"
is "$(rcli EXISTS "zm:rate:$H")" 0 "zm:rate:$H does not exist after the quarantine (EXISTS 0)"
is "$(rcli TYPE zm:events)" stream "zm:events is a stream"
is "$(stream_n)" 1 "exactly one entry in XRANGE zm:events - +"
is "$(stream_fields 0)" json "the entry has one field: json"
EV1=$(stream_json 0)
rt_checks "event 1" python3 "$ZM_REDIS_TDIR/check_event.py" "$EV1" \
    host=$H user=null score="$S" reasons="$R" relay=relay-q since="$B_SINCE" until="$B_UNTIL" \
    qtime=$QT queue_id=E4 keyfile="$T/hmac.key" now="$(rcli TIME | head -1)"
ttl=$(rcli TTL zm:events)
ok "$( [ "$ttl" -gt 0 ] && [ "$ttl" -le 604800 ]; echo $?)" "zm:events has a TTL in (0, event_ttl] ($ttl)"
sub_wait 1
is "$(sub_messages | wc -l)" 1 "the subscriber received exactly one message"
is "$(sub_messages | head -1)" "$EV1" "the message on channel zm:events is the stream entry's JSON"

# --- a SASL login, from four hosts ------------------------------------------
L=mallory.q@example.net
zmc "raw client: login $L from 198.51.100.61-63 accepted, from .64 quarantined, then refused at MAIL from 203.0.113.65" <<EOF
$PM accept 198.51.100.61 login=$L eomqid=L1
$PM accept 198.51.100.62 login=$L eomqid=L2
$PM accept 198.51.100.63 login=$L eomqid=L3
$PM refuse-eom 198.51.100.64 login=$L eomqid=L4 text='$Q'
$PM refuse-mail 203.0.113.65 login=$L qid=L5 text='$Q'
EOF
rlog_has M "$(dl L4 'action=quarantine host=198\.51\.100\.64 user=user:mallory\.q@example\.net score=140 reasons=user\.msgs1m=4/3\(\+60\),user\.msgs1h=4/3\(\+80\) rcpts=1')" \
    "L4 logged action=quarantine user=user:$L score=140 reasons=user.msgs1m=4/3(+60),user.msgs1h=4/3(+80)"
rlog_has M "$(dl L5 'action=reject host=203\.0\.113\.65 user=user:mallory\.q@example\.net score=0 reasons=quarantined rcpts=0 stage=mail')" \
    "L5 (the login from 203.0.113.65) refused at MAIL, logged stage=mail"
R=$(dfield L4 reasons)
S=$(dfield L4 score)
[ -n "$R" ] || R='user.msgs1m=4/3(+60),user.msgs1h=4/3(+80)'
[ -n "$S" ] || S=140
check_block "zm:block:user:$L" "$R" "$S"
US=$B_SINCE UU=$B_UNTIL
check_block "zm:block:198.51.100.64" "$R" "$S"
is "$(rcli EXISTS "zm:rate:user:$L")" 0 "zm:rate:user:$L does not exist after the quarantine"
is "$(rcli EXISTS zm:rate:198.51.100.64)" 0 "zm:rate:198.51.100.64 does not exist after the quarantine"
is "$(rcli EXISTS zm:rate:198.51.100.63)" 1 "zm:rate:198.51.100.63 (not quarantined) is still there"
is "$(stream_n)" 2 "exactly two entries in zm:events now: one event per quarantine"
is "$(stream_fields 1)" json "the new entry has one field: json"
EV2=$(stream_json 1)
rt_checks "event 2" python3 "$ZM_REDIS_TDIR/check_event.py" "$EV2" \
    host=198.51.100.64 user="user:$L" user_hosts=198.51.100.64 \
    score="$S" reasons="$R" relay=relay-q since="$US" until="$UU" \
    qtime=$QT queue_id=L4 keyfile="$T/hmac.key" now="$(rcli TIME | head -1)"
sub_wait 2
is "$(sub_messages | wc -l)" 2 "the subscriber received exactly two messages in all"
is "$(sub_messages | sed -n 2p)" "$EV2" "the second message on the channel is the second entry's JSON"

kill "$SUBPID" 2>/dev/null
rt_acl_clean
rt_stop M
rlog_count M ': action=quarantine' 2 "two quarantines logged"
rlog_count M ': action=' 9 "nine decision lines (E1-E4, L1-L5)"
rlog_lacks M 'fallback=|unreachable' "every decision used Redis (no fallback, no unreachable)"

plan "$zm_ntest"
zm_done
