#!/bin/bash
# The Prometheus endpoint (metrics_listen), scraped while 21 hosts send
# through the milter protocol with Redis and a real DNSBL (rbldnsd):
#   - every scrape during the load answers 200 and no counter goes down;
#   - a scrape midway and the last one pass `promtool check metrics`;
#   - the counters add up to the decision lines logged: decisions by
#     action, refusals at MAIL FROM, messages, recipients, reasons by
#     signal and key, quarantines, and the histograms count each
#     decision, each Redis round trip and each wait for DNS;
#   - the metrics served are those the man page lists;
#   - the gauges: build info, the config digest the log names, the
#     zone up, Redis's circuit closed; then, Redis killed, the circuit
#     open, the fallback decisions counted as logged, a Redis error;
#   - a reload is counted; anything but GET /metrics is refused;
#   - a bad metrics_listen is a config error, a port in use a start-up
#     error on the terminal.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/dnsbl/dnsbl.sh"
. "$ZM_TOP/t/lib/redis.sh"
dnsbl_require
command -v curl >/dev/null || dnsbl_fail_all "curl not installed"
command -v promtool >/dev/null || dnsbl_fail_all "promtool not installed (contrib/deps.sh test)"
plan 40

XBL=xbl.zm-test.net
zm_rbl_file xbl <<'EOF'
:127.0.0.4:Listed in xbl: $
192.0.2.99
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbldnsd_start "$XBL:ip4set:xbl" || dnsbl_fail_all "rbldnsd did not start"
zm_redis_start || dnsbl_fail_all "redis-server did not start"
MPORT=$(zm_free_port)
dnsbl_start "$ZM_RBL_PORT" "$(zm_redis_milter_conf)" \
    "metrics_listen = \"127.0.0.1:$MPORT\"" 'spf = false' 'bulk = false' \
    "$(dnsbl_zone "$XBL" ip '127.0.0.4 infected 100')" \
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 3' 'points = 60' '}' \
    'threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 50' \
    'threshold_quarantine = 100'

PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_PROTO_DIR/metrics_load.py" "$MPORT" 20 6 "$T" \
    >"$T/load.out" 2>&1
is "$?" 0 "the load ran: every message answered, every scrape 200"
v() { awk -v k="$1" '$1 == k { print $2; exit }' "$T/load.out"; }
is "$(v SENT)" 126 "126 messages sent"
ok "$([ "$(v SCRAPES)" -ge 2 ]; echo $?)" "scraped during the load ($(v SCRAPES) times)"
is "$(v DECREASED)" 0 "no counter went down from one scrape to the next"
promtool check metrics <"$T/mid.prom" >"$T/promtool.out" 2>&1
is "$?" 0 "promtool check metrics: the scrape taken midway"

curl -sf "http://127.0.0.1:$MPORT/metrics" >"$T/end.prom"
promtool check metrics <"$T/end.prom" >>"$T/promtool.out" 2>&1
is "$?" 0 "promtool check metrics: the last scrape"

m() { awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "absent" }' "$T/end.prom"; }
decisions() { LC_ALL=C grep -a ': H[0-9]*N[0-9]*: action=' "$T/milter.log"; }
lines() { decisions | grep -cE -- "$1"; }
for a in accept reject quarantine; do
    is "$(m "zombie_milter_decisions_total{action=\"$a\"}")" "$(lines "action=$a ")" \
        "decisions_total{action=$a} = the $a lines logged"
done
is "$(m 'zombie_milter_decisions_total{action="tempfail"}')" 0 "no tempfail"
is "$(m zombie_milter_mail_refusals_total)" "$(lines 'stage=mail')" \
    "mail_refusals_total = the lines with stage=mail"
is "$(m zombie_milter_messages_total)" "$(decisions | grep -vc 'stage=mail')" \
    "messages_total = the decisions at end of message"
is "$(m zombie_milter_recipients_total)" \
    "$(decisions | grep -v 'stage=mail' | sed -n 's/.* rcpts=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')" \
    "recipients_total = the sum of their rcpts="
is "$(m 'zombie_milter_reasons_total{signal="rate",reason="msgs1m"}')" "$(lines 'reasons=[^ ]*msgs1m=')" \
    "reasons_total{rate, msgs1m} = the lines giving msgs1m"
is "$(m "zombie_milter_reasons_total{signal=\"dnsbl\",reason=\"dnsbl=$XBL\"}")" "$(lines "reasons=[^ ]*dnsbl=$XBL:")" \
    "reasons_total{dnsbl, dnsbl=ZONE} = the lines giving the listing (by zone, not code)"
is "$(m 'zombie_milter_reasons_total{signal="quarantine",reason="quarantined"}')" "$(lines 'reasons=quarantined ')" \
    "reasons_total{quarantine, quarantined} = the refusals at MAIL FROM"
is "$(m 'zombie_milter_quarantines_total{subject="host"}')" "$(lines 'action=quarantine ')" \
    "quarantines_total{host} = the quarantines logged"
is "$(m zombie_milter_decision_seconds_count)" "$(decisions | wc -l)" \
    "decision_seconds counts every decision"
is "$(m zombie_milter_dns_wait_seconds_count)" "$(m zombie_milter_messages_total)" \
    "dns_wait_seconds counts every end of message"
rt=$(m zombie_milter_redis_round_trips_total)
ok "$([ "${rt%.*}" -gt 126 ] 2>/dev/null; echo $?)" "redis_round_trips_total: $rt (more than one per message)"
is "$(m zombie_milter_redis_round_trip_seconds_count)" "$rt" "redis_round_trip_seconds counts each"
is "$(awk '/^zombie_milter_redis_errors_total/ { s += $2 } END { print s + 0 }' "$T/end.prom")" 0 "no Redis error"
is "$(m "zombie_milter_redis_circuit_open{server=\"127.0.0.1:$ZM_REDIS_PORT\"}")" 0 "Redis's circuit closed"
is "$(m "zombie_milter_dnsbl_zone_up{zone=\"$XBL\"}")" 1 "the zone up"
digest=$(sed -n 's/.*starting: .*(sha256 \([0-9a-f]*\)).*/\1/p' "$T/milter.log")
like "$(grep '^zombie_milter_config_info' "$T/end.prom")" "digest=\"$digest\",mode=\"enforce\"\} 1$" \
    "config_info carries the digest the start-up line logged ($digest)"
documented=$(awk '/^\.SH/ { in_m = ($0 == ".SH METRICS") } in_m && tp { print $2 } { tp = ($0 == ".TP") }' \
    "$ZM_TOP/man/zombie-milter.8" | sort | tr '\n' ' ')
is "$(sed -n 's/^# TYPE zombie_milter_\([a-z_]*\) .*/\1/p' "$T/end.prom" | sort | tr '\n' ' ')" "$documented" \
    "the metrics served are those zombie-milter(8), METRICS, lists"
like "$(grep '^zombie_milter_build_info' "$T/end.prom")" '^zombie_milter_build_info\{version="[0-9.]+",libmilter="[0-9.]+"\} 1$' \
    "build_info"

# Redis gone: the fallback, counted as logged
zm_redis_kill
PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_PROTO_DIR/metrics_load.py" "$MPORT" 3 2 "$T" >"$T/load2.out" 2>&1
is "$?" 0 "with Redis gone, every message answered"
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$T/end.prom"
is "$(m 'zombie_milter_fallback_decisions_total{fallback="local"}')" "$(lines 'fallback=local')" \
    "fallback_decisions_total{local} = the lines with fallback=local ($(lines 'fallback=local'))"
is "$(m "zombie_milter_redis_circuit_open{server=\"127.0.0.1:$ZM_REDIS_PORT\"}")" 1 "Redis's circuit open"
ok "$([ "$(m zombie_milter_dns_cache_hits_total)" -ge 3 ] 2>/dev/null; echo $?)" \
    "the hosts back: their lookups from the cache ($(m zombie_milter_dns_cache_hits_total) hits, $(m zombie_milter_dns_queries_total) queries)"
ok "$([ "$(awk '/^zombie_milter_redis_errors_total/ { s += $2 } END { print s + 0 }' "$T/end.prom")" -ge 1 ]; echo $?)" \
    "Redis errors counted: $(grep '^zombie_milter_redis_errors_total' "$T/end.prom" | awk '$2 > 0' | tr '\n' ' ')"

kill -HUP "$ZM_MILTER_PID"
for ((i = 0; i < 100; i++)); do grep -q 'reload: config' "$T/milter.log" && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$T/end.prom"
is "$(m 'zombie_milter_reloads_total{result="installed"}')" 1 "the reload counted"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/")" 404 "GET / is 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "http://127.0.0.1:$MPORT/metrics")" 405 "POST is 405"

# the same port again, for a second milter: refused on the terminal
zm_milter_conf "$T/busy.conf" "$(zm_free_port)" "metrics_listen = \"127.0.0.1:$MPORT\""
out=$("$ZM_BIN" -f -c "$T/busy.conf" 2>&1)
rc=$?
is "$rc/$(printf '%s' "$out" | grep -c "metrics 127.0.0.1:$MPORT: cannot listen: Address already in use")" 1/1 \
    "a metrics port in use: exit 1, said on the terminal"
printf 'metrics_listen = "localhost:9895"\n' >"$T/bad.conf"
like "$("$ZM_BIN" -n -c "$T/bad.conf" 2>&1)" "bad.conf:1: metrics_listen: \"localhost:9895\" is not ADDRESS:PORT" \
    "a name for metrics_listen: FILE:LINE: option: reason"

dnsbl_stop
[ "$zm_nfail" -gt 0 ] && { diag "$(cat "$T/load.out" "$T/promtool.out")"; diag "$(tail -40 "$T/milter.log")"; }
zm_done
