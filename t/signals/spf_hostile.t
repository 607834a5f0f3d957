#!/bin/bash
# Hostile SPF records and senders, through the milter protocol, the real
# binary and a private DNS server (t/lib/dnsserve.py: TXT records of any
# length, sent over TCP when UDP truncates):
#   - the security report's record (127 %{d} then 3,900 bytes of literal in
#     one a: term, 4.4 KB; it crashed the milter through libspf2 1.2.10's
#     compiler) and four more shapes of the same attack: each message is
#     answered, accepted, logged "reasons=spf=permerror" (no points), and
#     the milter stays up;
#   - the milter still judges afterwards: pass, and fail refused (550);
#   - a sender domain is checked whatever the local part: 310 bytes long,
#     quoted with a space, with 8-bit bytes: spf=fail(+30), refused;
#   - at log level debug, the rule each record broke, with its domain;
#   - nothing raw in the log: no 8-bit byte reaches it.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
sig_require

Z=hostile.zm-test.net
REJ="ZM-SPF refused"
macros() { local i; for ((i = 0; i < $1; i++)); do printf '%%{d}'; done; }
fill() { head -c "$1" /dev/zero | tr '\0' "$2"; }
cat >"$T/zone" <<ZONE
evil.$Z TXT v=spf1 a:$(macros 127)$(fill 3900 A) -all
evil2.$Z TXT v=spf1 a:$(macros 127)$(fill 1400 A) -all
nine.$Z TXT v=spf1 a:$(macros 9).example.net -all
expand.$Z TXT v=spf1 a:$(macros 8)$(fill 170 A).net -all
byte.$Z TXT v=spf1 a:b\\xffd.example.net -all
pass.$Z TXT v=spf1 ip4:192.0.2.0/24 -all
fail.$Z TXT v=spf1 ip4:192.0.2.0/24 -all
ZONE
zm_dnsserve_start "$T/zone" || sig_fail_all "dnsserve.py did not start"
like "$(zm_dnsq query --port "$ZM_DS_PORT" --type TXT "pass.$Z")" \
    "NOERROR 'v=spf1 ip4:192.0.2.0/24 -all'" "the DNS server answers (checked first)"

sig_start A \
    "dns_forwarders = { \"127.0.0.1@$ZM_DS_PORT\" }" \
    'spf = true' 'bulk = false' 'from_domains_per_window = 0' \
    "$(sig_quiet_window)" 'helo_not_fqdn_points = 0' \
    'threshold_tag = 5' 'threshold_tempfail = 0' 'threshold_reject = 30' 'threshold_quarantine = 0' \
    "reply_reject = \"$REJ\""
PA=${SIG_PORT[A]}

LONG=$(fill 310 x)
H=helo=mail.customer.example.net
sig_run "raw client: the hostile records, then ordinary ones" <<STEPS
$PA 192.0.2.50 $H qid=EVIL from=x@evil.$Z
$PA 192.0.2.50 $H qid=EVIL2 from=x@evil2.$Z
$PA 192.0.2.50 $H qid=NINE from=x@nine.$Z
$PA 192.0.2.50 $H qid=EXPAND from=x@expand.$Z
$PA 192.0.2.50 $H qid=BYTE from=x@byte.$Z
$PA 192.0.2.50 $H qid=AGAIN from=y@evil.$Z keep=1
$PA 192.0.2.50 $H qid=AGAIN2 from=z@evil.$Z
$PA 192.0.2.51 $H qid=PASS from=alice@pass.$Z
$PA 198.51.100.7 $H qid=FAIL from=alice@fail.$Z
$PA 198.51.100.8 $H qid=LONG from=$LONG@fail.$Z
$PA 198.51.100.9 $H qid=QUOTED 'from="john doe"@fail.$Z'
$PA 198.51.100.10 $H qid=EIGHT from=jörg@fail.$Z
STEPS

sig_spf_perm EVIL 192.0.2.50 "the report's record, 4.4 KB: longer than 2048 bytes"
sig_spf_perm EVIL2 192.0.2.50 "127 macros and 1,400 bytes in one term"
sig_spf_perm NINE 192.0.2.50 "9 macros in a term"
sig_spf_perm EXPAND 192.0.2.50 "8 macros and 170 bytes: expands past 253 bytes"
sig_spf_perm BYTE 192.0.2.50 "a byte that is not printable ASCII"
sig_spf_perm AGAIN 192.0.2.50 "the report's record again (cached)"
sig_spf_perm AGAIN2 192.0.2.50 "and again, on the same connection"
is "$(sig_reply PASS)" "eom accept -" "PASS: accepted after the hostile records"
sig_decision A PASS "action=accept host=192.0.2.51 user=- score=0 reasons=- rcpts=1" \
    "PASS logged: accept score=0 reasons=-"
sig_spf_fail FAIL 198.51.100.7 "a forged sender still refused"
sig_spf_fail LONG 198.51.100.8 "a 310-byte local part: the domain is still checked"
sig_spf_fail QUOTED 198.51.100.9 "a quoted local part with a space"
sig_spf_fail EIGHT 198.51.100.10 "a local part with 8-bit bytes"

why() { # QID DOMAIN RULE
    sig_decision A "$1" "spf: the record of $2.$Z is refused: $3" \
        "$1: debug line: the record of $2.$Z broke \"$3\""
}
why EVIL evil "record longer than 2048 bytes"
why EVIL2 evil2 "term longer than 320 bytes"
why NINE nine "more than 8 macros in a term"
why EXPAND expand "domain-spec expands to more than 253 bytes"
why BYTE byte "record holds a byte that is not printable ASCII"
like "$(grep "^evil\.$Z TXT" "$ZM_DS_LOG" | sort -u | tr '\n' ' ')" "tcp" \
    "the 4.4 KB record reached the milter (asked again over TCP)"
zm_file_lacks "$T/A.log" $'[\x80-\xff]' "no 8-bit byte in the log"
zm_file_count "$T/A.log" ': action=' 12 "one decision line per message"

sig_stop A
[ "$zm_nfail" -gt 0 ] && sig_diag A
plan "$zm_ntest"
zm_done
