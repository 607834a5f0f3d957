#!/bin/bash
# 20 reloads under load (t/proto/reload_load.py): 8 sessions send
# messages without a pause while SIGHUP comes every 150 ms, every third
# time with an invalid file, the others with a window limit that changes:
#   - no session fails: every message sent gets its final reply;
#   - no message is lost or answered twice: one decision line per message;
#   - one log line per good reload and per invalid file;
#   - after the load, a limit set by a reload applies from the next
#     message (limit 2: a fresh host's 3rd message is deferred);
#   - the milter runs on, exits 0 on SIGTERM, no sanitizer report.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/proto/proto.sh"
proto_require
plan 13

proto_start 'spf = false' 'bulk = false' 'threshold_tag = 0' 'threshold_tempfail = 50' \
    'threshold_reject = 0' 'threshold_quarantine = 0' 'reply_tempfail = "LOAD slow"' \
    'window "w" {' 'length = 60' 'buckets = 6' 'messages = 100000' 'points = 60' '}'
PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_PROTO_DIR/reload_load.py" "$ZM_MILTER_PID" \
    "$T/zm.conf" "$T/milter.log" 8 20 >"$T/out" 2>&1
is "$?" 0 "the load ran: no session failed"
v() { awk -v k="$1" '$1 == k { print $2; exit }' "$T/out"; }
sent=$(v SENT) answered=$(v ANSWERED)
ok "$([ "${sent:-0}" -ge 100 ]; echo $?)" "messages sent under load: ${sent:-0} (100 at least)"
is "$answered" "$sent" "every one got its final reply"
decided=$(LC_ALL=C grep -ac ': W[0-9]*N[0-9]*: action=' "$T/milter.log")
is "$decided" "$sent" "one decision line per message: none lost, none twice"
is "$(LC_ALL=C grep -a ': W[0-9]*N[0-9]*: action=' "$T/milter.log" | awk '{ print $2 }' | sort | uniq -d)" "" \
    "no queue id decided twice"
is "$(v VALID)/$(v INVALID)" "14/6" "14 good reloads, 6 invalid files"
log_count 'reload: config ' 15 "one line per good reload (14, and the last one)"
log_count 'bogus: unknown option; keeping the running configuration' 6 "one line per invalid file"
is "$(awk '$1 == "LIMIT" { print $2 " " $3 }' "$T/out" | tr '\n' ' ')" "L1 continue L2 continue L3 replycode " \
    "the limit of 2 from the last reload applies at once: L3 deferred"
like "$(grep '^LIMIT L3' "$T/out")" "451 4.7.1 LOAD slow" "with the configured text"
proto_stop
log_lacks "$ZM_SANITIZER_RE" "no sanitizer report"
[ "$zm_nfail" -gt 0 ] && { diag "$(cat "$T/out")"; diag "$(tail -30 "$T/milter.log")"; }
zm_done
