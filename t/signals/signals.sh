# t/signals/signals.sh -- helpers for the SPF, behaviour and bulk signal
# tests (t/signals/*.t).
#
# Source it after t/lib/common.sh.  It sources t/proto/proto.sh (dl),
# t/lib/rbldnsd.sh and t/lib/redis.sh, and gives:
#   sig_fail_all MSG        one failing test, exit 1 (a missing piece is a
#                           failure, not a skip)
#   sig_require [rbldnsd] [redis]
#                           the milter binary and python3 (and the named
#                           servers) are there
#   sig_quiet_window        a window section that never scores in a test
#   sig_no_dns              config lines that keep every lookup on
#                           loopback: SPF off and, as a guard, a forwarder
#                           on a loopback port where nothing listens
#   sig_start NAME LINE...  writes $T/NAME.conf (free port, log level
#                           debug, the LINEs), checks it with -n, starts
#                           the milter (log $T/NAME.log), waits for its
#                           "starting:" line; SIG_PORT[NAME], SIG_PID[NAME]
#   sig_stop NAME...        each milter still alive, SIGTERM all at once,
#                           each exits 0 and logged no sanitizer report
#   sig_run DESC <<EOF      runs sigclient.py run on the steps (see there),
#                           asserts it ran; its lines go to $T/replies
#   sig_reply QID           "STAGE RESULT TEXT" of message QID ("eom accept
#                           -" for CONTINUE or ACCEPT at end of message)
#   sig_hdr QID             the headers the milter added to QID, "NAME:
#                           VALUE" joined by " | ", or "-"
#   sig_ms QID / sig_eomms QID   milliseconds MAIL..final reply / end of
#                           message..its reply
#   sig_proto QID           "nohelo=N nobody=N rcpt_rej=N nr_rcpt=N" of
#                           the connection whose first message is QID
#   rx STRING               STRING escaped for an ERE
#   sig_decision NAME QID REST DESC
#                           NAME's log has the decision line "QID: REST"
#                           (REST literal, exact up to the end of line or
#                           a space)
#   sig_chk QID HOST RCPTS REASONS SCORE DESC
#                           QID delivered from HOST: with REASONS "-" no
#                           header and "accept score=0 reasons=-" logged
#                           by milter A, else X-Zombie-Score: SCORE REASONS
#                           and "tag score=SCORE reasons=REASONS" (3 tests)
#   sig_spf_perm QID HOST DESC   QID accepted by milter A, logged
#                           "accept score=0 reasons=spf=permerror" (2 tests)
#   sig_spf_fail QID HOST DESC   QID refused with 550 5.7.1 $REJ, logged
#                           "reject score=30 reasons=spf=fail(+30)" by A
#                           (2 tests; SPF's default points, reject at 30)
#   sig_reload NAME LINE... rewrites $T/NAME.conf (NAME's port, the LINEs,
#                           mode 0644), sends NAME SIGHUP, waits (15 s at
#                           most) for a new "reload: " line and prints it
#   sig_redis_msgs HOST     the messages counted in zm:rate:HOST's first
#                           window
#   sig_line NAME QID       that line as logged (last one), for diag
#   sig_no_decision NAME QID DESC   NAME's log has no decision for QID
#   sig_fp FILE             the spec's body fingerprint of FILE (64 hex)
#   sig_diag NAME...        on failures: replies and logs
# Nothing here listens or sends beyond loopback.

. "$ZM_TOP/t/proto/proto.sh"
. "$ZM_TOP/t/lib/rbldnsd.sh"
. "$ZM_TOP/t/lib/redis.sh"

SIG_DIR=$ZM_TOP/t/signals
declare -A SIG_PORT SIG_PID

sig_fail_all() { echo "1..1"; echo "not ok 1 - $*"; exit 1; }

sig_require() {
    local w
    [ -x "$ZM_BIN" ] || sig_fail_all "no milter binary at $ZM_BIN (not built yet)"
    command -v python3 >/dev/null 2>&1 || sig_fail_all "python3 not installed"
    for w in "$@"; do
        case $w in
        rbldnsd) command -v rbldnsd >/dev/null 2>&1 ||
            sig_fail_all "rbldnsd not installed (contrib/deps.sh test)" ;;
        redis)
            command -v redis-server >/dev/null 2>&1 || sig_fail_all "redis-server not installed"
            command -v redis-cli >/dev/null 2>&1 || sig_fail_all "redis-cli not installed" ;;
        esac
    done
}

sig_quiet_window() {
    printf 'window "1m" {\n    length = 60\n    buckets = 6\n    messages = 1000\n    recipients = 0\n    points = 1\n}'
}

sig_no_dns() {
    [ -n "${SIG_DEAD_PORT:-}" ] || SIG_DEAD_PORT=$(zm_free_udp_port)
    echo 'spf = false'
    echo "dns_forwarders = { \"127.0.0.1@$SIG_DEAD_PORT\" }"
}

sig_start() {
    local name=$1 port out i
    shift
    port=$(zm_free_port)
    zm_milter_conf "$T/$name.conf" "$port" "$@"
    if ! out=$("$ZM_BIN" -n -c "$T/$name.conf" 2>&1); then
        ok 1 "zombie-milter -n accepts the config of $name"
        diag "$out"; diag "config:"; diag "$(cat "$T/$name.conf")"
        plan "$zm_ntest"
        exit 1
    fi
    if ! zm_start_named "$name" "$T/$name.conf"; then
        ok 1 "milter $name starts with this config"
        # a milter that hangs at start-up may not heed SIGTERM either
        kill -KILL "${ZM_NPID[$name]}" 2>/dev/null
        plan "$zm_ntest"
        exit 1
    fi
    for ((i = 0; i < 500; i++)); do
        grep -q 'starting: ' "$T/$name.log" && break
        sleep 0.02
    done
    if ! grep -q 'starting: ' "$T/$name.log"; then
        ok 1 "milter $name logs its start-up line within 10 s"
        diag "$(cat "$T/$name.log")"
        kill -KILL "${ZM_NPID[$name]}" 2>/dev/null
        plan "$zm_ntest"
        exit 1
    fi
    SIG_PORT[$name]=$port
    SIG_PID[$name]=${ZM_NPID[$name]}
    : >>"$T/replies"
}

sig_stop() {
    local n alive rc i
    for n in "$@"; do
        alive=1
        kill -0 "${SIG_PID[$n]}" 2>/dev/null && alive=0
        ok "$alive" "milter $n still running after the sessions (no crash)"
    done
    for n in "$@"; do kill -TERM "${SIG_PID[$n]}" 2>/dev/null; done
    for n in "$@"; do
        # libmilter takes about 5 s to stop; more than 15 s is a hang
        for ((i = 0; i < 300; i++)); do
            kill -0 "${SIG_PID[$n]}" 2>/dev/null || break
            sleep 0.05
        done
        if kill -0 "${SIG_PID[$n]}" 2>/dev/null; then
            kill -KILL "${SIG_PID[$n]}" 2>/dev/null
            wait "${SIG_PID[$n]}"
            ok 1 "milter $n exits 0 on SIGTERM (still running after 15 s: killed)"
            continue
        fi
        wait "${SIG_PID[$n]}"
        rc=$?
        is "$rc" 0 "milter $n exits 0 on SIGTERM"
        zm_file_lacks "$T/$n.log" 'Sanitizer|runtime error:|==[0-9]+==ERROR' \
            "milter $n: no sanitizer report in its log"
    done
}

sig_run_n=0
sig_run() {
    local desc=$1 rc out
    sig_run_n=$((sig_run_n + 1))
    out=$T/run.$sig_run_n
    cat >"$out.steps"
    (cd "$T" && PYTHONDONTWRITEBYTECODE=1 python3 "$SIG_DIR/sigclient.py" run) \
        <"$out.steps" >"$out.out" 2>"$out.err"
    rc=$?
    cat "$out.out" >>"$T/replies"
    is "$rc" 0 "$desc"
    if [ "$rc" != 0 ]; then
        diag "raw client: $(cat "$out.err")"
        diag "steps:"; diag "$(cat "$out.steps")"
    elif [ -s "$out.err" ]; then
        diag "raw client: $(cat "$out.err")"
    fi
    return "$rc"
}

sig_reply() {
    awk -v q="$1" '$1 == q {
        r = $2 " " (($2 == "eom" && $3 == "continue") ? "accept" : $3)
        for (i = 6; i <= NF; i++) r = r " " $i
        print r; exit }' "$T/replies"
}

sig_hdr() {
    awk -v q="$1" '$1 == "HDR" && $2 == q { $1 = ""; $2 = ""; sub(/^  /, "")
        h = h (h == "" ? "" : " | ") $0 } END { print (h == "" ? "-" : h) }' "$T/replies"
}

sig_ms() { awk -v q="$1" '$1 == q { print $4; exit }' "$T/replies"; }

sig_eomms() { awk -v q="$1" '$1 == q { print $5; exit }' "$T/replies"; }

sig_proto() {
    awk -v q="$1" '$1 == "PROTO" && $2 == q { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }' "$T/replies"
}

rx() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

sig_decision() {
    zm_file_has "$T/$1.log" "$(dl "$2" "$(rx "$3")")" "$4"
}

sig_chk() {
    local q=$1 host=$2 n=$3 r=$4 s=$5 desc=$6
    is "$(sig_reply "$q")" "eom accept -" "$q: delivered ($desc)"
    if [ "$r" = - ]; then
        is "$(sig_hdr "$q")" "-" "$q: no X-Zombie-Score header"
        sig_decision A "$q" "action=accept host=$host user=- score=0 reasons=- rcpts=$n" \
            "$q logged: accept score=0 reasons=- rcpts=$n ($desc)"
    else
        is "$(sig_hdr "$q")" "X-Zombie-Score: $s $r" "$q: header X-Zombie-Score: $s $r"
        sig_decision A "$q" "action=tag host=$host user=- score=$s reasons=$r rcpts=$n" \
            "$q logged: tag score=$s reasons=$r rcpts=$n ($desc)"
    fi
}

sig_spf_perm() {
    is "$(sig_reply "$1")" "eom accept -" "$1: accepted ($3)"
    sig_decision A "$1" "action=accept host=$2 user=- score=0 reasons=spf=permerror rcpts=1" \
        "$1 logged: accept score=0 reasons=spf=permerror ($3)"
}

sig_spf_fail() {
    is "$(sig_reply "$1")" "eom replycode 550 5.7.1 $REJ" "$1: 550 5.7.1 reply_reject ($3)"
    sig_decision A "$1" "action=reject host=$2 user=- score=30 reasons=spf=fail(+30) rcpts=1" \
        "$1 logged: reject score=30 reasons=spf=fail(+30) ($3)"
}

sig_reload() {
    local name=$1 n i
    shift
    n=$(grep -c 'reload: ' "$T/$name.log")
    zm_milter_conf "$T/$name.conf.new" "${SIG_PORT[$name]}" "$@"
    chmod 644 "$T/$name.conf.new"
    mv "$T/$name.conf.new" "$T/$name.conf"
    kill -HUP "${SIG_PID[$name]}"
    for ((i = 0; i < 300; i++)); do
        [ "$(grep -c 'reload: ' "$T/$name.log")" -gt "$n" ] && break
        sleep 0.05
    done
    grep 'reload: ' "$T/$name.log" | tail -n +$((n + 1)) | head -1
}

sig_redis_msgs() {
    set -- $(zm_redis_window "zm:rate:$1")
    echo "$1"
}

sig_line() {
    LC_ALL=C grep -aE -- "(^|[ :])$(rx "$2"): action=" "$T/$1.log" | tail -1
}

sig_no_decision() {
    zm_file_lacks "$T/$1.log" "(^|[ :])$(rx "$2"): action=" "$3"
}

sig_fp() {
    python3 "$SIG_DIR/sigclient.py" fp "$1"
}

# asserts that QID got its final reply within MAX ms
sig_within() {
    local q=$1 max=$2 e
    e=$(sig_ms "$q")
    if [ -n "$e" ] && [ "$e" != - ] && [ "$e" -lt "$max" ]; then
        ok 0 "$q answered in $e ms (< $max)"
    else
        ok 1 "$q answered in ${e:-(no answer)} ms (< $max)"
    fi
}

sig_diag() {
    local n
    diag "--- client replies:"; diag "$(cat "$T/replies" 2>/dev/null)"
    for n in "$@"; do
        diag "--- log of $n:"; diag "$(cat "$T/$n.log" 2>/dev/null)"
    done
    if [ -f "${ZM_RBL_LOG:-}" ]; then
        diag "--- rbldnsd query log:"; diag "$(cat "$ZM_RBL_LOG")"
    fi
}
