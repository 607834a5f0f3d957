#!/usr/bin/env bash
# contrib/bench/redis-cost.sh -- what zombie-milter costs Redis.
#
#   contrib/bench/redis-cost.sh [HOSTS] [MSGS_PER_HOST] [RCPTS]
#                                            (default 100000 1 1)
#   ZM_BUSY_ONLY=1 contrib/bench/redis-cost.sh   the busy-host runs only
#   ZM_BUSY_KINDS="1:v1 50:v1" ZM_BIN=OLD/zombie-milter ...
#                       busy hosts as an earlier version keeps them, for
#                       that version's binary (a "before" figure)
#   ZM_PIN=0            Redis shares the CPUs with the milter and the load
#
# Starts a private redis-server and the milter (Redis store, default
# signals: body fingerprints, sender and recipient domains) on free
# loopback ports, and has contrib/bench/zm-load send MSGS_PER_HOST
# messages (a distinct 2000-byte body each, RCPTS recipients in as many
# domains) from each of HOSTS hosts, 50 connections at a time.  Redis
# runs on a CPU of its own (the last; ZM_PIN=0: shared).  Reports, per
# message: round trips (the milter's count, logged at exit), commands
# (INFO commandstats, the calls made inside the window script included),
# Redis CPU (INFO cpu: all of it, sockets and event loop included), the
# time in commands (commandstats: the commands the milter sends, the
# script's calls within its EVALSHA), and, where memory is not measured,
# EVALSHA's time per call (SLOWLOG of every call: median, 99th
# percentile, largest).  Memory: used_memory per tracked host (the
# zm:rate:<host> keys; the zm:fp:<sha256> keys of the bodies are
# reported apart).  SPF is off: it costs Redis nothing.  Then the
# subjects beyond the host, each in the same round trip: a SASL login per
# host (zm-load -u), and IPv6 clients, each with a /56 of its own,
# counted at their /64 and at their delegated /56, with the bytes each
# kind of key costs.  Last, busy hosts: 1 host, then 50, each with its
# zm:rate key filled beforehand as a host busy for a day leaves it (every
# bucket of the default windows live, the observation caps full: 6
# sender domains, 301 recipient domains, 256 bodies), sending 4000
# messages in all (20 connections at a time, each host one or more of
# them, every verdict an accept: thresholds off); then 1 such host with 600 more domains of two
# generations ago for a sweep to delete, and 50 keys as the previous
# version left them (read whole once each); and MEMORY USAGE of a busy
# key.  Nothing leaves loopback.  Needs redis-server and a build.
set -euo pipefail
. "$(dirname "$0")/bench.sh"
hosts=${1:-100000}
per_host=${2:-1}
rcpts=${3:-1}
rport=$(free_port)
mport=$(free_port)
# Redis on a CPU of its own (the last), the milter and the load on the
# others: its figures are then its own work, not time it waited for a CPU.
ncpu=$(nproc)
rcpu=$((ncpu - 1))
others=0-$((ncpu > 1 ? ncpu - 2 : 0))
[ "${ZM_PIN:-1}" = 1 ] || rcpu=0-$rcpu others=$rcpu
taskset -c "$rcpu" redis-server --port "$rport" --bind 127.0.0.1 --save '' \
    --appendonly no --dir "$dir" --logfile "$dir/redis.log" \
    --slowlog-max-len 200000 &
cli() { redis-cli -p "$rport" "$@"; }
wait_until 10 redis_up || exit 1

info() { cli INFO "$1" | tr -d '\r' | sed -n "s/^$2:\([0-9.]*\).*/\1/p"; }
cpu() { cli INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.6f", s }'; }

# run NAME [CONFIG LINES...]: an empty Redis, the milter, the load (with
# the zm-load options in $load_opts)
load_opts=
run() {
    local name=$1 mpid
    last=$name
    shift
    cli FLUSHALL >/dev/null
    [ -n "${prefill:-}" ] && $prefill
    {
        echo "socket = \"inet:$mport@127.0.0.1\""
        echo "redis = \"127.0.0.1:$rport\""
        echo 'log_level = "notice"'
        echo 'spf = false	# SPF would ask the world'"'"'s DNS about the senders'
        printf '%s\n' "$@"
    } >"$dir/$name.conf"
    taskset -c "$others" "$bin" -f -c "$dir/$name.conf" 2>"$dir/$name.log" &
    mpid=$!
    wait_until 10 milter_up || { tail -20 "$dir/$name.log" >&2; exit 1; }
    cli CONFIG RESETSTAT >/dev/null
    # every EVALSHA's time, where memory is not measured (the log holds
    # each call's arguments)
    cli CONFIG SET slowlog-log-slower-than "$([ -n "${run_slowlog:-}" ] && echo 0 || echo -1)" >/dev/null
    cli SLOWLOG RESET >/dev/null
    mem0=$(info memory used_memory)
    cpu0=$(cpu)
    taskset -c "$others" "$load" -s "127.0.0.1:$mport" -c "${run_conns:-50}" -n "${run_n:-$hosts}" \
        -m "${run_m:-$per_host}" -r "$rcpts" -b 2000 -p "${run_p:-$hosts}" -q \
        $load_opts
    cpu1=$(cpu)
    mem1=$(info memory used_memory)
    keys=$(cli DBSIZE)
    fpkeys=$(cli --scan --pattern 'zm:fp:*' | wc -l)
    cli INFO commandstats | tr -d '\r' >"$dir/$name.stats"
    cli --json SLOWLOG GET -1 >"$dir/$name.slowlog"
    stop_milter "$mpid" "$dir/$name.log" || exit 1
    trips=$(sed -n 's/.*: \([0-9]*\) round trips, \([0-9]*\) commands$/\1 \2/p' "$dir/$name.log")
}

# per message of the last run: round trips, commands sent, EVALSHAs,
# Redis CPU (INFO cpu: all of it, sockets and event loop included), and
# the time of the commands themselves (INFO commandstats: those the
# milter sends; the script's own calls are within its EVALSHA, and the
# one EXPIRE each script makes is taken off EXPIRE's total)
per_msg() {
    set -- $trips
    awk -F'[:=,]' -v t="$1" -v c="$2" -v m="$msgs" -v a="$cpu0" -v b="$cpu1" '
        /^cmdstat_/ { calls[substr($1, 9)] = $3; usec[substr($1, 9)] = $5 }
        END {
            s = calls["evalsha"] + calls["eval"]
            cmd = usec["evalsha"] + usec["eval"] + usec["hgetall"] + usec["pfadd"] + usec["pfcount"]
            if (calls["expire"] > s)
                cmd += usec["expire"] * (calls["expire"] - s) / calls["expire"]
            printf "%.2f round trips, %.2f commands, %.2f EVALSHA, %.1f us Redis CPU, %.1f us in commands per message", t / m, c / m, s / m, 1e6 * (b - a) / m, cmd / m
        }' "$dir/$last.stats"
}

# EVALSHA's time per call in the last run (SLOWLOG, every call): median,
# 99th percentile, largest
script_us() {
    python3 - "$dir/$last.slowlog" <<'PY'
import json, sys
d = sorted(e[2] for e in json.load(open(sys.argv[1])) if e[3][0].lower() == "evalsha")
if d:
    print("EVALSHA p50 %d, p99 %d, max %d us" % (d[len(d) // 2], d[len(d) * 99 // 100], d[-1]), end="")
PY
}

if [ -z "${ZM_BUSY_ONLY:-}" ]; then
msgs=$((hosts * per_host))
echo "messages:            $msgs from $hosts hosts ($per_host each, $rcpts recipient(s), 2000-byte bodies)"
# Per tracked host: the body's count per host is kept (bulk_host_recipients),
# the hosts per body are not (bulk_hosts = 0), so every key is a host's.
run hosts 'bulk_hosts = 0'
echo "per tracked host:    $(( (mem1 - mem0) / hosts )) bytes of used_memory ($keys zm:rate:<host> keys)"
# Then the defaults: commands, CPU, and a HyperLogLog per distinct body.
hostmem=$((mem1 - mem0))
hostline=$(per_msg)
run defaults
echo "per body:            $(( fpkeys ? (mem1 - mem0 - hostmem) / fpkeys : 0 )) bytes more ($fpkeys zm:fp:<sha256> keys, one per distinct body, for bulk_window)"
awk -F'[:=,]' -v m="$msgs" '/^cmdstat_/ && $1 !~ /_(info|config|dbsize|scan|flushall)$/ {
    printf "  %-20s %8d calls  %.2f per message\n", substr($1, 9), $3, $3 / m }' "$dir/defaults.stats"
echo "defaults:            $(per_msg)"
# EVALSHA's time per call, with SLOWLOG on (it would count as memory)
n_calls=$((hosts < 20000 ? hosts : 20000))
run_slowlog=1 run_n=$n_calls run_p=$n_calls run calls
msgs=$((n_calls * per_host)) line="$(per_msg); $(script_us)"
msgs=$((hosts * per_host))
echo "defaults, $n_calls hosts: $line"
echo "host only:           $hostline"
load_opts="-u $hosts"
run logins 'bulk_hosts = 0'
echo "with a login each:   $(per_msg)"
echo "per login:           $(( (mem1 - mem0 - hostmem) / hosts )) bytes of used_memory ($((keys - hosts)) zm:rate:user:<login> keys)"
load_opts=-6
run ipv6 'bulk_hosts = 0'
echo "IPv6, a /56 each:    $(per_msg)"
echo "per delegated /56:   $(( (mem1 - mem0 - hostmem) / hosts )) bytes of used_memory ($((keys - hosts)) zm:rate:<prefix>/56 keys)"
fi

# --- busy hosts ---------------------------------------------------------
# fill_busy N: the zm:rate keys of zm-load's hosts 0..N-1 as a day of
# traffic leaves them, on Redis's clock (the default windows: 1m of 6
# buckets, 1h of 12, 24h of 24, each with every bucket live: the head
# "a" with the window's counts and this bucket's, the ring "a0".. with
# the others; 6 sender domains, 301 recipient domains and 256 bodies, as
# lib/window.lua keeps them, "o" and "q" their generation's counts).  With
# busy_kind=sweep, also 600 recipient domains of two generations ago and
# a sweep just begun ("x"); with busy_kind=v1, as the previous version's
# script left them (every bucket in the ring, no heads, no "o").
fill_busy() {
    local now
    now=$(cli TIME | head -1)
    python3 - "$now" "$busy_n" "${busy_kind:-new}" <<'PY' | cli >/dev/null
import sys
now, n, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
minute = now // 60 % 4096
gen = now // 60 // 30 % 4096            # behaviour_window 3600: 30-minute generations
for i in range(n):
    key = "zm:rate:198.%d.%d.%d" % (18 + (i >> 16 & 1), i >> 8 & 255, i & 255)
    f = []
    for letter, width, nb in (("a", 10, 6), ("b", 300, 12), ("c", 3600, 24)):
        s = now // width
        if kind == "v1":
            f += ["%s%d" % (letter, s % nb), "%d:1:1" % s]
        else:
            f += [letter, "%d:%d:%d:1:1" % (s, nb, nb)]
        for k in range(1, nb):
            f += ["%s%d" % (letter, (s - k) % nb), "%d:1:1" % (s - k)]
    if kind != "v1":
        f += ["o", "%d:6:301:0" % gen, "q", "%d:256" % gen]
    if kind == "sweep":
        f += ["x", "0"]
        f += sum([["R%06x" % (0xc00000 + j), str((minute - 61) % 4096)] for j in range(600)], [])
    f += sum([["F%06x" % (0xf00000 + j), str(minute)] for j in range(6)], [])
    f += sum([["R%06x" % (0xe00000 + j), str(minute)] for j in range(301)], [])
    f += sum([["B%06x" % (0xd00000 + j), str(4096 + minute)] for j in range(256)], [])
    print("HSET " + key + " " + " ".join(f))
    print("EXPIRE %s 90000" % key)
PY
}
busy_conf=('threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 0'
    'threshold_quarantine = 0' 'bulk_hosts = 0')
load_opts=
for busy in ${ZM_BUSY_KINDS:-1:new 50:new 1:sweep 50:v1}; do
    busy_n=${busy%:*} busy_kind=${busy#*:}
    # 4000 messages, 20 connections at a time, at least one a host
    run_n=$((busy_n > 20 ? busy_n : 20))
    prefill=fill_busy run_conns=20 run_m=$((4000 / run_n)) run_p=$busy_n run_slowlog=1
    msgs=4000
    run "busy$busy_n$busy_kind" "${busy_conf[@]}"
    after=
    case $busy_kind in
    new) what="busy, $busy_n host(s):  " ;;
    sweep)
        what="busy, sweeping 600:   "
        after="; $(cli HKEYS zm:rate:198.18.0.0 | { grep -c '^Rc0' || true; }) of the 600 left"
        ;;
    v1)
        what="busy, $busy_n earlier-version keys: "
        after="; $(for ((i = 0; i < busy_n; i++)); do cli HEXISTS "zm:rate:198.18.0.$i" o; done | { grep -c 1 || true; }) of $busy_n carry on in this version's form"
        ;;
    esac
    echo "$what$(per_msg); $(script_us)$after"
done
prefill=
busy_n=1 busy_kind=new
cli FLUSHALL >/dev/null
fill_busy
echo "busy host key:       $(cli MEMORY USAGE zm:rate:198.18.0.0) bytes (MEMORY USAGE), $(cli HLEN zm:rate:198.18.0.0) fields"
