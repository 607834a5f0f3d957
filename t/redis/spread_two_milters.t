#!/bin/bash
# Abuse spread over many addresses, seen by two milters (two relays)
# sharing one Redis, each client on a new connection, alternating A/B:
#   - a stolen login used from a new /24 for each message: the first four
#     networks accepted, the fifth deferred (451 4.7.1, user.networks=5/4),
#     every later one too; past 32 networks the login's hash keeps 32 D
#     fields (bounded, no key per address); after 41 refusals (more than
#     refused_per_window = 40) the next message is quarantined, after
#     malformed D fields were written into the login's hash behind the
#     milters' back (Redis's bytes are not trusted), zm:block:user:L
#     holds the record with a TTL, the event names the login and the 32
#     addresses kept (user_hosts), and of the injected fields only the one
#     the script could have written; the OTHER milter refuses the login at
#     MAIL FROM from a fresh address (blocked=user:L); one `redis-cli DEL`
#     releases it and the next message is accepted;
#   - an IPv6 zombie taking a new /64 of its /56 for each message: eight
#     accepted, the ninth deferred (prefix.hosts=9/8); after 41 refusals,
#     quarantined with its /56 (zm:block:2001:db8:5:5500::/56); any /64 of
#     the /56 is then refused at MAIL FROM by the other milter
#     (blocked=2001:db8:5:5500::/56), a neighbouring /56 is not; the event
#     names the prefix and its /64s (prefix_hosts);
#   - one address authenticating as 16 logins: the 16th deferred
#     (logins=16/15), the logins counted across both milters.
# The windows' limits are out of the way (100000), so only the new
# signals decide; user_networks_per_window is 4 (default 6).
. "$(dirname "$0")/rtest.sh"
rt_require

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }

D='451 4.7.1 ZM-DEFER spread'
Q='550 5.7.1 ZM-QUAR spread'
common=(
    'window "1m" {' 'length = 60' 'buckets = 6' 'messages = 100000' 'recipients = 0' 'points = 60' '}'
    'threshold_tag = 0' 'threshold_tempfail = 50' 'threshold_reject = 0' 'threshold_quarantine = 120'
    'quarantine_time = 600' 'refused_per_window = 40' 'user_networks_per_window = 4'
    'reply_tempfail = "ZM-DEFER spread"' 'reply_quarantine = "ZM-QUAR spread"'
    'spf = false'
)
rt_start A "${common[@]}" 'relay_name = "relay-a"'
rt_start B "${common[@]}" 'relay_name = "relay-b"'
P=(${rt_port[A]} ${rt_port[B]})

# --- a stolen login -------------------------------------------------------
L=sam@example.net
UK=user:$L
{
    for n in $(seq 1 45); do
        p=${P[$((n % 2))]}
        if [ "$n" -le 4 ]; then
            echo "$p accept 198.51.$n.7 login=$L qid=S$n"
        else
            echo "$p refuse-eom 198.51.$n.7 login=$L qid=S$n text='$D'"
        fi
    done
} >"$T/stolen.steps"
zmc "raw client: login $L from 45 networks over A and B: 1-4 accepted, 5-45 deferred ('$D')" <"$T/stolen.steps"
is "$(rcli HKEYS "zm:rate:$UK" | grep -c '^D')" 32 \
    "zm:rate:$UK keeps 32 networks (D fields) after 45: bounded"
is "$(rcli --scan --pattern "*$L*" | LC_ALL=C sort | paste -sd' ')" "zm:rate:$UK" \
    "one key for the login, whatever the addresses (no key per address)"
# Redis's bytes are not trusted: D fields the script would never write,
# in the window (the current minute), neither counted (the counts are
# the script's, in "o") nor named by the event -- but the one
# well-formed.
M=$(( $(rcli TIME | head -1) / 60 % 4096 ))
rcli HSET "zm:rate:$UK" Dzzzzzz "$M 203.0.113.1" D1234567 "$M 203.0.113.2" \
    Dabcdef "$M 203.0.113.3 x" Dabcde0 "$M <b>" Dabcde1 "$M" \
    Dabcde2 "$M 192.0.2.253" Dabcde3 "x$M 203.0.113.4" >/dev/null
zmc "raw client: the 46th message (on A) quarantines the login ('$Q')" <<EOF
${P[0]} refuse-eom 198.51.46.7 login=$L qid=S46 text='$Q'
EOF
is "$(rcli EXISTS "zm:block:$UK")" 1 "zm:block:$UK exists"
ttl=$(rcli TTL "zm:block:$UK")
ok "$( [ "$ttl" -gt 0 ] && [ "$ttl" -le 600 ]; echo $?)" "zm:block:$UK has a TTL in (0, 600] ($ttl)"
is "$(rcli HGET "zm:block:$UK" reason)" 'user.networks=32/4(+50),user.refused=41/40(+70)' \
    "its reason: user.networks=32/4(+50) (the 32 kept: the counts are the script's own, injected fields add nothing),user.refused=41/40(+70)"
ev=$(rcli XREVRANGE zm:events + - COUNT 1 | sed -n 3p)
is "$(printf '%s' "$ev" | python3 -c '
import json, sys
e = json.load(sys.stdin)
h = e["user_hosts"]
print(e["user"], e["host"], len(h), len(set(h)), "192.0.2.253" in h,
      all(x.startswith("198.51.") and x.endswith(".7") for x in h if x != "192.0.2.253"))')" \
    "$UK 198.51.46.7 33 33 True True" \
    "the event names the login, the host, the 32 addresses kept and the one well-formed injected field, none of the malformed"
zmc "raw client: B refuses the login at MAIL FROM from a fresh address, within 3 s" <<EOF
${P[1]} until-refused-mail 203.0.113.201 login=$L qid=S47 within=3 text='$Q'
EOF
slast=$(zmc_get last)
rcli DEL "zm:block:$UK" >/dev/null
zmc "raw client: released with redis-cli DEL: B accepts the login again within 3 s" <<EOF
${P[1]} until-accepted 203.0.113.202 login=$L qid=S48 within=3 text='$Q'
EOF

# --- an IPv6 zombie rotating through its /56 --------------------------------
PFX=2001:db8:5:5500::/56
{
    for n in $(seq 1 49); do
        p=${P[$((n % 2))]}
        h=2001:db8:5:55$(printf %02x "$n")::1
        if [ "$n" -le 8 ]; then
            echo "$p accept $h qid=V$n"
        else
            echo "$p refuse-eom $h qid=V$n text='$D'"
        fi
    done
    echo "${P[0]} refuse-eom 2001:db8:5:5580::1 qid=V50 text='$Q'"
} >"$T/rotator.steps"
zmc "raw client: a new /64 of $PFX for each message: 1-8 accepted, 9-49 deferred, the 50th quarantined" <"$T/rotator.steps"
is "$(rcli EXISTS "zm:block:$PFX")" 1 "zm:block:$PFX exists: the quarantine covers the delegated prefix"
is "$(rcli EXISTS "zm:block:2001:db8:5:5580::/64")" 1 "and the host key that sent the last message"
is "$(rcli HGET "zm:block:$PFX" reason)" 'prefix.hosts=32/8(+50),prefix.refused=41/40(+70)' \
    "its reason: prefix.hosts=32/8(+50),prefix.refused=41/40(+70)"
ev=$(rcli XREVRANGE zm:events + - COUNT 1 | sed -n 3p)
is "$(printf '%s' "$ev" | python3 -c 'import json,sys; e=json.load(sys.stdin); print(e["prefix"], e["host"], e["user"], len(e["prefix_hosts"]), all(h.startswith("2001:db8:5:55") and h.endswith("::/64") for h in e["prefix_hosts"]))')" \
    "$PFX 2001:db8:5:5580::/64 None 32 True" \
    "the event names the prefix, the host and 32 of the prefix's /64s"
zmc "raw client: B refuses another /64 of the /56 at MAIL FROM; A accepts a neighbouring /56" <<EOF
${P[1]} until-refused-mail 2001:db8:5:55ff::1 qid=V51 within=3 text='$Q'
${P[0]} accept 2001:db8:5:5600::1 qid=V52
EOF
vlast=$(zmc_get last)

# --- one address, many logins ----------------------------------------------
{
    for n in $(seq 1 15); do
        echo "${P[$((n % 2))]} accept 192.0.2.99 login=u$n@example.net qid=C$n"
    done
    echo "${P[0]} refuse-eom 192.0.2.99 login=u16@example.net qid=C16 text='$D'"
} >"$T/stuffer.steps"
zmc "raw client: 192.0.2.99 as 15 logins over A and B accepted, the 16th deferred" <"$T/stuffer.steps"

rt_acl_clean 2
rt_stop A B

rlog_has B "$(dl S5 'action=tempfail host=198\.51\.5\.7 user=user:sam@example\.net score=50 reasons=user\.networks=5/4\(\+50\) rcpts=1')" \
    "B: S5 deferred, reasons=user.networks=5/4(+50)"
rlog_has A "$(dl S46 'action=quarantine host=198\.51\.46\.7 user=user:sam@example\.net score=120 reasons=user\.networks=32/4\(\+50\),user\.refused=41/40\(\+70\) rcpts=1')" \
    "A: S46 quarantined the login, reasons=user.networks=32/4(+50),user.refused=41/40(+70)"
if [ -n "$slast" ]; then
    rlog_has B "$(dl "$slast" 'action=reject host=203\.0\.113\.201 user=user:sam@example\.net score=0 reasons=quarantined rcpts=0 stage=mail blocked=user:sam@example\.net')" \
        "B: $slast refused at MAIL from a fresh address, blocked=user:sam@example.net"
else
    ok 1 "B: a MAIL-stage refusal of the login logged (no attempt reported)"
fi
rlog_has B "$(dl S48 'action=accept host=203\.0\.113\.202 user=user:sam@example\.net score=0 reasons=- rcpts=1')" \
    "B: S48 accepted after the release, the login's counts gone with the quarantine"
rlog_has B "$(dl V9 'action=tempfail host=2001:db8:5:5509::/64 user=- score=50 reasons=prefix\.hosts=9/8\(\+50\) rcpts=1')" \
    "B: V9 deferred, reasons=prefix.hosts=9/8(+50)"
if [ -n "$vlast" ]; then
    rlog_has B "$(dl "$vlast" 'action=reject host=2001:db8:5:55ff::/64 user=- score=0 reasons=quarantined rcpts=0 stage=mail blocked=2001:db8:5:5500::/56')" \
        "B: $vlast (a new /64 of the /56) refused at MAIL, blocked=2001:db8:5:5500::/56"
else
    ok 1 "B: a MAIL-stage refusal of the prefix logged (no attempt reported)"
fi
rlog_has A "$(dl V52 'action=accept host=2001:db8:5:5600::/64 user=- score=0 reasons=- rcpts=1')" \
    "A: V52 from the neighbouring /56 accepted"
rlog_has A "$(dl C16 'action=tempfail host=192\.0\.2\.99 user=user:u16@example\.net score=50 reasons=logins=16/15\(\+50\) rcpts=1')" \
    "A: C16 deferred, reasons=logins=16/15(+50): the logins of both milters counted"
for n in A B; do
    rlog_lacks "$n" 'fallback=|unreachable' "$n: every decision used Redis (no fallback, no unreachable)"
done

plan "$zm_ntest"
zm_done
