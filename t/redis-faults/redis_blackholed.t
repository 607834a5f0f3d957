#!/bin/bash
# Redis unreachable with a hanging connect (the port drops SYNs, as a
# firewalled or dead host does): the milter starts, every message is
# answered within its budget (redis_connect_timeout_ms is honoured, the
# breaker opens on the first timeout), fallback local counts, the cause
# (a timeout) is logged once; Redis then started on that port is used
# within seconds and counts.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

A=192.0.2.48 B=198.51.100.48
rf_redis_prepare
python3 "$RF_DIR/blackhole.py" "$ZM_REDIS_PORT" "$T/bar/blackhole" &
bh=$!
zm_pids+=($bh)
rf_at blackhole 5 || { ok 1 "a port whose connect hangs"; exit 1; }
t0=$(rf_ms)
mapfile -t lim < <(rf_limit_conf 5)
rf_milter m 'redis_fallback = "local"' "${lim[@]}"
ms=$(($(rf_ms) - t0))
ok "$( [ "$ms" -le 3000 ]; echo $?)" "the milter starts in $ms ms with connect to Redis hanging (<= 3 s)"

rf_plan "$T/plan" "pace 0.05" "repeat 8 H $A" "sleep 1.2" "repeat 4 I $B login=erin" \
    "pace 0" "mark down-done" "wait started" \
    "until-redis U $B 12 0.25" "mark recovered" "wait counted" "repeat 3 V $B"
R=$T/results.jsonl
rf_drive_bg m "$R" "$T/plan"
rf_at down-done 20 || exit 1
kill "$bh"; wait "$bh" 2>/dev/null
t_start=$(rf_ms)
zm_redis_start || exit 1
rf_go started
rf_at recovered 20 || exit 1
t_rec=$(rf_ms)
n_u=$(rq "$R" 'len([r for r in sel("U") if fb(r) is None])')
rf_go counted
wait "$RF_DRIVE_PID"
is "$?" 0 "the driver got an answer to every message"
rf_stop_begin m

rf_answered "$R" - "every message answered"
rf_budget "$R" "every message within $RF_BUDGET s (connect timeout $RF_CONNECT_MS ms honoured)"
nslow=$(rq "$R" "len([r for r in sel('H') + sel('I') if r['t'] > 0.095])")
ok "$( [ "$nslow" -le 3 ]; echo $?)" "at most 3 of 12 messages waited on the hanging connect (breaker open: $nslow did)"
diag "connect hanging: $(rq "$R" '" ".join("%s:%.3f" % (r["qid"], r["t"]) for r in sel("H") + sel("I"))')"
rf_all "$R" 'sel("H") + sel("I")' 'fb(r) == "local"' "connect hanging: decisions carry fallback=local"
rf_all "$R" 'sel("H")[:5] + sel("I")' 'act(r) == "accept"' "the first 5 messages of $A accepted, $B accepted"
rf_all "$R" 'sel("H")[5:]' 'act(r) == "tempfail" and r["code"] == "451" and r["decision"]["reasons"] == "msgs1m=6/5(+60)"' \
    "the 6th to 8th of $A refused 451 (counted locally, msgs1m=6/5(+60))"
rf_all "$R" 'sel("U")[-1:] + sel("V")' 'fb(r) is None and act(r) == "accept"' "Redis started on the port: decisions use Redis"
ms=$((t_rec - t_start))
ok "$( [ "$ms" -le 8000 ]; echo $?)" "Redis used $ms ms after it was started (<= 8 s)"
is "$(rf_rate_msgs $B)" "$((n_u + 3))" "zm:rate:$B counts"
rf_breaker m 1 1
rf_log_has m 'unreachable: .*([Tt]ime|temporarily unavailable|progress)' "the cause logged is a timeout"
rf_log_lacks m 'stage=mail' "no MAIL-stage refusal"
rf_stop_end m
rf_done
