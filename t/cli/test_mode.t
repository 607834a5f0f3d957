#!/usr/bin/env bash
# t/cli/test_mode.t -- `zombie-milter -c CONF -t FILE`: judge test
# transactions with no MTA and print one verdict line per message.
#
# A private rbldnsd serves the SPF records of the sender domains and a
# DNSBL zone; the config points dns_forwarders at it, so SPF and DNSBL
# answers are real.  Shown:
#   - one line "FILE:LINE[#K]: action=... host=... user=... score=N
#     reasons=... rcpts=N" per message, exit 0; comments and blank lines
#     are skipped but counted; #K only with repeat > 1
#   - the signals with their default points: spf=fail / softfail,
#     helo=ip (bare and [literal]), helo=nofqdn, helo=self (relay_name),
#     helo=freemail, dnsbl, rejected=6/8 (and not under
#     rejected_rcpts_min), rcptdomains=51/50, rcptdomains.window=301/300,
#     fromdomains=6/5; no SPF check for the null sender
#   - repeat=60 crosses the 1m window: #30 accepted, #31 tempfailed with
#     msgs1m=31/30(+50), and so on to #51 (refused mail is not counted);
#     the host keeps pushing: #52, with 21 refusals before it, adds
#     refused=21/20(+70) and is quarantined at 120; #53..#60 are refused
#     at MAIL as quarantined (stage=mail)
#   - a body file (relative to the transactions file's directory, read
#     from another working directory) with bulk_host_recipients = 3:
#     bulk=FP:4rcpt/3(+20) where FP is the first 8 hex digits of the
#     SHA-256 of the normalised body, the same for a body differing only
#     in whitespace and empty lines, not for one with another word;
#     bulk.hosts=FP:6/5(+40) on the sixth host sending it
#   - abuse spread over addresses, user= on every line: a login from a
#     7th network (user.networks=7/6), a 16th login from one address
#     (logins=16/15), a 9th /64 of one /56 (prefix.hosts=9/8), each
#     tempfailed at 50; a household using three /64s of its /56 accepted
#   - a malformed transaction file: "FILE:LINE: reason" on stderr, exit 2
#     (missing from, bad client, unknown key, bad repeat, no rcpt, a word
#     without "=", a missing body file)
#   - `-t -` reads standard input
#   - Redis is never touched even when `redis` is configured: pointed at a
#     port where nothing listens, the answers come at once with no
#     fallback=; pointed at a listener that never answers, it is never
#     even connected to.
# Reasons of different signals are compared as sets (their order is not
# part of the spec).

. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/lib/rbldnsd.sh"

fail_all() { echo "1..1"; echo "not ok 1 - $*"; exit 1; }
[ -x "$ZM_BIN" ] || fail_all "no milter binary at $ZM_BIN (not built yet)"
command -v python3 >/dev/null 2>&1 || fail_all "python3 not installed"
command -v rbldnsd >/dev/null 2>&1 || fail_all "rbldnsd not installed (contrib/deps.sh test)"

ZM=$ZM_BIN
XBL=xbl.zm-test.net
ms() { date +%s%3N; }

# --- DNS: SPF records and a DNSBL -------------------------------------------
zm_rbl_file spf <<'EOF'
good TXT "v=spf1 ip4:192.0.2.0/24 -all"
forged TXT "v=spf1 ip4:203.0.113.0/24 -all"
soft TXT "v=spf1 ip4:203.0.113.0/24 ~all"
EOF
zm_rbl_file xbl4 <<'EOF'
:127.0.0.4:Listed in xbl: $
192.0.2.99
127.0.0.2 :127.0.0.2:RFC 5782 test point
EOF
zm_rbldnsd_start "$XBL:ip4set:xbl4" "zm-test.net:generic:spf" ||
    fail_all "rbldnsd did not start"

conf() {    # conf FILE EXTRA-LINE...
    local f=$1
    shift
    {
        echo "dns_forwarders = { \"127.0.0.1@$ZM_RBL_PORT\" }"
        printf 'dnsbl "%s" {\n    type = "ip"\n    codes = { "127.0.0.4 infected 100" }\n}\n' "$XBL"
        echo 'relay_name = "relay.zm-test.net"'
        for l in "$@"; do echo "$l"; done
    } >"$f"
}
conf "$T/zm.conf"

# --- the transactions ----------------------------------------------------------
mkdir -p "$T/sub"
declare -A L
tx_new() {  # tx_new FILE: the next tx lines go to a new FILE
    TX=$1
    rm -f "$TX"
    nl=0
}
tx() {      # tx LABEL|- LINE: append LINE, remember its number as LABEL
    local label=$1
    shift
    printf '%s\n' "$*" >>"$TX"
    nl=$((nl + 1))
    [ "$label" = - ] || L[$label]=$nl
}
G="helo=mail.good.zm-test.net from=alice@good.zm-test.net"
tx_new "$T/sub/main.tx"
tx - '# test transactions: one message a line'
tx - ''
tx pass "client=192.0.2.7 $G rcpt=bob@example.org"
tx forged 'client=198.51.100.7 helo=198.51.100.7 from=ceo@forged.zm-test.net rcpt=x@example.org,y@example.com'
tx soft 'client=198.51.100.8 helo=PC-1234 from=a@soft.zm-test.net rcpt=x@example.org'
tx self 'client=198.51.100.9 helo=relay.zm-test.net from=b@nospf.zm-test.net rcpt=x@example.org'
tx free 'client=198.51.100.10 helo=smtp.gmail.com from=c@nospf.zm-test.net rcpt=x@example.org'
tx literal 'client=198.51.100.11 helo=[198.51.100.11] from=d@nospf.zm-test.net rcpt=x@example.org'
tx null 'client=198.51.100.12 helo=mail.forged.zm-test.net from=<> rcpt=x@example.org'
tx - '   # an indented comment'
tx listed "client=192.0.2.99 $G rcpt=x@example.org"
tx rej "client=192.0.2.50 $G rcpt=a@example.org,b@example.com rejected=c@example.net,d@example.de,e@example.fr,f@example.it,g@example.es,h@example.nl"
tx rejmin "client=192.0.2.51 $G rcpt=a@example.org rejected=b@example.com,c@example.net,d@example.de"
r=
for i in $(seq 1 50); do r="$r${r:+,}u$i@c$i.example.com"; done
tx rcptdom50 "client=192.0.2.62 $G rcpt=$r"
r=
for i in $(seq 1 51); do r="$r${r:+,}u$i@d$i.example.com"; done
tx rcptdom "client=192.0.2.60 $G rcpt=$r"
# 6 x 50 = 300 domains (each message at the per-message limit, not over
# it; 300 recipients stay under the 1m window's 500)
for k in 1 2 3 4 5 6; do
    r=
    for i in $(seq $(((k - 1) * 50 + 1)) $((k * 50))); do r="$r${r:+,}u@w$i.example.net"; done
    tx win$k "client=192.0.2.61 $G rcpt=$r"
done
tx win7 "client=192.0.2.61 $G rcpt=u@w301.example.net"
for k in 1 2 3 4 5 6; do
    tx from$k "client=192.0.2.80 helo=mail.good.zm-test.net from=x@f$k.zm-test.net rcpt=y@example.org"
done
tx - ''
tx burst "client=192.0.2.70 $G rcpt=bob@example.org repeat=60"

# the verdict text of LABEL (message K of a repeat: LABEL K) in $OUT
res() {
    local p="$TX:${L[$1]}${2:+#$2}: "
    awk -v p="$p" 'index($0, p) == 1 { print substr($0, length(p) + 1); exit }' "$OUT"
}
# a verdict with the reasons sorted (signals' order is not specified)
norm() {
    local r s
    r=$(printf '%s' "$1" | sed -n 's/.* reasons=\([^ ]*\).*/\1/p')
    s=$(printf '%s' "$r" | tr ',' '\n' | LC_ALL=C sort | paste -sd, -)
    printf '%s' "$1" | sed "s| reasons=[^ ]*| reasons=$s|"
}
verdict() { # verdict LABEL[:K] EXPECTED DESC
    local label=${1%%:*} k= got
    [ "$label" != "$1" ] && k=${1#*:}
    got=$(res "$label" "$k")
    is "$(norm "$got")" "$(norm "$2")" "$3"
}

OUT=$T/main.out
t0=$(ms)
"$ZM" -c "$T/zm.conf" -t "$TX" >"$OUT" 2>"$T/main.err"
rc=$?
t1=$(ms)
is "$rc" 0 "-t FILE exits 0"
is "$(cat "$T/main.err")" "" "nothing on standard error"
msgs=$((${#L[@]} - 1 + 60))
is "$(grep -c . "$OUT")" "$msgs" "one line per message ($msgs: $((${#L[@]} - 1)) lines, one of them repeat=60)"
is "$(grep -vc "^$(printf '%s' "$TX" | sed 's/[][\.*^$+?(){}|/]/\\&/g'):[0-9]+(#[0-9]+)?: action=(accept|tag|tempfail|reject|quarantine) host=[^ ]+ user=[^ ]+ score=-?[0-9]+ reasons=[^ ]+ rcpts=[0-9]+( stage=mail blocked=[^ ]+)?\$" -E "$OUT")" 0 \
    "every line reads FILE:LINE[#K]: action=A host=H user=U score=N reasons=R rcpts=N[ stage=mail blocked=KEY]"
is "$(grep -c "^$TX:${L[burst]}#" "$OUT")" 60 "#K appears on the 60 messages of repeat=60"
is "$(grep -c "^$TX:[0-9]*#" "$OUT")" 60 "and on no other line"
diag "main run: $((t1 - t0)) ms for $msgs messages"

verdict pass "action=accept host=192.0.2.7 user=- score=0 reasons=- rcpts=1" \
    "SPF pass, FQDN HELO: accept, score 0, reasons -"
verdict forged "action=tag host=198.51.100.7 user=- score=45 reasons=spf=fail(+30),helo=ip(+15) rcpts=2" \
    "SPF -all not matching, HELO a bare IP: spf=fail(+30),helo=ip(+15), tag"
verdict soft "action=tag host=198.51.100.8 user=- score=20 reasons=spf=softfail(+10),helo=nofqdn(+10) rcpts=1" \
    "SPF ~all not matching, HELO PC-1234: spf=softfail(+10),helo=nofqdn(+10)"
verdict self "action=tag host=198.51.100.9 user=- score=40 reasons=helo=self(+40) rcpts=1" \
    "HELO = relay_name: helo=self(+40); a domain without SPF: no SPF reason"
verdict free "action=tag host=198.51.100.10 user=- score=40 reasons=helo=freemail(+40) rcpts=1" \
    "HELO under gmail.com: helo=freemail(+40)"
verdict literal "action=accept host=198.51.100.11 user=- score=15 reasons=helo=ip(+15) rcpts=1" \
    "HELO an address literal [198.51.100.11]: helo=ip(+15)"
verdict null "action=accept host=198.51.100.12 user=- score=0 reasons=- rcpts=1" \
    "the null sender is not SPF-checked"
verdict listed "action=reject host=192.0.2.99 user=- score=100 reasons=dnsbl=$XBL:127.0.0.4(+100) rcpts=1" \
    "a listed client: dnsbl=$XBL:127.0.0.4(+100), reject (DNSBL looked up in -t)"
verdict rej "action=tag host=192.0.2.50 user=- score=30 reasons=rejected=6/8(+30) rcpts=2" \
    "6 of 8 recipients refused by the MTA: rejected=6/8(+30), rcpts counts the 2 accepted"
verdict rejmin "action=accept host=192.0.2.51 user=- score=0 reasons=- rcpts=1" \
    "3 of 4 refused: under rejected_rcpts_min (5), no reason"
verdict rcptdom50 "action=accept host=192.0.2.62 user=- score=0 reasons=- rcpts=50" \
    "50 recipient domains in one message: not more than 50, no reason"
verdict rcptdom "action=accept host=192.0.2.60 user=- score=10 reasons=rcptdomains=51/50(+10) rcpts=51" \
    "51 recipient domains in one message: rcptdomains=51/50(+10)"
verdict win6 "action=accept host=192.0.2.61 user=- score=0 reasons=- rcpts=50" \
    "300 recipient domains in the window: not more than 300, no reason"
verdict win7 "action=tag host=192.0.2.61 user=- score=20 reasons=rcptdomains.window=301/300(+20) rcpts=1" \
    "the 301st: rcptdomains.window=301/300(+20)"
verdict from5 "action=accept host=192.0.2.80 user=- score=0 reasons=- rcpts=1" \
    "5 sender domains: no reason"
verdict from6 "action=tag host=192.0.2.80 user=- score=40 reasons=fromdomains=6/5(+40) rcpts=1" \
    "the 6th sender domain: fromdomains=6/5(+40)"
verdict burst:1 "action=accept host=192.0.2.70 user=- score=0 reasons=- rcpts=1" "repeat=60 #1: accept"
verdict burst:30 "action=accept host=192.0.2.70 user=- score=0 reasons=- rcpts=1" "repeat=60 #30: still accepted"
verdict burst:31 "action=tempfail host=192.0.2.70 user=- score=50 reasons=msgs1m=31/30(+50) rcpts=1" \
    "repeat=60 #31 crosses the 1m window: tempfail, msgs1m=31/30(+50)"
verdict burst:40 "action=tempfail host=192.0.2.70 user=- score=50 reasons=msgs1m=31/30(+50) rcpts=1" \
    "#40: still msgs1m=31/30 (refused messages are not counted)"
verdict burst:51 "action=tempfail host=192.0.2.70 user=- score=50 reasons=msgs1m=31/30(+50) rcpts=1" \
    "#51: 20 refusals before it, not more than refused_per_window 20: still only tempfail"
verdict burst:52 "action=quarantine host=192.0.2.70 user=- score=120 reasons=msgs1m=31/30(+50),refused=21/20(+70) rcpts=1" \
    "#52: 21 refusals before it: refused=21/20(+70), score 120, quarantine"
verdict burst:53 "action=reject host=192.0.2.70 user=- score=0 reasons=quarantined rcpts=0 stage=mail blocked=192.0.2.70" \
    "#53: the quarantined host is refused at MAIL"
is "$(grep "^$TX:${L[burst]}#" "$OUT" | grep -c ': action=tempfail ')" 21 "#31..#51: 21 tempfails"
is "$(grep "^$TX:${L[burst]}#" "$OUT" | grep -c ': action=quarantine .* reasons=[^ ]*refused=21/20(+70)')" 1 \
    "one quarantine, with refused=21/20(+70)"
is "$(grep "^$TX:${L[burst]}#" "$OUT" | grep -c ': action=reject host=192.0.2.70 user=- score=0 reasons=quarantined rcpts=0 stage=mail blocked=192.0.2.70$')" 8 \
    "#53..#60: eight refused at MAIL as quarantined"
if [ "$zm_nfail" -gt 0 ]; then diag "transactions:"; diag "$(cat -n "$TX")"; diag "output:"; diag "$(cat "$OUT")"; fi

# --- a body file: bulk --------------------------------------------------------
printf 'Dear customer,\r\n\r\nyour   parcel\t is  waiting at the depot.   \r\n\r\nClick the link below to arrange a new delivery date today.\r\n' >"$T/sub/b1.txt"
printf 'Dear customer,\nyour parcel is waiting at the depot.\nClick the link below to arrange a new delivery date today.\n\n\n' >"$T/sub/b1v.txt"
printf 'Dear customer,\nyour parcel is waiting at the station.\nClick the link below to arrange a new delivery date today.\n' >"$T/sub/b2.txt"
FP=$(python3 -c '
import hashlib, re, sys
body = open(sys.argv[1], "rb").read()
lines = [re.sub(rb"[ \t]+", b" ", l).strip(b" ") for l in re.split(rb"[\r\n]", body)]
print(hashlib.sha256(b"".join(l + b"\n" for l in lines if l)).hexdigest()[:8])' "$T/sub/b1.txt")
tx_new "$T/sub/bulk.tx"
S="helo=mail.good.zm-test.net from=shop@good.zm-test.net"
tx - '# bulk: bodies relative to this directory'
tx b1 "client=192.0.2.21 $S rcpt=r1@example.org,r2@example.com body=b1.txt"
tx b1v "client=192.0.2.21 $S rcpt=r3@example.net,r4@example.de body=b1v.txt"
tx b2 "client=192.0.2.21 $S rcpt=r5@example.org,r6@example.com,r7@example.net body=b2.txt"
for h in 22 23 24 25 26; do
    tx h$h "client=192.0.2.$h $S rcpt=q$h@example.org body=b1.txt"
done
conf "$T/bulk.conf" 'bulk_host_recipients = 3'
OUT=$T/bulk.out
(cd / && "$ZM" -c "$T/bulk.conf" -t "$TX") >"$OUT" 2>"$T/bulk.err"
rc=$?
is "$rc" 0 "-t with body files, run from another directory: exit 0"
[ -s "$T/bulk.err" ] && diag "stderr: $(cat "$T/bulk.err")"
verdict b1 "action=accept host=192.0.2.21 user=- score=0 reasons=- rcpts=2" \
    "body b1.txt to 2 recipients: not more than bulk_host_recipients = 3"
verdict b1v "action=tag host=192.0.2.21 user=- score=20 reasons=bulk=$FP:4rcpt/3(+20) rcpts=2" \
    "the same body but for whitespace and empty lines, 2 more: bulk=$FP:4rcpt/3(+20) ($FP = SHA-256 of the normalised body)"
verdict b2 "action=accept host=192.0.2.21 user=- score=0 reasons=- rcpts=3" \
    "a body with another word is another fingerprint: no bulk reason"
verdict h25 "action=accept host=192.0.2.25 user=- score=0 reasons=- rcpts=1" \
    "5 hosts sent $FP: not more than bulk_hosts = 5"
verdict h26 "action=tag host=192.0.2.26 user=- score=40 reasons=bulk.hosts=$FP:6/5(+40) rcpts=1" \
    "the 6th host: bulk.hosts=$FP:6/5(+40)"
[ "$zm_nfail" -gt 0 ] && { diag "bulk output:"; diag "$(cat "$OUT")"; }

# --- abuse spread over addresses: the new reasons through -t -----------------
tx_new "$T/sub/spread.tx"
S="helo=mail.kim.zm-test.net from=kim@nospf.zm-test.net rcpt=x@example.org"
tx - '# one login from seven networks'
for n in 1 2 3 4 5 6 7; do
    tx net$n "client=198.51.$n.7 $S user=kim@zm-cust.net"
done
tx - '# one address, sixteen logins'
for n in $(seq 1 16); do
    tx login$n "client=203.0.113.77 $S user=u$n@zm-cust.net"
done
tx - '# an IPv6 zombie taking a new /64 of its /56 for each message'
for n in $(seq 1 9); do
    tx v6_$n "client=2001:db8:77:77$(printf %02x "$n")::1 $S"
done
tx - '# a household: three /64s of its /56'
for n in 1 2 3 1 2 3; do
    tx home$n "client=2001:db8:88:88$(printf %02x "$n")::1 $S"
done
OUT=$T/spread.out
"$ZM" -c "$T/zm.conf" -t "$TX" >"$OUT" 2>"$T/spread.err"
is "$?" 0 "-t with user= on every line: exit 0"
[ -s "$T/spread.err" ] && diag "stderr: $(cat "$T/spread.err")"
verdict net6 "action=accept host=198.51.6.7 user=user:kim@zm-cust.net score=0 reasons=- rcpts=1" \
    "a login from 6 networks: not more than user_networks_per_window = 6"
verdict net7 "action=tempfail host=198.51.7.7 user=user:kim@zm-cust.net score=50 reasons=user.networks=7/6(+50) rcpts=1" \
    "from a 7th network: user.networks=7/6(+50), tempfail"
verdict login15 "action=accept host=203.0.113.77 user=user:u15@zm-cust.net score=0 reasons=- rcpts=1" \
    "one address, 15 logins: not more than host_logins_per_window = 15"
verdict login16 "action=tempfail host=203.0.113.77 user=user:u16@zm-cust.net score=50 reasons=logins=16/15(+50) rcpts=1" \
    "the 16th login: logins=16/15(+50), tempfail"
verdict v6_8 "action=accept host=2001:db8:77:7708::/64 user=- score=0 reasons=- rcpts=1" \
    "a /56 sending from 8 /64s: not more than prefix_hosts_per_window = 8"
verdict v6_9 "action=tempfail host=2001:db8:77:7709::/64 user=- score=50 reasons=prefix.hosts=9/8(+50) rcpts=1" \
    "from a 9th /64 of the /56: prefix.hosts=9/8(+50), tempfail"
is "$(grep -c ': action=accept host=2001:db8:88:88[^ ]* user=- score=0 reasons=- ' "$OUT")" 6 \
    "the household's six messages from three /64s of its /56: all accepted, score 0"
[ "$zm_nfail" -gt 0 ] && { diag "spread output:"; diag "$(cat "$OUT")"; }

# --- malformed transaction files ------------------------------------------------
bad() {     # bad NAME LINENO DESC < FILE-CONTENT
    local f=$T/sub/$1.tx rc err
    cat >"$f"
    "$ZM" -c "$T/zm.conf" -t "$f" >"$T/$1.out" 2>"$T/$1.err"
    rc=$?
    err=$(cat "$T/$1.err")
    is "$rc" 2 "$3: exit 2"
    like "$err" "^$(printf '%s' "$f" | sed 's/[][\.*^$+?(){}|/]/\\&/g'):$2: [^ ]" "$3: $1.tx:$2: reason on stderr"
    [ -n "$err" ] && diag "$1: $err"
}
bad nofrom 3 "a line without from=" <<'EOF'
client=192.0.2.7 from=a@good.zm-test.net rcpt=b@example.org
# comment
client=192.0.2.7 rcpt=b@example.org
EOF
bad badclient 1 "client=999.1.2.3" <<'EOF'
client=999.1.2.3 from=a@good.zm-test.net rcpt=b@example.org
EOF
bad unknownkey 2 "an unknown key" <<'EOF'

client=192.0.2.7 from=a@good.zm-test.net rcpt=b@example.org colour=red
EOF
bad badrepeat 1 "repeat=0" <<'EOF'
client=192.0.2.7 from=a@good.zm-test.net rcpt=b@example.org repeat=0
EOF
bad norcpt 2 "no rcpt=" <<'EOF'
client=192.0.2.7 from=a@good.zm-test.net rcpt=b@example.org
client=192.0.2.7 from=a@good.zm-test.net
EOF
bad noequals 1 "a word without =" <<'EOF'
client=192.0.2.7 from=a@good.zm-test.net rcpt=b@example.org hello
EOF
bad nobody 2 "a body file that does not exist" <<'EOF'
# comment
client=192.0.2.7 from=a@good.zm-test.net rcpt=b@example.org body=no-such-file.txt
EOF

# --- -t - reads standard input ---------------------------------------------------
out=$(printf '# from stdin\nclient=192.0.2.7 %s rcpt=bob@example.org\n' "$G" |
    "$ZM" -c "$T/zm.conf" -t - 2>"$T/stdin.err")
rc=$?
is "$rc" 0 "-t - exits 0"
like "$out" '^[^ ]+:2: action=accept host=192\.0\.2\.7 user=- score=0 reasons=- rcpts=1$' \
    "-t - judges the transactions on standard input (line 2 after a comment)"
is "$(printf '%s\n' "$out" | grep -c .)" 1 "one line for one message"

# --- Redis is never touched --------------------------------------------------------
tx_new "$T/sub/redis.tx"
tx r1 "client=192.0.2.7 $G rcpt=bob@example.org"
tx r2 "client=192.0.2.70 $G rcpt=bob@example.org repeat=35"
dead=$(zm_free_port)
conf "$T/redis.conf" "redis = \"127.0.0.1:$dead\"" 'redis_fallback = "tempfail"'
OUT=$T/redis.out
t0=$(ms)
"$ZM" -c "$T/redis.conf" -t "$TX" >"$OUT" 2>"$T/redis.err"
rc=$?
t1=$(ms)
is "$rc" 0 "redis configured on a port where nothing listens: -t exits 0"
is "$(grep -c . "$OUT")" 36 "36 verdicts"
is "$(grep -c 'fallback=' "$OUT")" 0 "no verdict says fallback= (Redis is not asked, not missed)"
verdict r1 "action=accept host=192.0.2.7 user=- score=0 reasons=- rcpts=1" \
    "accepted: redis_fallback = tempfail never applies"
verdict r2:31 "action=tempfail host=192.0.2.70 user=- score=50 reasons=msgs1m=31/30(+50) rcpts=1" \
    "the embedded store counts: #31 msgs1m=31/30"
ok "$([ $((t1 - t0)) -lt 2000 ]; echo $?)" "36 verdicts at once ($((t1 - t0)) ms)"
[ -s "$T/redis.err" ] && diag "stderr: $(cat "$T/redis.err")"

# a listener that accepts and never answers: a Redis client would hang on
# it for redis_timeout_ms and show up in its count
zm_bg python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held, n = [], 0
while True:
    c, _ = s.accept()
    held.append(c)
    n += 1
    open(sys.argv[2], "w").write(str(n))
' "$T/silent.port" "$T/silent.count"
for ((i = 0; i < 100; i++)); do [ -s "$T/silent.port" ] && break; sleep 0.05; done
conf "$T/silent.conf" "redis = \"127.0.0.1:$(cat "$T/silent.port")\""
t0=$(ms)
"$ZM" -c "$T/silent.conf" -t "$TX" >"$T/silent.out" 2>"$T/silent.err"
rc=$?
t1=$(ms)
is "$rc" 0 "redis configured on a listener that never answers: -t exits 0"
is "$(grep -c 'fallback=' "$T/silent.out")" 0 "no fallback= there either"
ok "$([ $((t1 - t0)) -lt 2000 ]; echo $?)" "no wait for it ($((t1 - t0)) ms)"
sleep 0.2
is "$(cat "$T/silent.count" 2>/dev/null || echo 0)" 0 "the Redis address was never even connected to"

plan "$zm_ntest"
zm_done
