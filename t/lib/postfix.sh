# t/lib/postfix.sh -- a private Postfix instance relaying to smtp-sink.
#
# Source it after t/lib/common.sh.  It gives:
#   zm_sink_start             starts smtp-sink on a free loopback port
#                             (ZM_SINK_PORT); every received message is
#                             dumped to its own file in $ZM_SINK_DIR
#   zm_sink_count             prints how many messages the sink has received
#   zm_postfix_start [NAME=VALUE...]
#                             writes a private instance under $T/postfix
#                             (config $ZM_PF_CONF, queue, data, maillog
#                             $ZM_PF_LOG), smtpd on 127.0.0.1:$ZM_PF_PORT,
#                             relaying everything to the sink, and starts it;
#                             the NAME=VALUE settings are applied with
#                             postconf -e (e.g. smtpd_milters=inet:...).
#                             It is stopped at exit.
#   zm_postfix_stop           postfix -c DIR stop (and kills a leftover
#                             master)
#   zm_postfix_wait_drained [SECONDS] [COUNT]
#                             waits until the queue is empty and, given
#                             COUNT, until the sink holds COUNT messages
#   zm_postfix_diag           prints the maillog and the queue with diag
#
# Pitfalls handled here: everything lives under $T, which the postfix user
# must traverse (common.sh makes it 0755); maillog_file must be under one of
# maillog_file_prefixes and needs the postlog service; start-up errors go to
# the maillog, not to stderr; inet_protocols = all so that XCLIENT accepts
# IPv6 addresses; smtp-sink run as root needs -u postfix.  Nothing listens
# or connects beyond loopback, and no DNS lookup is made (no peer name
# lookup, relayhost is a bracketed address, DNS disabled in the client).

. "$ZM_TOP/t/lib/postfix-conf.sh"
ZM_PF_DIR=$T/postfix
ZM_PF_CONF=$ZM_PF_DIR/etc
ZM_PF_LOG=$ZM_PF_DIR/maillog
ZM_SINK_DIR=$T/sink
ZM_PF_SYSLOG_NAME=zm-e2e-$$

zm_sink_start() {
    mkdir -p "$ZM_SINK_DIR"
    chown postfix "$ZM_SINK_DIR"
    ZM_SINK_PORT=$(zm_free_port)
    # -d: one file per message, named msg.<random hex>
    zm_bg smtp-sink -u postfix -d "$ZM_SINK_DIR/msg." \
        "127.0.0.1:$ZM_SINK_PORT" 64
    ZM_SINK_PID=$!
    if ! zm_wait_port "$ZM_SINK_PORT" 10; then
        diag "smtp-sink did not start on 127.0.0.1:$ZM_SINK_PORT"
        return 1
    fi
}

zm_sink_count() {
    find "$ZM_SINK_DIR" -type f -name 'msg.*' | wc -l
}

zm_postfix_start() {
    local l
    if [ -z "${ZM_SINK_PORT:-}" ]; then
        diag "zm_postfix_start: start the sink first"; return 1
    fi
    ZM_PF_PORT=$(zm_free_port)
    mkdir -p "$ZM_PF_CONF" "$ZM_PF_DIR/spool" "$ZM_PF_DIR/data"
    chmod 755 "$ZM_PF_DIR" "$ZM_PF_CONF" "$ZM_PF_DIR/spool"
    chown postfix "$ZM_PF_DIR/data"
    : >"$ZM_PF_LOG"
    {
        echo "# private test instance, written by t/lib/postfix.sh"
        zm_postfix_main_cf "$ZM_PF_DIR" "$ZM_SINK_PORT" "$ZM_PF_SYSLOG_NAME"
        cat <<EOF
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128 192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 [2001:db8::]/32
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtp_helo_name = \$myhostname
EOF
    } >"$ZM_PF_CONF/main.cf"
    # extra settings replace the defaults above (no duplicate entries:
    # Postfix would warn about them in every process)
    for l in "$@"; do
        if ! postconf -c "$ZM_PF_CONF" -e "$l" 2>>"$ZM_PF_DIR/start.out"; then
            diag "postconf -e '$l' failed: $(cat "$ZM_PF_DIR/start.out")"
            return 1
        fi
    done
    { echo "127.0.0.1:$ZM_PF_PORT inet n - n - - smtpd"
      grep -v '^#' "$ZM_TOP/t/lib/postfix-master.cf"; } >"$ZM_PF_CONF/master.cf"
    zm_cleanups+=("zm_postfix_stop")
    if ! postfix -c "$ZM_PF_CONF" start >"$ZM_PF_DIR/start.out" 2>&1; then
        diag "postfix start failed:"
        diag "$(cat "$ZM_PF_DIR/start.out")"
        zm_postfix_diag
        return 1
    fi
    # do not probe with a connection: smtpd would talk to the milters
    if ! zm_port_listening "$ZM_PF_PORT" 10; then
        diag "postfix smtpd not listening on 127.0.0.1:$ZM_PF_PORT"
        zm_postfix_diag
        return 1
    fi
}

# zm_port_listening PORT [SECONDS]: waits until something listens on
# 127.0.0.1:PORT, without connecting to it
zm_port_listening() {
    local hex i
    hex=$(printf '%04X' "$1")
    for ((i = 0; i < ${2:-10} * 20; i++)); do
        # local address 0100007F:PORT, state 0A (LISTEN)
        if awk -v a="0100007F:$hex" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' \
            /proc/net/tcp; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

zm_postfix_stop() {
    local pid
    [ -f "$ZM_PF_CONF/main.cf" ] || return 0
    postfix -c "$ZM_PF_CONF" stop >/dev/null 2>&1
    # a master still alive after the stop (it waits 5 s): kill it
    pid=$(sed -n '1s/ //gp' "$ZM_PF_DIR/spool/pid/master.pid" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        grep -q master "/proc/$pid/comm" 2>/dev/null; then
        kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null
    fi
    return 0
}

# prints the number of messages in the private queue
zm_postfix_queue_count() {
    local out
    out=$(postqueue -c "$ZM_PF_CONF" -p 2>&1)
    case $out in
    *"Mail queue is empty"*) echo 0 ;;
    *) printf '%s\n' "$out" | grep -cE '^[0-9A-F]+[*!]? ' ;;
    esac
}

zm_postfix_wait_drained() {
    local secs=${1:-20} want=${2:-} i
    for ((i = 0; i < secs * 10; i++)); do
        if [ "$(zm_postfix_queue_count)" = 0 ] &&
            { [ -z "$want" ] || [ "$(zm_sink_count)" -ge "$want" ]; }; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

zm_postfix_diag() {
    diag "--- postfix maillog ($ZM_PF_LOG):"
    diag "$(cat "$ZM_PF_LOG" 2>/dev/null)"
    diag "--- postfix queue:"
    diag "$(postqueue -c "$ZM_PF_CONF" -p 2>&1)"
}

# -- the client's replies and the sink's messages, for the e2e tests ------
#   zm_send LABEL ADDR COUNT [LOGIN]  one XCLIENT session of COUNT
#                     messages (as SASL login LOGIN, if given); the reply
#                     lines ("LABEL-N STAGE CODE TEXT") are appended to
#                     $T/replies
#   zm_stages LABEL   the "STAGE:CODE" of each message of LABEL
#   zm_texts LABEL CODE   the distinct "CODE TEXT" replies with that code
#   zm_nfixed FILE S  lines of FILE containing the fixed string S
#   zm_wait_fixed FILE S N   waits (bounded) until FILE has N such lines
#   zm_accepted_ids / zm_delivered_ids   message ids Postfix accepted /
#                     the sink received, sorted
#   zm_e2e_require [CMD...]   the preamble of an e2e test: skips it
#                     unless root, fails it unless the milter is built and
#                     postfix, smtp-sink, python3 and each CMD are there
#   zm_e2e_rig [NAME=VALUE...]
#                     smtp-sink, then a Postfix whose smtpd_milters points
#                     at ZM_MILTER_PORT (a free port, for the test's milter),
#                     with the extra settings given; returns 1 if either
#                     did not start
#   zm_check_delivery DESC   waits for the queue to drain and asserts (3
#                     tests) that every accepted message, and nothing
#                     else, reached the sink

zm_send() {
    local out
    if ! out=$(python3 "$ZM_TOP/t/lib/smtpclient.py" --port "$ZM_PF_PORT" \
        --addr "$2" --count "$3" --label "$1" ${4:+--login "$4"} \
        2>"$T/client.err"); then
        diag "client $1 ($2) failed: $(cat "$T/client.err")"
    fi
    printf '%s\n' "$out" >>"$T/replies"
}

zm_stages() {
    awk -v l="$1" 'index($1, l "-") == 1 { printf "%s%s:%s", sep, $2, $3; sep = " " }' \
        "$T/replies"
}

zm_texts() {
    awk -v l="$1" -v c="$2" 'index($1, l "-") == 1 && $3 == c {
        $1 = ""; $2 = ""; sub(/^  /, ""); print }' "$T/replies" | sort -u
}

zm_nfixed() { grep -cF -- "$2" "$1"; }

zm_wait_fixed() {
    local i
    for ((i = 0; i < 50; i++)); do
        [ "$(zm_nfixed "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.1
    done
    return 1
}

zm_accepted_ids() { awk '$2 == "eom" && $3 == 250 { print $1 }' "$T/replies" | sort; }
zm_delivered_ids() {
    find "$ZM_SINK_DIR" -type f -name 'msg.*' -exec \
        awk '/^X-ZM-Test-Id:/ { print $2; exit }' {} \; | sort
}

# zm_check_delivery DESC: the MTA's queue drained to the sink, and the sink
# holds exactly the messages the client saw accepted; the queue is
# Postfix's, or the one $ZM_QUEUE_COUNT (a function) counts
zm_check_delivery() {
    local want i qc=${ZM_QUEUE_COUNT:-zm_postfix_queue_count}
    want=$(zm_accepted_ids | wc -l)
    for ((i = 0; i < 300; i++)); do
        [ "$($qc)" = 0 ] && [ "$(zm_sink_count)" -ge "$want" ] && break
        sleep 0.1
    done
    if [ "$i" = 300 ]; then
        diag "queue did not drain to the sink (want $want, sink has $(zm_sink_count))"
        [ "$qc" = zm_postfix_queue_count ] && zm_postfix_diag
    fi
    # the sink may still be writing the last dump file: bounded re-read
    for ((i = 0; i < 30; i++)); do
        [ "$(zm_delivered_ids | paste -sd' ')" = "$(zm_accepted_ids | paste -sd' ')" ] && break
        sleep 0.1
    done
    is "$($qc)" 0 "$1: the MTA's queue is empty"
    is "$(zm_sink_count)" "$want" "$1: sink received exactly the $want accepted messages"
    is "$(zm_delivered_ids | paste -sd' ')" "$(zm_accepted_ids | paste -sd' ')" \
        "$1: every accepted message was delivered, nothing else"
}

zm_e2e_require() {
    local c missing=
    if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP a private Postfix instance needs root"; exit 0
    fi
    for c in postfix smtp-sink python3 "$@"; do
        command -v "$c" >/dev/null || missing="$missing $c"
    done
    [ -x "$ZM_BIN" ] || missing="$missing $ZM_BIN"
    if [ -n "$missing" ]; then
        echo "1..1"
        echo "not ok 1 - missing:$missing (build; contrib/deps.sh test)"
        exit 1
    fi
}

zm_e2e_rig() {
    zm_sink_start || { diag "smtp-sink did not start"; return 1; }
    ZM_MILTER_PORT=$(zm_free_port)
    zm_postfix_start \
        "smtpd_milters=inet:127.0.0.1:$ZM_MILTER_PORT" \
        'milter_default_action=tempfail' \
        'milter_protocol=6' "$@" ||
        { diag "private Postfix did not start"; return 1; }
    : >"$T/replies"
}
