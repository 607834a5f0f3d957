#!/bin/bash
# Redis given by host name.  The milter runs in a private mount namespace
# (unshare -m) with its own /etc/hosts and /etc/resolv.conf, whose only
# nameserver is a DNS server on 127.0.0.77:53 that never answers:
#   - A: redis = "redis.zm-test.net:PORT", the name in its /etc/hosts:
#     the messages are counted in Redis (the name's address is used);
#   - B: redis = "slow.zm-test.net:PORT", a name the resolver never
#     answers: every message is still answered within the documented
#     bound, redis_timeout_ms + redis_connect_timeout_ms + 2 x
#     redis_timeout_ms (plus slack), with the fallback (tempfail), and the
#     log says the name could not be resolved -- hiredis resolving it
#     itself would wait the system resolver's 5 s and more.
# Needs root (mount namespaces, port 53 of a loopback address).
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
    echo "1..0 # SKIP needs root and mount namespaces"
    exit 0
fi
sig_require redis
zm_redis_start || sig_fail_all "redis-server did not start"
python3 "$ZM_TOP/t/lib/dns_blackhole.py" 53 "$T/bh.port" 127.0.0.77 >"$T/bh.log" 2>&1 &
zm_pids+=($!)
zm__ready_port "$T/bh.port" "the silent DNS server on 127.0.0.77:53" >/dev/null ||
    sig_fail_all "the silent DNS server did not start on 127.0.0.77:53"

printf '127.0.0.1 localhost\n127.0.0.1 redis.zm-test.net\n' >"$T/hosts"
printf 'nameserver 127.0.0.77\noptions timeout:5 attempts:2\n' >"$T/resolv.conf"
cat >"$T/inns.sh" <<EOF
#!/bin/sh
mount --bind "$T/hosts" /etc/hosts && mount --bind "$T/resolv.conf" /etc/resolv.conf &&
    exec "$ZM_BIN" "\$@"
EOF
cat >"$T/nsbin" <<EOF
#!/bin/sh
exec unshare -m --propagation private -- "$T/inns.sh" "\$@"
EOF
chmod 755 "$T/inns.sh" "$T/nsbin"
REAL_BIN=$ZM_BIN
ZM_BIN=$T/nsbin

TEMP="ZM-TEMP redis unknown"
limits=("$(sig_quiet_window)" 'bulk = false' 'threshold_tempfail = 0'
    'redis_fallback = "tempfail"' 'redis_timeout_ms = 250' 'redis_connect_timeout_ms = 250'
    "reply_tempfail = \"$TEMP\"")
userpw=('redis_user = "zombie-milter"' "redis_password_file = \"$ZM_REDIS_DIR/password\"")
sig_start A "redis = \"redis.zm-test.net:$ZM_REDIS_PORT\"" "${userpw[@]}" "${limits[@]}"
sig_start B "redis = \"slow.zm-test.net:$ZM_REDIS_PORT\"" "${userpw[@]}" "${limits[@]}"
ZM_BIN=$REAL_BIN

H=helo=mail.customer.example.net
sig_run "raw client: messages to A (name in /etc/hosts) and B (name never answered)" <<STEPS
${SIG_PORT[A]} 192.0.2.31 $H qid=A1
${SIG_PORT[A]} 192.0.2.31 $H qid=A2
${SIG_PORT[B]} 192.0.2.32 $H qid=B1
${SIG_PORT[B]} 192.0.2.32 $H qid=B2
${SIG_PORT[B]} 192.0.2.32 $H qid=B3
STEPS

is "$(rcli EXISTS zm:rate:192.0.2.31)" 1 "A: zm:rate:192.0.2.31 written in Redis"
ok "$( [ "$(rcli TTL zm:rate:192.0.2.31)" -gt 0 ]; echo $?)" "A: with its TTL"
sig_decision A A2 "action=accept host=192.0.2.31 user=- score=0 reasons=- rcpts=1" \
    "A2 logged: accept, counted in Redis (no fallback)"
BOUND=$((250 + 250 + 2 * 250))
for q in B1 B2 B3; do
    is "$(sig_reply $q)" "eom replycode 451 4.7.1 $TEMP" "$q: 451 4.7.1, the fallback (tempfail)"
    sig_within $q $((BOUND + 500))
done
zm_file_has "$T/B.log" 'redis slow\.zm-test\.net:[0-9]+: unreachable: connect: cannot resolve' \
    "B says it could not resolve the name"
is "$(rcli EXISTS zm:rate:192.0.2.32)" 0 "nothing of B's in Redis"
ok "$( [ "$(grep -c 'slow\.zm-test\.net' "$T/bh.log")" -ge 1 ]; echo $?)" \
    "B's resolver asked the (silent) nameserver for the name"

sig_stop A B
[ "$zm_nfail" -gt 0 ] && sig_diag A B
plan "$zm_ntest"
zm_done
