#!/bin/bash
# A reload after the daemon gave up root (user = "nobody"), with the Redis
# password in a file only root can read (0600): the file can no longer be
# opened, and the reload keeps the password read at start-up.
#   - SIGHUP with a changed threshold: "reload: config ...", Redis kept;
#   - SIGHUP with a changed redis_timeout_ms: Redis reconnected, with the
#     password kept, and the count in Redis goes on;
#   - no "Permission denied" anywhere in the log.
# Needs root (to start as root and switch to nobody).
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
    echo "1..0 # SKIP needs root and the user nobody"
    exit 0
fi
sig_require redis
zm_redis_start || sig_fail_all "redis-server did not start"
install -m 600 "$ZM_REDIS_DIR/password" "$T/password"

conf() { # THRESHOLD REDIS_TIMEOUT
    printf '%s\n' 'user = "nobody"' 'spf = false' 'bulk = false' \
        "redis = \"127.0.0.1:$ZM_REDIS_PORT\"" 'redis_user = "zombie-milter"' \
        "redis_password_file = \"$T/password\"" "redis_timeout_ms = $2" \
        "$(sig_quiet_window)" "threshold_tag = $1"
}
mapfile -t c1 < <(conf 20 250)
sig_start A "${c1[@]}"
PA=${SIG_PORT[A]}
chmod 644 "$T/A.conf"
is "$(ps -o user= -p "${SIG_PID[A]}" | tr -d ' ')" nobody "the milter runs as nobody"
is "$(su -s /bin/sh nobody -c "cat '$T/password' >/dev/null 2>&1 && echo readable || echo unreadable")" \
    unreadable "nobody cannot read the password file"

H=helo=mail.customer.example.net
sig_run "before any reload" <<STEPS
$PA 192.0.2.81 $H qid=N1
STEPS
is "$(sig_redis_msgs 192.0.2.81)" 1 "N1 counted in Redis"
mapfile -t c < <(conf 25 250)
like "$(sig_reload A "${c[@]}")" 'reload: config .*: embedded store kept, redis kept, dns kept$' \
    "a changed threshold: the reload reads the file, keeps the password, keeps Redis"
mapfile -t c < <(conf 25 300)
like "$(sig_reload A "${c[@]}")" 'reload: config .*: embedded store kept, redis reconnected, dns kept$' \
    "a changed redis_timeout_ms: Redis reconnected"
sig_run "after the reloads" <<STEPS
$PA 192.0.2.81 $H qid=N2
STEPS
is "$(sig_redis_msgs 192.0.2.81)" 2 "N2 counted in Redis over the new connection, with the kept password"
zm_file_lacks "$T/A.log" 'Permission denied|WRONGPASS|NOAUTH|unreachable' \
    "no permission or authentication trouble"
sig_stop A
[ "$zm_nfail" -gt 0 ] && sig_diag A
plan "$zm_ntest"
zm_done
