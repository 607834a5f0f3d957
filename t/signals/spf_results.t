#!/bin/bash
# SPF of the MAIL FROM domain against the client address, through the
# milter's own resolver and a private rbldnsd (a `generic` dataset serving
# TXT, A and MX records under spf.zm-test.net; anything outside it answered
# REFUSED).  Thresholds: tag 5, reject 30, so spf=fail(+30) is refused with
# 550 5.7.1 reply_reject, spf=softfail(+10) is delivered with an
# X-Zombie-Score header, and every other result (pass, neutral, none,
# permerror, temperror, timeout) scores nothing, gives no reason, and is
# accepted without a header:
#   pass (ip4, ip6), fail (ip4, ip6), softfail, neutral;
#   none: no TXT at all, a TXT that is not SPF, a domain that does not exist;
#   permerror, named "spf=permerror" with no points: an unknown mechanism
#   (would be fail if skipped), two SPF records;
#   macros: %{d} %{i} %{ir} %{l} in include / a / exists / mx, nested
#   includes where %{d} is the included domain: pass, softfail and fail
#   each reached the way the record says;
#   include loops (two records, and include:%{d}): past 10 lookups, a
#   permerror, answered;
#   exactly 10 DNS mechanisms: evaluated (fail); 11: permerror, no points,
#   also when the 11th is a matching -a: (RFC 7208 4.6.4: the limit holds
#   before the 11th term is evaluated; the milter refuses its lookup);
#   exp= is never expanded (its name is never asked); type-99 (SPF) queries
#   never reach the server; the null sender is not checked (its HELO name
#   is never asked);
#   temperror: the sender domain, or an include, outside the served zone
#   (REFUSED): no points; a lookup after that still works.
# Every message is answered within spf_budget_ms (500) + 1 s.  A second
# milter whose only forwarder never answers (t/lib/dns_blackhole.py),
# spf_budget_ms = 300: accepted, no reason, within 300 ms + 1 s.
. "$(dirname "$0")/../lib/common.sh"
. "$ZM_TOP/t/signals/signals.sh"
sig_require rbldnsd

Z=spf.zm-test.net
REJ="ZM-SPF refused"
zm_rbl_file spf <<'EOF'
pass        TXT "v=spf1 ip4:192.0.2.0/24 -all"
pass2       TXT "v=spf1 ip4:192.0.2.0/24 -all"
fail        TXT "v=spf1 ip4:198.51.100.0/24 -all"
softfail    TXT "v=spf1 ip4:198.51.100.0/24 ~all"
neutral     TXT "v=spf1 ?all"
v6          TXT "v=spf1 ip6:2001:db8:5::/48 -all"
nospf       A   192.0.2.200
other       TXT "zm-site-verification=0123456789abcdef"
syntax      TXT "v=spf1 ip4:198.51.100.1 bogus:example.net -all"
double      TXT "v=spf1 ip4:192.0.2.0/24 -all"
double      TXT "v=spf1 -all"
tempinc     TXT "v=spf1 include:spf.zm-test.org -all"
macro       TXT "v=spf1 include:i1.%{d} include:i2.%{d} a:%{i}.ipa.%{d} ~exists:%{ir}.%{l}.sf.%{d} mx:mxd.%{d} -all"
i1.macro    TXT "v=spf1 ip4:203.0.113.0/28 -all"
i2.macro    TXT "v=spf1 include:i3.%{d} ?all"
i3.i2.macro TXT "v=spf1 ip4:203.0.113.16/28 -all"
192.0.2.20.ipa.macro    A 192.0.2.20
21.2.0.192.bob.sf.macro A 127.0.0.2
mxh.macro   A   192.0.2.22
mxd.macro   MX  10 mxh.macro.spf.zm-test.net
loop        TXT "v=spf1 include:loop2.spf.zm-test.net -all"
loop2       TXT "v=spf1 include:loop.spf.zm-test.net -all"
self        TXT "v=spf1 include:%{d} -all"
ten         TXT "v=spf1 a:1.%{d} a:2.%{d} a:3.%{d} a:4.%{d} a:5.%{d} a:6.%{d} a:7.%{d} a:8.%{d} a:9.%{d} a:10.%{d} -all"
eleven      TXT "v=spf1 a:1.%{d} a:2.%{d} a:3.%{d} a:4.%{d} a:5.%{d} a:6.%{d} a:7.%{d} a:8.%{d} a:9.%{d} a:10.%{d} a:11.%{d} -all"
elevenm     TXT "v=spf1 a:1.%{d} a:2.%{d} a:3.%{d} a:4.%{d} a:5.%{d} a:6.%{d} a:7.%{d} a:8.%{d} a:9.%{d} a:10.%{d} -a:11.%{d} ?all"
expl        TXT "v=spf1 ip4:198.51.100.0/24 -all exp=why.%{d}"
why.expl    TXT "%{i} may not send mail for %{d}"
nullhelo    TXT "v=spf1 -all"
EOF
for i in 1 2 3 4 5 6 7 8 9 10; do echo "$i.ten A 198.51.100.$i"; done | zm_rbl_file ten
for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "$i.eleven A 198.51.100.$i"; done | zm_rbl_file eleven
for i in 1 2 3 4 5 6 7 8 9 10; do echo "$i.elevenm A 198.51.100.$i"; done | zm_rbl_file elevenm
echo "11.elevenm A 192.0.2.36" >>"$ZM_RBL_DATA/elevenm"
zm_rbldnsd_start "$Z:generic:spf,ten,eleven,elevenm" || sig_fail_all "rbldnsd did not start"

# the server answers what the records above need (checked first, so a
# failure below is the milter's)
chk() { zm_dnsq query --port "$ZM_RBL_PORT" --type "$1" "$2"; }
like "$(chk TXT macro.$Z)" "^macro\.$Z NOERROR 'v=spf1 include:i1\.%\{d\} .* -all'$" "rbldnsd serves the macro record as TXT"
like "$(chk TXT double.$Z)" "NOERROR 'v=spf1 [^']*','v=spf1 [^']*'$" "rbldnsd serves two TXT records for double.$Z"
is "$(chk A 21.2.0.192.bob.sf.macro.$Z)" "21.2.0.192.bob.sf.macro.$Z NOERROR 127.0.0.2" "rbldnsd serves A records with many labels"
is "$(chk TXT nospf.$Z)" "nospf.$Z NOERROR -" "nospf.$Z: no TXT"
is "$(chk TXT nx.$Z)" "nx.$Z NXDOMAIN -" "nx.$Z does not exist"
is "$(chk TXT temp.zm-test.org)" "temp.zm-test.org REFUSED -" "a name outside the zone: REFUSED"

# from here on the query log shows the milters' queries only
MARK=$(wc -l <"$ZM_RBL_LOG")
mlog() { tail -n +$((MARK + 1)) "$ZM_RBL_LOG"; }
# mq REGEX: how many of the milter's queries ask about a name matching REGEX
mq() { mlog | RE="^($1)\$" awk 'tolower($3) ~ tolower(ENVIRON["RE"])' | wc -l | tr -d ' '; }

BUDGET=500
SLACK=1000
sig_start A \
    "dns_forwarders = { \"127.0.0.1@$ZM_RBL_PORT\" }" \
    'spf = true' "spf_budget_ms = $BUDGET" \
    'bulk = false' 'from_domains_per_window = 0' \
    "$(sig_quiet_window)" \
    'threshold_tag = 5' 'threshold_tempfail = 0' 'threshold_reject = 30' 'threshold_quarantine = 0' \
    "reply_reject = \"$REJ\""
PA=${SIG_PORT[A]}

zm_blackhole_start || sig_fail_all "blackhole did not start"
sig_start B \
    "dns_forwarders = { \"127.0.0.1@$ZM_BH_PORT\" }" \
    'spf = true' 'spf_budget_ms = 300' \
    'bulk = false' 'from_domains_per_window = 0' \
    "$(sig_quiet_window)" \
    'threshold_tag = 5' 'threshold_tempfail = 0' 'threshold_reject = 30' 'threshold_quarantine = 0' \
    "reply_reject = \"$REJ\""
PB=${SIG_PORT[B]}

H=helo=mail.customer.example.net
sig_run "raw client: messages of every SPF result to milter A" <<EOF
$PA 192.0.2.10 $H qid=PASS from=alice@pass.$Z
$PA 192.0.2.11 $H qid=FAIL from=alice@fail.$Z
$PA 192.0.2.12 $H qid=SOFT from=alice@softfail.$Z
$PA 192.0.2.13 $H qid=NEUT from=alice@neutral.$Z
$PA 2001:db8:5::10 $H qid=PASS6 from=alice@v6.$Z
$PA 2001:db8:6::10 $H qid=FAIL6 from=alice@v6.$Z
$PA 192.0.2.14 $H qid=NONE from=alice@nospf.$Z
$PA 192.0.2.15 $H qid=NOTSPF from=alice@other.$Z
$PA 192.0.2.16 $H qid=NXDOM from=alice@nx.$Z
$PA 192.0.2.17 $H qid=SYNTAX from=alice@syntax.$Z
$PA 192.0.2.18 $H qid=DOUBLE from=alice@double.$Z
$PA 203.0.113.5 $H qid=MI1 from=alice@macro.$Z
$PA 203.0.113.20 $H qid=MI3 from=alice@macro.$Z
$PA 192.0.2.20 $H qid=MA from=alice@macro.$Z
$PA 192.0.2.21 $H qid=MEX from=bob@macro.$Z
$PA 192.0.2.21 $H qid=MEXN from=eve@macro.$Z
$PA 192.0.2.22 $H qid=MMX from=alice@macro.$Z
$PA 198.51.100.99 $H qid=MFAIL from=alice@macro.$Z
$PA 192.0.2.30 $H qid=LOOP from=alice@loop.$Z
$PA 192.0.2.31 $H qid=SELF from=alice@self.$Z
$PA 192.0.2.32 $H qid=TEN from=alice@ten.$Z
$PA 192.0.2.33 $H qid=ELEVEN from=alice@eleven.$Z
$PA 192.0.2.36 $H qid=ELEVENM from=alice@elevenm.$Z
$PA 192.0.2.34 $H qid=EXPL from=alice@expl.$Z
$PA 192.0.2.35 helo=nullhelo.$Z qid=NULL from=
$PA 192.0.2.40 $H qid=TEMP from=alice@temp.zm-test.org
$PA 192.0.2.41 $H qid=TEMPINC from=alice@tempinc.$Z
$PA 192.0.2.42 $H qid=AFTER from=alice@pass2.$Z
EOF

sig_run "raw client: two messages on one connection to milter B (DNS never answers)" <<EOF
$PB 192.0.2.70 $H qid=SLOW1 from=alice@slow.$Z keep=1
$PB 192.0.2.70 $H qid=SLOW2 from=bob@slow2.$Z
EOF

acc() { # QID HOST DESC: accepted, no header, score 0, no reason
    is "$(sig_reply "$1")" "eom accept -" "$1: accepted ($3)"
    is "$(sig_hdr "$1")" "-" "$1: no X-Zombie-Score header"
    sig_decision "${4:-A}" "$1" "action=accept host=$2 user=- score=0 reasons=- rcpts=1" \
        "$1 logged: accept score=0 reasons=- ($3)"
}
soft() { # QID HOST DESC
    is "$(sig_reply "$1")" "eom accept -" "$1: delivered ($3)"
    is "$(sig_hdr "$1")" "X-Zombie-Score: 10 spf=softfail(+10)" "$1: header X-Zombie-Score: 10 spf=softfail(+10)"
    sig_decision A "$1" "action=tag host=$2 user=- score=10 reasons=spf=softfail(+10) rcpts=1" \
        "$1 logged: tag score=10 reasons=spf=softfail(+10) ($3)"
}

acc PASS 192.0.2.10 "pass"
sig_spf_fail FAIL 192.0.2.11 "-all, client not listed"
soft SOFT 192.0.2.12 "~all"
acc NEUT 192.0.2.13 "neutral ?all"
acc PASS6 2001:db8:5::/64 "IPv6 client in ip6:2001:db8:5::/48"
sig_spf_fail FAIL6 2001:db8:6::/64 "IPv6 client outside ip6:"
acc NONE 192.0.2.14 "none: the domain has no TXT"
acc NOTSPF 192.0.2.15 "none: the only TXT is not SPF"
acc NXDOM 192.0.2.16 "none: the domain does not exist"
sig_spf_perm SYNTAX 192.0.2.17 "permerror: unknown mechanism bogus:"
sig_spf_perm DOUBLE 192.0.2.18 "permerror: two v=spf1 records"
acc MI1 203.0.113.5 "macros: pass through include:i1.%{d}"
acc MI3 203.0.113.20 "macros: pass through include:i2.%{d} -> include:i3.%{d}, %{d} the included domain"
acc MA 192.0.2.20 "macros: pass through a:%{i}.ipa.%{d}"
soft MEX 192.0.2.21 "macros: ~exists:%{ir}.%{l}.sf.%{d} matches bob"
sig_spf_fail MEXN 192.0.2.21 "macros: the same client as eve matches nothing"
acc MMX 192.0.2.22 "macros: pass through mx:mxd.%{d}"
sig_spf_fail MFAIL 198.51.100.99 "macros: a client matching nothing"
sig_spf_perm LOOP 192.0.2.30 "include loop of two records: past 10 lookups"
sig_spf_perm SELF 192.0.2.31 "include:%{d} loop: past 10 lookups"
sig_spf_fail TEN 192.0.2.32 "exactly 10 DNS mechanisms are evaluated"
sig_spf_perm ELEVEN 192.0.2.33 "11 DNS mechanisms: permerror, no points"
sig_spf_perm ELEVENM 192.0.2.36 "11 DNS mechanisms, the 11th (-a:) matching: its lookup refused, permerror, not fail"
sig_spf_fail EXPL 192.0.2.34 "a record with exp="
acc NULL 192.0.2.35 "null sender: not checked"
acc TEMP 192.0.2.40 "temperror: sender domain outside the served zone (REFUSED)"
acc TEMPINC 192.0.2.41 "temperror: include outside the served zone (REFUSED)"
acc AFTER 192.0.2.42 "pass on a new domain after the REFUSED answers"
acc SLOW1 192.0.2.70 "DNS never answers: timeout" B
acc SLOW2 192.0.2.70 "DNS never answers, second message of the connection" B

for q in PASS FAIL SOFT NEUT PASS6 FAIL6 NONE NOTSPF NXDOM SYNTAX DOUBLE MI1 MI3 MA MEX MEXN MMX MFAIL \
    LOOP SELF TEN ELEVEN ELEVENM EXPL NULL TEMP TEMPINC AFTER; do
    sig_within "$q" $((BUDGET + SLACK))
done
sig_within SLOW1 $((300 + SLACK))
sig_within SLOW2 $((300 + SLACK))
like "$(sig_proto PASS)" '^nohelo=0 nobody=1 ' "A asks for HELO, not for the body (bulk off)"

# what reached the server
is "$(mq 'why\.expl\.spf\.zm-test\.net')" 0 "exp= never expanded: why.expl.$Z never asked"
is "$(mq 'nullhelo\.spf\.zm-test\.net')" 0 "null sender: its HELO name never asked"
is "$(mlog | awk '$4 == "type99" || $4 == "SPF"' | wc -l)" 0 "no type-99 (SPF) query reached the server"
ok "$( [ "$(mq 'macro\.spf\.zm-test\.net')" -ge 1 ]; echo $?)" "the sender domain macro.$Z was asked"
for n in i1.macro i3.i2.macro 192.0.2.20.ipa.macro 21.2.0.192.bob.sf.macro mxd.macro mxh.macro 10.ten; do
    ok "$( [ "$(mq "$(rx "$n.$Z")")" -ge 1 ]; echo $?)" "$n.$Z was asked (macro expanded right)"
done
is "$(mlog | awk '$3 !~ /(^|\.)spf\.zm-test\.(net|org)$/ && $3 !~ /^temp\.zm-test\.org$/' | wc -l)" 0 \
    "every query is for a name the records lead to"
log_count_a() { zm_file_count "$T/A.log" "$@"; }
log_count_a ': action=' 28 "A: one decision line per message"
zm_file_count "$T/B.log" ': action=' 2 "B: one decision line per message"

sig_stop A B
[ "$zm_nfail" -gt 0 ] && sig_diag A B
plan "$zm_ntest"
zm_done
