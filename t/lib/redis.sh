# t/lib/redis.sh -- a private redis-server for a test.
#
# Source it after t/lib/common.sh.  It gives:
#   zm_redis_start [REDIS-ARGS...]   starts redis-server on a free loopback
#                   port (ZM_REDIS_PORT), no persistence, data dir under $T,
#                   with the milter's ACL user from contrib/redis/ (password
#                   ZM_REDIS_PASSWORD) and the default user as an admin for
#                   the test itself; stopped at exit
#   zm_redis_stop   SIGTERM and wait
#   zm_redis_kill   SIGKILL (a crash)
#   rcli ARGS...    redis-cli as admin against it (raw output)
#   zm_redis_milter_conf   prints the config lines that point a milter at
#                   it as the restricted ACL user
# Every test that uses Redis thus runs the milter as the restricted user:
# a command missing from the ACL fails the test.

ZM_REDIS_PASSWORD=zm-test-$$-$RANDOM
ZM_REDIS_DIR=$T/redis

zm_redis_start() {
    mkdir -p "$ZM_REDIS_DIR"
    [ -n "${ZM_REDIS_PORT:-}" ] || ZM_REDIS_PORT=$(zm_free_port)
    {
        echo "user default on nopass ~* &* +@all"
        sed -n 's/^user zombie-milter /user zombie-milter /p' \
            "$ZM_TOP/contrib/redis/zombie-milter.acl" |
            sed "s/>CHANGE-ME/>$ZM_REDIS_PASSWORD/"
    } >"$ZM_REDIS_DIR/users.acl"
    echo "$ZM_REDIS_PASSWORD" >"$ZM_REDIS_DIR/password"
    redis-server --port "$ZM_REDIS_PORT" --bind 127.0.0.1 \
        --dir "$ZM_REDIS_DIR" --save '' --appendonly no \
        --aclfile "$ZM_REDIS_DIR/users.acl" \
        --logfile "$ZM_REDIS_DIR/redis.log" "$@" &
    ZM_REDIS_PID=$!
    zm_pids+=($ZM_REDIS_PID)
    local i
    for ((i = 0; i < 200; i++)); do
        [ "$(rcli PING 2>/dev/null)" = PONG ] && return 0
        sleep 0.05
    done
    diag "redis-server did not start:"; diag "$(cat "$ZM_REDIS_DIR/redis.log")"
    return 1
}

zm_redis_stop() {
    kill -TERM "$ZM_REDIS_PID" 2>/dev/null
    wait "$ZM_REDIS_PID" 2>/dev/null
    zm_forget "$ZM_REDIS_PID"
}

zm_redis_kill() {
    kill -KILL "$ZM_REDIS_PID" 2>/dev/null
    wait "$ZM_REDIS_PID" 2>/dev/null
    zm_forget "$ZM_REDIS_PID"
}

rcli() {
    redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --raw "$@"
}

# zm_redis_window KEY [W]: "MSGS RCPTS", the counts of window W (a letter,
# default a: the first window) in rate key KEY as lib/window.lua keeps them
# in the window's head, field W = slot:msgs:rcpts[:bucket_msgs:bucket_rcpts]
# (0 0 without one)
zm_redis_window() {
    rcli HGET "$1" "${2:-a}" | awk -F: '{ m = $2; r = $3 } END { print m + 0, r + 0 }'
}

zm_redis_milter_conf() {
    echo "redis = \"127.0.0.1:$ZM_REDIS_PORT\""
    echo 'redis_user = "zombie-milter"'
    echo "redis_password_file = \"$ZM_REDIS_DIR/password\""
}
