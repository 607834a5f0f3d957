#!/bin/bash
# Behaviour signals, each on its own client address so that one never
# feeds another (SPF and bulk off, a window that never scores; threshold
# tag 1: a message with points is delivered with X-Zombie-Score, one
# without gets no header):
#   HELO: a bare IP and address literals (IPv4, IPv6) give helo=ip(+15);
#   PC-1234 helo=nofqdn(+10); relay_name (any case) and the MTA's `j`
#   macro helo=self(+40); gmail.com and a name under it helo=freemail(+40);
#   notgmail.com and a normal FQDN nothing;
#   recipient domains in one message (limit 20; 50 by default): 21 distinct give
#   rcptdomains=21/20(+10), 20 (with repeats, or a domain repeated in
#   upper case) nothing; the next message of the connection starts from 0;
#   recipient domains of one host in behaviour_window (limit 30): 12+12+6
#   nothing, one new domain more rcptdomains.window=31/30(+20), and still
#   31 after a message to a domain already counted; another host nothing;
#   rejected recipients ({rcpt_mailer}=error, SMFIP_RCPT_REJ): 3 of 5
#   rejected=3/5(+30) with rcpts=2 (accepted only), 3 of 6 (50 %)
#   rejected=3/6(+30), 2 of 5 nothing, 3 of 4 (fewer tried than
#   rejected_rcpts_min 5) nothing; the next message starts from 0;
#   MAIL FROM domains of one host: 5 nothing, the 6th
#   fromdomains=6/5(+40), a 7th from a domain seen before still 6/5;
#   another host nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
sig_require

sig_start A "$(sig_no_dns)" 'bulk = false' "$(sig_quiet_window)" \
    'relay_name = "relay.zm-test.net"' \
    'rcpt_domains_per_window = 30' 'rcpt_domains_per_message = 20' \
    'threshold_tag = 1' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 0'
P=${SIG_PORT[A]}

# doms PREFIX FIRST LAST [LOCAL]: LOCAL@PREFIXFIRST.example,...
doms() {
    local i out=
    for ((i = $2; i <= $3; i++)); do out="$out${out:+,}${4:-u}@$1$i.example"; done
    printf '%s' "$out"
}

J=j=mx-out.zm-test.net
OK=helo=mail.customer.example.net
sig_run "raw client: HELO names" <<EOF
$P 192.0.2.101 $J helo=192.0.2.101 qid=HIP
$P 192.0.2.102 $J helo=[192.0.2.102] qid=HLIT
$P 2001:db8:1::103 $J helo=[IPv6:2001:db8:1::103] qid=HLIT6
$P 192.0.2.104 $J helo=PC-1234 qid=HNODOT
$P 192.0.2.105 $J helo=relay.zm-test.net qid=HSELF
$P 192.0.2.106 $J helo=RELAY.Zm-Test.NET qid=HSELFC
$P 192.0.2.107 $J helo=mx-out.zm-test.net qid=HJ
$P 192.0.2.108 $J helo=gmail.com qid=HGM
$P 192.0.2.109 $J helo=smtp.gmail.com qid=HGMS
$P 192.0.2.110 $J helo=notgmail.com qid=HNOTGM
$P 192.0.2.111 $J $OK qid=HOK
EOF

sig_run "raw client: recipient domains per message" <<EOF
$P 192.0.2.120 $J $OK qid=RD21 rcpt=$(doms d 1 21)
$P 192.0.2.121 $J $OK qid=RD20 rcpt=$(doms d 1 20),$(doms d 1 5 v)
$P 192.0.2.122 $J $OK qid=RDCASE rcpt=$(doms d 1 20),v@D7.EXAMPLE
$P 192.0.2.123 $J $OK qid=RDK1 rcpt=$(doms e 1 21) keep=1
$P 192.0.2.123 $J $OK qid=RDK2 rcpt=u@e1.example
EOF

sig_run "raw client: recipient domains of one host in the window" <<EOF
$P 192.0.2.130 $J $OK qid=W1 rcpt=$(doms w 1 12)
$P 192.0.2.130 $J $OK qid=W2 rcpt=$(doms w 13 24)
$P 192.0.2.130 $J $OK qid=W3 rcpt=$(doms w 25 30)
$P 192.0.2.130 $J $OK qid=W4 rcpt=u@w1.example,u@w31.example
$P 192.0.2.130 $J $OK qid=W5 rcpt=u@w2.example
$P 192.0.2.131 $J $OK qid=W6 rcpt=$(doms w 1 5)
EOF

sig_run "raw client: recipients refused by the MTA" <<EOF
$P 192.0.2.140 $J $OK qid=RJ3 rcpt=a@r.example,!b@r.example,!c@r.example,d@r.example,!e@r.example
$P 192.0.2.141 $J $OK qid=RJ2 rcpt=a@r.example,!b@r.example,c@r.example,d@r.example,!e@r.example
$P 192.0.2.142 $J $OK qid=RJ4 rcpt=!a@r.example,!b@r.example,c@r.example,!d@r.example
$P 192.0.2.143 $J $OK qid=RJ36 rcpt=!a@r.example,b@r.example,!c@r.example,d@r.example,!e@r.example,f@r.example
$P 192.0.2.144 $J $OK qid=RJK1 rcpt=!a@r.example,!b@r.example,!c@r.example,d@r.example,e@r.example keep=1
$P 192.0.2.144 $J $OK qid=RJK2 rcpt=a@r.example,b@r.example,c@r.example,d@r.example,e@r.example
EOF

steps=
for i in 1 2 3 4 5 6; do steps="$steps$P 192.0.2.150 $J $OK qid=F$i from=alice@f$i.example"$'\n'; done
steps="$steps$P 192.0.2.150 $J $OK qid=F7 from=bob@f1.example"$'\n'
steps="$steps$P 192.0.2.151 $J $OK qid=G1 from=alice@f9.example"$'\n'
sig_run "raw client: MAIL FROM domains of one host" <<<"$steps"


like "$(sig_proto HIP)" '^nohelo=0 nobody=1 rcpt_rej=1 ' \
    "the milter asks for HELO and for rejected recipients, not for the body (bulk off)"
sig_chk HIP 192.0.2.101 1 'helo=ip(+15)' 15 "HELO 192.0.2.101"
sig_chk HLIT 192.0.2.102 1 'helo=ip(+15)' 15 "HELO [192.0.2.102]"
sig_chk HLIT6 2001:db8:1::/64 1 'helo=ip(+15)' 15 "HELO [IPv6:2001:db8:1::103]"
sig_chk HNODOT 192.0.2.104 1 'helo=nofqdn(+10)' 10 "HELO PC-1234"
sig_chk HSELF 192.0.2.105 1 'helo=self(+40)' 40 "HELO relay_name"
sig_chk HSELFC 192.0.2.106 1 'helo=self(+40)' 40 "HELO relay_name in other case"
sig_chk HJ 192.0.2.107 1 'helo=self(+40)' 40 "HELO the MTA's j macro"
sig_chk HGM 192.0.2.108 1 'helo=freemail(+40)' 40 "HELO gmail.com"
sig_chk HGMS 192.0.2.109 1 'helo=freemail(+40)' 40 "HELO smtp.gmail.com"
sig_chk HNOTGM 192.0.2.110 1 - 0 "HELO notgmail.com is not under gmail.com"
sig_chk HOK 192.0.2.111 1 - 0 "HELO a normal FQDN"

sig_chk RD21 192.0.2.120 21 'rcptdomains=21/20(+10)' 10 "21 recipient domains"
sig_chk RD20 192.0.2.121 25 - 0 "25 recipients in 20 domains"
sig_chk RDCASE 192.0.2.122 21 - 0 "20 domains, one repeated in upper case"
sig_chk RDK1 192.0.2.123 21 'rcptdomains=21/20(+10)' 10 "21 recipient domains, first message of the connection"
sig_chk RDK2 192.0.2.123 1 - 0 "next message of the connection, one domain"

sig_chk W1 192.0.2.130 12 - 0 "window: 12 domains"
sig_chk W2 192.0.2.130 12 - 0 "window: 24 domains"
sig_chk W3 192.0.2.130 6 - 0 "window: 30 domains"
sig_chk W4 192.0.2.130 2 'rcptdomains.window=31/30(+20)' 20 "window: 31 domains"
sig_chk W5 192.0.2.130 1 'rcptdomains.window=31/30(+20)' 20 "window: a domain already counted, still 31"
sig_chk W6 192.0.2.131 5 - 0 "window: another host"

sig_chk RJ3 192.0.2.140 2 'rejected=3/5(+30)' 30 "3 of 5 recipients refused"
sig_chk RJ2 192.0.2.141 3 - 0 "2 of 5 recipients refused"
sig_chk RJ4 192.0.2.142 1 - 0 "3 of 4 refused: fewer than rejected_rcpts_min tried"
sig_chk RJ36 192.0.2.143 3 'rejected=3/6(+30)' 30 "3 of 6 refused: 50 % is enough"
sig_chk RJK1 192.0.2.144 2 'rejected=3/5(+30)' 30 "3 of 5 refused, first message of the connection"
sig_chk RJK2 192.0.2.144 5 - 0 "next message of the connection, none refused"

for i in 1 2 3 4 5; do sig_chk "F$i" 192.0.2.150 1 - 0 "sender domain $i of the host"; done
sig_chk F6 192.0.2.150 1 'fromdomains=6/5(+40)' 40 "sender domain 6 of the host"
sig_chk F7 192.0.2.150 1 'fromdomains=6/5(+40)' 40 "a sender domain seen before: still 6"
sig_chk G1 192.0.2.151 1 - 0 "another host"

zm_file_count "$T/A.log" ': action=' 36 "one decision line per message"
sig_stop A
[ "$zm_nfail" -gt 0 ] && sig_diag A
plan "$zm_ntest"
zm_done
