#!/usr/bin/env bash
# A unix socket as the MTA needs it (socket_mode, socket_group): the
# milter runs as one user (-u daemon), the MTA as another (here nobody,
# whose group is nogroup), and the socket is made for the MTA's group.
#   - the socket is srw-rw---- daemon:nogroup (socket_mode "0660",
#     socket_group "nogroup"); a client of that group gets a session, a
#     user of neither (bin) is refused by the system (Permission denied);
#   - without socket_group the socket gets the user's own group, with
#     socket_mode's default 0660; socket_mode "0600" leaves the group out;
#   - SIGTERM stops it at once, exit 0 (it wakes libmilter through this
#     socket, as its own user);
#   - mistakes: a bad socket_mode is FILE:LINE: socket_mode: reason with
#     -n, exit 1; an unknown socket_group is refused at start, on the
#     terminal, exit 1, and no socket is made; with an inet socket
#     socket_group is not looked up (a package may set it for later).
# Needs root (to switch user and give the socket a group).
. "$(dirname "$0")/../lib/common.sh"
plan 15
[ -x "$ZM_BIN" ] || { ok 1 "no milter binary at $ZM_BIN"; exit 1; }
[ "$(id -u)" = 0 ] || { ok 1 "needs root (to switch user and set a group)"; exit 1; }

cat >"$T/client.py" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["ZM_TOP"], "t/proto"))
from rawmilter import Milter, Failure, rname
try:
    m = Milter(sys.argv[1], "client", timeout=10)
    m.negotiate()
    cmd, _ = m.connect("c.example.net", b"4", 25, b"192.0.2.7")
    print("session: connect answered %s" % (rname(cmd) if cmd else "(no reply needed)"))
    m.quit()
except Failure as e:
    print("refused: %s" % e)
PY
chmod 644 "$T/client.py"
client() { # USER GROUP SOCKET: the raw client as USER:GROUP
    setpriv --reuid="$1" --regid="$2" --init-groups \
        env PYTHONDONTWRITEBYTECODE=1 ZM_TOP="$ZM_TOP" python3 "$T/client.py" "$3" 2>&1
}
# start NAME EXTRA...: the milter as daemon on $T/NAME.sock; waits for it
start() {
    local name=$1 i
    shift
    { echo "socket = \"unix:$T/$name.sock\""; echo 'spf = false'
      for l in "$@"; do echo "$l"; done; } >"$T/$name.conf"
    "$ZM_BIN" -f -c "$T/$name.conf" -u daemon 2>>"$T/$name.log" &
    PID=$!
    zm_pids+=("$PID")
    for ((i = 0; i < 100; i++)); do
        grep -q "starting:" "$T/$name.log" 2>/dev/null && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    diag "milter $name did not start: $(cat "$T/$name.log")"
    return 1
}
stop() { # exit status of SIGTERM, and its time in ms in STOP_MS
    local t0 rc
    t0=$(date +%s%3N)
    kill -TERM "$PID"; wait "$PID"; rc=$?
    STOP_MS=$(($(date +%s%3N) - t0))
    zm_forget "$PID"
    return "$rc"
}

start mta 'socket_mode = "0660"' 'socket_group = "nogroup"'
is "$(stat -c '%A %U %G' "$T/mta.sock" 2>&1)" "srw-rw---- daemon nogroup" \
    "the socket: mode 0660, owner the milter's user, group socket_group"
like "$(client nobody nogroup "$T/mta.sock")" "^session: connect answered" \
    "a client of that group (nobody:nogroup) gets a session"
like "$(client bin bin "$T/mta.sock")" "^refused: .*Permission denied" \
    "a user of neither (bin) is refused by the system"
stop; is "$?" 0 "SIGTERM: exit 0"
ok "$([ "$STOP_MS" -lt 4000 ]; echo $?)" "and at once, through the unix socket (${STOP_MS} ms; a loose bound)"
zm_file_has "$T/mta.log" "stopping on SIGTERM: no open connections" "it logs the stop"

start dflt
is "$(stat -c '%A %U %G' "$T/dflt.sock" 2>&1)" "srw-rw---- daemon daemon" \
    "without socket_group: the user's group, mode 0660 (the default)"
like "$(client nobody nogroup "$T/dflt.sock")" "^refused: .*Permission denied" \
    "and a client of another group is refused"
stop; is "$?" 0 "SIGTERM: exit 0"

start owner 'socket_mode = "0600"' 'socket_group = "nogroup"'
is "$(stat -c '%A %U %G' "$T/owner.sock" 2>&1)" "srw------- daemon nogroup" \
    "socket_mode 0600: the group may not connect"
stop; is "$?" 0 "SIGTERM: exit 0"

for bad in 0999 4660 rw-rw 66; do
    printf 'socket = "unix:%s"\nsocket_mode = "%s"\n' "$T/x.sock" "$bad" >"$T/bad.conf"
    out=$("$ZM_BIN" -n -c "$T/bad.conf" 2>&1); rc=$?
    [ "$rc $out" = "1 zombie-milter: $T/bad.conf:2: socket_mode: \"$bad\" is not an octal mode from 000 to 0777, such as \"0660\"" ] ||
        { bad_out="$rc $out"; break; }
done
is "${bad_out:-}" "" "a bad socket_mode (0999, 4660, rw-rw, 66): FILE:LINE: socket_mode: reason, exit 1"

printf 'socket = "unix:%s"\nsocket_group = "no-such-group-zm"\n' "$T/g.sock" >"$T/g.conf"
out=$("$ZM_BIN" -c "$T/g.conf" -u daemon 2>&1); rc=$?
like "$rc $out" "^1 zombie-milter\\[[0-9]+\\]: socket_group no-such-group-zm: no such group\$" \
    "an unknown socket_group: on the terminal, exit 1"
ok "$([ ! -e "$T/g.sock" ]; echo $?)" "and no socket is made"

port=$(zm_free_port)
printf 'socket = "inet:%s@127.0.0.1"\nsocket_group = "no-such-group-zm"\nspf = false\n' "$port" >"$T/i.conf"
"$ZM_BIN" -f -c "$T/i.conf" 2>"$T/i.log" &
PID=$!; zm_pids+=("$PID")
zm_wait_port "$port" 10; ok $? "with an inet socket, socket_group is not looked up"
stop
zm_done
