#!/bin/bash
# A reload with Redis and a DNS blocklist: what is unchanged is kept, what
# changed is rebuilt, and mail goes on being counted and checked.
#   - a reload changing only a threshold keeps the Redis store and the
#     lookups ("redis kept, dns kept"); the host's count in Redis goes on;
#   - one changing redis_timeout_ms and dns_budget_ms reconnects Redis
#     and restarts the lookups ("redis reconnected, dns restarted"): the
#     count in Redis still goes on, a listed client is still scored;
#   - the old runtimes' parts are freed while the new ones serve: the
#     milter exits 0 and the sanitizer build reports nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
sig_require rbldnsd redis

XBL=xbl.zm-test.net
zm_rbl_file xbl <<'EOF'
:127.0.0.4:Listed in xbl: $
192.0.2.66
127.0.0.2 :127.0.0.2:test point
EOF
zm_rbldnsd_start "$XBL:ip4set:xbl" || sig_fail_all "rbldnsd did not start"
zm_redis_start || sig_fail_all "redis-server did not start"
mapfile -t rl < <(zm_redis_milter_conf)

conf() { # TAG REDIS_TIMEOUT DNS_BUDGET: the config lines of milter A
    printf '%s\n' "dns_forwarders = { \"127.0.0.1@$ZM_RBL_PORT\" }" 'spf = false' 'bulk = false' \
        "${rl[@]}" "redis_timeout_ms = $2" "dns_budget_ms = $3" "$(sig_quiet_window)" \
        "dnsbl \"$XBL\" {" 'type = "ip"' 'codes = { "127.0.0.4 infected 10" }' '}' \
        "threshold_tag = $1" 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 0'
}
mapfile -t c1 < <(conf 5 250 300)
sig_start A "${c1[@]}"
PA=${SIG_PORT[A]}

H=helo=mail.customer.example.net
sig_run "before any reload" <<STEPS
$PA 192.0.2.66 $H qid=L1
$PA 192.0.2.67 $H qid=N1
STEPS
sig_chk L1 192.0.2.66 1 "dnsbl=$XBL:127.0.0.4(+10)" 10 "listed client"
is "$(sig_redis_msgs 192.0.2.67)" 1 "N1 counted in Redis"

mapfile -t c2 < <(conf 6 250 300)
like "$(sig_reload A "${c2[@]}")" 'reload: config .*: embedded store kept, redis kept, dns kept$' \
    "a reload changing a threshold only keeps the embedded store, the Redis store and the lookups"
sig_run "after it" <<STEPS
$PA 192.0.2.67 $H qid=N2
STEPS
is "$(sig_redis_msgs 192.0.2.67)" 2 "N2 counted in Redis on the kept connection pool"

mapfile -t c3 < <(conf 6 300 350)
like "$(sig_reload A "${c3[@]}")" 'reload: config .*: embedded store kept, redis reconnected, dns restarted$' \
    "a reload changing redis_timeout_ms and dns_budget_ms reconnects Redis and restarts the lookups"
sig_run "after the second" <<STEPS
$PA 192.0.2.66 $H qid=L2
$PA 192.0.2.67 $H qid=N3
STEPS
sig_chk L2 192.0.2.66 1 "dnsbl=$XBL:127.0.0.4(+10)" 10 "listed client, through the new lookups"
is "$(sig_redis_msgs 192.0.2.67)" 3 "N3 counted in Redis through the new store"
zm_file_lacks "$T/A.log" 'unreachable|fallback=' "Redis was never unreachable, no fallback"

sig_stop A
[ "$zm_nfail" -gt 0 ] && sig_diag A
plan "$zm_ntest"
zm_done
