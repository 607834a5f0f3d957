# t/redis/rtest.sh -- helpers for the Redis tests (t/redis/*.t).
#
# Source it from a t/redis/*.t script; it sources t/lib/common.sh,
# t/lib/redis.sh and t/proto/proto.sh.  Gives:
#   rt_require            the milter binary, miltertest, redis-server,
#                         redis-cli and python3 must be there (a missing
#                         piece is a failure, not a skip)
#   rt_conf FILE PORT EXTRA...   a milter config listening on PORT, pointed
#                         at the test's Redis as the restricted ACL user
#                         (zm_redis_milter_conf), EXTRA lines appended
#   rt_start NAME EXTRA...       writes $T/NAME.conf (free port) and starts
#                         `zombie-milter -f` with its log in $T/NAME.log;
#                         sets rt_port[NAME] and rt_pid[NAME]
#   rt_stop NAME...       asserts each milter is alive, SIGTERMs them all
#                         at once (a milter takes seconds to stop), waits,
#                         asserts each exited 0 and logged no sanitizer
#                         report
#   zmc DESC < STEPS      runs t/redis/zmclient.py (raw milter client) on
#                         the steps read from stdin, asserts it succeeded;
#                         its output is in $ZMC_OUT
#   zmc_get KEY           the value KEY=... the last zmc printed
#   rlog_has NAME REGEX DESC / rlog_count NAME REGEX N DESC /
#   rlog_lacks NAME REGEX DESC   like log_has etc. on $T/NAME.log
#   rhash KEY             HGETALL KEY as "field=value" lines
#   rkeys                 every key (redis-cli --scan), sorted
#   rt_acl_clean [MIN]    clients of user zombie-milter connected, ACL LOG
#                         empty (nothing refused to them)
#   rt_checks DESC CMD... runs CMD, which prints "PASS text" / "FAIL text"
#                         lines, one TAP line each; no line at all fails
# Plans are printed at the end (plan $zm_ntest): TAP allows it, and a
# script that dies early then fails for want of a plan.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/proto/proto.sh"

ZM_REDIS_TDIR=$ZM_TOP/t/redis
declare -A rt_port rt_pid

rt_require() {
    proto_require
    command -v redis-server >/dev/null 2>&1 || proto_skip_all "redis-server not installed"
    command -v redis-cli >/dev/null 2>&1 || proto_skip_all "redis-cli not installed"
    command -v python3 >/dev/null 2>&1 || proto_skip_all "python3 not installed"
}

rt_conf() {
    local file=$1 port=$2 rl
    shift 2
    mapfile -t rl < <(zm_redis_milter_conf)
    zm_milter_conf "$file" "$port" "${rl[@]}" "$@"
}

rt_start() {
    local name=$1 port
    shift
    port=$(zm_free_port)
    rt_conf "$T/$name.conf" "$port" "$@"
    if ! zm_start_named "$name" "$T/$name.conf"; then
        ok 1 "milter $name starts with this config"
        plan "$zm_ntest"
        exit 1
    fi
    rt_pid[$name]=${ZM_NPID[$name]}
    rt_port[$name]=$port
}

rt_stop() {
    local n alive rc
    for n in "$@"; do
        alive=1
        kill -0 "${rt_pid[$n]}" 2>/dev/null && alive=0
        ok "$alive" "milter $n still running after the sessions (no crash)"
    done
    for n in "$@"; do kill -TERM "${rt_pid[$n]}" 2>/dev/null; done
    for n in "$@"; do
        wait "${rt_pid[$n]}"
        rc=$?
        is "$rc" 0 "milter $n exits 0 on SIGTERM"
        rlog_lacks "$n" 'Sanitizer|runtime error:|==[0-9]+==ERROR' \
            "milter $n: no sanitizer report in its log"
    done
}

zmc_n=0
zmc() {
    local desc=$1 rc
    zmc_n=$((zmc_n + 1))
    ZMC_OUT=$T/zmc.$zmc_n.out
    PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_REDIS_TDIR/zmclient.py" >"$ZMC_OUT" 2>&1
    rc=$?
    is "$rc" 0 "$desc"
    if [ "$rc" != 0 ]; then diag "raw client output:"; diag "$(cat "$ZMC_OUT")"; fi
    return "$rc"
}

# the value of KEY=VALUE (a word) in the last zmc output, last one wins
zmc_get() {
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$ZMC_OUT" | tail -1
}

rlog_has() { local f=$T/$1.log; shift; zm_file_has "$f" "$@"; }

rlog_count() { local f=$T/$1.log; shift; zm_file_count "$f" "$@"; }

rlog_lacks() { local f=$T/$1.log; shift; zm_file_lacks "$f" "$@"; }

# the text of the decision line with queue id QID in log NAME
rlog_line() {
    LC_ALL=C grep -aE -- "(^|[ :])$2: action=" "$T/$1.log" | tail -1
}

rhash() {
    rcli HGETALL "$1" | paste -d= - -
}

rkeys() {
    rcli --scan | LC_ALL=C sort
}

rt_checks() {
    local desc=$1 out line n=0
    shift
    out=$("$@" 2>&1)
    while IFS= read -r line; do
        case $line in
        PASS\ *) ok 0 "$desc: ${line#PASS }"; n=$((n + 1)) ;;
        FAIL\ *) ok 1 "$desc: ${line#FAIL }"; n=$((n + 1)) ;;
        *) [ -n "$line" ] && diag "$line" ;;
        esac
    done <<<"$out"
    if [ "$n" = 0 ]; then
        ok 1 "$desc: the checker ran"
        diag "$out"
    fi
}

# the milters talk to Redis as the restricted ACL user (at least MIN
# connections, default 1), and Redis refused them nothing: call before
# rt_stop
rt_acl_clean() {
    local n log min=${1:-1}
    n=$(rcli CLIENT LIST | grep -c ' user=zombie-milter ')
    ok "$( [ "$n" -ge "$min" ]; echo $?)" "at least $min Redis clients of user zombie-milter connected ($n)"
    log=$(redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --json ACL LOG 50)
    is "$log" "[]" "ACL LOG is empty: the restricted user was refused nothing"
}
