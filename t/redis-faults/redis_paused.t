#!/bin/bash
# Redis paused (CLIENT PAUSE 3000 ALL) in the middle of a burst, fallback
# local: every message is answered within its budget (the first command
# times out, the breaker opens at once, the next messages do not wait on
# Redis at all), decisions carry fallback=local, "unreachable" is logged
# once; after the pause the decisions use Redis again ("answering again"
# once), counts grow in zm:rate:<host>, and nothing decided with the
# fallback is counted in Redis later (a timed-out command is not replayed).
# Three more clients send all along, concurrently, through a pool of 2
# Redis connections: every one of their messages is answered within the
# budget too, and Redis holds every message decided with Redis and none
# of those that never reached it; a command that timed out in flight may
# have run all the same (Redis executes it as the pause ends, the reply
# comes too late), so each of those may be counted once, never more.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

A=192.0.2.42 B=198.51.100.42 C=203.0.113.42
zm_redis_start || exit 1
mapfile -t lim < <(rf_limit_conf 200)
rf_milter m 'redis_fallback = "local"' 'redis_connections = 2' "${lim[@]}"

rf_plan "$T/plan" "pace 0.05" \
    "msg K1 $A" "msg K2 $B" "msg K3 $A" "msg K4 $B" "msg K5 $A" \
    "msg K6 $B" "msg K7 $A" "msg K8 $B" "msg K9 $A" "msg K10 $B" \
    "mark pause" "wait paused" \
    "pace 0.1" "repeat 15 P $C" "pace 0" \
    "until-redis U $B 14 0.25" "mark recovered" "wait counted" \
    "repeat 3 V $B"
R=$T/results.jsonl
rf_drive_bg m "$R" "$T/plan"
extra=()
for x in a b c; do	# concurrent streams spanning the pause
    case $x in a) h=203.0.113.50 ;; b) h=203.0.113.51 ;; c) h=2001:db8:50::1 ;; esac
    rf_plan "$T/plan.$x" "pace 0.05" "repeat 100 E$x $h"
    rf_drive_bg m "$T/extra.$x.jsonl" "$T/plan.$x"
    extra+=($RF_DRIVE_PID)
done

rf_at pause || exit 1
is "$(rf_rate_msgs $A) $(rf_rate_msgs $B)" "5 5" "before the pause: 5 messages each in zm:rate:$A and zm:rate:$B"
t_pause=$(rf_ms)
is "$(rcli CLIENT PAUSE 3000 ALL)" OK "CLIENT PAUSE 3000 ALL"
rf_go paused
rf_at recovered 25 || exit 1
t_rec=$(rf_ms)
n_u=$(rq "$R" 'len([r for r in sel("U") if fb(r) is None])')
is "$(rf_rate_msgs $B)" "$((5 + n_u))" "after the pause: zm:rate:$B = 5 + the $n_u message(s) decided with Redis"
rf_go counted
wait "$RF_DRIVE_PID"
is "$?" 0 "the driver got an answer to every message"
for x in a b c; do
    wait "${extra[0]}"; rc=$?; extra=("${extra[@]:1}")
    is "$rc" 0 "concurrent stream $x: the driver got an answer to every message"
    rf_answered "$T/extra.$x.jsonl" 100 "concurrent stream $x: 100 messages answered"
    rf_budget "$T/extra.$x.jsonl" "concurrent stream $x: every message within $RF_BUDGET s"
    rf_all "$T/extra.$x.jsonl" R 'act(r) == "accept" and fb(r) in (None, "local")' \
        "concurrent stream $x: accepted, from Redis or with fallback=local"
    h=$(rq "$T/extra.$x.jsonl" 'R[0]["decision"]["host"]')
    n=$(rq "$T/extra.$x.jsonl" 'len([r for r in R if fb(r) is None])')
    nf=$(rq "$T/extra.$x.jsonl" 'len([r for r in R if fb(r) == "local"])')
    nt=$(rq "$T/extra.$x.jsonl" "len([r for r in R if fb(r) == 'local' and r['t'] >= 0.9 * $RF_TIMEOUT_MS / 1000])")
    got=$(rf_rate_msgs "$h")
    ok "$( [ "$got" -ge "$n" ] && [ "$got" -le $((n + nt)) ]; echo $?)" \
        "concurrent stream $x: zm:rate:$h = $got: the $n messages decided with Redis, + at most the $nt of $nf with the fallback that waited out a timeout"
done
rf_stop_begin m

rf_answered "$R" - "every message answered"
rf_budget "$R" "every message within $RF_BUDGET s (timeouts $RF_CONNECT_MS+$RF_TIMEOUT_MS ms)"
rf_all "$R" 'sel("K")' 'fb(r) is None and act(r) == "accept"' "before the pause: accepted, Redis used"
rf_all "$R" 'sel("P")' 'fb(r) == "local" and act(r) == "accept" and r["reply"] in ("accept", "continue")' \
    "during the pause: accepted with fallback=local"
nslow=$(rq "$R" "len([r for r in sel('P') if r['t'] > 0.095])")
ok "$( [ "$nslow" -le 3 ]; echo $?)" \
    "during the pause at most 3 of 15 messages waited on Redis (breaker open: $nslow did)"
diag "during the pause: $(rq "$R" '" ".join("%s:%.3f" % (r["qid"], r["t"]) for r in sel("P"))')"
rf_all "$R" 'sel("U")[-1:]' 'fb(r) is None and act(r) == "accept"' "after the pause: Redis used again"
ms=$((t_rec - t_pause))
ok "$( [ "$ms" -le 10000 ]; echo $?)" "Redis used again $ms ms after the 3 s pause began (<= 10 s)"
rf_all "$R" 'sel("V")' 'fb(r) is None and act(r) == "accept"' "after the recovery: every decision uses Redis"
is "$(rf_rate_msgs $B)" "$((5 + n_u + 3))" "zm:rate:$B grows again: +3 after 3 more messages"
is "$(rf_rate_msgs $C)" 0 "zm:rate:$C empty: messages decided with the fallback were not counted in Redis later"
rf_breaker m 1 1
rf_log_has m 'unreachable: .*([Tt]ime|temporarily unavailable)' "the cause logged is a timeout"
rf_log_lacks m 'stage=mail' "no MAIL-stage refusal"
rf_stop_end m
rf_done
