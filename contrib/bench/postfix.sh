#!/usr/bin/env bash
# contrib/bench/postfix.sh -- what a milter costs Postfix, end to end.
#
#   contrib/bench/postfix.sh [-s SESSIONS] [-m MESSAGES] [-r RCPTS]
#       [-l BYTES] [-n REPEATS] [-w WARMUP] [-d] [-t TARGETS] [-k]
#
#   -s  parallel SMTP sessions of smtp-source (default 20)
#   -m  messages per measured run (default 5000)
#   -r  recipients per message (default 1, at most 50)
#   -l  body bytes per message (default 2000)
#   -n  measured runs per target, interleaved; the median is reported
#       (default 3)
#   -w  messages of the warm-up run each target gets first (default 200)
#   -d  send all of a session's messages over one SMTP connection
#       (smtp-source -d); by default each message has its own session, as
#       customers' mail clients do, so every message also costs the milter
#       a connection and a negotiation
#   -t  targets, comma separated, in this order (default all that can run):
#         none     no milter
#         noop     the no-op reference milter (contrib/bench/noop-milter)
#         zm       zombie-milter with Redis, a DNSBL and SPF
#         rspamd   rspamd's proxy in milter mode, ratelimit and rbl modules
#                  only (when rspamd is installed)
#   -k  keep the work directory (logs, configs) and print its name
#
# smtp-source (Debian's postfix package) sends to a private Postfix on
# 127.0.0.1 that relays everything to smtp-sink; each target has its own
# smtpd listener, whose smtpd_milters is that target's milter.  A run's
# time is from the start of smtp-source until smtp-sink has received every
# message (read from its running counters, -c).  All targets share one
# private redis-server and one private rbldnsd serving
#   xbl.zm-test.net      the DNSBL (RFC 5782 test point 127.0.0.2 and a
#                        few 198.18.x addresses, code 127.0.0.4), and
#   bench.zm-test.net    TXT "v=spf1 ip4:127.0.0.0/8 ip4:198.18.0.0/15 -all",
#                        the SPF record of the sender domain.
# zombie-milter: Redis, dns_forwarders = the rbldnsd, the DNSBL worth 100
# points for 127.0.0.4, spf = true; exempt = {} so that 127.0.0.1 is
# checked; the three default windows with limits of 1000000000 messages
# and recipients, and bulk_host_recipients = 1000000000, so that the
# bench traffic -- one client address, one sender, one body -- is counted
# but never crosses a limit (checked: every decision must be a plain
# accept with score 0).  rspamd: a private instance (its own config in the
# work directory, nothing read from /etc/rspamd) whose only Lua plugins
# are ratelimit and rbl (the plugin path holds only those two, no C
# filter, no rules file), every other module disabled by name too;
# ratelimit: one bucket per zombie-milter window keyed by the client
# address, burst 1000000000; rbl: the same zone, for the client address
# (local and private addresses not excluded); the same Redis; the
# rbldnsd as its only nameserver; rspamd_proxy with milter = yes and
# self_scan = yes, one worker per CPU.  Both log each message (info).
#
# smtp-source cannot send XCLIENT: every message comes from 127.0.0.1,
# one "customer".  Postfix does no DNS lookup (no peer name lookup, the
# relay host is a bracketed address, DNS off in the SMTP client) and
# in_flow_delay = 0 (smtpd never waits for the queue manager).
#
# Needs root, the packages of `contrib/deps.sh test` (postfix brings
# smtp-source and smtp-sink), perl, a build (ZM_BUILDDIR, default build/,
# made if it has a Makefile and lacks the binaries; ZM_BIN and ZM_NOOP_BIN
# override them) and, for the last target, rspamd (RSPAMD_USER, default
# _rspamd, runs its workers).  For experiments, lines in ZM_CONF_EXTRA are
# added to zombie-milter's config (e.g. 'redis = ""') and lines in
# ZM_PF_EXTRA to Postfix's main.cf.  Everything listens on and connects to
# 127.0.0.1 only, and is stopped and removed at exit.
#
# Limits: one client address; smtp-source's bodies are all alike; on a
# small machine smtp-source, Postfix, the sink and the milter share the
# CPUs, so a milter's own cost shows best in milter_cpu and in
# contrib/bench/run.sh.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/t/lib/postfix-conf.sh"
builddir=${ZM_BUILDDIR:-$top/build}
case $builddir in /*) ;; *) builddir=$top/$builddir ;; esac
zm_bin=${ZM_BIN:-$builddir/zombie-milter}
noop_bin=${ZM_NOOP_BIN:-$builddir/contrib/bench/noop-milter}

sessions=20 messages=5000 rcpts=1 bytes=2000 repeats=3 warmup=200
reuse='' targets='' keep=0
big=1000000000    # the limits the bench traffic never reaches
usage() { sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while getopts 's:m:r:l:n:w:dt:kh' o; do
    case $o in
    s) sessions=$OPTARG ;; m) messages=$OPTARG ;; r) rcpts=$OPTARG ;;
    l) bytes=$OPTARG ;; n) repeats=$OPTARG ;; w) warmup=$OPTARG ;;
    d) reuse=-d ;; t) targets=$OPTARG ;; k) keep=1 ;; *) usage ;;
    esac
done
for v in sessions messages rcpts bytes repeats; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$0: -${v:0:1} wants a positive number" >&2; exit 2; }
done
[[ $warmup =~ ^[0-9]+$ ]] || usage
[ "$rcpts" -le 50 ] || { echo "$0: -r: at most 50 recipients" >&2; exit 2; }

die() { echo "postfix.sh: $*" >&2; exit 1; }
note() { echo "# $*"; }

[ "$(id -u)" = 0 ] || die "needs root (a private Postfix instance)"
for c in postfix postconf postqueue smtp-source smtp-sink redis-server \
    redis-cli rbldnsd python3 perl mkfifo timeout; do
    command -v "$c" >/dev/null || die "$c is missing (contrib/deps.sh test)"
done
if [ ! -x "$zm_bin" ] && [ -f "$builddir/Makefile" ]; then
    make -C "$builddir" zombie-milter >&2 || die "building zombie-milter failed"
fi
if [ ! -x "$noop_bin" ] && [ -f "$builddir/Makefile" ]; then
    make -C "$builddir" contrib/bench/noop-milter >/dev/null 2>&1 || true
fi

# the targets to run: the default is every one that can
all_targets="none noop zm rspamd"
want=${targets//,/ }
run_targets=()
for t in ${want:-$all_targets}; do
    case $t in
    none) ;;
    noop) if [ ! -x "$noop_bin" ]; then
              [ -n "$want" ] && die "$noop_bin is not built"
              note "no $noop_bin: the noop target is skipped"; continue
          fi ;;
    zm) [ -x "$zm_bin" ] || die "$zm_bin is not built (configure; make)" ;;
    rspamd) if ! command -v rspamd >/dev/null; then
                [ -n "$want" ] && die "rspamd is not installed"
                note "rspamd is not installed: its target is skipped"; continue
            fi ;;
    *) die "unknown target $t (none, noop, zm, rspamd)" ;;
    esac
    run_targets+=("$t")
done
[ ${#run_targets[@]} -gt 0 ] || die "no target to run"
has_target() { [[ " ${run_targets[*]} " == *" $1 "* ]]; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/zm-bench-pf.XXXXXX") || die "mktemp failed"
chmod 755 "$dir"
pids=()
rspamd_pid='' sink='' watcher=''
cleanup() {
    local p i
    for p in ${sink:-} ${watcher:-}; do kill "$p" 2>/dev/null; done
    if [ -f "$dir/postfix/etc/main.cf" ]; then
        postfix -c "$dir/postfix/etc" stop >/dev/null 2>&1
        p=$(sed -n '1s/ //gp' "$dir/postfix/spool/pid/master.pid" 2>/dev/null)
        if [ -n "$p" ] && grep -q master "/proc/$p/comm" 2>/dev/null; then
            kill -9 "$p" 2>/dev/null
        fi
    fi
    if [ -n "$rspamd_pid" ] && kill -0 "$rspamd_pid" 2>/dev/null; then
        # the main process stops its workers
        kill -TERM "$rspamd_pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            kill -0 "$rspamd_pid" 2>/dev/null || break
            sleep 0.1
        done
        for p in $(pgrep -P "$rspamd_pid") "$rspamd_pid"; do kill -9 "$p" 2>/dev/null; done
    fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}" $rspamd_pid; do wait "$p" 2>/dev/null; done
    if [ "$keep" = 1 ]; then echo "# kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port() { # SOCK_STREAM|SOCK_DGRAM
    python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.$1); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"
}
# listening PORT [SECONDS]: waits until a TCP socket listens on
# 127.0.0.1:PORT, without connecting to it (a milter or smtpd would see it)
listening() {
    local hex i
    hex=$(printf '%04X' "$1")
    for ((i = 0; i < ${2:-10} * 20; i++)); do
        awk -v a="0100007F:$hex" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' \
            /proc/net/tcp && return 0
        sleep 0.05
    done
    return 1
}
# cpu_ticks PID...: user + system clock ticks of those processes so far
cpu_ticks() {
    local p t=0 s f
    for p in "$@"; do
        s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        # the fields after "pid (comm) ": state is f[0], utime f[11], stime f[12]
        read -r -a f <<<"${s##*) }"
        t=$((t + f[11] + f[12]))
    done
    echo "$t"
}
hz=$(getconf CLK_TCK)

# --- Redis ------------------------------------------------------------------

mkdir -p "$dir/redis"
rport=$(free_port SOCK_STREAM)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir/redis" --logfile "$dir/redis/redis.log" &
pids+=($!)
rcli() { redis-cli -p "$rport" "$@"; }
for ((i = 0; i < 100; i++)); do
    [ "$(rcli PING 2>/dev/null)" = PONG ] && break
    sleep 0.05
done
[ "$(rcli PING 2>/dev/null)" = PONG ] || die "redis-server did not start: $(tail -5 "$dir/redis/redis.log")"
# commands Redis ran so far, INFO itself left out
redis_calls() {
    rcli INFO commandstats | tr -d '\r' |
        awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" { n += $3 } END { print n + 0 }'
}

# --- rbldnsd: the DNSBL and the sender's SPF record -------------------------

rdir=$dir/rbldnsd
mkdir -p "$rdir/data" "$rdir/log"
chmod 755 "$rdir" "$rdir/data"
chown rbldns "$rdir/log" 2>/dev/null || chmod 777 "$rdir/log"
soa='$SOA 3600 ns.zm-test.net. hostmaster.zm-test.net. 1 3600 600 86400 3600'
{
    echo "$soa"
    echo ':127.0.0.4:listed: infected'
    echo '127.0.0.2 :127.0.0.2:RFC 5782 test point'
    for h in 5 77 300 4097; do
        echo "198.$((18 + (h >> 16))).$(((h >> 8) & 255)).$((h & 255))"
    done
} >"$rdir/data/xbl"
{
    echo "$soa"
    echo '@ TXT "v=spf1 ip4:127.0.0.0/8 ip4:198.18.0.0/15 -all"'
} >"$rdir/data/spf"
chmod 644 "$rdir/data/"*
dport=$(free_port SOCK_DGRAM)
rbldnsd -n -b "127.0.0.1/$dport" -w "$rdir/data" -l "+$rdir/log/query.log" \
    -t 35m -c 0 xbl.zm-test.net:ip4set:xbl bench.zm-test.net:generic:spf \
    >"$rdir/rbldnsd.out" 2>&1 &
pids+=($!)
python3 "$top/t/lib/dnsq.py" wait --port "$dport" --seconds 5 2.0.0.127.xbl.zm-test.net ||
    die "rbldnsd did not start: $(cat "$rdir/rbldnsd.out")"
dns_queries() { wc -l <"$rdir/log/query.log" 2>/dev/null || echo 0; }

# --- the milters --------------------------------------------------------------

declare -A port mpids
port[none]=
if has_target noop; then
    port[noop]=$(free_port SOCK_STREAM)
    "$noop_bin" -p "inet:${port[noop]}@127.0.0.1" >"$dir/noop.log" 2>&1 &
    pids+=($!)
    mpids[noop]=$!
    listening "${port[noop]}" 10 || die "noop-milter did not start: $(cat "$dir/noop.log")"
fi

if has_target zm; then
    port[zm]=$(free_port SOCK_STREAM)
    window() { # NAME LENGTH BUCKETS POINTS
        printf 'window "%s" {\n    length = %s\n    buckets = %s\n    messages = %s\n    recipients = %s\n    points = %s\n}\n' \
            "$1" "$2" "$3" "$big" "$big" "$4"
    }
    cat >"$dir/zm.conf" <<EOF
# zombie-milter for contrib/bench/postfix.sh
socket = "inet:${port[zm]}@127.0.0.1"
log_level = "info"
mode = "enforce"
# the bench traffic comes from 127.0.0.1: check and count it
exempt = {}
redis = "127.0.0.1:$rport"
dns_forwarders = { "127.0.0.1@$dport" }
dnsbl "xbl.zm-test.net" {
    type = "ip"
    codes = { "127.0.0.4 infected 100" }
}
spf = true
# the default windows, with limits the bench never reaches
$(window 1m 60 6 50)
$(window 1h 3600 12 80)
$(window 24h 86400 24 100)
# one client sends one body to every recipient
bulk_host_recipients = $big
${ZM_CONF_EXTRA:-}
EOF
    "$zm_bin" -n -c "$dir/zm.conf" >"$dir/zm-check.out" 2>&1 ||
        die "zombie-milter -n rejects its config: $(cat "$dir/zm-check.out")"
    "$zm_bin" -f -c "$dir/zm.conf" 2>"$dir/zm.log" &
    pids+=($!)
    mpids[zm]=$!
    listening "${port[zm]}" 10 || die "zombie-milter did not start: $(tail -20 "$dir/zm.log")"
fi

if has_target rspamd; then
    # a private instance: its own config, no file of /etc/rspamd read
    sdir=$dir/rspamd
    mkdir -p "$sdir/plugins" "$sdir/db" "$sdir/run" "$sdir/log" "$sdir/local"
    ruser=${RSPAMD_USER:-_rspamd}
    rgroup=$(id -gn "$ruser" 2>/dev/null) || die "no user $ruser for rspamd's workers (RSPAMD_USER)"
    chown "$ruser" "$sdir/db" "$sdir/run" "$sdir/log"
    chmod 755 "$sdir"
    plugins=${RSPAMD_PLUGINS:-/usr/share/rspamd/plugins}
    [ -f "$plugins/ratelimit.lua" ] && [ -f "$plugins/rbl.lua" ] ||
        die "no ratelimit.lua and rbl.lua in $plugins (RSPAMD_PLUGINS)"
    ln -s "$plugins/ratelimit.lua" "$plugins/rbl.lua" "$sdir/plugins/"
    port[rspamd]=$(free_port SOCK_STREAM)
    bucket() { # NAME
        printf '        %s = { selector = "ip"; bucket = { burst = %s; rate = "%s / %s"; } }\n' \
            "ip_$1" "$big" "$big" "$1"
    }
    {
        cat <<EOF
# private rspamd for contrib/bench/postfix.sh: ratelimit and rbl only
options {
    pidfile = "$sdir/run/rspamd.pid";
    filters = "";           # no C module (chartable, dkim, fuzzy_check, regexp)
    explicit_modules = [];
    cache_file = "$sdir/db/symbols.cache";
    dynamic_conf = "$sdir/db/rspamd_dynamic";
    history_file = "$sdir/db/rspamd.history";
    stats_file = "$sdir/db/stats.ucl";
    hs_cache_dir = "$sdir/db/";
    control_socket = "$sdir/run/rspamd.sock mode=0600";
    tempdir = "$sdir/run";
    local_addrs = [];
    dns {
        nameserver = ["127.0.0.1:$dport"];
        timeout = 1s;
        retransmits = 2;
    }
    task_timeout = 8s;
}
logging {
    type = "file";
    filename = "$sdir/log/rspamd.log";
    level = "info";
}
# the only Lua plugins loaded: ratelimit.lua and rbl.lua (no rules file:
# no "lua = rspamd.lua" line)
modules {
    path = "$sdir/plugins";
}
actions {
    reject = 15;
    add_header = 6;
    greylist = 4;
}
redis {
    servers = "127.0.0.1:$rport";
}
# one bucket per zombie-milter window, per client address, never full
ratelimit {
    rates {
$(bucket 1m)
$(bucket 1h)
$(bucket 24h)
    }
}
rbl {
    rbls {
        zm_xbl {
            symbol = "ZM_XBL";
            rbl = "xbl.zm-test.net";
            from = true;
            received = false;
            ipv4 = true;
            ipv6 = true;
            exclude_local = false;
            exclude_private_ips = false;
            returncodes = { ZM_XBL_INFECTED = "127.0.0.4"; }
        }
    }
}
symbol "ZM_XBL_INFECTED" { weight = 20.0; }
worker "rspamd_proxy" {
    bind_socket = "127.0.0.1:${port[rspamd]}";
    milter = yes;
    timeout = 120s;
    count = $(nproc);
    upstream "local" {
        default = yes;
        self_scan = yes;
    }
}
# every other module, disabled by name as well
EOF
        for m in chartable dkim fuzzy_check regexp "$plugins"/*.lua; do
            m=${m##*/}
            m=${m%.lua}
            # ip_score: deprecated, its section would be turned into a
            # reputation one
            case $m in ratelimit | rbl | ip_score) continue ;; esac
            echo "$m { enabled = false; }"
        done
    } >"$sdir/rspamd.conf"
    rvars=(--var="DBDIR=$sdir/db" --var="RUNDIR=$sdir/run" --var="LOGDIR=$sdir/log"
        --var="LOCAL_CONFDIR=$sdir/local" --var="CONFDIR=$sdir")
    rspamadm "${rvars[@]}" configtest -c "$sdir/rspamd.conf" >"$sdir/configtest.out" 2>&1 ||
        die "rspamd config: $(cat "$sdir/configtest.out")"
    rmods=$(rspamadm "${rvars[@]}" configdump -m -c "$sdir/rspamd.conf" 2>&1 |
        sed -n 's/^Modules enabled: *//p' | tr -d ' ' | tr ',' '\n' | sort | paste -sd' ')
    [ "$rmods" = "ratelimit rbl" ] ||
        die "rspamd would run modules '$rmods', not only ratelimit and rbl"
    rspamd -f -u "$ruser" -g "$rgroup" -c "$sdir/rspamd.conf" "${rvars[@]}" \
        >"$sdir/rspamd.out" 2>&1 &
    rspamd_pid=$!
    # loading takes seconds (the TLD list is compiled)
    if ! listening "${port[rspamd]}" 120 || ! kill -0 "$rspamd_pid" 2>/dev/null; then
        die "rspamd did not start: $(tail -20 "$sdir/rspamd.out" "$sdir/log/rspamd.log")"
    fi
    for ((i = 0; i < 100; i++)); do
        [ "$(pgrep -c -P "$rspamd_pid" -f rspamd_proxy)" -ge "$(nproc)" ] && break
        sleep 0.1
    done
    # what it loaded, by its own log: the two Lua modules, no C module
    rinit=$(sed -n 's/.*init lua module \([a-z_0-9]*\) from .*/\1/p' "$sdir/log/rspamd.log" |
        sort -u | paste -sd' ')
    [ "$rinit" = "ratelimit rbl" ] || die "rspamd initialised Lua modules '$rinit'"
fi
# milter_pids TARGET: the milter's processes (rspamd: main and workers)
milter_pids() {
    case $1 in
    rspamd) echo "$rspamd_pid $(pgrep -P "$rspamd_pid" | tr '\n' ' ')" ;;
    none) ;;
    *) echo "${mpids[$1]}" ;;
    esac
}

# --- Postfix: one smtpd listener per target, relaying to smtp-sink -------

pdir=$dir/postfix
pconf=$pdir/etc
mkdir -p "$pconf" "$pdir/spool" "$pdir/data" "$dir/sink"
chmod 755 "$pdir" "$pconf" "$pdir/spool"
chown postfix "$pdir/data" "$dir/sink"
: >"$pdir/maillog"
sink_port=$(free_port SOCK_STREAM)
procs=$((sessions > 80 ? sessions + 20 : 100))
{
    echo "# private instance of contrib/bench/postfix.sh"
    zm_postfix_main_cf "$pdir" "$sink_port" "zm-bench-$$"
    cat <<EOF
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
in_flow_delay = 0s
default_process_limit = $procs
${ZM_PF_EXTRA:-}
EOF
} >"$pconf/main.cf"
declare -A smtpd_port
{
    for t in "${run_targets[@]}"; do
        smtpd_port[$t]=$(free_port SOCK_STREAM)
        m=
        [ -n "${port[$t]}" ] && m=inet:127.0.0.1:${port[$t]}
        echo "127.0.0.1:${smtpd_port[$t]} inet n - n - $sessions smtpd -o smtpd_milters=$m"
    done
    grep -v '^#' "$top/t/lib/postfix-master.cf"
} >"$pconf/master.cf"
postfix -c "$pconf" start >"$pdir/start.out" 2>&1 ||
    die "postfix did not start: $(cat "$pdir/start.out" "$pdir/maillog")"
for t in "${run_targets[@]}"; do
    listening "${smtpd_port[$t]}" 10 || die "postfix smtpd not listening: $(cat "$pdir/maillog")"
done

queue_empty() { postqueue -c "$pconf" -p 2>&1 | grep -q 'Mail queue is empty'; }

# --- one run --------------------------------------------------------------

# run TARGET COUNT: sends COUNT messages through TARGET's listener; sets
# r_rate (messages/s), r_cpu (milter CPU ms per message), r_redis (Redis
# commands per message), r_dns (DNS queries per message); returns 1 when
# a message was refused or did not arrive
run() {
    local t=$1 count=$2 rc t0 t1 c0 c1 k0 k1 q0 q1 i
    for ((i = 0; i < 100; i++)); do queue_empty && break; sleep 0.1; done
    queue_empty || { echo "queue not empty before a $t run" >&2; return 1; }
    # smtp-sink's running counters (-c: "sess=N quit=N mesg=N", each ended
    # by a CR, written when a message's final dot has been read) go to a
    # watcher that exits when it sees mesg=COUNT; the sink is killed after
    # the queue is found empty, once it has answered the last dot
    # (two jobs joined by a FIFO: bash's wait for the last process of a
    # pipeline would wait for the whole pipeline)
    rm -f "$dir/sink/fifo"
    mkfifo "$dir/sink/fifo"
    timeout $((60 + count / 10)) perl -e '$/ = "\r"; my $n = shift;
        while (<STDIN>) { exit 0 if /mesg=(\d+)/ && $1 >= $n } exit 1' \
        "$count" <"$dir/sink/fifo" &
    watcher=$!
    smtp-sink -u postfix -c "127.0.0.1:$sink_port" 256 \
        >"$dir/sink/fifo" 2>>"$dir/sink/sink.err" &
    sink=$!
    if ! listening "$sink_port" 10; then
        echo "smtp-sink did not start: $(cat "$dir/sink/sink.err")" >&2
        stop_sink; return 1
    fi
    c0=$(cpu_ticks $(milter_pids "$t"))
    k0=$(redis_calls)
    q0=$(dns_queries)
    t0=$EPOCHREALTIME
    smtp-source -s "$sessions" -m "$count" -r "$rcpts" -l "$bytes" $reuse \
        -M pc1.cust.zm-test.net -f "u1@bench.zm-test.net" -t "r@dest.zm-test.net" \
        "127.0.0.1:${smtpd_port[$t]}" >"$dir/source.out" 2>&1
    rc=$?
    if [ $rc != 0 ]; then
        echo "$t: smtp-source failed: $(tail -3 "$dir/source.out")" >&2
        stop_sink; return 1
    fi
    wait "$watcher"
    rc=$?
    t1=$EPOCHREALTIME
    c1=$(cpu_ticks $(milter_pids "$t"))
    k1=$(redis_calls)
    q1=$(dns_queries)
    if [ $rc != 0 ]; then
        echo "$t: smtp-sink did not receive $count messages in time" >&2
        stop_sink; return 1
    fi
    for ((i = 0; i < 100; i++)); do queue_empty && break; sleep 0.05; done
    stop_sink
    read -r r_rate r_cpu r_redis r_dns < <(awk -v n="$count" -v t0="$t0" -v t1="$t1" \
        -v c="$((c1 - c0))" -v hz="$hz" -v k="$((k1 - k0))" -v q="$((q1 - q0))" \
        'BEGIN { printf "%.1f %.3f %.2f %.2f\n", n / (t1 - t0), 1000 * c / hz / n, k / n, q / n }')
}

stop_sink() {
    local p
    for p in ${sink:-} ${watcher:-}; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    sink='' watcher=''
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

label() {
    case $1 in
    none) echo "no milter" ;; noop) echo "noop-milter" ;;
    zm) echo "zombie-milter" ;; rspamd) echo "rspamd proxy" ;;
    esac
}

mode="one message per session"
[ -n "$reuse" ] && mode="all messages of a session on one connection"
note "Postfix end to end: smtp-source -s $sessions -m $messages -r $rcpts -l $bytes ($mode)"
note "  -> private Postfix (127.0.0.1) -> smtp-sink; $repeats runs per target, interleaved, medians"
note "  every message comes from 127.0.0.1 (smtp-source has no XCLIENT): one customer"
has_target zm && note "  zombie-milter: Redis + DNSBL + SPF, exempt = {}, windows 1m/1h/24h at $big messages/recipients, bulk_host_recipients = $big"
has_target rspamd && note "  rspamd $(rspamd --version 2>/dev/null | sed -n 's/.*version //p' | head -1): proxy (milter, self_scan, $(nproc) workers), modules: $rmods (initialised: $rinit; no C module); ratelimit buckets ip 1m/1h/24h, burst $big"

declare -A rates cpus redises dnss
failed=0
if [ "$warmup" -gt 0 ]; then
    for t in "${run_targets[@]}"; do
        run "$t" "$warmup" || { failed=1; note "warm-up of $t failed"; }
    done
fi
for ((rep = 1; rep <= repeats; rep++)); do
    for t in "${run_targets[@]}"; do
        if run "$t" "$messages"; then
            rates[$t]="${rates[$t]:-} $r_rate"
            cpus[$t]="${cpus[$t]:-} $r_cpu"
            redises[$t]="${redises[$t]:-} $r_redis"
            dnss[$t]="${dnss[$t]:-} $r_dns"
            note "run $rep $(label "$t"): $r_rate msgs/s"
        else
            failed=1
            note "run $rep $(label "$t"): FAILED"
        fi
    done
done

# --- the table ------------------------------------------------------------

declare -A med
for t in "${run_targets[@]}"; do med[$t]=$(echo "${rates[$t]:-}" | median); done
ratio() { # TARGET BASE
    if [ -n "${med[$1]}" ] && [ -n "${med[$2]:-}" ]; then
        awk -v a="${med[$1]}" -v b="${med[$2]}" 'BEGIN { printf "%.3f", a / b }'
    else
        echo -
    fi
}
echo
printf '%-14s %8s %8s %8s %8s %10s %10s %6s  %s\n' target msgs/s vs_none vs_noop \
    sess_ms milter_cpu redis_cmds dns_q "runs (msgs/s)"
for t in "${run_targets[@]}"; do
    if [ "$t" = none ]; then c=- k=-; else
        c=$(echo "${cpus[$t]:-}" | median); k=$(echo "${redises[$t]:-}" | median)
    fi
    q=$(echo "${dnss[$t]:-}" | median)
    l=-
    [ -n "${med[$t]}" ] && l=$(awk -v s="$sessions" -v r="${med[$t]}" 'BEGIN { printf "%.1f", 1000 * s / r }')
    printf '%-14s %8s %8s %8s %8s %10s %10s %6s  %s\n' "$(label "$t")" "${med[$t]:--}" \
        "$(ratio "$t" none)" "$(ratio "$t" noop)" "$l" "${c:--}" "${k:--}" "${q:--}" \
        "$(echo ${rates[$t]:-FAILED})"
done
echo
note "msgs/s: messages / seconds from smtp-source's start until smtp-sink had them all"
note "sess_ms: SESSIONS / msgs/s, the time each session spent per message (ms)"
note "milter_cpu: the milter's CPU time (user+sys; rspamd: main + workers) per message (ms)"
note "redis_cmds, dns_q: Redis commands (those run by scripts included) and rbldnsd"
note "  queries per message; all columns are medians of the runs"

# --- what the milters did -------------------------------------------------

if has_target zm; then
    nd=$(grep -c ': action=' "$dir/zm.log")
    na=$(grep -c ': action=accept host=127.0.0.1 user=- score=0 reasons=- ' "$dir/zm.log")
    if [ "$nd" = "$na" ]; then
        note "zombie-milter: $nd decisions, every one a plain accept (score 0)"
    else
        failed=1
        note "zombie-milter: $nd decisions, only $na plain accepts; others:"
        grep ': action=' "$dir/zm.log" | grep -v 'action=accept host=127.0.0.1 user=- score=0 reasons=- ' |
            head -5 | sed 's/^/#   /'
    fi
fi
if has_target rspamd; then
    rl=$sdir/log/rspamd.log
    nt=$(grep -c 'rspamd_task_write_log' "$rl")
    na=$(grep 'rspamd_task_write_log' "$rl" | grep -c '(no action): \[0\.00/15\.00\] \[\]')
    if [ "$nt" = "$na" ]; then
        note "rspamd: $nt messages scanned, every one no action, score 0, no symbol"
    else
        failed=1
        note "rspamd: $nt messages scanned, $na with no action and no symbol; others:"
        grep 'rspamd_task_write_log' "$rl" | grep -v '(no action): \[0\.00/15\.00\] \[\]' |
            head -5 | sed 's/^/#   /'
    fi
    ne=$(grep -cE 'cannot (check|update) (limit|rate bucket)|RBL.*(error|fail)' "$rl")
    [ "$ne" = 0 ] || { failed=1; note "rspamd: $ne ratelimit/rbl errors in its log"; }
fi
nw=$(grep -Ec 'warning: milter|status=(deferred|bounced)|(fatal|panic):' "$pdir/maillog")
[ "$nw" = 0 ] || { failed=1; note "Postfix: $nw milter warnings, deferrals or errors in its maillog"; }
exit $failed
