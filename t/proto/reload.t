#!/bin/bash
# SIGHUP reloads the configuration (t/proto/reload.py drives it):
#   - a changed limit applies from the next message, and the embedded
#     store's counts survive the reload (3 messages, limit 3 -> 5: the
#     4th and 5th pass, the 6th is deferred as msgs=6/5);
#   - a message in progress (MAIL FROM before the reload) finishes under
#     the configuration it started with, the next one under the new;
#   - an invalid file: FILE:LINE: option: reason, "keeping the running
#     configuration", nothing changes, the milter goes on;
#   - a changed socket is named as needing a restart, the old one serves
#     on; changed window lengths start the embedded store afresh;
#   - one log line per good reload, with the file's digest; SIGHUP never
#     stops the milter; SIGTERM still does, exit 0.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 20

# as reload.py writes it: a window "w" of 3 messages (60 points)
proto_start 'spf = false' 'bulk = false' 'threshold_tag = 0' 'threshold_tempfail = 50' \
    'threshold_reject = 0' 'threshold_quarantine = 0' 'reply_tempfail = "OLD slow down"' \
    'window "w" {' 'length = 60' 'buckets = 6' 'messages = 3' 'points = 60' '}'
PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_PROTO_DIR/reload.py" "$ZM_MILTER_PID" "$T/zm.conf" \
    "$T/milter.log" >"$T/out" 2>&1
is "$?" 0 "the raw client's steps all ran"
r() { awk -v q="$1" '$1 == q { $1 = ""; sub(/^ /, ""); print; exit }' "$T/out"; }
for q in M1 M2 M3 M4 M5; do
    is "$(r $q)" "continue" "$q accepted"
done
is "$(r M6)" "replycode 451 4.7.1 NEW slow down" "M6 deferred with the new text: the new limit, the counts kept"
log_has "$(dl M6 'action=tempfail host=192\.0\.2\.10 user=- score=60 reasons=msgsw=6/5\(\+60\)')" \
    "M6 logged msgsw=6/5: the 3 counted before the reload are still there"
is "$(r P)" "replycode 451 4.7.1 NEW slow down" "P (MAIL FROM before the reload) ends under the old configuration"
is "$(r Q)" "replycode 451 4.7.1 NEWER slow down" "Q (after it) is served by the new one"
is "$(r M7)" "replycode 451 4.7.1 NEWER slow down" "after an invalid file, the running configuration serves on"
log_has "reload: $T/zm\.conf:[0-9]+: bogus: unknown option; keeping the running configuration" \
    "the invalid file is logged as FILE:LINE: option: reason; keeping the running configuration"
is "$(r M8)" "continue" "new window lengths: the embedded store starts afresh (M8 counted from 1)"
sum=$(sha256sum "$T/zm.conf" | cut -c1-12)
log_has "reload: config $T/zm\.conf \(sha256 $sum\): embedded store started afresh, redis none, dns kept; kept as they were, until a restart: socket" \
    "the last reload: its digest, the store started afresh, the socket kept until a restart"
log_count 'reload: config ' 3 "one line per good reload (3)"
log_has 'reload: config .*: embedded store kept, ' "a reload that leaves the windows keeps the embedded store"
kill -0 "$ZM_MILTER_PID" 2>/dev/null
is "$?" 0 "four SIGHUPs, the milter still runs"
proto_stop
log_lacks "$ZM_SANITIZER_RE" "no sanitizer report"
[ "$zm_nfail" -gt 0 ] && { diag "$(cat "$T/out")"; diag "$(cat "$T/milter.log")"; }
zm_done
