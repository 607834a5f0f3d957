#!/usr/bin/env bash
# contrib/quickstart.sh -- install what is missing, build, and run
# zombie-milter in the foreground on inet:8895@127.0.0.1 with the embedded
# store and the sample configuration.  Ctrl-C stops it.
#
#   contrib/quickstart.sh              as above
#   contrib/quickstart.sh -p SOCKET    any zombie-milter option, passed on
#                                      (the main.cf lines name SOCKET)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh build
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p build
[ -f build/Makefile ] || (cd build && ../configure -q)
make -s -C build -j"$(nproc)" >/dev/null

# The milter's socket as Postfix's main.cf writes it: inet:HOST:PORT,
# inet:[IPV6]:PORT or unix:PATH.  A socket bound to every address is
# reached on loopback; a spec the milter refuses is left as it is (the
# milter says what is wrong with it).
postfix_socket() {
    local s=$1 port host=
    case $s in
    inet:* | inet6:*)
        port=${s#*:}
        case $port in *@*) host=${port#*@} port=${port%%@*} ;; esac
        case $s in
        inet6:*)
            case $host in "" | ::) host=::1 ;; esac
            host="[$host]" ;;
        *) case $host in "" | 0.0.0.0) host=127.0.0.1 ;; esac ;;
        esac
        echo "inet:$host:$port" ;;
    unix:*) echo "unix:${s#unix:}" ;;
    local:*) echo "unix:${s#local:}" ;;
    /*) echo "unix:$s" ;;
    *) echo "$s" ;;
    esac
}

# Which config and socket the milter will use: the last -c and -p given,
# as its own getopt takes them; else the sample and its socket.
conf=$top/etc/zombie-milter.conf
sock=
while getopts ":c:fhnp:sSt:u:V" opt; do
    case $opt in
    c) conf=$OPTARG ;;
    p) sock=$OPTARG ;;
    esac
done
[ -n "$sock" ] || sock=$(build/zombie-milter -S -c "$conf" 2>/dev/null |
    sed -n 's/^socket="\(.*\)"$/\1/p')
milter=$(postfix_socket "$sock")

build/zombie-milter -n -c "$conf"
cat <<MSG

Add these lines to Postfix's main.cf on the relay, then \`postfix reload\`
(see contrib/postfix/main.cf.snippet for the reasons):

    smtpd_milters = $milter
    milter_protocol = 6
    milter_default_action = accept

MSG
case $milter in
unix:*) cat <<MSG
Postfix's smtpd must be allowed to connect to that socket (socket_group
= "postfix"), and a chrooted smtpd (Debian's) sees only what is under
/var/spool/postfix: see README, "Postfix".

MSG
;;
esac
cat <<MSG
Decision lines follow below (one per message).  Ctrl-C stops the milter.

MSG
exec build/zombie-milter -f -c "$top/etc/zombie-milter.conf" "$@"
