#!/bin/bash
# Redis not running when the milter starts: the milter starts anyway (not
# fatal, logged), answers every message within its budget with fallback
# local (the local store counts: a burst is still stopped); Redis started
# later on that port is used within seconds ("answering again" once, no
# fallback= field) and zm:rate:<host> counts.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

A=192.0.2.46 B=198.51.100.46
rf_redis_prepare
mapfile -t lim < <(rf_limit_conf 5)
rf_milter m 'redis_fallback = "local"' "${lim[@]}"
ok 0 "the milter starts with Redis down (127.0.0.1:$ZM_REDIS_PORT refuses)"

rf_plan "$T/plan" "pace 0.05" "repeat 8 D $A" "msg D9 $B login=dave" "pace 0" \
    "mark down-done" "wait started" \
    "until-redis U $B 12 0.25" "mark recovered" "wait counted" "repeat 3 V $B login=dave"
R=$T/results.jsonl
rf_drive_bg m "$R" "$T/plan"
rf_at down-done || exit 1
t_start=$(rf_ms)
zm_redis_start || exit 1
rf_go started
rf_at recovered 20 || exit 1
t_rec=$(rf_ms)
n_u=$(rq "$R" 'len([r for r in sel("U") if fb(r) is None])')
is "$(rf_rate_msgs $B)" "$n_u" "zm:rate:$B counts the $n_u message(s) decided with Redis"
rf_go counted
wait "$RF_DRIVE_PID"
is "$?" 0 "the driver got an answer to every message"
rf_stop_begin m

rf_answered "$R" - "every message answered"
rf_budget "$R" "every message within $RF_BUDGET s"
rf_all "$R" 'sel("D")' 'fb(r) == "local"' "Redis down: decisions carry fallback=local"
rf_all "$R" 'sel("D")[:5] + sel("D9")' 'act(r) == "accept"' "Redis down: the first 5 messages of $A accepted (local store, limit 5)"
rf_all "$R" 'sel("D")[5:8]' 'act(r) == "tempfail" and r["code"] == "451" and r["xcode"] == "4.7.1" and r["decision"]["reasons"] == "msgs1m=6/5(+60)"' \
    "Redis down: the 6th to 8th refused 451 4.7.1, msgs1m=6/5(+60) counted locally"
rf_all "$R" 'sel("U")[-1:] + sel("V")' 'fb(r) is None and act(r) == "accept"' "Redis started: decisions use Redis"
ms=$((t_rec - t_start))
ok "$( [ "$ms" -le 8000 ]; echo $?)" "Redis used $ms ms after it was started (<= 8 s)"
is "$(rf_rate_msgs $B) $(rf_rate_msgs user:dave)" "$((n_u + 3)) 3" "zm:rate:$B and zm:rate:user:dave grow"
rf_breaker m 1 1
rf_log_has m "unreachable: .*(refused|connect)" "the cause is logged (connection refused)"
rf_log_lacks m 'stage=mail' "no MAIL-stage refusal"
rf_stop_end m
rf_done
