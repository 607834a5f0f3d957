#!/bin/bash
# One deadline for a whole call to Redis: redis_timeout_ms (T) to wait for
# a connection, redis_connect_timeout_ms (C) to make one, T to set it up,
# T for the exchange, and the retry after -NOSCRIPT inside the same bound,
# T + C + 2T.  A fake Redis (fake_redis.py noscript-slow) and one pooled
# connection make the longest call there is: S1's end of message holds
# the connection (its EVALSHA never answered, T = 1000 ms), S2's waits
# for it, opens a new one (set up in 900 ms), gets -NOSCRIPT after 900 ms
# and retries with EVAL, answered after 900 ms more: 3.7 s without the
# bound.  S2 must be answered (with the fallback) within T + C + 2T =
# 3010 ms, plus slack.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require
plan 9

port=$(zm_free_port)
FAKE_DELAY=0.9 python3 "$RF_DIR/fake_redis.py" "$port" noscript-slow "$T/bar/fake" "$T/fake.log" &
zm_pids+=($!)
rf_at fake 5 || { ok 1 "fake Redis listens"; exit 1; }
proto_start "redis = \"127.0.0.1:$port\"" 'redis_connections = 1' \
    'redis_timeout_ms = 1000' 'redis_connect_timeout_ms = 10' 'redis_fallback = "tempfail"' \
    'bulk = false' 'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 1000' \
    'recipients = 0' 'points = 1' '}'
out=$(python3 "$RF_DIR/noscript_race.py" 2>&1)
is "$?" 0 "both ends of message answered"
s1=$(grep '^S1 ' <<<"$out") s2=$(grep '^S2 ' <<<"$out")
like "$s1" '^S1 replycode 451 ' "S1: 451, the fallback (tempfail), its EVALSHA unanswered"
like "$s2" '^S2 replycode 451 ' "S2: 451, the fallback (tempfail)"
ms=$(awk '{ print $NF }' <<<"$s2")
ok "$([ -n "$ms" ] && [ "$ms" -le 3310 ]; echo $?)" \
    "S2 answered in ${ms:-?} ms: within T + C + 2T = 3010 ms (+300 slack), NOSCRIPT retry included"
ok "$(grep -c 'EVAL ' "$T/fake.log" | awk '{ exit !($1 >= 1) }'; echo $?)" \
    "S2 did meet -NOSCRIPT and retried with EVAL (the fake saw EVAL)"
log_has 'S2: action=tempfail .*fallback=tempfail' "S2 logged: tempfail, fallback=tempfail"
diag "$out"
proto_stop
log_lacks "$RF_SANITIZER" "no sanitizer report"
zm_done
