#!/usr/bin/env bash
# contrib/bench/run.sh -- zombie-milter against the libmilter floor, in one
# invocation, through the milter protocol alone (no MTA).
#
#   contrib/bench/run.sh [-c CONNS] [-n CONNECTIONS] [-m MSGS] [-r RCPTS]
#                        [-b BYTES] [-R REPEATS] [-k]
#
#   -c  concurrent milter connections (default 50)
#   -n  connections per measured run, one client host each (default 4000)
#   -m  messages per connection (default 5)
#   -r  recipients per message (default 1)
#   -b  body bytes per message (default 2000)
#   -R  measured runs per target, interleaved; the median is reported
#       (default 3)
#   -k  keep the work directory and print its name
#
# The targets, each driven the same way by contrib/bench/zm-load:
#   noop        contrib/bench/noop-milter: libmilter negotiating the steps
#               zombie-milter negotiates, accepting everything (the floor)
#   embedded    zombie-milter, default config, embedded store, SPF
#   redis       the same with Redis
#   redis+dnsbl the same with a DNSBL zone too, its answers cached
# A private redis-server and a private rbldnsd (the DNSBL zone
# xbl.zm-test.net, and bench.zm-test.net's SPF record) run on loopback.
# Every run uses client hosts of its own (198.18.0.0/15, so each sends -m
# messages and stays under the default limits: every decision is a plain
# accept), after a warm-up message from each of them: the DNSBL and SPF
# answers are cached, as for a customer who sends again.  Reported per
# target: messages/s (median of the runs) and its ratio to the floor's,
# latency from MAIL FROM to the end-of-message reply (p50, p99, p99.9, and
# p99 over the floor's), Redis round trips and commands per message,
# Redis CPU per message, and the DNS queries the measured runs sent.
# Nothing leaves loopback.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
conns=50 nconn=4000 msgs=5 rcpts=1 bytes=2000 repeats=3 keep=0
while getopts c:n:m:r:b:R:k opt; do
    case $opt in
    c) conns=$OPTARG ;; n) nconn=$OPTARG ;; m) msgs=$OPTARG ;;
    r) rcpts=$OPTARG ;; b) bytes=$OPTARG ;; R) repeats=$OPTARG ;;
    k) keep=1 ;;
    *) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
export ZM_KEEP=$keep
. "$top/t/lib/common.sh"
. "$top/t/lib/redis.sh"
. "$top/t/lib/rbldnsd.sh"
bdir=$ZM_BUILDDIR
load=$bdir/contrib/bench/zm-load
noop=$bdir/contrib/bench/noop-milter
if [ ! -x "$load" ] || [ ! -x "$noop" ] || [ ! -x "$ZM_BIN" ]; then
    echo "run.sh: build first (contrib/test.sh, or make -C $bdir)" >&2
    exit 1
fi
[ "$keep" = 1 ] && echo "work directory: $T"

# --- the peers ---------------------------------------------------------
zm_rbl_file xbl <<'EOF'
:127.0.0.4:Listed: $
127.0.0.2 :127.0.0.2:RFC 5782 test point
192.0.2.99
EOF
zm_rbl_file spf <<'EOF'
bench.zm-test.net TXT "v=spf1 ip4:198.18.0.0/15 -all"
EOF
zm_rbldnsd_start "xbl.zm-test.net:ip4set:xbl" "bench.zm-test.net:generic:spf" ||
    { echo "run.sh: rbldnsd did not start" >&2; exit 1; }
zm_redis_start || { echo "run.sh: redis-server did not start" >&2; exit 1; }

# --- the targets ---------------------------------------------------------
targets=(noop embedded redis redis+dnsbl)
declare -A port pid
start_target() {	# NAME
    local name=$1 p
    p=$(zm_free_port)
    port[$name]=$p
    if [ "$name" = noop ]; then
        "$noop" -p "inet:$p@127.0.0.1" 2>"$T/$name.log" &
    else
        {
            echo "socket = \"inet:$p@127.0.0.1\""
            echo 'log_level = "notice"'
            echo "dns_forwarders = { \"127.0.0.1@$ZM_RBL_PORT\" }"
            case $name in redis*) zm_redis_milter_conf ;; esac
            case $name in *dnsbl) printf '%s\n' 'dnsbl "xbl.zm-test.net" {' \
                'type = "ip"' 'codes = { "127.0.0.4 infected 100" }' '}' ;;
            esac
        } >"$T/$name.conf"
        "$ZM_BIN" -f -c "$T/$name.conf" 2>"$T/$name.log" &
    fi
    pid[$name]=$!
    zm_pids+=($!)
    zm_wait_port "$p" 10 || { echo "run.sh: $name did not start" >&2; exit 1; }
}
for t in "${targets[@]}"; do start_target "$t"; done

first=0
drive() {	# NAME WARMUP(0/1) -> the result line of zm-load
    local m=$msgs
    [ "$2" = 1 ] && m=1
    "$load" -q -s "127.0.0.1:${port[$1]}" -c "$conns" -n "$nconn" -m "$m" \
        -r "$rcpts" -b "$bytes" -p "$nconn" -P "$first" -w 0
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" | head -1; }

# CPU seconds a process has used (utime + stime, in clock ticks).
pcpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.4f", ($14 + $15) / hz }' "/proc/$1/stat"; }
cpu() { rcli INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.6f", s }'; }
declare -A results redis_cpu redis_cmds measured dnsq milter_cpu
for t in "${targets[@]}"; do
    redis_cpu[$t]=0; redis_cmds[$t]=0; measured[$t]=0; dnsq[$t]=0; milter_cpu[$t]=0
done
cmds() { rcli INFO commandstats | tr -d '\r' | awk -F'[:=,]' '/^cmdstat_/ && $1 !~ /info|config/ { s += $3 } END { print s + 0 }'; }

for ((rep = 1; rep <= repeats; rep++)); do
    for t in "${targets[@]}"; do
        drive "$t" 1 >/dev/null	# warm-up: one message from each host
        q0=$(zm_rbldnsd_queries '.*'); c0=$(cpu); k0=$(cmds); m0=$(pcpu "${pid[$t]}")
        line=$(drive "$t" 0)
        q1=$(zm_rbldnsd_queries '.*'); c1=$(cpu); k1=$(cmds); m1=$(pcpu "${pid[$t]}")
        milter_cpu[$t]=$(awk -v a="${milter_cpu[$t]}" -v b="$m0" -v c="$m1" 'BEGIN { print a + c - b }')
        first=$((first + nconn))
        results[$t]+="$line"$'\n'
        n=$(field msgs <<<"$line")
        measured[$t]=$((measured[$t] + n))
        dnsq[$t]=$((dnsq[$t] + q1 - q0))
        redis_cpu[$t]=$(awk -v a="${redis_cpu[$t]}" -v b="$c0" -v c="$c1" 'BEGIN { print a + c - b }')
        redis_cmds[$t]=$((redis_cmds[$t] + k1 - k0))
        bad=$(field errors <<<"$line")
        acc=$(sed -n 's/.*replies=accept:\([0-9]*\).*/\1/p' <<<"$line")
        if [ "$bad" != 0 ] || [ "$acc" != "$n" ]; then
            echo "run.sh: $t run $rep: not every message accepted: $line" >&2
        fi
    done
done

# Round trips: each zombie-milter counts its own and says so at exit.
for t in "${targets[@]}"; do kill -TERM "${pid[$t]}" 2>/dev/null; done
for t in "${targets[@]}"; do wait "${pid[$t]}" 2>/dev/null; done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med() {	# TARGET FIELD: the median of the target's runs
    printf '%s' "${results[$1]}" | while read -r l; do field "$2" <<<"$l"; done | median
}

echo "zombie-milter benchmark: $(uname -m), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "zm-load -c $conns -n $nconn -m $msgs -r $rcpts -b $bytes; $repeats runs per target, medians"
floor_rate=$(med noop rate)
floor_p99=$(med noop p99_ms)
printf '%-12s %9s %6s %7s %7s %8s %9s %9s %7s %7s %9s %5s\n' target msgs/s ratio p50_ms p99_ms p999_ms p99-floor milter_us rt/msg cmd/msg redis_us dns_q
for t in "${targets[@]}"; do
    rate=$(med "$t" rate)
    p99=$(med "$t" p99_ms)
    rt=-
    trips=$(sed -n 's/.*: \([0-9]*\) round trips, [0-9]* commands$/\1/p' "$T/$t.log" | tail -1)
    # round trips at exit count the warm-up messages too
    [ -n "$trips" ] && rt=$(awk -v a="$trips" -v m="$(( repeats * nconn * (msgs + 1) ))" 'BEGIN { printf "%.2f", a / m }')
    cmdm=- rcpu=-
    case $t in redis*)
        cmdm=$(awk -v a="${redis_cmds[$t]}" -v m="${measured[$t]}" 'BEGIN { printf "%.2f", a / m }')
        rcpu=$(awk -v a="${redis_cpu[$t]}" -v m="${measured[$t]}" 'BEGIN { printf "%.1f", 1e6 * a / m }') ;;
    esac
    printf '%-12s %9.0f %6.3f %7.3f %7.3f %8.3f %+9.3f %9.1f %7s %7s %9s %5s\n' "$t" "$rate" \
        "$(awk -v a="$rate" -v b="$floor_rate" 'BEGIN { print a / b }')" \
        "$(med "$t" p50_ms)" "$p99" "$(med "$t" p999_ms)" \
        "$(awk -v a="$p99" -v b="$floor_p99" 'BEGIN { print a - b }')" \
        "$(awk -v a="${milter_cpu[$t]}" -v m="${measured[$t]}" 'BEGIN { print 1e6 * a / m }')" \
        "$rt" "$cmdm" "$rcpu" "${dnsq[$t]}"
done
echo "milter_us: the milter's CPU per message in microseconds (/proc);"
echo "rt/msg: Redis round trips per message (the milter's count); cmd/msg: Redis"
echo "commands per message (INFO commandstats, calls inside scripts included);"
echo "redis_us: Redis CPU per message in microseconds (INFO cpu); dns_q: DNS"
echo "queries rbldnsd saw during the measured runs (all answers were cached)."
