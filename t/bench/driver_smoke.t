#!/usr/bin/env bash
# The benchmark's load driver keeps working: a brief zm-load run against
# the no-op milter and against zombie-milter (embedded store, no SPF)
# prints its one result line, every message answered and accepted, and
# zombie-milter decides each of them.  Not a measurement: the numbers are
# only checked for their form.
. "$(dirname "$0")/../lib/common.sh"
plan 18

load=$ZM_BUILDDIR/contrib/bench/zm-load
noop=$ZM_BUILDDIR/contrib/bench/noop-milter
conns=4 msgs=20
want=$((conns * msgs))
line_re='^msgs=[0-9]+ secs=[0-9.]+ rate=[0-9.]+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ p999_ms=[0-9.]+ cpu_s=[0-9.]+ errors=[0-9]+ replies=accept:[0-9]+,tempfail:[0-9]+,reject:[0-9]+(,[a-z]+:[0-9]+)*$'

for b in "$load" "$noop" "$ZM_BIN"; do
    [ -x "$b" ] && continue
    ok 1 "built: $b"	# a missing piece is a failure, not a skip
    zm_done
done

field() {	# field NAME LINE
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# drive PORT LABEL: runs zm-load, asserts its result line; the full
# output is left in $T/LABEL.out
drive() {
    local port=$1 label=$2 rc line
    "$load" -s "127.0.0.1:$port" -c "$conns" -m "$msgs" >"$T/$label.out" \
        2>"$T/$label.err"
    rc=$?
    line=$(tail -1 "$T/$label.out")
    is "$rc" 0 "$label: zm-load exits 0"
    [ "$rc" = 0 ] || diag "$(cat "$T/$label.err")"
    like "$line" "$line_re" "$label: one result line in the documented form"
    is "$(field msgs "$line")/$(field errors "$line")" "$want/0" \
        "$label: $conns connections x $msgs messages answered, no errors"
    is "$(field replies "$line")" "accept:$want,tempfail:0,reject:0" \
        "$label: every message accepted"
}

# The floor: the no-op milter.
nport=$(zm_free_port)
"$noop" -p "inet:$nport@127.0.0.1" 2>"$T/noop.log" &
npid=$!
zm_pids+=("$npid")
zm_wait_port "$nport" 10
ok $? "noop-milter listens"
drive "$nport" noop
out=$("$load" -q -s "127.0.0.1:$nport" -c 2 -m 3 -b 100000 -r 3)
is "$(printf '%s\n' "$out" | wc -l)" 1 \
    "-q prints only the result line (with a multi-chunk body, 3 recipients)"
like "$out" "^msgs=6 .* errors=0 replies=accept:6," "and that run is clean too"
# libmilter notices a stop within seconds: let it while zombie-milter runs.
kill -TERM "$npid"

# zombie-milter, embedded store, no DNS at all.
zm_milter_conf "$T/zm.conf" "$(zm_free_port)"
zm_start_milter "$T/zm.conf"
ok $? "zombie-milter starts"
drive "$ZM_PORT" zombie
zm_stop_milter
is "$?" 0 "zombie-milter exits 0 on SIGTERM"
wait "$npid"
is "$?" 0 "noop-milter exits 0 on SIGTERM"
zm_file_count "$T/milter.log" "(^|[ :])Q[0-9]+x[0-9]+: action=accept " "$want" \
    "zombie-milter logged one accept decision per message"

# Same steps negotiated: the floor measures what zombie-milter costs.
n=$(sed -n 's/^negotiated: //p' "$T/noop.out")
z=$(sed -n 's/^negotiated: //p' "$T/zombie.out")
is "$n" "$z" "noop-milter negotiates what zombie-milter does by default"

# A milter that is not there is an error, and the exit status says so.
dead=$(zm_free_port)
out=$("$load" -q -s "127.0.0.1:$dead" -c 2 -m 1 2>"$T/dead.err")
rc=$?
is "$rc/$(field errors "$out")" "1/2" "a dead milter: exit 1, both connections counted as errors"
like "$(head -1 "$T/dead.err")" \
    "connection [01] \(198\.18\.[0-9.]+\): connect: Connection refused" \
    "and each is explained: connection, client address, step, cause"
zm_done
