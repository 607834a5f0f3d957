#!/bin/bash
# Stopping with connections open (SIGTERM): the milter frees its config,
# engine and lookups only once no callback can touch them, and never runs
# exit handlers under callbacks that may still run.
#   - a message in progress at the stop is still answered; a connection
#     accepted before the stop that speaks only after it gets no session;
#     the milter exits 0 with nothing left open;
#   - a connection that stays open past the drain (5 s): the milter logs
#     "connections still open at exit" and exits 0 by itself, and, in the
#     sanitizer build, with no report (nothing freed under a callback, no
#     leak report from exit handlers).
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 11

drain_run() { # MODE: one milter, one stop
    : >"$T/milter.log"
    proto_start 'bulk = true' 'threshold_tag = 0'
    PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_TOP/t/proto/shutdown_drain.py" \
        "$ZM_MILTER_PID" "$T/milter.log" "$1" >"$T/$1.out" 2>&1
    DRAIN_RC=$?
    local i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$ZM_MILTER_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$ZM_MILTER_PID" 2>/dev/null && kill -KILL "$ZM_MILTER_PID"
    wait "$ZM_MILTER_PID"
    MILTER_RC=$?
}

drain_run drain
is "$DRAIN_RC" 0 "drain: the raw client's steps went as expected"
like "$(cat "$T/drain.out")" "Y: no session after the stop" \
    "a connection speaking after the stop gets no session"
like "$(cat "$T/drain.out")" "X: end of message answered (CONTINUE|ACCEPT)" \
    "the message in progress at the stop is answered"
is "$MILTER_RC" 0 "the milter exits 0 once the last connection closed"
log_lacks "$ZM_SANITIZER_RE|still open at exit" \
    "drain: no sanitizer report, nothing left open"
log_has "$(dl DRAINX 'action=accept host=192\.0\.2\.60')" "DRAINX logged: accept"

drain_run timeout
is "$DRAIN_RC" 0 "timeout: the raw client's steps went as expected"
like "$(cat "$T/timeout.out")" "X: connection closed by the exiting milter" \
    "the milter exits with the connection still open"
is "$MILTER_RC" 0 "the milter exits 0 after its drain gave up"
log_has 'connections still open at exit' "it says connections were still open"
log_lacks "$ZM_SANITIZER_RE" \
    "timeout: no sanitizer report (nothing freed in use, no exit handlers)"
[ -n "${DRAIN_RC:-}" ] && [ "$zm_nfail" -gt 0 ] && { diag "$(cat "$T/drain.out" "$T/timeout.out")"; diag "$(cat "$T/milter.log")"; }
zm_done
