#!/bin/bash
# Quarantines whose queue id (macro i, from the MTA) is unusual are still
# full quarantines in Redis with a verifiable event:
#  - a queue id that is not UTF-8 (0xff) with control bytes, '"', '\':
#    the decision used Redis (no fallback=), zm:block:<host> is written
#    with its TTL, zm:rate:<host> reset, one event whose "queue_id" is the
#    queue id escaped as in the log (\xHH) and whose "sig" verifies;
#  - a queue id in UTF-8 with a non-ASCII letter, ESC and DEL: the event's
#    "sig" verifies with the documented recipe (Python json.dumps,
#    separators "," ":", sort_keys, non-ASCII as \uXXXX);
#  - a plain queue id: as usual.
# The queue id must not cost the block that the other relays rely on, nor
# make the signature unverifiable.
. "$(dirname "$0")/rtest.sh"
rt_require

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }

QT=600
printf 'hostile-qid-key\n' >"$T/hmac.key"
rt_start M \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 1' 'recipients = 0' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 50' \
    "quarantine_time = $QT" 'relay_name = "relay-h"' "hmac_key_file = \"$T/hmac.key\"" \
    'reply_quarantine = "ZM-QUAR qid"'
PM=${rt_port[M]}
Q='550 5.7.1 ZM-QUAR qid'
hx() { printf "$1" | od -An -v -tx1 | tr -d ' \n'; }
QID1=$(hx 'X\377\001"\\\177q')		# not UTF-8
QID2=$(hx 'Y\303\251\033\177z')		# UTF-8 e-acute, ESC, DEL

zmc "raw client: 192.0.2.110/111/112 each quarantined at their 2nd message (queue ids: not UTF-8, UTF-8 with ESC and DEL, plain); 192.0.2.110 then refused at MAIL" <<EOF
$PM accept 192.0.2.110 eomqid=X1
$PM refuse-eom 192.0.2.110 eomqid_hex=$QID1 text='$Q'
$PM accept 192.0.2.111 eomqid=Y1
$PM refuse-eom 192.0.2.111 eomqid_hex=$QID2 text='$Q'
$PM accept 192.0.2.112 eomqid=Z1
$PM refuse-eom 192.0.2.112 eomqid=Z2 text='$Q'
$PM refuse-mail 192.0.2.110 qid=X3 text='$Q'
EOF

# the JSON of the stream's event for host H
event_for() {
    redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --json XRANGE zm:events - + |
        python3 -c '
import json, sys
for e in json.load(sys.stdin):
    try:
        if json.loads(e[1][1]).get("host") == sys.argv[1]:
            print(e[1][1])
    except ValueError:
        pass' "$1" | tail -1
}

for h in 192.0.2.110 192.0.2.111 192.0.2.112; do
    ttl=$(rcli TTL "zm:block:$h")
    ok "$( [ "$ttl" -gt 0 ] 2>/dev/null && [ "$ttl" -le $QT ]; echo $?)" \
        "zm:block:$h written to Redis with a TTL in (0, $QT] ($ttl)"
    is "$(rcli HGET "zm:block:$h" relay 2>/dev/null)" relay-h "zm:block:$h relay is relay_name"
    is "$(rcli EXISTS "zm:rate:$h")" 0 "zm:rate:$h reset"
    # the event holds the queue id escaped as in the log: printable ASCII
    case $h in
    *110) qid='X\xff\x01"\x5c\x7fq' ;;
    *111) qid='Y\xc3\xa9\x1b\x7fz' ;;
    *112) qid=Z2 ;;
    esac
    rt_checks "event of $h" python3 "$ZM_REDIS_TDIR/check_event.py" "$(event_for $h)" \
        host=$h user=null score=60 reasons='msgs1m=2/1(+60)' relay=relay-h \
        since="$(rcli HGET "zm:block:$h" since)" until="$(rcli HGET "zm:block:$h" until)" \
        qtime=$QT queue_id="$qid" keyfile="$T/hmac.key" now="$(rcli TIME | head -1)"
done
is "$(rcli XLEN zm:events)" 3 "three events in all"

rt_acl_clean
rt_stop M
rlog_has M '(^|[ :])X\\x[fF][fF]\\x01"\\x5[cC]\\x7[fF]q: action=quarantine host=192\.0\.2\.110 user=- score=60 reasons=msgs1m=2/1\(\+60\) rcpts=1$' \
    "the non-UTF-8 queue id's quarantine logged on one line, queue id escaped, without fallback="
rlog_has M '(^|[ :])Y\\x[cC]3\\x[aA]9\\x1[bB]\\x7[fF]z: action=quarantine host=192\.0\.2\.111 user=- score=60 reasons=msgs1m=2/1\(\+60\) rcpts=1$' \
    "the UTF-8 queue id's quarantine logged, queue id escaped, without fallback="
rlog_has M "$(dl Z2 'action=quarantine host=192\.0\.2\.112 user=- score=60 reasons=msgs1m=2/1\(\+60\) rcpts=1')" "Z2 quarantined"
rlog_has M "$(dl X3 'action=reject host=192\.0\.2\.110 user=- score=0 reasons=quarantined rcpts=0 stage=mail')" "X3 refused at MAIL"
rlog_lacks M 'fallback=|unreachable' "every decision used Redis (no fallback, no unreachable)"
n=$(LC_ALL=C grep -caP '[^\x20-\x7e]' "$T/M.log")
is "$n" 0 "the log has only printable ASCII"

plan "$zm_ntest"
zm_done
