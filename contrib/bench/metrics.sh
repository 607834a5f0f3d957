#!/usr/bin/env bash
# contrib/bench/metrics.sh -- does scraping the metrics slow decisions?
#
#   contrib/bench/metrics.sh [-c CONNS] [-n CONNECTIONS] [-m MSGS]
#                            [-R REPEATS] [-i INTERVAL]
#
#   -c  concurrent milter connections (default 50)
#   -n  connections per measured run, one client host each (default 4000)
#   -m  messages per connection (default 5)
#   -R  measured runs of each kind, interleaved, each kind first every
#       other time; medians reported (default 6)
#   -i  seconds between scrapes in the scraped runs (default 0.1: 150
#       times Prometheus's usual 15 s)
#
# One zombie-milter with Redis, a DNSBL (rbldnsd) and metrics_listen,
# driven by contrib/bench/zm-load through the milter protocol as
# contrib/bench/run.sh drives its redis+dnsbl target (fresh hosts for
# every run, each warmed up by one message).  Runs alternate: "quiet",
# nobody scrapes; "scraped", a client scrapes /metrics every INTERVAL
# over one kept-alive HTTP connection.  Reported: messages/s and the
# latency from MAIL FROM to the end-of-message reply (p50, p99) of each
# kind (medians of the runs), scraped / quiet for each, and how many
# scrapes the scraped runs made and how long one took.  Nothing leaves
# loopback.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
conns=50 nconn=4000 msgs=5 repeats=6 interval=0.1
while getopts c:n:m:R:i: opt; do
    case $opt in
    c) conns=$OPTARG ;; n) nconn=$OPTARG ;; m) msgs=$OPTARG ;;
    R) repeats=$OPTARG ;; i) interval=$OPTARG ;;
    *) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
. "$top/t/lib/common.sh"
. "$top/t/lib/redis.sh"
. "$top/t/lib/rbldnsd.sh"
load=$ZM_BUILDDIR/contrib/bench/zm-load
if [ ! -x "$load" ] || [ ! -x "$ZM_BIN" ]; then
    echo "metrics.sh: build first (contrib/test.sh, or make -C $ZM_BUILDDIR)" >&2
    exit 1
fi

zm_rbl_file xbl <<'EOF'
:127.0.0.4:Listed: $
127.0.0.2 :127.0.0.2:RFC 5782 test point
192.0.2.99
EOF
zm_rbldnsd_start "xbl.zm-test.net:ip4set:xbl" ||
    { echo "metrics.sh: rbldnsd did not start" >&2; exit 1; }
zm_redis_start || { echo "metrics.sh: redis-server did not start" >&2; exit 1; }
mport=$(zm_free_port)
zm_milter_conf "$T/zm.conf" "$(zm_free_port)" 'log_level = "notice"' \
    "dns_forwarders = { \"127.0.0.1@$ZM_RBL_PORT\" }" "$(zm_redis_milter_conf)" \
    'dnsbl "xbl.zm-test.net" {' 'type = "ip"' 'codes = { "127.0.0.4 infected 100" }' '}' \
    "metrics_listen = \"127.0.0.1:$mport\""
zm_start_milter "$T/zm.conf" || { echo "metrics.sh: the milter did not start" >&2; exit 1; }

# The scraper: GET /metrics every INTERVAL until killed; READY-FILE is
# made after the first scrape; at the end (on SIGTERM) one line
# "scrapes=N ms=MEDIAN".
cat >"$T/scrape.py" <<'PYEOF'
import http.client, signal, statistics, sys, time
port, interval, ready = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
took = []
def done(*_):
    print("scrapes=%d ms=%.2f" % (len(took), statistics.median(took) if took else 0))
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
while True:
    t0 = time.monotonic()
    c.request("GET", "/metrics")
    r = c.getresponse()
    if r.status != 200 or not r.read().startswith(b"# HELP"):
        print("scrape answered %d" % r.status, file=sys.stderr)
        sys.exit(1)
    took.append((time.monotonic() - t0) * 1000)
    if len(took) == 1:
        open(ready, "w").close()
    time.sleep(interval)
PYEOF

first=0
drive() {	# WARMUP(0/1) -> zm-load's result line
    local m=$msgs
    [ "$1" = 1 ] && m=1
    "$load" -q -s "127.0.0.1:$ZM_PORT" -c "$conns" -n "$nconn" -m "$m" \
        -p "$nconn" -P "$first" -w 0
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" | head -1; }
declare -A results
scrapes=
for ((rep = 1; rep <= repeats; rep++)); do
    # each kind goes first every other time: later runs meet a fuller
    # Redis and a warmer cache
    order="quiet scraped"
    [ $((rep % 2)) = 0 ] && order="scraped quiet"
    for kind in $order; do
        drive 1 >/dev/null
        if [ "$kind" = scraped ]; then
            rm -f "$T/ready"
            python3 "$T/scrape.py" "$mport" "$interval" "$T/ready" >>"$T/scrapes" &
            spid=$!
            for ((i = 0; i < 200; i++)); do [ -e "$T/ready" ] && break; sleep 0.05; done
        fi
        line=$(drive 0)
        first=$((first + nconn))
        if [ "$kind" = scraped ]; then
            kill -TERM "$spid"; wait "$spid" || echo "metrics.sh: a scrape failed" >&2
        fi
        results[$kind]+="$line"$'\n'
        n=$(field msgs <<<"$line")
        acc=$(sed -n 's/.*replies=accept:\([0-9]*\).*/\1/p' <<<"$line")
        if [ "$(field errors <<<"$line")" != 0 ] || [ "$acc" != "$n" ]; then
            echo "metrics.sh: $kind run $rep: not every message accepted: $line" >&2
        fi
    done
done
zm_stop_milter || echo "metrics.sh: the milter did not exit 0" >&2

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med() { printf '%s' "${results[$1]}" | while read -r l; do field "$2" <<<"$l"; done | median; }
echo "zombie-milter metrics benchmark: $(uname -m), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "zm-load -c $conns -n $nconn -m $msgs; Redis and a DNSBL; $repeats runs of each kind, interleaved, medians"
printf '%-8s %9s %8s %8s\n' kind msgs/s p50_ms p99_ms
for kind in quiet scraped; do
    printf '%-8s %9.0f %8.3f %8.3f\n' "$kind" "$(med "$kind" rate)" \
        "$(med "$kind" p50_ms)" "$(med "$kind" p99_ms)"
done
ratio() { awk -v a="$(med scraped "$1")" -v b="$(med quiet "$1")" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
echo "scraped/quiet: msgs/s $(ratio rate), p50 $(ratio p50_ms), p99 $(ratio p99_ms)"
printf 'scrapes: %d in the scraped runs, every %s s; one took %.2f ms (median of the runs)\n' \
    "$(awk -F'[= ]' '{ n += $2 } END { print n + 0 }' "$T/scrapes")" "$interval" \
    "$(sed -n 's/.* ms=//p' "$T/scrapes" | median)"
