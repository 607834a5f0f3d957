#!/usr/bin/env bash
# contrib/bench/redis-cost.sh -- what zombie-milter costs Redis.
#
#   contrib/bench/redis-cost.sh [HOSTS] [MSGS_PER_HOST] [RCPTS]
#                                            (default 100000 1 1)
#   ZM_BUSY_ONLY=1 contrib/bench/redis-cost.sh   the busy-host runs only
#
# Starts a private redis-server and the milter (Redis store, default
# signals: body fingerprints, sender and recipient domains) on free
# loopback ports, and has contrib/bench/zm-load send MSGS_PER_HOST
# messages (a distinct 2000-byte body each, RCPTS recipients in as many
# domains) from each of HOSTS hosts, 50 connections at a time.  Reports
# from Redis's INFO: commands per message (commandstats, the calls made
# inside the window script included), Redis CPU per message, used_memory
# per tracked host (the zm:rate:<host> keys; the zm:fp:<sha256> keys of
# the bodies are reported apart), and the round trips per message the
# milter counted (logged at exit).  SPF is off: it costs Redis nothing.
# Then the subjects beyond the host, each in the same round trip: a SASL
# login per host (zm-load -u), and IPv6 clients, each with a /56 of its
# own, counted at their /64 and at their delegated /56: per run, round
# trips, commands and EVALSHAs per message, Redis CPU per message, and the
# bytes each kind of key costs.  Last, busy hosts: 1 host, then 50, each
# with its zm:rate key filled beforehand as a host busy for a day leaves
# it (every bucket of the default windows live, the observation caps full:
# 6 sender domains, 301 recipient domains, 256 bodies), sending 4000
# messages in all (20 connections of 200 messages, every verdict an
# accept: thresholds off); reported per call: EVALSHA and HGETALL from
# commandstats, Redis CPU per message, and MEMORY USAGE of a busy key.
# Nothing leaves loopback.  Needs redis-server and a build.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
hosts=${1:-100000}
per_host=${2:-1}
rcpts=${3:-1}
bdir=${ZM_BUILDDIR:-$top/build}
bin=${ZM_BIN:-$bdir/zombie-milter}
load=$bdir/contrib/bench/zm-load
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port)
mport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" &
cli() { redis-cli -p "$rport" "$@"; }
until [ "$(cli PING 2>/dev/null)" = PONG ]; do sleep 0.05; done

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
    "$bin" -f -c "$dir/$name.conf" 2>"$dir/$name.log" &
    mpid=$!
    until (exec 3<>"/dev/tcp/127.0.0.1/$mport") 2>/dev/null; do sleep 0.05; done
    cli CONFIG RESETSTAT >/dev/null
    mem0=$(info memory used_memory)
    cpu0=$(cpu)
    "$load" -s "127.0.0.1:$mport" -c "${run_conns:-50}" -n "${run_n:-$hosts}" \
        -m "${run_m:-$per_host}" -r "$rcpts" -b 2000 -p "${run_p:-$hosts}" -q \
        $load_opts
    cpu1=$(cpu)
    mem1=$(info memory used_memory)
    keys=$(cli DBSIZE)
    fpkeys=$(cli --scan --pattern 'zm:fp:*' | wc -l)
    cli INFO commandstats | tr -d '\r' >"$dir/$name.stats"
    kill -TERM "$mpid"
    wait "$mpid" || true
    trips=$(sed -n 's/.*: \([0-9]*\) round trips, \([0-9]*\) commands$/\1 \2/p' "$dir/$name.log")
}

# per message of the last run: round trips, commands sent, EVALSHAs,
# Redis CPU
per_msg() {
    set -- $trips
    awk -v t="$1" -v c="$2" -v m="$msgs" -v a="$cpu0" -v b="$cpu1" \
        -v e="$(sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p' "$dir/$last.stats")" \
        'BEGIN { printf "%.2f round trips, %.2f commands, %.2f EVALSHA, %.1f us Redis CPU per message", t / m, c / m, e / m, 1e6 * (b - a) / m }'
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
set -- $trips
echo "round trips:         $1 ($(awk -v a="$1" -v m="$msgs" 'BEGIN { printf "%.2f", a / m }') per message), $2 commands sent by the milter"
echo "Redis CPU:           $(awk -v a="$cpu0" -v b="$cpu1" -v m="$msgs" 'BEGIN { printf "%.1f", 1e6 * (b - a) / m }') us per message"

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
# buckets, 1h of 12, 24h of 24; minutes modulo 4096 as the script keeps
# them)
fill_busy() {
    local now
    now=$(cli TIME | head -1)
    python3 - "$now" "$busy_n" <<'PY' | cli >/dev/null
import sys
now, n = int(sys.argv[1]), int(sys.argv[2])
minute = now // 60 % 4096
for i in range(n):
    key = "zm:rate:198.%d.%d.%d" % (18 + (i >> 16 & 1), i >> 8 & 255, i & 255)
    f = []
    for letter, width, nb in (("a", 10, 6), ("b", 300, 12), ("c", 3600, 24)):
        s = now // width
        for k in range(nb):
            f += ["%s%d" % (letter, (s - k) % nb), "%d:1:1" % (s - k)]
    f += sum([["F%06x" % (0xf00000 + j), str(minute)] for j in range(6)], [])
    f += sum([["R%06x" % (0xe00000 + j), str(minute)] for j in range(301)], [])
    f += sum([["B%06x" % (0xd00000 + j), str(4096 + minute)] for j in range(256)], [])
    print("HSET " + key + " " + " ".join(f))
    print("EXPIRE %s 90000" % key)
PY
}
busy_conf=('threshold_tag = 0' 'threshold_tempfail = 0' 'threshold_reject = 0'
    'threshold_quarantine = 0' 'bulk_hosts = 0')
per_call() { # COMMAND: its usec_per_call in the last run's commandstats
    sed -n "s/^cmdstat_$1:.*usec_per_call=\([0-9.]*\).*/\1/p" "$dir/$last.stats"
}
load_opts=
for busy_n in 1 50; do
    prefill=fill_busy run_conns=20 run_n=20 run_m=200 run_p=$busy_n
    msgs=4000
    run "busy$busy_n" "${busy_conf[@]}"
    echo "busy, $busy_n host(s):  $(per_msg); EVALSHA $(per_call evalsha) us, HGETALL $(per_call hgetall) us per call"
done
prefill=
busy_n=1
cli FLUSHALL >/dev/null
fill_busy
echo "busy host key:       $(cli MEMORY USAGE zm:rate:198.18.0.0) bytes (MEMORY USAGE), $(cli HLEN zm:rate:198.18.0.0) fields"
