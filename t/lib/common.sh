# t/lib/common.sh -- shared helpers for the shell-driven tests (TAP).
#
# Source it from a t/*/*.t script.  It gives:
#   ZM_TOP        the source tree (the repository top)
#   ZM_BIN        the zombie-milter binary under test ($ZM_BUILDDIR, default
#                 build/, e.g. build-asan/ for the sanitizer run)
#   T             a private temp dir (0755, removed at exit, kept with
#                 ZM_KEEP=1), and every process started by zm_bg is killed
#                 at exit; a sanitizer report in any of its logs (*.log,
#                 *.out, *.err) then fails the test, whatever it asserted
#   ZM_SANITIZER_RE   what a sanitizer report looks like (ERE)
#   plan N, ok COND DESC, is GOT WANT DESC, like GOT REGEX DESC, diag MSG
#   zm_free_port  prints a free TCP port on 127.0.0.1
#   zm_bg CMD...  runs CMD in the background, remembered for clean-up
#   zm_forget PID     forgets a process the test has waited for (so that
#                 no other process of its number is killed at exit)
#   zm_wait_port PORT [SECONDS]   waits until 127.0.0.1:PORT accepts
#   zm_milter_conf FILE PORT [EXTRA...]  writes a milter config listening on
#                 PORT, with EXTRA lines appended
#   zm_start_milter CONF   starts `zombie-milter -f -c CONF`, log in
#                 $T/milter.log, waits for its port (ZM_PORT)
#   zm_stop_milter         SIGTERM, waits, returns its exit status
#   zm_file_has FILE REGEX DESC, zm_file_lacks FILE REGEX DESC,
#   zm_file_count FILE REGEX N DESC   assert on the lines of a log (ERE);
#                 a failure shows the decision lines
#   zm_start_named NAME CONF   another milter, log in $T/NAME.log, its pid
#                 and port in ZM_NPID[NAME], ZM_NPORT[NAME]; on failure
#                 diagnoses and returns 1
# Nothing here touches the network beyond loopback.

set -u
ZM_TOP=${ZM_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
ZM_BUILDDIR=${ZM_BUILDDIR:-$ZM_TOP/build}
case $ZM_BUILDDIR in /*) ;; *) ZM_BUILDDIR=$ZM_TOP/$ZM_BUILDDIR ;; esac
ZM_BIN=${ZM_BIN:-$ZM_BUILDDIR/zombie-milter}
export ZM_TOP ZM_BUILDDIR ZM_BIN

# a report's own lines: its header, UBSan's finding, its summary (not a
# mere mention, such as libFuzzer's note about LeakSanitizer)
ZM_SANITIZER_RE='==[0-9]+==ERROR: [A-Za-z]+Sanitizer|WARNING: ThreadSanitizer:|runtime error:|SUMMARY: [A-Za-z]+Sanitizer|[A-Za-z]+Sanitizer CHECK failed|FATAL: [A-Za-z]+Sanitizer'
T=$(mktemp -d "${TMPDIR:-/tmp}/zm-test.XXXXXX")
chmod 755 "$T"
zm_pids=()
zm_cleanups=()
zm__exit() {
    local c p rc=$? reports
    for c in "${zm_cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
    for p in "${zm_pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${zm_pids[@]}"; do wait "$p" 2>/dev/null; done
    reports=$(find "$T" -maxdepth 3 -type f \( -name '*.log' -o -name '*.out' \
        -o -name '*.err' \) -exec grep -aE -- "$ZM_SANITIZER_RE" {} + 2>/dev/null)
    if [ -n "$reports" ]; then
        diag "sanitizer reports in the logs of this test:"
        diag "$(printf '%s\n' "$reports" | head -20)"
        rc=1
    fi
    if [ "${ZM_KEEP:-0}" = 1 ]; then echo "# kept $T" >&2; else rm -rf "$T"; fi
    exit "$rc"
}
trap zm__exit EXIT
trap 'exit 1' INT TERM

zm_ntest=0
zm_nfail=0
plan() { echo "1..$1"; }
ok() {
    zm_ntest=$((zm_ntest + 1))
    if [ "$1" = 0 ] || [ "$1" = true ]; then
        echo "ok $zm_ntest - $2"
    else
        echo "not ok $zm_ntest - $2"
        zm_nfail=$((zm_nfail + 1))
    fi
}
is() {
    if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "got: '$1'"; diag "expected: '$2'"; fi
}
like() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else ok 1 "$3"; diag "got: '$1'"; diag "expected to match: '$2'"; fi
}
diag() { printf '%s\n' "$*" | sed 's/^/# /' >&2; }
# last line of a test script: exit status tells prove about failures too
zm_done() { exit $((zm_nfail > 0)); }

zm_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

zm_bg() {
    "$@" &
    zm_pids+=($!)
}

zm_forget() {
    local p keep=()
    for p in "${zm_pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    zm_pids=("${keep[@]}")
}

zm_wait_port() {
    local port=$1 secs=${2:-10} i
    for ((i = 0; i < secs * 20; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    return 1
}

zm_milter_conf() {
    local file=$1 port=$2
    shift 2
    {
        echo "socket = \"inet:$port@127.0.0.1\""
        echo 'log_level = "debug"'
        # SPF asks DNS about the senders' domains: a test that wants it
        # turns it on with its own forwarders, never the system's.
        echo 'spf = false'
        for l in "$@"; do echo "$l"; done
    } >"$file"
}

zm_start_milter() {
    local conf=$1
    ZM_PORT=$(sed -n 's/^socket = "inet:\([0-9]*\)@.*/\1/p' "$conf")
    "$ZM_BIN" -f -c "$conf" 2>>"$T/milter.log" &
    ZM_MILTER_PID=$!
    zm_pids+=($ZM_MILTER_PID)
    if ! zm_wait_port "$ZM_PORT" 10; then
        diag "milter did not start:"; diag "$(cat "$T/milter.log")"
        return 1
    fi
}

zm_stop_milter() {
    local rc
    kill -TERM "$ZM_MILTER_PID" 2>/dev/null
    wait "$ZM_MILTER_PID"
    rc=$?
    return $rc
}

declare -A ZM_NPID ZM_NPORT
zm_start_named() {
    local name=$1 conf=$2 port
    port=$(sed -n 's/^socket = "inet:\([0-9]*\)@.*/\1/p' "$conf")
    "$ZM_BIN" -f -c "$conf" 2>>"$T/$name.log" &
    ZM_NPID[$name]=$!
    ZM_NPORT[$name]=$port
    zm_pids+=($!)
    zm_wait_port "$port" 10 && return 0
    diag "milter $name did not start; config:"; diag "$(cat "$conf")"
    diag "log:"; diag "$(tail -20 "$T/$name.log")"
    return 1
}

zm__decisions() { LC_ALL=C grep -a 'action=' "$1" | head -40; }

zm_file_has() {
    if LC_ALL=C grep -aEq -- "$2" "$1"; then
        ok 0 "$3"
    else
        ok 1 "$3"
        diag "no line of ${1##*/} matches: $2"
        diag "decision lines in ${1##*/}:"; diag "$(zm__decisions "$1")"
    fi
}

zm_file_lacks() {
    if LC_ALL=C grep -aEq -- "$2" "$1"; then
        ok 1 "$3"
        diag "unexpected lines in ${1##*/}:"
        diag "$(LC_ALL=C grep -aE -- "$2" "$1" | head -10)"
    else
        ok 0 "$3"
    fi
}

zm_file_count() {
    local n
    n=$(LC_ALL=C grep -aEc -- "$2" "$1")
    is "$n" "$3" "$4"
    if [ "$n" != "$3" ]; then
        diag "regex: $2"
        diag "decision lines in ${1##*/}:"; diag "$(zm__decisions "$1")"
    fi
}
