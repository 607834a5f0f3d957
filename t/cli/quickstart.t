#!/usr/bin/env bash
# contrib/quickstart.sh prints the main.cf lines for the socket the milter
# will listen on, in Postfix's syntax (run with -n, which the milter takes
# as "check the configuration and exit", so nothing stays running):
#   no -p: the sample's inet:8895@127.0.0.1 is inet:127.0.0.1:8895;
#   -p inet:PORT@HOST is inet:HOST:PORT, inet:PORT (every address) is
#   reached on loopback, inet6:PORT@::1 is inet:[::1]:PORT;
#   -p unix:PATH, local:PATH and a bare /PATH are unix:PATH, with a word
#   on the socket's group and Postfix's chroot.
# It builds in build/ first (a no-op once built).
. "$(dirname "$0")/../lib/common.sh"
plan 8

qs() { "$ZM_TOP/contrib/quickstart.sh" -n "$@" 2>&1; }
milters() { printf '%s\n' "$1" | sed -n 's/^ *smtpd_milters = //p'; }

out=$(qs); rc=$?
is "$rc $(milters "$out")" "0 inet:127.0.0.1:8895" "no -p: the sample's socket, as main.cf writes it"
is "$(milters "$(qs -p inet:9000@127.0.0.2)")" "inet:127.0.0.2:9000" "-p inet:PORT@HOST"
is "$(milters "$(qs -p inet:9001)")" "inet:127.0.0.1:9001" "-p inet:PORT (every address): loopback"
is "$(milters "$(qs -p inet6:9002@::1)")" "inet:[::1]:9002" "-p inet6:PORT@::1"
out=$(qs -p "unix:$T/q.sock")
is "$(milters "$out")" "unix:$T/q.sock" "-p unix:PATH"
like "$out" "socket_group" "with a word on who may connect to it"
is "$(milters "$(qs -p "local:$T/l.sock")")" "unix:$T/l.sock" "-p local:PATH"
is "$(milters "$(qs -p "$T/b.sock")")" "unix:$T/b.sock" "-p /PATH"
zm_done
