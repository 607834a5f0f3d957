# t/dnsbl/dnsbl.sh -- helpers for the DNSBL tests (real DNS on loopback).
# Source it after t/lib/common.sh.  It sources t/lib/rbldnsd.sh and
# t/proto/proto.sh (for log_has, log_count, log_lacks and dl) and gives:
#   dnsbl_require           the milter binary, rbldnsd and python3 are
#                           there and the binary knows DNSBLs (else one
#                           failing test, exit 1)
#   dnsbl_zone ZONE TYPE CODE...   prints a `dnsbl "ZONE" { ... }` section
#   dnsbl_quiet_window      prints a window that never scores in a test
#   dnsbl_start FORWARDER_PORT LINE...
#                           writes $T/zm.conf (free milter port, log level
#                           debug, dns_forwarders = 127.0.0.1@PORT, the
#                           LINEs), checks it with -n, starts the milter
#                           (exports ZM_PORT), waits for its "starting:"
#                           log line (logged after the start-up health
#                           check); sets ZM_START_MS, the milliseconds
#                           from exec to its port accepting, and
#                           ZM_READY_MS, from exec to that line
#   session ARGS...         runs zmsession.py ARGS (see there); its lines
#                           are appended to $T/replies
#   reply QID               "STAGE RESULT TEXT" of message QID ("eom
#                           accept -" for CONTINUE or ACCEPT at the end)
#   elapsed QID             its milliseconds
#   proto_of QID            "nohelo=N nr_helo=N" of the session whose
#                           first message is QID
#   dnsbl_stop              the milter is still alive, exits 0 on SIGTERM
#                           (ZM_STOP_MS: how long that took), and its log
#                           has no sanitizer report
#   dnsbl_diag              on failures: replies, milter log, query log

. "$ZM_TOP/t/lib/rbldnsd.sh"
. "$ZM_TOP/t/proto/proto.sh"

ZM_DNSBL_DIR=$ZM_TOP/t/dnsbl

dnsbl_fail_all() { echo "1..1"; echo "not ok 1 - $*"; exit 1; }

dnsbl_require() {
    local out
    [ -x "$ZM_BIN" ] || dnsbl_fail_all "no milter binary at $ZM_BIN (not built yet)"
    command -v python3 >/dev/null 2>&1 || dnsbl_fail_all "python3 not installed"
    command -v rbldnsd >/dev/null 2>&1 || dnsbl_fail_all "rbldnsd not installed (contrib/deps.sh test)"
    zm_milter_conf "$T/probe.conf" 1 'dns_forwarders = { "127.0.0.1@53" }' \
        "$(dnsbl_zone probe.zm-test.net ip '127.0.0.4 x 1')"
    if ! out=$("$ZM_BIN" -n -c "$T/probe.conf" 2>&1); then
        dnsbl_fail_all "$ZM_BIN does not accept a dnsbl section: $out"
    fi
}

dnsbl_zone() {
    local zone=$1 type=$2 codes= c
    shift 2
    for c in "$@"; do codes="$codes${codes:+, }\"$c\""; done
    printf 'dnsbl "%s" {\n    type = "%s"\n    codes = { %s }\n}' "$zone" "$type" "$codes"
}

dnsbl_quiet_window() {
    printf 'window "1m" {\n    length = 60\n    buckets = 6\n    messages = 1000\n    recipients = 0\n    points = 1\n}'
}

zm__ms() { date +%s%3N; }

dnsbl_start() {
    local fwd=$1 port out t0 t1 i
    shift
    port=$(zm_free_port)
    zm_milter_conf "$T/zm.conf" "$port" "dns_forwarders = { \"127.0.0.1@$fwd\" }" "$@"
    if ! out=$("$ZM_BIN" -n -c "$T/zm.conf" 2>&1); then
        ok 1 "zombie-milter -n accepts the config"
        diag "$out"; diag "config:"; diag "$(cat "$T/zm.conf")"
        exit 1
    fi
    t0=$(zm__ms)
    if ! zm_start_milter "$T/zm.conf"; then
        ok 1 "milter starts with this config"
        diag "config:"; diag "$(cat "$T/zm.conf")"
        exit 1
    fi
    t1=$(zm__ms)
    ZM_START_MS=$((t1 - t0))
    # libmilter's socket listens before the start-up health check runs;
    # the "starting:" line comes after the check, just before the milter
    # serves connections
    for ((i = 0; i < 500; i++)); do
        grep -q 'starting: ' "$T/milter.log" && break
        sleep 0.02
    done
    t1=$(zm__ms)
    ZM_READY_MS=$((t1 - t0))
    if ! grep -q 'starting: ' "$T/milter.log"; then
        ok 1 "milter logs its start-up line within 10 s"
        diag "$(cat "$T/milter.log")"
        exit 1
    fi
    export ZM_PORT
    : >>"$T/replies"
}

session() {
    local out rc
    out=$(PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_DNSBL_DIR/zmsession.py" "$@" 2>"$T/session.err")
    rc=$?
    if [ $rc != 0 ]; then
        diag "session $* failed (exit $rc): $(cat "$T/session.err")"
    fi
    printf '%s\n' "$out" >>"$T/replies"
    return $rc
}

reply() {
    # at end of message CONTINUE and ACCEPT both let the message through
    awk -v q="$1" '$1 == q { if ($2 == "eom" && $3 == "continue") $3 = "accept"
        $1 = ""; $4 = ""; sub(/^ /, ""); sub(/  /, " "); print; exit }' "$T/replies"
}

elapsed() {
    awk -v q="$1" '$1 == q { print $4; exit }' "$T/replies"
}

proto_of() {
    awk -v l="$1" '$1 == "PROTO" && $2 == l { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }' "$T/replies"
}

dnsbl_stop() {
    local alive=1 rc t0 t1
    kill -0 "$ZM_MILTER_PID" 2>/dev/null && alive=0
    ok "$alive" "milter still running after the sessions (no crash)"
    t0=$(zm__ms)
    zm_stop_milter
    rc=$?
    t1=$(zm__ms)
    ZM_STOP_MS=$((t1 - t0))
    is "$rc" 0 "milter exits 0 on SIGTERM"
    log_lacks "$ZM_SANITIZER_RE" \
        "no sanitizer report in the milter's output"
}

dnsbl_diag() {
    diag "--- client replies:"; diag "$(cat "$T/replies" 2>/dev/null)"
    diag "--- milter log:"; diag "$(cat "$T/milter.log" 2>/dev/null)"
    if [ -f "$ZM_RBL_LOG" ]; then
        diag "--- rbldnsd query log:"; diag "$(cat "$ZM_RBL_LOG")"
    fi
}
