#!/bin/bash
# t/e2e/sendmail_milter_down.t -- Sendmail when zombie-milter is not there.
#
# The milter line of contrib/sendmail/zombie-milter.mc carries F=T: while
# the milter cannot be reached, Sendmail defers the mail (4xx), nothing is
# lost.  Without F=T it lets the mail through unchecked.  A private
# Sendmail (t/lib/sendmail.sh) points at a free port where no milter
# listens:
#   - with F=T: deferred with a 4xx (at MAIL FROM: 451 4.3.2 from
#     Sendmail), nothing reaches the sink, nothing is queued;
#   - without F=T: delivered (250), and it reaches the sink;
#   - the milter started on that port: the next message is judged by it
#     (a decision line) and delivered.

. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"
. "$ZM_TOP/t/lib/sendmail.sh"

zm_e2e_require m4 unshare


zm_sink_start || zm_sm_fail_setup "smtp-sink did not start"
MP=$(zm_free_port)

# --- F=T: deferred --------------------------------------------------------------
zm_sendmail_start "$MP" || zm_sm_fail_setup "sendmail (F=T) did not start"
zm_sm_send d1 127.0.0.5 2
st=$(zm_stages d1)
like "$st" '^[a-z]+:4[0-9][0-9] [a-z]+:4[0-9][0-9]$' "F=T, no milter: both messages deferred with a 4xx ($st)"
sleep 1
is "$(zm_sink_count)" 0 "nothing reached the sink"
is "$(zm_sm_queue_count)" 0 "nothing was queued: the client keeps the message"
zm_sendmail_stop

# --- without F=T: accepted unchecked ----------------------------------------------
ZM_SM_NO_TEMPFAIL=1 zm_sendmail_start "$MP" || zm_sm_fail_setup "sendmail (no F=) did not start"
is "$(grep '^Xzombie-milter' "$ZM_SM_DIR/sendmail.cf" | grep -c 'F=T')" 0 "its milter line has no F=T"
zm_sm_send a1 127.0.0.5 2

# --- the milter comes back ----------------------------------------------------------
zm_milter_conf "$T/zm.conf" "$MP" 'exempt = {}'
zm_start_milter "$T/zm.conf" || zm_sm_fail_setup "milter did not start"
zm_sm_send m1 127.0.0.6 1
is "$(zm_stages a1)" "eom:250 eom:250" "no F=T, no milter: both messages delivered unchecked"
is "$(zm_stages m1)" "eom:250" "the milter back: the next message is delivered"
ZM_QUEUE_COUNT=zm_sm_queue_count zm_check_delivery "sendmail, milter down then up"
zm_stop_milter
ok $? "milter exits 0 on SIGTERM"
L=$T/milter.log
is "$(grep -c ': action=' "$L")" 1 "one decision line: the message sent while the milter was up"
is "$(zm_nfixed "$L" "action=accept host=127.0.0.6 user=- score=0 reasons=- rcpts=1")" 1 \
    "logged: action=accept host=127.0.0.6"

[ "$zm_nfail" -gt 0 ] && { diag "replies:"; diag "$(cat "$T/replies")"; zm_sendmail_diag; }
plan "$zm_ntest"
zm_done
