#!/bin/bash
# Counts live in Redis: after N messages from a host, zm:rate:<host>
# holds per window w a head "<w>" = "slot:msgs:rcpts[:bucket]" whose msgs
# are N and rcpts the recipients sent, and a ring "<w><i>" of earlier
# buckets; a refused
# (tempfailed) message is not counted, so the sums stay and its retry
# sees the same count; the key's TTL is between the longest window and
# that + length/buckets; with a SASL login, zm:rate:user:<login> counts
# too (miltertest part: rate_counts_in_redis.lua).
. "$(dirname "$0")/rtest.sh"
rt_require

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }

rt_start M \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 5' 'recipients = 0' 'points = 60' '}' \
    'window "10m" {' 'length = 600' 'buckets = 10' 'messages = 1000' 'recipients = 10000' 'points = 10' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 50' 'threshold_reject = 0' 'threshold_quarantine = 0' \
    'behaviour_window = 120' 'bulk_window = 120' \
    'reply_tempfail = "ZM-TEMP rate"'
PM=${rt_port[M]}
H=192.0.2.70

# fields_ok KEY: the window fields (lower case) are the heads a (window
# 1m, 10 s buckets) and b (window 10m, 60 s buckets), each
# slot:msgs:rcpts[:bucket_msgs:bucket_rcpts] with slot the bucket's number
# (unix time / bucket length) of the last message, and the ring a0..a5 /
# b0..b9 of earlier buckets, slot:msgs:rcpts with slot within the window
# before the head's and the field's index that slot modulo the window's
# buckets; "o", "q" (and "x") belong to the observations
fields_ok() {
    rhash "$1" | awk -F= -v now="$(rcli TIME | head -1)" '
        $1 ~ /^[A-Z]/ || $1 ~ /^[oqx]$/ { next }	# observations: obs_ok
        { n++; w = substr($1, 1, 1); split($2, v, ":") }
        w == "a" { bl = 10; nb = 6 }
        w == "b" { bl = 60; nb = 10 }
        w != "a" && w != "b" { bad = bad " " $0; next }
        $1 ~ /^[ab]$/ && $2 ~ /^[0-9]+:[0-9]+:[0-9]+(:[0-9]+:[0-9]+)?$/ {
            heads++
            if (v[1] > int(now / bl) || v[1] < int(now / bl) - 1)
                bad = bad " " $0
            next
        }
        $1 !~ /^[ab][0-9]+$/ || $2 !~ /^[0-9]+:[0-9]+:[0-9]+$/ { bad = bad " " $0; next }
        {
            i = substr($1, 2) + 0; cur = int(now / bl)
            if (i >= nb || v[1] >= cur || v[1] <= cur - nb || v[1] % nb != i)
                bad = bad " " $0
        }
        END { if (heads != 2) print heads + 0 " heads"; else if (bad != "") print "bad (now " now "):" bad }'
}
# obs_ok KEY: the host's observations in the same hash, one sender domain
# (F) and one recipient domain (R), each 6 hex digits of a hash holding
# the minute it was last seen (unix time / 60 modulo 4096: this minute or
# the one before), and its refusals (Z = count * 4096 + minute)
obs_ok() {
    rhash "$1" | awk -F= -v now="$(rcli TIME | head -1)" '
        function recent(m) { return m == int(now / 60) % 4096 || m == int(now / 60 - 1) % 4096 }
        $1 !~ /^[A-Z]/ { next }
        $1 ~ /^[FR][0-9a-f]+$/ && length($1) == 7 && $2 ~ /^[0-9]+$/ && recent($2) { k[substr($1, 1, 1)]++; next }
        $1 == "Z" && $2 ~ /^[0-9]+$/ && recent($2 % 4096) { refused = int($2 / 4096); next }
        { bad = bad " " $0 }
        END { printf "F=%d R=%d Z=%s%s\n", k["F"], k["R"], refused, bad }'
}
# ttl_ok KEY: longest window (600) <= TTL + 5 s of slack, TTL <= 600 + 60
ttl_ok() {
    local t
    t=$(rcli TTL "$1")
    ok "$( [ "$t" -ge 595 ] && [ "$t" -le 660 ]; echo $?)" "$1 TTL between 600 and 600 + 600/10 ($t)"
}

zmc "raw client: $H C1-C3 (1, 2, 3 recipients) accepted" <<EOF
$PM accept $H qid=C1 rcpts=1
$PM accept $H qid=C2 rcpts=2
$PM accept $H qid=C3 rcpts=3
EOF
is "$(rcli TYPE "zm:rate:$H")" hash "zm:rate:$H is a hash"
is "$(fields_ok "zm:rate:$H")" "" "zm:rate:$H fields are the heads a, b = slot:msgs:rcpts[:bucket], slot current, and the ring a0..a5 / b0..b9 = slot:msgs:rcpts, index = slot mod buckets"
is "$(zm_redis_window "zm:rate:$H" a)" "3 6" "window a (1m): msgs sum 3, rcpts sum 6"
is "$(zm_redis_window "zm:rate:$H" b)" "3 6" "window b (10m): msgs sum 3, rcpts sum 6"
ttl_ok "zm:rate:$H"

zmc "raw client: $H C4 C5 accepted" <<EOF
$PM accept $H qid=C4
$PM accept $H qid=C5
EOF
is "$(zm_redis_window "zm:rate:$H" a)" "5 8" "after C4 C5: window a msgs 5, rcpts 8"
zmc "raw client: C6 (4 recipients, the 6th message) tempfailed with '451 4.7.1 ZM-TEMP rate'" <<EOF
$PM refuse-eom $H qid=C6 rcpts=4 text='451 4.7.1 ZM-TEMP rate'
EOF
is "$(zm_redis_window "zm:rate:$H" a)" "5 8" "C6 refused: window a still msgs 5, rcpts 8 (not counted)"
is "$(zm_redis_window "zm:rate:$H" b)" "5 8" "C6 refused: window b still msgs 5, rcpts 8"
zmc "raw client: C7 (retry) tempfailed again" <<EOF
$PM refuse-eom $H qid=C7 rcpts=4 text='451 4.7.1 ZM-TEMP rate'
EOF
is "$(zm_redis_window "zm:rate:$H" a)" "5 8" "C7 refused: window a still msgs 5, rcpts 8"
is "$(fields_ok "zm:rate:$H")" "" "zm:rate:$H fields still well-formed after the take-backs"
is "$(obs_ok "zm:rate:$H")" "F=1 R=1 Z=2" \
    "zm:rate:$H holds one sender domain (F), one recipient domain (R), seen just now, and 2 refusals (C6, C7)"
ttl_ok "zm:rate:$H"

export ZM_PORT=$PM
rc=0
miltertest -s "$ZM_REDIS_TDIR/rate_counts_in_redis.lua" >"$T/lua.out" 2>&1 || rc=$?
is "$rc" 0 "miltertest: login carol@example.net, C8 C9 (2 recipients) from 192.0.2.71, C10 from 2001:db8:7::1, accepted"
[ "$rc" = 0 ] || diag "$(cat "$T/lua.out")"

U=zm:rate:user:carol@example.net
is "$(zm_redis_window "$U" a)" "3 5" "$U window a: msgs 3, rcpts 5"
is "$(zm_redis_window "$U" b)" "3 5" "$U window b: msgs 3, rcpts 5"
is "$(fields_ok "$U")" "" "$U fields well-formed"
ttl_ok "$U"
is "$(zm_redis_window zm:rate:192.0.2.71 a)" "2 4" "zm:rate:192.0.2.71 window a: msgs 2, rcpts 4"
is "$(zm_redis_window zm:rate:2001:db8:7::/64 a)" "1 1" "zm:rate:2001:db8:7::/64 window a: msgs 1, rcpts 1"
is "$(zm_redis_window "zm:rate:$H" a)" "5 8" "zm:rate:$H unchanged by the others"

rt_acl_clean
rt_stop M

h='host=192\.0\.2\.70 user=-'
rlog_has M "$(dl C1 "action=accept $h score=0 reasons=- rcpts=1")" "C1 accepted"
rlog_has M "$(dl C3 "action=accept $h score=0 reasons=- rcpts=3")" "C3 accepted, rcpts=3"
rlog_has M "$(dl C5 "action=accept $h score=0 reasons=- rcpts=1")" "C5 accepted (count 5 of 5)"
rlog_has M "$(dl C6 "action=tempfail $h score=60 reasons=msgs1m=6/5\(\+60\) rcpts=4")" \
    "C6 logged action=tempfail reasons=msgs1m=6/5(+60)"
rlog_has M "$(dl C7 "action=tempfail $h score=60 reasons=msgs1m=6/5\(\+60\) rcpts=4")" \
    "C7 logged msgs1m=6/5 again: C6 was not counted"
u='user=user:carol@example\.net'
rlog_has M "$(dl C9 "action=accept host=192\.0\.2\.71 $u score=0 reasons=- rcpts=2")" "C9 accepted with the login"
rlog_has M "$(dl C10 "action=accept host=2001:db8:7::/64 $u score=0 reasons=- rcpts=1")" \
    "C10 accepted from 2001:db8:7::/64 with the login"
rlog_count M ': action=' 10 "ten decision lines"
rlog_lacks M 'fallback=|unreachable' "every decision used Redis (no fallback, no unreachable)"

plan "$zm_ntest"
zm_done
