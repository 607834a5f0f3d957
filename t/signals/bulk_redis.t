#!/bin/bash
# Bulk signal shared through Redis: two milters (two relays) on one
# private redis-server, as the restricted ACL user (bulk_hosts = 3,
# bulk_window = 600; SPF off, a window that never scores; threshold tag 1).
# One body from eight hosts alternating between the milters: hosts 1-3
# nothing, every later host gets bulk.hosts=FP:N/3(+40) with N its rank
# (counted across both milters) and an X-Zombie-Score header; host 1 again,
# on the other milter, 8/3.  Another body from one host: nothing.
# In Redis: zm:fp:<64 hex> of each body (the hex computed here from the
# spec's normalisation), TYPE string (a HyperLogLog), PFCOUNT the number of
# distinct hosts (8 and 1), TTL in 1..bulk_window; no other fingerprint
# key; every key has a TTL; the keys are zm:rate:<host> and zm:fp:* only,
# the per-host data being fields of zm:rate:<host> (B..., F..., R...).
# The milters used Redis for every decision and Redis refused them
# nothing (ACL LOG empty).
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
sig_require redis

zm_redis_start || sig_fail_all "redis-server starts"

printf 'LIMITED OFFER\r\n\r\nWatches  at 90%% off, only today, while stocks last!\r\nOrder now at http://shop.example.com/watches\r\n' >"$T/c1"
printf 'Hi Bob,\nlunch at noon tomorrow at the usual place?  I will book a table for four.\n\n-- \nAlice\n' >"$T/d1"
FPC=$(sig_fp "$T/c1")
FPD=$(sig_fp "$T/d1")
FC=${FPC:0:8}
diag "fingerprints: c1 $FPC d1 $FPD"

mapfile -t rl < <(zm_redis_milter_conf)
common=("${rl[@]}" "$(sig_no_dns)" 'bulk = true' 'bulk_window = 600' 'bulk_hosts = 3'
    "$(sig_quiet_window)"
    'threshold_tag = 1' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 0')
sig_start A "${common[@]}" 'relay_name = "relay-a"'
sig_start B "${common[@]}" 'relay_name = "relay-b"'
PA=${SIG_PORT[A]}
PB=${SIG_PORT[B]}

H=helo=mail.customer.example.net
sig_run "raw client: one body from eight hosts, alternating A/B; another body once" <<EOF
$PA 198.51.100.1 $H qid=C1 body=c1
$PB 198.51.100.2 $H qid=C2 body=c1
$PA 198.51.100.3 $H qid=C3 body=c1
$PB 198.51.100.4 $H qid=C4 body=c1
$PA 198.51.100.5 $H qid=C5 body=c1
$PB 198.51.100.6 $H qid=C6 body=c1
$PA 198.51.100.7 $H qid=C7 body=c1
$PB 198.51.100.8 $H qid=C8 body=c1
$PB 198.51.100.1 $H qid=C1B body=c1
$PA 203.0.113.1 $H qid=D1 body=d1
EOF

# NAME QID HOST REASONS(- for none) SCORE DESC
chk() {
    local n=$1 q=$2 host=$3 r=$4 s=$5 desc=$6
    is "$(sig_reply "$q")" "eom accept -" "$q: delivered ($desc)"
    if [ "$r" = - ]; then
        is "$(sig_hdr "$q")" "-" "$q: no X-Zombie-Score header"
        sig_decision "$n" "$q" "action=accept host=$host user=- score=0 reasons=- rcpts=1" \
            "$n: $q logged: accept score=0 reasons=- ($desc)"
    else
        is "$(sig_hdr "$q")" "X-Zombie-Score: $s $r" "$q: header X-Zombie-Score: $s $r"
        sig_decision "$n" "$q" "action=tag host=$host user=- score=$s reasons=$r rcpts=1" \
            "$n: $q logged: tag score=$s reasons=$r ($desc)"
    fi
}
like "$(sig_proto C1)" '^nohelo=0 nobody=0 ' "bulk on: the milter asks for the body"
chk A C1 198.51.100.1 - 0 "host 1"
chk B C2 198.51.100.2 - 0 "host 2"
chk A C3 198.51.100.3 - 0 "host 3"
chk B C4 198.51.100.4 "bulk.hosts=$FC:4/3(+40)" 40 "host 4"
chk A C5 198.51.100.5 "bulk.hosts=$FC:5/3(+40)" 40 "host 5"
chk B C6 198.51.100.6 "bulk.hosts=$FC:6/3(+40)" 40 "host 6"
chk A C7 198.51.100.7 "bulk.hosts=$FC:7/3(+40)" 40 "host 7"
chk B C8 198.51.100.8 "bulk.hosts=$FC:8/3(+40)" 40 "host 8"
chk B C1B 198.51.100.1 "bulk.hosts=$FC:8/3(+40)" 40 "host 1 again, on the other milter"
chk A D1 203.0.113.1 - 0 "another body"

# Redis as an operator sees it
is "$(rcli --scan --pattern 'zm:fp:*' | LC_ALL=C sort | tr '\n' ' ')" \
    "$(printf 'zm:fp:%s\n' "$FPC" "$FPD" | LC_ALL=C sort | tr '\n' ' ')" \
    "exactly two fingerprint keys: zm:fp:<sha256 of each normalised body>"
is "$(rcli TYPE "zm:fp:$FPC")" string "zm:fp:$FC...: TYPE string"
is "$(rcli PFCOUNT "zm:fp:$FPC")" 8 "zm:fp:$FC...: a HyperLogLog, PFCOUNT 8 (distinct hosts)"
is "$(rcli PFCOUNT "zm:fp:$FPD")" 1 "zm:fp:${FPD:0:8}...: PFCOUNT 1"
for k in "$FPC" "$FPD"; do
    ttl=$(rcli TTL "zm:fp:$k")
    ok "$( [ "${ttl:-0}" -gt 0 ] && [ "$ttl" -le 600 ]; echo $?)" "zm:fp:${k:0:8}...: TTL $ttl in 1..600 (bulk_window)"
done
bad=$(rcli --scan | while read -r k; do t=$(rcli TTL "$k"); [ "$t" -gt 0 ] || echo "$k:$t"; done)
is "$bad" "" "every key has a TTL"
is "$(rcli --scan | grep -Ev '^zm:(rate|fp):' | tr '\n' ' ')" "" "only zm:rate:* and zm:fp:* keys"
for h in 198.51.100.1 198.51.100.2 198.51.100.8 203.0.113.1; do
    is "$(rcli EXISTS "zm:rate:$h")" 1 "zm:rate:$h exists"
done
f=$(rcli HKEYS zm:rate:198.51.100.1 | cut -c1 | LC_ALL=C sort -u | tr -d '\n')
like "$f" 'B' "zm:rate:198.51.100.1 has per-body fields (B...): fields start with $f"
like "$f" 'F' "zm:rate:198.51.100.1 has sender-domain fields (F...)"
like "$f" 'R' "zm:rate:198.51.100.1 has recipient-domain fields (R...)"

n=$(rcli CLIENT LIST | grep -c ' user=zombie-milter ')
ok "$( [ "$n" -ge 2 ]; echo $?)" "Redis clients of user zombie-milter connected ($n, at least 2)"
is "$(redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --json ACL LOG 50)" "[]" \
    "ACL LOG is empty: the restricted user was refused nothing"
for n in A B; do
    zm_file_lacks "$T/$n.log" 'fallback=|unreachable' "$n: every decision used Redis (no fallback)"
done
zm_file_count "$T/A.log" ': action=' 5 "A: one decision line per message (5)"
zm_file_count "$T/B.log" ': action=' 5 "B: one decision line per message (5)"

sig_stop A B
[ "$zm_nfail" -gt 0 ] && { sig_diag A B; diag "--- keys:"; diag "$(rcli --scan | LC_ALL=C sort)"; }
plan "$zm_ntest"
zm_done
