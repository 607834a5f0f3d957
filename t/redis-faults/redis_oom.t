#!/bin/bash
# Redis answering -OOM (maxmemory 1, noeviction) to the counting script:
# two milters on one Redis.  fallback tempfail: every message gets 451 4.7.1
# with reply_tempfail (never "count zero" and accept); fallback local: the
# decisions carry fallback=local and count in the local store, so a burst
# is still stopped.  Nothing is written to Redis meanwhile.  maxmemory 0
# again: the decisions use Redis again and the counts grow.  Every message
# within its budget, the cause (OOM) logged, breaker lines paired, no crash.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

A=192.0.2.44 B=198.51.100.44 C=203.0.113.44 D=2001:db8:44::9 D64=2001:db8:44::/64
zm_redis_start || exit 1
mapfile -t lim < <(rf_limit_conf 6)
rf_milter loc 'redis_fallback = "local"' "${lim[@]}"
rf_milter tmp 'redis_fallback = "tempfail"' "${lim[@]}"

for m in loc tmp; do
    if [ $m = loc ]; then h=$A h2=$C; else h=$B h2=$D; fi
    rf_plan "$T/plan.$m" "repeat 3 K $h" "mark $m-oom" "wait oom" \
        "pace 0.05" "repeat 10 O $h" "pace 0" "mark $m-done" "wait restored" \
        "until-redis U $h2 12 0.25" "mark $m-recovered" "wait counted" "repeat 3 V $h2"
    rf_drive_bg $m "$T/$m.jsonl" "$T/plan.$m"
    eval "drv_$m=\$RF_DRIVE_PID"
done

rf_at loc-oom && rf_at tmp-oom || exit 1
is "$(rf_rate_msgs $A) $(rf_rate_msgs $B)" "3 3" "before the OOM: zm:rate:$A = 3, zm:rate:$B = 3"
rcli CONFIG SET maxmemory-policy noeviction >/dev/null
is "$(rcli CONFIG SET maxmemory 1)" OK "CONFIG SET maxmemory 1 (noeviction)"
like "$(rcli SET zm:probe 1 2>&1)" OOM "Redis now refuses writes with -OOM"
rf_go oom
rf_at loc-done && rf_at tmp-done || exit 1
is "$(rf_rate_msgs $A) $(rf_rate_msgs $B)" "3 3" "during the OOM nothing was counted in Redis"
rcli CONFIG SET maxmemory 0 >/dev/null
rf_go restored
rf_at loc-recovered 20 && rf_at tmp-recovered 20 || exit 1
nc=$(rq "$T/loc.jsonl" 'len([r for r in sel("U") if fb(r) is None])')
nd=$(rq "$T/tmp.jsonl" 'len([r for r in sel("U") if fb(r) is None])')
rf_go counted
wait "$drv_loc"; is "$?" 0 "driver (local): every message answered"
wait "$drv_tmp"; is "$?" 0 "driver (tempfail): every message answered"
rf_stop_begin loc tmp
is "$(rf_rate_msgs $C) $(rf_rate_msgs $D64)" "$((nc + 3)) $((nd + 3))" \
    "after maxmemory 0: zm:rate:$C and zm:rate:$D64 count again"

for m in loc tmp; do
    rf_answered "$T/$m.jsonl" - "$m: every message answered"
    rf_budget "$T/$m.jsonl" "$m: every message within $RF_BUDGET s"
    rf_all "$T/$m.jsonl" 'sel("K")' 'fb(r) is None and act(r) == "accept"' "$m: before the OOM, accepted with Redis"
    rf_all "$T/$m.jsonl" 'sel("U")[-1:] + sel("V")' 'fb(r) is None and act(r) == "accept"' \
        "$m: after maxmemory 0, decisions use Redis again"
    opens=$(LC_ALL=C grep -ac ": unreachable: " "$T/$m.log")
    closes=$(LC_ALL=C grep -ac ": answering again$" "$T/$m.log")
    ok "$( [ "$opens" -le 1 ] && [ "$opens" = "$closes" ]; echo $?)" \
        "$m: breaker opened $opens, closed $closes time(s) (at most once each, paired)"
    rf_log_has $m 'OOM' "$m: the cause (OOM) is in the log"
    rf_log_lacks $m 'stage=mail' "$m: no MAIL-stage refusal"
done
rf_all "$T/tmp.jsonl" 'sel("O")' \
    'r["stage"] == "eom" and r["code"] == "451" and r["xcode"] == "4.7.1" and r["text"] == "ZM-TEMP slow down, see https://help.example.org/zm"' \
    "tempfail: every message during the OOM gets 451 4.7.1 reply_tempfail (not accepted uncounted)"
rf_all "$T/tmp.jsonl" 'sel("O")' 'act(r) == "tempfail" and fb(r) == "tempfail"' \
    "tempfail: logged action=tempfail ... fallback=tempfail"
rf_all "$T/loc.jsonl" 'sel("O")' 'fb(r) == "local"' "local: decisions during the OOM carry fallback=local"
nacc=$(rq "$T/loc.jsonl" 'len([r for r in sel("O") if r["reply"] in ("accept", "continue")])')
first=$(rq "$T/loc.jsonl" 'min([i for i, r in enumerate(sel("O")) if r["reply"] not in ("accept", "continue")] or [99])')
ok "$( [ "$nacc" -ge 3 ] && [ "$nacc" -le 6 ] && [ "$first" = "$nacc" ]; echo $?)" \
    "local: the burst is stopped: $nacc of 10 accepted (3..6), then refused"
rf_all "$T/loc.jsonl" '[r for r in sel("O") if r["reply"] not in ("accept", "continue")]' \
    'r["code"] == "451" and act(r) == "tempfail" and __import__("re").match(r"msgs1m=[0-9]+/6\(\+60\)$", r["decision"]["reasons"])' \
    "local: the refusals are 451, logged reasons=msgs1m=N/6(+60) fallback=local"
diag "local during the OOM: $(rq "$T/loc.jsonl" '" ".join("%s:%s" % (r["qid"], act(r)) for r in sel("O"))')"
rf_stop_end loc tmp
rf_done
