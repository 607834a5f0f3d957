#!/bin/bash
# Redis restarted empty (SIGTERM, started again on the same port, no
# persistence): the milter recovers on its own -- the old connections are
# dropped, the script is loaded again (EVALSHA -> NOSCRIPT -> EVAL, or
# SCRIPT LOAD) -- counting starts from zero in Redis, nothing is refused by
# accident (the old counts are gone: a host that had 6 of 10 sends 8 more,
# all accepted), every message is answered within its budget, no crash.
# Then SCRIPT FLUSH under a running milter: the NOSCRIPT path alone is not
# a Redis failure (no fallback, breaker untouched, counted in Redis).
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

A=192.0.2.43 B=198.51.100.43 C=203.0.113.43
zm_redis_start || exit 1
mapfile -t lim < <(rf_limit_conf 10)
rf_milter m 'redis_fallback = "local"' "${lim[@]}"

rf_plan "$T/plan" \
    "repeat 6 K $A" "repeat 3 J $C login=carol" "mark before-restart" "wait restarted" \
    "pace 0.1" "repeat 8 R $A" "pace 0" \
    "until-redis U $B 12 0.25" "mark recovered" "wait flushed" \
    "repeat 3 S $B" "msg S4 $C login=carol"
R=$T/results.jsonl
rf_drive_bg m "$R" "$T/plan"

scripts() { rcli INFO memory | tr -d '\r' | sed -n 's/^number_of_cached_scripts://p'; }
loads() {	# EVAL and SCRIPT LOAD calls so far
    rcli INFO commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_\(eval\|script|load\):calls=\([0-9]*\),.*/\2/p' | awk '{s += $1} END {print s + 0}'
}
rf_at before-restart || exit 1
is "$(rf_rate_msgs $A) $(rf_rate_msgs user:carol)" "6 3" "before the restart: zm:rate:$A = 6, zm:rate:user:carol = 3"
ok "$( [ "$(scripts)" -ge 1 ]; echo $?)" "before the restart: the script is cached in Redis"
zm_redis_stop
zm_redis_start || exit 1
is "$(rcli DBSIZE) $(scripts)" "0 0" "Redis restarted empty on port $ZM_REDIS_PORT: no key, no script"
rf_go restarted
rf_at recovered 25 || exit 1
n_a=$(rq "$R" 'len([r for r in sel("R") if fb(r) is None])')
is "$(rf_rate_msgs $A)" "$n_a" "zm:rate:$A counts from zero: the $n_a message(s) of 8 decided with Redis after the restart"
ok "$( [ "$(scripts)" -ge 1 ]; echo $?)" "the script is loaded again"
l1=$(loads)
ok "$( [ "$l1" -ge 1 ]; echo $?)" "EVAL or SCRIPT LOAD was used after the restart ($l1 calls)"
b0=$(rf_rate_msgs $B)
is "$(rcli SCRIPT FLUSH)" OK "SCRIPT FLUSH under the running milter"
rf_go flushed
wait "$RF_DRIVE_PID"
is "$?" 0 "the driver got an answer to every message"
rf_stop_begin m
l2=$(loads)
ok "$( [ "$l2" -gt "$l1" ]; echo $?)" "after SCRIPT FLUSH the script is sent again (EVAL/SCRIPT LOAD calls $l1 -> $l2)"

rf_answered "$R" - "every message answered"
rf_budget "$R" "every message within $RF_BUDGET s"
rf_all "$R" 'sel("K") + sel("J")' 'fb(r) is None and act(r) == "accept"' "before the restart: accepted, Redis used"
rf_all "$R" 'sel("R")' 'act(r) == "accept" and r["reply"] in ("accept", "continue")' \
    "after the restart: $A's 8 messages accepted (6 + 8 > 10 only if old counts leaked)"
diag "after the restart: $(rq "$R" '" ".join("%s:%s:%s" % (r["qid"], act(r), fb(r)) for r in sel("R") + sel("U"))')"
rf_all "$R" 'sel("R")' 'fb(r) in (None, "local")' "after the restart: decisions from Redis or with fallback=local"
rf_all "$R" 'sel("U")[-1:]' 'fb(r) is None and act(r) == "accept"' "Redis used again after the restart"
rf_all "$R" 'sel("S")' 'fb(r) is None and act(r) == "accept"' "after SCRIPT FLUSH: decisions still use Redis (NOSCRIPT -> EVAL, no fallback)"
is "$(rf_rate_msgs $B)" "$((b0 + 3))" "after SCRIPT FLUSH: zm:rate:$B grows by 3"
is "$(rf_rate_msgs user:carol)" 1 "zm:rate:user:carol counts from zero after the restart: 1"
opens=$(LC_ALL=C grep -ac ": unreachable: " "$T/m.log")
closes=$(LC_ALL=C grep -ac ": answering again$" "$T/m.log")
ok "$( [ "$opens" -le 1 ] && [ "$opens" = "$closes" ]; echo $?)" \
    "breaker: opened $opens, closed $closes time(s) (at most once, closed again)"
rf_log_lacks m 'NOSCRIPT' "NOSCRIPT is handled, not logged as an error"
rf_log_lacks m 'stage=mail' "no MAIL-stage refusal"
rf_stop_end m
rf_done
