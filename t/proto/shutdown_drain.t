#!/bin/bash
# Stopping (SIGTERM, SIGINT), as zombie-milter(8), SIGNALS, and the README
# say: new connections get no session from the signal on, the sessions
# open get up to 5 s to finish, then the daemon exits 0 at once; it frees
# its config, engine and lookups only once no callback can touch them,
# and never runs exit handlers under callbacks that may still run.
#   - idle (SIGTERM, and SIGINT): "stopping on SIGTERM: no open
#     connections", "stopped", exit 0, well before libmilter's own 5 s;
#   - a message in progress at the stop: "waiting up to 5 s for 1 open
#     connection"; a connection accepted before the stop that speaks only
#     after it gets no session, while the message is still answered; the
#     milter exits 0 as soon as that connection quits, nothing left open;
#   - a connection that stays open, silent: after its 5 s, "stopping: 1
#     connection still open, not waited for" and "stopped", exit 0, the
#     connection closed, and in the sanitizer builds no report (nothing
#     freed under a callback, no leak report from exit handlers).
# Times are loose bounds (a stop that hangs fails), never a benchmark.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 26

now() { date +%s.%N; }
# elapsed MODE: seconds from the signal (MODE.sent) to the exit, 1 decimal
elapsed() { awk -v a="$(cat "$T/$1.sent" 2>/dev/null || echo 0)" -v b="$EXITED" \
    'BEGIN { printf "%.1f", b - a }'; }
# within SECS LO HI: LO <= SECS < HI
within() { awk -v s="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s >= lo && s < hi) }'; echo $?; }

stop_run() { # MODE [TERM|INT]: one milter, one stop
    : >"$T/milter.log"
    proto_start 'bulk = true' 'threshold_tag = 0'
    PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_TOP/t/proto/shutdown_drain.py" \
        "$ZM_MILTER_PID" "$T/milter.log" "$@" >"$T/$1.out" 2>&1
    DRAIN_RC=$?
    local i
    for ((i = 0; i < 400; i++)); do
        kill -0 "$ZM_MILTER_PID" 2>/dev/null || break
        sleep 0.05
    done
    EXITED=$(now)
    kill -0 "$ZM_MILTER_PID" 2>/dev/null && kill -KILL "$ZM_MILTER_PID"
    wait "$ZM_MILTER_PID"
    MILTER_RC=$?
    zm_forget "$ZM_MILTER_PID"
    cp "$T/milter.log" "$T/$1-${2:-TERM}.milter.log"
}

for sig in TERM INT; do
    stop_run idle $sig
    is "$DRAIN_RC" 0 "idle SIG$sig: the raw client's steps went as expected"
    is "$MILTER_RC" 0 "idle SIG$sig: the milter exits 0"
    log_has "stopping on SIG$sig: no open connections\$" \
        "idle SIG$sig: it logs that no connection was open"
    log_has "stopped\$" "idle SIG$sig: and, last, that it stopped"
    s=$(elapsed idle)
    ok "$(within "$s" 0 4)" "idle SIG$sig: it exits at once (${s} s; libmilter alone takes up to 5)"
done

stop_run drain
is "$DRAIN_RC" 0 "drain: the raw client's steps went as expected"
like "$(cat "$T/drain.out")" "milter: stopping on SIGTERM: waiting up to 5 s for 1 open connection" \
    "the message in progress is the one open connection waited for"
like "$(cat "$T/drain.out")" "Y: no session after the stop" \
    "a connection speaking after the stop gets no session"
like "$(cat "$T/drain.out")" "X: end of message answered (CONTINUE|ACCEPT)" \
    "the message in progress at the stop is answered"
is "$MILTER_RC" 0 "the milter exits 0 once the last connection closed"
log_lacks "$ZM_SANITIZER_RE|not waited for" \
    "drain: no sanitizer report, nothing left open"
log_has "$(dl DRAINX 'action=accept host=192\.0\.2\.60')" "DRAINX logged: accept"
log_has "stopped\$" "drain: it logs that it stopped"
s=$(elapsed drain)
ok "$(within "$s" 0 4)" "drain: it exits as soon as the connection quit (${s} s, not the whole 5)"

stop_run timeout
is "$DRAIN_RC" 0 "timeout: the raw client's steps went as expected"
like "$(cat "$T/timeout.out")" "X: connection closed by the exiting milter" \
    "the milter exits with the connection still open"
is "$MILTER_RC" 0 "the milter exits 0 after its 5 s wait"
log_has 'stopping: 1 connection still open, not waited for$' \
    "it says how many connections it did not wait for"
log_has "stopped\$" "timeout: it logs that it stopped"
log_lacks "$ZM_SANITIZER_RE" \
    "timeout: no sanitizer report (nothing freed in use, no exit handlers)"
s=$(elapsed timeout)
ok "$(within "$s" 4.5 10)" "timeout: the open session got its 5 s, then the milter exited (${s} s in all)"
[ "$zm_nfail" -gt 0 ] && { diag "$(cat "$T"/*.out)"; diag "$(cat "$T"/*.milter.log)"; }
zm_done
