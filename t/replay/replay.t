#!/usr/bin/env bash
# t/replay/replay.t -- a minute of an ISP relay's traffic through the real
# milter: do the DEFAULT settings stop the zombies and leave the busy
# customers alone?
#
# t/replay/replay.py draws a population (see there): 300 customers with
# their own SPF-passing domains and FQDN HELOs, a busy office behind NAT,
# a club's mailing-list server (230 members in ~80 domains, three posts),
# and zombies mixed in among them: bots on infected PCs that keep
# retrying whatever is refused (a few hundred attempts each) -- a burster
# (400 messages in 20 s, HELO its rDNS name), a forger (senders at 12
# brands whose SPF fails for it, HELO a bare address), a PC on the DNSBL,
# and a campaign (one body from 8 PCs with HELOs like DESKTOP-4F2K9Q or a
# bare address, MAIL FROM rotating through throw-away domains without SPF
# or with SPF fail); and abuse spread over many addresses: a stolen login
# used from 20 IPv4 addresses and 5 IPv6 /64s, a credential-stuffing PC
# trying 30 logins, an IPv6 zombie taking a new /64 of its /56 for every
# message -- among legitimate customers who must never be refused: one
# sending from home, office and phone (3 networks), a small business of
# 10 staff with their own logins behind one address, the list server
# behind one login, an IPv6 household using three /64s of its /56.  It replays them in real time over the milter
# protocol (t/proto/rawmilter.py) against the milter with a private
# redis-server (restricted ACL user) and a private rbldnsd serving the
# DNSBL zone (ip4set, 127.0.0.4) and every sender domain's SPF records
# (generic datasets); the milter's only forwarder is that rbldnsd.
#
# The milter config sets only what the rig needs: socket, log level,
# Redis, dns_forwarders, the DNSBL zone (127.0.0.4 = 120 points, the
# sample config's XBL example) and relay_name.  Every scoring option keeps
# its default.  Do not tune them here to make this pass: a failure is a
# finding about the defaults (the diag lines give each zombie's and each
# normal group's scores).
#
# Asserts: every zombie (a host, or the login or prefix behind many) has a
# decision line action=quarantine and its zm:block:KEY in Redis, got at
# most 2 delivered after its first refusal and, if it is abuse spread over
# addresses, was first refused within its first 20 messages (the report's
# checks); no decision for a normal host
# is tempfail, reject or quarantine, and no normal host, prefix or login
# has a zm:block: key; every message (the bots' retries too) was answered
# and decided; Redis answered throughout (no fallback=).  Prints, as diag lines, what each zombie got through
# before it was stopped and at which attempt it was quarantined, and the
# highest score of each normal group.  ZM_REPLAY_SECONDS (default 30) sets
# the replay's length, ZM_REPLAY_SEED (default 5) the population.

. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/redis.sh"
. "$ZM_TOP/t/lib/rbldnsd.sh"

RP_DIR=$ZM_TOP/t/replay
RP=$T/rp
LOG=$T/milter.log
fail_all() { echo "1..1"; echo "not ok 1 - $*"; exit 1; }
[ -x "$ZM_BIN" ] || fail_all "no milter binary at $ZM_BIN (not built yet)"
for c in python3 rbldnsd redis-server redis-cli; do
    command -v $c >/dev/null 2>&1 || fail_all "$c not installed (contrib/deps.sh test)"
done

rp() { PYTHONDONTWRITEBYTECODE=1 python3 "$RP_DIR/replay.py" "$@"; }
# a failure before the replay: say why, print the plan, stop
setup_fail() {
    ok 1 "$1"
    [ -n "${2:-}" ] && diag "$2"
    plan "$zm_ntest"
    exit 1
}

# --- the population and its DNS ---------------------------------------------
mkdir -p "$RP"
out=$(rp plan --dir "$RP" --seed "${ZM_REPLAY_SEED:-5}" \
    --seconds "${ZM_REPLAY_SECONDS:-30}" 2>&1) || setup_fail "replay.py plan" "$out"
diag "$out"

zm__rbl_dirs
cp "$RP"/dns/* "$ZM_RBL_DATA"/ && chmod 644 "$ZM_RBL_DATA"/*
mapfile -t zones <"$RP/dns/zones"
zm_rbldnsd_start "${zones[@]}" || setup_fail "rbldnsd starts" "$(cat "$ZM_RBL_OUT")"
zm_redis_start || setup_fail "redis-server starts"

# --- the milter: defaults, plus what the rig needs ---------------------------
XBL=$(cat "$RP/dnsbl.zone")
port=$(zm_free_port)
{
    echo "socket = \"inet:$port@127.0.0.1\""
    echo 'log_level = "info"'
    zm_redis_milter_conf
    echo "dns_forwarders = { \"127.0.0.1@$ZM_RBL_PORT\" }"
    printf 'dnsbl "%s" {\n    type = "ip"\n    codes = { "127.0.0.4 infected 120" }\n}\n' "$XBL"
    echo 'relay_name = "relay1.zm-isp.net"'
} >"$T/zm.conf"
out=$("$ZM_BIN" -n -c "$T/zm.conf" 2>&1)
ok $? "zombie-milter -n accepts the rig's config"
[ -n "$out" ] && diag "$out"
zm_start_milter "$T/zm.conf" || setup_fail "the milter starts" "$(cat "$T/zm.conf")"
for ((i = 0; i < 500; i++)); do
    grep -q 'starting: ' "$LOG" && break
    sleep 0.02
done
grep -q 'starting: ' "$LOG" || setup_fail "the milter logs its start-up line" "$(cat "$LOG")"

# --- the replay --------------------------------------------------------------
t0=$(date +%s)
out=$(rp run --dir "$RP" --port "$port" 2>&1)
rc=$?
is "$rc" 0 "the replay ran, every message answered"
[ "$rc" = 0 ] || diag "$out"
t1=$(date +%s)

# what each zombie got through, how close the normal groups came, and the
# replay's own checks (every message answered and decided, no fallback)
rp report --dir "$RP" --log "$LOG" >"$T/report.out" 2>&1
while IFS= read -r line; do
    case $line in
    PASS\ *) ok 0 "${line#PASS }" ;;
    FAIL\ *) ok 1 "${line#FAIL }" ;;
    '# '*) diag "${line#\# }" ;;
    *) [ -n "$line" ] && diag "$line" ;;
    esac
done <"$T/report.out"

# --- every zombie is quarantined ----------------------------------------------
# (its decision line action=quarantine and the targets are the report's
# checks above; KEY is its host, or the login or delegated prefix behind
# many hosts)
while read -r role key; do
    is "$(rcli EXISTS "zm:block:$key")" 1 "zombie $role $key: zm:block:$key in Redis"
done <"$RP/zombies.tsv"

# --- no normal host is ever held up ------------------------------------------
# the decision lines (ACTION HOST) of the hosts in file $1 whose action
# refuses: tempfail, reject, quarantine (at end of message or at MAIL)
refused_of() {
    LC_ALL=C awk -v hosts="$1" '
        BEGIN { while ((getline h < hosts) > 0) set[h] = 1 }
        / action=/ {
            a = ""; h = ""
            for (i = 1; i <= NF; i++) {
                if ($i ~ /^action=/) a = substr($i, 8)
                else if ($i ~ /^host=/) h = substr($i, 6)
            }
            if ((h in set) && a ~ /^(tempfail|reject|quarantine)$/) print
        }' "$LOG"
}
while read -r role; do
    bad=$(refused_of "$RP/hosts.$role")
    n=$(printf '%s' "$bad" | grep -c .)
    nh=$(wc -l <"$RP/hosts.$role")
    is "$n" 0 "normal $role ($nh hosts): never tempfailed, rejected or quarantined"
    [ "$n" != 0 ] && diag "$(printf '%s\n' "$bad" | head -15)"
done <"$RP/roles.normal"
is "$(rcli --scan --pattern 'zm:block:*' | sed 's/^zm:block://' |
    grep -cxFf "$RP/keys.normal")" 0 "no zm:block: key for a normal host, prefix or login"

# --- the milter survived --------------------------------------------------------
kill -0 "$ZM_MILTER_PID" 2>/dev/null
ok $? "milter still running after the replay (no crash)"
zm_stop_milter
is "$?" 0 "milter exits 0 on SIGTERM"
zm_file_lacks "$LOG" 'Sanitizer|runtime error:|==[0-9]+==ERROR' "no sanitizer report in the milter's log"
ok "$([ $((t1 - t0)) -le $((${ZM_REPLAY_SECONDS:-30} + 20)) ]; echo $?)" \
    "the replay kept to its time ($((t1 - t0)) s for ${ZM_REPLAY_SECONDS:-30} s planned)"

if [ "$zm_nfail" -gt 0 ]; then
    diag "config:"; diag "$(cat "$T/zm.conf")"
    diag "log lines other than decisions (first 30):"
    diag "$(grep -v ' action=' "$LOG" | head -30)"
fi
plan "$zm_ntest"
zm_done
