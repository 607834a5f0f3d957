#!/usr/bin/env bash
# contrib/bench/redis-cost.sh -- what zombie-milter costs Redis.
#
#   contrib/bench/redis-cost.sh [HOSTS] [MSGS_PER_HOST]   (default 20000 1)
#
# Starts a private redis-server and the milter (build/zombie-milter, Redis
# store) on free loopback ports, sends MSGS_PER_HOST one-recipient
# messages from each of HOSTS hosts, and reports from Redis's INFO:
#   commands per message (commandstats, calls made inside the window
#   script included), round trips per message (the milter's own count,
#   logged at exit), and used_memory per tracked host.
# Nothing leaves loopback.  Needs redis-server, python3 and a build.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
hosts=${1:-20000}
per_host=${2:-1}
bin=${ZM_BIN:-$top/build/zombie-milter}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port)
mport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" &
cli() { redis-cli -p "$rport" "$@"; }
until [ "$(cli PING 2>/dev/null)" = PONG ]; do sleep 0.05; done

cat >"$dir/zm.conf" <<CONF
socket = "inet:$mport@127.0.0.1"
redis = "127.0.0.1:$rport"
log_level = "notice"
spf = false     # SPF would ask the world's DNS about the test senders
CONF
"$bin" -f -c "$dir/zm.conf" 2>"$dir/milter.log" &
mpid=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$mport") 2>/dev/null; do sleep 0.05; done

cli CONFIG RESETSTAT >/dev/null
mem0=$(cli INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
python3 "$top/contrib/bench/milter_load.py" "$mport" "$hosts" "$per_host" 1
mem1=$(cli INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
keys=$(cli DBSIZE)
msgs=$((hosts * per_host))
kill -TERM "$mpid"; wait "$mpid" || true
trips=$(sed -n 's/.*: \([0-9]*\) round trips, \([0-9]*\) commands$/\1 \2/p' "$dir/milter.log")
echo "messages:            $msgs from $hosts hosts ($per_host each, 1 recipient)"
echo "keys in Redis:       $keys"
cli INFO commandstats | tr -d '\r' | awk -F'[:=,]' -v m="$msgs" \
    '/^cmdstat_/ { printf "  %-20s %8d calls  %.2f per message\n", substr($1, 9), $3, $3 / m }'
set -- $trips
echo "round trips:         $1 ($(awk -v a="$1" -v m="$msgs" 'BEGIN { printf "%.2f", a / m }') per message), $2 commands sent by the milter"
echo "used_memory:         $mem0 -> $mem1 bytes, $(( (mem1 - mem0) / hosts )) bytes per tracked host"
