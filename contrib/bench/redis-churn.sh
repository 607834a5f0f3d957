#!/usr/bin/env bash
# contrib/bench/redis-churn.sh -- a botnet's churn against Redis: many
# distinct hosts, one message each; does every key the milter writes
# expire, and does Redis give its memory back?
#
#   contrib/bench/redis-churn.sh [HOSTS]        (default 1000000)
#
# A private redis-server and the milter (Redis store; one window of 60 s,
# behaviour_window and bulk_window 60 s, the shortest allowed, so that the
# keys live 70 s at most; SPF off, no DNSBL) on free loopback ports;
# contrib/bench/zm-load sends one message from each of HOSTS IPv6 hosts,
# each a /56 of its own (zm:rate keys for its /64 and its /56, a body of
# its own: a zm:fp key), 20 connections at a time.  Every 5 s, and until
# the last key is gone, one line:
#
#   t=SECONDS keys=N expiring=N used_memory=BYTES
#
# from INFO keyspace (keys, and keys with a TTL) and INFO memory.  Then
# one summary line.  Exit status 1 if a sample ever held a key without a
# TTL, if keys were left 120 s after the last message, or if used_memory
# did not come back within 1 MB of where it started, or if the milter did
# not exit 0 (a sanitizer build's report); 0 otherwise.
# Nothing leaves loopback.  Needs redis-server and a build (ZM_BUILDDIR).
set -uo pipefail
. "$(dirname "$0")/bench.sh"
hosts=${1:-1000000}
rport=$(free_port)
mport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" &
cli() { redis-cli -p "$rport" "$@"; }
wait_until 10 redis_up || exit 1
cat >"$dir/zm.conf" <<EOF
socket = "inet:$mport@127.0.0.1"
redis = "127.0.0.1:$rport"
log_level = "notice"
spf = false
window "1m" {
    length = 60
    buckets = 6
    messages = 1000
    recipients = 1000
    points = 100
}
behaviour_window = 60
bulk_window = 60
EOF
"$bin" -f -c "$dir/zm.conf" 2>"$dir/zm.log" &
mpid=$!
wait_until 10 milter_up || { tail -20 "$dir/zm.log" >&2; exit 1; }

t0=$(date +%s.%N)
sample() {	# prints "t=... keys=N expiring=N used_memory=B"
    local ks mem
    ks=$(cli INFO keyspace | tr -d '\r' | sed -n 's/^db0:keys=\([0-9]*\),expires=\([0-9]*\).*/\1 \2/p')
    mem=$(cli INFO memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)/\1/p')
    set -- ${ks:-0 0}
    echo "t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') keys=$1 expiring=$2 used_memory=$mem"
}
mem0=$(cli INFO memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)/\1/p')
sample
"$load" -s "127.0.0.1:$mport" -6 -c 20 -n "$hosts" -m 1 -r 1 -b 500 \
    -p "$hosts" -q >"$dir/load.out" 2>&1 &
lpid=$!
while kill -0 "$lpid" 2>/dev/null; do
    sample | tee -a "$dir/samples"
    sleep 5
done
wait "$lpid"; lrc=$?
tl=$(date +%s)
echo "load: $(grep '^msgs=' "$dir/load.out" || cat "$dir/load.out")"
while :; do
    line=$(sample)
    echo "$line" | tee -a "$dir/samples"
    case $line in *" keys=0 "*) break ;; esac
    [ $(($(date +%s) - tl)) -ge 120 ] && break
    sleep 5
done
mem1=$(cli INFO memory | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)/\1/p')
stop_milter "$mpid" "$dir/zm.log"; mrc=$?
awk -v hosts="$hosts" -v m0="$mem0" -v m1="$mem1" -v lrc="$lrc" -v mrc="$mrc" \
    -v after="$(($(date +%s) - tl))" '
    { split($2, k, "="); split($3, e, "="); split($4, u, "=")
      if (k[2] != e[2]) bad++
      if (k[2] > maxk) maxk = k[2]
      if (u[2] > maxm) maxm = u[2]
      last = k[2] }
    END {
        printf "churn: %d hosts; at most %d keys, %.1f MB used; keys without a TTL in %d samples; %d keys left %d s after the last message; used_memory %.1f MB before, %.1f MB after\n",
            hosts, maxk, maxm / 1e6, bad, last, after, m0 / 1e6, m1 / 1e6
        exit !(lrc == 0 && mrc == 0 && bad == 0 && last == 0 && m1 - m0 < 1e6)
    }' "$dir/samples"
