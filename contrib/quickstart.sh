#!/usr/bin/env bash
# contrib/quickstart.sh -- install what is missing, build, and run
# zombie-milter in the foreground on inet:8895@127.0.0.1 with the embedded
# store and the sample configuration.  Ctrl-C stops it.
#
#   contrib/quickstart.sh              as above
#   contrib/quickstart.sh -p SOCKET    any zombie-milter option, passed on
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

contrib/deps.sh build
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p build
[ -f build/Makefile ] || (cd build && ../configure -q)
make -s -C build -j"$(nproc)" >/dev/null

conf=$top/etc/zombie-milter.conf
build/zombie-milter -n -c "$conf"
cat <<MSG

Add these lines to Postfix's main.cf on the relay, then \`postfix reload\`
(see contrib/postfix/main.cf.snippet for the reasons):

    smtpd_milters = inet:127.0.0.1:8895
    milter_protocol = 6
    milter_default_action = accept

Decision lines follow below (one per message).  Ctrl-C stops the milter.

MSG
exec build/zombie-milter -f -c "$conf" "$@"
