#!/bin/bash
# Bulk signal without Redis (embedded store; bulk_host_recipients = 10,
# bulk_hosts = 5; SPF off, a window that never scores; threshold tag 1: a
# message with points is delivered with X-Zombie-Score).  The fingerprint
# is computed here from the spec's rules (CR and LF end lines, runs of
# spaces/tabs collapse to one, trailing whitespace and empty lines dropped;
# SHA-256), so its first 8 hex in the reason check the milter's
# normalisation:
#   one host, one body written five ways (CRLF, LF, doubled spaces and
#   tabs, trailing spaces, blank lines, bare CR, no final line end, sent in
#   1- and 3-byte body packets): the recipients add up across the variants,
#   4+3+3 = 10 nothing, then 11 and 13 give bulk=FP:11rcpt/10(+20) and
#   bulk=FP:13rcpt/10(+20); a different body (other words; two words run
#   together) is counted apart: 5+5 nothing, 11 bulk=FP2:11rcpt/10(+20);
#   another host sending the first body starts from its own count;
#   a one-line body ("ok, thanks") to 11 recipients in one message:
#   nothing (a body under 64 bytes once normalised has no fingerprint:
#   short replies are alike everywhere);
#   the same other body from six hosts (bulk_hosts = 5): hosts 1-5
#   nothing, the 6th bulk.hosts=FP:6/5(+40), the 6th again still 6/5, a
#   7th 7/5, and the 1st again 7/5.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
sig_require

# b1 in five forms, b2 and b3 other texts, c1 a campaign, short a reply
L1='Dear customer,'
L2='Your account is ready for activation.'
L3='Click the link below to confirm your details now:'
L4='http://bank.example.com/confirm'
printf '%s\r\n%s\r\n\r\n%s\r\n%s\r\n' "$L1" $'Your  account\tis ready for activation.' "$L3" "$L4" >"$T/b1_crlf"
printf '%s\n%s\n%s\n%s\n' "$L1" "$L2" "$L3" "$L4" >"$T/b1_lf"
printf '%s\r\n\r\n\r\n%s\r\n \r\n%s\r\n%s' 'Dear  customer,   ' $'Your account  is \t  ready for activation.\t' \
    'Click the link  below to confirm your details now:' "$L4" >"$T/b1_spaces"
printf '%s\r%s\r%s\r%s\r' "$L1" "$L2" "$L3" "$L4" >"$T/b1_cr"
printf '%s\r\n%s\r\n%s\r\n%s\r\n' "$L1" 'Your account is closed for activation.' "$L3" "$L4" >"$T/b2"
printf '%s\n%s\n%s\n%s\n' 'Dearcustomer,' "$L2" "$L3" "$L4" >"$T/b3"
printf 'LIMITED OFFER\r\n\r\nWatches  at 90%% off, only today, while stocks last!\r\nOrder now at http://shop.example.com/watches\r\n' >"$T/c1"
printf 'ok, thanks\r\n' >"$T/short"
FP=$(sig_fp "$T/b1_crlf")
FP2=$(sig_fp "$T/b2")
FP3=$(sig_fp "$T/b3")
FPC=$(sig_fp "$T/c1")
FPS=$(sig_fp "$T/short")
for v in b1_lf b1_spaces b1_cr; do
    is "$(sig_fp "$T/$v")" "$FP" "the spec's normalisation: $v fingerprints like b1_crlf (test's own check)"
done
ok "$( [ "$FP" != "$FP2" ] && [ "$FP" != "$FP3" ]; echo $?)" "other words, words run together: other fingerprints (test's own check)"
F=${FP:0:8}
F2=${FP2:0:8}
FC=${FPC:0:8}
FS=${FPS:0:8}
diag "fingerprints: b1 $FP b2 $FP2 b3 $FP3 c1 $FPC"

sig_start A "$(sig_no_dns)" 'bulk = true' 'bulk_window = 600' \
    'bulk_host_recipients = 10' 'bulk_hosts = 5' \
    "$(sig_quiet_window)" \
    'threshold_tag = 1' 'threshold_tempfail = 0' 'threshold_reject = 0' 'threshold_quarantine = 0'
P=${SIG_PORT[A]}

# rc N: N recipients in one domain
rc() {
    local i out=
    for ((i = 1; i <= $1; i++)); do out="$out${out:+,}user$i@bulk.example"; done
    printf '%s' "$out"
}

H=helo=mail.customer.example.net
sig_run "raw client: one host, one body in several forms, and other bodies" <<EOF
$P 192.0.2.10 $H qid=B1 body=b1_crlf rcpt=$(rc 4)
$P 192.0.2.10 $H qid=B2 body=b1_lf rcpt=$(rc 3)
$P 192.0.2.10 $H qid=B3 body=b2 rcpt=$(rc 5)
$P 192.0.2.10 $H qid=B4 body=b3 rcpt=$(rc 5)
$P 192.0.2.10 $H qid=B5 body=b1_spaces rcpt=$(rc 3)
$P 192.0.2.10 $H qid=B6 body=b1_cr chunk=3 rcpt=$(rc 1)
$P 192.0.2.10 $H qid=B7 body=b1_crlf chunk=1 rcpt=$(rc 2)
$P 192.0.2.10 $H qid=B8 body=b2 rcpt=$(rc 5)
$P 192.0.2.10 $H qid=B9 body=b2 rcpt=$(rc 1)
$P 192.0.2.11 $H qid=B10 body=b1_crlf rcpt=$(rc 2)
$P 192.0.2.12 $H qid=S11 body=short rcpt=$(rc 11)
EOF

sig_run "raw client: one body from seven hosts" <<EOF
$P 198.51.100.1 $H qid=C1 body=c1
$P 198.51.100.2 $H qid=C2 body=c1
$P 198.51.100.3 $H qid=C3 body=c1
$P 198.51.100.4 $H qid=C4 body=c1
$P 198.51.100.5 $H qid=C5 body=c1
$P 198.51.100.6 $H qid=C6 body=c1
$P 198.51.100.6 $H qid=C6B body=c1
$P 198.51.100.7 $H qid=C7 body=c1
$P 198.51.100.1 $H qid=C1B body=c1
EOF


like "$(sig_proto B1)" '^nohelo=0 nobody=0 ' "bulk on: the milter asks for the body"
sig_chk B1 192.0.2.10 4 - 0 "b1 CRLF: 4 recipients"
sig_chk B2 192.0.2.10 3 - 0 "b1 LF: 7"
sig_chk B3 192.0.2.10 5 - 0 "b2: 5 of its own"
sig_chk B4 192.0.2.10 5 - 0 "b3 (words run together): 5 of its own"
sig_chk B5 192.0.2.10 3 - 0 "b1 spaces/blank lines/no final line end: 10, not more than 10"
sig_chk B6 192.0.2.10 1 "bulk=$F:11rcpt/10(+20)" 20 "b1 bare CR, 3-byte packets: 11"
sig_chk B7 192.0.2.10 2 "bulk=$F:13rcpt/10(+20)" 20 "b1 CRLF, 1-byte packets: 13"
sig_chk B8 192.0.2.10 5 - 0 "b2: 10 of its own"
sig_chk B9 192.0.2.10 1 "bulk=$F2:11rcpt/10(+20)" 20 "b2: 11 of its own"
sig_chk B10 192.0.2.11 2 - 0 "b1 from another host: 2"
sig_chk S11 192.0.2.12 11 - 0 "a one-line body to 11 recipients: too short to fingerprint"

for i in 1 2 3 4 5; do sig_chk "C$i" "198.51.100.$i" 1 - 0 "c1 from host $i"; done
sig_chk C6 198.51.100.6 1 "bulk.hosts=$FC:6/5(+40)" 40 "c1 from a 6th host"
sig_chk C6B 198.51.100.6 1 "bulk.hosts=$FC:6/5(+40)" 40 "c1 from the 6th host again: still 6 hosts"
sig_chk C7 198.51.100.7 1 "bulk.hosts=$FC:7/5(+40)" 40 "c1 from a 7th host"
sig_chk C1B 198.51.100.1 1 "bulk.hosts=$FC:7/5(+40)" 40 "c1 from the 1st host again: 7 hosts"

zm_file_count "$T/A.log" ': action=' 20 "one decision line per message"
zm_file_lacks "$T/A.log" 'zm:fp:|redis' "no Redis in sight"
sig_stop A
[ "$zm_nfail" -gt 0 ] && sig_diag A
plan "$zm_ntest"
zm_done
