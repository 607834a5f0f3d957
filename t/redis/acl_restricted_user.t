#!/bin/bash
# The test harness itself: the private redis-server of t/lib/redis.sh runs
# the ACL user of contrib/redis/zombie-milter.acl, which may run exactly
# the commands the milter needs (on zm:* keys and the zm:events channel)
# and nothing else; the milter accepts the config zm_redis_milter_conf
# writes and starts with it.
. "$(dirname "$0")/rtest.sh"
rt_require

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }

U() {
    redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --user zombie-milter \
        --pass "$(head -1 "$ZM_REDIS_DIR/password")" --no-auth-warning --raw "$@" 2>&1
}
allowed() {	# allowed DESC CMD...: not refused (no NOPERM / error)
    local desc=$1 out
    shift
    out=$(U "$@")
    if printf '%s' "$out" | grep -Eq '^(NOPERM|ERR|WRONGPASS|NOAUTH)'; then
        ok 1 "restricted user may: $desc"; diag "$out"
    else ok 0 "restricted user may: $desc"; fi
}
refused() {	# refused DESC CMD...: NOPERM
    local desc=$1 out
    shift
    out=$(U "$@")
    like "$out" "NOPERM|no permissions|can't run this command" "restricted user may not: $desc"
}

allowed "PING" PING
allowed "SELECT 0" SELECT 0
allowed "TIME" TIME
allowed "HSET zm:rate:192.0.2.1" HSET zm:rate:192.0.2.1 a0 1:1:1
allowed "EXPIRE zm:rate:192.0.2.1" EXPIRE zm:rate:192.0.2.1 60
allowed "HGETALL zm:block:192.0.2.1" HGETALL zm:block:192.0.2.1
allowed "DEL zm:rate:192.0.2.1" DEL zm:rate:192.0.2.1
out=$(printf 'MULTI\nHSET zm:block:192.0.2.2 reason x\nEXPIRE zm:block:192.0.2.2 60\nEXEC\n' | U)
like "$out" '^OK' "restricted user may: MULTI HSET EXPIRE EXEC on zm:block:*"
is "$(rcli TTL zm:block:192.0.2.2)" 60 "that transaction set the TTL"
sha=$(U SCRIPT LOAD "redis.call('HSET', KEYS[1], 'a0', '1:1:1'); redis.call('EXPIRE', KEYS[1], 60); local t = redis.call('TIME'); return redis.call('HGETALL', KEYS[1])")
like "$sha" '^[0-9a-f]{40}$' "restricted user may: SCRIPT LOAD"
allowed "EVALSHA (HSET EXPIRE TIME HGETALL on zm:*)" EVALSHA "$sha" 1 zm:rate:192.0.2.3
allowed "EVAL" EVAL "return redis.call('TIME')" 0
allowed "XADD zm:events MAXLEN ~" XADD zm:events MAXLEN '~' 100 '*' json '{}'
allowed "EXPIRE zm:events" EXPIRE zm:events 60
allowed "PUBLISH zm:events" PUBLISH zm:events '{}'
allowed "HDEL zm:rate:192.0.2.3" HDEL zm:rate:192.0.2.3 a0
allowed "TTL zm:rate:192.0.2.3" TTL zm:rate:192.0.2.3
# lib/window.lua itself, on every path: a new key (EXISTS), its second
# message (HGETALL), the head moving on (HMGET of the ring), a take-back
# (HGET), two generations later (HSCAN, HDEL)
wsha=$(U SCRIPT LOAD "$(cat "$ZM_TOP/lib/window.lua")")
like "$wsha" '^[0-9a-f]{40}$' "restricted user may: SCRIPT LOAD lib/window.lua"
t0=$(rcli TIME | head -1)
wcall() {	# wcall DESC MSGS RCPTS TIME FIELD...
    local desc=$1 dm=$2 dr=$3 t=$4
    shift 4
    allowed "lib/window.lua: $desc" EVALSHA "$wsha" 1 zm:rate:192.0.2.4 "$dm" "$dr" "$t" \
        90000 2 10 6 300 12 3600 3600 6 301 256 32 0 "$@"
}
wcall "a new key" 1 1 "$t0" F000001 R000001 B000001 D000001=192.0.2.4
wcall "its second message" 1 2 "$((t0 + 20))" F000001 R000002 B000002
wcall "a take-back" -1 -2 "$((t0 + 20))" B000002
wcall "two generations on, a sweep" 1 1 "$((t0 + 7300))" R000003
is "$(rcli HEXISTS zm:rate:192.0.2.4 R000001)" 0 "that sweep deleted a domain gone from the counts"
allowed "PFADD zm:fp:00" PFADD zm:fp:00 192.0.2.3
allowed "PFCOUNT zm:fp:00" PFCOUNT zm:fp:00

refused "GET foo" GET foo
refused "HGETALL foo (outside zm:*)" HGETALL foo
refused "HSET foo" HSET foo a 1
refused "SET zm:x" SET zm:x 1
refused "PFADD foo" PFADD foo x
refused "PFMERGE zm:fp:00" PFMERGE zm:fp:00 zm:fp:01
refused "KEYS" KEYS '*'
refused "SCAN" SCAN 0
refused "FLUSHALL" FLUSHALL
refused "CONFIG GET" CONFIG GET maxmemory
refused "SCRIPT FLUSH" SCRIPT FLUSH
refused "SUBSCRIBE zm:events" SUBSCRIBE zm:events
refused "PUBLISH other" PUBLISH other x
refused "EVAL calling GET" EVAL "return redis.call('GET', KEYS[1])" 1 zm:x
refused "EVAL touching a key outside zm:*" EVAL "return redis.call('DEL', KEYS[1])" 1 foo
like "$(redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --user zombie-milter --pass wrong --no-auth-warning PING 2>&1)" \
    'WRONGPASS' "a wrong password is refused"

rcli ACL LOG RESET >/dev/null
port=$(zm_free_port)
rt_conf "$T/check.conf" "$port"
out=$("$ZM_BIN" -n -c "$T/check.conf" 2>&1)
is "$?" 0 "zombie-milter -n accepts the redis config lines of zm_redis_milter_conf"
[ -z "$out" ] || diag "$out"
rt_start M
zmc "raw client: a message through the milter as the restricted user is accepted" <<EOF
${rt_port[M]} accept 192.0.2.99 qid=ACL1
EOF
rt_acl_clean
rt_stop M
rlog_has M "$(dl ACL1 'action=accept host=192\.0\.2\.99 user=- score=0 reasons=- rcpts=1')" "ACL1 logged action=accept"
rlog_lacks M 'fallback=|unreachable|NOPERM|WRONGPASS' "no fallback, no Redis error in the log"

plan "$zm_ntest"
zm_done
