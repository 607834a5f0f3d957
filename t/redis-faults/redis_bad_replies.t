#!/bin/bash
# Error and malformed replies, fallback tempfail (so a fallback shows as
# 451 4.7.1 and a "count of zero by accident" as an acceptance), seven
# milters side by side:
#   perm: the real Redis, the milter's ACL user loses EVALSHA/EVAL, then
#         its keys (-NOPERM at MAIL FROM and at end of message), then
#         HGETALL alone, each time restored: 451 while refused, Redis used
#         again after; a host quarantined in Redis is never accepted while
#         its block cannot be read ("never not-blocked by accident");
#   a fake Redis (fake_redis.py) for each of: -LOADING, empty arrays, an
#         integer where an array is expected, bytes that are not RESP, a
#         reset connection, replies dribbled one byte at a time (each read
#         quick, the round trip seconds: the budget is per round trip), an
#         error text with control and 8-bit bytes (logged escaped, as
#         client text is: nothing raw reaches the log).
# Each: every message answered within its budget with 451 4.7.1 at end of
# message and fallback=tempfail, MAIL FROM never refused, "unreachable" at
# most once per outage, no crash.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

FAKES="loading empty wrongtype garbage reset dribble hostile"
TEMP="ZM-TEMP slow down, see https://help.example.org/zm"
zm_redis_start || exit 1
mapfile -t lim < <(rf_limit_conf 30)
rf_milter perm 'redis_fallback = "tempfail"' "${lim[@]}"
for f in $FAKES; do
    port=$(zm_free_port)
    python3 "$RF_DIR/fake_redis.py" "$port" "$f" "$T/bar/fake-$f" "$T/fake-$f.log" &
    zm_pids+=($!)
    rf_at "fake-$f" 5 || { ok 1 "fake Redis ($f) listens"; exit 1; }
    RF_REDIS_ADDR=127.0.0.1:$port rf_milter "$f" 'redis_fallback = "tempfail"' "${lim[@]}"
done

A=192.0.2.51 B=198.51.100.51 Z=203.0.113.59
now=$(date +%s)
rcli HSET zm:block:$Z reason 'msgs1m=31/30(+50)' score 130 since "$now" relay other-relay \
    until $((now + 600)) >/dev/null
rcli EXPIRE zm:block:$Z 600 >/dev/null
rf_plan "$T/plan.perm" "repeat 2 K $A login=frank" "msg Z1 $Z" "mark perm-1" "wait noscript" \
    "pace 0.05" "repeat 5 N $A login=frank" "pace 0" "mark perm-2" "wait restored-1" \
    "until-redis U $B 12 0.25" "mark perm-3" "wait nokeys" \
    "pace 0.05" "repeat 5 M $A login=frank" "pace 0" "mark perm-4" "wait restored-2" \
    "until-redis W $B 12 0.25" "mark perm-5" "wait nohgetall" \
    "sleep 1.1" "pace 0.05" "repeat 3 Y $Z" "repeat 2 YB $B" "pace 0" "mark perm-6" "wait restored-3" \
    "until-redis X $B 12 0.25" "repeat 2 V $A login=frank" "msg Z2 $Z"
rf_drive_bg perm "$T/perm.jsonl" "$T/plan.perm"
drv_perm=$RF_DRIVE_PID
i=0
for f in $FAKES; do
    i=$((i + 1))
    rf_plan "$T/plan.$f" "pace 0.05" "repeat 6 F 192.0.2.$((60 + i))" \
        "repeat 3 G 2001:db8:$((60 + i))::1 login=gina" "sleep 1.1" "repeat 3 H 192.0.2.$((60 + i)) new"
    rf_drive_bg "$f" "$T/$f.jsonl" "$T/plan.$f"
    eval "drv_$f=\$RF_DRIVE_PID"
done

rf_at perm-1 || exit 1
rcli ACL SETUSER zombie-milter -evalsha -eval >/dev/null
rf_go noscript
rf_at perm-2 || exit 1
rcli ACL SETUSER zombie-milter +evalsha +eval >/dev/null
rf_go restored-1
rf_at perm-3 20 || exit 1
rcli ACL SETUSER zombie-milter resetkeys '~other:*' >/dev/null
rf_go nokeys
rf_at perm-4 || exit 1
rcli ACL SETUSER zombie-milter resetkeys '~zm:*' >/dev/null
rf_go restored-2
rf_at perm-5 20 || exit 1
rcli ACL SETUSER zombie-milter -hgetall >/dev/null
rf_go nohgetall
rf_at perm-6 || exit 1
rcli ACL SETUSER zombie-milter +hgetall >/dev/null
rf_go restored-3
wait "$drv_perm"; is "$?" 0 "perm: the driver got an answer to every message"
n_v=$(rf_rate_msgs $A)
perms=$(rcli ACL LOG 100 | grep -c '^command\|^key')
for f in $FAKES; do eval "wait \$drv_$f"; is "$?" 0 "$f: the driver got an answer to every message"; done
rf_stop_begin perm $FAKES

for f in perm $FAKES; do
    rf_answered "$T/$f.jsonl" - "$f: every message answered"
    rf_budget "$T/$f.jsonl" "$f: every message within $RF_BUDGET s"
    [ $f = perm ] || rf_log_lacks $f 'stage=mail' "$f: MAIL FROM never refused (no stage=mail line)"
done
is "$(LC_ALL=C grep -a 'stage=mail' "$T/perm.log" | grep -vc " host=$Z ")" 0 \
    "perm: no MAIL-stage refusal but for the quarantined $Z"
rf_all "$T/perm.jsonl" 'sel("K") + sel("U")[-1:] + sel("W")[-1:] + sel("X")[-1:] + sel("V")' 'fb(r) is None and act(r) == "accept"' \
    "perm: with the ACL intact, accepted with Redis"
rf_all "$T/perm.jsonl" 'sel("Z")' 'r["stage"] == "mail" and r["code"] == "550" and r["xcode"] == "5.7.1" and r["text"] == "ZM-QUAR quarantined, see https://help.example.org/zm"' \
    "perm: $Z (zm:block:$Z written with redis-cli) refused at MAIL FROM with the ACL intact"
rf_all "$T/perm.jsonl" 'sel("Y") ' 'r["reply"] not in ("accept", "continue") and r["code"] in ("451", "550") and fb(r) == "tempfail"' \
    "perm: HGETALL refused (-NOPERM): the quarantined $Z is never accepted (451/550, fallback=tempfail)"
diag "perm without HGETALL: $(rq "$T/perm.jsonl" '[brief(r) for r in sel("Y")]')"
for ph in N M; do
    if [ $ph = N ]; then what="without EVALSHA/EVAL (-NOPERM)"; else what="without its keys (-NOPERM, HGETALL too)"; fi
    rf_all "$T/perm.jsonl" "sel(\"$ph\")" \
        "r[\"stage\"] == \"eom\" and r[\"code\"] == \"451\" and r[\"xcode\"] == \"4.7.1\" and r[\"text\"] == \"$TEMP\" and act(r) == \"tempfail\" and fb(r) == \"tempfail\"" \
        "perm: the user $what: 451 4.7.1 reply_tempfail, fallback=tempfail"
done
is "$n_v" 4 "perm: zm:rate:$A counts only what Redis decided: 2 before, 2 after"
ok "$( [ "$perms" -ge 1 ]; echo $?)" "perm: Redis logged the refused commands/keys in ACL LOG ($perms entries)"
opens=$(LC_ALL=C grep -ac ": unreachable: " "$T/perm.log")
closes=$(LC_ALL=C grep -ac ": answering again$" "$T/perm.log")
ok "$( [ "$opens" -le 3 ] && [ "$opens" = "$closes" ]; echo $?)" \
    "perm: breaker opened $opens, closed $closes time(s) (at most once per outage, paired)"
rf_log_has perm 'NOPERM' "perm: the cause (NOPERM) is in the log"
for f in $FAKES; do
    rf_all "$T/$f.jsonl" R \
        "r[\"stage\"] == \"eom\" and r[\"code\"] == \"451\" and r[\"xcode\"] == \"4.7.1\" and r[\"text\"] == \"$TEMP\"" \
        "$f: every message gets 451 4.7.1 reply_tempfail at end of message (never accepted as count zero)"
    rf_all "$T/$f.jsonl" R 'act(r) == "tempfail" and fb(r) == "tempfail"' "$f: logged action=tempfail ... fallback=tempfail"
    # Redis that answers some calls and refuses others (here HGETALL is
    # fine, the script's answer is not) may close the breaker at a probe
    # and lose it again: paired lines, backing off, never every message.
    opens=$(LC_ALL=C grep -ac ": unreachable: .*; fallback tempfail$" "$T/$f.log")
    closes=$(LC_ALL=C grep -ac ": answering again$" "$T/$f.log")
    ok "$( [ "$opens" -ge 1 ] && [ "$opens" -le 3 ] && [ "$closes" -le "$opens" ] &&
        [ "$closes" -ge $((opens - 1)) ]; echo $?)" \
        "$f: breaker opened $opens, closed $closes time(s) (1..3 openings, paired)"
    diag "$f: the fake saw $(grep -c . "$T/fake-$f.log") lines: $(cut -d' ' -f3 "$T/fake-$f.log" | sort | uniq -c | tr -s ' \n' ' ')"
    diag "$f: $(LC_ALL=C grep -a 'unreachable' "$T/$f.log" | head -1)"
done
rf_log_has loading 'unreachable: .*LOADING' "loading: the cause (LOADING) is in the log"
rf_log_has hostile 'unreachable: .*ERR\\x20evil\\x1b\[31m\\x07\\xff\\xfe;\\x20fallback\\x20accept; fallback tempfail$' \
    "hostile: the error text is logged escaped, its words kept apart from the line's own end"
zm_file_lacks "$T/hostile.log" $'[\x01-\x08\x0b-\x1f\x7f-\xff]' "hostile: no control or 8-bit byte in the log"
rf_stop_end perm $FAKES
rf_done
