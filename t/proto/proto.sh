# t/proto/proto.sh -- helpers for the miltertest-driven protocol tests.
# Source it after t/lib/common.sh.  Gives:
#   ZM_PROTO_DIR            this directory (exported for the Lua scripts)
#   proto_start EXTRA...    writes $T/zm.conf (free port + EXTRA lines) and
#                           starts the milter; exports ZM_PORT
#   proto_lua NAME [DESC]   runs `miltertest -s t/proto/NAME.lua`, asserts
#                           its exit status 0 (output in $T/NAME.out)
#   proto_py NAME [DESC]    same for python3 t/proto/NAME.py (raw client)
#   proto_stop              asserts the milter is still alive, SIGTERMs it
#                           and asserts it exited 0
#   log_has REGEX DESC      asserts a line of $T/milter.log matches (ERE)
#   log_count REGEX N DESC  asserts exactly N lines match
#   log_lacks REGEX DESC    asserts no line matches
# Decision lines look like
#   "QID: action=ACTION host=HOST user=USER score=N reasons=R rcpts=N"
# possibly behind a log prefix; use dl QID REST to build an anchored regex.

ZM_PROTO_DIR=$ZM_TOP/t/proto
export ZM_PROTO_DIR

proto_skip_all() {	# a missing piece is a failure, not a skip: CI has them all
    echo "1..1"
    echo "not ok 1 - $*"
    exit 1
}

proto_require() {
    [ -x "$ZM_BIN" ] || proto_skip_all "no milter binary at $ZM_BIN (not built yet)"
    command -v miltertest >/dev/null 2>&1 || proto_skip_all "miltertest not installed"
}

proto_start() {
    local port
    port=$(zm_free_port)
    zm_milter_conf "$T/zm.conf" "$port" "$@"
    if ! zm_start_milter "$T/zm.conf"; then
        ok 1 "milter starts with this config"
        diag "config:"; diag "$(cat "$T/zm.conf")"
        exit 1
    fi
    export ZM_PORT
}

proto_lua() {
    local name=$1 desc=${2:-"miltertest $1.lua succeeds"} rc
    miltertest -s "$ZM_PROTO_DIR/$name.lua" >"$T/$name.out" 2>&1
    rc=$?
    is "$rc" 0 "$desc"
    if [ "$rc" != 0 ]; then diag "miltertest output:"; diag "$(cat "$T/$name.out")"; fi
    return "$rc"
}

proto_py() {
    local name=$1 desc=${2:-"raw client $1.py succeeds"} rc
    PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_PROTO_DIR/$name.py" >"$T/$name.py.out" 2>&1
    rc=$?
    is "$rc" 0 "$desc"
    if [ "$rc" != 0 ]; then diag "raw client output:"; diag "$(cat "$T/$name.py.out")"; fi
    return "$rc"
}

proto_stop() {
    local rc alive=1
    kill -0 "$ZM_MILTER_PID" 2>/dev/null && alive=0
    ok "$alive" "milter still running after the sessions (no crash)"
    zm_stop_milter
    rc=$?
    is "$rc" 0 "milter exits 0 on SIGTERM"
}

# anchored regex for a decision line: dl QID "action=... rcpts=N"
# (QID is escaped for ERE; REST is an ERE; the line must end after REST
# or continue with a space)
dl() {
    local qid
    qid=$(printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
    printf '(^|[ :\t])%s: %s( |$)' "$qid" "$2"
}


log_has() { zm_file_has "$T/milter.log" "$@"; }

log_count() { zm_file_count "$T/milter.log" "$@"; }

log_lacks() { zm_file_lacks "$T/milter.log" "$@"; }
