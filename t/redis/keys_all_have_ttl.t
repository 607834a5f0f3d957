#!/bin/bash
# Every key has a TTL: after a mixed workload (IPv4 and IPv6 hosts,
# logins, hostile logins with control bytes, spaces, %, 0xff, '*', ':',
# quarantines of an IPv4 host, an IPv6 /64 (with the /56 delegated to its
# customer, by the default delegated_prefixes) and a hostile login with its
# host) `redis-cli --scan` finds exactly the expected keys, each
# named ^zm:(rate|block):<host key> or zm:events, each with a TTL > 0 (no
# -1) within its bound (a rate key lives as long as the longest of the
# windows and the behaviour and bulk windows); each hostile login made exactly one safe key
# zm:rate:user:=<hex>, the same from every host it came from.
. "$(dirname "$0")/rtest.sh"
rt_require

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }

rt_start M \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 4' 'recipients = 0' 'points = 60' '}' \
    'window "5m" {' 'length = 300' 'buckets = 10' 'messages = 1000' 'recipients = 10000' 'points = 10' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 50' \
    'quarantine_time = 600' \
    'behaviour_window = 120' 'bulk_window = 120' \
    'reply_quarantine = "ZM-QUAR keys"'
PM=${rt_port[M]}
Q='550 5.7.1 ZM-QUAR keys'

hx() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
# hostile logins, as hex (bytes outside [A-Za-z0-9@._+-])
H1=$(hx $'\x01ev il\t%n%s\xff*:zm:rate:*\x7f\x80')
H2=$(hx '*')
H3=$(hx 'zm:block:192.0.2.41 x')
H4=$(hx $'q:\xff %x*\x1b')
diag "hostile logins: $H1 $H2 $H3 $H4"

zmc "raw client: mixed workload accepted, 192.0.2.49 quarantined and then refused at MAIL" <<EOF
$PM accept 192.0.2.41 qid=K1
$PM accept 192.0.2.41 qid=K2 rcpts=3
$PM accept 192.0.2.42 login=alice@example.net qid=K3
$PM accept 2001:db8:4:1::a qid=K4
$PM accept 2001:db8:4:1::b qid=K5 rcpts=2
$PM accept 2001:db8:4:2::1 qid=K6
$PM accept 203.0.113.41 login_hex=$H1 qid=K7
$PM accept 203.0.113.42 login_hex=$H1 qid=K8
$PM accept 198.51.100.41 login_hex=$H1 qid=K9
$PM accept 198.51.100.42 login_hex=$H2 qid=K10
$PM accept 2001:db8:4:3::1 login_hex=$H3 qid=K11
$PM accept 192.0.2.49 qid=K12
$PM accept 192.0.2.49 qid=K13
$PM accept 192.0.2.49 qid=K14
$PM accept 192.0.2.49 qid=K15
$PM refuse-eom 192.0.2.49 qid=K16 text='$Q'
$PM refuse-mail 192.0.2.49 qid=K17 text='$Q'
$PM accept 2001:db8:4:9::1 qid=K18
$PM accept 2001:db8:4:9::2 qid=K19
$PM accept 2001:db8:4:9::3 qid=K20
$PM accept 2001:db8:4:9::4 qid=K21
$PM refuse-eom 2001:db8:4:9::5 qid=K22 text='$Q'
$PM accept 203.0.113.50 login_hex=$H4 qid=K23
$PM accept 203.0.113.50 login_hex=$H4 qid=K24
$PM accept 203.0.113.50 login_hex=$H4 qid=K25
$PM accept 203.0.113.50 login_hex=$H4 qid=K26
$PM refuse-eom 203.0.113.50 login_hex=$H4 qid=K27 text='$Q'
$PM refuse-mail 198.51.100.50 login_hex=$H4 qid=K28 text='$Q'
EOF

want=$(LC_ALL=C sort <<EOF
zm:block:192.0.2.49
zm:block:2001:db8:4:9::/64
zm:block:2001:db8:4::/56
zm:block:203.0.113.50
zm:block:user:=$H4
zm:events
zm:rate:192.0.2.41
zm:rate:192.0.2.42
zm:rate:user:alice@example.net
zm:rate:2001:db8:4:1::/64
zm:rate:2001:db8:4:2::/64
zm:rate:2001:db8:4:3::/64
zm:rate:203.0.113.41
zm:rate:203.0.113.42
zm:rate:198.51.100.41
zm:rate:198.51.100.42
zm:rate:user:=$H1
zm:rate:user:=$H2
zm:rate:user:=$H3
EOF
)
keys=$(rkeys)
is "$keys" "$want" "redis-cli --scan finds exactly the 19 expected keys (no stray keys)"
is "$(printf '%s\n' "$keys" | grep -c .)" 19 "19 keys in all"

hostkey='(([0-9]{1,3}\.){3}[0-9]{1,3}|[0-9a-f:]+/(64|56)|user:[A-Za-z0-9@._+-]+|user:=[0-9a-f]+)'
bad=$(printf '%s\n' "$keys" | LC_ALL=C grep -avE "^zm:(rate|block):$hostkey\$|^zm:events\$")
is "$bad" "" "every key matches ^zm:(rate|block):<host key>\$ or is zm:events"

nottl=""
badttl=""
while IFS= read -r k; do
    [ -n "$k" ] || continue
    t=$(rcli TTL "$k")
    case $k in
    zm:rate:*) max=330; ty=hash ;;
    zm:block:*) max=600; ty=hash ;;
    zm:fp:*) max=120; ty=string ;;
    zm:events) max=604800; ty=stream ;;
    *) max=0; ty=? ;;
    esac
    if ! [ "$t" -gt 0 ] 2>/dev/null; then nottl="$nottl $k($t)"
    elif [ "$t" -gt "$max" ]; then badttl="$badttl $k($t>$max)"; fi
    got=$(rcli TYPE "$k")
    [ "$got" = "$ty" ] || badttl="$badttl $k(type $got, expected $ty)"
done <<<"$keys"
is "$nottl" "" "every key has a TTL > 0 (none -1 or -2)"
is "$badttl" "" "every TTL within its bound (rate <= 300+30, block <= 600, events <= 604800) and every key of its type"
ttl=$(rcli TTL zm:rate:192.0.2.41)
ok "$( [ "$ttl" -ge 295 ] 2>/dev/null; echo $?)" "zm:rate:192.0.2.41 TTL covers the longest window (>= 300 - 5: $ttl)"

h1keys=$(printf '%s\n' "$keys" | grep -c "^zm:rate:user:=$H1\$")
is "$h1keys" 1 "the hostile login from three hosts made exactly one key zm:rate:user:=<hex>"
is "$(zm_redis_window "zm:rate:user:=$H1" a)" "3 3" "that key counts its three messages"
is "$(printf '%s\n' "$keys" | grep -c '^zm:rate:user:')" 4 "four user rate keys for the four logins not quarantined"
users=$(redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --json XRANGE zm:events - + |
    python3 -c 'import json,sys; print(" ".join(str(json.loads(e[1][1]).get("user")) for e in json.load(sys.stdin)))')
is "$users" "None None user:=$H4" "three events; the hostile login's event names it user:=<hex>"

rt_acl_clean
rt_stop M

rlog_has M "$(dl K7 "action=accept host=203\.0\.113\.41 user=user:=$H1 score=0 reasons=- rcpts=1")" \
    "K7 logged with the hostile login as user:=<hex>"
rlog_has M "$(dl K9 "action=accept host=198\.51\.100\.41 user=user:=$H1 score=0 reasons=- rcpts=1")" \
    "K9 (same login, another host) logged with the same user key"
rlog_has M "$(dl K10 "action=accept host=198\.51\.100\.42 user=user:=2a score=0 reasons=- rcpts=1")" \
    "K10 login '*' logged as user:=2a"
rlog_has M "$(dl K5 'action=accept host=2001:db8:4:1::/64 user=- score=0 reasons=- rcpts=2')" \
    "K5 (2001:db8:4:1::b) logged as host 2001:db8:4:1::/64"
rlog_has M "$(dl K16 'action=quarantine host=192\.0\.2\.49 user=- score=60 reasons=msgs1m=5/4\(\+60\) rcpts=1')" \
    "K16 quarantined 192.0.2.49 (msgs1m=5/4)"
rlog_has M "$(dl K17 'action=reject host=192\.0\.2\.49 user=- score=0 reasons=quarantined rcpts=0 stage=mail')" \
    "K17 refused at MAIL, stage=mail"
rlog_count M ': action=accept ' 23 "23 messages accepted"
rlog_has M "$(dl K22 'action=quarantine host=2001:db8:4:9::/64 user=- score=60 reasons=msgs1m=5/4\(\+60\) rcpts=1')" \
    "K22 quarantined 2001:db8:4:9::/64"
rlog_has M "$(dl K27 "action=quarantine host=203\.0\.113\.50 user=user:=$H4 score=60 reasons=[^ ]*msgs1m=5/4\(\+60\) rcpts=1")" \
    "K27 quarantined 203.0.113.50 and the hostile login user:=<hex>"
rlog_has M "$(dl K28 "action=reject host=198\.51\.100\.50 user=user:=$H4 score=0 reasons=quarantined rcpts=0 stage=mail")" \
    "K28: the quarantined hostile login refused at MAIL from another host"
n=$(LC_ALL=C grep -caP '[^\x20-\x7e]' "$T/M.log")
is "$n" 0 "the log has only printable ASCII"
rlog_lacks M 'fallback=|unreachable' "every decision used Redis (no fallback, no unreachable)"

plan "$zm_ntest"
zm_done
