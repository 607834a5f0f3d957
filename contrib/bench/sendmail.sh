#!/usr/bin/env bash
# contrib/bench/sendmail.sh -- what a milter costs Sendmail, end to end.
#
#   contrib/bench/sendmail.sh [-s SESSIONS] [-m MESSAGES] [-n REPEATS]
#       [-w WARMUP] [-t TARGETS]
#
#   -s  parallel SMTP sessions of smtp-source (default 20)
#   -m  messages per measured run (default 2000), one session each
#   -n  measured runs per target; the median is reported (default 3)
#   -w  messages of the warm-up run each target gets first (default 100)
#   -t  targets, comma separated (default none,noop,zm):
#         none  no milter
#         noop  the no-op reference milter (contrib/bench/noop-milter)
#         zm    zombie-milter: embedded store, default signals but SPF
#               (which would ask DNS), exempt = {}, one window at
#               1000000000 messages and recipients, bulk_host_recipients
#               likewise, so that the one bench client is counted but
#               never refused (checked: one decision line per message,
#               each a plain accept), log_level info
#
# A private Sendmail 8.17 (t/lib/sendmail.sh: Debian's packages unpacked
# into a cache, never installed) on 127.0.0.1 relays everything to
# smtp-sink, with the milter lines of contrib/sendmail/zombie-milter.mc
# pointed at the target's milter.  One Sendmail per target, the targets
# one after another (a Sendmail's milters are in its sendmail.cf), each
# run timed from the start of smtp-source until smtp-sink has received
# every message (its running counters, -c).  Reported per target:
# messages/s (median) and its ratio to no milter and to the no-op milter.
# Every message comes from 127.0.0.1: smtp-source cannot bind another
# address.  Needs root, a build (ZM_BUILDDIR, default build/), the
# packages of `contrib/deps.sh test`.  Nothing leaves loopback.
#
# Limits: smtp-source, Sendmail (which forks for each session and each
# delivery), the sink and the milter share the machine's CPUs.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${ZM_BUILDDIR:-$top/build}
case $builddir in /*) ;; *) builddir=$top/$builddir ;; esac
export ZM_BIN=${ZM_BIN:-$builddir/zombie-milter}
noop_bin=${ZM_NOOP_BIN:-$builddir/contrib/bench/noop-milter}
sessions=20 messages=2000 repeats=3 warmup=100 targets=none,noop,zm
big=1000000000
while getopts 's:m:n:w:t:h' o; do
    case $o in
    s) sessions=$OPTARG ;; m) messages=$OPTARG ;; n) repeats=$OPTARG ;;
    w) warmup=$OPTARG ;; t) targets=$OPTARG ;;
    *) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
die() { echo "sendmail.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (a private Sendmail)"
for c in smtp-source smtp-sink m4 unshare python3 perl; do
    command -v "$c" >/dev/null || die "$c is missing (contrib/deps.sh test)"
done
[ -x "$ZM_BIN" ] || die "$ZM_BIN is not built"
[ -x "$noop_bin" ] || die "$noop_bin is not built"

# the test rig's Sendmail; common.sh makes the work directory $T and
# removes it, with everything started, at exit
ZM_TOP=$top
. "$top/t/lib/common.sh"
. "$top/t/lib/postfix.sh"
. "$top/t/lib/sendmail.sh"
diag() { printf '# %s\n' "$*" >&2; }
zm_sendmail_install || die "cannot unpack Sendmail into $ZM_SM_CACHE"

# smtp-sink with running counters ("mesg=N", each ended by a CR)
ZM_SINK_PORT=$(zm_free_port)
smtp-sink -u postfix -c "127.0.0.1:$ZM_SINK_PORT" 256 >"$T/sink.out" 2>&1 &
zm_pids+=($!)
zm_wait_port "$ZM_SINK_PORT" 10 || die "smtp-sink did not start"
sink_count() { tr '\r' '\n' <"$T/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1; }

# run COUNT: r_rate, messages/s through the running Sendmail
run() {
    local count=$1 n0 t0 t1 i
    n0=$(sink_count)
    n0=${n0:-0}
    t0=$EPOCHREALTIME
    smtp-source -s "$sessions" -m "$count" -l 2000 -M pc1.cust.zm-test.net \
        -f u1@bench.zm-test.net -t r@dest.zm-test.net \
        "127.0.0.1:$ZM_SM_PORT" >"$T/source.out" 2>&1 ||
        { echo "smtp-source failed: $(tail -3 "$T/source.out")" >&2; return 1; }
    for ((i = 0; i < 6000; i++)); do
        [ "$(sink_count)" -ge $((n0 + count)) ] && break
        sleep 0.01
    done
    t1=$EPOCHREALTIME
    [ "$(sink_count)" -ge $((n0 + count)) ] ||
        { echo "the sink did not get $count messages" >&2; return 1; }
    r_rate=$(awk -v n="$count" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A med runs
failed=0
for t in ${targets//,/ }; do
    port=$(zm_free_port) milter=$port
    case $t in
    none) milter=none ;;
    noop) "$noop_bin" -p "inet:$port@127.0.0.1" 2>"$T/noop.log" &
          zm_pids+=($!) ;;
    zm) zm_milter_conf "$T/zm.conf" "$port" 'log_level = "info"' 'exempt = {}' \
            "window \"1m\" {
    length = 60
    buckets = 6
    messages = $big
    recipients = $big
    points = 50
}" "bulk_host_recipients = $big"
        "$ZM_BIN" -f -c "$T/zm.conf" 2>"$T/zm.log" &
        zm_pids+=($!) ;;
    *) die "unknown target $t (none, noop, zm)" ;;
    esac
    [ "$milter" = none ] || zm_wait_port "$port" 10 || die "$t: the milter did not start"
    rm -rf "$ZM_SM_DIR"
    zm_sendmail_start "$milter" || die "$t: sendmail did not start"
    [ "$warmup" -gt 0 ] && { run "$warmup" || failed=1; }
    for ((rep = 1; rep <= repeats; rep++)); do
        if run "$messages"; then
            runs[$t]="${runs[$t]:-} $r_rate"
            echo "# run $rep $t: $r_rate msgs/s"
        else
            failed=1
            echo "# run $rep $t: FAILED"
        fi
    done
    zm_sendmail_stop
    med[$t]=$(echo "${runs[$t]:-}" | median)
done

ratio() { [ -n "${med[$1]:-}" ] && [ -n "${med[$2]:-}" ] &&
    awk -v a="${med[$1]}" -v b="${med[$2]}" 'BEGIN { printf "%.3f", a / b }' || echo -; }
echo "# Sendmail end to end: smtp-source -s $sessions -m $messages (one message per session), $repeats runs, medians"
printf '%-8s %8s %8s %8s  %s\n' target msgs/s vs_none vs_noop "runs (msgs/s)"
for t in ${targets//,/ }; do
    printf '%-8s %8s %8s %8s  %s\n' "$t" "${med[$t]:--}" "$(ratio "$t" none)" \
        "$(ratio "$t" noop)" "$(echo ${runs[$t]:-FAILED})"
done
if [ -f "$T/zm.log" ]; then
    nd=$(grep -c ': action=' "$T/zm.log")
    na=$(grep -c ': action=accept host=127.0.0.1 user=- score=0 reasons=- ' "$T/zm.log")
    want=$((warmup + repeats * messages))
    echo "# zombie-milter: $nd decisions for $want messages, $na of them a plain accept (score 0)"
    [ "$nd" = "$want" ] && [ "$na" = "$nd" ] || failed=1
fi
exit $failed
