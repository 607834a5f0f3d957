# contrib/bench/bench.sh -- the set-up the Redis benchmarks share; source
# it.  It gives top (the source tree), bin (the milter: ZM_BIN, or the
# one of ZM_BUILDDIR, default build/), load (zm-load of that build), dir
# (a temp dir, removed at exit, when every background job is killed),
# free_port (prints a free TCP port on 127.0.0.1), wait_until SECONDS
# CMD... (runs CMD every 50 ms until it succeeds; 1 after SECONDS) and
# stop_milter PID LOG (SIGTERM, wait; its exit status, and on a failure
# the end of LOG on standard error: a sanitizer build's report fails the
# benchmark); redis_up and milter_up: is something answering on
# 127.0.0.1:$rport (PING) and listening on 127.0.0.1:$mport.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bdir=${ZM_BUILDDIR:-$top/build}
bin=${ZM_BIN:-$bdir/zombie-milter}
load=$bdir/contrib/bench/zm-load
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_until() {
    local i n=$(($1 * 20))
    shift
    for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.05; done
    echo "${0##*/}: gave up after $((n / 20)) s waiting for: $*" >&2
    return 1
}
redis_up() { [ "$(redis-cli -p "$rport" PING 2>/dev/null)" = PONG ]; }
milter_up() { (exec 3<>"/dev/tcp/127.0.0.1/$mport") 2>/dev/null; }
stop_milter() {
    local rc
    kill -TERM "$1" 2>/dev/null
    wait "$1"; rc=$?
    [ "$rc" = 0 ] || { echo "${0##*/}: the milter exited $rc:" >&2; tail -40 "$2" >&2; }
    return "$rc"
}
