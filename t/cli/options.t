#!/usr/bin/env bash
# The command line: -n, -V, -h, bad options, bad configs, -p and SIGTERM.
. "$(dirname "$0")/../lib/common.sh"
plan 31

out=$("$ZM_BIN" -n -c "$ZM_TOP/etc/zombie-milter.conf" 2>&1); rc=$?
is "$rc" 0 "-n accepts the sample config"
like "$out" "etc/zombie-milter.conf: configuration OK" "-n says the config is good"
sum=$(sha256sum "$ZM_TOP/etc/zombie-milter.conf" | cut -c1-12)
like "$out" "configuration OK \\(sha256 $sum\\)\$" \
    "and gives the file's digest (the first 12 hex digits of its SHA-256)"

printf 'mode = "enforce"\n\nipv4_prefix = 33\n' >"$T/bad.conf"
out=$("$ZM_BIN" -n -c "$T/bad.conf" 2>&1); rc=$?
is "$rc" 1 "-n rejects a bad value with exit 1"
is "$out" "zombie-milter: $T/bad.conf:3: ipv4_prefix: 33 is out of range 8..32" \
    "the error names FILE:LINE: option: reason"

printf 'socket = "inet:1@127.0.0.1"\nmax_host = 5\n' >"$T/unknown.conf"
out=$("$ZM_BIN" -f -c "$T/unknown.conf" 2>&1); rc=$?
is "$rc" 1 "an unknown option stops the daemon at start-up"
is "$out" "zombie-milter: $T/unknown.conf:2: max_host: unknown option" \
    "and names the option and its line"

out=$("$ZM_BIN" -n -c "$T/missing.conf" 2>&1); rc=$?
is "$rc" 1 "a missing config file is an error"
like "$out" "missing.conf: cannot read: No such file or directory" "saying why"

out=$("$ZM_BIN" -V); rc=$?
like "$out" "^zombie-milter [0-9]+\.[0-9]+\.[0-9]+ \(libmilter " "-V prints the version"
out=$("$ZM_BIN" -h); rc=$?
is "$rc" 0 "-h exits 0"
like "$out" "usage: zombie-milter" "-h prints the usage"
out=$("$ZM_BIN" -Z 2>&1); rc=$?
is "$rc" 1 "an unknown flag exits 1"

# -p overrides the config's socket; SIGTERM stops the daemon cleanly.
port=$(zm_free_port)
zm_milter_conf "$T/m.conf" 1
"$ZM_BIN" -f -c "$T/m.conf" -p "inet:$port@127.0.0.1" 2>"$T/milter.log" &
pid=$!
zm_wait_port "$port" 10; ok $? "-p SOCKET makes it listen there"
kill -TERM "$pid"; wait "$pid"; rc=$?
is "$rc" 0 "SIGTERM exits 0"
like "$(cat "$T/milter.log")" "stopping" "and logs that it stops"
msum=$(sha256sum "$T/m.conf" | cut -c1-12)
like "$(cat "$T/milter.log")" "starting: socket inet:$port@127\\.0\\.0\\.1, mode [a-z]+, config $T/m\\.conf \\(sha256 $msum\\), store " \
    "its starting line names the config file with its digest"
ok "$(grep -c -E 'Sanitizer|runtime error' "$T/milter.log")" "no sanitizer report"
# -p with an absolute path and no colon: a unix socket there, as
# libmilter (and Sendmail) take it; a relative one is refused (below).
"$ZM_BIN" -f -c "$T/m.conf" -p "$T/bare.sock" 2>"$T/bare.log" &
pid=$!
for _ in $(seq 100); do grep -q "starting:" "$T/bare.log" && break; sleep 0.05; done
ok "$([ -S "$T/bare.sock" ]; echo $?)" "-p /PATH listens on a unix socket at PATH"
like "$(cat "$T/bare.log")" "starting: socket $T/bare\.sock," "and says so"
kill -TERM "$pid"; wait "$pid"; rc=$?
is "$rc" 0 "and stops on SIGTERM with exit 0"
# Without -f it detaches, writes its pid file, and drops to -u USER; a
# unix socket is handed to that user so the MTA's side can be set up.
sock=$T/milter.sock
printf 'socket = "unix:%s"\npid_file = "%s"\n' "$sock" "$T/zm.pid" >"$T/d.conf"
"$ZM_BIN" -c "$T/d.conf" -u nobody; rc=$?
is "$rc" 0 "the daemon detaches and its parent exits 0"
for _ in $(seq 100); do [ -s "$T/zm.pid" ] && [ -S "$sock" ] && break; sleep 0.05; done
dpid=$(cat "$T/zm.pid" 2>/dev/null)
zm_cleanups+=("kill $dpid")
ok "$([ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; echo $?)" "the pid file names the running daemon"
is "$(ps -o user= -p "$dpid" 2>/dev/null | tr -d ' ')" nobody "it runs as the -u user"
is "$(stat -c %U "$sock" 2>/dev/null)" nobody "its unix socket belongs to that user"
kill -TERM "$dpid"
for _ in $(seq 200); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.05; done
ok "$(kill -0 "$dpid" 2>/dev/null && echo 1 || echo 0)" "SIGTERM stops the daemon"

# Mistakes found before detaching reach the terminal and the exit status.
"$ZM_BIN" -c "$T/m.conf" -p "inet:$port@127.0.0.1" -u no-such-user-zm 2>"$T/u.log"; rc=$?
like "$rc $(cat "$T/u.log")" "^1 .*user no-such-user-zm: no such user" \
    "an unknown -u user is refused before detaching"
"$ZM_BIN" -c "$T/m.conf" -p bogus 2>"$T/p.log"; rc=$?
like "$rc $(cat "$T/p.log")" "^1 .*socket bogus: not inet:PORT@HOST, inet6:PORT@HOST, unix:PATH or an absolute PATH\$" \
    "a malformed -p (a relative path too) is refused"
ok "$([ -e bogus ] || [ -e /bogus ]; echo $((! $?)))" "and creates nothing"
printf 'socket = "inet:%s@127.0.0.1"\npid_file = "%s"\n' "$port" "$T/no/such/dir/zm.pid" >"$T/pid.conf"
"$ZM_BIN" -c "$T/pid.conf" 2>"$T/pid.log"; rc=$?
like "$rc $(cat "$T/pid.log")" "^1 .*pid file $T/no/such/dir/zm.pid: No such file or directory" \
    "an unwritable pid file is refused before detaching"
ok "$(zm_wait_port "$port" 1 && echo 1 || echo 0)" "and no daemon is left listening"
zm_done
