#!/bin/bash
# The milter configured with a wrong password for its ACL user, fallback
# accept: it starts (not fatal), every message is accepted uncounted (a
# host far over its limit too), the decision lines carry fallback=accept,
# nothing is written to Redis, the reason (WRONGPASS / auth) is logged
# once, the breaker keeps it from retrying AUTH for every message, no
# crash.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

A=192.0.2.45 B=198.51.100.45
zm_redis_start || exit 1
rcli ACL LOG RESET >/dev/null
echo "not-$ZM_REDIS_PASSWORD" >"$T/wrong.password"
RF_PASSWORD_FILE=$T/wrong.password
mapfile -t lim < <(rf_limit_conf 3)
rf_milter m 'redis_fallback = "accept"' "${lim[@]}"

rf_plan "$T/plan" "pace 0.02" "repeat 15 W $A" "repeat 5 X $B login=bob" "sleep 1.2" "repeat 5 Y $A"
R=$T/results.jsonl
rf_drive m "$R" "$T/plan"
is "$?" 0 "the driver got an answer to every message"
rf_stop_begin m

rf_answered "$R" 25 "25 messages answered"
rf_budget "$R" "every message within $RF_BUDGET s"
rf_all "$R" R 'r["stage"] == "eom" and r["reply"] in ("accept", "continue")' \
    "every message accepted ($A sends 20 against a limit of 3)"
rf_all "$R" R 'act(r) == "accept" and fb(r) == "accept" and r["decision"]["score"] == "0" and r["decision"]["reasons"] == "-"' \
    "decision lines: action=accept score=0 reasons=- ... fallback=accept (uncounted)"
is "$(rcli DBSIZE)" 0 "nothing written to Redis"
rf_log_count m ': unreachable: ' 1 "one 'unreachable' line"
rf_log_has m "redis 127\.0\.0\.1:$ZM_REDIS_PORT: unreachable: .*(WRONGPASS|invalid username-password|[Aa][Uu][Tt][Hh]).*; fallback accept\$" \
    "it says why: WRONGPASS / auth failed; fallback accept"
rf_log_count m 'WRONGPASS|invalid username-password' 1 "the reason is logged once"
rf_log_count m 'answering again' 0 "never 'answering again'"
fails=$(rcli ACL LOG 100 | python3 -c '
import sys
w = sys.stdin.read().split("\n")
entries, e = [], None
for k, v in zip(w[0::2], w[1::2]):
    if k == "count":
        e = {}
        entries.append(e)
    if e is not None:
        e[k] = v
print(sum(int(e["count"]) for e in entries
          if e.get("reason") == "auth" and e.get("username") == "zombie-milter"))')
ok "$( [ "$fails" -ge 1 ] && [ "$fails" -lt 25 ]; echo $?)" \
    "Redis saw $fails failed AUTH of the milter's user (>= 1, < 25: not one per message)"
rf_log_lacks m 'stage=mail' "no MAIL-stage refusal"
rf_stop_end m
rf_done
