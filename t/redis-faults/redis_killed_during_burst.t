#!/bin/bash
# Redis killed (SIGKILL) in the middle of a burst, fallback local: every
# message is answered within its budget; after the kill the decisions carry
# " fallback=local" and are counted in the milter's own store, so a host
# crossing its limit during the outage is still refused (451 4.7.1); the
# breaker logs "unreachable" once; Redis restarted (empty) on the same port
# is used again within seconds ("answering again" once, no fallback= field)
# and the counts grow in zm:rate:<host> again.  Two more clients send all
# along (a new connection and a new host per message), so the kill and the
# restart also land in the middle of messages: each is answered within the
# budget and accepted.  A host quarantined during the outage (one message
# over a recipient limit) is refused at MAIL FROM from the local store,
# during the outage and after Redis is back.  No crash.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/redis-faults/faults.sh"
rf_require

A=192.0.2.41 B=198.51.100.41 C=203.0.113.41 D=2001:db8:41::7 D64=2001:db8:41::/64
Q=203.0.113.49
zm_redis_start || exit 1
mapfile -t lim < <(rf_limit_conf 8 0 100)
rf_milter m 'redis_fallback = "local"' "${lim[@]}" \
    'window "5m" {' 'length = 300' 'buckets = 10' 'messages = 0' 'recipients = 30' 'points = 100' '}'
QUAR="ZM-QUAR quarantined, see https://help.example.org/zm"

p=("pace 0.02")
for i in 1 2 3 4 5; do	# 20 messages while Redis is up, 5 per host
    p+=("msg K$((4*i-3)) $A" "msg K$((4*i-2)) $B" "msg K$((4*i-1)) $C login=alice" "msg K$((4*i)) $D")
done
p+=("pace 0" "mark before-kill" "wait killed")
for i in $(seq 1 20); do	# 20 during the outage: A 13, B 3, C 2, D 2
    case $i in
    3 | 8 | 13) p+=("msg L$i $B") ;;
    5 | 15) p+=("msg L$i $C login=alice") ;;
    10 | 20) p+=("msg L$i $D") ;;
    *) p+=("msg L$i $A") ;;
    esac
done
p+=("msg QA1 $Q rcpts=31" "msg QA2 $Q")
p+=("mark outage-done" "wait restarted"
    "until-redis U $B 12 0.2" "mark recovered" "wait counted"
    "repeat 3 V $B" "msg X1 $C login=alice" "msg QA3 $Q")
rf_plan "$T/plan" "${p[@]}"
R=$T/results.jsonl
rf_drive_bg m "$R" "$T/plan"
extra=()
for x in a b; do	# concurrent streams spanning the kill and the restart
    q=("pace 0.03")
    for i in $(seq 1 80); do
        if [ $x = a ]; then q+=("msg E$x$i 192.0.2.$((100 + i))" close)
        else q+=("msg E$x$i 2001:db8:$((100 + i))::1" close); fi
    done
    rf_plan "$T/plan.$x" "${q[@]}"
    rf_drive_bg m "$T/extra.$x.jsonl" "$T/plan.$x"
    extra+=($RF_DRIVE_PID)
done

rf_at before-kill || exit 1
is "$(rf_rate_msgs $A) $(rf_rate_msgs $D64) $(rf_rate_msgs user:alice)" "5 5 5" \
    "before the kill: 5 messages each counted in zm:rate:$A, zm:rate:$D64, zm:rate:user:alice"
zm_redis_kill
rf_go killed
rf_at outage-done || exit 1
t_restart=$(rf_ms)
zm_redis_start || exit 1
rf_go restarted
rf_at recovered 20 || exit 1
t_recovered=$(rf_ms)
n_u=$(rq "$R" 'len([r for r in sel("U") if fb(r) is None])')
is "$(rf_rate_msgs $B)" "$n_u" \
    "zm:rate:$B counts from zero after the restart (Redis came back empty): $n_u"
rf_go counted
wait "$RF_DRIVE_PID"
is "$?" 0 "the driver got an answer to every message"

for x in a b; do
    wait "${extra[0]}"; rc=$?; extra=("${extra[@]:1}")
    is "$rc" 0 "concurrent stream $x: the driver got an answer to every message"
    rf_answered "$T/extra.$x.jsonl" 80 "concurrent stream $x: 80 messages answered"
    rf_budget "$T/extra.$x.jsonl" "concurrent stream $x: every message within $RF_BUDGET s"
    rf_all "$T/extra.$x.jsonl" R 'act(r) == "accept" and fb(r) in (None, "local")' \
        "concurrent stream $x: accepted, from Redis or with fallback=local"
    diag "concurrent stream $x: $(rq "$T/extra.$x.jsonl" '" ".join("%s" % ("R" if fb(r) is None else "L") for r in R)')"
done
rf_stop_begin m
rf_answered "$R" - "every message answered (none lost, no closed connection)"
rf_budget "$R" "every message within $RF_BUDGET s (connect+command timeouts $RF_CONNECT_MS+$RF_TIMEOUT_MS ms)"
rf_all "$R" 'sel("K")' 'r["reply"] == "accept" or r["reply"] == "continue"' \
    "before the kill: the 20 messages accepted"
rf_all "$R" 'sel("K")' 'fb(r) is None' "before the kill: decisions without fallback= (Redis used)"
rf_all "$R" 'sel("L")' 'fb(r) == "local"' "after the kill: the 20 decisions carry fallback=local"
rf_all "$R" '[r for r in sel("L") if r["host"] != "'$A'"]' \
    'r["reply"] in ("accept", "continue") and act(r) == "accept"' \
    "after the kill: hosts under their limit accepted (from the local store)"
la=$T/la.jsonl
rq "$R" '[__import__("json").dumps(r) for r in sel("L") if r["host"] == "'$A'"]' >"$la"
nacc=$(rq "$la" 'len([r for r in R if r["reply"] in ("accept", "continue")])')
first_ref=$(rq "$la" 'min([i for i, r in enumerate(R) if r["reply"] not in ("accept", "continue")] or [99])')
ok "$( [ "$nacc" -ge 3 ] && [ "$nacc" -le 8 ]; echo $?)" \
    "$A during the outage: $nacc of 13 accepted (3..8: the local count crosses 8)"
is "$first_ref" "$nacc" "$A: no message accepted after the first refusal"
rf_all "$la" '[r for r in R if r["reply"] not in ("accept", "continue")]' \
    'r["stage"] == "eom" and r["code"] == "451" and r["xcode"] == "4.7.1" and r["text"] == "ZM-TEMP slow down, see https://help.example.org/zm"' \
    "$A over its limit during the outage: 451 4.7.1 reply_tempfail at end of message"
rf_all "$la" '[r for r in R if r["reply"] not in ("accept", "continue")]' \
    'act(r) == "tempfail" and __import__("re").match(r"msgs1m=[0-9]+/8\(\+60\)$", r["decision"]["reasons"])' \
    "$A: logged action=tempfail reasons=msgs1m=N/8(+60) fallback=local"
diag "$A during the outage: $(rq "$la" '" ".join("%s:%s" % (r["qid"], r["reply"]) for r in R)')"
rf_all "$R" 'sel("U")[-1:]' 'fb(r) is None and act(r) == "accept"' \
    "after the restart: decisions use Redis again (no fallback= field)"
ms=$((t_recovered - t_restart))
ok "$( [ "$ms" -le 8000 ]; echo $?)" "Redis used again $ms ms after its restart (<= 8 s)"
rf_all "$R" 'sel("V") + sel("X")' 'fb(r) is None and act(r) == "accept"' \
    "after the recovery: every decision uses Redis"
is "$(rf_rate_msgs $B)" "$((n_u + 3))" "zm:rate:$B grows again: +3 after 3 more messages"
is "$(rf_rate_msgs user:alice) $(rf_rate_msgs $C)" "1 1" "zm:rate:user:alice and zm:rate:$C count again"
rf_all "$R" 'sel("QA1")' 'r["stage"] == "eom" and r["code"] == "550" and r["xcode"] == "5.7.1" and r["text"] == "'"$QUAR"'" and act(r) == "quarantine" and fb(r) == "local"' \
    "during the outage: $Q over the 5m recipient limit quarantined (550 5.7.1 reply_quarantine, fallback=local)"
rf_all "$R" 'sel("QA2") + sel("QA3")' 'r["stage"] == "mail" and r["code"] == "550" and r["xcode"] == "5.7.1" and r["text"] == "'"$QUAR"'" and act(r) == "reject" and r["decision"].get("stage") == "mail"' \
    "$Q refused at MAIL FROM from the local quarantine, during the outage and after Redis is back"
diag "quarantine: $(rq "$R" '[brief(r) for r in sel("QA")]')"
diag "zm:block:$Q in Redis after the recovery: '$(rcli HGETALL zm:block:$Q | tr '\n' ' ')'"
is "$(LC_ALL=C grep -a 'stage=mail' "$T/m.log" | grep -vc " host=$Q ")" 0 \
    "no other MAIL-stage refusal (no refusal by accident)"
rf_breaker m 1 1
rf_stop_end m
rf_done
