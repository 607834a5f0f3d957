#!/bin/bash
# t/e2e/postfix_stolen_login.t -- a stolen SASL login, end to end.
#
# A private Postfix on loopback relays to smtp-sink and asks the milter,
# which keeps its state in a private redis-server, about every message.
# The test client authenticates through XCLIENT LOGIN=, which Postfix
# passes to the milter as {auth_authen}, from a new /24 for each message,
# as a botnet holding one customer's password does (refused_per_window = 3
# to keep it short; everything else at its default):
#   - the login from 6 networks is delivered (250);
#   - from a 7th network it is deferred: 451 4.7.1 with the reply_tempfail
#     text, logged with user.networks=7/6(+50); so are the next three;
#   - the next, with 4 refusals behind it, is refused 550 5.7.1 with the
#     quarantine text and logged action=quarantine with
#     user.networks=11/6(+50),user.refused=4/3(+70);
#   - zm:block:user:LOGIN exists in Redis with a TTL, and the event on
#     zm:events names the login and the 11 addresses it was used from;
#   - from a fresh address the login is refused at MAIL FROM (550 5.7.1),
#     logged blocked=user:LOGIN; the same address without the login is
#     delivered;
#   - `redis-cli DEL zm:block:user:LOGIN` releases it: delivered again.
# Every message Postfix accepted reaches smtp-sink, nothing else.

. "$(cd "$(dirname "$0")/../lib" && pwd)/common.sh"
. "$ZM_TOP/t/lib/postfix.sh"
. "$ZM_TOP/t/lib/redis.sh"

zm_e2e_require redis-server redis-cli

URL="https://support.zm-test.example/zombie?case=e2e-login"
DEFER_TEXT="E2E-LOGIN slow down; see $URL"
QUAR_TEXT="E2E-LOGIN quarantined: your password may be stolen; see $URL"
LOGIN=anna.k@zm-cust.example
UKEY=user:$LOGIN

fail_setup() {
    diag "$1"
    [ -f "$T/milter.log" ] && diag "milter log:" && diag "$(cat "$T/milter.log")"
    zm_postfix_diag
    exit 1
}

# --- set-up ---------------------------------------------------------------

zm_redis_start || fail_setup "redis-server did not start"
# the botnet's addresses are the relay's customers too
zm_e2e_rig "mynetworks = 127.0.0.0/8 [::1]/128 198.51.0.0/16 203.0.113.0/24" ||
    fail_setup "the Postfix rig did not start"
mapfile -t rl < <(zm_redis_milter_conf)
zm_milter_conf "$T/zm.conf" "$ZM_MILTER_PORT" "${rl[@]}" \
    'mode = "enforce"' \
    'refused_per_window = 3' \
    'quarantine_time = 600' \
    "support_url = \"$URL\"" \
    'reply_tempfail = "E2E-LOGIN slow down; see %u"' \
    'reply_quarantine = "E2E-LOGIN quarantined: your password may be stolen; see %u"'
"$ZM_BIN" -n -c "$T/zm.conf" >"$T/check.out" 2>&1
rc=$?
ok $rc "zombie-milter -n accepts the config"
[ $rc = 0 ] || diag "$(cat "$T/check.out")"
zm_start_milter "$T/zm.conf" || fail_setup "milter did not start"

# --- one login, a new network for each message ------------------------------

for n in $(seq 1 11); do
    zm_send "s$n" "198.51.$n.7" 1 "$LOGIN"
done
is "$(for n in 1 2 3 4 5 6; do zm_stages "s$n"; echo; done | paste -sd' ')" \
    "eom:250 eom:250 eom:250 eom:250 eom:250 eom:250" "the login from 6 networks: delivered"
is "$(for n in 7 8 9 10; do zm_stages "s$n"; echo; done | paste -sd' ')" \
    "eom:451 eom:451 eom:451 eom:451" "from a 7th network on: deferred at end of message"
is "$(zm_texts s7 451)" "451 4.7.1 $DEFER_TEXT" "the deferral carries 4.7.1 and the reply_tempfail text"
is "$(zm_stages s11)" "eom:550" "the message after 4 refusals: refused at end of message"
is "$(zm_texts s11 550)" "550 5.7.1 $QUAR_TEXT" "with 5.7.1 and the reply_quarantine text"

# --- the quarantine in Redis -------------------------------------------------

is "$(rcli EXISTS "zm:block:$UKEY")" 1 "zm:block:$UKEY exists"
ttl=$(rcli TTL "zm:block:$UKEY")
ok "$( [ "$ttl" -gt 0 ] && [ "$ttl" -le 600 ]; echo $?)" "zm:block:$UKEY has a TTL in (0, 600] ($ttl)"
ev=$(rcli XREVRANGE zm:events + - COUNT 1 | sed -n 3p)
is "$(printf '%s' "$ev" | python3 -c '
import json, sys
e = json.load(sys.stdin)
print(e["user"], " ".join(sorted(e["user_hosts"])))')" \
    "$UKEY $(for n in $(seq 1 11); do printf '198.51.%d.7\n' "$n"; done | LC_ALL=C sort | paste -sd' ')" \
    "the event names the login and the 11 addresses it was used from"

# --- refused everywhere, then released -----------------------------------------

zm_send f1 203.0.113.10 1 "$LOGIN"
zm_send f2 203.0.113.10 1
is "$(zm_stages f1)" "mail:550" "the login from a fresh address: refused at MAIL FROM"
is "$(zm_texts f1 550)" "550 5.7.1 $QUAR_TEXT" "with 5.7.1 and the reply_quarantine text"
is "$(zm_stages f2)" "eom:250" "the same address without the login: delivered"
rcli DEL "zm:block:$UKEY" >/dev/null
sleep 1.2       # the milter remembers a block lookup for one second
zm_send r1 203.0.113.11 1 "$LOGIN"
is "$(zm_stages r1)" "eom:250" "released with redis-cli DEL: the login is delivered again"

zm_check_delivery "stolen login"

zm_stop_milter
ok $? "milter exits 0 on SIGTERM"
L=$T/milter.log
is "$(zm_nfixed "$L" "action=tempfail host=198.51.7.7 user=$UKEY score=50 reasons=user.networks=7/6(+50) rcpts=1")" 1 \
    "logged: the 7th network deferred with user.networks=7/6(+50)"
is "$(zm_nfixed "$L" "action=quarantine host=198.51.11.7 user=$UKEY score=120 reasons=user.networks=11/6(+50),user.refused=4/3(+70) rcpts=1")" 1 \
    "logged: quarantined with user.networks=11/6(+50),user.refused=4/3(+70)"
is "$(zm_nfixed "$L" "action=reject host=203.0.113.10 user=$UKEY score=0 reasons=quarantined rcpts=0 stage=mail blocked=$UKEY")" 1 \
    "logged: the refusal at MAIL FROM names the quarantined login (blocked=$UKEY)"
zm_file_lacks "$L" 'Sanitizer|runtime error:|==[0-9]+==ERROR' "no sanitizer report in the milter's log"

[ "$zm_nfail" -gt 0 ] && { diag "replies:"; diag "$(cat "$T/replies")"; diag "milter log:"; diag "$(grep 'action=' "$L")"; }
plan "$zm_ntest"
zm_done
