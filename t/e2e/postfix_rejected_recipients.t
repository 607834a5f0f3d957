#!/bin/bash
# t/e2e/postfix_rejected_recipients.t -- recipients Postfix refuses reach
# the milter (SMFIP_RCPT_REJ, {rcpt_mailer} = error) and count for the
# behaviour signal's refused-recipient ratio.
#
# A private Postfix refuses three addresses (check_recipient_access) and
# relays the rest to smtp-sink.  A customer (XCLIENT) sends:
#   - R1: 2 good recipients and the 3 refused ones: 3 of 5 tried refused,
#     at least rejected_rcpts_percent (50) of at least rejected_rcpts_min
#     (5): "rejected=3/5(+30)", which reaches the tag threshold (20), so
#     the message is delivered with X-Zombie-Score: 30 rejected=3/5(+30);
#   - R2: 4 good and 1 refused: 1 of 5, no reason, delivered untagged.
# The milter counts only the accepted recipients in rcpts=.
. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"

zm_e2e_require

plan 13

fail_setup() {
    diag "$1"
    [ -f "$T/milter.log" ] && diag "milter log:" && diag "$(cat "$T/milter.log")"
    zm_postfix_diag
    exit 1
}

BAD="bad1@remote.example bad2@remote.example bad3@remote.example"
map=$(printf '%s=REJECT, ' $BAD)
zm_e2e_rig "smtpd_recipient_restrictions=check_recipient_access inline:{${map%, }}" ||
    fail_setup "the Postfix rig did not start"
zm_milter_conf "$T/zm.conf" "$ZM_MILTER_PORT" \
    'threshold_tag = 20' 'bulk = false'
zm_start_milter "$T/zm.conf" || fail_setup "milter did not start"

client() {	# LABEL RCPTS
    python3 "$ZM_TOP/t/lib/smtpclient.py" --port "$ZM_PF_PORT" \
        --addr 198.51.100.60 --label "$1" --to "$2" --keep-going \
        --helo pc1.customer.example >>"$T/replies" 2>"$T/client.err" ||
        diag "client $1 failed: $(cat "$T/client.err")"
}
client R1 "a@remote.example,bad1@remote.example,b@other.example,bad2@remote.example,bad3@remote.example"
client R2 "a@remote.example,b@other.example,bad1@remote.example,c@third.example,d@third.example"

is "$(zm_stages R1)" "eom:250" "R1 (3 of 5 recipients refused by Postfix): delivered"
is "$(zm_stages R2)" "eom:250" "R2 (1 of 5 refused): delivered"
zm_check_delivery "R1 and R2"

hdr() {	# the X-Zombie-Score header of the message with test id $1
    grep -l "^X-ZM-Test-Id: $1\$" "$ZM_SINK_DIR"/msg.* 2>/dev/null |
        xargs -r sed -n 's/^X-Zombie-Score: //p' | tr -d '\r'
}
is "$(hdr R1-1)" "30 rejected=3/5(+30)" "R1 delivered with X-Zombie-Score: 30 rejected=3/5(+30)"
is "$(hdr R2-1)" "" "R2 delivered without an X-Zombie-Score header"

zm_stop_milter
ok $? "milter exits 0 on SIGTERM"
L=$T/milter.log
is "$(grep -cE "$ZM_SANITIZER_RE" "$L")" 0 \
    "no sanitizer report in the milter's output"
is "$(grep -cF 'action=tag host=198.51.100.60 user=- score=30 reasons=rejected=3/5(+30) rcpts=2' "$L")" 1 \
    "milter logged R1: action=tag reasons=rejected=3/5(+30) rcpts=2 (accepted ones only)"
is "$(grep -cF 'action=accept host=198.51.100.60 user=- score=0 reasons=- rcpts=4' "$L")" 1 \
    "milter logged R2: accept, no reason, rcpts=4"
is "$(grep -cE ': action=[a-z]+ host=' "$L")" 2 "one decision line per message"
is "$(grep -Ec 'warning: milter|milter.*(timeout|error|unavailable)' "$ZM_PF_LOG")" 0 \
    "no milter warning in the maillog"
if [ "$zm_nfail" -gt 0 ]; then
    diag "client replies:"; diag "$(cat "$T/replies")"
    diag "--- milter log:"; diag "$(cat "$L")"
    zm_postfix_diag
fi
zm_done
