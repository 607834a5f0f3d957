#!/bin/bash
# t/e2e/postfix_milter_reload.t -- SIGHUP, as logrotate or `systemctl
# reload` send it, reloads the milter behind a real (private) Postfix
# without interrupting mail: 4 customers (XCLIENT) send 25 messages each
# while the milter gets 10 SIGHUPs, one with an invalid file; Postfix's
# milter_default_action is tempfail, so a milter that stopped or failed
# would show as 4xx replies.
#   - every message gets 250 and reaches smtp-sink, nothing else;
#   - no milter warning in the maillog;
#   - the milter logged 9 reloads and the invalid file, and still runs.
. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"

zm_e2e_require

plan 9

fail_setup() {
    diag "$1"
    [ -f "$T/milter.log" ] && diag "milter log:" && diag "$(cat "$T/milter.log")"
    zm_postfix_diag
    exit 1
}

conf() { # LIMIT [EXTRA]: the milter's config
    zm_milter_conf "$T/zm.conf.new" "$ZM_MILTER_PORT" 'bulk = false' \
        'window "1m" {' 'length = 60' 'buckets = 6' "messages = $1" 'points = 1' '}' \
        ${2:+"$2"}
    mv "$T/zm.conf.new" "$T/zm.conf"
}

zm_e2e_rig || fail_setup "the Postfix rig did not start"
conf 1000
zm_start_milter "$T/zm.conf" || fail_setup "milter did not start"

clients=()
for c in 1 2 3 4; do
    zm_send "C$c" "198.51.100.$((70 + c))" 25 &
    clients+=($!)
done
for i in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.2
    if [ "$i" = 5 ]; then conf 1000 'bogus = 1'; else conf $((1000 + i)); fi
    kill -HUP "$ZM_MILTER_PID"
done
wait "${clients[@]}"

stages=$(for c in 1 2 3 4; do zm_stages "C$c"; echo; done | tr ' ' '\n' | grep . | sort | uniq -c | tr -s ' ')
is "$stages" " 100 eom:250" "all 100 messages accepted (250) while the milter reloaded"
zm_check_delivery "under reloads"
is "$(grep -Ec 'warning: milter|milter.*(timeout|error|unavailable)' "$ZM_PF_LOG")" 0 \
    "no milter warning in the maillog"
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c 'reload: ' "$T/milter.log")" -ge 10 ] && break
    sleep 0.05
done
is "$(grep -c 'reload: config ' "$T/milter.log")" 9 "the milter logged 9 reloads"
is "$(grep -c 'bogus: unknown option; keeping the running configuration' "$T/milter.log")" 1 \
    "and the invalid file once"
kill -0 "$ZM_MILTER_PID" 2>/dev/null
ok $? "the milter still runs after 10 SIGHUPs"
zm_stop_milter
ok $? "milter exits 0 on SIGTERM"
if [ "$zm_nfail" -gt 0 ]; then
    diag "client replies:"; diag "$(head -20 "$T/replies")"
    diag "--- milter log:"; diag "$(grep -v 'action=' "$T/milter.log")"
    zm_postfix_diag
fi
zm_done
