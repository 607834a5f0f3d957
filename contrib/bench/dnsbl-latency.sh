#!/usr/bin/env bash
# contrib/bench/dnsbl-latency.sh -- what a DNSBL lookup adds to a message.
#
#   contrib/bench/dnsbl-latency.sh [HOSTS]     (default 2000)
#
# Starts a private rbldnsd serving one IP zone (every tenth test host
# listed) and two milters (build/zombie-milter, embedded store): one
# without DNSBLs, one with the zone.  Each of HOSTS hosts sends one
# message per connection: through the first milter (the baseline), then
# twice through the second, first with an empty cache (one DNS round trip
# to rbldnsd, started at CONNECT) and again (answered from the in-process
# cache).  Prints the per-message latency of each run, from CONNECT to
# the end-of-message reply.  Nothing leaves loopback.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
hosts=${1:-2000}
bin=${ZM_BIN:-$top/build/zombie-milter}
dir=$(mktemp -d)
chmod 755 "$dir"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
free_port() {
    python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.$1); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"
}

zone=xbl.bench.zm-test.net
{
    echo ':127.0.0.4:listed'
    echo '127.0.0.2 :127.0.0.2:RFC 5782 test point'
    for ((h = 0; h < hosts; h += 10)); do
        echo "198.$((18 + (h >> 16))).$(((h >> 8) & 255)).$((h & 255))"
    done
} >"$dir/zone"
chmod 644 "$dir/zone"
dport=$(free_port SOCK_DGRAM)
rbldnsd -n -b "127.0.0.1/$dport" -w "$dir" -t 35m -c 0 "$zone:ip4set:zone" \
    >"$dir/rbldnsd.log" 2>&1 &

milter() {	# NAME PORT [CONFIG LINES...]
    local name=$1 port=$2
    shift 2
    { echo "socket = \"inet:$port@127.0.0.1\""; echo 'log_level = "notice"'
      echo 'spf = false'	# no DNS beyond the private rbldnsd
      printf '%s\n' "$@"; } >"$dir/$name.conf"
    "$bin" -f -c "$dir/$name.conf" 2>"$dir/$name.log" &
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.05; done
}
bport=$(free_port SOCK_STREAM)
milter plain "$bport"
zport=$(free_port SOCK_STREAM)
milter dnsbl "$zport" "dns_forwarders = { \"127.0.0.1@$dport\" }" \
    "dnsbl \"$zone\" { type = \"ip\" codes = { \"127.0.0.4 infected 1\" } }"

load() { python3 "$top/contrib/bench/milter_load.py" "$1" "$hosts" 1 1 | sed -n 's/^first message */  /p'; }
echo "$hosts hosts, one message each, per-message latency:"
echo "no DNSBL:";                 load "$bport"
echo "DNSBL, uncached lookup:";   load "$zport"
echo "DNSBL, cached lookup:";     load "$zport"
grep -q "down" "$dir/dnsbl.log" && { echo "zone marked down:"; cat "$dir/dnsbl.log"; exit 1; }
exit 0
