#!/bin/bash
# A DNS that never answers costs at most the budget.  The milter's only
# forwarder is a blackhole (t/lib/dns_blackhole.py: reads queries, never
# answers) and an ip zone and a domain zone are configured; dns_budget_ms
# = 200.  Start-up is not blocked more than a few seconds by the health
# check, and a zone that does not answer it stays up (no "down" line).
# Every message -- single sessions, a session of three messages, four
# sessions at once -- is answered within 1 s, counted from the connect,
# scores nothing, gives no reason; the health check queries reach the
# blackhole and nothing but names in the configured zones is asked;
# the milter stops promptly with queries outstanding, exit 0.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/dnsbl/dnsbl.sh"
dnsbl_require
plan 22

SLACK_MS=1000
zm_blackhole_start || dnsbl_fail_all "blackhole did not start"

dnsbl_start "$ZM_BH_PORT" \
    "$(dnsbl_quiet_window)" \
    "$(dnsbl_zone slow.zm-test.net ip '127.0.0.2-127.0.0.99 listed 100')" \
    "$(dnsbl_zone slowdn.zm-test.net domain '127.0.0.2-127.0.0.99 listed 100')" \
    'dns_budget_ms = 200' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 100' 'threshold_quarantine = 0'
ok $((ZM_READY_MS > 4000)) "start-up (health check included) took ${ZM_READY_MS} ms (< 4 s) with a silent DNS"
diag "the port accepted connections after $ZM_START_MS ms, the start-up line came after $ZM_READY_MS ms"
log_lacks 'dnsbl [^ ]+: down' "a zone that does not answer its check is not marked down"

session --helo mx.slow-domain.example --from a@slow-domain.example 192.0.2.40 T1
session 2001:db8::40 T2
session --helo mx.slow-domain.example --from b@other-domain.example 198.51.100.40 T3 T4 T5
par=()
for i in 1 2 3 4; do
    session --helo "h$i.slow-domain.example" --from "c$i@par$i.example" "203.0.113.4$i" "P$i" &
    par+=($!)
done
wait "${par[@]}"

for q in T1 T2 T3 T4 T5 P1 P2 P3 P4; do
    e=$(elapsed "$q")
    if [ -n "$e" ] && [ "$e" -lt "$SLACK_MS" ]; then
        ok 0 "$q answered in $e ms (< $SLACK_MS)"
    else
        ok 1 "$q answered in ${e:-(no answer)} ms (< $SLACK_MS)"
    fi
done
is "$(awk '$1 != "PROTO" && !($2 == "eom" && ($3 == "accept" || $3 == "continue"))' "$T/replies" | wc -l)" 0 \
    "all nine messages accepted at end of message"

dnsbl_stop
# libmilter itself takes about 5 s to stop (its listener polls every 5 s)
ok $((ZM_STOP_MS > 7000)) "SIGTERM after lookups that never got an answer: stopped in $ZM_STOP_MS ms (< 7 s)"

log_count ': action=accept host=[^ ]+ user=- score=0 reasons=- rcpts=1( |$)' 9 \
    "nine decision lines: accept score=0 reasons=-"
for n in 2.0.0.127.slow.zm-test.net 1.0.0.127.slow.zm-test.net test.slowdn.zm-test.net invalid.slowdn.zm-test.net; do
    ok "$(grep -qF " $n" "$ZM_BH_LOG" && echo 0 || echo 1)" "the health check asked the blackhole for $n"
done
is "$(awk '$2 !~ /\.(slow|slowdn)\.zm-test\.net$/' "$ZM_BH_LOG" | wc -l)" 0 \
    "every query that reached the blackhole is for a configured zone (nothing else asked)"
diag "message times (ms): $(awk '$1 != "PROTO" { printf "%s=%s ", $1, $4 }' "$T/replies")"
diag "blackhole: $(wc -l <"$ZM_BH_LOG") datagrams"

[ "$zm_nfail" -gt 0 ] && { dnsbl_diag; diag "--- blackhole log:"; diag "$(cat "$ZM_BH_LOG")"; }
zm_done
