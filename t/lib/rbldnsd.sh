# t/lib/rbldnsd.sh -- a private rbldnsd (and a silent DNS server) on loopback
# for the DNSBL tests.
#
# Source it after t/lib/common.sh.  It gives:
#   ZM_RBL_DATA             $T/rbldnsd/data, where the zone data files go
#   zm_rbl_file NAME        writes its standard input to $ZM_RBL_DATA/NAME
#                           (world-readable: rbldnsd reads it as "rbldns")
#   zm_rbldnsd_start ZONE:TYPE:FILE[,FILE]...
#                           starts rbldnsd in the foreground on a free UDP
#                           port of 127.0.0.1 (ZM_RBL_PORT, pid ZM_RBL_PID)
#                           serving those datasets (several datasets may
#                           make up one zone: give the zone twice), the
#                           query log line-flushed to $ZM_RBL_LOG, its own
#                           messages in $ZM_RBL_OUT; waits (5 s at most)
#                           until it answers a query; killed at exit.
#                           Returns 1 (after diag) when it does not start.
#                           ZM_RBL_TTL: the answers' TTL (default 35m);
#                           ZM_RBL_CHECK: every how many seconds rbldnsd
#                           re-reads changed data files (default 0, never)
#   zm_rbl_replace NAME     replaces $ZM_RBL_DATA/NAME with its standard
#                           input (atomically, mtime moved on so that
#                           rbldnsd notices) and waits (5 s at most) until
#                           rbldnsd has reloaded it (needs ZM_RBL_CHECK)
#   zm_rbldnsd_stop         SIGTERM and wait
#   zm_rbldnsd_restart      starts it again, as zm_rbldnsd_start did, on the
#                           same port (after zm_rbldnsd_stop)
#   zm_rbldnsd_queries REGEX
#                           prints how many query-log lines ask about a
#                           name matching REGEX (ERE, matched against the
#                           whole query name, case-insensitive; any type)
#   zm_rbldnsd_query_lines REGEX   those lines (for diag)
#   zm_dnsq ARGS...         t/lib/dnsq.py ARGS (query / wait / qname)
#   zm_blackhole_start      a DNS server on a free UDP port of 127.0.0.1
#                           that reads queries and never answers
#                           (ZM_BH_PORT, pid ZM_BH_PID, one line per
#                           datagram in $ZM_BH_LOG); killed at exit
#   zm_dnsserve_start ZONEFILE
#                           t/lib/dnsserve.py: a small authoritative server
#                           on a free port of 127.0.0.1, UDP and TCP, for
#                           records rbldnsd cannot serve (TXT of any
#                           length, truncated over UDP); ZM_DS_PORT,
#                           ZM_DS_PID, queries logged in $ZM_DS_LOG as
#                           "QNAME TYPE udp|tcp"; killed at exit
#   zm_free_udp_port        prints a free UDP port on 127.0.0.1
#
# rbldnsd query-log lines look like
#   "1764408000 127.0.0.1 99.2.0.192.xbl.zm-test.net A IN: NOERROR/1/75"
# Zones must not be under .test (libunbound answers those itself).
# Nothing here listens or sends beyond loopback.

ZM_RBL_DIR=$T/rbldnsd
ZM_RBL_DATA=$ZM_RBL_DIR/data
ZM_RBL_LOG=$ZM_RBL_DIR/log/query.log
ZM_RBL_OUT=$ZM_RBL_DIR/rbldnsd.out
ZM_DNSQ=$ZM_TOP/t/lib/dnsq.py

zm_free_udp_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

zm_dnsq() { python3 "$ZM_DNSQ" "$@"; }

zm__rbl_dirs() {
    mkdir -p "$ZM_RBL_DATA" "$ZM_RBL_DIR/log"
    chmod 755 "$ZM_RBL_DIR" "$ZM_RBL_DATA"
    # the log is opened after rbldnsd dropped to its user
    if [ "$(id -u)" = 0 ] && id rbldns >/dev/null 2>&1; then
        chown rbldns "$ZM_RBL_DIR/log"
    else
        chmod 777 "$ZM_RBL_DIR/log"
    fi
}

zm_rbl_file() {
    zm__rbl_dirs
    cat >"$ZM_RBL_DATA/$1"
    chmod 644 "$ZM_RBL_DATA/$1"
}

zm_rbl_replace() {
    local n i
    n=$(grep -c 'zones reloaded' "$ZM_RBL_OUT" 2>/dev/null)
    cat >"$ZM_RBL_DATA/.$1.new"
    chmod 644 "$ZM_RBL_DATA/.$1.new"
    # rbldnsd compares whole-second mtimes: make sure this one differs
    touch -d "@$(($(date +%s) + 2))" "$ZM_RBL_DATA/.$1.new"
    mv -f "$ZM_RBL_DATA/.$1.new" "$ZM_RBL_DATA/$1"
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'zones reloaded' "$ZM_RBL_OUT")" -gt "$n" ] && return 0
        sleep 0.05
    done
    diag "rbldnsd did not reload $1: $(tail -5 "$ZM_RBL_OUT")"
    return 1
}

# zm__rbl_run: rbldnsd on $ZM_RBL_PORT with the datasets ZM_RBL_ARGS;
# returns 0 once it answers
zm__rbl_run() {
    # -n foreground, -t default TTL, -c how often to look for changed
    # data files (0: never)
    zm_bg rbldnsd -n -b "127.0.0.1/$ZM_RBL_PORT" -w "$ZM_RBL_DATA" \
        -l "+$ZM_RBL_LOG" -t "${ZM_RBL_TTL:-35m}" -c "${ZM_RBL_CHECK:-0}" \
        "${ZM_RBL_ARGS[@]}" >>"$ZM_RBL_OUT" 2>&1
    ZM_RBL_PID=$!
    if python3 "$ZM_DNSQ" wait --port "$ZM_RBL_PORT" --seconds 5 "${ZM_RBL_ARGS[0]%%:*}"; then
        if kill -0 "$ZM_RBL_PID" 2>/dev/null; then return 0; fi
    fi
    kill "$ZM_RBL_PID" 2>/dev/null
    wait "$ZM_RBL_PID" 2>/dev/null
    return 1
}

zm_rbldnsd_start() {
    local try
    if ! command -v rbldnsd >/dev/null 2>&1; then
        diag "rbldnsd is not installed (apt-get install rbldnsd)"
        return 1
    fi
    zm__rbl_dirs
    ZM_RBL_ARGS=("$@")
    # a port picked free may be taken before rbldnsd binds it: retry
    for try in 1 2 3; do
        ZM_RBL_PORT=$(zm_free_udp_port)
        zm__rbl_run && return 0
    done
    diag "rbldnsd did not start on 127.0.0.1/$ZM_RBL_PORT; its output:"
    diag "$(cat "$ZM_RBL_OUT" 2>/dev/null)"
    return 1
}

zm_rbldnsd_restart() {
    zm__rbl_run && return 0
    diag "rbldnsd did not start again on 127.0.0.1/$ZM_RBL_PORT: $(tail -5 "$ZM_RBL_OUT")"
    return 1
}

zm_rbldnsd_stop() {
    kill -TERM "$ZM_RBL_PID" 2>/dev/null
    wait "$ZM_RBL_PID" 2>/dev/null
    zm_forget "$ZM_RBL_PID"
    return 0
}

zm_rbldnsd_query_lines() {
    [ -f "$ZM_RBL_LOG" ] || return 0
    awk -v re="^($1)\$" 'tolower($3) ~ tolower(re)' "$ZM_RBL_LOG"
}

zm_rbldnsd_queries() {
    zm_rbldnsd_query_lines "$1" | wc -l | tr -d ' '
}

# zm__ready_port FILE WHAT: waits (5 s) for a server's port in FILE
zm__ready_port() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ -s "$1" ] && { cat "$1"; return 0; }
        sleep 0.05
    done
    diag "$2 did not start"
    return 1
}

zm_blackhole_start() {
    local ready=$T/blackhole.port
    ZM_BH_LOG=$T/blackhole.log
    rm -f "$ready"
    zm_bg python3 "$ZM_TOP/t/lib/dns_blackhole.py" 0 "$ready" >>"$ZM_BH_LOG" 2>&1
    ZM_BH_PID=$!
    ZM_BH_PORT=$(zm__ready_port "$ready" dns_blackhole.py) ||
        { diag "$(cat "$ZM_BH_LOG")"; return 1; }
}

zm_dnsserve_start() {
    local ready=$T/dnsserve.port
    ZM_DS_LOG=$T/dnsserve.log
    rm -f "$ready"
    zm_bg python3 "$ZM_TOP/t/lib/dnsserve.py" "$1" "$ready" "$ZM_DS_LOG" \
        >>"$T/dnsserve.out" 2>&1
    ZM_DS_PID=$!
    ZM_DS_PORT=$(zm__ready_port "$ready" dnsserve.py) ||
        { diag "$(cat "$T/dnsserve.out")"; return 1; }
}
