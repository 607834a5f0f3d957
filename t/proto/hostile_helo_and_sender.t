#!/bin/bash
# Hostile input: 2 KB HELO, 2 KB MAIL FROM with bytes 0x01-0xFF and '%',
# logins and queue ids with control bytes, CR/LF, '%', 0xFF, '\': correct
# replies, no crash, only printable ASCII in the log, values \xHH-escaped.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 11

proto_start
proto_lua hostile_helo_and_sender "miltertest: hostile HELO / MAIL FROM / login accepted"
proto_py hostile_helo_and_sender "raw client: 2 KB HELO and MAIL FROM, hostile login, accepted"
proto_stop

n=$(LC_ALL=C grep -caP '[^\x20-\x7e]' "$T/milter.log")
is "$n" 0 "log has only printable ASCII (0x20-0x7e) and newlines"
if [ "$n" != 0 ]; then
    diag "lines with other bytes:"; diag "$(LC_ALL=C grep -naP '[^\x20-\x7e]' "$T/milter.log" | head -5 | od -c | head -20)"
fi

# compare with \xHH in lower case
LC_ALL=C sed -E 's/\\x([0-9A-Fa-f]{2})/\\x\L\1/g' "$T/milter.log" >"$T/norm.log"
fixed() {
    if LC_ALL=C grep -aqF -- "$1" "$T/norm.log"; then ok 0 "$2"; else
        ok 1 "$2"; diag "no log line contains: $1"
        diag "decision lines:"; diag "$(LC_ALL=C grep -a 'action=' "$T/norm.log" | head -10)"
    fi
}
# the queue id and the line itself, whatever the login's encoding; the
# dot-less HELO names (the 2 KB one cut to 255 bytes) score helo=nofqdn
log_has '(^|[ :])H\\x09Q\\x7[fF]ID: action=accept host=192\.0\.2\.90 user=[!-~]+ score=10 reasons=helo=nofqdn\(\+10\) rcpts=1$' \
    "H1 logged on one line, queue id \\xHH-escaped, login printable"
# a login outside [A-Za-z0-9@._+-] is logged as its user key, in hex
fixed 'H\x09Q\x7fID: action=accept host=192.0.2.90 user=user:=657601696c0d0a2573256eff5c2078 score=10 reasons=helo=nofqdn(+10) rcpts=1' \
    "H1 login logged as its hex user key"
log_has "$(dl H2 'action=accept host=192\.0\.2\.90 user=- score=10 reasons=helo=nofqdn\(\+10\) rcpts=1')" \
    "H2 on the same connection logged normally"
log_has '(^|[ :])RAW\\x01\\x[fF][fF]%n: action=accept host=192\.0\.2\.91 user=[!-~]+ score=10 reasons=helo=nofqdn\(\+10\) rcpts=1$' \
    "raw client's message logged on one line, queue id \\xHH-escaped, login printable"
want=$(sed -n 's/^EXPECT //p' "$T/hostile_helo_and_sender.py.out")
if [ -n "$want" ]; then
    fixed "$want" "raw client's message logged with its login as a hex user key"
else
    ok 1 "raw client's message logged with its login as a hex user key"
    diag "raw client printed no EXPECT line"
fi
log_count ': action=' 3 "exactly three decision lines (no line split by CR/LF)"
zm_done
