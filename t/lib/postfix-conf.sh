# t/lib/postfix-conf.sh -- the main.cf settings every private Postfix of
# the tests (t/lib/postfix.sh) and of the benchmark
# (contrib/bench/postfix.sh) shares: everything under DIR, relaying all
# mail to smtp-sink, no DNS, no TLS, no local delivery.  Callers add what
# differs (addresses, networks); a setting must not be written twice, or
# every Postfix process warns about it.  The services of master.cf are in
# t/lib/postfix-master.cf.

# zm_postfix_main_cf DIR SINK_PORT SYSLOG_NAME: print those settings
zm_postfix_main_cf() {
    cat <<EOF
compatibility_level = 3.6
queue_directory = $1/spool
data_directory = $1/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = $3
maillog_file_prefixes = $1
maillog_file = $1/maillog
myhostname = relay.zm-test.example
mydomain = zm-test.example
myorigin = \$myhostname
mydestination =
local_recipient_maps =
relay_domains =
alias_maps =
alias_database =
append_dot_mydomain = no
biff = no
inet_interfaces = loopback-only
mynetworks_style = host
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_peername_lookup = no
smtpd_tls_security_level = none
smtp_tls_security_level = none
relayhost = [127.0.0.1]:$2
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_milters =
non_smtpd_milters =
milter_default_action = tempfail
milter_protocol = 6
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
notify_classes =
EOF
}
