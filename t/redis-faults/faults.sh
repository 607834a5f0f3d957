# t/redis-faults/faults.sh -- helpers for the Redis fault tests.
# Source it after t/lib/common.sh, t/lib/redis.sh and t/proto/proto.sh.
# (Kept here rather than in t/lib/redis.sh so the shared file is not
# edited while another suite is being written.)  Gives:
#   rf_require             binary with Redis support, redis-server, python3
#   rf_redis_prepare       picks ZM_REDIS_PORT and writes the password file
#                          without starting Redis (Redis down at start)
#   rf_redis_restart kill|stop   SIGKILL / SIGTERM Redis, start it again,
#                          empty, on the same port (the milter's password
#                          and ACL user are the same)
#   rf_milter NAME [EXTRA...]    writes $T/NAME.conf (free port, debug log,
#                          Redis as the restricted ACL user, connect and
#                          command timeouts RF_CONNECT_MS / RF_TIMEOUT_MS,
#                          EXTRA lines) and starts the milter, log
#                          $T/NAME.log; RF_PORT[NAME], RF_PID[NAME]
#   rf_stop NAME...        for each: still alive, then SIGTERM all at once,
#                          each exits 0, no sanitizer report in its log
#                          (rf_stop_begin / rf_stop_end: the two halves)
#   rf_plan FILE LINES...  writes a driver plan
#   rf_drive NAME OUT PLAN     runs driver.py against milter NAME (results
#                          appended to OUT, JSON lines); rf_drive_bg: same
#                          in the background (RF_DRIVE_PID)
#   rf_at NAME [SECS]      waits until the driver reached `mark NAME`
#   rf_go NAME             lets the driver pass `wait NAME`
#   rq OUT EXPR            a query over the results (see rq.py)
#   rf_answered OUT N DESC     N messages, every one answered
#   rf_budget OUT DESC     every message within RF_BUDGET seconds
#   rf_log_has/_lacks NAME REGEX DESC, rf_log_count NAME REGEX N DESC
#   rf_rate_msgs HOST      messages counted in zm:rate:HOST, first window
#   rf_all OUT SUBSET COND DESC    every record of SUBSET (a Python list
#                          expression over R, e.g. 'sel("K")') satisfies COND
#   rf_breaker NAME OPENS CLOSES   the breaker's log lines, once per change
#   rf_limit_conf MSGS [REJECT [QUARANTINE]]  one window "1m" with a message
#                          limit worth 60 points, tempfail at 50, reply texts
#   rf_ms                  milliseconds since the epoch
#   rf_done                prints the plan (at the end) and exits
# Helper programs beside it: driver.py (the timed message stream), rq.py
# (queries over its results), fake_redis.py (a misbehaving Redis),
# blackhole.py (a port whose connect hangs).

RF_DIR=$ZM_TOP/t/redis-faults
RF_CONNECT_MS=${RF_CONNECT_MS:-100}
RF_TIMEOUT_MS=${RF_TIMEOUT_MS:-100}
RF_BUDGET=${RF_BUDGET:-1.5}
RF_PASSWORD_FILE=	# set: the milter reads its password from there
RF_REDIS_ADDR=		# set: the milter's redis = (default: the test's Redis)
RF_SANITIZER=$ZM_SANITIZER_RE
declare -A RF_PORT RF_PID
mkdir -p "$T/bar"
export PYTHONDONTWRITEBYTECODE=1

rf_require() {
    [ -x "$ZM_BIN" ] || proto_skip_all "no milter binary at $ZM_BIN (not built yet)"
    command -v redis-server >/dev/null 2>&1 || proto_skip_all "redis-server not installed"
    command -v python3 >/dev/null 2>&1 || proto_skip_all "python3 not installed"
    printf 'redis = "127.0.0.1:6379"\nredis_fallback = "local"\n' >"$T/probe.conf"
    "$ZM_BIN" -n -c "$T/probe.conf" >/dev/null 2>&1 ||
        proto_skip_all "$ZM_BIN has no Redis support (redis = ... refused)"
}

rf_redis_prepare() {
    mkdir -p "$ZM_REDIS_DIR"
    [ -n "${ZM_REDIS_PORT:-}" ] || ZM_REDIS_PORT=$(zm_free_port)
    echo "$ZM_REDIS_PASSWORD" >"$ZM_REDIS_DIR/password"
}

rf_redis_restart() {
    if [ "$1" = kill ]; then zm_redis_kill; else zm_redis_stop; fi
    zm_redis_start
}

rf_redis_conf() {
    zm_redis_milter_conf | sed \
        -e "${RF_PASSWORD_FILE:+s|^redis_password_file = .*|redis_password_file = \"$RF_PASSWORD_FILE\"|}" \
        -e "${RF_REDIS_ADDR:+s|^redis = .*|redis = \"$RF_REDIS_ADDR\"|}"
    echo "redis_connect_timeout_ms = $RF_CONNECT_MS"
    echo "redis_timeout_ms = $RF_TIMEOUT_MS"
}

rf_milter() {
    local name=$1 port lines=()
    shift
    port=$(zm_free_port)
    mapfile -t lines < <(rf_redis_conf)
    zm_milter_conf "$T/$name.conf" "$port" "${lines[@]}" "$@"
    if ! zm_start_named "$name" "$T/$name.conf"; then
        ok 1 "milter $name starts"
        exit 1
    fi
    RF_PID[$name]=${ZM_NPID[$name]}
    RF_PORT[$name]=$port
}

rf_stop() { rf_stop_begin "$@"; rf_stop_end "$@"; }

# the same in two halves, to check the results while the milters stop
# (libmilter takes a few seconds): rf_stop_begin NAME...; ...; rf_stop_end NAME...
rf_stop_begin() {
    local n alive
    for n in "$@"; do
        alive=1
        kill -0 "${RF_PID[$n]}" 2>/dev/null && alive=0
        ok "$alive" "milter $n still running after the faults (no crash)"
    done
    RF_STOP_T0=$(date +%s%3N)
    for n in "$@"; do kill -TERM "${RF_PID[$n]}" 2>/dev/null; done
}

rf_stop_end() {
    local n rc
    for n in "$@"; do
        wait "${RF_PID[$n]}"
        rc=$?
        is "$rc" 0 "milter $n exits 0 on SIGTERM"
        [ "$rc" = 0 ] || diag "$(tail -15 "$T/$n.log")"
    done
    diag "stopping $* took $(( $(date +%s%3N) - RF_STOP_T0 )) ms"
    for n in "$@"; do
        rf_log_lacks "$n" "$RF_SANITIZER" "milter $n: no sanitizer report in its log"
    done
}

rf_plan() {
    local f=$1
    shift
    printf '%s\n' "$@" >"$f"
}

rf_drive() {
    local name=$1 out=$2 plan=$3 rc
    shift 3
    python3 "$RF_DIR/driver.py" --port "${RF_PORT[$name]}" --log "$T/$name.log" \
        --out "$out" --dir "$T/bar" "$@" "$plan" 2>>"$T/driver.err"
    rc=$?
    [ "$rc" = 0 ] || diag "driver against $name: exit $rc; $(tail -3 "$T/driver.err")"
    return $rc
}

rf_drive_bg() {
    local name=$1 out=$2 plan=$3
    shift 3
    python3 "$RF_DIR/driver.py" --port "${RF_PORT[$name]}" --log "$T/$name.log" \
        --out "$out" --dir "$T/bar" "$@" "$plan" 2>>"$T/driver.err" &
    RF_DRIVE_PID=$!
    zm_pids+=($!)
}

rf_at() {
    local name=$1 secs=${2:-30} i
    for ((i = 0; i < secs * 100; i++)); do
        [ -e "$T/bar/$name" ] && return 0
        sleep 0.01
    done
    diag "the driver did not reach $name in $secs s"
    return 1
}

rf_go() { : >"$T/bar/$1"; }

rq() { python3 "$RF_DIR/rq.py" "$@"; }

# every message of OUT (N of them, if N is not "-") answered, none lost
rf_answered() {
    local out=$1 n=$2 desc=$3 got err
    got=$(rq "$out" 'len(R)')
    err=$(rq "$out" 'len([r for r in R if r["error"] or r["reply"] is None])')
    if [ "$n" != - ] && [ "$got" != "$n" ]; then
        ok 1 "$desc"; diag "$got messages in the results, expected $n"
        diag "$(tail -3 "$T/driver.err" 2>/dev/null)"
    elif [ "$err" != 0 ]; then
        ok 1 "$desc"; diag "$err messages not answered:"
        diag "$(rq "$out" '[brief(r) for r in R if r["error"] or r["reply"] is None][:10]')"
    else
        ok 0 "$desc"
    fi
}

rf_budget() {
    local out=$1 desc=$2 slow
    slow=$(rq "$out" "[brief(r) for r in R if r['t'] > $RF_BUDGET]")
    if [ -z "$slow" ]; then
        ok 0 "$desc"
    else
        ok 1 "$desc"; diag "over the $RF_BUDGET s budget:"; diag "$slow"
    fi
    diag "$(rq "$out" '"%d messages, slowest %.3f s, mean %.3f s" % (len(R), max([r["t"] for r in R] or [0]), sum(r["t"] for r in R) / max(len(R), 1))')"
}

# records matching a Python condition on r (CONDITION), all of SUBSET
# ("R" or an expression giving a list): rf_all OUT SUBSET CONDITION DESC
rf_all() {
    local out=$1 subset=$2 cond=$3 desc=$4 bad n
    n=$(rq "$out" "len($subset)")
    bad=$(rq "$out" "[brief(r) for r in $subset if not ($cond)]")
    if [ "$n" = 0 ]; then
        ok 1 "$desc"; diag "no message selected by $subset"
    elif [ -z "$bad" ]; then
        ok 0 "$desc"
    else
        ok 1 "$desc"; diag "condition: $cond"; diag "$bad" | head -20
    fi
}

rf_log_has() { local f=$T/$1.log; shift; zm_file_has "$f" "$@"; }

rf_log_lacks() { local f=$T/$1.log; shift; zm_file_lacks "$f" "$@"; }

rf_log_count() { local f=$T/$1.log; shift; zm_file_count "$f" "$@"; }

# the breaker's state changes: "redis 127.0.0.1:PORT: unreachable: CAUSE;
# fallback FB" OPENS times, "... answering again" CLOSES times
rf_breaker() {
    local name=$1 opens=$2 closes=$3 fb addr
    fb=$(sed -n 's/^redis_fallback = "\(.*\)"/\1/p' "$T/$name.conf" | tail -1)
    addr=$(sed -n 's/^redis = "\(.*\)"/\1/p' "$T/$name.conf" | tail -1)
    addr="redis ${addr//./\\.}"
    rf_log_count "$name" "$addr: unreachable: .*; fallback ${fb:-local}\$" "$opens" \
        "$name: breaker opened $opens time(s): '$addr: unreachable: ...; fallback ${fb:-local}'"
    rf_log_count "$name" "$addr: answering again\$" "$closes" \
        "$name: breaker closed $closes time(s): '$addr: answering again'"
}

# messages counted in zm:rate:HOST's first window
rf_rate_msgs() {
    set -- $(zm_redis_window "zm:rate:$1")
    echo "$1"
}

# a window and thresholds: a message limit per minute, tempfail when
# crossed (60 points), nothing else
rf_limit_conf() {
    printf '%s\n' 'window "1m" {' 'length = 60' 'buckets = 6' "messages = $1" \
        'recipients = 0' 'points = 60' '}' 'threshold_tag = 0' \
        'threshold_tempfail = 50' "threshold_reject = ${2:-0}" \
        "threshold_quarantine = ${3:-0}" \
        'support_url = "https://help.example.org/zm"' \
        'reply_tempfail = "ZM-TEMP slow down, see %u"' \
        'reply_reject = "ZM-REJ refused, see %u"' \
        'reply_quarantine = "ZM-QUAR quarantined, see %u"'
}

# milliseconds since the epoch
rf_ms() { date +%s%3N; }

# the plan printed at the end (the count depends on the diagnostics)
rf_done() { echo "1..$zm_ntest"; zm_done; }
