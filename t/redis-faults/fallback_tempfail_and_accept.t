#!/bin/bash
# Redis down, the two other fallbacks side by side.  tempfail: every
# message gets 451 4.7.1 with reply_tempfail at end of message (logged
# action=tempfail ... fallback=tempfail); accept: every message accepted
# uncounted (a host far over its limit too; action=accept score=0
# reasons=- fallback=accept).  MAIL FROM is never refused by accident (no
# stage=mail line), every message within its budget, "unreachable ...;
# fallback tempfail|accept" logged once, no crash.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

A=192.0.2.47 B=198.51.100.47 C=2001:db8:47::1
rf_redis_prepare	# nothing listens on ZM_REDIS_PORT
mapfile -t lim < <(rf_limit_conf 3)
rf_milter tmp 'redis_fallback = "tempfail"' "${lim[@]}"
rf_milter acc 'redis_fallback = "accept"' "${lim[@]}"

rf_plan "$T/plan" "repeat 8 M $A" "repeat 4 N $B login=bob rcpts=3" "repeat 3 P $C" \
    "sleep 1.1" "repeat 3 Q $A new"
for m in tmp acc; do rf_drive_bg $m "$T/$m.jsonl" "$T/plan"; eval "drv_$m=\$RF_DRIVE_PID"; done
wait "$drv_tmp"; is "$?" 0 "driver (tempfail): every message answered"
wait "$drv_acc"; is "$?" 0 "driver (accept): every message answered"
rf_stop_begin tmp acc

for m in tmp acc; do
    rf_answered "$T/$m.jsonl" 18 "$m: 18 messages answered"
    rf_budget "$T/$m.jsonl" "$m: every message within $RF_BUDGET s"
    rf_log_lacks $m 'stage=mail' "$m: MAIL FROM never refused (no stage=mail line)"
    rf_breaker $m 1 0
done
rf_all "$T/tmp.jsonl" R \
    'r["stage"] == "eom" and r["code"] == "451" and r["xcode"] == "4.7.1" and r["text"] == "ZM-TEMP slow down, see https://help.example.org/zm"' \
    "tempfail: every message gets 451 4.7.1 reply_tempfail at end of message"
rf_all "$T/tmp.jsonl" R 'act(r) == "tempfail" and fb(r) == "tempfail"' \
    "tempfail: every decision logged action=tempfail ... fallback=tempfail"
rf_all "$T/acc.jsonl" R 'r["stage"] == "eom" and r["reply"] in ("accept", "continue")' \
    "accept: every message accepted ($A sends 11 against a limit of 3)"
rf_all "$T/acc.jsonl" R 'act(r) == "accept" and fb(r) == "accept" and r["decision"]["score"] == "0" and r["decision"]["reasons"] == "-"' \
    "accept: logged action=accept score=0 reasons=- ... fallback=accept (uncounted)"
rf_all "$T/acc.jsonl" 'sel("N")' 'r["decision"]["user"] == "user:bob" and r["decision"]["rcpts"] == "3"' \
    "accept: the decision lines still name the user and the recipients"
rf_stop_end tmp acc
rf_done
