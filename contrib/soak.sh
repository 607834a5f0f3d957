#!/usr/bin/env bash
# contrib/soak.sh -- many customers through a real Postfix, for minutes,
# while a schedule of faults runs; then the accounting.
#
#   contrib/soak.sh [-m MESSAGES] [-H HOSTS] [-r RATE] [-w WORKERS] [-k]
#
#   -m  messages to send (default 20000)
#   -H  customer hosts, XCLIENT addresses (default 2000; 1 in 10 IPv6,
#       2 in 100 listed in the DNSBL)
#   -r  messages a second, steady (default 50)
#   -w  client threads (default 20)
#   -k  keep the work directory (logs, replies, samples) and print its name
#
# A private redis-server (append-only file, fsync always, so that a
# kill -9 loses nothing acknowledged), a private rbldnsd (the DNSBL
# xbl.zm-test.net and the senders' SPF record), a private Postfix relaying
# to smtp-sink with milter_default_action = tempfail, and zombie-milter
# on the shipped sample configuration (etc/zombie-milter.conf) with only
# its socket, Redis, DNS forwarders and a DNSBL set.  t/lib/soakdrive.py
# sends the messages, each host in its own stretch of the run.  At fixed
# fractions of the run:
#
#   0.05 SIGHUP                    0.35 DEBUG SLEEP 2 s
#   0.10 milter kill -9 mid-DATA,  0.45 Redis kill -9, restarted 2 s later
#        restarted                 0.55 rbldnsd stopped, restarted 5 s later
#   0.17 SIGTERM, restarted        0.65 SIGHUP
#   0.25 CLIENT PAUSE 3 s          0.85 SIGHUP
#
# (the milter's restarts come first, so that its last life is long)
# Asserted (TAP), when the queue has drained:
#   - every message the client saw accepted (250) reached smtp-sink, and
#     nothing else did: 0 lost, 0 invented;
#   - every refusal carries one of the milter's reply texts, or Postfix's
#     milter-unavailable text (milter_default_action = tempfail); the
#     message cut by the kill -9 mid-DATA got the latter;
#   - the milter never died but where the schedule killed it, and no
#     sanitizer reported;
#   - its RSS and open descriptors (sessions from Postfix left out) after
#     warm-up stay within 10%: in its longest life, the first half is
#     warm-up (threads' arenas, caches filling with new hosts), and the
#     median of the last quarter is within 10% of the third quarter's;
#   - for each host that sent only outside the Redis and milter faults
#     (each from its start until the milter logs "answering again", or is
#     listening again), and whose messages were all accepted, zm:rate:HOST
#     holds exactly its accepted messages (the 24-hour window).
# The figures (outcomes, fault timeline, RSS and descriptor samples) are
# printed as diagnostics.  The suite runs a short form (t/soak/).
#
# Needs root and the packages of `contrib/deps.sh test`; a build
# (ZM_BUILDDIR, default build/).  Loopback only; everything is stopped
# and removed at exit.
set -uo pipefail
export PYTHONDONTWRITEBYTECODE=1	# nothing written into t/lib

ZM_TOP=$(cd "$(dirname "$0")/.." && pwd)
export ZM_TOP
. "$ZM_TOP/t/lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/lib/rbldnsd.sh"
. "$ZM_TOP/t/lib/postfix.sh"

messages=20000 hosts=2000 rate=50 workers=20
while getopts m:H:r:w:k o; do
    case $o in
    m) messages=$OPTARG ;;
    H) hosts=$OPTARG ;;
    r) rate=$OPTARG ;;
    w) workers=$OPTARG ;;
    k) ZM_KEEP=1 ;;
    *) sed -n '3,12s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done

zm_e2e_require rbldnsd redis-server redis-cli
DRIVE=$ZM_TOP/t/lib/soakdrive.py
URL=https://support.zm-test.example/soak
PF_TEXT="4.7.1 Service unavailable - try again later"
dur=$(awk -v m="$messages" -v r="$rate" 'BEGIN { printf "%d", m / r }')
diag "soak: $messages messages from $hosts hosts at $rate/s (${dur} s), $workers client threads; $ZM_BIN"

die() { ok 1 "$*"; plan "$zm_ntest"; zm_done; }
now() { awk -v t0="$t0" -v t="$EPOCHREALTIME" 'BEGIN { printf "%.1f", t - t0 }'; }
t0=$EPOCHREALTIME

# --- the customers and the DNS server ------------------------------------

python3 "$DRIVE" hosts --hosts "$hosts" --out "$T/hosts" || die "hosts plan"
soa='$SOA 3600 ns.zm-test.net. hostmaster.zm-test.net. 1 3600 600 86400 3600'
{ echo "$soa"; echo ':127.0.0.2:listed: infected'
  echo '127.0.0.2 :127.0.0.2:RFC 5782 test point'
  awk '$3 == 1 && $1 !~ /:/ { print $1 }' "$T/hosts"; } | zm_rbl_file xbl4
{ echo ':127.0.0.2:listed: infected'
  awk '$3 == 1 && $1 ~ /:/ { print $1 }' "$T/hosts"; } | zm_rbl_file xbl6
{ echo "$soa"
  echo '@ TXT "v=spf1 ip4:198.18.0.0/15 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"'; } |
    zm_rbl_file spf
rbl_zones=(xbl.zm-test.net:ip4set:xbl4 xbl.zm-test.net:ip6trie:xbl6
    soak.zm-test.net:generic:spf)
zm_rbldnsd_start "${rbl_zones[@]}" || die "rbldnsd"

redis_args=(--appendonly yes --appendfsync always --enable-debug-command local)
zm_redis_start "${redis_args[@]}" || die "redis-server"

zm_e2e_rig 'mynetworks=127.0.0.0/8 192.0.2.0/24 198.18.0.0/15 [2001:db8::]/32' ||
    die "Postfix and smtp-sink"

# --- the milter: the sample configuration, five settings changed ---------

conf=$T/zombie-milter.conf
set_opt() {	# NAME VALUE: replace the sample's one line "NAME = ..."
    [ "$(grep -c "^$1 = " "$conf")" = 1 ] || die "sample config: no single '$1 = ' line"
    NAME=$1 VALUE=$2 perl -i -pe 's/^\Q$ENV{NAME}\E = .*/$ENV{NAME} = $ENV{VALUE}/' "$conf"
}
cp "$ZM_TOP/etc/zombie-milter.conf" "$conf"
set_opt socket "\"inet:$ZM_MILTER_PORT@127.0.0.1\""
set_opt support_url "\"$URL\""
set_opt dns_forwarders "{ \"127.0.0.1@$ZM_RBL_PORT\" }"
while read -r l; do set_opt "${l%% = *}" "${l#* = }"; done < <(zm_redis_milter_conf)
cat >>"$conf" <<EOF
dnsbl "xbl.zm-test.net" {
    type = "ip"
    codes = { "127.0.0.2 infected 100" }
}
EOF
"$ZM_BIN" -n -c "$conf" >"$T/check.out" 2>&1 || die "zombie-milter -n: $(cat "$T/check.out")"
texts=()	# the milter's three reply texts, %u expanded
for o in reply_tempfail reply_reject reply_quarantine; do
    texts+=("$(sed -n "s/^$o = \"\(.*\)\"/\1/p" "$conf" | sed "s|%u|$URL|g")")
done

MLOG=$T/milter.log
mpid=
life=0
: >"$T/exits"
milter_start() {
    life=$((life + 1))
    "$ZM_BIN" -f -c "$conf" 2>>"$MLOG" &
    mpid=$!
    zm_pids+=("$mpid")
    echo "$life $mpid $(now)" >>"$T/lives"
    zm_wait_port "$ZM_MILTER_PORT" 10 || die "the milter did not start: $(tail -5 "$MLOG")"
}
# milter_reap CAUSE: wait for the milter's exit, note its status
milter_reap() {
    local rc
    { wait "$mpid"; } 2>/dev/null; rc=$?
    echo "$life $1 $rc" >>"$T/exits"
    zm_forget "$mpid"
    mpid=
}
milter_start

# --- samples: RSS and descriptors, every 2 s -----------------------------

sessions() {	# established connections to the milter's port
    awk -v p="$(printf ':%04X' "$ZM_MILTER_PORT")" \
        '$4 == "01" && substr($2, length($2) - 4) == p { n++ } END { print n + 0 }' \
        /proc/net/tcp /proc/net/tcp6
}
sampler() {
    local p rss fds
    while :; do
        p=$(tail -1 "$T/lives" | awk '{ print $1, $2 }')
        set -- $p
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$2/status" 2>/dev/null)
        fds=$(ls "/proc/$2/fd" 2>/dev/null | wc -l)
        [ -n "$rss" ] && echo "$(now) $1 $rss $fds $(sessions)" >>"$T/samples"
        sleep 2
    done
}
sampler &
zm_pids+=($!)

# --- the run and its faults ----------------------------------------------

mkdir -p "$T/ctl"
python3 "$DRIVE" run --port "$ZM_PF_PORT" --hosts-file "$T/hosts" \
    --messages "$messages" --rate "$rate" --workers "$workers" \
    --ctl "$T/ctl" --out "$T/replies.jsonl" 2>"$T/drive.err" &
dpid=$!
zm_pids+=($dpid)
# the driver's clock: fault times are on it
for ((i = 0; i < 200; i++)); do [ -s "$T/ctl/t0" ] && break; sleep 0.05; done
tr0=$(cat "$T/ctl/t0" 2>/dev/null) || die "the driver did not start: $(cat "$T/drive.err")"

at() {	# FRACTION: sleep until that part of the run
    local s
    s=$(awk -v f="$1" -v d="$dur" -v t0="$tr0" -v t="$EPOCHREALTIME" \
        'BEGIN { s = t0 + f * d - t; print (s > 0 ? s : 0) }')
    sleep "$s"
}
rnow() { awk -v t0="$tr0" -v t="$EPOCHREALTIME" 'BEGIN { printf "%.1f", t - t0 }'; }
fault() {	# KIND NAME START: a fault window, from START until now
    echo "$1 $2 $3 $(rnow)" >>"$T/faults"
}
nlines() { LC_ALL=C grep -ac -- "$1" "$MLOG"; }
# wait_log FIXED N SECONDS: until the milter log has N lines with FIXED
wait_log() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        [ "$(nlines "$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
hup() {
    local n s
    n=$(nlines 'reload: config')
    s=$(rnow)
    kill -HUP "$mpid"
    wait_log 'reload: config' $((n + 1)) 10 || diag "no reload line after SIGHUP"
    fault reload "$1" "$s"
}
# redis_fault NAME COMMAND...: run the fault; it lasts until the milter
# logs that Redis answers again
redis_fault() {
    local name=$1 s n
    shift
    n=$(nlines 'answering again')
    s=$(rnow)
    "$@"
    wait_log 'answering again' $((n + 1)) 60 || diag "$name: Redis not answering again after 60 s"
    fault redis "$name" "$s"
}
redis_kill_restart() {
    zm_redis_kill; sleep 2
    zm_redis_start "${redis_args[@]}" || diag "redis-server did not come back"
}

at 0.05; hup sighup-1
at 0.10
s=$(rnow); touch "$T/ctl/middata"
for ((i = 0; i < 200; i++)); do [ -f "$T/ctl/middata.ready" ] && break; sleep 0.05; done
[ -f "$T/ctl/middata.ready" ] || diag "the probe did not reach the middle of DATA"
kill -KILL "$mpid"; milter_reap kill-9-mid-data
touch "$T/ctl/middata.go"; sleep 1
milter_start; fault milter kill-9-mid-data "$s"
at 0.17
s=$(rnow); ts=$EPOCHREALTIME; kill -TERM "$mpid"; milter_reap sigterm
term_ms=$(awk -v a="$ts" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
milter_start; fault milter sigterm "$s"
at 0.25; redis_fault client-pause eval 'rcli CLIENT PAUSE 3000 ALL >/dev/null; sleep 3'
at 0.35; redis_fault debug-sleep eval 'rcli DEBUG SLEEP 2 >/dev/null'
at 0.45; redis_fault redis-kill-9 redis_kill_restart
at 0.55
s=$(rnow); zm_rbldnsd_stop; sleep 5
zm_rbldnsd_restart || diag "rbldnsd did not come back"
fault dns rbldnsd-stopped "$s"
at 0.65; hup sighup-2
at 0.85; hup sighup-3
touch "$T/ctl/stop"	# the driver ends once every message is sent

wait "$dpid"; drc=$?
run_s=$(rnow)
zm_postfix_wait_drained 120 || diag "the queue did not drain in 120 s"
kill -TERM "$mpid"; milter_reap end

# --- the accounting -------------------------------------------------------

R=$T/replies.jsonl
is "$drc" 0 "the client ran to the end"
diag "$(cat "$T/drive.err")"
is "$(grep -c '"id": "h' "$R")" "$messages" "every message of the $messages got a reply or an error"

accepted() { python3 - "$R" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["stage"] == "eom" and r["code"] == 250:
        print(r["id"])
EOF
}
accepted | sort >"$T/accepted"
grep -rh --include='msg.*' '^X-ZM-Test-Id:' "$ZM_SINK_DIR" | awk '{ print $2 }' |
    sort >"$T/delivered"
is "$(zm_postfix_queue_count)" 0 "Postfix's queue is empty"
is "$(comm -23 "$T/accepted" "$T/delivered" | wc -l)" 0 \
    "0 lost: each of the $(wc -l <"$T/accepted") accepted messages reached the sink"
is "$(comm -13 "$T/accepted" "$T/delivered" | wc -l)" 0 "nothing reached the sink that was not accepted"
is "$(uniq -d "$T/delivered" | wc -l)" 0 "no message delivered twice"

printf '%s\n' "${texts[@]}" "$PF_TEXT" >"$T/texts"
unexplained=$(python3 - "$R" "$T/texts" <<'EOF'
import json, sys
texts = [t.rstrip("\n") for t in open(sys.argv[2]) if t.strip()]
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["stage"] == "eom" and r["code"] == 250:
        continue
    if r["code"] >= 400 and any(t in r["text"] for t in texts):
        continue
    print("%s %s %s %03d %s" % (r["id"], r["host"], r["stage"], r["code"], r["text"]))
EOF
)
is "$(printf '%s' "$unexplained" | grep -c .)" 0 \
    "every refusal carries the milter's reply text or Postfix's milter-unavailable text"
[ -n "$unexplained" ] && diag "$(printf '%s\n' "$unexplained" | head -20)"
probe=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["id"].startswith("probe"):
        print("%s %03d %s" % (r["stage"], r["code"], r["text"]))' "$R")
like "$probe" "^eom 4[0-9][0-9] $PF_TEXT\$" \
    "the message cut by the kill -9 mid-DATA: Postfix's tempfail at end of data"

is "$(cut -d' ' -f2,3 "$T/exits" | paste -sd' ')" "kill-9-mid-data 137 sigterm 0 end 0" \
    "the milter exited only where the schedule made it (kill -9, SIGTERM, the end)"
zm_file_lacks "$MLOG" "$ZM_SANITIZER_RE" "no sanitizer report"
zm_file_count "$MLOG" 'reload: config' 3 "three SIGHUP reloads, each logged"

# RSS and descriptors: the life with the most samples, after its warm-up
life_n=$(awk '{ print $2 }' "$T/samples" | sort | uniq -c | sort -nr | awk 'NR == 1 { print $2 }')
flat=$(awk -v life="$life_n" '
    function median(a, n,   i, j, x) {
        for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        return n ? a[int((n + 1) / 2)] : 0 }
    $2 == life { n++; rss[n] = $3; fd[n] = $4 - $5 }
    END {
        for (i = int(n / 2) + 1; i <= int(3 * n / 4); i++) { w++; rw[w] = rss[i]; fw[w] = fd[i] }
        for (i = int(3 * n / 4) + 1; i <= n; i++) { e++; re[e] = rss[i]; fe[e] = fd[i] }
        printf "%d %d %d %d %d\n", n, median(rw, w), median(re, e), median(fw, w), median(fe, e)
    }' "$T/samples")
read -r nsamp rss_w rss_e fd_w fd_e <<<"$flat"
diag "milter life $life_n: $nsamp samples; RSS (medians) $rss_w kB in its third quarter, $rss_e kB in its last; descriptors (sessions left out) $fd_w, then $fd_e"
within10() { awk -v a="$1" -v b="$2" -v n="$nsamp" 'BEGIN { exit !(n >= 6 && b <= a * 1.1 && b >= a * 0.9) }'; echo $?; }
# a sanitizer's runtime grows on its own (ASan's quarantine of freed
# memory, TSan's shadow and history): RSS means something only without
sanitized=$(nm "$ZM_BIN" 2>/dev/null | grep -cE ' __(asan|tsan)_init$')
if [ "$sanitized" = 0 ]; then
    ok "$(within10 "$rss_w" "$rss_e")" "RSS flat after warm-up (within 10%): $rss_w kB, then $rss_e kB"
else
    zm_ntest=$((zm_ntest + 1))
    echo "ok $zm_ntest # skip RSS under a sanitizer (it was $rss_w kB, then $rss_e kB)"
fi
ok "$(within10 "$fd_w" "$fd_e")" "descriptors flat after warm-up (within 10%): $fd_w, then $fd_e"

# Redis: the hosts no Redis or milter fault touched, and none the milter
# decided with its fallback all the same (a timeout of its own)
python3 - "$R" "$T/faults" "$MLOG" >"$T/clean" 2>"$T/clean.err" <<'EOF'
import ipaddress, json, re, sys
fell = set()
for l in open(sys.argv[3], errors="replace"):
    m = re.search(r" action=\S+ host=(\S+) .*fallback=", l)
    if m:
        fell.add(m.group(1))
faults = []
for l in open(sys.argv[2]):
    kind, name, s, e = l.split()
    if kind in ("redis", "milter"):
        faults.append((float(s) - 0.5, float(e) + 1.0))
per = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["id"].startswith("h"):
        per.setdefault(r["host"], []).append(r)
for addr, rs in sorted(per.items()):
    if any(not (r["stage"] == "eom" and r["code"] == 250) for r in rs):
        continue
    if any(r["t0"] <= e and r["t1"] >= s for r in rs for s, e in faults):
        continue
    key = addr
    if ":" in addr:
        key = str(ipaddress.ip_network(addr + "/64", strict=False))
    if key in fell:
        sys.stderr.write("%s: decided with the fallback outside the faults\n" % key)
        continue
    print(key, len(rs))
EOF
[ -s "$T/clean.err" ] && diag "$(head -5 "$T/clean.err")"
awk '{ print "HGET zm:rate:" $1 " c" }' "$T/clean" | redis-cli -h 127.0.0.1 -p "$ZM_REDIS_PORT" --raw |
    awk -F: '{ print $2 + 0 }' >"$T/clean.redis"
nclean=$(wc -l <"$T/clean")
bad=$(paste -d' ' "$T/clean" "$T/clean.redis" | awk '$2 != $3')
ok "$( [ "$nclean" -ge $((hosts / 10)) ] && [ -z "$bad" ]; echo $?)" \
    "zm:rate:HOST = its accepted messages for each of the $nclean hosts no fault touched (at least a tenth of the hosts)"
[ -n "$bad" ] && diag "host accepted redis: $(printf '%s\n' "$bad" | head -10 | paste -sd';')"

# --- the figures ----------------------------------------------------------

diag "outcomes: $(python3 -c '
import collections, json, sys
c = collections.Counter()
for l in open(sys.argv[1]):
    r = json.loads(l)
    c["%s %03d" % (r["stage"], r["code"])] += 1
print(", ".join("%s: %d" % kv for kv in sorted(c.items())))' "$R")"
diag "run ${run_s} s; SIGTERM took $term_ms ms; $(wc -l <"$T/samples") samples"
while read -r kind name s e; do
    diag "fault $name ($kind): from $s s to $e s"
done <"$T/faults"
diag "samples (s life rss_kB fds sessions): $(awk 'NR % 10 == 1 { printf "%s%s/%s/%s/%s/%s", sep, $1, $2, $3, $4, $5; sep = " " }' "$T/samples")"
plan "$zm_ntest"
zm_done
